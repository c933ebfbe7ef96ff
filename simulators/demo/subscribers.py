"""Demo data: a few dozen subscribers around Nagoya, deterministic for a given seed."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.cancellation import deposit_for
from billing.models import Contract
from control_center.core.settings import get_settings
from control_center.signals.link_supervision import CELLULAR_CHECK_IN
from control_center.signals.service_types import ServiceType
from control_center.subscribers.house_code import hash_answer, hash_house_code, key_for
from control_center.subscribers.models import (
    EmergencyContact,
    ExtraQuestion,
    PanelAccount,
    Premises,
    PremisesService,
    Subscriber,
)
from dispatch.handoff_models import PremisesDirections

CENTER = (35.1709, 136.8815)  # Nagoya station
WARDS = ["中村区", "中区", "東区", "千種区", "昭和区", "瑞穂区", "熱田区", "西区", "北区", "名東区"]
FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "近藤",
]
GIVEN = ["太郎", "花子", "健一", "美咲", "大輔", "陽子", "翔太", "由美", "誠", "恵子", "拓也", "直子"]
# Readings (フリガナ) of the names above, so the clerk can find a subscriber by kana.
READINGS = {
    "佐藤": "サトウ", "鈴木": "スズキ", "高橋": "タカハシ", "田中": "タナカ", "伊藤": "イトウ",
    "渡辺": "ワタナベ", "山本": "ヤマモト", "中村": "ナカムラ", "小林": "コバヤシ", "加藤": "カトウ",
    "吉田": "ヨシダ", "山田": "ヤマダ", "佐々木": "ササキ", "山口": "ヤマグチ", "松本": "マツモト",
    "井上": "イノウエ", "木村": "キムラ", "林": "ハヤシ", "清水": "シミズ", "近藤": "コンドウ",
    "太郎": "タロウ", "花子": "ハナコ", "健一": "ケンイチ", "美咲": "ミサキ", "大輔": "ダイスケ",
    "陽子": "ヨウコ", "翔太": "ショウタ", "由美": "ユミ", "誠": "マコト", "恵子": "ケイコ",
    "拓也": "タクヤ", "直子": "ナオコ",
}  # fmt: skip
RELATIONS = ["長男", "長女", "次男", "妹", "弟", "友人", "隣人"]
OPTIONAL_SERVICES = [
    ServiceType.MEDICAL,
    ServiceType.GAS,
    ServiceType.LINE_CUT,
    ServiceType.EQUIPMENT,
    ServiceType.LIFE_WATCH,
    ServiceType.OUTDOOR_CAMERA,
]


# The companies that installed the demo's panels (fictional), for the per-installer scorecard.
INSTALLERS = ("中部セキュリティ設備株式会社", "名古屋防犯システム有限会社", "東海アラーム工業株式会社")


# How a police car or fire engine finds the house (read on the 110/119 call, sent in the hand-off): from the
# nearest subway station of the ward, then a turn and a landmark, picked by the account number.
STATIONS = {
    "中村区": "地下鉄東山線 中村公園駅", "中区": "地下鉄名城線 矢場町駅", "東区": "地下鉄桜通線 車道駅",
    "千種区": "地下鉄東山線 本山駅", "昭和区": "地下鉄鶴舞線 川名駅", "瑞穂区": "地下鉄桜通線 瑞穂区役所駅",
    "熱田区": "地下鉄名城線 神宮西駅", "西区": "地下鉄鶴舞線 浄心駅", "北区": "地下鉄名城線 黒川駅",
    "名東区": "地下鉄東山線 一社駅",
}  # fmt: skip
HEADINGS = ("北", "南", "東", "西")
TURNS = (
    "一つ目の信号を右折", "二つ目の信号を左折", "郵便局の角を右折", "コンビニの角を左折", "突き当たりを右折",
)  # fmt: skip
SIDES = ("左側", "右側")
HOUSES = (
    "白い外壁の2階建て、青い屋根", "茶色のタイル張りの2階建て", "灰色の外壁の平屋、生け垣あり",
    "3階建てのアパートの1階角部屋", "黒い瓦屋根の木造2階建て、門柱に表札",
)  # fmt: skip
NEAR = (
    "向かいにコンビニ", "隣に月極駐車場", "斜め向かいに児童公園", "二軒先に消火栓の標識",
    "向かいに歯科医院", "角にクリーニング店",
)  # fmt: skip


def directions_for(account: str, ward: str) -> tuple[str, str]:
    """The demo premises' directions and landmarks: from the account and ward only (no random draw, so the
    rest of the seeded data stays as it was)."""
    n = int(account)
    station = STATIONS.get(ward, "名古屋駅")
    directions = (
        f"{station} {n % 4 + 1}番出口を出て{HEADINGS[n % 4]}へ徒歩約{n % 9 + 4}分、"
        f"{TURNS[n % len(TURNS)]}して{SIDES[n % 2]}{n % 5 + 2}軒目"
    )
    return directions, f"{HOUSES[n % len(HOUSES)]}。{NEAR[n % len(NEAR)]}"


@dataclass(frozen=True, slots=True)
class SeededPremises:
    account: str
    house_code: str  # known to the simulated household only; the database holds the hash


def _phone(rng: random.Random, mobile: bool = False) -> str:
    if mobile:
        return f"090-{rng.randrange(1000, 10000)}-{rng.randrange(1000, 10000)}"
    return f"052-{rng.randrange(200, 1000)}-{rng.randrange(1000, 10000)}"


def plan(count: int, seed: int = 20261122) -> list[SeededPremises]:
    """The accounts and house codes the seed creates (the simulators use this to play households)."""
    rng = random.Random(seed)
    return [SeededPremises(f"{1001 + i:04d}", f"{rng.randrange(1000):03d}") for i in range(count)]


async def seed(
    *, session: AsyncSession, count: int = 40, seed: int = 20261122, key: bytes | None = None
) -> int:
    """Create ``count`` subscribers if the database has none; returns how many were created.

    ``key``: the house codes' key (house_code.key_for(settings)); by default the one of the center the
    environment configures (CC_SECRET_KEY or its key file), which is the one that will check them.
    """
    if await session.scalar(select(func.count()).select_from(Subscriber)):
        return 0
    key = key if key is not None else key_for(get_settings())
    rng = random.Random(seed + 1)
    directions: list[tuple[Premises, tuple[str, str]]] = []
    for entry in plan(count, seed):
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        subscriber = Subscriber(
            name=f"{family} {given}",
            name_kana=f"{READINGS[family]} {READINGS[given]}",
            phone=_phone(rng, mobile=True),
            email=f"subscriber{entry.account}@example.jp",
        )
        lat = CENTER[0] + rng.uniform(-0.06, 0.06)
        lon = CENTER[1] + rng.uniform(-0.07, 0.07)
        ward = rng.choice(WARDS)
        has_doctor = rng.random() < 0.5
        services = [ServiceType.BURGLARY, ServiceType.FIRE, ServiceType.EMERGENCY]
        services += rng.sample(OPTIONAL_SERVICES, rng.randrange(1, len(OPTIONAL_SERVICES) + 1))
        premises = Premises(
            subscriber=subscriber,
            address=f"愛知県名古屋市{ward}{rng.randrange(1, 6)}丁目"
            f"{rng.randrange(1, 30)}-{rng.randrange(1, 20)}",
            lat=round(lat, 6),
            lon=round(lon, 6),
            phone=_phone(rng),
            house_code_hash=hash_house_code(entry.house_code, key),
            # From the account, not the random stream, so the rest of the seeded data stays as it was.
            installer=INSTALLERS[int(entry.account) % len(INSTALLERS)],
            life_watch_hours=12,
            services=[PremisesService(service_type=s.value) for s in sorted(set(services))],
            doctor_name=f"{ward}クリニック" if has_doctor else None,
            doctor_phone=_phone(rng) if has_doctor else None,
            questions=[
                ExtraQuestion(
                    position=1, question="最初に飼ったペットの名前は？", answer_hash=hash_answer("ポチ", key)
                )
            ],
            contacts=[
                EmergencyContact(
                    position=position,
                    name=f"{family if position < 3 else rng.choice(FAMILY)} {rng.choice(GIVEN)}",
                    phone=_phone(rng, mobile=True),
                    relation=rng.choice(RELATIONS),
                )
                for position in range(1, rng.choice([3, 3, 4]) + 1)
            ],
        )
        directions.append((premises, directions_for(entry.account, ward)))
        kind = "rental" if rng.random() < 0.8 else "purchase"
        session.add(
            Contract(
                subscriber=subscriber,
                premises=premises,
                plan=kind,
                service_start=dt.date(rng.randrange(2021, 2026), rng.randrange(1, 13), rng.randrange(1, 29)),
                monthly_fee=rng.choice([4_000, 4_800, 5_500, 6_800, 7_800, 9_800]),
                deposit=deposit_for(kind, 20_000),  # the purchase plan has none (seed 002 重要事項 3.)
            )
        )
        session.add(
            PanelAccount(
                account=entry.account,
                premises=premises,
                transport="mqtt",
                check_in_seconds=int(CELLULAR_CHECK_IN.total_seconds()),
            )
        )
    await session.flush()  # the premises' ids
    for place, (way, marks) in directions:
        session.add(PremisesDirections(premises_id=place.id, directions=way, landmarks=marks))
    await session.commit()
    return count
