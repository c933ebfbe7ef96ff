"""Every ORM model, imported once so the metadata (and Alembic) sees all tables."""

from billing.models import (
    ChargeRow,
    Contract,
    DemandRow,
    EndNotice,
    FeeDecisionRow,
    InvoiceLineRow,
    InvoiceRow,
    PriceChangeRow,
    SuspensionRow,
)
from control_center.db import Base
from control_center.incidents.models import Incident
from control_center.subscribers.models import (
    EmergencyContact,
    PanelAccount,
    Premises,
    PremisesService,
    Subscriber,
)
from panel_gateway.models import DeadLetter, Signal

__all__ = [
    "Base",
    "ChargeRow",
    "Contract",
    "DeadLetter",
    "DemandRow",
    "EmergencyContact",
    "EndNotice",
    "FeeDecisionRow",
    "Incident",
    "InvoiceLineRow",
    "InvoiceRow",
    "PanelAccount",
    "Premises",
    "PremisesService",
    "PriceChangeRow",
    "Signal",
    "Subscriber",
    "SuspensionRow",
]
