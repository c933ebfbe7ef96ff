"""The demo's settings: those of the environment, with the DC-09 receiver on (on its own port unless
one is configured), so the demo shows every transport."""

from __future__ import annotations

from control_center.core.settings import Settings

DEMO_DC09_PORT = 18090
# The demo's invoices need an issuer's registration number (T + 13 digits); a made-up one, unless configured.
DEMO_INVOICE_REGISTRATION = "T0000000000000"


def demo_settings(settings: Settings, http_port: int | None) -> Settings:
    port = settings.dc09_port or DEMO_DC09_PORT
    registration = settings.invoice_registration_number or DEMO_INVOICE_REGISTRATION
    return settings.model_copy(
        update={
            "http_port": http_port or settings.http_port,
            "dc09_port": port,
            "invoice_registration_number": registration,
        }
    )
