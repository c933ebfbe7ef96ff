"""A supervised panel goes silent → a line-cut incident; it reports again → the incident is restored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from control_center.incidents import service as incidents
from control_center.incidents.inbox import process_pending
from control_center.signals.link_supervision import sweep
from control_center.subscribers.models import PanelAccount
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols.panel_signal import PanelSignal
from simulators.demo.subscribers import seed

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


def heartbeat(account: str, at: dt.datetime) -> Received:
    return Received(
        "mqtt", f"panels/{account}/signals", b"{}", at, PanelSignal(account, f"hb-{at:%H%M%S}", at, None)
    )


async def test_silence_opens_a_line_cut_incident_and_a_check_in_restores_it(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=2)
        await session.execute(update(PanelAccount).values(check_in_seconds=60))
        await session.commit()
    ingest = Ingest(sessions)
    await ingest.store([heartbeat("1001", T0), heartbeat("1002", T0 + dt.timedelta(seconds=30))])

    async with sessions() as session:
        assert await sweep(session=session, now=T0 + dt.timedelta(seconds=60)) == []
    async with sessions() as session:
        assert await sweep(session=session, now=T0 + dt.timedelta(seconds=61)) == ["1001"]
    async with sessions() as session:
        assert await sweep(session=session, now=T0 + dt.timedelta(seconds=62)) == []  # raised once
        await process_pending(session=session)
    async with sessions() as session:
        (incident,) = await incidents.list_open(session=session)
    assert (incident.account, incident.service_type, incident.restored_at) == ("1001", "F", None)

    back = T0 + dt.timedelta(seconds=300)
    await ingest.store([heartbeat("1001", back)])
    async with sessions() as session:
        await process_pending(session=session)
        (incident,) = await incidents.list_open(session=session)
        panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == "1001"))
    assert incident.restored_at == back
    assert incident.signal_count == 2
    assert panel.link_lost_at is None and panel.check_in_deadline == int(back.timestamp()) + 60


async def test_unsupervised_panels_are_never_swept(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
        await session.execute(update(PanelAccount).values(check_in_seconds=None, check_in_deadline=None))
        await session.commit()
    await Ingest(sessions).store([heartbeat("1001", T0)])
    async with sessions() as session:
        assert await sweep(session=session, now=T0 + dt.timedelta(days=30)) == []
