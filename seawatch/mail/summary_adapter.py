"""Turn the layers' :class:`~seawatch.layers.summary.RiskSummary` into the e-mail's rows.

The one place that knows the summary's column names (``departures``/``sar_regions``: one row per
area, vessel and 6 h window with ``worst_level``; ``calm_windows``: rubber-dinghy calm stretches).
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
    report.areas = []
    for area_id, group in summary.departures.groupby("area_id", sort=False):
        levels = {
            str(vessel): worst_in_windows(
                g["window_start"].to_numpy(), _levels(g["worst_level"]), report.windows
            )
            for vessel, g in group.groupby("vessel", sort=False)
        }
        name = str(group["area_name"].iloc[0])
        report.areas.append(AreaRow(str(area_id), name, names_ar.get(str(area_id), name), levels))
    report.calm = []
    for rec in summary.calm_windows.to_dict("records"):
        first, last = as_utc(rec["start"]), as_utc(rec["end"])
        if last <= start or first >= end:
            continue
        name = str(rec["area_name"])
        report.calm.append(
            CalmWindow(name, names_ar.get(str(rec["area_id"]), name), CALM_VESSEL, first, last)
        )
    report.calm.sort(key=lambda c: (c.start, c.area))
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


def _levels(column: pd.Series) -> Any:
    return column.astype("float64").to_numpy()


def _arabic_names() -> dict[str, str]:
    from seawatch.geo.regions import departure_areas

    frame = departure_areas()
    return dict(zip(frame["id"].astype(str), frame["name_ar"].astype(str), strict=True))
