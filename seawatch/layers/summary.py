"""Risk summaries per departure area and SAR region, for the maps and the morning e-mail.

For every area (the sea within ``[summary] radius_nm`` of each departure point, and each SAR
region clipped to the sea) and every vessel class:

* per 6 h window (00-06, 06-12, 12-18, 18-24 UTC): the worst hazard level of any sea cell of
  the area, and the mean hazard score over the area's cells and the window's hours;
* the first time each level (Moderate .. Extreme) is reached anywhere in the area;
* calm windows of the departure areas: stretches of at least ``[summary] calm_hours`` hours in
  which the rubber-dinghy hazard is Low over most of the area (area-mean hazard score below 1,
  Moderate), when departures become likely (Sea-Watch, Oct 2015: departures bunch into the few
  days without waves; MSF, Reuters 31 Aug 2016; docs/risk-model.md, "The rules").

Times are UTC (naive ``datetime64`` in the frames, ISO 8601 with ``Z`` in JSON).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr

from seawatch.schema import HAZARD_LEVELS, is_demo
from seawatch.summaries import COLUMNS, RiskSummary

WINDOW_HOURS = 6
CALM_VESSEL = "rubber_dinghy"
CALM_BELOW_SCORE = 1.0  # area-mean rubber-dinghy score below Moderate


@dataclass(frozen=True)
class SummaryParams:
    """What the summaries need (``[summary]`` of the configuration).

    Built by :meth:`seawatch.layers.params.LayerParams.from_settings`.
    """

    radius_nm: float
    """Departure areas are the sea within this distance of each departure point, nautical miles."""
    calm_hours: int
    """Shortest calm window reported, hours."""


def area_masks(areas: gpd.GeoDataFrame, risk: xr.Dataset) -> dict[str, np.ndarray]:
    """Boolean (lat, lon) mask of the sea cells of each area (by ``id``) on the risk grid."""
    lon2d, lat2d = np.meshgrid(risk["lon"].values, risk["lat"].values)
    sea = risk["land"].values == 0 if "land" in risk else np.ones(lon2d.shape, bool)
    masks = {}
    for area_id, geometry in zip(areas["id"], areas.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        shapely.prepare(geometry)
        mask = shapely.contains_xy(geometry, lon2d, lat2d) & sea
        if mask.any():
            masks[str(area_id)] = mask
    return masks


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
) -> RiskSummary:
    """Summaries of a risk dataset per departure area and SAR region.

    Parameters
    ----------
    risk
        Risk dataset from :func:`seawatch.layers.risk.build_risk` (in memory or opened from
        disk, where land decodes as NaN).
    params
        Radius of the departure areas and the shortest calm window.
    departure_areas, sar_regions
        Areas to use instead of the bundled ones (GeoDataFrames with ``id``, ``name`` and
        polygon ``geometry`` in lon/lat degrees).

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
    calm: list[dict[str, Any]] = []
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
            if kind == "departure" and CALM_VESSEL in vessels:
                calm_mask = mean[:, vessels.index(CALM_VESSEL)] < CALM_BELOW_SCORE
                for start, stop in calm_runs(calm_mask, params.calm_hours):
                    calm.append(
                        {
                            "area_id": area_id,
                            "area_name": names[area_id],
                            "start": times[start],
                            "end": times[stop - 1] + pd.Timedelta(hours=1),
                            "hours": int(stop - start),
                            "open_ended": bool(stop == len(times)),
                        }
                    )
    meta = {
        "reference_time": str(risk.attrs.get("reference_time", "")),
        "source": str(risk.attrs.get("source", "")),
        "risk_model_version": str(risk.attrs.get("risk_model_version", "")),
        "demo": is_demo(risk.attrs),
        "window_hours": WINDOW_HOURS,
        "calm_hours": params.calm_hours,
        "radius_nm": params.radius_nm,
        "risk_created_at": str(risk.attrs.get("created_at", "")),
    }
    return RiskSummary(
        departures=_frame(frames["departure"], COLUMNS["departures"]),
        sar_regions=_frame(frames["sar"], COLUMNS["sar_regions"]),
        first_reached=_frame(first, COLUMNS["first_reached"]),
        calm_windows=_frame(calm, COLUMNS["calm_windows"]),
        meta=meta,
    )


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    if "worst_level" in frame:
        frame["worst_level"] = frame["worst_level"].astype("Int8")
    return frame


def calm_runs(calm: np.ndarray, min_hours: int) -> list[tuple[int, int]]:
    """(start, stop) index pairs of runs of True at least ``min_hours`` long (hourly steps)."""
    padded = np.concatenate([[False], np.asarray(calm, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [
        (int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_hours
    ]
