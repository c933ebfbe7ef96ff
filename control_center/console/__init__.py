"""The operator console: live queue (server-sent events + htmx) and incident pages."""
