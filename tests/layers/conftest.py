"""Shared fixtures of the layer tests: a small coastal area off Tripolitania and forecasts on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from seawatch.config import AreaSettings, GridSettings, Settings, load_settings
from seawatch.layers.params import LayerParams
from seawatch.schema import make_canonical

START = dt.datetime(2026, 2, 3, 0, 0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Zuwara to Tripoli and 1.5 degrees offshore, 0.05 degree grid."""
    base = load_settings(environ={}, data_dir=tmp_path / "data")
    return base.replace(
        area=AreaSettings(west=11.5, east=13.5, south=32.5, north=34.0),
        grid=GridSettings(resolution=0.05),
    )


@pytest.fixture
def params(settings: Settings) -> LayerParams:
    """The layer parameters of :func:`settings`."""
    return LayerParams.from_settings(settings)


def _canonical(ds: xr.Dataset, source: str = "test-source") -> xr.Dataset:
    return make_canonical(
        ds, source=source, model="test model", reference_time=START, provenance="tests/layers"
    )


@pytest.fixture
def make_forecast() -> Callable[..., xr.Dataset]:
    """Canonical forecast on a 0.25 degree grid over the test area with uniform fields.

    Keyword arguments are variable values (scalars or arrays shaped (time, lat, lon));
    ``hours`` and ``step_hours`` set the time axis, ``land_nan`` blanks wave fields on the
    southernmost row (model land) like real wave models do.
    """

    def make(
        hours: int = 24,
        step_hours: int = 1,
        land_nan: bool = False,
        source: str = "test-source",
        lat: np.ndarray | None = None,
        lon: np.ndarray | None = None,
        **values: float | np.ndarray,
    ) -> xr.Dataset:
        lat = np.arange(32.25, 34.26, 0.25) if lat is None else lat
        lon = np.arange(11.25, 13.76, 0.25) if lon is None else lon
        times = np.datetime64(START, "ns") + np.arange(0, hours, step_hours) * np.timedelta64(
            1, "h"
        )
        shape = (times.size, lat.size, lon.size)
        data = {}
        for name, value in values.items():
            array = np.broadcast_to(np.asarray(value, dtype=np.float32), shape).copy()
            if land_nan and name not in ("u10", "v10", "gust"):
                array[:, 0, :] = np.nan
            data[name] = (("time", "lat", "lon"), array)
        ds = xr.Dataset(data, coords={"time": times, "lat": lat, "lon": lon})
        return _canonical(ds, source)

    return make
