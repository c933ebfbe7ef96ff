"""Simulated households and contacts answering the center's calls.

Each premises' household knows its own house code (from the seed plan; the database holds only hashes).
When the simulated carrier rings a number, ``Households.answer_for`` decides what happens: at a premises
someone answers and keys the right code, a wrong one, or nobody is home; a contact answers, is busy,
or does not pick up.
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.subscribers.models import EmergencyContact, PanelAccount, Premises
from control_center.telephony.adapters import Answer
from control_center.telephony.numbers import to_e164
from simulators.demo.subscribers import plan

# (weight, behaviour) at a premises and for a contact
AT_HOME = [(70, "right_code"), (15, "wrong_code"), (15, "nobody_home")]
CONTACT = [(45, "answer"), (20, "busy"), (35, "no_answer")]


class Households:
    def __init__(self, codes: dict[str, str], contacts: set[str], seed: int | None = None) -> None:
        self.codes = codes  # premises number (E.164) → the household's house code
        self.contacts = contacts  # contacts' numbers (E.164)
        self.rng = random.Random(seed)
        self.scripted: dict[str, list[str]] = {}  # number → behaviours to play next, in order (tests)

    @classmethod
    async def from_database(cls, session: AsyncSession, count: int, seed: int | None = None) -> Households:
        code_of = {p.account: p.house_code for p in plan(count)}
        rows = await session.execute(select(Premises.phone, PanelAccount.account).join(PanelAccount))
        codes = {to_e164(phone): code_of[account] for phone, account in rows if account in code_of}
        contacts = {to_e164(phone) for phone in await session.scalars(select(EmergencyContact.phone))}
        return cls(codes, contacts, seed)

    def script(self, number: str, *behaviours: str) -> None:
        self.scripted.setdefault(to_e164(number), []).extend(behaviours)

    def _behaviour(self, number: str, table: list[tuple[int, str]]) -> str:
        if self.scripted.get(number):
            return self.scripted[number].pop(0)
        return self.rng.choices([b for _, b in table], [w for w, _ in table])[0]

    async def answer_for(self, number: str, mode: str) -> Answer:
        if number in self.codes:
            behaviour = self._behaviour(number, AT_HOME)
            code = self.codes[number]
            match behaviour:
                case "right_code":
                    return Answer("answer", code if mode == "ivr" else None)
                case "wrong_code":
                    return Answer("answer", f"{(int(code) + 1) % 1000:03d}" if mode == "ivr" else None)
                case "busy":
                    return Answer("busy")
                case _:
                    return Answer("no_answer", after_seconds=4.0)
        behaviour = self._behaviour(number, CONTACT)
        return Answer(behaviour if behaviour in ("busy", "no_answer") else "answer", after_seconds=3.0)
