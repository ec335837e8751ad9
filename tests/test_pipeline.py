"""The demo end to end through the real command line: forecast -> risk -> maps."""

import re
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from PIL import Image

from seawatch.schema import HAZARD_LEVELS, VESSELS

pytestmark = pytest.mark.slow  # runs the whole pipeline (demo or fetch chain)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert str(out / "map.html") in proc.stdout
    return out


def test_risk_file_has_the_contract(demo_dir):
    with xr.open_dataset(demo_dir / "risk.nc") as risk:
        assert risk["hazard_level"].dims == ("time", "vessel", "lat", "lon")
        assert [str(v) for v in risk["vessel"].values] == list(VESSELS)
        assert risk["hazard_level"].attrs["flag_meanings"].split() == list(HAZARD_LEVELS)
        assert risk.attrs["source"] == "demo-scenario"
        levels = risk["hazard_level"].values
        finite = levels[np.isfinite(levels)]
        assert finite.min() >= 0 and finite.max() <= 4
        # the gale must raise the hazard somewhere to at least "high" for dinghies
        assert np.nanmax(risk["hazard_level"].sel(vessel="rubber_dinghy").values) >= 2
        # land is masked: a point inland of Tripoli has no hazard
        inland = risk["hazard_level"].sel(lat=32.6, lon=13.2, method="nearest")
        assert np.isnan(inland.values).all()
        for name in ("hazard_score", "drivers", "exposure", "risk", "survival_hours"):
            assert name in risk


def test_static_map_decodes_and_is_wide(demo_dir):
    with Image.open(demo_dir / "map.png") as img:
        img.load()
        assert img.width >= 1000


def test_interactive_map_is_offline_and_has_layers(demo_dir):
    html = (demo_dir / "map.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?://", html)
    assert not re.search(r"<link[^>]+href=[\"']https?://", html)
    assert "DEMO" in html and "not a forecast" in html
    assert "L.map(" in html or "L.map (" in html


def test_demo_is_rerunnable(demo_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "demo", "--out", str(demo_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr


def test_departures_beside_the_risk_file(demo_dir):
    """The build writes departures.nc and the summary's windows and traps, from one definition."""
    from seawatch.geo.regions import departure_areas
    from seawatch.summaries import read_summary

    with (
        xr.open_dataset(demo_dir / "departures.nc") as dep,
        xr.open_dataset(demo_dir / "risk.nc") as risk,
    ):
        assert dep["window"].dims == ("area", "vessel", "time")
        assert dep["enroute_level"].dims == ("route", "vessel", "time")
        assert dep["window"].dtype == np.int8 and dep["trap"].dtype == np.int8
        assert (dep["time"].values == risk["time"].values).all()
        # Every departure area lies inside the default area.
        assert set(dep["area"].values) == set(departure_areas()["id"])
        summary = read_summary(demo_dir / "risk.nc", risk.attrs["created_at"])
        windows = summary.departure_windows
        hours = int(dep["window"].sum())
        assert hours > 0 and windows["hours"].sum() == hours
        assert len(summary.traps) > 0  # the demo's gale comes while boats are at sea
        assert set(summary.traps["route_id"]) <= set(dep["route"].values)
