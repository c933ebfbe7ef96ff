"""Qualified invoices (適格請求書), required since 1 October 2023 (Consumption Tax Act art. 57-4 ①,
the invoice system). Seed 004's billing clauses predate it; the domain brief §5 keeps its rules (rate in
force for the period, due by the end of the following month).

An invoice states: the issuer's name and registration number (T + 13 digits); the dates of the
transactions (the service period, each line's days); what was supplied, reduced-rate items marked;
the amounts per tax rate and the rate; the consumption tax per rate; the recipient's name.

Rounding (stated, as the law asks for one rounding per rate per invoice): the tax of each rate is
computed once, on the sum of that rate's lines (tax excluded), and rounded down to the yen
(切り捨て, ``billing/tax.py``), in the customer's favour. Lines are never taxed one by one.
The standard rate is 10 %, the reduced 8 % (food, newspapers) does not apply to security services, but
the structure is per rate, so an invoice with both, or with a period before a rate change, is right.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing import tax
from billing.invoicing import Line
from billing.money import Yen

REGISTRATION = re.compile(r"^T\d{13}$")
REDUCED_RATE = Decimal("0.08")
REDUCED_FROM = dt.date(2019, 10, 1)  # 8 % became the reduced rate when the standard rose to 10 %


class NotQualified(ValueError):
    """What a qualified invoice lacks; the message says what to set."""


@dataclass(frozen=True, slots=True)
class Issuer:
    name: str
    registration_number: str  # T + 13 digits
    address: str = ""

    def __post_init__(self) -> None:
        if not REGISTRATION.match(self.registration_number or ""):
            raise NotQualified(
                "the issuer's registration number is T followed by 13 digits "
                "(set CC_INVOICE_REGISTRATION_NUMBER)"
            )
        if not self.name.strip():
            raise NotQualified("the issuer's name is required (CC_INVOICE_ISSUER_NAME)")


@dataclass(frozen=True, slots=True)
class RateTotal:
    rate: Decimal
    taxable: Yen  # the sum of this rate's lines, tax excluded
    tax: Yen  # rounded down once, on ``taxable``
    reduced: bool


@dataclass(frozen=True, slots=True)
class QualifiedInvoice:
    number: str
    issuer: Issuer
    recipient: str
    recipient_address: str
    issued_on: dt.date
    due_on: dt.date
    period_start: dt.date
    period_end: dt.date
    lines: tuple[Line, ...]
    per_rate: tuple[RateTotal, ...]
    previously_billed_tax: Yen = 0  # a tax-difference invoice deducts the tax already billed
    kind: str = "monthly"

    @property
    def subtotal(self) -> Yen:
        return sum(r.taxable for r in self.per_rate) if self.kind == "monthly" else 0

    @property
    def tax(self) -> Yen:
        return sum(r.tax for r in self.per_rate) - self.previously_billed_tax

    @property
    def total(self) -> Yen:
        return self.subtotal + self.tax


def is_reduced(line: Line) -> bool:
    return line.rate == REDUCED_RATE and line.start >= REDUCED_FROM


def per_rate(lines: Sequence[Line]) -> tuple[RateTotal, ...]:
    sums: dict[Decimal, Yen] = {}
    reduced: dict[Decimal, bool] = {}
    for line in lines:
        sums[line.rate] = sums.get(line.rate, 0) + line.amount
        reduced[line.rate] = reduced.get(line.rate, False) or is_reduced(line)
    return tuple(
        RateTotal(rate, amount, tax.tax_for(amount, rate), reduced[rate])
        for rate, amount in sorted(sums.items(), reverse=True)
    )


def number_of(invoice_id: int) -> str:
    return f"INV-{invoice_id:08d}"
