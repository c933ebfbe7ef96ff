"""Commit in order of urgency, acknowledge in order of arrival.

MQTT 3.1.1 (section 4.6) wants a client's PUBACKs in the order the PUBLISHes came, and the broker
keeps every message until its PUBACK; neither says in which order the gateway must *store* them. So
an alarm that arrives behind thousands of routine messages (a storm, a flood) is committed first, in
a batch of its own, while its PUBACK, like every other, waits until everything that came before it
is committed too. Pure bookkeeping, no I/O: the MQTT transport feeds it and sends the acks.
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
    def __init__(self) -> None:
        self._urgent: deque[Entry[T]] = deque()
        self._routine: deque[Entry[T]] = deque()
        self._unacked: deque[Entry[T]] = deque()  # arrival order, until acknowledged

    def add(self, message: T, urgent: bool) -> None:
        entry = Entry(message, urgent)
        (self._urgent if urgent else self._routine).append(entry)
        self._unacked.append(entry)

    @property
    def waiting(self) -> int:
        """Received, not yet taken for a commit."""
        return len(self._urgent) + len(self._routine)

    @property
    def unacked(self) -> int:
        """Received, not yet acknowledged (waiting, committing, or committed behind an older one)."""
        return len(self._unacked)

    @property
    def urgent_waiting(self) -> bool:
        return bool(self._urgent)

    def take(self, limit: int) -> list[Entry[T]]:
        """The next batch to commit: the urgent ones alone if there are any, else routine ones."""
        lane = self._urgent if self._urgent else self._routine
        return [lane.popleft() for _ in range(min(limit, len(lane)))]

    def committed(self, batch: list[Entry[T]]) -> list[T]:
        """Mark ``batch`` committed; returns the messages that may now be acknowledged, in arrival
        order: the committed ones with nothing uncommitted before them."""
        for entry in batch:
            entry.committed = True
        ready: list[T] = []
        while self._unacked and self._unacked[0].committed:
            ready.append(self._unacked.popleft().message)
        return ready
