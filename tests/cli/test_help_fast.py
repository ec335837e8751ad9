"""``seawatch --help`` answers without loading the data stack (SQLAlchemy, xarray, pandas, numpy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "xarray", "pandas", "numpy", "pyproj", "scipy", "matplotlib", "folium")

_PROBE = """
import json, sys
sys.argv = ["seawatch", *sys.argv[1:]]
try:
    from seawatch.cli import main
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(HEAVY)))
print("PROBE", json.dumps({"code": code, "loaded": loaded}))
"""


def _help(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = _PROBE.replace("HEAVY", repr(json.dumps(HEAVY)))
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("PROBE ")]
    return json.loads(line.removeprefix("PROBE "))


def test_help_loads_no_data_stack() -> None:
    result = _help("--help")
    assert result == {"code": 0, "loaded": []}


def test_command_help_loads_no_data_stack() -> None:
    """Commands' own help too: heavy modules are imported inside the commands.

    (``incidents add --help`` reads its boat types and statuses from the incident model.)
    """
    for command in (["run"], ["incidents"], ["fetch", "weather"], ["serve"], ["demo"], ["email"]):
        result = _help(*command, "--help")
        assert result == {"code": 0, "loaded": []}, command
