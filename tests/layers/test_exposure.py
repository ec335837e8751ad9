"""Exposure: kernel density of incident positions with recency and source-quality weights."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from seawatch.layers.exposure import exposure, incident_weights, kernel_density

REF = np.datetime64("2026-02-03T00:00", "ns")
END = np.datetime64("2026-02-10T00:00", "ns")


def incidents(rows):
    """Frame in the shape of seawatch.incidents.frame: aware UTC times, nullable quality."""
    frame = pd.DataFrame(rows, columns=["time", "lat", "lon", "source_quality"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame["source_quality"] = frame["source_quality"].astype("Int64")
    return frame


def test_weights_by_recency_quality_and_window(params):
    frame = incidents([
        ("2026-02-03T00:00", 33.0, 12.5, 5),     # today, best quality: 1.0
        ("2025-02-03T00:00", 33.0, 12.5, 5),     # a year old: half
        ("2026-02-01T00:00", 33.0, 12.5, 1),     # single media report: 0.2 (x recency)
        ("2026-02-01T00:00", 33.0, 12.5, None),  # no grade: counts as 4
        ("2020-01-01T00:00", 33.0, 12.5, 5),     # outside the three-year window
        ("2026-03-01T00:00", 33.0, 12.5, 5),     # after the forecast
        ("2026-02-01T00:00", None, 12.5, 5),     # no position
    ])  # fmt: skip
    out = incident_weights(frame, params.risk.exposure, REF, END)
    two_days = 0.5 ** (2 / 365)
    assert out["weight"].tolist() == pytest.approx(
        [1.0, 0.5, 0.2 * two_days, 0.8 * two_days], rel=1e-3
    )


def test_min_source_quality_filters(params):
    frame = incidents([("2026-02-01", 33.0, 12.5, 2), ("2026-02-01", 33.0, 12.5, 4)])
    out = incident_weights(
        frame, dataclasses.replace(params.risk.exposure, min_source_quality=3), REF, END
    )
    assert len(out) == 1


def test_kernel_is_gaussian_with_the_bandwidth():
    lat = np.array([33.0])
    lon = 12.5 + np.array([0.0, 25.0]) / (111.195 * np.cos(np.deg2rad(33.0)))  # 0 and 25 km east
    points = pd.DataFrame({"lat": [33.0], "lon": [12.5], "weight": [2.0]})
    density = kernel_density(points, lat, lon, bandwidth_km=25.0)
    assert density[0].tolist() == pytest.approx([2.0, 2.0 * np.exp(-0.5)], rel=1e-6)


def test_exposure_normalised_over_sea_with_land_nan(params):
    grid = params.risk.grid
    frame = incidents([("2026-02-01", 33.3, 12.4, 4), ("2026-01-20", 33.6, 12.9, 3)])
    out = exposure(frame, grid, params.risk.exposure, REF, END)
    sea = grid["land"].values == 0
    assert np.nanmax(out.values) == pytest.approx(1.0)
    assert np.isnan(out.values[~sea]).all() and np.isfinite(out.values[sea]).all()
    assert float(out.sel(lat=33.3, lon=12.4, method="nearest")) > 0.9
    assert float(out.sel(lat=33.9, lon=11.6, method="nearest")) < 0.2  # far from both
    assert out.attrs["exposure_incidents_used"] == 2


@pytest.mark.parametrize("frame", [None, incidents([])])
def test_no_incidents_means_uniform_exposure(params, frame):
    grid = params.risk.grid
    out = exposure(frame, grid, params.risk.exposure, REF, END)
    sea = grid["land"].values == 0
    assert (out.values[sea] == 1.0).all()
    assert "risk is the hazard alone" in out.attrs["comment"]
