"""Every string the pages show has its Japanese translation in the catalog."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

import billing
import control_center
import dispatch
from control_center.core.i18n import translations

ROOTS = [Path(m.__file__).parent for m in (control_center, billing, dispatch)]
METHODS = [("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2"), ("**.py", "python")]


def test_every_extracted_string_is_translated_to_japanese() -> None:
    catalog = translations("ja")
    options = {"**.html": {"extensions": "jinja2.ext.i18n"}, "**.txt": {"extensions": "jinja2.ext.i18n"}}
    messages = {m[2] for root in ROOTS for m in extract_from_dir(root, METHODS, options_map=options)}
    assert len(messages) > 30
    untranslated = sorted(m for m in messages if isinstance(m, str) and catalog.gettext(m) == m)
    assert untranslated == []
