"""Capsize hazard and survival time along a drift, from files the build already wrote.

For each output hour: the hazard level of the object's vessel class at the datum (nearest cell
and nearest hour of ``risk.nc``), and the share of the elements inside the 90 % search area that
are at High or worse (the probability-weighted share of the area; a grid-cell count would miss
areas smaller than a risk cell). Survival time in the water comes from the forecast's SST at the
datum through :func:`seawatch.layers.survival.survival_hours` (Hayward et al. 1975).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seawatch.schema import HAZARD_LEVELS

log = logging.getLogger(__name__)

HIGH = HAZARD_LEVELS.index("high")
MAX_TIME_GAP = np.timedelta64(90, "m")  # risk steps are hourly: a nearer hour must exist


def hazard_along(
    risk_path: Path | None,
    vessel: str | None,
    times: list[np.datetime64],
    datum: list[tuple[float, float]],
    clouds: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Hazard per output hour, or ``(None, why not)``.

    ``clouds`` gives, per hour, the lon and lat of the elements inside the 90 % area.
    """
    if vessel is None:
        return None, "this object is not a boat class of the risk dataset"
    if risk_path is None or not Path(risk_path).is_file():
        return None, f"no risk dataset at {risk_path or 'risk.nc'}"
    with xr.open_dataset(risk_path) as risk:
        if "hazard_level" not in risk or vessel not in [str(v) for v in risk["vessel"].values]:
            return None, f"{risk_path} has no hazard_level for {vessel}"
        level = risk["hazard_level"].sel(vessel=vessel)
        rtimes = risk["time"].values
        out: list[dict[str, Any]] = []
        for t, (dlat, dlon), (clon, clat) in zip(times, datum, clouds, strict=True):
            k = int(np.argmin(np.abs(rtimes - t)))
            if abs(rtimes[k] - t) > MAX_TIME_GAP:
                continue
            at = level.isel(time=k)
            here = at.sel(lat=dlat, lon=dlon, method="nearest").values
            share = None
            if clon.size:
                values = at.sel(
                    lat=xr.DataArray(clat, dims="p"),
                    lon=xr.DataArray(clon, dims="p"),
                    method="nearest",
                ).values
                values = values[np.isfinite(values)]
                if values.size:
                    share = float(np.mean(values >= HIGH))
            if not np.isfinite(here):
                continue
            lv = int(here)
            out.append(
                {
                    "time": _iso(t),
                    "level": lv,
                    "level_name": HAZARD_LEVELS[lv],
                    "share_90_high_or_worse": None if share is None else round(share, 3),
                }
            )
    if not out:
        return None, f"{risk_path} does not cover the drift period"
    return out, None


def survival_at(forecast: xr.Dataset, time: np.datetime64, lat: float, lon: float) -> float | None:
    """Survival time in the water (h) from the forecast's SST at a point and time, or None."""
    from seawatch.layers.survival import survival_hours

    if "sst" not in forecast:
        return None
    sst = forecast["sst"].sel(time=time, method="nearest").sel(lat=lat, lon=lon, method="nearest")
    if not np.isfinite(sst.values):
        return None
    hours = survival_hours(
        sst.astype("float64").assign_attrs(units=forecast["sst"].attrs.get("units", "degC"))
    )
    return round(float(hours.values), 1)


def _iso(t: np.datetime64) -> str:
    return str(np.datetime_as_string(np.datetime64(t, "s"))) + "Z"
