"""Changes at the premises the subscriber must tell the company of in advance.

Seed 002 重要事項 2.(3)① (rental; 3.(2)① for purchase) and ご利用規定（レンタル）第5条①: a move 1 month
before; an extension or rebuild, a remodel, a change to how the equipment is installed (a line change
included), starting or changing a business there, a change of use — 15 days before. Equipment added or
moved for the change is at the subscriber's cost (2.(3)②, 第5条②). A business started without notice
leaves the losses it causes outside the insurance (2.(10)②, 第12条②; billing/claims.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from billing import terms

NOTICE_DAYS = 15
MOVE_NOTICE_MONTHS = 1
CLAUSE = "seed 002 重要事項 2.(3)①; ご利用規定（レンタル）第5条①"


class ChangeKind(StrEnum):
    MOVE = "move"  # ａ．移転
    EXTENSION = "extension"  # ｂ．増改築
    REMODEL = "remodel"  # ｃ．模様替え
    INSTALLATION = "installation"  # ｄ．電話回線の変更など設置要領の変更
    BUSINESS = "business"  # ｅ．事業の開始・事業内容の変更
    USE = "use"  # ｆ．用途変更、住居用に使用しなくなるとき


@dataclass(frozen=True, slots=True)
class NoticeCheck:
    kind: ChangeKind
    change_on: dt.date
    notified_on: dt.date
    deadline: dt.date  # the notice must arrive on or before this day
    in_time: bool
    clause: str = CLAUSE


def notice_deadline(kind: ChangeKind, change_on: dt.date) -> dt.date:
    """15 days before the change (1 month for a move), the notice day counted as the seed counts it:
    a notice 15 days before ``change_on`` (``change_on`` − 15 days) is in time."""
    if kind is ChangeKind.MOVE:
        return terms.months_before(change_on, MOVE_NOTICE_MONTHS)
    return change_on - dt.timedelta(days=NOTICE_DAYS)


def check_notice(kind: ChangeKind | str, change_on: dt.date, notified_on: dt.date) -> NoticeCheck:
    kind = ChangeKind(kind)
    deadline = notice_deadline(kind, change_on)
    return NoticeCheck(kind, change_on, notified_on, deadline, notified_on <= deadline)
