"""The responder's status machine: which button is allowed in which state, and where it leads."""

from __future__ import annotations

from enum import StrEnum

from control_center.core.i18n import N_
from dispatch.models import ResponderStatus as S


class Action(StrEnum):
    ASSIGN = "assign"
    ACCEPT = "accept"
    EN_ROUTE = "en_route"
    ARRIVED = "arrived"
    ALL_CLEAR = "all_clear"
    NEEDS_HELP = "needs_help"  # police, fire or ambulance wanted on site
    REPORT = "report"  # the on-site report is filed: free again
    RELEASE = "release"  # the operator takes the assignment back (e.g. to send someone nearer)
    # The incident was closed before the responder arrived (a verified cancel, say): the responder's phone
    # says so and the responder confirms the return; until then they are not free for another job.
    STAND_DOWN = "stand_down"
    OFF_DUTY = "off_duty"
    ON_DUTY = "on_duty"


# What the responder's buttons say (the statuses have their own words).
BUTTONS = {
    "accept": N_("Accept"),
    "en_route": N_("Leave for the premises"),
    "arrived": N_("Arrived on site"),
    "all_clear": N_("Check finished"),
    "needs_help": N_("needs_help"),
    "report": N_("report"),
    "stand_down": N_("Understood: return to the depot"),
}

TRANSITIONS: dict[tuple[S, Action], S] = {
    (S.AVAILABLE, Action.ASSIGN): S.ASSIGNED,
    (S.ASSIGNED, Action.ACCEPT): S.ASSIGNED,
    (S.ASSIGNED, Action.EN_ROUTE): S.EN_ROUTE,
    (S.EN_ROUTE, Action.ARRIVED): S.ON_SITE,
    (S.ON_SITE, Action.NEEDS_HELP): S.ON_SITE,
    (S.ON_SITE, Action.ALL_CLEAR): S.REPORTING,
    (S.REPORTING, Action.REPORT): S.AVAILABLE,
    (S.ASSIGNED, Action.RELEASE): S.AVAILABLE,
    (S.EN_ROUTE, Action.RELEASE): S.AVAILABLE,
    (S.ASSIGNED, Action.STAND_DOWN): S.AVAILABLE,
    (S.EN_ROUTE, Action.STAND_DOWN): S.AVAILABLE,
    (S.AVAILABLE, Action.OFF_DUTY): S.OFF_DUTY,
    (S.OFF_DUTY, Action.ON_DUTY): S.AVAILABLE,
}


class StatusError(Exception):
    pass


def after(status: S | str, action: Action | str) -> S:
    try:
        return TRANSITIONS[(S(status), Action(action))]
    except (KeyError, ValueError):
        raise StatusError(f"{action} is not possible while {status}") from None


def allowed_actions(status: S | str, *, accepted: bool = False, closed: bool = False) -> list[Action]:
    """The responder's buttons now; once the job is accepted, accepting it again is not one of them. On a
    job whose incident the center has closed before the responder got there, standing down is the only
    one (on site, the check and the report go on as usual)."""
    operators = (Action.ASSIGN, Action.RELEASE)
    possible = [a for (s, a) in TRANSITIONS if s == S(status) and a not in operators]
    if closed and Action.STAND_DOWN in possible:
        return [Action.STAND_DOWN]
    return [a for a in possible if a != Action.STAND_DOWN and not (accepted and a == Action.ACCEPT)]


ACCEPTED = N_("accepted")  # an assigned responder who has accepted the job, not yet left


def shown(status: S | str, *, accepted: bool = False) -> str:
    """The status word a page shows: 'accepted' after 受諾 until the responder leaves (same state)."""
    return ACCEPTED if accepted and S(status) == S.ASSIGNED else str(status)
