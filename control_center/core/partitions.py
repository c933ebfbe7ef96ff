"""Monthly partitions and the legal record's retention: pure rules (names, ranges, what may be archived).

The alarm record is kept at least one year: 警備業法 (Security Business Act) art. 44 and its
enforcement regulation (施行規則) art. 64 require, per alarm, "the date-time received, the facility,
the measures taken with times and the result, and the time from receipt to arrival", kept 1 year
(../shared/standards.md). ``signals`` and ``incident_events`` hold that record, so a month leaves the
database only once every row in it is at least a year old, and only into a verified archive file.

Months are UTC calendar months: the partitions' bounds, the archive files' names and the retention
rule all use them (times are UTC in storage).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

RETENTION_YEARS = 1  # art. 44 / 施行規則 art. 64: 1 year
PARTITIONS_AHEAD = 3  # months created ahead of the current one, so inserts never wait on DDL
# (table, the time column its partitions are ranged on)
PARTITIONED: dict[str, str] = {"signals": "received_at", "incident_events": "at"}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class RetentionError(ValueError):
    """Archiving this month would drop records younger than the legal retention."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9998:
            raise ValueError(f"no such month: {self.year}-{self.month:02d} (expected YYYY-MM)")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM``; anything else is a ``ValueError`` with the text in it."""
        match = _MONTH.match(text.strip())
        if match is None:
            raise ValueError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, at: dt.datetime) -> Month:
        """The UTC month ``at`` falls in (``at`` must be aware)."""
        if at.tzinfo is None:
            raise ValueError("a naive datetime has no month in UTC")
        utc = at.astimezone(dt.UTC)
        return cls(utc.year, utc.month)

    def next(self, months: int = 1) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The next month's start: the range is [start, end)."""
        return self.next().start

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def partition_name(table: str, month: Month) -> str:
    """``signals_y2026m11``: sorts by time, and a name tells its range without reading the catalog."""
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def default_partition(table: str) -> str:
    """Rows outside every monthly partition (a panel clock far off, a test's clock) land here, never lost."""
    return f"{table}_default"


def month_of_partition(table: str, name: str) -> Month | None:
    match = re.fullmatch(rf"{re.escape(table)}_y(\d{{4}})m(\d{{2}})", name)
    return Month(int(match[1]), int(match[2])) if match else None


def months_between(first: Month, stop: Month) -> list[Month]:
    """``first`` up to, not including, ``stop``."""
    months, month = [], first
    while month < stop:
        months.append(month)
        month = month.next()
    return months


def months_to_create(now: dt.datetime, ahead: int = PARTITIONS_AHEAD) -> list[Month]:
    """The current month and ``ahead`` more."""
    current = Month.of(now)
    return months_between(current, current.next(ahead + 1))


def _years_before(at: dt.datetime, years: int) -> dt.datetime:
    try:
        return at.replace(year=at.year - years)
    except ValueError:  # 29 February
        return at.replace(year=at.year - years, day=28)


def latest_archivable(now: dt.datetime, years: int = RETENTION_YEARS) -> Month:
    """The newest ``before`` allowed now: every row older than its start is at least ``years`` old."""
    return Month.of(_years_before(now, years))


def check_retention(before: Month, now: dt.datetime, years: int = RETENTION_YEARS) -> None:
    """Raise ``RetentionError`` unless every row before ``before`` is at least ``years`` old at ``now``."""
    newest = latest_archivable(now, years)
    if before > newest:
        raise RetentionError(
            f"refused: records before {before} include some younger than {years} year(s) "
            f"(警備業法 art. 44 / 施行規則 art. 64); the latest month allowed now is --before {newest}"
        )


def archive_file_name(table: str, month: Month) -> str:
    return f"{table}-{month}.jsonl.gz"


def manifest_name(month: Month) -> str:
    return f"manifest-{month}.json"
