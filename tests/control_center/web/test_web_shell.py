"""The web shell (control_center/web) is the bottom of every page: it imports the kernel and nothing else
of the project, so no feature has to import another feature (or the console) to render a page."""

from __future__ import annotations

import ast
from pathlib import Path

import control_center.web

PROJECT = ("control_center", "billing", "dispatch", "panel_gateway", "simulators")
ALLOWED = ("control_center.core", "control_center.web")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_the_web_shell_imports_only_the_kernel() -> None:
    modules = sorted(Path(control_center.web.__file__).parent.glob("*.py"))
    assert len(modules) > 5
    offending = {
        f"{path.name}: {name}"
        for path in modules
        for name in _imports(path)
        if name.split(".")[0] in PROJECT and not name.startswith(ALLOWED) and name != "control_center"
    }
    assert not offending
