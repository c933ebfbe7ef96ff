from tests.control_center.console.test_console_browser import page  # noqa: F401
