"""`control-center bench supervision`: a short run in CI; the recorded figure (docs/benchmarks.md) is
120,000 path-days."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from control_center.cli import main
from control_center.signals import panel_paths
from control_center.signals.link_supervision import sweep
from control_center.signals.path_rules import Category, Channel, Role, rule
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols.panel_signal import PanelSignal
from simulators.bench import supervision
from simulators.demo.subscribers import seed


def test_the_margin_keeps_jitter_from_raising_and_real_outages_are_reported_in_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "supervision", "--paths", "300", "--days", "5", "--seed", "2", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["paths"] >= 300 and r["path_days"] >= 1500
    assert r["false_overdue"] == 0
    assert r["baseline_two_polls_per_10k_path_days"] > 10  # the same arrivals, without the margin
    assert r["real_outages_to_report"] > 0 and (r["late"], r["missed"]) == (0, 0)


def test_a_sweep_too_slow_for_the_category_reports_late() -> None:
    # SP5 reports within 90 s, leaving the sweep 9 s: a sweep every 30 s is too slow.
    tally = supervision.Tally()
    rng = np.random.default_rng(5)
    for _ in range(40):
        supervision.simulate_path(rule(Category.SP5, Role.PRIMARY), 10, 30.0, rng, tally)
    assert tally.must_report > 0 and tally.late > 0


def test_the_same_seed_gives_the_same_fleet() -> None:
    assert supervision.run(50, 2, seed=4) | {"seconds": 0} == supervision.run(50, 2, seed=4) | {"seconds": 0}


T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)  # a whole second: the bench's clock starts at 0


async def test_the_bench_judges_a_silence_as_the_real_sweep_does(sessions) -> None:
    """The same arrivals and sweep ticks through the real ingest and sweep raise at the same moments."""
    sp4 = rule(Category.SP4, Role.PRIMARY)
    async with sessions() as session:
        await seed(session=session, count=1)
        await panel_paths.commission(session=session, account="1001", category=Category.SP4,
                                     primary=Channel.IP, backup=None, now=T0)  # fmt: skip
        await session.commit()
    got = np.array([51.3, 102.9, 160.0, 320.2, 700.0, 760.4, 1000.0, 1162.9, 1163.5, 1500.0])
    sweep_every, phase, end = 5.0, 2.5, 1800.0
    _, found = supervision.detections(got, sp4.overdue_seconds, sweep_every, phase, end)

    ingest, raised, arrivals = Ingest(sessions), [], list(got)
    for tick in np.arange(phase, end, sweep_every).tolist():
        while arrivals and arrivals[0] < tick:
            at = T0 + dt.timedelta(seconds=arrivals.pop(0))
            await ingest.store([Received("dc09_tcp", "t", b"", at, PanelSignal("1001", f"{at}", at, None))])
        async with sessions() as session:
            if await sweep(session=session, now=T0 + dt.timedelta(seconds=tick)):
                raised.append(tick)
    assert len(found) == 4 and raised == found.tolist()
