"""Turn the layers' :class:`~seawatch.layers.summary.RiskSummary` into the e-mail's rows.

The one place that knows the summary's column names (``departures``/``sar_regions``: one row per
area, vessel and 6 h window with ``worst_level``; ``departure_windows`` and ``traps``: the
departure windows and traps of :mod:`seawatch.layers.departure`, the same definition the maps
use).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from seawatch.mail.report import (
    WINDOW_HOURS,
    AreaRow,
    CalmWindow,
    RegionWorst,
    Report,
    TrapLine,
    worst_in_windows,
)
from seawatch.timeutil import as_utc

CALM_VESSEL = "rubber_dinghy"


def fill_from_summary(report: Report, summary: Any) -> None:
    """Fill ``report.areas``, ``report.calm`` and ``report.regions`` for the report's windows."""
    if not report.windows:
        return
    start = report.windows[0]
    end = report.windows[-1] + dt.timedelta(hours=WINDOW_HOURS)
    names_ar = _arabic_names()
    report.window_levels = {
        key.removeprefix("window_level_"): int(value)
        for key, value in summary.meta.items()
        if key.startswith("window_level_")
    }
    report.window_min_hours = int(summary.meta.get("window_min_hours") or 0)
    windows = summary.departure_windows
    traps = summary.traps
    report.areas = []
    for area_id, group in summary.departures.groupby("area_id", sort=False):
        levels = {
            str(vessel): worst_in_windows(
                g["window_start"].to_numpy(), _levels(g["worst_level"]), report.windows
            )
            for vessel, g in group.groupby("vessel", sort=False)
        }
        mine = windows[windows["area_id"] == area_id]
        trapped = traps[traps["area_id"] == area_id]
        marks = {
            vessel: _overlaps(mine[mine["vessel"] == vessel], report.windows) for vessel in levels
        }
        trap_marks = {
            vessel: _overlaps(trapped[trapped["vessel"] == vessel], report.windows)
            for vessel in levels
        }
        name = str(group["area_name"].iloc[0])
        report.areas.append(
            AreaRow(str(area_id), name, names_ar.get(str(area_id), name), levels, marks, trap_marks)
        )
    report.calm = []
    for rec in windows[windows["vessel"] == CALM_VESSEL].to_dict("records"):
        first, last = as_utc(rec["start"]), as_utc(rec["end"])
        if last <= start or first >= end:
            continue
        name = str(rec["area_name"])
        trap_start = rec.get("trap_start")
        level = rec.get("enroute_worst_level")
        report.calm.append(
            CalmWindow(
                name,
                names_ar.get(str(rec["area_id"]), name),
                CALM_VESSEL,
                first,
                last,
                None if pd.isna(trap_start) else as_utc(trap_start),
                None if pd.isna(level) else int(level),
            )
        )
    report.calm.sort(key=lambda c: (c.start, c.area))
    report.traps = _traps(traps, start, end, names_ar)
    report.regions = []
    frame = summary.sar_regions
    for (region, vessel), g in frame.groupby(["area_id", "vessel"], sort=False):
        starts = pd.DatetimeIndex(g["window_start"]).tz_localize("UTC")
        inside = g[(starts >= start) & (starts < end)].dropna(subset=["worst_level"])
        name = str(g["area_name"].iloc[0])
        if inside.empty:
            report.regions.append(RegionWorst(str(region), name, str(vessel), None))
            continue
        worst = int(inside["worst_level"].max())
        when = as_utc(inside.loc[inside["worst_level"] == worst, "window_start"].min())
        report.regions.append(RegionWorst(str(region), name, str(vessel), worst, when))


def _overlaps(frame: pd.DataFrame, windows: tuple[dt.datetime, ...]) -> tuple[bool, ...]:
    """Per table column: whether any [start, end) run of ``frame`` overlaps it."""
    runs = [(as_utc(a), as_utc(b)) for a, b in zip(frame["start"], frame["end"], strict=True)]
    step = dt.timedelta(hours=WINDOW_HOURS)
    return tuple(any(a < w + step and b > w for a, b in runs) for w in windows)


def _traps(
    traps: pd.DataFrame, start: dt.datetime, end: dt.datetime, names_ar: dict[str, str]
) -> list[TrapLine]:
    """The worst rubber-dinghy trap of each area within the horizon, earliest first (the
    table marks the traps of every class)."""
    lines: dict[tuple[str, str], TrapLine] = {}
    for rec in traps[traps["vessel"] == CALM_VESSEL].to_dict("records"):
        first, last = as_utc(rec["start"]), as_utc(rec["end"])
        if last <= start or first >= end:
            continue
        key = (str(rec["area_id"]), str(rec["vessel"]))
        name = str(rec["area_name"])
        met = rec.get("met_time")
        line = TrapLine(
            area=name,
            area_ar=names_ar.get(key[0], name),
            vessel=key[1],
            route=str(rec["route_id"]),
            destination=str(rec["destination"]),
            start=first,
            end=last,
            level=int(rec["enroute_level"]),
            met_time=None if pd.isna(met) else as_utc(met),
            met_lat=None if pd.isna(rec.get("met_lat")) else float(rec["met_lat"]),
            met_lon=None if pd.isna(rec.get("met_lon")) else float(rec["met_lon"]),
            complete=bool(rec.get("complete", True)),
        )
        best = lines.get(key)
        if best is None or (line.level, -line.start.timestamp()) > (
            best.level,
            -best.start.timestamp(),
        ):
            lines[key] = line
    return sorted(lines.values(), key=lambda t: (t.start, t.area, t.vessel))


def _levels(column: pd.Series) -> Any:
    return column.astype("float64").to_numpy()


def _arabic_names() -> dict[str, str]:
    from seawatch.geo.regions import departure_areas

    frame = departure_areas()
    return dict(zip(frame["id"].astype(str), frame["name_ar"].astype(str), strict=True))
