from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from control_center.signals.service_types import ServiceType


class PremisesSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    address: str
    lat: float
    lon: float
    phone: str
    arming_state: str


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


class IncidentDetail(IncidentOut):
    subscriber_name: str | None
    services: list[ServiceType]
    contacts: list[ContactOut]
    signals: list[SignalOut]
