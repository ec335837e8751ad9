"""The layering of docs/architecture.md holds: import-linter's contracts in pyproject.toml.

Imports inside functions count like those at the top of a module, so a circle cannot hide in a
function body.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert status == 0, out
    assert "BROKEN" not in out


def test_imports_inside_functions_are_seen() -> None:
    """The graph the contracts check holds imports made inside function bodies."""
    import grimp

    graph = grimp.build_graph("seawatch")
    # `seawatch build` imports the pipeline inside the command function only.
    details = graph.get_import_details(
        importer="seawatch.cli.pipeline", imported="seawatch.pipeline"
    )
    assert details, "grimp no longer reports function-level imports"
