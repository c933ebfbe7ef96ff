"""The contract's equipment on the database: extra arming cards (charged on the next invoice), changes at
the premises told in advance (or not), and repairs with who pays. Rules: billing/cards.py,
billing/premises_changes.py, billing/repairs.py."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing import cards, premises_changes, repairs
from billing.errors import BillingRefused
from billing.models import ChargeRow, Contract, PremisesChangeRow, RepairRow
from billing.money import Yen


async def _contract(session: AsyncSession, contract_id: int) -> Contract:
    contract = await session.get(Contract, contract_id)
    if contract is None:
        raise LookupError(f"contract {contract_id} not found")
    return contract


async def issue_cards(*, session: AsyncSession, contract_id: int, count: int, on: dt.date) -> Yen:
    """Hand over ``count`` more arming cards; those beyond the 4 included are charged 800 yen each (tax
    excluded) as one-off charges billed with the service month of ``on`` (seed 002 お知らせ (2)④).
    Returns the yen charged. The caller commits."""
    contract = await _contract(session, contract_id)
    try:
        extra = cards.extra_cards(contract.cards_issued, count)
    except ValueError as exc:
        raise BillingRefused(str(exc)) from None
    contract.cards_issued += count
    for _ in range(extra):
        session.add(ChargeRow(contract_id=contract_id, day=on, description=cards.DESCRIPTION,
                              amount=cards.EXTRA_PRICE))  # fmt: skip
    await session.flush()
    return extra * cards.EXTRA_PRICE


async def record_premises_change(
    *,
    session: AsyncSession,
    contract_id: int,
    kind: premises_changes.ChangeKind | str,
    change_on: dt.date,
    notified_on: dt.date,
    recorded_by: str,
) -> premises_changes.NoticeCheck:
    """Record a change the subscriber told us of and whether the notice came in time (15 days, a move 1
    month: seed 002 重要事項 2.(3)①, ご利用規定（レンタル）第5条①). A late notice is recorded all the same."""
    await _contract(session, contract_id)
    try:
        check = premises_changes.check_notice(kind, change_on, notified_on)
    except ValueError:
        kinds = ", ".join(k.value for k in premises_changes.ChangeKind)
        raise BillingRefused(f"kind of change is one of {kinds}") from None
    session.add(
        PremisesChangeRow(contract_id=contract_id, kind=check.kind.value, change_on=change_on,
                          notified_on=notified_on, in_time=check.in_time, recorded_by=recorded_by)
    )  # fmt: skip
    await session.flush()
    return check


async def business_notified(*, session: AsyncSession, contract_id: int, on: dt.date) -> bool:
    """Whether a business started at the premises by ``on`` was told to the company (for claims: seed
    002 重要事項 2.(10)②)."""
    found = await session.scalar(
        select(func.count(PremisesChangeRow.id)).where(
            PremisesChangeRow.contract_id == contract_id,
            PremisesChangeRow.kind == premises_changes.ChangeKind.BUSINESS.value,
            PremisesChangeRow.notified_on <= on,
        )
    )
    return bool(found)


async def record_repair(
    *,
    session: AsyncSession,
    contract_id: int,
    day: dt.date,
    part: str,
    cause: repairs.Cause | str,
    cost: Yen,
    installed_on: dt.date | None = None,
) -> repairs.RepairDecision:
    """Record a repair or replacement; when the subscriber pays, its cost is charged on the next invoice.
    ``installed_on`` defaults to the service start. The caller commits."""
    contract = await _contract(session, contract_id)
    if cost < 0 or not part.strip():
        raise BillingRefused("a repair needs its part and a cost of 0 or more yen")
    gas = part.strip() == "gas_sensor"
    earlier = await session.scalar(
        select(func.count(RepairRow.id)).where(
            RepairRow.contract_id == contract_id, RepairRow.part == "gas_sensor",
            RepairRow.cause == repairs.Cause.PERIODIC.value,
        )
    )  # fmt: skip
    in_force = contract.terminated_on is None or day <= contract.terminated_on
    try:
        decision = repairs.decide(
            plan=contract.plan, installed_on=installed_on or contract.service_start, on=day, cause=cause,
            contract_in_force=in_force, gas_sensor=gas, earlier_gas_replacements=earlier or 0,
        )  # fmt: skip
    except ValueError:
        raise BillingRefused(f"cause is one of {', '.join(c.value for c in repairs.Cause)}") from None
    charged = cost if decision.charged else 0
    session.add(
        RepairRow(contract_id=contract_id, day=day, part=part.strip()[:40], cause=repairs.Cause(cause).value,
                  charged=decision.charged, amount=charged, clause=decision.clause[:200])
    )  # fmt: skip
    if charged:
        session.add(ChargeRow(contract_id=contract_id, day=day, description=f"修理・交換費用（{part}）"[:100],
                              amount=charged))  # fmt: skip
    await session.flush()
    return decision
