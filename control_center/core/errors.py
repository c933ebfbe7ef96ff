"""The one refusal every feature's rules raise: the step is not allowed now, and the message says why."""

from __future__ import annotations


class Refused(Exception):
    """Shown to the user on the page they acted from (control_center/web/actions.py); 409 on the API."""
