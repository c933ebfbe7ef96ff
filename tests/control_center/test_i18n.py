"""Every string the pages show has its Japanese translation in the catalog."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

import control_center
from control_center.i18n import translations

ROOT = Path(control_center.__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def test_every_extracted_string_is_translated_to_japanese() -> None:
    catalog = translations("ja")
    messages = {
        m[2]
        for m in extract_from_dir(ROOT, METHODS, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}})
    }
    assert len(messages) > 30
    untranslated = sorted(m for m in messages if isinstance(m, str) and catalog.gettext(m) == m)
    assert untranslated == []
