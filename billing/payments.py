"""Payments, pure: how money received settles invoices.

A payment (bank transfer, card or convenience store; integer yen) settles the oldest open invoices
first — by due date, then by issue — so the oldest arrears, the ones a written demand is about
(seed 002 重要事項 2.(6), ご利用規定（レンタル）第10条), are cleared first. What is left over after every
open invoice is settled stays as a credit on the payment (``unapplied``). This order is the project's
reading: the seed is silent on it, and it is what Civil Code art. 488–489 (appropriation to the debt due
first) gives when neither side chose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from billing.money import Yen


class Method(StrEnum):
    BANK_TRANSFER = "bank_transfer"  # 銀行振込
    CARD = "card"  # クレジットカード
    CONVENIENCE_STORE = "convenience_store"  # コンビニ払い


@dataclass(frozen=True, slots=True)
class Open:
    invoice_id: int
    due_on: dt.date
    issued_on: dt.date
    outstanding: Yen


@dataclass(frozen=True, slots=True)
class Allocation:
    settled: tuple[tuple[int, Yen], ...]  # (invoice id, yen applied), oldest first
    unapplied: Yen
    fully_paid: tuple[int, ...]


def allocate(amount: Yen, open_invoices: Sequence[Open]) -> Allocation:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("a payment is a positive whole number of yen")
    left = amount
    settled: list[tuple[int, Yen]] = []
    paid: list[int] = []
    for invoice in sorted(open_invoices, key=lambda i: (i.due_on, i.issued_on, i.invoice_id)):
        if left == 0:
            break
        if invoice.outstanding <= 0:
            continue
        applied = min(left, invoice.outstanding)
        settled.append((invoice.invoice_id, applied))
        left -= applied
        if applied == invoice.outstanding:
            paid.append(invoice.invoice_id)
    return Allocation(tuple(settled), left, tuple(paid))
