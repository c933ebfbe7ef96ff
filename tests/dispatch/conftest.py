"""The running system and the browser of the console tests, for the responder's view."""

from tests.control_center.conftest import system  # noqa: F401
from tests.control_center.console.test_console_browser import page  # noqa: F401
