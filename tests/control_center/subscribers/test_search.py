"""Finding a subscriber the way a clerk on the phone types it: kana either way, names with or without the
space, phone numbers with or without hyphens (control_center/subscribers/search.py, service.search)."""

from __future__ import annotations

import pytest

from control_center.subscribers import service
from control_center.subscribers.models import Premises, Subscriber
from control_center.subscribers.search import Query, fold_name, parse_query, phone_digits


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("ナカムラ タロウ", "なかむらたろう"),
        ("なかむら　たろう", "なかむらたろう"),  # a full-width space
        ("ﾅｶﾑﾗ", "なかむら"),  # half-width katakana
        ("中村 太郎", "中村太郎"),
        ("ユーコ", "ゆーこ"),  # the long-vowel mark is part of a reading
        ("ヴァン", "ゔぁん"),
        ("ＳＡＴＯ Ｋｅｎ", "satoken"),
    ],
)
def test_names_fold_to_one_form(typed: str, folded: str) -> None:
    assert fold_name(typed) == folded


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("090-1234-5678", Query("", "09012345678")),
        ("09012345678", Query("", "09012345678")),
        ("０９０ー１２３４ー５６７８", Query("", "09012345678")),  # what a Japanese IME gives
        ("(052) 123-4567", Query("", "0521234567")),
        ("+81 90-1234-5678", Query("", "09012345678")),
        ("12", Query("12", "")),  # too short for a phone number
        ("中村3", Query("中村3", "")),
    ],
)
def test_a_query_of_digits_and_separators_is_a_phone_number(typed: str, query: Query) -> None:
    assert parse_query(typed) == query


def test_phone_digits_of_an_international_number() -> None:
    assert phone_digits("+81-52-123-4567") == "0521234567"


async def _people(sessions) -> dict[str, int]:
    rows = {
        "nakamura": Subscriber(name="中村 太郎", name_kana="ナカムラ タロウ", phone="090-1234-5678"),
        "nakamoto": Subscriber(name="中本 花子", name_kana="なかもと はなこ", phone="080-5555-0000"),
        "tanaka": Subscriber(name="田中太一", name_kana=None, phone="052-111-2222"),
        "percent": Subscriber(name="100% 株式会社", name_kana=None, phone="03-0000-0001"),
    }
    async with sessions() as session:
        session.add_all(rows.values())
        session.add(
            Premises(
                subscriber=rows["tanaka"], address="名古屋市中区", lat=35.1, lon=136.9,
                phone="052-987-6543", house_code_hash="x",
            )
        )  # fmt: skip
        await session.commit()
        return {key: row.id for key, row in rows.items()}


async def _found(sessions, text: str) -> set[int]:
    async with sessions() as session:
        return {s.id for s in await service.search(session=session, text=text)}


async def test_search_by_kana_name_and_phone_on_the_database(sessions) -> None:
    ids = await _people(sessions)
    nakamura, nakamoto, tanaka = ids["nakamura"], ids["nakamoto"], ids["tanaka"]
    for typed in ("ナカムラ", "なかむら", "ﾅｶﾑﾗ", "なかむら たろう", "ナカムラタロウ"):
        assert await _found(sessions, typed) == {nakamura}, typed
    assert await _found(sessions, "ナカ") == {nakamura, nakamoto}  # katakana query, hiragana reading
    assert await _found(sessions, "中村太郎") == {nakamura}  # no space, the row has one
    assert await _found(sessions, "田中 太一") == {tanaka}  # a space, the row has none
    assert await _found(sessions, "09012345678") == {nakamura}
    assert await _found(sessions, "090-1234-5678") == {nakamura}
    assert await _found(sessions, "1234-5678") == {nakamura}
    assert await _found(sessions, "0529876543") == {tanaka}  # the premises' phone
    assert await _found(sessions, "100%") == {ids["percent"]}  # a LIKE wildcard is a plain character
    assert await _found(sessions, "%") == {ids["percent"]}
    assert await _found(sessions, "") == set(ids.values())
    assert await _found(sessions, "ヤマダ") == set()


async def test_a_changed_name_or_phone_is_found_by_its_new_form(sessions) -> None:
    ids = await _people(sessions)
    async with sessions() as session:
        row = await session.get(Subscriber, ids["tanaka"])
        row.name_kana = "タナカ タイチ"
        row.phone = "070-3333-4444"
        await session.commit()
    assert await _found(sessions, "たなか") == {ids["tanaka"]}
    assert await _found(sessions, "07033334444") == {ids["tanaka"]}
    assert await _found(sessions, "052-111-2222") == set()


async def test_the_migration_folds_the_subscribers_already_there(database_url, sessions) -> None:
    """0013 adds the folded columns and fills them for the existing rows (a database of before)."""
    import asyncio

    from alembic import command
    from sqlalchemy import text

    from control_center.migrate import alembic_config

    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0012")
    async with sessions() as session:
        await session.execute(
            text("INSERT INTO subscribers (name, name_kana, phone, created_at) VALUES (:n, :k, :p, :t)"),
            {"n": "木村 誠", "k": "キムラ マコト", "p": "090-2222-3333", "t": "2026-11-01 00:00:00+00:00"},
        )
        await session.commit()
    await asyncio.to_thread(command.upgrade, config, "head")
    assert len(await _found(sessions, "きむらまこと")) == 1
    assert len(await _found(sessions, "09022223333")) == 1


async def test_every_demo_subscriber_has_a_reading_and_is_found_by_it(sessions) -> None:
    from sqlalchemy import select

    from simulators.demo.subscribers import seed

    async with sessions() as session:
        await seed(session=session, count=20, key=b"k" * 32)
        rows = list(await session.scalars(select(Subscriber)))
    assert rows and all(r.name_kana for r in rows)
    for row in rows[:5]:
        hiragana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in row.name_kana)
        assert row.id in await _found(sessions, hiragana.replace(" ", ""))
        assert row.id in await _found(sessions, row.name.replace(" ", ""))
