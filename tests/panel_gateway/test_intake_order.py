"""Commit order by urgency, acknowledgement order by arrival (MQTT 3.1.1, 4.6)."""

from __future__ import annotations

from panel_gateway.intake_order import IntakeOrder


def test_an_alarm_behind_a_storm_is_committed_first_but_acknowledged_in_arrival_order() -> None:
    order: IntakeOrder[str] = IntakeOrder()
    for n in range(500):
        order.add(f"test-{n}", urgent=False)
    order.add("fire", urgent=True)
    order.add("test-500", urgent=False)

    first = order.take(200)
    assert [e.message for e in first] == ["fire"]  # alone: its transaction is as short as can be
    assert order.committed(first) == []  # 500 older messages are not stored yet: no PUBACK may pass them

    routine = order.take(200)
    assert [e.message for e in routine] == [f"test-{n}" for n in range(200)]
    assert order.committed(routine) == [f"test-{n}" for n in range(200)]
    rest = order.take(1000)
    assert order.committed(rest) == [f"test-{n}" for n in range(200, 500)] + ["fire", "test-500"]
    assert (order.waiting, order.unacked) == (0, 0)


def test_a_later_batch_committing_first_waits_for_the_earlier_one_before_its_acks() -> None:
    order: IntakeOrder[int] = IntakeOrder()
    for n in range(6):
        order.add(n, urgent=False)
    older, newer = order.take(3), order.take(3)
    assert order.committed(newer) == []
    assert order.unacked == 6
    assert order.committed(older) == [0, 1, 2, 3, 4, 5]


def test_without_arrival_order_each_batch_is_released_as_it_commits() -> None:
    order: IntakeOrder[int] = IntakeOrder(in_arrival_order=False)  # DC-09, serial: one answer per connection
    for n in range(6):
        order.add(n, urgent=False)
    order.add(6, urgent=True)
    alarm, older, newer = order.take(3), order.take(3), order.take(3)
    assert [e.message for e in alarm] == [6]
    assert order.committed(newer) == [3, 4, 5]
    assert order.unacked == 4  # the alarm and the older batch, still committing
    assert order.committed(alarm) == [6]
    assert order.committed(older) == [0, 1, 2]
    assert (order.waiting, order.unacked) == (0, 0)
