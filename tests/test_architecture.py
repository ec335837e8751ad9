"""The layering of docs/architecture.md holds: import-linter's contracts in pyproject.toml.

Imports inside functions count like those at the top of a module, so a circle cannot hide in a
function body.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# import-linter reconfigures logging when it runs, so it runs in a process of its own.
_LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))\n"
)


def test_import_contracts_are_kept() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", _LINT, str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "BROKEN" not in out
    assert "0 broken" in out


def test_imports_inside_functions_are_seen() -> None:
    """The graph the contracts check holds imports made inside function bodies."""
    import grimp

    graph = grimp.build_graph("seawatch", cache_dir=None)
    # `seawatch build` imports the pipeline inside the command function only.
    details = graph.get_import_details(
        importer="seawatch.cli.pipeline", imported="seawatch.pipeline"
    )
    assert details, "grimp no longer reports function-level imports"
