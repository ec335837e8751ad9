"""``seawatch validate`` end to end: an MMP-layout CSV and a canonical hindcast."""

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from seawatch.cli import main
from tests.validate.synthetic import inside, plant, write_hindcast, write_mmp_csv

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
KEYS = {"design", "n_cases", "n_referents", "covered", "dropped", "predictors",
        "delta_auc_index_minus_hs", "placebo", "verdict", "settings", "sensitivity"}  # fmt: skip
SENSITIVITY = ["as run", "shorter window", "longer window", "smaller distance",
               "larger distance", "unknown boats as wooden boats"]  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    path, days, w = write_hindcast(tmp / "hindcast.nc", "2019-01-01", "2020-12-31", seed=3)
    idx = np.flatnonzero((w["wind"] >= 11) & (w["hs"] > 0.6) & (w["hs"] < 1.1))
    idx = inside(idx, days)
    incidents = write_mmp_csv(plant(days, idx, seed=1), tmp / "mmp.csv")
    return tmp, path, incidents


def test_json_keys_exactly_and_report_written(files):
    tmp, hindcast, incidents = files
    out = tmp / "report"
    result = CliRunner().invoke(
        main,
        ["validate", "--hindcast", str(hindcast), "--incidents", str(incidents), "--out",
         str(out), "--json", "--bootstrap", "200", "--data-dir", str(tmp / "data")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == KEYS
    assert set(data["predictors"]) == {"index", "hs", "wind"}
    for entry in data["predictors"].values():
        assert set(entry) == {"auc", "auc_ci", "odds_ratio", "or_ci"}
    assert set(data["delta_auc_index_minus_hs"]) == {"value", "ci"}
    assert set(data["placebo"]) == {"auc", "verdict"}
    assert data["design"] == "case-crossover"
    assert data["settings"] == {"window_days": 2, "max_distance_nm": 30}
    assert [v["name"] for v in data["sensitivity"]] == SENSITIVITY
    assert data["covered"] == data["n_cases"] > 50
    assert data["delta_auc_index_minus_hs"]["ci"][0] > 0
    full = json.loads((out / "report.json").read_text())
    assert full["verdict"] == data["verdict"]
    page = (out / "report.html").read_text()
    assert "Verdict." in page and "English only" in page
    assert "a window of 2 day(s)" in page and "within\n30 NM" in page
    assert "<code>--window-days 2</code>" in page
    assert "<code>--max-distance-nm 30</code>" in page
    assert "<h2>Sensitivity</h2>" in page and "unknown boats as wooden boats" in page
    assert "Largest incidents the index scored Low" in page
    assert set(full["misses"]) >= {"rule", "n_low", "incidents"}
    for name in full["figures"]:
        image = matplotlib.image.imread(out / name)
        assert image.shape[0] > 200 and image.shape[1] > 400
        assert f"src='{name}'" in page


def test_exposure_file_adds_an_adjusted_odds_ratio(files):
    tmp, hindcast, incidents = files
    days = pd.date_range("2019-01-01", "2020-12-31")
    exposure = tmp / "boats.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "boats": np.arange(days.size) % 9}).to_csv(
        exposure, index=False
    )
    out = tmp / "exposed"
    result = CliRunner().invoke(
        main,
        ["validate", "--hindcast", str(hindcast), "--incidents", str(incidents), "--exposure",
         str(exposure), "--out", str(out), "--bootstrap", "100",
         "--data-dir", str(tmp / "data")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "incidents covered" in result.output
    adjusted = json.loads((out / "report.json").read_text())["details"]["exposure"]
    assert adjusted["rows_with_exposure"] > 0
    assert adjusted["index"]["odds_ratio"] > 1


def test_real_mmp_and_real_era5_file_do_not_overlap_and_are_refused(tmp_path):
    """The true result on the shared real files: no MMP incident falls in the ERA5 wind file's
    day and box, so nothing is scored (validation.md section 0)."""
    era5 = SHARED / "marine" / "medsea_phy_south_adriatic_2023" / "era5_winds10_20230815.nc"
    mmp = SHARED / "mmp" / "Missing_Migrants_Global_Figures_allData_2025-06.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "validate", "--hindcast", str(era5), "--incidents",
         str(mmp), "--out", str(tmp_path / "r"), "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("seawatch: error: 0 incidents covered: the incidents span 2014-")
    assert "the hindcast covers 2023-08-15 to 2023-08-15, 40.00-42.00 N 17.00-19.00 E" in lines[0]
    assert not (tmp_path / "r" / "report.json").exists()


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from seawatch.cli import validate; "
        "print(','.join(m for m in ('numpy','xarray','pandas','statsmodels') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_without_incidents_file_the_store_is_used(files):
    tmp, hindcast, incidents = files
    data_dir = str(tmp / "store")
    runner = CliRunner()
    imported = runner.invoke(main, ["incidents", "import", str(incidents), "--data-dir", data_dir])
    assert imported.exit_code == 0, imported.output
    from_file = runner.invoke(
        main,
        ["validate", "--hindcast", str(hindcast), "--incidents", str(incidents), "--json",
         "--bootstrap", "100", "--out", str(tmp / "a"), "--data-dir", data_dir],
    )  # fmt: skip
    from_store = runner.invoke(
        main,
        ["validate", "--hindcast", str(hindcast), "--json", "--bootstrap", "100",
         "--out", str(tmp / "b"), "--data-dir", data_dir],
    )  # fmt: skip
    assert from_store.exit_code == 0, from_store.output
    a, b = json.loads(from_file.stdout), json.loads(from_store.stdout)
    assert b["covered"] == a["covered"] > 50
    assert b["predictors"]["index"]["auc"] == a["predictors"]["index"]["auc"]


def test_window_and_distance_options_reach_the_report(files):
    tmp, hindcast, incidents = files
    out = tmp / "options"
    result = CliRunner().invoke(
        main,
        ["validate", "--hindcast", str(hindcast), "--incidents", str(incidents), "--out",
         str(out), "--bootstrap", "100", "--window-days", "3", "--max-distance-nm", "4",
         "--no-sensitivity", "--data-dir", str(tmp / "data")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "conditions: max over days D-2..D (UTC days), sea cell within 4 NM" in result.output
    assert "no sea cell within 4 NM" in result.output
    full = json.loads((out / "report.json").read_text())
    assert full["settings"]["window_days"] == 3 and full["settings"]["max_distance_nm"] == 4
    assert full["dropped"]["no sea cell within 4 NM"] > 0
    assert full["sensitivity"] is None
    page = (out / "report.html").read_text()
    assert "max over days D-2..D" in page and "<code>--max-distance-nm 4</code>" in page
    assert "Not computed (<code>--no-sensitivity</code>)" in page


@pytest.mark.parametrize(
    ("option", "value", "start"),
    [
        (
            "--window-days",
            "0",
            "seawatch: error: --window-days 0: a window of 0 days: give a whole",
        ),
        ("--window-days", "8", "seawatch: error: --window-days 8: a window of 8 days"),
        ("--window-days", "two", "seawatch: error: --window-days two: a window of two days"),
        ("--window-days", "1.5", "seawatch: error: --window-days 1.5: a window"),
        ("--max-distance-nm", "-3", "seawatch: error: --max-distance-nm -3: a distance of -3 NM"),
        ("--max-distance-nm", "far", "seawatch: error: --max-distance-nm far: a distance"),
        ("--max-distance-nm", "inf", "seawatch: error: --max-distance-nm inf: a distance"),
    ],
)
def test_bad_window_or_distance_is_one_line_and_exit_2(files, option, value, start):
    tmp, hindcast, incidents = files
    out = tmp / "bad"
    result = CliRunner().invoke(
        main,
        ["validate", "--hindcast", str(hindcast), "--incidents", str(incidents), "--out",
         str(out), option, value, "--data-dir", str(tmp / "data")],
    )  # fmt: skip
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(start), lines[0]
    assert not out.exists()


def test_help_says_what_the_window_and_distance_mean():
    result = CliRunner().invoke(main, ["validate", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--window-days DAYS Days over which conditions are taken" in text
    assert "ending on the incident day" in text and "[default: 2]" in text
    assert "--max-distance-nm NM" in text
    assert "farther than this many nautical miles from every sea cell are dropped" in text
    assert "[default: 30]" in text
    assert "--sensitivity / --no-sensitivity" in text
