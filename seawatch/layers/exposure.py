"""Exposure: where boats are, from the positions of reported incidents.

Exposure is a weighted Gaussian kernel density of incident positions on the target grid,
normalised to 0-1 over sea cells (1 at the densest sea cell). With the parameters of
:class:`ExposureParams` (from ``[exposure]`` of the configuration, see docs/risk-model.md):

* ``bandwidth_km`` - standard deviation of the Gaussian kernel, km (default 25 km): positions
  of distress cases off Libya are often estimated (IOM: "Mediterranean positions may be
  estimated"), so a point should spread over tens of kilometres;
* ``window_days`` - only incidents within this many days before the end of the forecast count
  (default 1095, three years, about one change of smuggling routes);
* ``half_life_days`` - recency weighting: an incident's weight halves every ``half_life_days``
  of age, counted from the forecast's reference time (default 365);
* ``min_source_quality`` - incidents with a lower IOM ``Source Quality`` (1-5) are left out;
  each remaining incident is weighted by ``source_quality_weights`` of the table (quality / 5),
  and one without a grade counts as ``source_quality_unknown`` (4).

Weight of incident *i*: ``w_i = q(quality_i) * 0.5 ** (age_days_i / half_life_days)``. Density
at cell (y, x): ``sum_i w_i exp(-(dy^2 + dx^2) / (2 h^2))`` with ``dy`` and ``dx`` the north and
east distances in km (equirectangular at the incident's latitude, exact to well under 1 % within
a few bandwidths). The kernel is separable, so the whole grid is one matrix product.

No incidents
    When no incident passes the filters, exposure is 1 over every sea cell ("boats may be
    anywhere"), and ``risk`` is then the hazard alone; the variable's ``comment`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from seawatch.layers.capsize import TABLE, Parameter

KM_PER_DEGREE = 111.195
"""Length of one degree of latitude on the mean Earth sphere (R = 6371.0 km), km."""


@dataclass(frozen=True)
class ExposureParams:
    """What the exposure layer needs (``[exposure]`` of the configuration).

    Built by :meth:`seawatch.layers.params.LayerParams.from_settings`.
    """

    bandwidth_km: float
    """Standard deviation of the Gaussian kernel, km."""
    window_days: int
    """Only incidents within this many days before the end of the forecast count."""
    half_life_days: float
    """An incident's weight halves every this many days of age."""
    min_source_quality: int
    """Incidents with a lower IOM source quality (1-5) are left out."""


def incident_weights(
    incidents: pd.DataFrame | None,
    params: ExposureParams,
    reference_time: np.datetime64,
    end_time: np.datetime64,
    table: Mapping[str, Parameter] = TABLE,
) -> pd.DataFrame:
    """Incidents that count for exposure, with their weights.

    Parameters
    ----------
    incidents
        Frame with ``time`` (UTC, aware or naive), ``lat``, ``lon`` (degrees) and optionally
        ``source_quality`` (1-5 or NA); None or empty gives an empty result.
    params
        Kernel, window, half-life and quality threshold.
    reference_time
        Age is counted from here (naive UTC); older means lighter.
    end_time
        Incidents after this time are ignored, and the window ends here (naive UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``lat``, ``lon``, ``weight`` (> 0).
    """
    empty = pd.DataFrame({"lat": [], "lon": [], "weight": []}, dtype=np.float64)
    if incidents is None or len(incidents) == 0:
        return empty
    for column in ("time", "lat", "lon"):
        if column not in incidents:
            return empty
    times = pd.to_datetime(incidents["time"], utc=True, errors="coerce").dt.tz_convert(None)
    lat = pd.to_numeric(incidents["lat"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    lon = pd.to_numeric(incidents["lon"], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    unknown = float(table["source_quality_unknown"].value)  # type: ignore[arg-type]
    if "source_quality" in incidents:
        quality = pd.to_numeric(incidents["source_quality"], errors="coerce")
        quality = quality.astype("Float64").fillna(unknown).to_numpy(np.float64)
    else:
        quality = np.full(len(incidents), unknown)
    quality = np.clip(np.round(quality), 1, 5)
    end = pd.Timestamp(end_time)
    start = end - pd.Timedelta(days=params.window_days)
    time_values = times.to_numpy("datetime64[ns]")
    keep = (
        np.isfinite(lat)
        & np.isfinite(lon)
        & ~pd.isna(time_values)
        & (times > start).to_numpy()
        & (times <= end).to_numpy()
        & (quality >= params.min_source_quality)
    )
    if not keep.any():
        return empty
    age_days = (np.datetime64(reference_time, "ns") - time_values[keep]) / np.timedelta64(1, "D")
    age_days = np.clip(age_days.astype(np.float64), 0.0, None)
    quality_weights = np.asarray(table["source_quality_weights"].value, dtype=np.float64)
    weight = quality_weights[quality[keep].astype(int) - 1] * 0.5 ** (
        age_days / params.half_life_days
    )
    return pd.DataFrame({"lat": lat[keep], "lon": lon[keep], "weight": weight})


def kernel_density(
    points: pd.DataFrame, lat: np.ndarray, lon: np.ndarray, bandwidth_km: float
) -> np.ndarray:
    """Weighted Gaussian kernel density of points on a lat/lon grid (unnormalised).

    Parameters
    ----------
    points
        ``lat``, ``lon`` (degrees) and ``weight``.
    lat, lon
        Grid axes, degrees.
    bandwidth_km
        Kernel standard deviation, km.

    Returns
    -------
    numpy.ndarray
        (lat, lon) float64, sum of weighted kernels (peak value of one kernel is its weight).
    """
    if len(points) == 0:
        return np.zeros((lat.size, lon.size))
    p_lat = points["lat"].to_numpy(np.float64)
    p_lon = points["lon"].to_numpy(np.float64)
    w = points["weight"].to_numpy(np.float64)
    scale = -0.5 / bandwidth_km**2
    dy = (lat[:, None] - p_lat[None, :]) * KM_PER_DEGREE
    dx = (lon[:, None] - p_lon[None, :]) * (KM_PER_DEGREE * np.cos(np.deg2rad(p_lat)))[None, :]
    return (np.exp(scale * dy**2) * w[None, :]) @ np.exp(scale * dx**2).T


def exposure(
    incidents: pd.DataFrame | None,
    grid: xr.Dataset,
    params: ExposureParams,
    reference_time: np.datetime64,
    end_time: np.datetime64,
    table: Mapping[str, Parameter] = TABLE,
) -> xr.DataArray:
    """Exposure (0-1) of each sea cell of ``grid`` from incident history.

    Parameters
    ----------
    incidents
        Incident frame (see :func:`incident_weights`) or None.
    grid
        Target grid with ``lat``, ``lon`` and ``land`` (1 on land).
    params
        Kernel, window, half-life and quality threshold.
    reference_time, end_time
        See :func:`incident_weights`.

    Returns
    -------
    xarray.DataArray
        (lat, lon) float32 in [0, 1] over sea, NaN on land; 1 everywhere at sea when no incident
        counts. Attributes say how it was made.
    """
    sea = grid["land"].values == 0
    points = incident_weights(incidents, params, reference_time, end_time, table)
    density = kernel_density(points, grid["lat"].values, grid["lon"].values, params.bandwidth_km)
    peak = float(density[sea].max()) if sea.any() else 0.0
    details: dict[str, Any] = {
        "bandwidth_km": params.bandwidth_km,
        "window_days": params.window_days,
        "half_life_days": params.half_life_days,
        "min_source_quality": params.min_source_quality,
        "incidents_used": len(points),
    }
    if peak > 0:
        values = density / peak
        comment = (
            f"Gaussian kernel density of {len(points)} incident positions (bandwidth "
            f"{params.bandwidth_km:g} km, last {params.window_days} days, weight halves every "
            f"{params.half_life_days:g} days, source quality >= {params.min_source_quality}), "
            "normalised to 1 at the densest sea cell."
        )
    else:
        values = np.ones(density.shape)
        comment = (
            "No incident positions were available: exposure is 1 over all sea cells, "
            "so risk is the hazard alone."
        )
    values = np.where(sea, np.clip(values, 0.0, 1.0), np.nan).astype(np.float32)
    return xr.DataArray(
        values,
        dims=("lat", "lon"),
        coords={"lat": grid["lat"], "lon": grid["lon"]},
        attrs={
            "long_name": "exposure: where boats have been reported (0-1)",
            "units": "1",
            "comment": comment,
            **{f"exposure_{k}": v for k, v in details.items()},
        },
    )
