"""Timestamps come back timezone-aware UTC from both backends, whatever zone they went in with."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from control_center.subscribers.models import Subscriber


async def test_aware_times_round_trip_as_utc(sessions) -> None:
    tokyo = dt.datetime(2026, 11, 22, 9, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    async with sessions() as session:
        session.add(Subscriber(name="佐藤 太郎", phone="090-0000-0000", created_at=tokyo))
        await session.commit()
    async with sessions() as session:
        stored = await session.scalar(select(Subscriber))
    assert stored.created_at == tokyo
    assert stored.created_at.utcoffset() == dt.timedelta(0)
    assert stored.created_at.hour == 0


async def test_naive_times_are_refused(sessions) -> None:
    async with sessions() as session:
        session.add(Subscriber(name="x", phone="0", created_at=dt.datetime(2026, 1, 1)))  # noqa: DTZ001
        with pytest.raises(StatementError, match="naive datetime"):
            await session.commit()
