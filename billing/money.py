"""Money is integer yen; fractions appear only mid-calculation, as Decimal."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

Yen = int


def floor_yen(amount: Decimal) -> Yen:
    """Round down to the yen (切り捨て): the rule for fees and tax throughout, in the customer's favour."""
    return int(amount.to_integral_value(rounding=ROUND_DOWN))
