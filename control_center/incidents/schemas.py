from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, computed_field, field_validator

from control_center.signals.classification import PanelNote, note_for
from control_center.signals.service_types import ServiceType


class PremisesSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    address: str
    lat: float
    lon: float
    phone: str
    arming_state: str


class AlarmReasonOut(BaseModel):
    """One data point behind the alarm level (``control_center/alarms/alarm_level.py``): ``code`` is stable,
    ``data`` its figures, ``level`` the level it set (null: shown only), ``text`` in English."""

    code: str
    data: dict[str, Any]
    level: int | None
    text: str


class IncidentOut(BaseModel):
    id: int
    account: str
    premises: PremisesSummary | None
    service_type: ServiceType
    priority: int
    status: str
    description: str
    opened_at: dt.datetime
    last_signal_at: dt.datetime
    restored_at: dt.datetime | None
    signal_count: int
    # TMA AVS-01: 0 no call for service … 4 threat to life; null until first assessed.
    alarm_level: int | None = None
    alarm_level_reasons: list[AlarmReasonOut] = []
    alarm_level_sentence: str | None = None  # the one sentence for a police call-taker, in English


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    name: str
    phone: str
    relation: str | None


class SignalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    received_at: dt.datetime
    panel_time: dt.datetime | None
    transport: str
    format: str
    event_code: str
    qualifier: str | None
    zone: int
    kind: str
    description: str
    # What else the panel said (signals.details): DC-09 extended fields under "extended" (a
    # "verification" URL, "latitude"/"longitude", "event_time", "room"…), DC-03 "modifiers" and
    # "text"; for a signal of format "unknown", "unreadable" (why) — its raw frame is in the store.
    details: dict[str, Any] | None = None

    @field_validator("details", mode="before")
    @classmethod
    def _from_json(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return {"unreadable": value}
        return value


class TaskOut(BaseModel):
    """One item of the incident's action plan as a checklist (``alarms/action_plans.py``): ``kind`` is
    stable (``call_premises``, ``call_contacts``, ``dispatch``, ``notify_police``, ``notify_fire``,
    ``notify_ambulance``, ``notify_gas``, …); a mandatory one open keeps the incident from closing."""

    kind: str
    mandatory: bool
    done: bool
    result: str | None  # who recorded it, and the reference (e.g. the police's case number) if any


class IncidentDetail(IncidentOut):
    subscriber_name: str | None
    services: list[ServiceType]
    contacts: list[ContactOut]
    signals: list[SignalOut]
    tasks: list[TaskOut] = []

    @computed_field  # type: ignore[prop-decorator]
    @property
    def panel_reports(self) -> list[PanelNote]:
        """What the panel said about the alarm (ANSI/SIA CP-01 cancel, recent closing, exit error,
        swinger shutdown; CLC/TS 50131-9 confirmed / unverified), in the order received."""
        notes = (note_for(s.format, s.event_code) for s in self.signals)
        return list(dict.fromkeys(n for n in notes if n is not None))
