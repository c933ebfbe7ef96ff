"""Arrival-time limits by prefecture and area, and whether a premises is within its depot's reach."""

from __future__ import annotations

import re
from dataclasses import dataclass

# 都道府県 at the start of a Japanese address: 東京都, 北海道, 大阪府/京都府, or …県.
_PREFECTURE = re.compile(r"^(東京都|北海道|(?:大阪|京都)府|.{2,3}?県)")
_MUNICIPALITY = re.compile(r"^(.+?[市郡区町村])")


def prefecture_of(address: str) -> str | None:
    m = _PREFECTURE.match(address.strip())
    return m.group(1) if m else None


def municipality_of(address: str) -> str | None:
    prefecture = prefecture_of(address)
    rest = address.strip()[len(prefecture) :] if prefecture else address.strip()
    m = _MUNICIPALITY.match(rest)
    return m.group(1) if m else None


@dataclass(frozen=True)
class Limit:
    prefecture: str
    area: str | None  # a municipality, or None for the whole prefecture
    minutes: int


def limit_for(limits: list[Limit], address: str, default_minutes: int) -> int:
    """The most specific limit: the area's, else the prefecture's, else the default."""
    prefecture, area = prefecture_of(address), municipality_of(address)
    by_area = [x.minutes for x in limits if x.prefecture == prefecture and x.area and x.area == area]
    if by_area:
        return by_area[0]
    by_prefecture = [x.minutes for x in limits if x.prefecture == prefecture and not x.area]
    return by_prefecture[0] if by_prefecture else default_minutes
