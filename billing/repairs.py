"""Who pays for an adjustment, repair or replacement of the equipment.

Seed 002: for 10 years from installation, while the contract is in force, the company does not charge
for adjusting, repairing or replacing the equipment, except when the cause is on the subscriber's side,
a third party's, or force majeure such as a natural disaster; the gas sensor's first periodic replacement
is at the company's cost, later ones are not (重要事項 3.(3)①②; ご利用規定（買取）第2条①②) — these are
the purchase plan's clauses (section 3 of the seed, ご利用規定（機器お買い取りの場合）). Under the rental
plan the equipment stays the company's (ご利用規定（レンタル）第1条①): it repairs or replaces it and charges
only when the cause is on the subscriber's side (第1条③, 第11条②), with no 10-year limit while the
contract runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from billing import terms

FREE_YEARS = 10


class Cause(StrEnum):
    WEAR = "wear"  # ordinary failure or wear: the company's side
    SUBSCRIBER = "subscriber"  # ａ．お客様側に原因があるとき
    THIRD_PARTY = "third_party"  # ｂ．第三者に原因があるとき
    FORCE_MAJEURE = "force_majeure"  # ｃ．天災などの不可抗力によるとき
    PERIODIC = "periodic"  # a periodic replacement (the gas sensor's)


@dataclass(frozen=True, slots=True)
class RepairDecision:
    charged: bool
    clause: str
    why: str


def free_until(installed_on: dt.date) -> dt.date:
    """The last day of the 10 years from installation (Civil Code count, billing/terms.py)."""
    return terms.period_end(installed_on, FREE_YEARS * 12)


def decide(
    *,
    plan: str,
    installed_on: dt.date,
    on: dt.date,
    cause: Cause | str,
    contract_in_force: bool,
    gas_sensor: bool = False,
    earlier_gas_replacements: int = 0,
) -> RepairDecision:
    cause = Cause(cause)
    if plan == "rental":
        clause = "seed 002 ご利用規定（レンタル）第1条③, 第11条②"
        if cause is Cause.SUBSCRIBER:
            return RepairDecision(True, clause, "お客様側に原因があるとき")
        return RepairDecision(False, clause, "レンタル機器はセコムの所有：お客様側の原因でない限り無償")
    clause = "seed 002 重要事項 3.(3)①; ご利用規定（買取）第2条①"
    if gas_sensor and cause is Cause.PERIODIC:
        clause = "seed 002 重要事項 3.(3)②; ご利用規定（買取）第2条②"
        if earlier_gas_replacements == 0 and contract_in_force:
            return RepairDecision(False, clause, "ガスセンサーの初回定期交換はセコム負担")
        return RepairDecision(True, clause, "ガスセンサーの2回目以降の定期交換はお客様負担")
    if cause is Cause.SUBSCRIBER:
        return RepairDecision(True, clause + "a", "お客様側に原因があるとき")
    if cause is Cause.THIRD_PARTY:
        return RepairDecision(True, clause + "b", "第三者に原因があるとき")
    if cause is Cause.FORCE_MAJEURE:
        return RepairDecision(True, clause + "c", "天災などの不可抗力によるとき")
    if not contract_in_force:
        return RepairDecision(True, clause, "契約有効期間外")
    if on > free_until(installed_on):
        return RepairDecision(True, clause, "設置日より10年を経過")
    return RepairDecision(False, clause, "設置日より10年間は無償（契約有効期間中）")
