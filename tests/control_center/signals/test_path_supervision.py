"""Paths supervised by EN 50136-1 category, on a controlled clock: a dual-path panel's lost primary is
an equipment trouble (G) within its reporting time, both lost a line cut (F), each failure paired with
its restore; a single-path panel's loss is a line cut; the 36-hour cellular check still holds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from control_center.incidents import service as incidents
from control_center.incidents.inbox import process_pending
from control_center.signals import panel_paths
from control_center.signals.link_supervision import CELLULAR_CHECK_IN, sweep
from control_center.signals.models import Signal
from control_center.signals.path_rules import Category, Channel, Role, rule
from control_center.subscribers.models import PanelAccount, PanelPath, PathOutage
from control_center.watchdog import evidence
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols.panel_signal import PanelSignal
from simulators.demo.subscribers import seed

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
IP = rule(Category.DP3, Role.PRIMARY)  # 180 s reporting time
CELL = rule(Category.DP3, Role.BACKUP)  # 25 h


def poll(account: str, at: dt.datetime, transport: str) -> Received:
    """A bare check-in (DC-09 NULL poll or MQTT heartbeat) on one transport."""
    return Received(
        transport, "test", b"", at, PanelSignal(account, f"poll-{transport}-{at.timestamp()}", at, None)
    )


def s(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def commission(sessions, account: str, category: Category, primary: Channel, backup: Channel | None):
    async with sessions() as session:
        await panel_paths.commission(session=session, account=account, category=category, primary=primary,
                                     backup=backup, now=T0)  # fmt: skip
        await session.commit()


async def swept(sessions, at: dt.datetime) -> list[str]:
    async with sessions() as session:
        return await sweep(session=session, now=at)


async def open_services(sessions) -> dict[str, dt.datetime | None]:
    async with sessions() as session:
        await process_pending(session=session)
    async with sessions() as session:
        return {i.service_type: i.restored_at for i in await incidents.list_open(session=session)}


async def supervision_signals(sessions) -> list[tuple[str, str, str, str | None]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Signal).where(Signal.transport == "supervision").order_by(Signal.id)
        )
        return [(r.message_id, r.kind, r.service_type, r.device) for r in rows]


async def test_a_dual_path_panel_primary_lost_is_g_then_both_lost_is_f_and_restores_pair_up(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
    await commission(sessions, "1001", Category.DP3, Channel.IP, Channel.CELLULAR)
    ingest = Ingest(sessions)
    # The panel polls its IP path every poll interval and its cellular path once: all quiet.
    for n in range(4):
        await ingest.store([poll("1001", s(n * IP.poll_seconds), "dc09_tcp")])
        assert await swept(sessions, s(n * IP.poll_seconds + 1)) == []
    await ingest.store([poll("1001", s(0), "mqtt")])
    last_ip = 3 * IP.poll_seconds

    # The IP path goes silent: not overdue at its deadline, overdue one second later, inside 180 s.
    assert await swept(sessions, s(last_ip + IP.overdue_seconds)) == []
    assert await swept(sessions, s(last_ip + IP.overdue_seconds + 1)) == ["1001"]
    assert IP.overdue_seconds + 1 <= IP.reporting_seconds
    assert await swept(sessions, s(last_ip + IP.overdue_seconds + 2)) == []  # raised once
    assert await open_services(sessions) == {"G": None}

    # The cellular path falls silent too, past its own (longer) deadline: its trouble and the line cut.
    both_lost = s(CELL.overdue_seconds + 1)
    assert await swept(sessions, both_lost) == ["1001"]
    assert await open_services(sessions) == {"G": None, "F": None}

    # The IP path comes back: its trouble and the line cut are restored; the cellular one is still lost.
    back = both_lost + dt.timedelta(minutes=7)
    await ingest.store([poll("1001", back, "dc09_udp")])
    assert await open_services(sessions) == {"G": back, "F": back}
    async with sessions() as session:
        cell = await session.scalar(select(PanelPath).where(PanelPath.channel == "cellular"))
    assert cell.lost_at == both_lost
    cell_back = back + dt.timedelta(minutes=3)
    await ingest.store([poll("1001", cell_back, "mqtt")])

    # Every failure has its restore: same service, message id paired, on the outage row too.
    signals = await supervision_signals(sessions)
    lost = [(m, svc, dev) for m, kind, svc, dev in signals if kind == "alarm"]
    restored = {m: (svc, dev) for m, kind, svc, dev in signals if kind == "restore"}
    assert sorted((svc, dev) for _, svc, dev in lost) == [("F", None), ("G", "cellular"), ("G", "ip")]
    for message_id, svc, dev in lost:
        assert restored[message_id.replace("-lost-", "-restored-")] == (svc, dev)
    assert len(restored) == len(lost)
    async with sessions() as session:
        outages = list(await session.scalars(select(PathOutage).order_by(PathOutage.id)))
    assert [(o.channel, o.service_type) for o in outages] == [("ip", "G"), ("cellular", "G"), (None, "F")]
    assert [o.restored_at for o in outages] == [back, cell_back, back]
    assert all(o.restore_message_id == o.lost_message_id.replace("-lost-", "-restored-") for o in outages)
    assert outages[0].since == s(last_ip) and outages[0].detected_at == s(last_ip + IP.overdue_seconds + 1)


async def test_a_single_path_panel_lost_is_a_line_cut(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
    await commission(sessions, "1001", Category.SP4, Channel.CELLULAR, None)
    sp4 = rule(Category.SP4, Role.PRIMARY)
    await Ingest(sessions).store([poll("1001", s(10), "mqtt")])
    # A DC-09 frame is not this panel's path: it moves nothing.
    await Ingest(sessions).store([poll("1001", s(100), "dc09_tcp")])
    assert await swept(sessions, s(10 + sp4.overdue_seconds)) == []
    assert await swept(sessions, s(11 + sp4.overdue_seconds)) == ["1001"]
    assert await open_services(sessions) == {"F": None}
    await Ingest(sessions).store([poll("1001", s(900), "mqtt")])
    assert await open_services(sessions) == {"F": s(900)}
    messages = [m for m, *_ in await supervision_signals(sessions)]
    assert len(messages) == 2 and messages[1] == messages[0].replace("-lost-", "-restored-")


async def test_jitter_and_two_lost_polls_within_the_margin_raise_nothing(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
    await commission(sessions, "1001", Category.SP4, Channel.IP, None)
    sp4 = rule(Category.SP4, Role.PRIMARY)
    ingest = Ingest(sessions)
    # On time, late by the network, one lost poll, two lost polls and a late third: all inside the margin.
    gaps = [sp4.poll_seconds, sp4.poll_seconds + 7, 2 * sp4.poll_seconds + 3, 3 * sp4.poll_seconds + 8]
    assert max(gaps) <= sp4.overdue_seconds
    at = 0.0
    await ingest.store([poll("1001", s(at), "dc09_tcp")])
    for gap in gaps:
        assert await swept(sessions, s(int(at) + gap)) == []  # just before the next arrives
        at += gap
        await ingest.store([poll("1001", s(at), "dc09_tcp")])
    assert await supervision_signals(sessions) == []


async def test_the_36_hour_check_of_cellular_only_premises_still_works(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)  # the demo's premises are cellular-only: 36 h
        interval = await session.scalar(select(PanelAccount.check_in_seconds))
    assert interval == int(CELLULAR_CHECK_IN.total_seconds())
    await Ingest(sessions).store([poll("1001", T0, "mqtt")])
    assert await swept(sessions, T0 + CELLULAR_CHECK_IN) == []
    assert await swept(sessions, T0 + CELLULAR_CHECK_IN + dt.timedelta(seconds=1)) == ["1001"]
    assert await open_services(sessions) == {"F": None}


async def test_commissioning_paths_replaces_the_panel_wide_deadline(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
        await session.execute(update(PanelAccount).values(check_in_deadline=int(T0.timestamp())))
        await session.commit()
    await commission(sessions, "1001", Category.DP2, Channel.IP, Channel.CELLULAR)
    async with sessions() as session:
        panel = await session.scalar(select(PanelAccount))
        paths = list(await session.scalars(select(PanelPath).order_by(PanelPath.id)))
    assert panel.check_in_seconds is None and panel.check_in_deadline is None
    assert [(p.role, p.channel, p.reporting_seconds) for p in paths] == [
        ("primary", "ip", 3600), ("backup", "cellular", 25 * 3600)
    ]  # fmt: skip
    assert paths[0].deadline == int(T0.timestamp()) + paths[0].overdue_seconds  # the clock starts now


async def test_the_watchdog_hears_check_ins_on_paths_and_knows_their_interval(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=2)  # 1002 keeps the 36-hour check
    await commission(sessions, "1001", Category.SP4, Channel.IP, None)
    await Ingest(sessions).store([poll("1001", s(30), "dc09_tcp")])  # a NULL poll: no signal stored
    async with sessions() as session:
        assert await evidence.last_intake(session, after=s(31)) == s(30)
        assert await evidence.shortest_check_in(session) == rule(Category.SP4, Role.PRIMARY).overdue_seconds


async def test_reconfiguring_lost_paths_keeps_their_history_and_restores_only_on_a_check_in(sessions) -> None:
    """`panels paths 1001 --primary ip:SP3` while both paths are lost (issue 16): the IP path stays lost
    with its open outage, the removed backup's outage is closed then without a restore signal and stays
    in the month's report, and the open G and F incidents are restored by the IP path's check-in only."""
    async with sessions() as session:
        await seed(session=session, count=1)
    await commission(sessions, "1001", Category.DP3, Channel.IP, Channel.CELLULAR)
    ingest = Ingest(sessions)
    await ingest.store([poll("1001", s(0), "dc09_tcp"), poll("1001", s(0), "mqtt")])
    both_lost = s(CELL.overdue_seconds + 1)
    assert await swept(sessions, both_lost) == ["1001"]
    assert await open_services(sessions) == {"G": None, "F": None}

    reconfigured = both_lost + dt.timedelta(minutes=10)
    async with sessions() as session:
        ip_id = await session.scalar(select(PanelPath.id).where(PanelPath.channel == "ip"))
        await panel_paths.commission(session=session, account="1001", category=Category.SP3,
                                     primary=Channel.IP, backup=None, now=reconfigured)  # fmt: skip
        await session.commit()
    async with sessions() as session:
        (ip,) = list(await session.scalars(select(PanelPath)))
        outages = list(await session.scalars(select(PathOutage).order_by(PathOutage.id)))
    assert (ip.id, ip.category, ip.lost_at) == (ip_id, "SP3", both_lost)  # not "up": nothing heard
    assert [(o.channel, o.service_type, o.restored_at, o.restore_message_id) for o in outages] == [
        ("ip", "G", None, None), ("cellular", "G", reconfigured, None), (None, "F", None, None)
    ]  # fmt: skip
    assert [kind for _, kind, _, _ in await supervision_signals(sessions)] == ["alarm", "alarm", "alarm"]
    assert await open_services(sessions) == {"G": None, "F": None}  # no restore from a reconfiguration
    async with sessions() as session:
        rows = await panel_paths.availability(session=session, month="2026-11", now=reconfigured)
    assert [(r.role, r.channel, r.outages, r.note) for r in rows] == [
        ("primary", "ip", 1, ""), ("backup", "cellular", 1, panel_paths.NOTE_REMOVED)
    ]  # fmt: skip

    back = reconfigured + dt.timedelta(minutes=5)
    await ingest.store([poll("1001", back, "dc09_udp")])
    assert await open_services(sessions) == {"G": back, "F": back}
    async with sessions() as session:
        ip = await session.scalar(select(PanelPath))
    assert ip.lost_at is None and ip.deadline == int(back.timestamp()) + ip.overdue_seconds


async def test_swapping_primary_and_backup_keeps_each_path_and_what_it_heard(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
    await commission(sessions, "1001", Category.DP3, Channel.IP, Channel.CELLULAR)
    await Ingest(sessions).store([poll("1001", s(5), "mqtt")])
    async with sessions() as session:
        before = {p.channel: p.id for p in await session.scalars(select(PanelPath))}
        await panel_paths.commission(session=session, account="1001", category=Category.DP3,
                                     primary=Channel.CELLULAR, backup=Channel.IP, now=s(60))  # fmt: skip
        await session.commit()
    async with sessions() as session:
        after = {p.channel: p for p in await session.scalars(select(PanelPath))}
    assert {c: p.id for c, p in after.items()} == before
    assert (after["cellular"].role, after["cellular"].last_check_in_at) == ("primary", s(5))
    assert (after["ip"].role, after["ip"].last_check_in_at) == ("backup", None)
