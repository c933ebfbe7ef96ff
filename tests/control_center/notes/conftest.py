"""The running system and the browser of the console tests, for the notes and the premises panel."""

from tests.control_center.conftest import system  # noqa: F401
from tests.control_center.console.test_console_browser import page  # noqa: F401
from tests.control_center.console.test_live_incident import browser  # noqa: F401
