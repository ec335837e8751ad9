"""``seawatch alerts [--risk FILE] [--out DIR] [--json]`` and ``seawatch alerts cancel ID``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from seawatch.cli import main

KEYS = {
    "identifier", "msg_type", "response", "area", "vessel", "severity", "onset", "expires",
    "references", "path",
}  # fmt: skip


def test_a_forecast_that_has_run_out_issues_nothing(builds, tmp_path):
    """The fixture's hours lie in the past for the wall clock: one line, and no all-clear."""
    out = tmp_path / "out"
    args = ["alerts", "--risk", str(builds[0]), "--out", str(out), "--json"]
    result = CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path / "data")])
    assert result.exit_code != 0
    assert "no forecast hours" in result.output and "no alerts issued" in result.output
    assert not (out / "cap" / "feed.xml").exists()


def test_alerts_json_lists_every_key_and_cancel_works(demo_risk, tmp_path):
    """The demo risk starts today at 00 UTC only when made today; use a fresh one."""
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "SEAWATCH_DATA_DIR": str(tmp_path / "data")}
    env = {
        k: v for k, v in env.items() if not k.startswith("SEAWATCH_") or k == "SEAWATCH_DATA_DIR"
    }
    from seawatch.alerts import issue_alerts  # noqa: F401  (the package imports cleanly)

    risk = _risk_from_now(demo_risk, tmp_path)
    cmd = [sys.executable, "-m", "seawatch", "alerts", "--risk", str(risk), "--out", str(tmp_path)]
    proc = subprocess.run([*cmd, "--json"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert listed and all(set(item) == KEYS for item in listed)
    assert {item["msg_type"] for item in listed} == {"Alert"}
    assert all(item["expires"] > item["onset"] for item in listed)
    target = listed[0]["identifier"]
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "alerts", "--out", str(tmp_path), "cancel", target,
         "--json"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (cancel,) = json.loads(proc.stdout)
    assert cancel["msg_type"] == "Cancel" and cancel["references"][0].split(",")[1] == target
    again = subprocess.run(
        [sys.executable, "-m", "seawatch", "alerts", "--out", str(tmp_path), "cancel", target],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert again.returncode != 0
    assert (
        again.stderr.strip().startswith("seawatch: error:") and "no longer in force" in again.stderr
    )
    assert len(again.stderr.strip().splitlines()) == 1


def _risk_from_now(path: Path, tmp_path: Path) -> Path:
    """The demo risk file with its times moved to start at this hour (the CLI sends 'now')."""
    import datetime as dt

    import numpy as np
    import xarray as xr

    from seawatch.schema import write_dataset

    with xr.open_dataset(path) as ds:
        ds = ds.load()
    hour = np.datetime64(dt.datetime.now(dt.UTC).replace(tzinfo=None, minute=0, second=0,
                                                         microsecond=0), "ns")  # fmt: skip
    shifted = ds.assign_coords(time=ds["time"].values - ds["time"].values[0] + hour)
    return write_dataset(shifted, tmp_path / "risk-now.nc")


def test_alerts_module_keeps_heavy_imports_inside_commands():
    code = (
        "import sys, seawatch.cli.alerts; "
        "print(sorted(m for m in ('xarray','numpy','pandas','lxml','shapely') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_missing_risk_file_is_one_line(tmp_path):
    result = CliRunner().invoke(
        main, ["alerts", "--data-dir", str(tmp_path), "--risk", str(tmp_path / "none.nc")]
    )
    assert result.exit_code != 0
    assert "no risk file" in result.output and "seawatch build" in result.output
