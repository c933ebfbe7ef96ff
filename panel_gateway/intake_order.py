"""Commit in order of urgency, acknowledge in order of arrival.

MQTT 3.1.1 (section 4.6) wants a client's PUBACKs in the order the PUBLISHes came, and the broker
keeps every message until its PUBACK; neither says in which order the gateway must *store* them. So
an alarm that arrives behind thousands of routine messages (a storm, a flood) is committed first, in
a batch of its own, while its PUBACK, like every other, waits until everything that came before it
is committed too. Pure bookkeeping, no I/O: the group commit (``group_commit.py``) feeds it and
releases what it returns. Transports whose answers need no order among themselves (each DC-09 or
serial answer goes to its own connection) ask for ``in_arrival_order=False``: each batch is released
as soon as it is committed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(eq=False, slots=True)
class Entry(Generic[T]):
    message: T
    urgent: bool
    committed: bool = field(default=False)


class IntakeOrder(Generic[T]):
    def __init__(self, in_arrival_order: bool = True) -> None:
        self._in_order = in_arrival_order
        self._urgent: deque[Entry[T]] = deque()
        self._routine: deque[Entry[T]] = deque()
        self._unacked: deque[Entry[T]] = deque()  # arrival order, until acknowledged (in_arrival_order)
        self._uncommitted = 0  # taken, not yet committed (not in_arrival_order)

    def add(self, message: T, urgent: bool) -> None:
        entry = Entry(message, urgent)
        (self._urgent if urgent else self._routine).append(entry)
        if self._in_order:
            self._unacked.append(entry)

    @property
    def waiting(self) -> int:
        """Received, not yet taken for a commit."""
        return len(self._urgent) + len(self._routine)

    @property
    def unacked(self) -> int:
        """Received, not yet acknowledged (waiting, committing, or committed behind an older one)."""
        return len(self._unacked) if self._in_order else self.waiting + self._uncommitted

    @property
    def urgent_waiting(self) -> bool:
        return bool(self._urgent)

    def take(self, limit: int) -> list[Entry[T]]:
        """The next batch to commit: the urgent ones alone if there are any, else routine ones."""
        lane = self._urgent if self._urgent else self._routine
        batch = [lane.popleft() for _ in range(min(limit, len(lane)))]
        if not self._in_order:
            self._uncommitted += len(batch)
        return batch

    def committed(self, batch: list[Entry[T]]) -> list[T]:
        """Mark ``batch`` committed; returns the messages that may now be acknowledged, in arrival
        order: the committed ones with nothing uncommitted before them (without ``in_arrival_order``:
        the batch's)."""
        if not self._in_order:
            self._uncommitted -= len(batch)
            return [entry.message for entry in batch]
        for entry in batch:
            entry.committed = True
        ready: list[T] = []
        while self._unacked and self._unacked[0].committed:
            ready.append(self._unacked.popleft().message)
        return ready
