"""The risk summaries as a file: what the build writes beside ``risk.nc`` and products read.

The layers make a :class:`RiskSummary` of each risk dataset once, in the build stage
(:func:`seawatch.layers.summary.summarize`); the maps, the e-mail and the web service read it
from ``<risk>.summary.json`` (:func:`summary_path`) instead of recomputing it. The file names
the risk dataset it was made from (``risk_created_at``, the dataset's ``created_at``), so a
reader can tell a summary that does not belong to the risk file it has.

Times are UTC: naive ``datetime64`` in the frames, ISO 8601 with ``Z`` in the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from seawatch.errors import DataError
from seawatch.jsonutil import dumps
from seawatch.storage import atomic_write_text
from seawatch.timeutil import isoformat_utc

__all__ = [
    "RiskSummary",
    "departures_path",
    "read_departures",
    "read_summary",
    "summary_path",
    "write_summary",
]

WINDOW_COLUMNS = (
    "area_id", "area_name", "vessel", "window_start", "window_end", "worst_level",
    "worst_level_name", "mean_score", "cells",
)  # fmt: skip
COLUMNS: dict[str, tuple[str, ...]] = {
    "departures": WINDOW_COLUMNS,
    "sar_regions": WINDOW_COLUMNS,
    "first_reached": ("kind", "area_id", "area_name", "vessel", "level", "level_name", "time"),
    "departure_windows": (
        "area_id",
        "area_name",
        "vessel",
        "start",
        "end",
        "hours",
        "open_ended",
        "trap",
        "trap_start",
        "enroute_worst_level",
    ),
    "traps": (
        "route_id",
        "area_id",
        "area_name",
        "destination",
        "vessel",
        "start",
        "end",
        "enroute_level",
        "enroute_level_name",
        "met_time",
        "met_lon",
        "met_lat",
        "complete",
    ),
}
"""The columns of each frame (the file leaves an empty frame's columns out)."""
FRAMES = tuple(COLUMNS)
TIME_COLUMNS = ("window_start", "window_end", "time", "start", "end", "trap_start", "met_time")


@dataclass
class RiskSummary:
    """Summaries of one risk dataset.

    Attributes
    ----------
    departures, sar_regions : pandas.DataFrame
        One row per area, vessel and 6 h window: ``area_id``, ``area_name``, ``vessel``,
        ``window_start``, ``window_end`` (UTC), ``worst_level`` (0-4), ``worst_level_name``,
        ``mean_score`` (0-5), ``cells`` (sea cells of the area).
    first_reached : pandas.DataFrame
        ``kind`` (departure / sar), ``area_id``, ``area_name``, ``vessel``, ``level``,
        ``level_name``, ``time`` (first hour the level is reached anywhere in the area; NaT if
        never within the forecast).
    departure_windows : pandas.DataFrame
        One row per departure window (:mod:`seawatch.layers.departure`) of an area and vessel
        class: ``area_id``, ``area_name``, ``vessel``, ``start``, ``end`` (UTC, end exclusive),
        ``hours``, ``open_ended`` (runs to the end of the forecast, may last longer), ``trap``
        (a route of the area is a trap during it), ``trap_start`` (first trap hour, NaT if
        none), ``enroute_worst_level`` (worst level met en route by boats leaving in it).
    traps : pandas.DataFrame
        One row per run of trap hours of a route and vessel class: ``route_id``, ``area_id``,
        ``area_name``, ``destination``, ``vessel``, ``start``, ``end`` (departure hours, UTC,
        end exclusive), ``enroute_level`` (worst met), ``enroute_level_name``, ``met_time``,
        ``met_lon``, ``met_lat`` (where and when a boat leaving at the worst hour first meets
        it), ``complete`` (every crossing of the run ends inside the forecast).
    meta : dict
        ``reference_time``, ``source``, ``risk_model_version``, ``demo``, ``window_hours``,
        ``window_min_hours``, ``window_level_<vessel>``, ``trap_level_<vessel>``,
        ``speed_kn_<vessel>``, ``radius_nm``, ``risk_created_at``.
    """

    departures: pd.DataFrame
    sar_regions: pd.DataFrame
    first_reached: pd.DataFrame
    departure_windows: pd.DataFrame
    traps: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: frames as lists of records, times as ISO 8601 UTC text."""
        return {**self.meta, **{name: _records(getattr(self, name)) for name in FRAMES}}

    def to_json(self, indent: int | None = None) -> str:
        """The summary as JSON text (see :meth:`to_dict`)."""
        return dumps(self.to_dict(), indent=indent)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or value is pd.NA or value is pd.NaT:
                clean[key] = None
            elif isinstance(value, pd.Timestamp):
                clean[key] = isoformat_utc(value.to_pydatetime())
            elif hasattr(value, "item"):  # numpy scalars
                value = value.item()
                clean[key] = None if isinstance(value, float) and math.isnan(value) else value
            elif isinstance(value, float):
                clean[key] = None if math.isnan(value) else value
            else:
                clean[key] = value
        out.append(clean)
    return out


def summary_path(risk_path: str | Path) -> Path:
    """Where the summary of a risk file lives: ``risk.nc`` -> ``risk.summary.json``."""
    risk_path = Path(risk_path)
    return risk_path.with_name(f"{risk_path.stem}.summary.json")


def departures_path(risk_path: str | Path) -> Path:
    """Where the departure dataset of a risk file lives: ``risk.nc`` -> ``departures.nc``
    (``x.nc`` -> ``x.departures.nc``); see :mod:`seawatch.layers.departure`."""
    risk_path = Path(risk_path)
    name = "departures.nc" if risk_path.stem == "risk" else f"{risk_path.stem}.departures.nc"
    return risk_path.with_name(name)


def read_departures(risk_path: str | Path, created_at: Any = None) -> Any:
    """The departure dataset written beside ``risk_path`` (an ``xarray.Dataset``), or None.

    None, with a warning in the log, when the file is missing, unreadable or made from another
    build of the risk file than the one whose ``created_at`` is given: the maps then go without
    the departure timeline rather than show another forecast's windows.
    """
    import logging

    import xarray as xr

    path = departures_path(risk_path)
    log = logging.getLogger(__name__)
    if not path.is_file():
        log.warning("no departure windows at %s; run `seawatch build` to write them", path)
        return None
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            departures = ds.load()
    except (OSError, ValueError) as exc:
        log.warning("departure windows %s are unreadable (%s); run `seawatch build`", path, exc)
        return None
    made_from = departures.attrs.get("risk_created_at")
    if created_at is not None and str(made_from) != str(created_at):
        log.warning(
            "departure windows %s were made from the build of %s, not %s; left out",
            path,
            made_from,
            created_at,
        )
        return None
    return departures


def write_summary(summary: RiskSummary, risk_path: str | Path) -> Path:
    """Write the summary of the risk file ``risk_path`` beside it (atomically)."""
    return atomic_write_text(summary_path(risk_path), summary.to_json())


def read_summary(risk_path: str | Path, created_at: str | None = None) -> RiskSummary:
    """The summary written beside the risk file ``risk_path``.

    Parameters
    ----------
    created_at
        The ``created_at`` attribute of the risk dataset in hand; a summary made from another
        build of it is refused.

    Raises
    ------
    DataError
        With one line, if the summary is missing, unreadable or belongs to another build.
    """
    path = summary_path(risk_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(
            f"no risk summary at {path}; run `seawatch build` to write it with {Path(risk_path).name}"
        ) from None
    except (OSError, ValueError) as exc:
        raise DataError(
            f"risk summary {path} is unreadable ({exc}); run `seawatch build`"
        ) from None
    made_from = data.get("risk_created_at")
    if created_at is not None and made_from != created_at:
        raise DataError(
            f"risk summary {path} was made from the build of {made_from}, not from the risk "
            f"file in use (built {created_at}); run `seawatch build` again"
        )
    frames = {}
    for name in FRAMES:
        frame = pd.DataFrame(data.get(name) or [], columns=list(COLUMNS[name]))
        for column in TIME_COLUMNS:
            if column in frame:
                stamps = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
                frame[column] = stamps.astype("datetime64[ns]")
        for column in ("worst_level", "enroute_worst_level"):
            if column in frame:
                frame[column] = frame[column].astype("Int8")
        frames[name] = frame
    meta = {k: v for k, v in data.items() if k not in FRAMES}
    return RiskSummary(meta=meta, **frames)
