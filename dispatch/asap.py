"""The machine hand-off: an ASAP-to-PSAP-style XML notification out, the agency's status updates in.

Pure functions, no I/O besides reading the schema file once. ``build`` turns a ``handoff.Pack`` into the
``AlarmNotification`` document; ``parse_reply`` turns an agency's bytes into a ``StatusUpdate`` or a
``Refused`` value (never an exception): size-capped, parsed by defusedxml (no DTD, no entities: XXE and
entity expansion are refused before anything is read), then validated against the schema, then the rules
the schema cannot state (a rejection needs its reason). Element names follow the data elements of
APCO/CSAA ANS 2.101 (ASAP); the mapping and why our own schema is used are in docs/asap-mapping.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET  # building only: nothing untrusted is parsed with it

import xmlschema
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as safe_fromstring

from dispatch.handoff import Pack

NS = "urn:control-center:asap-jp:1"
SCHEMA_PATH = Path(__file__).with_name("schemas") / "asap-jp-1.xsd"
MAX_REPLY_BYTES = 16 * 1024  # a status update is a few hundred bytes; anything far larger is refused unread


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA_PATH))


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, _q(name))
    if text is not None:
        child.text = text
    return child


def build(pack: Pack) -> bytes:
    """The ``AlarmNotification`` for ``pack``, UTF-8 with an XML declaration."""
    ET.register_namespace("", NS)
    root = ET.Element(_q("AlarmNotification"), {"version": "1"})
    _add(root, "MessageID", pack.message_id)
    _add(root, "MessageDateTime", _utc(pack.created_at))
    _add(root, "ResponsibleAgency", pack.agency)
    org = _add(root, "AlarmMonitoringOrganization")
    _add(org, "OrganizationName", pack.organization[:300])
    _add(org, "CallBackTelephone", pack.callback)
    _add(org, "OperatorName", pack.operator[:300])
    event = _add(root, "AlarmEvent")
    _add(event, "AlarmEventIdentifier", str(pack.incident_id))
    _add(event, "AlarmEventCategory", pack.category)
    _add(event, "AlarmEventType", pack.alarm_type_text[:300] or pack.category)
    _add(event, "AlarmServiceCode", pack.service_type)
    _add(event, "AlarmReceivedDateTime", _utc(pack.received_at))
    confirmation = _add(event, "AlarmConfirmation")
    _add(confirmation, "ValidationLevel", str(pack.level))
    _add(confirmation, "ValidationText", pack.level_sentence[:500])
    if pack.evidence_url:
        _add(event, "AlarmConfirmationURI", pack.evidence_url)
    location = _add(root, "AlarmLocation")
    _add(location, "LocationAddress", pack.address[:300])
    if pack.directions:
        _add(location, "LocationDirections", pack.directions[:300])
    if pack.landmarks:
        _add(location, "LocationLandmarks", pack.landmarks[:300])
    coordinates = _add(location, "LocationCoordinates")
    _add(coordinates, "Latitude", f"{pack.lat:.6f}")
    _add(coordinates, "Longitude", f"{pack.lon:.6f}")
    if pack.contact_name and pack.contact_phone:
        contact = _add(root, "PremisesContact")
        _add(contact, "ContactName", pack.contact_name[:100])
        _add(contact, "ContactTelephone", pack.contact_phone)
    if pack.responder_name:
        responder = _add(root, "KeyHolderResponse")
        _add(responder, "ResponderName", pack.responder_name[:100])
        _add(responder, "OnScene", "true" if pack.responder_on_site else "false")
        if pack.responder_eta and not pack.responder_on_site:
            _add(responder, "EstimatedArrivalDateTime", _utc(pack.responder_eta))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def errors(document: bytes) -> list[str]:
    """The schema's complaints about a document the center built (empty: valid)."""
    try:
        root = safe_fromstring(document, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        return [f"not well-formed: {exc}"]
    return [str(e.reason or e) for e in schema().iter_errors(root)]


# --- replies ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusUpdate:
    message_id: str
    referenced_message_id: str
    incident_id: int
    at: dt.datetime
    status: str  # accepted | rejected | dispatched | arrived | closed
    agency_reference: str | None
    reason: str | None


@dataclass(frozen=True)
class Refused:
    reason: str  # English, for the agency's system and the log


def status_update(
    *, message_id: str, referenced: str, incident_id: int, at: dt.datetime, status: str,
    reference: str | None = None, reason: str | None = None,
) -> bytes:  # fmt: skip
    """An ``AlarmStatusUpdate`` as an agency sends it (the recording fake's replies, the tests)."""
    ET.register_namespace("", NS)
    root = ET.Element(_q("AlarmStatusUpdate"), {"version": "1"})
    _add(root, "MessageID", message_id)
    _add(root, "ReferencedMessageID", referenced)
    _add(root, "AlarmEventIdentifier", str(incident_id))
    _add(root, "MessageDateTime", _utc(at))
    _add(root, "Status", status)
    if reference:
        _add(root, "AgencyReference", reference)
    if reason:
        _add(root, "Reason", reason)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def parse_reply(raw: bytes) -> StatusUpdate | Refused:
    """An agency's status update, or why it is refused. Never raises on any input."""
    if len(raw) > MAX_REPLY_BYTES:
        return Refused(f"larger than {MAX_REPLY_BYTES} bytes")
    try:
        root = safe_fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return Refused(f"forbidden XML construct: {type(exc).__name__}")
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: an encoding Python does not know
        return Refused(f"not well-formed XML: {str(exc)[:100]}")
    except RecursionError:
        return Refused("nested too deeply")
    if root.tag != _q("AlarmStatusUpdate"):
        return Refused("not an AlarmStatusUpdate of this exchange")
    try:
        problem = next(iter(schema().iter_errors(root)), None)
    except Exception as exc:  # a validator's own failure on strange input is still a refusal, not a crash
        return Refused(f"not valid: {type(exc).__name__}")
    if problem is not None:
        return Refused(f"not valid against the schema: {str(problem.reason or problem)[:200]}")

    def text(name: str) -> str | None:
        node = root.find(_q(name))
        return None if node is None or node.text is None else node.text.strip() or None

    status, reason = text("Status") or "", text("Reason")
    if status == "rejected" and not reason:
        return Refused("a rejection must give its reason")
    try:
        at = dt.datetime.fromisoformat((text("MessageDateTime") or "").replace("Z", "+00:00"))
        incident_id = int(text("AlarmEventIdentifier") or 0)
    except ValueError as exc:  # the schema admits some forms Python does not read (e.g. year 0000)
        return Refused(f"not readable: {str(exc)[:100]}")
    return StatusUpdate(
        message_id=text("MessageID") or "",
        referenced_message_id=text("ReferencedMessageID") or "",
        incident_id=incident_id,
        at=at.astimezone(dt.UTC),
        status=status,
        agency_reference=text("AgencyReference"),
        reason=reason,
    )
