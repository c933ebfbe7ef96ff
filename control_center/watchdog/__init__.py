"""The pipeline supervises itself: system alarms on every console, /healthz and /readyz."""
