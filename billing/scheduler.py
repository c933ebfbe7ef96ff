"""The billing run as an APScheduler job: every day at 03:00 Asia/Tokyo (it is idempotent per period,
so a missed or repeated day does no harm; each contract's service month starts on its own day)."""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing import service
from billing.esign import service as esign_service
from billing.models import InvoiceRow
from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.timezones import TOKYO, tokyo_today

log = logging.getLogger(__name__)


async def run_once(sessions: async_sessionmaker[AsyncSession], on: dt.date | None = None) -> list[InvoiceRow]:
    day = on or tokyo_today(utcnow())
    async with sessions() as session:
        created = await service.run(session=session, on=day)
        # Signed originals are kept 7 years after the contract's actual end: follow renewals and ends.
        await esign_service.refresh_retention(session=session, on=day)
        await session.commit()
    log.info("billing run for %s: %d invoice(s)", day, len(created))
    return created


async def billing_run(database_url: str, on: object = None) -> list[InvoiceRow]:
    engine = create_engine(database_url)
    try:
        return await run_once(session_factory(engine), on if isinstance(on, dt.date) else None)
    finally:
        await engine.dispose()


def start_scheduler(sessions: async_sessionmaker[AsyncSession]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=TOKYO)
    scheduler.add_job(
        run_once, CronTrigger(hour=3, minute=0, timezone=TOKYO), args=[sessions], id="billing-run",
        replace_existing=True, coalesce=True, misfire_grace_time=6 * 3600,
    )  # fmt: skip
    scheduler.start()
    return scheduler
