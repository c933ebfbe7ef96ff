"""Demo dispatch data around Nagoya: depots, responders, key sets, dispatch notes, coverage records."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.settings import Settings
from control_center.subscribers.models import Premises
from dispatch import service
from dispatch.models import CoverageLimit, Depot, DispatchNote, Responder

DEPOTS = (
    ("名駅待機所", "中村区", 35.1700, 136.8800),
    ("栄待機所", "中区", 35.1690, 136.9080),
    ("千種待機所", "千種区", 35.1660, 136.9470),
    ("熱田待機所", "熱田区", 35.1280, 136.9100),
)
RESPONDERS = (
    "高橋 一郎",
    "伊藤 次郎",
    "渡辺 三郎",
    "山本 四郎",
    "中村 五郎",
    "小林 六郎",
    "加藤 七郎",
    "吉田 八郎",
)


async def seed_dispatch(
    *, session: AsyncSession, settings: Settings, at: dt.datetime, responder_user_id: int | None = None
) -> int:
    """Create depots and responders if there are none; returns how many responders were created.

    The first responder is the one ``responder_user_id`` signs in as (the demo's ``responder``); the
    others are played by ``simulators.responders``.
    """
    if await session.scalar(select(func.count()).select_from(Depot)):
        return 0
    rng = random.Random(20261122)
    # Demo configuration, not law: the prefecture's limit and one example area with a longer one.
    session.add_all(
        [
            CoverageLimit(prefecture="愛知県", minutes=25),
            CoverageLimit(prefecture="愛知県", area="豊田市", minutes=30),
        ]
    )
    depots = [
        Depot(name=n, prefecture="愛知県", area=f"名古屋市{w}", lat=lat, lon=lon) for n, w, lat, lon in DEPOTS
    ]
    session.add_all(depots)
    await session.flush()
    for i, name in enumerate(RESPONDERS):
        depot = depots[i % len(depots)]
        session.add(
            Responder(
                user_id=responder_user_id if i == 0 else None,
                name=name,
                depot=depot,
                lat=depot.lat + rng.uniform(-0.004, 0.004),
                lon=depot.lon + rng.uniform(-0.004, 0.004),
                position_at=at,
            )
        )
    premises = list(await session.scalars(select(Premises).order_by(Premises.id)))
    for n, place in enumerate(premises):
        reach = await service.record_coverage(session=session, premises=place, settings=settings, at=at)
        assert reach is not None
        await service.register_keys(
            session=session, premises_id=place.id, depot_id=reach.depot_id,
            seals=(f"S{place.id:05d}-1", f"S{place.id:05d}-2"), actor="seed", at=at,
        )  # fmt: skip
        if n % 3 == 0:
            session.add(
                DispatchNote(
                    premises_id=place.id,
                    no_entry_rooms="2階 書斎" if n % 2 == 0 else None,
                    call_before_entry_name="長男" if n % 2 == 0 else None,
                    call_before_entry_phone=f"090-{1000 + n:04d}-0000" if n % 2 == 0 else None,
                    pets="大型犬（秋田犬）" if n % 6 == 0 else "猫",
                    large_dog=n % 6 == 0,
                )
            )
    await session.commit()
    return len(RESPONDERS)
