"""Fixtures for the alert tests: risk files of three consecutive builds, and the demo's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from seawatch.config import load_settings
from seawatch.schema import write_dataset
from tests.maps.risk_fixture import make_risk

START = dt.datetime(2026, 11, 24, 0, 0)
NOW = dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC)
DEMO_START = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)
DEMO_NOW = DEMO_START + dt.timedelta(hours=3)


def capped(risk: xr.Dataset, top: int, vessel: str | None = None) -> xr.Dataset:
    """``risk`` with the hazard level capped at ``top`` over the sea (a weaker storm)."""
    out = risk.copy(deep=True)
    level = out["hazard_level"].values
    sea = level >= 0
    if vessel is not None:
        sea &= (out["vessel"].values == vessel)[None, :, None, None]
    level[sea] = np.minimum(level[sea], top)
    return out


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three consecutive risk files: a gale; the gale at High at most for rubber dinghies (the
    other boat types unchanged); then Moderate at most everywhere."""
    root = tmp_path_factory.mktemp("builds")
    first = make_risk(hours=48, start=START)
    paths = []
    for n, ds in enumerate((first, capped(first, 2, "rubber_dinghy"), capped(first, 1)), start=1):
        paths.append(write_dataset(ds, root / f"risk{n}.nc"))
    return paths


@pytest.fixture()
def settings(tmp_path: Path):
    return load_settings(data_dir=tmp_path / "data", environ={})


@pytest.fixture(scope="session")
def demo_risk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The risk file of the real demo pipeline (synthetic gale, bundled incidents), maps skipped."""
    from seawatch.fetchers.demo import demo_forecast
    from seawatch.incidents.demo import demo_store
    from seawatch.pipeline import compute_risk

    data = tmp_path_factory.mktemp("demo")
    # The demo at 0.1 degree instead of 0.05: the same pipeline, a quarter of the memory.
    settings = load_settings(data_dir=data, environ={"SEAWATCH_GRID_RESOLUTION": "0.1"})
    demo_store(settings=settings).close()
    risk = compute_risk(settings, demo_forecast(settings, start=DEMO_START))
    return write_dataset(risk, data / "risk.nc")
