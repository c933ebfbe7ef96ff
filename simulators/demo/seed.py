"""The demo's subscribers and dispatch data together, as ``control-center demo`` and ``db seed`` add them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.subscribers.house_code import key_for
from simulators.demo.paths import seed_paths
from simulators.demo.responders import seed_dispatch
from simulators.demo.subscribers import seed


async def seed_demo(
    *, session: AsyncSession, settings: Settings, count: int, responder_user_id: int | None = None
) -> tuple[int, int]:
    """``count`` subscribers (house codes under this center's key), then depots and responders, each
    only where there are none yet; returns how many subscribers and responders were created."""
    created = await seed(session=session, count=count, key=key_for(settings))
    await seed_paths(session=session, count=count, now=utcnow())
    responders = await seed_dispatch(
        session=session, settings=settings, at=utcnow(), responder_user_id=responder_user_id
    )
    return created, responders
