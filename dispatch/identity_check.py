"""The responder checks the identity of anyone met on site, pure.

Seed 002 セコムからのお知らせ (5)③: the responder always confirms the identity (身分) of a person met while
checking the premises; the center may phone the emergency contacts to confirm it; the responder does not
prove their own identity until the other person's is confirmed. Domain brief §2.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from control_center.core.i18n import N_

CLAUSE = "seed 002 セコムからのお知らせ (5)③"


class Finding(StrEnum):
    CONFIRMED = "confirmed"  # shown to be the subscriber or a family member living there (ID, house code)
    CONFIRM_BY_CONTACTS = "confirm_by_contacts"  # the center is to phone the emergency contacts
    CONFIRMED_BY_CONTACTS = "confirmed_by_contacts"  # an emergency contact vouched for the person
    NOT_CONFIRMED = "not_confirmed"  # refused, fled, or nobody could vouch: treat as an intruder


WORDS = {
    Finding.CONFIRMED: N_("identity confirmed on site"),
    Finding.CONFIRM_BY_CONTACTS: N_("identity to be confirmed by phoning the emergency contacts"),
    Finding.CONFIRMED_BY_CONTACTS: N_("identity confirmed by an emergency contact"),
    Finding.NOT_CONFIRMED: N_("identity not confirmed"),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    finding: Finding
    may_identify_self: bool  # the responder may now show their own identity
    call_contacts: bool  # the operator phones the emergency contacts to confirm
    authorities: bool  # treat as an intruder: the police (the plan's after-check agencies)


def judge(finding: Finding | str) -> Outcome:
    finding = Finding(finding)
    confirmed = finding in (Finding.CONFIRMED, Finding.CONFIRMED_BY_CONTACTS)
    return Outcome(
        finding=finding,
        may_identify_self=confirmed,
        call_contacts=finding is Finding.CONFIRM_BY_CONTACTS,
        authorities=finding is Finding.NOT_CONFIRMED,
    )
