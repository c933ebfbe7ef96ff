"""Small builders for subscribers and premises with exactly the services a test needs."""

from __future__ import annotations

import datetime as dt

from control_center.core.settings import Settings
from control_center.subscribers.house_code import hash_answer, hash_house_code, key_for
from control_center.subscribers.models import (
    EmergencyContact,
    ExtraQuestion,
    PanelAccount,
    Premises,
    PremisesService,
    Subscriber,
)
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.contact_id import Qualifier
from simulators.panel import payload

HOUSE_CODE = "472"
# The key of a center configured by the test environment alone, as the apps the tests build are.
HOUSE_CODE_KEY = key_for(Settings(_env_file=None))


async def premises(
    sessions, account: str = "2001", services: str = "ABCDEFGHI", arming: str = "armed", doctor: bool = True
) -> int:
    async with sessions() as session:
        subscriber = Subscriber(name="山田 太郎", phone="090-1111-2222", email="yamada@example.jp")
        place = Premises(
            subscriber=subscriber,
            address="愛知県名古屋市中区栄1-1-1",
            lat=35.17,
            lon=136.90,
            phone="052-111-2222",
            house_code_hash=hash_house_code(HOUSE_CODE, HOUSE_CODE_KEY),
            arming_state=arming,
            life_watch_hours=12,
            doctor_name="栄クリニック" if doctor else None,
            doctor_phone="052-999-0000" if doctor else None,
            services=[PremisesService(service_type=s) for s in services],
            contacts=[
                EmergencyContact(position=i, name=f"連絡先{i}", phone=f"090-0000-000{i}") for i in (1, 2, 3)
            ],
            questions=[
                ExtraQuestion(
                    position=1, question="ペットの名前は？", answer_hash=hash_answer("ポチ", HOUSE_CODE_KEY)
                )
            ],
        )
        session.add(PanelAccount(account=account, premises=place, transport="mqtt"))
        await session.commit()
        return place.id


class Panel:
    """Stores signals as the gateway would, with a clock the test controls."""

    def __init__(self, sessions, account: str = "2001") -> None:
        self.ingest = Ingest(sessions)
        self.account = account
        self._n = 0

    async def send(
        self, code: int, at: dt.datetime, qualifier: Qualifier = Qualifier.NEW, zone: int = 1
    ) -> None:
        self._n += 1
        raw = payload(
            self.account,
            f"t{code}-{zone}-{at.timestamp():.0f}-{self._n}",
            code,
            qualifier,
            zone=zone,
            sent_at=at,
        )
        await self.ingest.store(
            [
                Received(
                    "mqtt",
                    f"panels/{self.account}/signals",
                    raw,
                    at,
                    mqtt_payload.parse_json(self.account, raw),
                )
            ]
        )
