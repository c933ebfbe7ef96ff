"""A supervised panel goes silent → a line-cut incident; it reports again → the incident is restored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from control_center.incidents import service as incidents
from control_center.incidents.inbox import process_pending
from control_center.signals.link_supervision import IntakeProgress, sweep
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


# ── Judged against the intake's progress (issue 20) ───────────────────────────────────────────


class Clock:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def sent(account: str, at: dt.datetime, received_at: dt.datetime) -> Received:
    """A check-in the panel sent at ``at`` and the gateway read at ``received_at``."""
    return Received("mqtt", f"panels/{account}/signals", b"{}", received_at,
                    PanelSignal(account, f"hb-{at:%H%M%S}", at, None))  # fmt: skip


async def supervised(sessions, count: int, seconds: int = 60) -> None:
    async with sessions() as session:
        await seed(session=session, count=count)
        await session.execute(update(PanelAccount).values(check_in_seconds=seconds))
        await session.commit()


async def test_a_backlog_in_the_intake_raises_no_panel_but_a_real_silence_is_still_caught(sessions) -> None:
    await supervised(sessions, 3)
    clock = Clock(T0)
    backlog: list[Received] = []
    progress = IntakeProgress(waiting=lambda: bool(backlog), clock=clock)
    ingest = Ingest(sessions, progress=progress)
    await ingest.store([sent(a, T0, T0) for a in ("1001", "1002", "1003")])
    # 1001 reports at T0+50 but the center is 100 s behind: its check-in waits until T0+150, while by
    # the wall clock its deadline (T0+60) passed at T0+100. 1002 has really fallen silent.
    backlog.append(sent("1001", T0 + dt.timedelta(seconds=50), T0 + dt.timedelta(seconds=150)))
    clock.at = T0 + dt.timedelta(seconds=100)
    await ingest.store([sent("1003", T0 + dt.timedelta(seconds=1), clock.at)])  # the intake reached T0+1
    assert progress.behind_seconds() == 99
    async with sessions() as session:
        assert await sweep(session=session, now=clock.at, as_of=progress.as_of()) == []
    clock.at = T0 + dt.timedelta(seconds=150)
    await ingest.store([backlog.pop()])  # caught up
    async with sessions() as session:
        assert await sweep(session=session, now=clock.at, as_of=progress.as_of()) == ["1002"]
        lost = await session.scalar(select(PanelAccount.link_lost_at).where(PanelAccount.account == "1002"))
    assert lost == clock.at  # stamped with the wall clock, judged at the intake's progress


async def test_a_stalled_intake_holds_supervision_where_it_stood(sessions) -> None:
    await supervised(sessions, 1)
    clock = Clock(T0)
    subscribed = [True]
    progress = IntakeProgress(waiting=lambda: not subscribed[0], clock=clock)
    await Ingest(sessions, progress=progress).store([sent("1001", T0, T0)])
    assert progress.as_of() == T0
    subscribed[0] = False  # the gateway lost its subscription: it hears nothing, the panel may be fine
    clock.at = T0 + dt.timedelta(hours=2)
    assert progress.as_of() == T0 and progress.behind_seconds() == 7200
    async with sessions() as session:
        assert await sweep(session=session, now=clock.at, as_of=progress.as_of()) == []
    subscribed[0] = True  # back, and nothing came from the panel: now it is overdue
    async with sessions() as session:
        assert await sweep(session=session, now=clock.at, as_of=progress.as_of()) == ["1001"]


async def test_an_idle_intake_follows_the_clock(sessions) -> None:
    await supervised(sessions, 1)
    clock = Clock(T0)
    progress = IntakeProgress(clock=clock)
    await Ingest(sessions, progress=progress).store([sent("1001", T0, T0)])
    clock.at = T0 + dt.timedelta(seconds=61)  # nothing waits: a quiet center is not a stalled one
    async with sessions() as session:
        assert await sweep(session=session, now=clock.at, as_of=progress.as_of()) == ["1001"]


def test_wrong_panel_clocks_cannot_move_the_intakes_progress() -> None:
    """A panel's clock is its own: hostile or broken stamps neither run supervision ahead of the wall
    clock nor hold it back past the bounds; one panel among many moves nothing (the median)."""
    clock = Clock(T0)
    progress = IntakeProgress(waiting=lambda: True, clock=clock)
    future = T0 + dt.timedelta(days=365)
    progress.committed([(T0, future)] * 50)
    assert progress.as_of() == T0  # never ahead of the clock
    clock.at = T0 + dt.timedelta(seconds=10)
    ancient = T0 - dt.timedelta(days=3650)  # beyond panel_clock.BEHIND: the gateway's own receipt is used
    progress.committed([(clock.at, ancient)] * 50)
    assert progress.as_of() == clock.at
    clock.at = T0 + dt.timedelta(seconds=20)
    liar = [(clock.at, clock.at - dt.timedelta(hours=5))]  # one panel claims a 5-hour backlog
    progress.committed(liar + [(clock.at, clock.at - dt.timedelta(seconds=2))] * 20)
    assert progress.as_of() == clock.at - dt.timedelta(seconds=2)
    progress.committed([])  # an empty batch says nothing
    assert progress.as_of() == clock.at - dt.timedelta(seconds=2)
