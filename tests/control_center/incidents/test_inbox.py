"""From stored signals to incidents and arming states, on both databases."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

import pytest
import sqlalchemy
from sqlalchemy import select

from control_center.core.db import create_engine, session_factory
from control_center.core.settings import Settings
from control_center.incidents import flows
from control_center.incidents import service as incidents
from control_center.incidents.inbox import (
    GROUP,
    GROUP_BUDGET_S,
    GROUP_MAX,
    GROUP_MAX_ONE_LANE,
    InboxWorker,
    Pace,
    process_pending,
)
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.subscribers import service as subscribers
from control_center.subscribers.house_code import check_house_code, key_for
from control_center.subscribers.models import Premises
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.contact_id import Qualifier
from simulators.demo.subscribers import plan, seed
from simulators.panel import payload
from tests.helpers import eventually

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


def received(account: str, message_id: str, code: int, qualifier: Qualifier = Qualifier.NEW, at: int = 0,
             device: str | None = None) -> Received:  # fmt: skip
    raw = payload(account, message_id, code, qualifier, device=device, sent_at=T0 + dt.timedelta(seconds=at))
    return Received("mqtt", f"panels/{account}/signals", raw, T0 + dt.timedelta(seconds=at),
                    mqtt_payload.parse_json(account, raw))  # fmt: skip


async def process(sessions) -> set[int]:
    async with sessions() as session:
        return await process_pending(session=session)


async def test_the_first_alarm_opens_an_incident_and_later_ones_join_it(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=3)
    ingest = Ingest(sessions)
    await ingest.store([received("1001", "a", 130, at=0), received("1001", "b", 131, at=5)])
    await ingest.store([received("1001", "c", 110, at=7)])
    changed = await process(sessions)
    async with sessions() as session:
        open_incidents = await incidents.list_open(session=session)
        signals = list(await session.scalars(select(Signal).order_by(Signal.id)))
    assert len(changed) == 2
    fire, burglary = open_incidents  # fire first: life safety outranks burglary
    assert (fire.service_type, fire.signal_count) == ("B", 1)
    assert (burglary.service_type, burglary.signal_count) == ("A", 2)
    assert burglary.opened_at == T0 and burglary.last_signal_at == T0 + dt.timedelta(seconds=5)
    assert burglary.premises.subscriber.name
    assert {s.incident_id for s in signals if s.service_type == "A"} == {burglary.id}
    assert all(s.processed_at is not None for s in signals)


async def test_open_close_reports_keep_the_arming_state(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
    ingest = Ingest(sessions)
    await ingest.store([received("1001", "arm", 401, Qualifier.RESTORE, at=10)])
    await process(sessions)
    # A report delayed in transit (older panel clock) does not undo the newer state.
    await ingest.store([received("1001", "old-disarm", 401, Qualifier.NEW, at=5)])
    assert await process(sessions) == set()
    async with sessions() as session:
        premises = await session.scalar(select(Premises))
        assert premises.arming_state == "armed"
        assert await session.scalar(select(Incident)) is None


async def test_a_panel_clock_in_2099_does_not_freeze_the_arming_state(sessions) -> None:
    """A close report stamped decades ahead (a panel clock never set, or a hostile one) is placed at its
    receipt: the resident's disarm a minute later, on a right clock, still shows."""
    async with sessions() as session:
        await seed(session=session, count=1)
    future = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    raw = payload("1001", "arm-2099", 401, Qualifier.RESTORE, sent_at=future)
    wrong_clock = Received("mqtt", "panels/1001/signals", raw, T0, mqtt_payload.parse_json("1001", raw))
    await Ingest(sessions).store([wrong_clock, received("1001", "disarm", 401, Qualifier.NEW, at=60)])
    await process(sessions)
    async with sessions() as session:
        premises = await session.scalar(select(Premises))
    assert (premises.arming_state, premises.arming_changed_at) == ("disarmed", T0 + dt.timedelta(seconds=60))


async def test_an_alarm_from_an_unregistered_account_still_reaches_the_queue(sessions) -> None:
    await Ingest(sessions).store([received("0999", "x", 120)])
    await process(sessions)
    async with sessions() as session:
        (incident,) = await incidents.list_open(session=session)
    assert (incident.account, incident.premises_id, incident.service_type) == ("0999", None, "C")


async def test_in_a_storm_life_safety_signals_are_processed_first(sessions) -> None:
    ingest = Ingest(sessions)
    troubles = [received(f"{2000 + i}", f"t{i}", 302, at=i) for i in range(30)]
    await ingest.store([*troubles, received("3000", "fire", 110, at=99)])
    async with sessions() as session:
        await process_pending(session=session, limit=1)
        first = await session.scalar(select(Signal).where(Signal.processed_at.is_not(None)))
    assert first.message_id == "fire"


async def test_seeded_house_codes_are_hashed_and_still_verifiable(sessions) -> None:
    key = key_for(Settings(_env_file=None))
    async with sessions() as session:
        await seed(session=session, count=2, key=key)
        stored = list(await session.scalars(select(Premises).order_by(Premises.id)))
    for premises, entry in zip(stored, plan(2), strict=True):
        assert entry.house_code not in premises.house_code_hash
        assert (await check_house_code(premises.house_code_hash, entry.house_code, key)).matched
        wrong = f"{(int(entry.house_code) + 1) % 1000:03d}"
        assert not (await check_house_code(premises.house_code_hash, wrong, key)).matched
        assert len(premises.contacts) >= 3
        assert [c.position for c in premises.contacts] == list(range(1, len(premises.contacts) + 1))


async def test_each_transaction_is_pushed_as_it_commits_so_a_fire_is_not_held_behind_a_storm(
    sessions,
) -> None:
    ingest = Ingest(sessions)
    troubles = [received(f"{4000 + i}", f"t{i}", 302, at=i) for i in range(250)]  # three groups of trouble
    await ingest.store([*troubles, received("5000", "fire", 110, at=300)])
    pushed: list[set[int]] = []
    async with sessions() as session:
        changed = await process_pending(session=session, on_committed=pushed.append)
        fire = await session.scalar(select(Incident.id).where(Incident.account == "5000"))
    assert pushed[0] == {fire}  # the fire's own transaction, reported before any trouble is processed
    # The troubles follow in transactions of their own, each pushed as it commits: the first of GROUP,
    # later ones as many as the pace allows.
    assert len(pushed[1]) == GROUP and sum(len(p) for p in pushed[1:]) == 250
    assert set().union(*pushed) == changed


async def test_a_storm_of_alarms_is_worked_in_small_groups_whatever_the_pace(sessions) -> None:
    """A worker whose pace grew through a trouble storm still takes alarms (priority 1–2) at most
    GROUP at a time, so the first of a burst of burglaries reaches the console without waiting."""
    burglaries = [received(f"{6000 + i}", f"b{i}", 130, at=i) for i in range(GROUP + 30)]
    await Ingest(sessions).store(burglaries)
    pushed: list[set[int]] = []
    async with sessions() as session:
        await process_pending(session=session, on_committed=pushed.append, pace=Pace(size=GROUP_MAX))
    assert [len(p) for p in pushed] == [GROUP, 30]


async def test_every_signal_of_a_big_group_is_linked_to_its_own_incident(sessions) -> None:
    """Troubles from many accounts, two from the same one: one transaction opens each account's
    incident, the second trouble joins its account's, and every signal is marked with its incident."""
    troubles = [received(f"{7000 + i}", f"t{i}", 302, at=i) for i in range(300)]
    again = received("7005", "t5-again", 302, at=400)
    await Ingest(sessions).store([*troubles, again])
    async with sessions() as session:
        await process_pending(session=session, pace=Pace(size=GROUP_MAX))
    async with sessions() as session:
        rows = (await session.execute(select(Signal.account, Signal.incident_id, Signal.processed_at))).all()
        opened = {i.account: i for i in await session.scalars(select(Incident))}
    assert len(opened) == 300 and opened["7005"].signal_count == 2
    assert all(processed_at is not None for _, _, processed_at in rows)
    assert all(incident_id == opened[account].id for account, incident_id, _ in rows)


def test_the_pace_fills_the_time_budget_between_its_bounds() -> None:
    pace = Pace()
    pace.learn(GROUP, GROUP_BUDGET_S / 4)  # four times as fast as the budget: at most double
    assert pace.size == 2 * GROUP
    pace.learn(2 * GROUP, GROUP_BUDGET_S / 2)
    assert pace.size == 4 * GROUP
    pace.learn(10, GROUP_BUDGET_S / 100)  # a short group (the queue ran dry) says nothing
    assert pace.size == 4 * GROUP
    pace.learn(4 * GROUP, GROUP_BUDGET_S * 2)  # slower than the budget: smaller, down to GROUP
    assert pace.size == 2 * GROUP
    pace.learn(2 * GROUP, GROUP_BUDGET_S * 100)
    assert pace.size == GROUP
    for _ in range(20):
        pace.learn(pace.size, GROUP_BUDGET_S / 1000)
    assert pace.size == GROUP_MAX
    one_lane = Pace(max_size=GROUP_MAX_ONE_LANE)  # SQLite: a fire waits for the whole group in progress
    for _ in range(20):
        one_lane.learn(one_lane.size, GROUP_BUDGET_S / 1000)
    assert one_lane.size == GROUP_MAX_ONE_LANE


async def test_a_group_racing_another_worker_for_the_same_incident_joins_it_and_counts_once(
    postgres_url: str,
) -> None:
    """Two workers (PostgreSQL, SKIP LOCKED) take different signals of one premises: the other worker
    opens the burglary incident just before this one's group inserts its own (the moment this worker
    sends its INSERT). The group's insert skips that open key, and the group joins the other's
    incident instead, each signal counted once."""
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await seed(session=session, count=1)
    await Ingest(sessions).store([received("1001", "a", 130), received("1001", "b", 131, at=5)])
    async with sessions() as session:
        premises_id = (await subscribers.premises_by_account(session=session, accounts=["1001"]))["1001"]
    other = sqlalchemy.create_engine(postgres_url)  # the other worker's connection
    raced: list[bool] = []

    def other_worker_opens_it_first(conn, cursor, statement: str, *_) -> None:
        if raced or not statement.startswith("INSERT INTO incidents"):
            return
        raced.append(True)
        with other.begin() as conn:
            conn.execute(
                sqlalchemy.insert(Incident).values(
                    premises_id=premises_id, account="1001", service_type="A", priority=2, status="received",
                    open_key=incidents.open_key(premises_id=premises_id, account="1001", service_type="A"),
                    description="burglary", opened_at=T0, last_signal_at=T0, signal_count=1,
                )
            )  # fmt: skip

    sqlalchemy.event.listen(engine.sync_engine, "before_cursor_execute", other_worker_opens_it_first)
    async with sessions() as session:
        await process_pending(session=session)
    async with sessions() as session:
        (burglary,) = await incidents.list_open(session=session)
        linked = set(await session.scalars(select(Signal.incident_id)))
    assert raced
    assert burglary.signal_count == 3  # the other worker's signal and this group's two
    assert linked == {burglary.id}
    other.dispose()
    await engine.dispose()


async def test_the_storm_lanes_share_premises_without_deadlock_or_a_signal_counted_twice(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A power cut's troubles arrive in waves from the same 100 premises, every other wave in the opposite
    order: the worker's storm lanes (PostgreSQL) take two waves at once, both open the same 100
    incidents. One waits for the other and joins what it opened — not a deadlock (taking the keys in
    different orders), and every signal counted once on its premises' one incident."""
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    accounts = [f"{2000 + i}" for i in range(100)]
    for wave in range(4):
        order = accounts if wave % 2 == 0 else accounts[::-1]
        await Ingest(sessions).store([received(a, f"{a}-{wave}", 301, at=wave) for a in order])
    worker = InboxWorker(sessions, lambda _: None)
    task = asyncio.create_task(worker.run())

    async def drained() -> bool:
        async with sessions() as session:
            return await session.scalar(select(Signal.id).where(Signal.processed_at.is_(None))) is None

    with caplog.at_level(logging.ERROR, logger="control_center.incidents.inbox"):
        await eventually(drained)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    async with sessions() as session:
        opened = list(await session.scalars(select(Incident)))
        linked = {(s.account, s.incident_id) for s in await session.scalars(select(Signal))}
    assert not [r for r in caplog.records if r.name == "control_center.incidents.inbox"]  # no retry
    assert sorted(i.account for i in opened) == accounts
    assert {i.signal_count for i in opened} == {4}
    assert linked == {(i.account, i.id) for i in opened}
    await engine.dispose()


async def test_images_sent_from_the_intercom_open_service_i_with_a_talk_on_the_intercom(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
    await Ingest(sessions).store([received("1001", "door", 130, device="intercom")])
    await process(sessions)
    async with sessions() as session:
        (incident,) = await incidents.list_open(session=session)
        incident = await flows.load(session=session, incident_id=incident.id)
    assert (incident.service_type, incident.description) == ("I", "camera images sent from the intercom")
    assert [t.step for t in incident.tasks] == ["attach_images", "talk_on_intercom", "call_premises"]
    assert [e.kind for e in incident.events] == ["opened", "planned"]


async def test_a_duress_alarm_never_phones_the_premises_police_and_a_responder_at_once(sessions) -> None:
    """Someone is forcing the resident to disarm (Contact ID 121): a call to the premises would tell
    them the alarm went through. The plan sends police and a responder, and the console's call button
    is refused."""
    from control_center.core.settings import Settings
    from control_center.telephony import flows as telephony_flows
    from control_center.telephony.adapters import SimulatedTelephony
    from control_center.telephony.wiring import nobody_answers

    async with sessions() as session:
        await seed(session=session, count=1)
    await Ingest(sessions).store([received("1001", "forced", 121)])
    await process(sessions)
    async with sessions() as session:
        (incident,) = await incidents.list_open(session=session)
        incident = await flows.load(session=session, incident_id=incident.id)
        await flows.claim(session=session, incident_id=incident.id, operator="op", at=T0)
        with pytest.raises(flows.FlowError, match="never called"):
            await telephony_flows.call_premises(
                session=session, incident_id=incident.id, actor="op", mode="operator", at=T0,
                telephony=SimulatedTelephony(nobody_answers), settings=Settings(),
            )  # fmt: skip
    assert (incident.service_type, incident.description) == ("C", "duress")
    assert sorted((t.step or f"notify:{t.agency}") for t in incident.tasks) == ["dispatch", "notify:police"]
    assert "never call the premises" in (incident.flag or "")
