"""Numbers as Japanese people read them: stored E.164, shown in domestic form (issue 17)."""

from __future__ import annotations

import pytest

from control_center.web.formatting import domestic_phone
from control_center.web.rendering import environment


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+819012345678", "090-1234-5678"),  # mobile
        ("+81 90-1234-5678", "090-1234-5678"),
        ("+817012345678", "070-1234-5678"),
        ("+815012345678", "050-1234-5678"),  # IP phone
        ("+81312345678", "03-1234-5678"),  # Tokyo
        ("+81612345678", "06-1234-5678"),  # Osaka
        ("+81521234567", "052-123-4567"),  # Nagoya
        ("+81120123456", "0120-123-456"),  # free dial
        ("+81800123456" + "7", "0800-123-4567"),
        ("052-123-4567", "052-123-4567"),  # already domestic
        ("+14155550100", "+14155550100"),  # foreign: as stored
        ("", ""),
        (None, ""),
        ("内線12", "内線12"),  # not a number: as stored
    ],
)
def test_domestic_form(stored: str | None, shown: str) -> None:
    assert domestic_phone(stored) == shown


def test_the_pages_filter_and_the_tel_link_keep_e164() -> None:
    template = environment("ja").from_string('<a href="tel:{{ n }}">{{ n|phone }}</a>')
    assert template.render(n="+819012345678") == '<a href="tel:+819012345678">090-1234-5678</a>'
