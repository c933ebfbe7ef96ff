"""The refusal billing's services raise: shown on the clerk's page (web/actions.py), exit 2 on the CLI."""

from __future__ import annotations

from control_center.core.errors import Refused


class BillingRefused(Refused, ValueError):
    """The step is not allowed as asked; the message says why (and cites the clause where one applies)."""
