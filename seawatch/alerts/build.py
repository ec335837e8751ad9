"""Which alerts a risk dataset calls for: one per area and vessel class at High or worse.

Reads the risk dataset written by the build (``risk.nc``) and its summaries
(:func:`seawatch.layers.summary.summarize`, the same per-area 6 h windows the maps and the
e-mail show); nothing is recomputed. The departure-window/trap layer does not exist yet, so
alerts are about the capsize hazard only.

For each departure area and SAR region and each vessel class whose worst level in the 6 h
windows of the next :data:`~seawatch.alerts.levels.HORIZON_HOURS` is High or worse:

* onset: start of the first such window (or ``now`` if it already began), expires: end of the
  last one (windows that start within the horizon count);
* the polygon: the grid cells at High or worse during those windows, inside the area,
  merged (shapely), holes dropped, simplified to at most 100 vertices;
* the drivers (``drivers`` bits) and the shortest survival time in the water in those cells
  at the worst time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seawatch.alerts.levels import HORIZON_HOURS, PUBLISH_FROM
from seawatch.alerts.validate import MAX_VERTICES

RISK_VARIABLES = ("hazard_level", "hazard_score", "drivers", "survival_hours", "land")
MAX_POLYGONS = 5


@dataclass
class Hazard:
    """What one alert is about (no CAP yet)."""

    kind: str  # "departure" or "sar"
    area_id: str
    area_name: str
    area_name_ar: str
    vessel: str
    level: int
    onset: dt.datetime
    expires: dt.datetime
    worst_time: dt.datetime
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)
    drivers: list[str] = field(default_factory=list)
    survival_hours: float | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.area_id}.{self.vessel}"


@dataclass
class RiskRun:
    """The facts of the risk file the alerts came from."""

    path: Path
    reference_time: str
    source: str
    demo: bool
    hazards: list[Hazard]


def open_risk(path: Path, now: dt.datetime) -> Any:
    """The variables alerts need, for the hours from ``now`` to the horizon, in memory."""
    import xarray as xr

    from seawatch.errors import DataError

    if not Path(path).is_file():
        raise DataError(f"no risk file at {path}; run `seawatch build` first (or pass --risk FILE)")
    start = np.datetime64(_naive(now) - dt.timedelta(hours=6), "s")
    end = np.datetime64(_naive(now) + dt.timedelta(hours=HORIZON_HOURS), "s")
    try:
        with xr.open_dataset(path) as ds:
            keep = [v for v in RISK_VARIABLES if v in ds]
            if "hazard_level" not in keep:
                raise DataError(f"{path} has no hazard_level; is it a seawatch risk file?")
            return ds[keep].sel(time=slice(start, end)).load()
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read risk file {path}: {exc}") from None


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: Any) -> dt.datetime:
    import pandas as pd

    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=dt.UTC)


def find_hazards(
    risk: Any,
    summary: Any,
    areas: dict[str, Any],
    now: dt.datetime,
    clip: dict[str, Any] | None = None,
) -> list[Hazard]:
    """Hazards at High or worse from a risk dataset and its summary (see module doc).

    ``areas`` are the frames the summary was made with (``departure``, ``sar``); polygons are
    clipped to the geometries of ``clip`` (same ids; default ``areas``).
    """
    import pandas as pd

    from seawatch.layers.summary import area_masks

    now_naive = pd.Timestamp(_naive(now))
    horizon = now_naive + pd.Timedelta(hours=HORIZON_HOURS)
    hazards: list[Hazard] = []
    for kind, frame in (("departure", summary.departures), ("sar", summary.sar_regions)):
        if frame.empty:
            continue
        masks = area_masks(areas[kind], risk)
        frame_areas = areas[kind]
        names_ar = (
            dict(zip(frame_areas["id"].astype(str), frame_areas["name_ar"], strict=True))
            if "name_ar" in frame_areas
            else {}
        )
        shapes = (clip or areas)[kind]
        geometries = dict(zip(shapes["id"].astype(str), shapes.geometry, strict=True))
        windows = frame[(frame["window_end"] > now_naive) & (frame["window_start"] < horizon)]
        windows = windows.dropna(subset=["worst_level"])
        for (area_id, vessel), group in windows.groupby(["area_id", "vessel"], sort=True):
            hot = group[group["worst_level"] >= PUBLISH_FROM]
            if hot.empty or str(area_id) not in masks:
                continue
            level = int(hot["worst_level"].max())
            onset = max(pd.Timestamp(hot["window_start"].min()), now_naive.floor("h"))
            # The end of a 6 h window: stable between runs of the same forecast cycle.
            expires = pd.Timestamp(hot["window_end"].max())
            worst_start = pd.Timestamp(hot.loc[hot["worst_level"] == level, "window_start"].min())
            cells = risk.sel(vessel=vessel, time=slice(onset, expires - pd.Timedelta(seconds=1)))
            hazard = Hazard(
                kind=kind,
                area_id=str(area_id),
                area_name=str(group["area_name"].iloc[0]),
                area_name_ar=str(names_ar.get(str(area_id)) or _arabic_sar(str(area_id))),
                vessel=str(vessel),
                level=level,
                onset=_aware(onset),
                expires=_aware(expires),
                worst_time=_aware(max(worst_start, onset)),
            )
            mask = masks[str(area_id)]
            _fill_from_grid(hazard, cells, mask, geometries.get(str(area_id)))
            if hazard.polygons:
                hazards.append(hazard)
    return hazards


def _arabic_sar(area_id: str) -> str:
    from seawatch.i18n import translate

    try:
        return translate(f"sar.{area_id}.name", "ar")
    except KeyError:
        return area_id


def _fill_from_grid(hazard: Hazard, cells: Any, mask: np.ndarray, area: Any) -> None:
    from seawatch.layers.capsize import DRIVER_FLAGS

    level = np.asarray(cells["hazard_level"].values, dtype=np.float32)  # (time, lat, lon)
    hot = np.nan_to_num(level, nan=-1) >= PUBLISH_FROM
    hot_any = hot.any(axis=0) & mask
    hazard.polygons = hazard_polygons(cells["lat"].values, cells["lon"].values, hot_any, area)
    at_worst = (np.nan_to_num(level, nan=-1) >= hazard.level) & mask[None]
    t = int(np.argmax(at_worst.reshape(len(level), -1).any(axis=1)))
    hazard.worst_time = _aware(cells["time"].values[t])
    worst_cells = at_worst[t]
    if "drivers" in cells:
        bits = np.nan_to_num(np.asarray(cells["drivers"].values[t], dtype=np.float64))
        combined = int(np.bitwise_or.reduce(bits[worst_cells].astype(np.int64), initial=0))
        hazard.drivers = [name for name, bit, _ in DRIVER_FLAGS if combined & bit]
    if "survival_hours" in cells:
        survival = np.asarray(cells["survival_hours"].values[t], dtype=np.float64)[worst_cells]
        survival = survival[np.isfinite(survival)]
        hazard.survival_hours = float(survival.min()) if survival.size else None


def hazard_polygons(
    lat: np.ndarray, lon: np.ndarray, hot: np.ndarray, area: Any
) -> list[list[tuple[float, float]]]:
    """Closed (lat, lon) rings of the ``hot`` cells inside ``area``, each valid, <= 100 vertices.

    The largest :data:`MAX_POLYGONS` parts are kept (CAP: several polygons in one area mean
    their union); holes are dropped, as CAP polygons have none.
    """
    import shapely

    if not hot.any():
        return []
    lat_edges, dlat = _edges(np.asarray(lat, dtype=np.float64))
    lon_edges, dlon = _edges(np.asarray(lon, dtype=np.float64))
    rows, cols = np.nonzero(hot)
    # Neighbouring cells share the very same edge values, so the union merges them.
    boxes = shapely.box(lon_edges[cols], lat_edges[rows], lon_edges[cols + 1], lat_edges[rows + 1])
    merged = shapely.union_all(boxes)
    if area is not None and not area.is_empty:
        clipped = shapely.intersection(merged, shapely.make_valid(area))
        merged = clipped if not clipped.is_empty else merged
    parts = [p for p in shapely.get_parts(merged) if isinstance(p, shapely.Polygon)]
    parts = sorted(parts, key=lambda p: p.area, reverse=True)[:MAX_POLYGONS]
    rings = []
    for part in parts:
        ring = _simple_ring(shapely.Polygon(part.exterior), min(dlat, dlon))
        if ring is not None:
            rings.append(ring)
    return rings


def _edges(centres: np.ndarray) -> tuple[np.ndarray, float]:
    """Cell edges of a regular axis of cell centres, and the spacing."""
    step = float(np.median(np.diff(centres))) if len(centres) > 1 else 0.05
    inner = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[centres[0] - step / 2], inner, [centres[-1] + step / 2]]), step


def _simple_ring(polygon: Any, cell: float) -> list[tuple[float, float]] | None:
    import shapely

    tolerance = cell / 4
    for _ in range(20):
        simple = shapely.simplify(polygon, tolerance, preserve_topology=True)
        if not simple.is_valid:
            simple = shapely.make_valid(simple)
            simple = max(shapely.get_parts(simple), key=lambda p: p.area, default=None)
            if not isinstance(simple, shapely.Polygon):
                tolerance *= 1.5
                continue
            simple = shapely.Polygon(simple.exterior)
        coords = [(round(y, 4), round(x, 4)) for x, y in simple.exterior.coords]
        ring_ok = (
            4 <= len(coords) <= MAX_VERTICES + 1
            and shapely.Polygon([(x, y) for y, x in coords]).is_valid
        )
        if ring_ok and simple.area > 0:
            if coords[0] != coords[-1]:
                coords.append(coords[0])
            return coords
        tolerance *= 1.5
    return None
