"""The demo's data: subscribers, responders and users that `control-center demo` and `db seed` add."""
