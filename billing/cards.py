"""Arming cards (ライフカード): 4 are handed over with the service; each extra card costs 800 yen, tax
excluded (seed 002 セコムからのお知らせ (2)④; 重要事項 1.(5)③ "追加発行は有料"). The charge goes on the
next invoice as a one-off line (``contract_charges``), taxed at the rate of its day."""

from __future__ import annotations

from billing.money import Yen

INCLUDED = 4
EXTRA_PRICE = 800  # yen, tax excluded
CLAUSE = "seed 002 セコムからのお知らせ (2)④"
DESCRIPTION = "ライフカード追加発行"


def extra_cards(already_issued: int, count: int) -> int:
    """How many of ``count`` new cards are beyond the 4 included."""
    if count <= 0 or already_issued < 0:
        raise ValueError("a number of cards is positive")
    return max(0, already_issued + count - max(INCLUDED, already_issued))


def charge(already_issued: int, count: int) -> Yen:
    return extra_cards(already_issued, count) * EXTRA_PRICE
