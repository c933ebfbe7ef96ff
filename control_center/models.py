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
from control_center.access.models import ApiToken, LoginSession, User
from control_center.alarms.timer_models import AuditEntry, Timer
from control_center.db import Base
from control_center.incidents.models import Incident, IncidentEvent, IncidentTask, VerificationAttempt
from control_center.subscribers.models import (
    Device,
    EmergencyContact,
    ExtraQuestion,
    PanelAccount,
    Premises,
    PremisesService,
    Subscriber,
    Trip,
    TripContact,
)
from control_center.telephony.models import CallRun, ContactAttempt, WebhookReceipt
from dispatch.models import (
    Assignment,
    CoverageLimit,
    Depot,
    DispatchNote,
    KeyEvent,
    KeySet,
    PremisesCoverage,
    Responder,
    SentReport,
)
from panel_gateway.models import DeadLetter, Signal

__all__ = [
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "Base",
    "CallRun",
    "ChargeRow",
    "ContactAttempt",
    "Contract",
    "CoverageLimit",
    "DeadLetter",
    "DemandRow",
    "Depot",
    "Device",
    "DispatchNote",
    "EmergencyContact",
    "EndNotice",
    "ExtraQuestion",
    "FeeDecisionRow",
    "Incident",
    "IncidentEvent",
    "IncidentTask",
    "InvoiceLineRow",
    "InvoiceRow",
    "KeyEvent",
    "KeySet",
    "LoginSession",
    "PanelAccount",
    "Premises",
    "PremisesCoverage",
    "PremisesService",
    "PriceChangeRow",
    "Responder",
    "SentReport",
    "Signal",
    "Subscriber",
    "SuspensionRow",
    "Timer",
    "Trip",
    "TripContact",
    "User",
    "VerificationAttempt",
    "WebhookReceipt",
]
