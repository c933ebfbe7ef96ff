"""Monthly invoices, pure: fee lines per service month with price changes, suspensions and tax splits.

- Service months run from the service start's day (21st → 20th), by the Civil Code's month count.
- The monthly fee in force each day applies; a month with a price change or a charge-free suspension
  is charged pro rata by days (rounded down per price), a whole month at one price is the price.
- Suspensions (seed 002 §(8)): force majeure stopping ALL service → no charge for those days;
  partial → full charge; for the subscriber's reasons → charged (a recorded waiver may lift it).
- Each fee is split where the tax rate changes (billing/tax.py); tax once per rate per invoice.
- Issued on the first day of the service month; due by the end of the following calendar month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from billing import tax, terms
from billing.money import Yen, floor_yen


class SuspensionCause(StrEnum):
    FORCE_MAJEURE_TOTAL = "force_majeure_total"  # quake, neighbour's fire: all service stopped
    FORCE_MAJEURE_PARTIAL = "force_majeure_partial"  # part of the service stopped: full charge
    SUBSCRIBER = "subscriber"  # the subscriber's side: charged


@dataclass(frozen=True, slots=True)
class Suspension:
    start: dt.date
    end: dt.date | None  # inclusive; None = still suspended
    cause: SuspensionCause
    waived: bool = False  # a recorded decision not to charge (e.g. a major rebuild)

    def free_on(self, day: dt.date) -> bool:
        inside = self.start <= day and (self.end is None or day <= self.end)
        no_charge = self.cause is SuspensionCause.FORCE_MAJEURE_TOTAL or (
            self.cause is SuspensionCause.SUBSCRIBER and self.waived
        )
        return inside and no_charge


@dataclass(frozen=True, slots=True)
class PriceChange:
    effective_from: dt.date
    monthly: Yen


@dataclass(frozen=True, slots=True)
class Charge:
    day: dt.date
    description: str
    amount: Yen  # tax excluded


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    start: dt.date
    end: dt.date
    amount: Yen  # tax excluded
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Invoice:
    period_start: dt.date
    period_end: dt.date
    issued_on: dt.date
    due_on: dt.date
    lines: tuple[Line, ...]

    @property
    def subtotal(self) -> Yen:
        return sum(line.amount for line in self.lines)

    def tax_by_rate(self) -> dict[Decimal, Yen]:
        """The stated rounding rule: one rounding down per rate, on that rate's sum."""
        return {rate: tax.tax_for(amount, rate) for rate, amount in sorted(_sums_by_rate(self.lines).items())}

    @property
    def tax(self) -> Yen:
        return sum(self.tax_by_rate().values())

    @property
    def total(self) -> Yen:
        return self.subtotal + self.tax


def service_month(service_start: dt.date, containing: dt.date) -> tuple[dt.date, dt.date]:
    """The service month (start, end) that contains ``containing``."""
    start = service_start
    while True:
        end = terms.period_end(start, 1)
        if containing <= end:
            return start, end
        start = end + dt.timedelta(days=1)


def due_date(issued_on: dt.date) -> dt.date:
    year, month = (issued_on.year + 1, 1) if issued_on.month == 12 else (issued_on.year, issued_on.month + 1)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def price_on(day: dt.date, initial: Yen, changes: Sequence[PriceChange]) -> Yen:
    price = initial
    for change in sorted(changes, key=lambda c: c.effective_from):
        if change.effective_from <= day:
            price = change.monthly
    return price


def fee_lines(
    start: dt.date,
    end: dt.date,
    *,
    monthly: Yen,
    price_changes: Sequence[PriceChange] = (),
    suspensions: Sequence[Suspension] = (),
    rates: tuple[tuple[dt.date, Decimal], ...] = tax.RATES,
) -> list[Line]:
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    period_days = len(days)
    plan = [
        (d, price_on(d, monthly, price_changes), not any(s.free_on(d) for s in suspensions)) for d in days
    ]
    lines: list[Line] = []
    for price, group in itertools.groupby(plan, key=lambda p: p[1]):
        charged = [d for d, _, is_charged in group if is_charged]
        if not charged:
            continue
        whole = len(charged) == period_days
        amount = price if whole else floor_yen(Decimal(price) * len(charged) / period_days)
        # Consecutive charged days form runs; each run is split where the tax rate changes.
        runs = _runs(charged)
        remaining = amount
        for i, (a, b) in enumerate(runs):
            run_amount = (
                remaining
                if i == len(runs) - 1
                else floor_yen(Decimal(amount) * ((b - a).days + 1) / len(charged))
            )
            remaining -= run_amount
            label = "月額料金" if whole else "月額料金（日割）"
            lines += [
                Line(label, p.start, p.end, p.amount, p.rate)
                for p in tax.split_by_rate(run_amount, a, b, rates)
            ]
    return lines


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def monthly_invoice(
    service_start: dt.date,
    period_start: dt.date,
    *,
    monthly: Yen,
    price_changes: Sequence[PriceChange] = (),
    suspensions: Sequence[Suspension] = (),
    charges: Sequence[Charge] = (),
    rates: tuple[tuple[dt.date, Decimal], ...] = tax.RATES,
) -> Invoice:
    start, end = service_month(service_start, period_start)
    lines = fee_lines(
        start, end, monthly=monthly, price_changes=price_changes, suspensions=suspensions, rates=rates
    )
    # Every charge not billed yet and dated up to the period's end goes on this invoice, including one
    # made after the previous month's invoice was issued (seed 002 セコムからのお知らせ (2)④).
    lines += [
        Line(c.description, c.day, c.day, c.amount, tax.rate_on(c.day, rates))
        for c in charges
        if c.day <= end
    ]
    return Invoice(start, end, start, due_date(start), tuple(lines))


def unbilled_charges(charges: Sequence[Charge], billed: Sequence[Line]) -> list[Charge]:
    """The charges no invoice line carries yet: a charge is billed by a line of the same day, description
    and amount, each line accounting for one charge (two extra cards the same day are two lines)."""
    left: dict[tuple[dt.date, str, Yen], int] = {}
    for line in billed:
        if line.start == line.end:
            key = (line.start, line.description, line.amount)
            left[key] = left.get(key, 0) + 1
    unbilled: list[Charge] = []
    for charge in sorted(charges, key=lambda c: c.day):
        key = (charge.day, charge.description, charge.amount)
        if left.get(key, 0):
            left[key] -= 1
        else:
            unbilled.append(charge)
    return unbilled


@dataclass(frozen=True, slots=True)
class TaxAdjustment:
    """The tax difference billed when a rate changed after an invoice was issued (seed 004)."""

    original: Invoice
    rebilled: Invoice  # the same fees, split and taxed at the rates now in force
    issued_on: dt.date
    due_on: dt.date

    @property
    def difference(self) -> Yen:
        return self.rebilled.tax - self.original.tax


def tax_difference(
    invoice: Invoice, rates: tuple[tuple[dt.date, Decimal], ...], issued_on: dt.date
) -> TaxAdjustment | None:
    """None when the rates in force for the invoice's periods are the ones it was issued with."""
    rebilled = tuple(
        Line(line.description, part.start, part.end, part.amount, part.rate)
        for line in invoice.lines
        for part in tax.split_by_rate(line.amount, line.start, line.end, rates)
    )
    if _sums_by_rate(rebilled) == _sums_by_rate(invoice.lines):
        return None
    again = Invoice(invoice.period_start, invoice.period_end, invoice.issued_on, invoice.due_on, rebilled)
    return TaxAdjustment(invoice, again, issued_on, due_date(issued_on))


def _sums_by_rate(lines: Sequence[Line]) -> dict[Decimal, Yen]:
    sums: dict[Decimal, Yen] = {}
    for line in lines:
        sums[line.rate] = sums.get(line.rate, 0) + line.amount
    return sums
