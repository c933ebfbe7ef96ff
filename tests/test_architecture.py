"""docs/architecture.md is the map a new engineer reads first: it must name only what exists, and
every folder of the code must have its place in the layers table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
PRODUCT = ("control_center", "panel_gateway", "dispatch", "billing", "simulators")
TOP = (*PRODUCT, "tests", "docs", "scripts")
NOT_CODE = {"locale", "migrations", "templates", "static", "__pycache__"}


def _named_paths(text: str) -> set[str]:
    """Backticked repository paths: `control_center/web/rendering.py`, `simulators/bench/`, …"""
    found = set()
    for quoted in re.findall(r"`([^`\s]+)`", text):
        path = quoted.rstrip("/").split("(")[0]
        if path.split("/")[0] in TOP and "/" in path and "*" not in path and "<" not in path:
            found.add(path)
    return found


def _layers_table(text: str) -> str:
    start = text.index("## Layers")
    return text[start : text.index("\n## ", start + 1)]


def test_every_path_the_map_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = _named_paths(text)
    assert len(named) > 100  # the map names the code; an empty set would make this test pass vacuously
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == [], f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_code_folder_has_its_layer() -> None:
    table = _layers_table(DOC.read_text(encoding="utf-8"))
    folders = sorted(
        str(init.parent.relative_to(ROOT))
        for package in PRODUCT
        for init in (ROOT / package).rglob("__init__.py")
        if not NOT_CODE & set(init.relative_to(ROOT).parts)
    )
    assert "control_center/web" in folders and "panel_gateway/protocols" in folders
    unplaced = [f for f in folders if f"`{f}/`" not in table and f"`{f.rsplit('/', 1)[-1]}/`" not in table]
    assert unplaced == [], f"folders missing from the layers table of docs/architecture.md: {unplaced}"
