from tests.control_center.test_console_browser import page  # noqa: F401
