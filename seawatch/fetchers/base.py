"""Shared machinery of the weather fetchers: run cache, validation, storing.

Every fetcher talks HTTP through the core HTTP layer, :mod:`seawatch.http` (:func:`make_session`,
:func:`request`, :func:`save_raw`, re-exported here), skips a model run it already has
(:class:`RunCache`), and stores its canonical dataset with :func:`store_forecast`, which
validates it first and keeps the last good file when validation fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seawatch.errors import DataError, FetchError
from seawatch.http import (  # noqa: F401  (re-exported for the fetchers)
    CONNECT_TIMEOUT,
    RETRY_STATUSES,
    USER_AGENT,
    http_error_reason,
    make_session,
    request,
    save_raw,
)
from seawatch.schema import (
    isoformat_utc,
    open_forecast,
    validate_forecast,
    write_dataset,
)
from seawatch.storage import atomic_write_text

log = logging.getLogger(__name__)

BBox = tuple[float, float, float, float]


class MissingCredentialsError(FetchError):
    """A source needs credentials that are not set; the chain goes on without it."""


# --- raw payloads and provenance ------------------------------------------------------------


def run_label(run: dt.datetime | np.datetime64 | str) -> str:
    """Directory name of a model run: ``20260820T00Z``."""
    return isoformat_utc(run).replace("-", "").replace(":", "")[:11] + "Z"


# --- "unchanged run is not fetched again" --------------------------------------------------


def cache_key(source: str, run: str, bbox: BBox, variables: Iterable[str], **extra: Any) -> str:
    """Key of one fetch: source, model run, area and variables (plus e.g. horizon, spacing)."""
    payload = {
        "source": source,
        "run": run,
        "bbox": [round(float(v), 6) for v in bbox],
        "variables": sorted(variables),
        **{k: extra[k] for k in sorted(extra)},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


class RunCache:
    """What a source last fetched: key, run, validators (ETag/Last-Modified), stored file.

    Kept in ``<data>/raw/<source>/cache.json``.
    """

    def __init__(self, data_dir: Path, source: str):
        self.path = Path(data_dir) / "raw" / source / "cache.json"

    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry stored for ``key``, or None."""
        return self._read().get(key)

    def put(self, key: str, entry: Mapping[str, Any]) -> None:
        """Remember ``entry`` under ``key`` (only the newest few keys are kept)."""
        data = self._read()
        data.pop(key, None)
        data[key] = dict(entry)
        keep = dict(list(data.items())[-8:])
        atomic_write_text(self.path, json.dumps(keep, indent=2))


# --- the result of one source --------------------------------------------------------------


@dataclass
class SourceFetch:
    """What one source delivered in this run.

    ``dataset`` is the canonical dataset (also stored at ``path``); ``unchanged`` is True when the
    model run was already stored and nothing was downloaded.
    """

    source: str
    dataset: xr.Dataset
    path: Path
    run: str
    model: str
    points: int = 0
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    unchanged: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary (no dataset)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "dataset"}
        out["notes"] = list(self.notes)
        out["path"] = str(self.path)
        out["variables"] = sorted(self.dataset.data_vars)
        out["steps"] = int(self.dataset.sizes.get("time", 0))
        return out


def stored_run(
    cache: RunCache, key: str, target: Path, run: str, source: str, model: str, started: float
) -> SourceFetch | None:
    """The stored forecast of ``run`` when the cache knows ``key`` and the file is intact.

    ``None`` means fetch it: unknown key, no file, another run in the file, or a broken file.
    ``started`` is the ``time.perf_counter()`` of the fetch, for the timing.
    """
    if not cache.get(key) or not target.exists():
        return None
    try:
        ds = open_forecast(target)
    except DataError as exc:
        log.warning("%s: stored forecast unreadable (%s); fetching it again", source, exc)
        return None
    if ds.attrs.get("reference_time") != run:
        return None
    log.info("%s: run %s already stored, not fetched again", source, run)
    return SourceFetch(
        source=source,
        dataset=ds,
        path=target,
        run=run,
        model=model,
        points=int(ds.sizes["lat"] * ds.sizes["lon"]),
        seconds=round(time.perf_counter() - started, 2),
        unchanged=True,
    )


# --- area, grids, validation, storing ------------------------------------------------------


def normalize_longitudes(ds: xr.Dataset, lon: str = "lon") -> xr.Dataset:
    """Longitudes wrapped to -180..180 and sorted ascending."""
    wrapped = (ds[lon].values + 180.0) % 360.0 - 180.0
    return ds.assign_coords({lon: wrapped}).sortby(lon)


def clip_to_area(ds: xr.Dataset, bbox: BBox, *, name: str, pad_cells: int = 1) -> xr.Dataset:
    """Cut a gridded dataset (dims ``lat``, ``lon``, any order) to the area of interest.

    Keeps ``pad_cells`` grid cells beyond each edge so the area can be interpolated to its
    border, and the native grid otherwise.

    Raises
    ------
    DataError
        When the data do not overlap the area, naming both boxes.
    """
    west, south, east, north = bbox
    ds = normalize_longitudes(ds).sortby("lat")
    lat = ds["lat"].values
    lon = ds["lon"].values
    if lat.size == 0 or lon.size == 0:
        raise DataError(f"{name} has an empty grid")
    lat_in = _points_over(lat, south, north)
    lon_in = _points_over(lon, west, east)
    if lat_in.size == 0 or lon_in.size == 0:
        raise DataError(
            f"{name} covers {describe_box(lon.min(), lat.min(), lon.max(), lat.max())}, which does "
            f"not overlap the area of interest {describe_box(*bbox)}"
        )
    i0, i1 = max(lat_in[0] - pad_cells, 0), min(lat_in[-1] + pad_cells, lat.size - 1)
    j0, j1 = max(lon_in[0] - pad_cells, 0), min(lon_in[-1] + pad_cells, lon.size - 1)
    return ds.isel(lat=slice(i0, i1 + 1), lon=slice(j0, j1 + 1))


def _points_over(axis: np.ndarray, low: float, high: float) -> np.ndarray:
    """Indices of the points of an ascending axis within [low, high]; for a range that falls
    between two points (a small area inside one cell of a coarse model), those two points."""
    inside = np.flatnonzero((axis >= low) & (axis <= high))
    if inside.size or axis[0] > high or axis[-1] < low:
        return inside
    return np.array([np.flatnonzero(axis < low)[-1], np.flatnonzero(axis > high)[0]])


def describe_box(west: float, south: float, east: float, north: float) -> str:
    """``30.50N-38.00N 10.00E-20.00E``, the way a planner reads a box."""

    def lat_txt(v: float) -> str:
        return f"{abs(v):.2f}{'N' if v >= 0 else 'S'}"

    def lon_txt(v: float) -> str:
        return f"{abs(v):.2f}{'E' if v >= 0 else 'W'}"

    return f"{lat_txt(south)}-{lat_txt(north)} {lon_txt(west)}-{lon_txt(east)}"


def sea_mask_for(ds: xr.Dataset) -> np.ndarray:
    """True over sea on the ``(lat, lon)`` grid of ``ds``, from the bundled coastline."""
    import warnings

    from seawatch.geo.coastline import land_mask

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ~land_mask(ds["lat"].values, ds["lon"].values)


def store_forecast(
    ds: xr.Dataset,
    path: Path,
    *,
    name: str,
    sea_mask: np.ndarray | None = None,
    max_missing_share: float = 0.5,
) -> Path:
    """Validate a canonical dataset and write it atomically over ``path``.

    Raises
    ------
    DataError
        One line with the problems found; ``path`` (the last good file) is left untouched.
    """
    if sea_mask is None:
        sea_mask = sea_mask_for(ds)
    problems = validate_forecast(ds, sea_mask=sea_mask, max_missing_share=max_missing_share)
    if problems:
        kept = f"; kept the last good {path}" if Path(path).exists() else ""
        raise DataError(f"{name}: forecast failed validation: {'; '.join(problems)}{kept}")
    write_dataset(ds, path)
    return Path(path)


def speed_direction_to_uv(
    speed: np.ndarray, direction_deg: np.ndarray, *, convention: str
) -> tuple[np.ndarray, np.ndarray]:
    """Eastward/northward components from speed and direction.

    Parameters
    ----------
    speed
        Speed, any unit (the components come out in the same unit).
    direction_deg
        Direction, degrees clockwise from true north.
    convention
        ``"from"`` (meteorological: wind, waves) or ``"to"`` (oceanographic: currents).

    Returns
    -------
    (u, v)
        Wind from 270 deg at 10 m/s gives u = +10, v = 0; a current going to 90 deg at 1 m/s
        gives u = +1, v = 0.
    """
    if convention not in ("from", "to"):
        raise ValueError(f"convention must be 'from' or 'to', not {convention!r}")
    theta = np.deg2rad(direction_deg)
    sign = -1.0 if convention == "from" else 1.0
    return sign * speed * np.sin(theta), sign * speed * np.cos(theta)
