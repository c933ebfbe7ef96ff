"""Simulated households and contacts answering the center's calls.

Each premises' household knows its own house code (from the seed plan; the database holds only hashes).
When the simulated carrier rings a number, ``Households.answer_for`` decides what happens: at a premises
someone answers and keys the right code, a wrong one, or nobody is home; a contact answers, is busy,
or does not pick up.

The contacts also get the center's digital-verification link by SMS (``simulators/demo/phones.py``);
``Households.link_choice`` decides what each one does with it, as people do: most ignore it, some open
it and tap "I am going there", a family member who knows the house code sometimes calls the alarm off
(now and then after a wrong code first), someone sometimes asks for help.
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.subscribers.models import EmergencyContact, PanelAccount, Premises
from control_center.telephony.adapters import Answer
from control_center.telephony.numbers import to_e164
from simulators.demo.phones import LINK_CHOICES, LinkChoice, wrong_code
from simulators.demo.subscribers import plan

# (weight, behaviour) at a premises and for a contact
AT_HOME = [(70, "right_code"), (15, "wrong_code"), (15, "nobody_home")]
CONTACT = [(45, "answer"), (20, "busy"), (35, "no_answer")]
# (weight, what a contact does with the link): a family member (knows the house code), anyone else.
# Most ignore it, so in more than half the incidents nobody decides and the voice calls follow.
LINK_FAMILY = [(61, "ignore"), (20, "going"), (10, "cancel"), (4, "wrong_code_first"), (5, "help")]
LINK_OTHER = [(70, "ignore"), (25, "going"), (5, "help")]
FAMILY_POSITIONS = 2  # the seed gives the first two contacts the subscriber's family name


class Households:
    def __init__(
        self,
        codes: dict[str, str],
        contacts: set[str],
        seed: int | None = None,
        family: dict[str, str] | None = None,
    ) -> None:
        self.codes = codes  # premises number (E.164) → the household's house code
        self.contacts = contacts  # contacts' numbers (E.164)
        self.family = family or {}  # family contacts' numbers (E.164) → their household's house code
        self.rng = random.Random(seed)
        # A stream of its own: who answers the links does not change who answers the calls, or back.
        self.link_rng = random.Random(None if seed is None else seed + 1)
        self.scripted: dict[str, list[str]] = {}  # number → behaviours to play next, in order (tests)
        self.scripted_links: dict[str, list[str]] = {}  # number → what to do with the next links (tests)

    def learn(self, other: Households) -> None:
        """Take the numbers and codes ``other`` read from the database (keeps this one's randomness)."""
        self.codes, self.contacts, self.family = other.codes, other.contacts, other.family

    @classmethod
    async def from_database(cls, session: AsyncSession, count: int, seed: int | None = None) -> Households:
        code_of = {p.account: p.house_code for p in plan(count)}
        rows = await session.execute(select(Premises.phone, PanelAccount.account).join(PanelAccount))
        codes = {to_e164(phone): code_of[account] for phone, account in rows if account in code_of}
        contacts = {to_e164(phone) for phone in await session.scalars(select(EmergencyContact.phone))}
        family_rows = await session.execute(
            select(EmergencyContact.phone, PanelAccount.account)
            .join(PanelAccount, PanelAccount.premises_id == EmergencyContact.premises_id)
            .where(EmergencyContact.position <= FAMILY_POSITIONS)
        )
        family = {to_e164(phone): code_of[account] for phone, account in family_rows if account in code_of}
        return cls(codes, contacts, seed, family)

    def script(self, number: str, *behaviours: str) -> None:
        self.scripted.setdefault(to_e164(number), []).extend(behaviours)

    def script_link(self, number: str, *behaviours: str) -> None:
        """What this contact does with the next links, in order (one of ``LINK_CHOICES`` each)."""
        unknown = set(behaviours) - LINK_CHOICES
        if unknown:
            raise ValueError(f"unknown link behaviour: {sorted(unknown)}")
        self.scripted_links.setdefault(to_e164(number), []).extend(behaviours)

    def link_choice(self, number: str) -> LinkChoice:
        """What the owner of ``number`` does with a link just received (drawn now, in arrival order, so
        a seeded run repeats)."""
        code = self.family.get(number)
        rng = self.link_rng
        if self.scripted_links.get(number):
            behaviour = self.scripted_links[number].pop(0)
        else:
            table = LINK_FAMILY if code is not None else LINK_OTHER
            behaviour = rng.choices([b for _, b in table], [w for w, _ in table])[0]
        delay, retry = round(rng.uniform(15, 75), 1), round(rng.uniform(5, 15), 1)
        if behaviour in ("cancel", "wrong_code_first") and code is None:
            behaviour = "going"  # not a resident: does not know the code (scripted for a stranger)
        cancels = behaviour in ("cancel", "wrong_code_first")
        return LinkChoice(behaviour, delay, code if cancels else None, retry)

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
                    return Answer("answer", wrong_code(code) if mode == "ivr" else None)
                case "busy":
                    return Answer("busy")
                case _:
                    return Answer("no_answer", after_seconds=4.0)
        behaviour = self._behaviour(number, CONTACT)
        return Answer(behaviour if behaviour in ("busy", "no_answer") else "answer", after_seconds=3.0)
