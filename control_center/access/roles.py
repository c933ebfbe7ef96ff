"""Roles and what each may do: one table, checked on the server for pages and API alike."""

from __future__ import annotations

from enum import StrEnum

from control_center.core.i18n import N_


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    RESPONDER = "responder"
    BILLING_CLERK = "billing_clerk"
    ADMINISTRATOR = "administrator"


# Templates show a role as _(role); these put the values in the catalogs.
ROLE_WORDS = (N_("operator"), N_("supervisor"), N_("responder"), N_("billing_clerk"), N_("administrator"))


class Permission(StrEnum):
    INCIDENTS_READ = "incidents.read"  # the queue and every incident with the data to work it
    INCIDENTS_WORK = "incidents.work"  # claim, verify, outcome, tasks, resolve
    SUBSCRIBERS_WRITE = "subscribers.write"  # trips and other subscriber-side registrations
    SUPERVISE = "supervise"  # reassign, disaster-mode bulk close, live figures, the legal record
    AUDIT_READ = "audit.read"
    ASSIGNED_INCIDENTS = "assigned.incidents"  # a responder's own assignments, only while assigned
    CONTRACTS_READ = "contracts.read"  # contracts, invoices, the subscriber's billing page
    CONTRACTS_WRITE = "contracts.write"
    USERS_MANAGE = "users.manage"
    KEYS_MANAGE = "keys.manage"  # DC-09 encryption keys


_OPERATOR = {Permission.INCIDENTS_READ, Permission.INCIDENTS_WORK, Permission.SUBSCRIBERS_WRITE}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.SUPERVISOR: frozenset(_OPERATOR | {Permission.SUPERVISE, Permission.AUDIT_READ}),
    Role.RESPONDER: frozenset({Permission.ASSIGNED_INCIDENTS}),
    Role.BILLING_CLERK: frozenset({Permission.CONTRACTS_READ, Permission.CONTRACTS_WRITE}),
    # Administrators run the system; they do not work incidents or see contracts by default.
    Role.ADMINISTRATOR: frozenset({Permission.USERS_MANAGE, Permission.KEYS_MANAGE, Permission.AUDIT_READ}),
}


def may(role: Role | str, permission: Permission) -> bool:
    return permission in PERMISSIONS[Role(role)]
