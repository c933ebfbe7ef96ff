"""Every ORM model, imported once so the metadata (and Alembic) sees all tables."""

from billing.esign.models import (
    ContractSigner,
    DeliveryConsent,
    RevokedCertificate,
    SignedDocument,
    SigningAuthority,
    SigningCode,
)
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
from control_center.alarms.models import Timer
from control_center.core.audit import AuditEntry
from control_center.core.db import Base
from control_center.incidents.models import Incident, IncidentEvent, IncidentTask, VerificationAttempt
from control_center.signals.models import DeadLetter, Signal
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
from panel_gateway.models import GatewayStatus

__all__ = [
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "Base",
    "CallRun",
    "ChargeRow",
    "ContactAttempt",
    "Contract",
    "ContractSigner",
    "CoverageLimit",
    "DeadLetter",
    "DeliveryConsent",
    "DemandRow",
    "Depot",
    "Device",
    "DispatchNote",
    "EmergencyContact",
    "EndNotice",
    "ExtraQuestion",
    "FeeDecisionRow",
    "GatewayStatus",
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
    "RevokedCertificate",
    "SentReport",
    "Signal",
    "SignedDocument",
    "SigningAuthority",
    "SigningCode",
    "Subscriber",
    "SuspensionRow",
    "Timer",
    "Trip",
    "TripContact",
    "User",
    "VerificationAttempt",
    "WebhookReceipt",
]
