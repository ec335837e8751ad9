"""The planner's decision view on the interactive map: departure timeline, routes, worst frames,
and the incident history as a density layer.

The timeline answers "where and when is it deadly, and when will boats leave?" at a glance:
one row per departure area, one column per shown forecast step, each cell coloured by the hazard
at the departure area (``departure_level`` of the departures dataset, see the contract in
:mod:`seawatch.layers.departure`), with departure windows and traps marked. The routes layer
colours each usual crossing by the worst hazard a boat leaving at the selected time would meet
on the way. Everything here is precomputed data for ``assets/seawatch-timeline.js``; the map
computes nothing of it in the browser.

Compact encodings (the page must stay within its size budget at 168 steps): per-step levels are
strings of one character per step (``"0"``-``"4"``, ``"-"`` = no data), flags strings of
``"0"``/``"1"``; route positions are rounded to 0.001 degree (about 100 m).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, ClassVar

import folium
import numpy as np
import pandas as pd
import xarray as xr
from folium.elements import JSCSSMixin
from folium.template import Template

from seawatch.i18n import translate
from seawatch.maps import frames as fr
from seawatch.maps import styles
from seawatch.timeutil import as_utc, format_utc

WORST_HOURS: tuple[int, ...] = (24, 48, 72)
"""Periods (h from now) of the "worst in the next ..." frames and timeline columns."""

DENSITY_CELL_DEG = 0.2
"""Cell size (degrees of longitude; rows of the same size in Web Mercator) of the incident
density layer. Assumption, to calibrate: about 12 nm, the scale of a search area, and coarse
enough that a single report does not read as a hot spot."""

DENSITY_BINS: tuple[int, ...] = (1, 3, 10, 30, 100)
"""Lower edges of the density classes (incidents per cell over the whole history), roughly
logarithmic. Assumption, to calibrate on the IOM Missing Migrants history."""

ROUND_DEG = 3
"""Decimals of route coordinates and en-route positions (0.001 degree, about 100 m)."""

_FLAG_VARS = ("window", "area_trap", "trap", "enroute_complete")
_LEVEL_VARS = ("departure_level", "enroute_level")


def _naive(times: np.ndarray) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(times)
    return index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index


def _level_text(values: np.ndarray) -> str:
    """One character per step: ``0``..``4``, ``-`` for no data."""
    return "".join(str(int(v)) if 0 <= v <= 4 else "-" for v in values)


def _flag_text(values: np.ndarray) -> str:
    return "".join("1" if v > 0 else "0" for v in values)


def _step_groups(all_times: pd.DatetimeIndex, shown: pd.DatetimeIndex) -> np.ndarray:
    """For each forecast time, the shown step it falls in (steps cover ``[t_i, t_{i+1})``)."""
    return np.clip(np.searchsorted(shown.values, all_times.values, side="right") - 1, 0, None)


def _aggregate(values: np.ndarray, groups: np.ndarray, n: int, fill: int) -> np.ndarray:
    """Maximum of ``values`` (..., time) over each shown step's hours (``fill`` when none)."""
    out = np.full((*values.shape[:-1], n), fill, dtype=np.int16)
    for k in range(n):
        sel = groups == k
        if sel.any():
            out[..., k] = values[..., sel].max(axis=-1)
    return out


def worst_periods(
    times: np.ndarray, begin: dt.datetime, hours: tuple[int, ...] = WORST_HOURS
) -> list[dict[str, Any]]:
    """For each period, the forecast time indices in ``[begin, begin + h)`` and its edges.

    Falls back to the last ``h`` hours of the forecast when none lies in the period (an old
    forecast), as :func:`seawatch.maps.context.window_max` does for the static map.
    """
    stamps = _naive(times)
    start = pd.Timestamp(as_utc(begin)).tz_localize(None)
    out = []
    for h in hours:
        end = start + pd.Timedelta(hours=h)
        mask = (stamps >= start) & (stamps < end)
        first = start
        if not mask.any():
            end = stamps[-1] + pd.Timedelta(hours=1)
            first = end - pd.Timedelta(hours=h)
            mask = (stamps >= first) & (stamps < end)
        out.append({"hours": h, "index": np.flatnonzero(mask), "begin": first, "end": end})
    return out


def worst_grid(
    level: np.ndarray, drivers: np.ndarray | None, index: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Maximum hazard level over the time ``index`` of ``level`` (time, lat, lon).

    Returns the level grid (float, NaN where no step has a level) and the driver bits of the
    first hour the maximum is reached, so the popup can still name the rule that set it.
    """
    sub = np.asarray(level[index], dtype=float)
    sub = np.where(sub < 0, np.nan, sub)
    valid = np.isfinite(sub).any(axis=0)
    filled = np.where(np.isfinite(sub), sub, -1.0)
    at = filled.argmax(axis=0)
    worst = np.take_along_axis(filled, at[None], axis=0)[0]
    worst = np.where(valid, worst, np.nan)
    bits = None
    if drivers is not None:
        dsub = np.asarray(drivers[index])
        bits = np.take_along_axis(dsub, at[None], axis=0)[0]
    return worst, bits


def worst_frames(
    risk: xr.Dataset,
    vessels: list[str],
    begin: dt.datetime,
    rows: fr.MercatorRows,
    land: np.ndarray | None,
    palette: fr.HazardPalette,
    add_frame: Any,
    lang: str,
) -> dict[str, Any]:
    """The "worst in the next 24 / 48 / 72 h" hazard frames (indices into the page's frames)."""
    periods = worst_periods(risk["time"].values, begin)
    drivers = risk.get("drivers", None)
    hazard: dict[str, list[int]] = {}
    for vessel in vessels:
        lv = risk["hazard_level"].sel(vessel=vessel).transpose("time", "lat", "lon").values
        dv = (
            drivers.sel(vessel=vessel).transpose("time", "lat", "lon").values
            if drivers is not None
            else None
        )
        frames_v = []
        for period in periods:
            grid, bits = worst_grid(lv, dv, period["index"])
            if land is not None:
                grid = np.where(land, np.nan, grid)
            idx = fr.hazard_indices(grid, bits, rows, palette)
            frames_v.append(add_frame(fr.encode_png(idx, palette.rgba)))
        hazard[vessel] = frames_v
    return {
        "periods": [
            {
                "hours": p["hours"],
                "label": translate("map.timeline.worst_h", lang, h=p["hours"]),
                "title": translate(
                    "map.timeline.worst_title",
                    lang,
                    h=p["hours"],
                    start=_isolated(format_utc(p["begin"])),
                    end=_isolated(format_utc(p["end"])),
                ),
            }
            for p in periods
        ],
        "hazard": hazard,
    }


def _isolated(text: str) -> str:
    """``text`` bidi-isolated (FSI ... PDI): a date inside Arabic keeps its left-to-right order."""
    return f"\u2068{text}\u2069"


def _area_names(lang: str) -> dict[str, str]:
    """Departure area id → name in ``lang`` (ports sharing an area joined by " / ")."""
    from seawatch.geo.regions import ports

    frame = ports("departure")
    names: dict[str, list[str]] = {}
    for port in frame.itertuples():
        name = port.name_ar if lang == "ar" and port.name_ar else port.name
        for key in {str(port.departure_area or port.id), str(port.id)}:
            names.setdefault(key, []).append(str(name))
    return {k: " / ".join(dict.fromkeys(v)) for k, v in names.items()}


def default_routes() -> Any | None:
    """The bundled routes (:func:`seawatch.geo.regions.routes`), or None where not shipped."""
    try:
        from seawatch.geo.regions import routes  # type: ignore[attr-defined]
    except ImportError:
        return None
    return routes()


def _weekday(stamp: pd.Timestamp, lang: str) -> str:
    return translate(f"map.timeline.weekday.{stamp.weekday()}", lang)


def timeline_payload(
    departures: xr.Dataset,
    routes: Any | None,
    risk_times: np.ndarray,
    shown: np.ndarray,
    vessels: list[str],
    lang: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """Everything the timeline panel and the routes layer draw, as one JSON-able dict.

    Parameters
    ----------
    departures
        Departures dataset of the contract (``departure_level``, ``window``, ``area_trap`` on
        (area, vessel, time); ``enroute_*``, ``trap``, ``arrival_time`` on (route, vessel, time)).
        Rows come west to east (by ``area_lon``).
    routes
        GeoDataFrame of routes (``id``, ``name``, ``name_ar``, LineString ``geometry``), or None
        (the timeline is drawn, the routes layer is not).
    risk_times
        The risk dataset's time axis; ``shown`` indexes the steps the map shows.
    """
    all_times = _naive(risk_times)
    shown_times = all_times[shown]
    ds = departures.reindex(
        time=all_times.values,
        fill_value={
            **{v: -1 for v in _LEVEL_VARS},
            **{v: 0 for v in _FLAG_VARS},
        },
    )
    if "area_lon" in ds.coords:  # rows from west to east, as the coast runs on the map
        ds = ds.isel(area=np.argsort(ds["area_lon"].values, kind="stable"))
    groups = _step_groups(all_times, shown_times)
    n = len(shown_times)
    names = _area_names(lang)
    area_ids = [str(a) for a in ds["area"].values]
    route_ids = [str(r) for r in ds["route"].values] if "route" in ds.dims else []
    route_area = [str(a) for a in ds["route_area"].values] if "route_area" in ds.coords else []
    present = {str(v) for v in ds["vessel"].values}

    def area_rows(name: str, fill: int) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for vessel in vessels:
            if vessel not in present or name not in ds:
                out[vessel] = ["-" * n if fill < 0 else "0" * n for _ in area_ids]
                continue
            values = ds[name].sel(vessel=vessel).transpose("area", "time").values.astype(np.int16)
            agg = _aggregate(values, groups, n, fill)
            out[vessel] = [_level_text(row) if fill < 0 else _flag_text(row) for row in agg]
        return out

    areas = []
    for k, area in enumerate(area_ids):
        fallback = str(ds["area_name"].values[k]) if "area_name" in ds.coords else area
        areas.append(
            {
                "id": area,
                "name": names.get(area, fallback) if lang == "ar" else fallback or names.get(area),
                "lat": round(float(ds["area_lat"].values[k]), ROUND_DEG)
                if "area_lat" in ds.coords
                else None,
                "lon": round(float(ds["area_lon"].values[k]), ROUND_DEG)
                if "area_lon" in ds.coords
                else None,
                "routes": [i for i, a in enumerate(route_area) if a == area],
            }
        )

    # The worst departure level per area over the next 24 / 48 / 72 h (summary columns).
    begin = shown_times[min(_now_index(shown_times, now), n - 1)]
    periods = worst_periods(all_times.values, as_utc(begin))
    worst: dict[str, list[list[int]]] = {}
    for vessel in vessels:
        if vessel not in present:
            worst[vessel] = [[-1] * len(periods) for _ in area_ids]
            continue
        values = ds["departure_level"].sel(vessel=vessel).transpose("area", "time").values
        worst[vessel] = [
            [int(row[p["index"]].max()) if p["index"].size else -1 for p in periods]
            for row in values
        ]

    days = []
    for k, stamp in enumerate(shown_times):
        if k == 0 or stamp.normalize() != shown_times[k - 1].normalize():
            days.append(
                {
                    "start": k,
                    "n": 0,
                    "weekday": _weekday(stamp, lang),
                    "date": stamp.strftime("%d/%m"),
                }
            )
        days[-1]["n"] += 1

    route_items, enroute = _routes_payload(ds, routes, route_ids, route_area, shown, vessels, lang)
    return {
        "areas": areas,
        "level": area_rows("departure_level", -1),
        "window": area_rows("window", 0),
        "trap": area_rows("area_trap", 0),
        "worst": worst,
        "days": days,
        "hours": [int(s.hour) for s in shown_times],
        "now": _now_position(shown_times, now),
        "routes": route_items,
        "enroute": enroute,
        "colours": {
            "window": styles.DEPARTURE_WINDOW_COLOUR,
            "trap": styles.DEPARTURE_TRAP_COLOUR,
            "unknown": styles.UNKNOWN_ROUTE_COLOUR,
        },
        "params": {
            k: (v.item() if isinstance(v, np.generic) else v)
            for k, v in departures.attrs.items()
            if k.startswith(("window_level_", "trap_level_", "window_min_hours", "speed_kn_"))
        },
    }


def _now_index(shown_times: pd.DatetimeIndex, now: dt.datetime) -> int:
    stamp = pd.Timestamp(as_utc(now)).tz_localize(None).floor("h")
    after = np.flatnonzero(shown_times >= stamp)
    return int(after[0]) if after.size else len(shown_times) - 1


def _now_position(shown_times: pd.DatetimeIndex, now: dt.datetime) -> float | None:
    """Fractional step index of ``now`` on the shown axis (None outside the forecast)."""
    stamp = pd.Timestamp(as_utc(now)).tz_localize(None)
    if len(shown_times) < 2 or stamp < shown_times[0]:
        return None
    step = shown_times[1] - shown_times[0]
    position = (stamp - shown_times[0]) / step
    return round(float(position), 3) if position <= len(shown_times) else None


def _routes_payload(
    ds: xr.Dataset,
    routes: Any | None,
    route_ids: list[str],
    route_area: list[str],
    shown: np.ndarray,
    vessels: list[str],
    lang: str,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Route lines (lat, lon order for Leaflet) and, per vessel, their en-route hazard per step."""
    if routes is None or not route_ids or "enroute_level" not in ds:
        return [], {}
    by_id = {str(r.id): r for r in routes.itertuples()}
    items = []
    for k, rid in enumerate(route_ids):
        row = by_id.get(rid)
        coords: list[list[float]] = []
        name = rid
        if row is not None:
            name = (
                row.name_ar
                if lang == "ar" and getattr(row, "name_ar", None)
                else getattr(row, "name", rid)
            )
            for line in getattr(row.geometry, "geoms", [row.geometry]):
                coords.extend(
                    [round(float(y), ROUND_DEG), round(float(x), ROUND_DEG)]
                    for x, y, *_ in line.coords
                )
        items.append(
            {
                "id": rid,
                "area": route_area[k] if route_area else None,
                "name": str(name),
                "coords": coords,
            }
        )

    sub = ds.isel(time=shown)
    departure = _naive(sub["time"].values)
    present = {str(v) for v in ds["vessel"].values}
    enroute: dict[str, list[dict[str, Any]]] = {}
    for vessel in vessels:
        if vessel not in present:
            continue
        v = sub.sel(vessel=vessel)
        level = v["enroute_level"].transpose("route", "time").values
        trap = v["trap"].transpose("route", "time").values if "trap" in v else np.zeros_like(level)
        complete = (
            v["enroute_complete"].transpose("route", "time").values
            if "enroute_complete" in v
            else np.ones_like(level)
        )
        when = _minutes_after(v.get("enroute_time"), departure)
        arrive = _minutes_after(v.get("arrival_time"), departure)
        lat = v["enroute_lat"].transpose("route", "time").values if "enroute_lat" in v else None
        lon = v["enroute_lon"].transpose("route", "time").values if "enroute_lon" in v else None
        out = []
        for k in range(len(route_ids)):
            out.append(
                {
                    "level": _level_text(level[k]),
                    "trap": _flag_text(trap[k]),
                    "complete": _flag_text(complete[k]),
                    "when": when[k] if when is not None else None,
                    "arrive": arrive[k] if arrive is not None else None,
                    "lat": _rounded(lat[k]) if lat is not None else None,
                    "lon": _rounded(lon[k]) if lon is not None else None,
                }
            )
        enroute[vessel] = out
    return items, enroute


def _minutes_after(values: xr.DataArray | None, departure: pd.DatetimeIndex) -> list | None:
    """Minutes from each departure to a (route, time) datetime variable, None where NaT."""
    if values is None:
        return None
    stamps = values.transpose("route", "time").values.astype("datetime64[ns]")
    delta = (stamps - departure.values[None, :]) / np.timedelta64(1, "m")
    return [[None if not np.isfinite(x) else round(x) for x in row] for row in delta]


def _rounded(values: np.ndarray) -> list[float | None]:
    return [round(float(x), ROUND_DEG) if np.isfinite(x) else None for x in values]


def density_payload(
    incidents: Any | None, bounds: tuple[float, float, float, float], lang: str
) -> dict[str, Any] | None:
    """The whole incident history as a density grid: one paletted PNG in Web Mercator.

    Counts every incident with a position inside ``bounds`` (west, south, east, north) in cells
    of :data:`DENSITY_CELL_DEG` (rows evenly spaced in Mercator y, so the image overlays
    Leaflet's map without distortion), coloured by :data:`DENSITY_BINS`. None when there is no
    located incident.
    """
    if incidents is None or len(incidents) == 0:
        return None
    lat = pd.to_numeric(incidents["lat"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(incidents["lon"], errors="coerce").to_numpy(dtype=float)
    west, south, east, north = bounds
    inside = np.isfinite(lat) & np.isfinite(lon)
    inside &= (lon >= west) & (lon < east) & (lat >= south) & (lat < north)
    if not inside.any():
        return None
    nx = max(1, int(np.ceil((east - west) / DENSITY_CELL_DEG)))
    y_top, y_bottom = fr.mercator_y(north), fr.mercator_y(south)
    cell_y = fr.mercator_y(0 + DENSITY_CELL_DEG / 2) - fr.mercator_y(-DENSITY_CELL_DEG / 2)
    ny = max(1, int(np.ceil((y_top - y_bottom) / cell_y)))
    col = np.clip(((lon[inside] - west) / (east - west) * nx).astype(int), 0, nx - 1)
    row = np.clip(
        ((y_top - fr.mercator_y(lat[inside])) / (y_top - y_bottom) * ny).astype(int), 0, ny - 1
    )
    counts = np.zeros((ny, nx), dtype=np.int64)
    np.add.at(counts, (row, col), 1)
    classes = np.digitize(counts, DENSITY_BINS).astype(np.uint8)  # 0 = none
    palette = [(0, 0, 0, 0)] + [(*styles.hex_to_rgb(c), 255) for c in styles.DENSITY_COLOURS]
    png = fr.encode_png(classes, palette)
    times = pd.to_datetime(incidents["time"], utc=True, errors="coerce")[inside]
    first = int(times.min().year) if times.notna().any() else None
    last = int(times.max().year) if times.notna().any() else None
    period = f"{first}\u2013{last}" if first and last and first != last else str(first or "")
    edges = [*DENSITY_BINS, None]
    labels = []
    for lo, hi in itertools.pairwise(edges):
        if hi is None:
            labels.append(f"\u2265 {lo}")
        elif hi - lo == 1:
            labels.append(str(lo))
        else:
            labels.append(f"{lo}\u2013{hi - 1}")
    return {
        "png": fr.data_uri(png),
        "bounds": [[south, west], [north, east]],
        "title": translate("map.timeline.layer_density", lang, period=period),
        "legend": translate(
            "map.timeline.density_legend",
            lang,
            n=int(inside.sum()),
            period=period,
            cell=f"{DENSITY_CELL_DEG:g}",
        ),
        "classes": [
            {"colour": c, "label": t} for c, t in zip(styles.DENSITY_COLOURS, labels, strict=True)
        ],
        "opacity": 0.75,
    }


class SeawatchTimeline(JSCSSMixin, folium.MacroElement):
    """Starts ``assets/seawatch-timeline.js`` on the map made by ``SeawatchLayers``.

    Added after ``SeawatchLayers`` so its script runs once ``window.seawatchMap`` exists; it
    reads ``timeline``, ``worst`` and ``density`` from the map's data (absent: nothing drawn).
    """

    default_js: ClassVar = [("seawatch_timeline", "seawatch:seawatch-timeline.js")]
    default_css: ClassVar = [("seawatch_timeline_css", "seawatch:seawatch-timeline.css")]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.seawatchTimeline = new SeawatchTimeline(window.seawatchMap);
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "SeawatchTimeline"


__all__ = [
    "DENSITY_BINS",
    "DENSITY_CELL_DEG",
    "WORST_HOURS",
    "SeawatchTimeline",
    "default_routes",
    "density_payload",
    "timeline_payload",
    "worst_frames",
    "worst_grid",
    "worst_periods",
]
