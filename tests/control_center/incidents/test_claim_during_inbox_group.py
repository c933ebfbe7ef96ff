"""Review: an operator's claim while an inbox lane is working a signal of the same incident (PostgreSQL).

The lanes lock every incident a group joins (``incidents.locked``, FOR UPDATE) from the group's first
query to its commit — a storm group may take half a second and more. ``flows.claim`` takes the incident
with SKIP LOCKED and reads "nothing" as "claimed by someone else"."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from control_center.core.db import create_engine, session_factory
from control_center.incidents import alarm_level_service, flows
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.contact_id import Qualifier
from simulators.panel import payload

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


def received(account: str, message_id: str, code: int, at: int = 0) -> Received:
    raw = payload(account, message_id, code, Qualifier.NEW, sent_at=T0 + dt.timedelta(seconds=at))
    return Received("mqtt", f"panels/{account}/signals", raw, T0 + dt.timedelta(seconds=at),
                    mqtt_payload.parse_json(account, raw))  # fmt: skip


async def test_a_claim_while_a_lane_joins_a_signal_to_the_incident_is_not_refused(
    postgres_url: str, monkeypatch
) -> None:
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    ingest = Ingest(sessions)
    await ingest.store([received("7001", "t1", 302)])
    async with sessions() as session:
        await process_pending(session=session)
        incident_id = await session.scalar(select(Incident.id))
    await ingest.store([received("7001", "t2", 302, at=30)])  # joins it, in a group of its own

    original = alarm_level_service.reassess
    refused: list[str] = []
    claims: list[asyncio.Task[None]] = []

    async def claim() -> None:
        try:
            async with sessions() as other:
                await flows.claim(session=other, incident_id=incident_id, operator="op1", at=T0)
        except flows.FlowError as exc:
            refused.append(str(exc))

    async def operator_claims_meanwhile(session, ids, **kwargs):
        # The operator clicks while the group is in progress: the group goes on once the claim is
        # answered, or after a while if the claim waits for the group (as it should).
        claims.append(asyncio.create_task(claim()))
        await asyncio.wait(claims, timeout=2)
        return await original(session, ids, **kwargs)

    monkeypatch.setattr(alarm_level_service, "reassess", operator_claims_meanwhile)
    async with sessions() as session:
        await process_pending(session=session)
    await asyncio.gather(*claims)
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
    assert refused == []  # was: "incident … is already claimed by None"
    assert (incident.claimed_by, incident.signal_count) == ("op1", 2)
    await engine.dispose()
