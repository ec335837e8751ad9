"""Shared set-up of the drift tests: opendrift present (or fail under CI), a synthetic forecast.

The synthetic forecast is a valid canonical forecast (built with
:func:`seawatch.schema.make_canonical` and written with :func:`seawatch.schema.write_dataset`):
0.1 degree grid over open sea of the Ionian (34-36 N, 15.5-19.5 E, no land in the bundled
coastline), 25 hourly steps, uniform wind 10 m/s from the west (u10 = 10, v10 = 0) and current
0.1 m/s to the east, SST 16 degC. Uniform fields make the Leeway drift predictable from the
coefficients alone.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from seawatch.config import Settings, load_settings
from seawatch.schema import make_canonical, write_dataset

START = dt.datetime(2026, 1, 10, 0, 0, tzinfo=dt.UTC)
WIND = 10.0  # m/s, toward the east
CURRENT = 0.1  # m/s, toward the east
LKP = (35.0, 16.0)  # lat, lon


def require_opendrift() -> None:
    """Skip locally, fail under CI, when the drift extra is not installed."""
    if importlib.util.find_spec("opendrift") is not None:
        return
    message = "opendrift is not installed (pip install 'seawatch[drift]')"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"drift tests must run in CI: {message}")
    pytest.skip(message)


def synthetic_forecast(
    hours: int = 24, start: dt.datetime = START, lon0: float = 15.5
) -> xr.Dataset:
    """The uniform forecast; ``lon0`` moves its west edge (the grid is 4 degrees wide)."""
    lat = np.round(np.arange(34.0, 36.0001, 0.1), 6)
    lon = np.round(np.arange(lon0, lon0 + 4.0001, 0.1), 6)
    times = np.array(
        [
            np.datetime64(start.replace(tzinfo=None), "ns") + np.timedelta64(h, "h")
            for h in range(hours + 1)
        ]
    )
    shape = (times.size, lat.size, lon.size)
    dims = ("time", "lat", "lon")
    ds = xr.Dataset(
        {
            "u10": (dims, np.full(shape, WIND, np.float32)),
            "v10": (dims, np.zeros(shape, np.float32)),
            "uo": (dims, np.full(shape, CURRENT, np.float32)),
            "vo": (dims, np.zeros(shape, np.float32)),
            "sst": (dims, np.full(shape, 16.0, np.float32)),
        },
        coords={"time": times, "lat": lat, "lon": lon},
    )
    return make_canonical(
        ds,
        source="synthetic-uniform",
        model="uniform 10 m/s westerly, 0.1 m/s eastward current (test)",
        reference_time=start,
        provenance="tests/drift/conftest.py",
    )


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(environ={}, data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def forecast_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(synthetic_forecast(), tmp_path_factory.mktemp("fc") / "forecast.nc")


@pytest.fixture(scope="module")
def submit() -> Iterator[Callable[[dict[str, Any]], dict[str, Any]]]:
    """One spawn worker for the module: OpenDrift runs out of the test process, imported once."""
    require_opendrift()
    from seawatch.drift.engine import simulate, worker_init

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=worker_init) as pool:
        yield lambda spec: pool.submit(simulate, spec).result()
