"""The simulated carrier's ids stay unique across runs: the demo started again on the same database
reused SIMSM00000002, and the fire's verification text failed the unique ``provider_sid`` (an outside
tester's finding)."""

from __future__ import annotations

from control_center.telephony.adapters import OutgoingSms, SimulatedTelephony
from control_center.telephony.wiring import nobody_answers


async def test_two_runs_of_the_simulated_carrier_never_give_the_same_id() -> None:
    first_run, second_run = SimulatedTelephony(nobody_answers), SimulatedTelephony(nobody_answers)
    sms = OutgoingSms(attempt_id=1, to="+819000000000", body="確認してください")
    first = [await first_run.text(sms) for _ in range(3)]
    second = [await second_run.text(sms) for _ in range(3)]
    assert len(set(first) | set(second)) == 6
    assert all(len(sid) <= 64 for sid in first)  # the column's width
