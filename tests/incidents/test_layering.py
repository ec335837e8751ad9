"""Incident sources live under seawatch.incidents and share the core HTTP layer, not fetchers."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "seawatch"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in paths
        for name in _imported(path)
        if name.startswith(forbidden)
    )


def test_incidents_do_not_import_fetchers() -> None:
    paths = sorted((PACKAGE / "incidents").rglob("*.py"))
    assert PACKAGE / "incidents" / "iom_mmp.py" in paths
    assert _offenders(paths, ("seawatch.fetchers",)) == []


def test_fetchers_do_not_import_incidents() -> None:
    paths = sorted((PACKAGE / "fetchers").rglob("*.py"))
    assert _offenders(paths, ("seawatch.incidents",)) == []


def test_http_layer_is_core() -> None:
    higher = ("seawatch.fetchers", "seawatch.incidents", "seawatch.geo", "seawatch.layers")
    assert _offenders([PACKAGE / "http.py"], higher) == []
