"""The one refusal every feature's rules raise: the step is not allowed now, and the message says why."""

from __future__ import annotations


class Refused(Exception):
    """Shown to the user on the page they acted from (control_center/web/actions.py); 409 on the API.

    The message is a msgid; values go in as named arguments (``Refused("%(n)d attempts used", n=3)``), so
    a page translates the msgid and then fills them in, and ``str()`` is the English sentence."""

    def __init__(self, message: str = "", /, **params: str | int) -> None:
        super().__init__(message % params if params else message)
        self.msgid = message
        self.params = params

    @property
    def said(self) -> tuple[str, dict[str, str | int]]:
        """The msgid with its arguments, for a page to translate (web/actions.py ``Message``)."""
        return self.msgid, self.params
