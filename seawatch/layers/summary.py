"""Risk summaries per departure area and SAR region, for the maps and the morning e-mail.

For every area (the sea within ``[summary] radius_nm`` of each departure point, and each SAR
region clipped to the sea) and every vessel class:

* per 6 h window (00-06, 06-12, 12-18, 18-24 UTC): the worst hazard level of any sea cell of
  the area, and the mean hazard score over the area's cells and the window's hours;
* the first time each level (Moderate .. Extreme) is reached anywhere in the area;
* departure windows of the departure areas per vessel class, and departure traps per route
  (:mod:`seawatch.layers.departure`, the one definition the maps, the e-mail and the web
  service share): when boats will likely leave, and where the sea they meet on the way turns
  deadly.

Times are UTC (naive ``datetime64`` in the frames, ISO 8601 with ``Z`` in JSON).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from seawatch.layers.departure import DepartureParams, area_masks, departures, window_runs
from seawatch.schema import HAZARD_LEVELS, is_demo
from seawatch.summaries import COLUMNS, RiskSummary

WINDOW_HOURS = 6
_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class SummaryParams:
    """What the summaries need (``[summary]`` of the configuration).

    Built by :meth:`seawatch.layers.params.LayerParams.from_settings`.
    """

    radius_nm: float
    """Departure areas are the sea within this distance of each departure point, nautical miles."""
    departure: DepartureParams = field(default_factory=DepartureParams)
    """Departure windows and traps (``[departure]``)."""


def _levels(risk: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    level = np.asarray(risk["hazard_level"].values, dtype=np.float32)
    level[level < 0] = np.nan
    score = np.asarray(risk["hazard_score"].values, dtype=np.float32)
    return level, score


def _area_series(
    level: np.ndarray, score: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Worst level and mean score per time and vessel over the area's cells."""
    cells_level = level[..., mask]
    cells_score = score[..., mask]
    # An hour without data in the area gives NaN; nanmax/nanmean would warn about it.
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        worst = np.nanmax(cells_level, axis=-1)
        mean = np.nanmean(cells_score, axis=-1)
    return worst, mean


def summarize(
    risk: xr.Dataset,
    params: SummaryParams,
    *,
    departure_areas: gpd.GeoDataFrame | None = None,
    sar_regions: gpd.GeoDataFrame | None = None,
    departure: xr.Dataset | None = None,
    routes: gpd.GeoDataFrame | None = None,
) -> RiskSummary:
    """Summaries of a risk dataset per departure area and SAR region.

    Parameters
    ----------
    risk
        Risk dataset from :func:`seawatch.layers.risk.build_risk` (in memory or opened from
        disk, where land decodes as NaN).
    params
        Radius of the departure areas, departure windows and traps.
    departure_areas, sar_regions
        Areas to use instead of the bundled ones (GeoDataFrames with ``id``, ``name`` and
        polygon ``geometry`` in lon/lat degrees).
    departure
        The departure dataset of ``risk`` (:func:`seawatch.layers.departure.departures`), when
        already made; otherwise it is made here from the same departure areas.
    routes
        Routes to use instead of the bundled ones when ``departure`` is made here.

    Returns
    -------
    RiskSummary
    """
    if departure_areas is None or sar_regions is None:
        from seawatch.geo import regions

        if departure_areas is None:
            departure_areas = regions.departure_areas(params.radius_nm)
        if sar_regions is None:
            # Land cells of the grid are left out by area_masks, which clips regions to the sea.
            sar_regions = regions.sar_regions()
    level, score = _levels(risk)
    times = pd.DatetimeIndex(risk["time"].values)
    vessels = [str(v) for v in risk["vessel"].values]
    window_start = times.floor(f"{WINDOW_HOURS}h")
    frames: dict[str, list[dict[str, Any]]] = {"departure": [], "sar": []}
    first: list[dict[str, Any]] = []
    for kind, areas in (("departure", departure_areas), ("sar", sar_regions)):
        names = dict(zip(areas["id"].astype(str), areas["name"].astype(str), strict=True))
        for area_id, mask in area_masks(areas, risk).items():
            worst, mean = _area_series(level, score, mask)
            for v, vessel in enumerate(vessels):
                frame = pd.DataFrame(
                    {"start": window_start, "worst": worst[:, v], "mean": mean[:, v]}
                )
                grouped = frame.groupby("start", sort=True).agg(
                    worst=("worst", "max"), mean=("mean", "mean")
                )
                for start, row in grouped.iterrows():
                    worst_level = None if np.isnan(row["worst"]) else int(row["worst"])
                    frames[kind].append(
                        {
                            "area_id": area_id,
                            "area_name": names[area_id],
                            "vessel": vessel,
                            "window_start": start,
                            "window_end": start + pd.Timedelta(hours=WINDOW_HOURS),
                            "worst_level": worst_level,
                            "worst_level_name": None
                            if worst_level is None
                            else HAZARD_LEVELS[worst_level],
                            "mean_score": float(row["mean"]),
                            "cells": int(mask.sum()),
                        }
                    )
                for lv in range(1, len(HAZARD_LEVELS)):
                    hit = np.nonzero(worst[:, v] >= lv)[0]
                    first.append(
                        {
                            "kind": kind,
                            "area_id": area_id,
                            "area_name": names[area_id],
                            "vessel": vessel,
                            "level": lv,
                            "level_name": HAZARD_LEVELS[lv],
                            "time": times[hit[0]] if hit.size else pd.NaT,
                        }
                    )
    if departure is None:
        departure = departures(
            risk, params.departure, departure_areas=departure_areas, routes=routes
        )
    windows, traps = departure_tables(departure)
    meta = {
        "reference_time": str(risk.attrs.get("reference_time", "")),
        "source": str(risk.attrs.get("source", "")),
        "risk_model_version": str(risk.attrs.get("risk_model_version", "")),
        "demo": is_demo(risk.attrs),
        "window_hours": WINDOW_HOURS,
        "window_min_hours": int(departure.attrs.get("window_min_hours", 0)),
        **{
            k: v
            for k, v in departure.attrs.items()
            if k.startswith(("window_level_", "trap_level_", "speed_kn_"))
        },
        "radius_nm": params.radius_nm,
        "risk_created_at": str(risk.attrs.get("created_at", "")),
    }
    return RiskSummary(
        departures=_frame(frames["departure"], COLUMNS["departures"]),
        sar_regions=_frame(frames["sar"], COLUMNS["sar_regions"]),
        first_reached=_frame(first, COLUMNS["first_reached"]),
        departure_windows=_frame(windows, COLUMNS["departure_windows"]),
        traps=_frame(traps, COLUMNS["traps"]),
        meta=meta,
    )


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    for column in ("worst_level", "enroute_worst_level"):
        if column in frame:
            frame[column] = frame[column].astype("Int8")
    return frame


def departure_tables(
    departure: xr.Dataset,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the ``departure_windows`` and ``traps`` frames of a departure dataset.

    A window row is one run of window hours of one area and vessel class; its trap columns say
    whether any route of the area is a trap during it, from when, and the worst level met. A
    trap row is one run of trap hours of one route and vessel class, with the worst level met
    en route by a boat leaving in that run and where and when it is first met.
    """
    times = pd.DatetimeIndex(departure["time"].values)
    step = _step(times)
    windows: list[dict[str, Any]] = []
    traps: list[dict[str, Any]] = []
    names = dict(zip(departure["area"].values, departure["area_name"].values, strict=True))
    vessels = [str(v) for v in departure["vessel"].values]
    window = departure["window"].transpose("area", "vessel", "time").values
    area_trap = departure["area_trap"].transpose("area", "vessel", "time").values
    route_dims = ("route", "vessel", "time")
    trap = departure["trap"].transpose(*route_dims).values
    level = departure["enroute_level"].transpose(*route_dims).values
    en_time = departure["enroute_time"].transpose(*route_dims).values
    en_lon = departure["enroute_lon"].transpose(*route_dims).values
    en_lat = departure["enroute_lat"].transpose(*route_dims).values
    complete = departure["enroute_complete"].transpose(*route_dims).values
    route_area = [str(a) for a in departure["route_area"].values]
    area_ids = [str(a) for a in departure["area"].values]
    for a, area_id in enumerate(area_ids):
        routes_here = [r for r, ra in enumerate(route_area) if ra == area_id]
        for v, vessel in enumerate(vessels):
            for start, stop in window_runs(window[a, v] == 1, np.ones(len(times)), 1):
                trapped = np.flatnonzero(area_trap[a, v, start:stop])
                worst = max((int(level[r, v, start:stop].max()) for r in routes_here), default=-1)
                windows.append(
                    {
                        "area_id": area_id,
                        "area_name": str(names[area_id]),
                        "vessel": vessel,
                        "start": times[start],
                        "end": times[stop - 1] + step,
                        "hours": round((times[stop - 1] + step - times[start]) / _HOUR),
                        "open_ended": bool(stop == len(times)),
                        "trap": bool(trapped.size),
                        "trap_start": times[start + trapped[0]] if trapped.size else pd.NaT,
                        "enroute_worst_level": worst if worst >= 0 else None,
                    }
                )
    for r, route_id in enumerate(departure["route"].values):
        area_id = route_area[r]
        for v, vessel in enumerate(vessels):
            for start, stop in window_runs(trap[r, v] == 1, np.ones(len(times)), 1):
                run = level[r, v, start:stop]
                k = start + int(np.argmax(run))
                worst = int(run.max())
                traps.append(
                    {
                        "route_id": str(route_id),
                        "area_id": area_id,
                        "area_name": str(names[area_id]),
                        "destination": str(departure["route_destination"].values[r]),
                        "vessel": vessel,
                        "start": times[start],
                        "end": times[stop - 1] + step,
                        "enroute_level": worst,
                        "enroute_level_name": HAZARD_LEVELS[worst],
                        "met_time": pd.Timestamp(en_time[r, v, k]),
                        "met_lon": float(en_lon[r, v, k]),
                        "met_lat": float(en_lat[r, v, k]),
                        "complete": bool(complete[r, v, start:stop].all()),
                    }
                )
    return windows, traps


def _step(times: pd.DatetimeIndex) -> pd.Timedelta:
    """The forecast's time step (the last hour of a run lasts that long)."""
    if len(times) < 2:
        return pd.Timedelta(hours=1)
    return pd.Timedelta(times[-1] - times[-2])
