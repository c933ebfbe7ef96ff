"""House codes and answers against a copy of the database (issue 15): 1,000 guesses recovered every
argon2-hashed 3-digit code in under 80 s. Keyed with the center's secret, the copy alone gives nothing."""

from __future__ import annotations

import secrets

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select

from control_center.incidents import flows
from control_center.subscribers.house_code import check_house_code, hash_house_code
from control_center.subscribers.models import ExtraQuestion, Premises
from simulators.demo.subscribers import plan, seed
from tests.control_center.factories import HOUSE_CODE, HOUSE_CODE_KEY, premises
from tests.control_center.supervisor_desk.test_supervisor import T0, alarms

CENTER_KEY = bytes(range(32))
OTHER_KEY = secrets.token_bytes(32)  # another center's, or a guess


def argon2_matches(stored: str, code: str) -> bool:
    try:
        return PasswordHasher().verify(stored, code)
    except (VerificationError, ValueError):
        return False


async def test_a_copy_of_the_database_does_not_give_up_the_codes(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=3, key=CENTER_KEY)
        stored = list(await session.scalars(select(Premises.house_code_hash).order_by(Premises.id)))
        answers = list(await session.scalars(select(ExtraQuestion.answer_hash)))
    codes = [entry.house_code for entry in plan(3)]
    for column in stored + answers:
        assert column.startswith("hmac-sha256$") and "argon2" not in column
    assert len(set(stored)) == 3 and len(set(answers)) == len(answers)  # salted: equal values differ
    for column, code in zip(stored, codes, strict=True):
        guesses = [f"{n:03d}" for n in range(1000)]
        assert code not in column
        assert not any(argon2_matches(column, guess) for guess in guesses[:20])  # nothing to brute-force
        assert [g for g in guesses if (await check_house_code(column, g, OTHER_KEY)).matched] == []
        assert [g for g in guesses if (await check_house_code(column, g, CENTER_KEY)).matched] == [code]


async def test_the_operator_still_verifies_a_caller_and_full_width_digits_count(sessions) -> None:
    await premises(sessions, account="6001")
    (incident_id,) = await alarms(sessions, (130, "6001"))
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0)
        typed = HOUSE_CODE.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        result = await flows.verify_house_code(
            session=session, incident_id=incident_id, operator="op", name_given="山田", digits=typed,
            at=T0, key=HOUSE_CODE_KEY,
        )  # fmt: skip
    assert result.matched


async def test_a_legacy_argon2_code_still_verifies_and_is_then_kept_keyed(sessions) -> None:
    place = await premises(sessions, account="6002")
    async with sessions() as session:
        row = await session.get(Premises, place)
        row.house_code_hash = PasswordHasher().hash(HOUSE_CODE)  # as written before this change
        question = (
            await session.scalars(select(ExtraQuestion).where(ExtraQuestion.premises_id == place))
        ).one()
        question.answer_hash = PasswordHasher().hash("ポチ")
        await session.commit()
    (incident_id,) = await alarms(sessions, (130, "6002"))

    async def verify(digits: str) -> bool:
        async with sessions() as session:
            result = await flows.verify_house_code(
                session=session, incident_id=incident_id, operator="op", name_given="山田", digits=digits,
                at=T0, key=HOUSE_CODE_KEY,
            )  # fmt: skip
        return result.matched

    async def column() -> str:
        async with sessions() as session:
            return (await session.get(Premises, place)).house_code_hash

    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0)
    assert not await verify("000") and (await column()).startswith("$argon2id$")  # a miss changes nothing
    assert await verify(HOUSE_CODE)
    upgraded = await column()
    assert upgraded.startswith("hmac-sha256$") and not argon2_matches(upgraded, HOUSE_CODE)
    assert (await check_house_code(upgraded, HOUSE_CODE, HOUSE_CODE_KEY)).matched
    async with sessions() as session:
        answered = await flows.answer_question(
            session=session, incident_id=incident_id, operator="op", name_given="山田",
            question_id=question.id, answer="ポチ", at=T0, key=HOUSE_CODE_KEY,
        )  # fmt: skip
        kept = (await session.get(ExtraQuestion, question.id)).answer_hash
    assert answered.matched and kept.startswith("hmac-sha256$")


@pytest.mark.parametrize("bad", ["12", "1234", "abc", ""])
def test_a_code_is_exactly_three_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="3 digits"):
        hash_house_code(bad, CENTER_KEY)
