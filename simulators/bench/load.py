"""`control-center bench load`: a fleet of panels live at once, a mix of MQTT panels on persistent
connections and DC-09 panels polling over UDP, for a sustained period; every panel's supervision
checked exactly, and the CPU and memory of each process per 10,000 panels.

An MQTT panel costs a file descriptor on the broker and one on its own side; a DC-09 UDP panel
costs none (one socket serves them all). The broker (a private Mosquitto, configured as
``control-center broker mosquitto-config`` writes it) takes at most ``connection_capacity`` of its
open-file limit (``control_center/core/limits.py``) and refuses the rest; the panels it refused are
counted, and the panels it holds must stay supervised.

Supervision is judged from the database at the end of the run, while the panels still poll:
- a panel that was never silenced and has a line-cut raised is a false overdue;
- a sample of panels (every ``silence_every``-th) checks in once and then falls silent; each must
  have its line-cut raised no later than its deadline (last check-in + check-in period) plus one
  sweep period and ``grace`` seconds, or it is a missed overdue.

The panels run in separate processes (``python -m simulators.bench.load mqtt|udp …``); the center
under test (MQTT gateway, DC-09 UDP receiver, inbox worker, link supervision) runs in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import heapq
import json
import os
import random
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiomqtt
import psutil
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.alarms.sweeper import Sweeper
from control_center.core import limits
from control_center.core.db import utcnow
from control_center.core.secret_box import SecretBox
from control_center.core.settings import MqttTarget
from control_center.incidents.inbox import InboxWorker
from control_center.signals import link_supervision as supervision
from control_center.subscribers.models import PanelAccount, Premises, Subscriber
from panel_gateway import mosquitto_config
from panel_gateway.dc09_keys import KeyStore
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import dc09
from panel_gateway.protocols.panel_signal import PanelSignal
from panel_gateway.transports.dc09_ip import Dc09Receiver
from panel_gateway.transports.mqtt import MqttGateway
from simulators.dc09_panel import Dc09Panel
from simulators.harness import identities
from simulators.harness.figures import percentile
from simulators.harness.identities import KEY_VARIABLE, panel_password
from simulators.harness.private_broker import PrivateMosquitto, free_port
from simulators.harness.processes import run_database, run_settings
from simulators.mqtt_clients import connect

FIRST_MQTT = 100_000
FIRST_UDP = 500_000
CONNECTS_PER_S = 250  # per generating process, as panels come back after a broker restart
PER_10K = 10_000
GATEWAY_PLACES = 16
RESEND_S = 20.0  # an unanswered DC-09 poll is sent again after this (panels resend; the timeout is theirs)
RESENDS = 2


def heartbeat(account: str) -> bytes:
    return json.dumps(
        {"msg_id": uuid.uuid4().hex[:16], "sent_at": dt.datetime.now(dt.UTC).isoformat(), "heartbeat": True}
    ).encode()


def gateway_listener(listener: str) -> tuple[str, ...]:
    """Mosquitto configuration lines: a listener for the gateways, with a few places of its own."""
    return (f"listener {listener}", f"max_connections {GATEWAY_PLACES}")


def silenced(index: int, every: int) -> bool:
    """Whether the panel at ``index`` of its kind falls silent after its first check-in."""
    return every > 0 and index % every == every - 1


def plan_mix(panels: int, mqtt: int | None, udp: int | None, capacity: int) -> tuple[int, int]:
    """MQTT and UDP panels: as given, or as many MQTT panels as the broker holds and the rest on UDP."""
    if mqtt is None and udp is None:
        mqtt = min(panels, capacity)
        return mqtt, panels - mqtt
    if mqtt is None:
        return max(0, panels - (udp or 0)), udp or 0
    return mqtt, panels - mqtt if udp is None else udp


# --- load generators (child processes) ---------------------------------------------------------------


async def _told_to_stop() -> None:
    """Until the bench writes a line (or goes away): it stops the panels after judging them."""
    await asyncio.to_thread(sys.stdin.readline)


async def _mqtt_panels(
    url: str, root: str, first: int, count: int, interval: float, every: int, key: str
) -> None:
    """This process's MQTT panels: each connects (refused ones are counted, not retried), checks in
    every ``interval`` s; the silenced ones check in once and disconnect."""
    target = MqttTarget(url)
    held = refused = 0

    async def panel(n: int) -> None:
        nonlocal held, refused
        account = str(first + n)
        await asyncio.sleep(n / CONNECTS_PER_S)
        client = connect(target, account, account, panel_password(key, account), keepalive=120, timeout=20)
        try:
            await client.__aenter__()
        except aiomqtt.MqttError:
            refused += 1
            return
        held += 1
        try:
            await asyncio.sleep(random.uniform(0, interval))
            await client.publish(f"{root}/{account}/signals", heartbeat(account), qos=1)
            if silenced(first - FIRST_MQTT + n, every):
                return
            while True:
                await asyncio.sleep(interval)
                await client.publish(f"{root}/{account}/signals", heartbeat(account), qos=1)
        except aiomqtt.MqttError:
            return
        finally:
            held -= 1
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)

    tasks = [asyncio.create_task(panel(n)) for n in range(count)]
    await asyncio.sleep(count / CONNECTS_PER_S + 25)  # every attempt answered or timed out
    print(f"connected {held} refused {refused}", flush=True)
    await _told_to_stop()
    print(f"still {held}", flush=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class _Answers(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.acks = 0
        self.other = 0
        # polls awaiting their ACK, by sequence number, in the order sent: (panel, sent at, attempt)
        self.waiting: dict[int, tuple[int, float, int]] = {}

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        answer = dc09.parse_answer(data, key=None)
        if isinstance(answer, dc09.Answer) and answer.token == "ACK":
            self.acks += 1
            self.waiting.pop(int(answer.sequence), None)
        else:
            self.other += 1


async def _udp_panels(host: str, port: int, first: int, count: int, interval: float, every: int) -> None:
    """This process's DC-09 panels: a NULL poll each every ``interval`` s from one UDP socket (a panel
    over UDP holds no connection); the silenced ones poll once. A poll left unanswered ``RESEND_S`` is
    sent again, at most ``RESENDS`` times, as panels do (UDP loses datagrams; the receiver's buffer
    overflows while it is busy). Sequence numbers run over all this process's panels, so that an ACK
    names its poll."""
    loop = asyncio.get_running_loop()
    transport, answers = await loop.create_datagram_endpoint(_Answers, remote_addr=(host, port))
    panels = [Dc09Panel(host, port, str(first + n)) for n in range(count)]
    due = [(random.uniform(0, interval), n) for n in range(count)]
    heapq.heapify(due)
    print(f"connected {count} refused 0", flush=True)
    stop = asyncio.create_task(_told_to_stop())
    started = time.monotonic()
    sent = resent = sequence = 0

    def send(n: int, attempt: int) -> None:
        nonlocal sequence
        sequence = sequence % 9999 + 1
        transport.sendto(panels[n].frame("", token="NULL", sequence=sequence))
        answers.waiting.pop(sequence, None)  # a poll 10,000 sends ago: given up on
        answers.waiting[sequence] = (n, time.monotonic(), attempt)

    while not stop.done():
        now = time.monotonic() - started
        while due and due[0][0] <= now:
            at, n = heapq.heappop(due)
            send(n, 0)
            sent += 1
            if not silenced(first - FIRST_UDP + n, every):
                heapq.heappush(due, (at + interval, n))
        late = time.monotonic() - RESEND_S
        while answers.waiting:
            seq, (n, at, attempt) = next(iter(answers.waiting.items()))
            if at > late:
                break
            del answers.waiting[seq]
            if attempt < RESENDS:
                send(n, attempt + 1)
                resent += 1
        await asyncio.sleep(0.05)
    print(f"still {count} sent {sent} acked {answers.acks} other {answers.other} resent {resent}", flush=True)
    transport.close()


# --- the bench ---------------------------------------------------------------------------------------


class _CountingReceiver(Dc09Receiver):
    """The receiver as deployed, counting the frames it answered (check-ins handled over UDP)."""

    handled = 0

    async def handle(self, raw: bytes, transport: str, source: str) -> bytes:
        answer = await super().handle(raw, transport, source)
        self.handled += 1
        return answer


def _receive_buffer(listener: asyncio.DatagramTransport) -> int:
    """The UDP receiver's socket buffer as the product set it (``dc09_ip.UDP_RECEIVE_BUFFER``, within what
    the kernel allows: ``net.core.rmem_max``)."""
    return int(listener.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))


class _Meter:
    """CPU and memory of a set of processes, sampled every few seconds."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes
        self.cpu: list[float] = []
        self.rss: list[float] = []
        for p in processes:
            with contextlib.suppress(psutil.Error):
                p.cpu_percent(None)

    def sample(self) -> None:
        cpu = rss = 0.0
        for p in self.processes:
            with contextlib.suppress(psutil.Error):
                cpu += p.cpu_percent(None)
                rss += p.memory_info().rss
        self.cpu.append(cpu)
        self.rss.append(rss / 2**20)

    def report(self, panels: int) -> dict[str, float | None]:
        cpu = round(statistics.mean(self.cpu), 1) if self.cpu else 0.0
        rss = round(max(self.rss), 1) if self.rss else 0.0
        return {
            "cpu_avg_pct": cpu,
            "cpu_max_pct": round(max(self.cpu), 1) if self.cpu else 0.0,
            "rss_max_mb": rss,
            "cpu_pct_per_10k": round(cpu * PER_10K / panels, 2) if panels else None,
            "rss_mb_per_10k": round(rss * PER_10K / panels, 1) if panels else None,
        }


async def _install_udp_panels(
    sessions: async_sessionmaker[AsyncSession], accounts: list[str], seconds: int
) -> None:
    async with sessions() as session:
        place = Premises(subscriber=Subscriber(name="bench udp", phone="0"), address="bench", lat=35.0,
                         lon=137.0, phone="0", house_code_hash="-")  # fmt: skip
        session.add(place)
        await session.flush()
        rows = [
            {"account": a, "premises_id": place.id, "transport": "dc09_udp", "check_in_seconds": seconds}
            for a in accounts
        ]
        for i in range(0, len(rows), 5000):
            await session.execute(insert(PanelAccount), rows[i : i + 5000])
        await session.commit()


async def _judge(
    sessions: async_sessionmaker[AsyncSession],
    silent: set[str],
    lateness: float,
    now: dt.datetime,
    held: float = 0.0,
) -> dict[str, Any]:
    """Every panel's supervision: false overdue, silences caught in time, caught late (the sweep held
    back by an intake that was behind: raised as late as the intake was), and missed (not raised,
    though the intake's progress, ``held`` s behind ``now``, is past its deadline and the allowance)."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(PanelAccount.account, PanelAccount.check_in_deadline, PanelAccount.link_lost_at)
            )
        ).all()
    false_overdue = caught = late = missed = not_due = never = 0
    live = {"mqtt": 0, "udp": 0}
    late_s: list[float] = []
    cutoff = now.timestamp() - lateness - held
    for account, deadline, lost_at in rows:
        if account not in silent:
            false_overdue += lost_at is not None
            kind = "udp" if int(account) >= FIRST_UDP else "mqtt"
            live[kind] += lost_at is None and deadline is not None and deadline >= now.timestamp()
            continue
        if deadline is None:  # never checked in (refused by the broker): nothing to supervise
            never += 1
            continue
        if lost_at is None:
            if deadline < cutoff:
                missed += 1
            else:
                not_due += 1
            continue
        after = lost_at.timestamp() - deadline
        late_s.append(after)
        if after <= lateness:
            caught += 1
        else:
            late += 1
    return {
        "false_overdue": false_overdue,
        "missed_overdue": missed,
        "silenced_caught": caught,
        "silenced_caught_late": late,
        "silenced_not_yet_due": not_due,
        "silenced_never_checked_in": never,
        "line_cut_after_deadline_max_s": round(max(late_s), 1) if late_s else None,
        "supervised_current": live,
    }


async def run(
    panels: int,
    minutes: float,
    interval: float,
    processes: int,
    database_url: str | None,
    *,
    mqtt: int | None = None,
    udp: int | None = None,
    max_connections: int | None = None,
    silence_every: int = 200,
    deadline_factor: float = 3.0,
    sweep_seconds: float = 5.0,
    grace: float = 10.0,
) -> dict[str, Any]:
    seconds = minutes * 60
    fds = limits.raise_open_files()
    capacity = max_connections if max_connections is not None else limits.connection_capacity(fds.soft)
    mqtt, udp = plan_mix(panels, mqtt, udp, capacity)
    panels = mqtt + udp
    check_in_seconds = int(interval * deadline_factor)
    async with contextlib.AsyncExitStack() as stack:
        url, sessions = await stack.enter_async_context(run_database("load", database_url))
        run_id = uuid.uuid4().hex[:8]
        planned = run_settings("load", run_id, url, "mqtt://127.0.0.1")
        mqtt_accounts = [str(FIRST_MQTT + n) for n in range(mqtt)]
        udp_accounts = [str(FIRST_UDP + n) for n in range(udp)]
        ids = await identities.commission(sessions, mqtt_accounts, planned.mqtt_client_id, check_in_seconds)
        await _install_udp_panels(sessions, udp_accounts, check_in_seconds)
        silent = {a for i, a in enumerate(mqtt_accounts) if silenced(i, silence_every)}
        silent |= {a for i, a in enumerate(udp_accounts) if silenced(i, silence_every)}
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        port, gateway_port = free_port(), free_port()
        # The panels' listener is full at ``capacity``; the gateway has a listener of its own, so a full
        # broker still takes its gateway back (Mosquitto has no reserve by login).
        files = mosquitto_config.render(
            ids.logins, topic_root=planned.mqtt_topic_root, directory=directory, listener=f"{port} 127.0.0.1",
            persistence_location=None,
            extra=("log_dest stderr", "log_type error", f"max_connections {capacity}",
                   *gateway_listener(f"{gateway_port} 127.0.0.1")),
        )  # fmt: skip
        mosquitto_config.write(directory, files)
        broker = PrivateMosquitto(directory, port, persistence=False, conf=directory / "mosquitto.conf")
        await broker.start()
        stack.push_async_callback(broker.stop)
        gateway_broker = f"mqtt://127.0.0.1:{gateway_port}"
        settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(gateway_broker)})
        acked, latencies = [0], []

        def on_acked(items: list[Received]) -> None:
            now = dt.datetime.now(dt.UTC)
            acked[0] += len(items)
            for item in items:
                if isinstance(item.decoded, PanelSignal) and item.decoded.panel_time:
                    latencies.append((now - item.decoded.panel_time).total_seconds() * 1000)

        worker = InboxWorker(sessions, lambda ids: None)
        progress = supervision.IntakeProgress()
        ingest = Ingest(sessions, on_stored=worker.wake, progress=progress)
        gateway = MqttGateway(settings, ingest, on_acked=on_acked)
        committer = GroupCommitter(ingest)
        # Supervision judges at the intake's progress: the MQTT session down, or messages read and
        # not yet recorded (``link_supervision.IntakeProgress``).
        progress.waiting = lambda: (
            not gateway.state.subscribed or gateway.unacknowledged > 0 or committer.unreleased > 0
        )
        keys = KeyStore(sessions, SecretBox(os.urandom(32)))
        await keys.load()
        receiver = _CountingReceiver(committer, keys)
        udp_port = free_port()
        udp_listener = await receiver.serve_udp("127.0.0.1", udp_port)
        stack.callback(udp_listener.close)
        udp_buffer = _receive_buffer(udp_listener)
        sweeper = Sweeper(
            "check-in overdue", sessions, supervision.sweep, worker.wake, sweep_seconds, as_of=progress.as_of
        )
        loops = (gateway.run(), worker.run(), sweeper.run(), committer.run())
        tasks = [asyncio.create_task(t) for t in loops]
        generators: list[asyncio.subprocess.Process] = []
        udp_generators: list[asyncio.subprocess.Process] = []
        try:
            await asyncio.wait_for(gateway.ready.wait(), 30)
            env = os.environ | {KEY_VARIABLE: ids.key}  # not in argv, which ps shows
            spawn = [sys.executable, "-m", "simulators.bench.load"]
            mqtt_procs = max(1, min(processes, -(-mqtt // 2000))) if mqtt else 0
            share = -(-mqtt // mqtt_procs) if mqtt else 0
            for i in range(mqtt_procs):
                first, count = FIRST_MQTT + i * share, min(share, mqtt - i * share)
                args = ["mqtt", broker.url, settings.mqtt_topic_root, str(first), str(count)]
                generators.append(await asyncio.create_subprocess_exec(
                    *spawn, *args, str(interval), str(silence_every),
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
                ))  # fmt: skip
            udp_procs = 1 if udp <= 50_000 else 2
            share = -(-udp // udp_procs) if udp else 0
            for i in range(udp_procs if udp else 0):
                first, count = FIRST_UDP + i * share, min(share, udp - i * share)
                args = ["udp", "127.0.0.1", str(udp_port), str(first), str(count)]
                udp_generators.append(await asyncio.create_subprocess_exec(
                    *spawn, *args, str(interval), str(silence_every),
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
                ))  # fmt: skip
            meters = {
                "center": _Meter([psutil.Process()]),
                "broker": _Meter([psutil.Process(broker.process.pid)]),  # type: ignore[union-attr]
                "mqtt_panels": _Meter([psutil.Process(g.pid) for g in generators]),
                "udp_panels": _Meter([psutil.Process(g.pid) for g in udp_generators]),
            }
            everyone = generators + udp_generators
            ready = await asyncio.gather(*(asyncio.wait_for(g.stdout.readline(), 900) for g in everyone))  # type: ignore[union-attr]
            held = [_numbers(line) for line in ready]
            refused = sum(h.get("refused", 0) for h in held[: len(generators)])
            started, before, udp_before = time.perf_counter(), acked[0], receiver.handled
            cpu_before = sum(psutil.Process().cpu_times()[:2])
            while time.perf_counter() - started < seconds:
                await asyncio.sleep(5)
                for meter in meters.values():
                    meter.sample()
            elapsed = time.perf_counter() - started
            during = acked[0] - before
            udp_during = receiver.handled - udp_before
            center_cpu_s = sum(psutil.Process().cpu_times()[:2]) - cpu_before
            judged = await _judge(
                sessions, silent, sweep_seconds + grace, utcnow(), progress.behind_seconds()
            )
            for g in everyone:
                g.stdin.write(b"stop\n")  # type: ignore[union-attr]
            ends = await asyncio.gather(
                *(asyncio.wait_for(g.stdout.readline(), 120) for g in everyone),  # type: ignore[union-attr]
                return_exceptions=True,
            )
            finals = [_numbers(e) if isinstance(e, bytes) else {} for e in ends]
        finally:
            for g in generators + udp_generators:
                with contextlib.suppress(ProcessLookupError):
                    g.terminate()
                await g.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    mqtt_still = sum(f.get("still", 0) for f in finals[: len(generators)])
    udp_sent = sum(f.get("sent", 0) for f in finals[len(generators) :])
    udp_acked = sum(f.get("acked", 0) for f in finals[len(generators) :])
    udp_resent = sum(f.get("resent", 0) for f in finals[len(generators) :])
    mqtt_silent = sum(1 for a in silent if int(a) < FIRST_UDP)
    # Connected at the end: MQTT connections still held (the silenced ones have hung up) and the UDP
    # panels whose supervision is current; both without the silenced sample.
    udp_current = judged["supervised_current"]["udp"]
    served = {"center": panels, "broker": mqtt, "mqtt_panels": mqtt, "udp_panels": udp}
    per_process = {name: m.report(served[name]) for name, m in meters.items()}
    system = [per_process["center"], per_process["broker"]]
    cpu = round(sum(p["cpu_avg_pct"] or 0 for p in system), 1)
    rss = round(sum(p["rss_max_mb"] or 0 for p in system), 1)
    return {
        "panels": panels,
        "mqtt": mqtt,
        "udp": udp,
        "connected": mqtt_still + udp_current,
        "mqtt_connected": mqtt_still,
        "udp_connected": udp_current,
        "mqtt_refused": refused,
        "max_connections": capacity,
        "open_files": {"soft": fds.soft, "hard": fds.hard, "somaxconn": limits.listen_backlog()},
        "false_overdue": judged["false_overdue"],
        "missed_overdue": judged["missed_overdue"],
        "silenced": len(silent),
        "mqtt_silenced": mqtt_silent,
        "silenced_caught": judged["silenced_caught"],
        "silenced_caught_late": judged["silenced_caught_late"],
        "silenced_not_yet_due": judged["silenced_not_yet_due"],
        "silenced_never_checked_in": judged["silenced_never_checked_in"],
        "line_cut_after_deadline_max_s": judged["line_cut_after_deadline_max_s"],
        "links_lost": judged["false_overdue"],
        "minutes": minutes,
        "check_in_interval_s": interval,
        "check_in_deadline_s": check_in_seconds,
        "acked": during,
        "acked_per_s": round(during / elapsed, 1),
        "expected_per_s": round(panels / interval, 1),
        "udp_handled": udp_during,
        "check_ins_per_s": round((during + udp_during) / elapsed, 1),
        # CPU time the center spent per check-in it handled: what a core costs per poll, whatever share
        # of the machine the center got (the capacity model's input; docs/capacity.md)
        "center_cpu_ms_per_check_in": round(1000 * center_cpu_s / max(1, during + udp_during), 3),
        "udp_polls_sent": udp_sent,
        "udp_polls_acked": udp_acked,
        "udp_polls_resent": udp_resent,
        "udp_receive_buffer": udp_buffer,
        # the most the sweep was held behind the clock because the intake was behind (issue 20)
        "supervision_held_max_s": round(sweeper.held_max_s, 1),
        "ack_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "ack_p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "cpu_pct": cpu,
        "rss_mb": rss,
        "cpu_pct_per_10k": round(cpu * PER_10K / panels, 2) if panels else None,
        "rss_mb_per_10k": round(rss * PER_10K / panels, 1) if panels else None,
        **per_process,
        "database": url.split(":", 1)[0],
        "at": utcnow().isoformat(),
    }


def _numbers(line: bytes) -> dict[str, int]:
    """``b"still 5 sent 9"`` → {"still": 5, "sent": 9}."""
    words = line.decode(errors="replace").split()
    return {k: int(v) for k, v in zip(words[::2], words[1::2], strict=False) if v.isdigit()}


def report(r: dict[str, Any]) -> str:
    lines = [
        f"load bench: {r['panels']:,} panels ({r['mqtt']:,} MQTT, {r['udp']:,} DC-09 UDP), checking in "
        f"every {r['check_in_interval_s']:.0f} s (deadline {r['check_in_deadline_s']} s) for "
        f"{r['minutes']} min ({r['database']})",
        f"open files: soft {r['open_files']['soft']:,}, hard {r['open_files']['hard']:,}; broker takes "
        f"{r['max_connections']:,} connections; somaxconn {r['open_files']['somaxconn']}",
        f"connected at the end: {r['connected']:,} ({r['mqtt_connected']:,} MQTT held, "
        f"{r['mqtt_refused']:,} MQTT refused at the limit)",
        f"supervision: false overdue {r['false_overdue']}, missed overdue {r['missed_overdue']}; "
        f"{r['silenced_caught']} of {r['silenced']} silenced panels raised in time, "
        f"{r['silenced_caught_late']} late ({r['silenced_not_yet_due']} not yet due, "
        f"{r['silenced_never_checked_in']} never connected; "
        f"latest {r['line_cut_after_deadline_max_s']} s after its deadline); the sweep held at most "
        f"{r['supervision_held_max_s']} s behind the clock by the intake",
        f"check-ins stored: {r['acked']:,} over MQTT ({r['acked_per_s']}/s), DC-09 polls "
        f"{r['udp_polls_acked']:,} acked of {r['udp_polls_sent']:,} ({r['udp_polls_resent']:,} resent); "
        f"MQTT ack p50 {r['ack_p50_ms']} ms, "
        f"p99 {r['ack_p99_ms']} ms",
        f"check-ins handled by the center: {r['check_ins_per_s']}/s (expected {r['expected_per_s']}/s), "
        f"{r['center_cpu_ms_per_check_in']} ms of center CPU each",
        f"center + broker: CPU {r['cpu_pct']}%, RSS {r['rss_mb']} MB "
        f"({r['cpu_pct_per_10k']}% and {r['rss_mb_per_10k']} MB per 10,000 panels)",
    ]
    for name in ("center", "broker", "mqtt_panels", "udp_panels"):
        u = r[name]
        lines.append(
            f"{name:<12} CPU avg {u['cpu_avg_pct']}% (max {u['cpu_max_pct']}%), RSS max {u['rss_max_mb']} MB;"
            f" per 10k panels {u['cpu_pct_per_10k']}%, {u['rss_mb_per_10k']} MB"
        )
    return "\n".join(lines)


def _main(argv: list[str]) -> None:
    kind, *rest = argv
    limits.raise_open_files()
    if kind == "mqtt":  # broker URL, root, first, count, interval, silence_every
        url, root, first, count, interval, every = rest
        key = os.environ[KEY_VARIABLE]
        asyncio.run(_mqtt_panels(url, root, int(first), int(count), float(interval), int(every), key))
    else:  # host, port, first, count, interval, silence_every
        host, port, first, count, interval, every = rest
        asyncio.run(_udp_panels(host, int(port), int(first), int(count), float(interval), int(every)))


if __name__ == "__main__":
    _main(sys.argv[1:])
