"""The weekly backup test's verdict: what makes a standby no longer a hot standby."""

from __future__ import annotations

from control_center.watchdog.standby_check import Observation, Standby, judge


def _standby(name: str = "pgautofailover_standby_2", **changes: object) -> Standby:
    fields: dict[str, object] = {"state": "streaming", "sync_state": "quorum", "replay_lag_s": 0.0,
                                 "replay_lag_bytes": 0} | changes  # fmt: skip
    return Standby(name, **fields)  # type: ignore[arg-type]


def _seen(*standbys: Standby, commit: str = "on", names: str = "ANY 1 (a, b)") -> Observation:
    return Observation("127.0.0.1:5433", commit, names, list(standbys))


def test_two_streaming_synchronous_standbys_pass() -> None:
    verdict = judge(_seen(_standby("a"), _standby("b")), expected=2)
    assert verdict.passed and verdict.problems == []


def test_a_missing_standby_fails() -> None:
    verdict = judge(_seen(_standby("a")), expected=2)
    assert not verdict.passed
    assert verdict.problems == ["1 standby(s) connected, 2 expected"]


def test_a_standby_still_catching_up_fails() -> None:
    verdict = judge(_seen(_standby("a"), _standby("b", state="catchup")), expected=2)
    assert verdict.problems == ["b is catchup, not streaming"]


def test_a_standby_too_far_behind_fails() -> None:
    verdict = judge(_seen(_standby("a"), _standby("b", replay_lag_s=12.5)), expected=2, max_lag_s=5)
    assert verdict.problems == ["b replays 12.5 s behind (limit 5 s)"]


def test_only_asynchronous_standbys_fail_an_acknowledged_signal_could_be_lost() -> None:
    verdict = judge(
        _seen(_standby("a", sync_state="async"), _standby("b", sync_state="potential")), expected=2
    )
    assert any("no synchronous standby" in p for p in verdict.problems)


def test_commits_that_do_not_wait_for_the_standby_fail() -> None:
    local = judge(_seen(_standby("a"), _standby("b"), commit="local"), expected=2)
    unnamed = judge(_seen(_standby("a"), _standby("b"), names=""), expected=2)
    assert not local.passed and not unnamed.passed
    assert all("commits do not wait" in v.problems[-1] for v in (local, unnamed))
