"""Departure windows, the hazard boats meet on the way, and departure traps.

Boats leave in calm weather: arrivals in Italy fall about sevenfold from the calmest to the
roughest fifth of days [Validation2026]_, and practitioners report that rubber boats do not
leave in waves of 1 to 1.5 m [MSF2016]_ and that departures bunch into the few days without
waves [SeaWatch2015]_. The deadliest capsizes come when the sea turns while boats are at sea
[Georgiou2017]_. So the question planners need answered is "when will boats likely leave from
X, and will the sea they meet on the way turn deadly?". Three quantities answer it, one
definition each, used by the maps, the e-mail, the alerts and the web service alike:

Departure level
    The worst hazard level of any sea cell of the departure area (the sea within
    ``[summary] radius_nm`` of the departure point) at each hour: the statistic of the e-mail's
    departure-area table.
Departure window
    Hours in a run of at least ``window_min_hours`` consecutive hours in which the departure
    level stays at or below ``window_level`` of the vessel class (default Moderate): the sea
    boats are known to leave in (assumption, to calibrate against departure counts, see
    docs/validation.md §2).
Hazard en route
    For a departure at hour *t* on a route (:func:`seawatch.geo.regions.routes`), the worst
    hazard level met along the route, the boat advanced at the class speed: the route is
    sampled every tenth of a grid cell, the boat is at a sample ``d / speed`` hours after
    leaving (``d`` the distance sailed, geodesic on WGS84), and meets there the hazard of the
    grid cell holding it at the forecast step nearest that time. Where and when the worst is
    first met is kept. Samples after the forecast's last step, or off the grid (an area that
    does not hold the whole crossing), are unknown; a crossing that ends after the last step or
    leaves the grid is flagged incomplete and its level is the worst of what is known.
Departure trap
    A window hour whose en-route hazard reaches ``trap_level`` (default High for rubber
    dinghies, Severe for the others): boats will likely leave, and the sea they meet turns
    deadly.

The output follows xclim's conventions for indicators: a pure function of a dataset and its
parameters, returning data with CF attributes (CF 1.10 flags for the levels and 0/1 flags).

References
----------
.. [Validation2026] seawatch backtest fact sheet (docs/validation.md §0, §2): Italian sea
   arrivals 434 per day in the calmest fifth of days against 59 in the roughest.
.. [MSF2016] MSF coordinator, Reuters, 31 Aug 2016: "1 metre to 1 1/2 metre waves. The rubber
   boats won't come out in those conditions."
.. [SeaWatch2015] Sea-Watch, Oct 2015: departures bunch into the few days without waves.
.. [Georgiou2017] Georgiou et al. (2017), arXiv: the deadliest capsizes came as winds rose or
   soon after strong winds had built high seas (docs/risk-model.md §1).
.. [Camarena2020] Camarena, Claudy, Wang & Wright (2020), PLoS ONE 15(7):e0236646: daily flows
   respond to wave heights.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from pyproj import Geod

from seawatch.schema import HAZARD_LEVELS

__all__ = [
    "DEFAULT_SPEED_KN",
    "DEFAULT_TRAP_LEVEL",
    "DEFAULT_WINDOW_LEVEL",
    "DepartureParams",
    "area_masks",
    "departure_levels",
    "departures",
    "window_runs",
]

MODERATE, HIGH, SEVERE = 1, 2, 3
DEFAULT_WINDOW_LEVEL: dict[str, int] = {
    "rubber_dinghy": MODERATE,
    "wooden_boat": MODERATE,
    "small_boat": MODERATE,
}
"""Departure level at or below which boats leave (MSF 2016: no rubber boats in 1-1.5 m waves,
the rubber-dinghy High band; assumption, to calibrate for the other classes)."""
DEFAULT_TRAP_LEVEL: dict[str, int] = {
    "rubber_dinghy": HIGH,
    "wooden_boat": SEVERE,
    "small_boat": SEVERE,
}
"""En-route level that makes a window a trap (assumption, to calibrate: High is outside any
design envelope of an overloaded dinghy, docs/risk-model.md §5; the sturdier classes one level
later)."""
DEFAULT_SPEED_KN: dict[str, float] = {
    "rubber_dinghy": 5.0,
    "wooden_boat": 6.0,
    "small_boat": 8.0,
}
"""Speed over ground, knots (assumption, to calibrate: an overloaded 10-12 m dinghy with one
40-60 hp outboard, an overloaded wooden fishing boat, a 5-8 m fibreglass or iron boat)."""
DEFAULT_WINDOW_MIN_HOURS = 6
"""Shortest departure window, hours (assumption, to calibrate: long enough to launch and clear
the coast before the sea turns)."""
SAMPLES_PER_CELL = 10
"""Route samples per grid cell: every cell the route crosses is met."""
_GEOD = Geod(ellps="WGS84")
_METRES_PER_NM = 1852.0
_NAT = np.datetime64("NaT", "ns")


@dataclass(frozen=True, eq=False)
class DepartureParams:
    """What the departure layer needs (``[departure]`` and ``[summary] radius_nm``).

    Built by :meth:`seawatch.layers.params.LayerParams.from_settings`; the defaults are the
    configuration's.
    """

    window_level: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_WINDOW_LEVEL))
    """Per vessel class: departure level at or below which boats leave (0 low .. 4 extreme)."""
    trap_level: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_TRAP_LEVEL))
    """Per vessel class: en-route level that makes a window hour a trap."""
    speed_kn: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEED_KN))
    """Per vessel class: speed along the route, knots."""
    window_min_hours: int = DEFAULT_WINDOW_MIN_HOURS
    """Shortest departure window, hours."""
    radius_nm: float = 30.0
    """Departure areas are the sea within this distance of each departure point, nm."""

    def for_vessel(self, vessel: str) -> tuple[int, int, float]:
        """(window level, trap level, speed in knots) of a vessel class, with the defaults'
        values for a class the configuration does not name (unknown classes: rubber dinghy)."""
        fallback = "rubber_dinghy"
        return (
            int(self.window_level.get(vessel, DEFAULT_WINDOW_LEVEL.get(vessel, MODERATE))),
            int(self.trap_level.get(vessel, DEFAULT_TRAP_LEVEL.get(vessel, HIGH))),
            float(
                self.speed_kn.get(vessel, DEFAULT_SPEED_KN.get(vessel, DEFAULT_SPEED_KN[fallback]))
            ),
        )


def area_masks(areas: gpd.GeoDataFrame, risk: xr.Dataset) -> dict[str, np.ndarray]:
    """Boolean (lat, lon) mask of the sea cells of each area (by ``id``) on the risk grid.

    Areas with no sea cell on the grid are left out, and so are departure areas whose departure
    point lies off the grid (known from ``lon``/``lat`` columns, or from the bundled ports when
    the frame has a ``ports`` column): an area of interest that stops short of a port's coast
    holds only the far edge of its sea, and that is not the sea boats leave from.
    """
    lon_axis, lat_axis = risk["lon"].values, risk["lat"].values
    lon2d, lat2d = np.meshgrid(lon_axis, lat_axis)
    sea = _sea(risk)
    points = _departure_points(areas)
    masks = {}
    for area_id, geometry in zip(areas["id"], areas.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        if str(area_id) in points and not any(
            _cell_index(np.array([lon]), lon_axis)[0] >= 0
            and _cell_index(np.array([lat]), lat_axis)[0] >= 0
            for lon, lat in points[str(area_id)]
        ):
            continue
        shapely.prepare(geometry)
        mask = shapely.contains_xy(geometry, lon2d, lat2d) & sea
        if mask.any():
            masks[str(area_id)] = mask
    return masks


def _departure_points(areas: gpd.GeoDataFrame) -> dict[str, list[tuple[float, float]]]:
    """(lon, lat) of each area's departure points, by area id; empty for other areas."""
    if "lon" in areas and "lat" in areas:
        return {
            str(a): [(float(x), float(y))]
            for a, x, y in zip(areas["id"], areas["lon"], areas["lat"], strict=True)
            if pd.notna(x) and pd.notna(y)
        }
    if "ports" not in areas:
        return {}
    from seawatch.geo.regions import ports

    known = ports("departure")
    where = {str(i): (p.x, p.y) for i, p in zip(known["id"], known.geometry, strict=True)}
    return {
        str(a): [where[p] for p in str(ids).split(",") if p in where]
        for a, ids in zip(areas["id"], areas["ports"], strict=True)
        if any(p in where for p in str(ids).split(","))
    }


def _sea(risk: xr.Dataset) -> np.ndarray:
    """(lat, lon) True on sea cells (land is 1; a file read back decodes land as 0/1 or NaN)."""
    shape = (risk.sizes["lat"], risk.sizes["lon"])
    if "land" not in risk:
        return np.ones(shape, bool)
    return np.asarray(risk["land"].transpose("lat", "lon").values) == 0


def _level_array(risk: xr.Dataset) -> np.ndarray:
    """Hazard level (time, vessel, lat, lon) as float32, NaN where unknown or on land."""
    level = np.asarray(
        risk["hazard_level"].transpose("time", "vessel", "lat", "lon").values, dtype=np.float32
    )
    level = level.copy()
    level[(level < 0) | (level > len(HAZARD_LEVELS) - 1)] = np.nan
    level[..., ~_sea(risk)] = np.nan
    return level


def departure_levels(level: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Worst level (time, vessel) over an area's cells, -1 where no cell has a value."""
    cells = level[..., mask]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        worst = np.nanmax(cells, axis=-1)
    return np.where(np.isnan(worst), -1, worst).astype(np.int8)


def window_runs(ok: np.ndarray, hours: np.ndarray, min_hours: float) -> list[tuple[int, int]]:
    """(start, stop) index pairs of runs of True lasting at least ``min_hours``.

    ``hours`` is the duration each step stands for (its time step), so 3-hourly forecasts count
    3 h a step.
    """
    padded = np.concatenate([[False], np.asarray(ok, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    runs = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if float(np.sum(hours[a:b])) >= min_hours - 1e-9:
            runs.append((int(a), int(b)))
    return runs


def _step_hours(times_h: np.ndarray) -> np.ndarray:
    """Hours each step stands for: the gap to the next step (the last repeats the one before)."""
    if times_h.size < 2:
        return np.ones_like(times_h)
    gaps = np.diff(times_h)
    return np.concatenate([gaps, gaps[-1:]])


def _route_samples(line: shapely.LineString, spacing_deg: float) -> tuple[np.ndarray, ...]:
    """(lon, lat, distance from the start in nm) of points along ``line`` every ``spacing_deg``."""
    coords = np.asarray(line.coords)
    lons, lats = [coords[:1, 0]], [coords[:1, 1]]
    for (x0, y0), (x1, y1) in itertools.pairwise(coords):
        n = max(1, int(np.ceil(np.hypot(x1 - x0, y1 - y0) / spacing_deg)))
        f = np.arange(1, n + 1) / n
        lons.append(x0 + f * (x1 - x0))
        lats.append(y0 + f * (y1 - y0))
    lon, lat = np.concatenate(lons), np.concatenate(lats)
    _, _, step_m = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    distance = np.concatenate([[0.0], np.cumsum(step_m)]) / _METRES_PER_NM
    return lon, lat, distance


def _cell_index(values: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Index of the grid cell holding each value on a regular axis, -1 outside the grid."""
    step = float(axis[1] - axis[0]) if axis.size > 1 else 1.0
    index = np.rint((values - axis[0]) / step).astype(np.int64)
    index[(index < 0) | (index >= axis.size)] = -1
    return index


def departures(
    risk: xr.Dataset,
    params: DepartureParams,
    *,
    departure_areas: gpd.GeoDataFrame | None = None,
    routes: gpd.GeoDataFrame | None = None,
) -> xr.Dataset:
    """Departure windows, en-route hazard and traps of a risk dataset.

    Parameters
    ----------
    risk
        Risk dataset (:func:`seawatch.layers.risk.build_risk`, in memory or read from disk) with
        ``hazard_level`` (time, vessel, lat, lon) on a regular grid, ``land`` optional.
    params
        Window and trap levels and speeds per vessel class, shortest window, area radius.
    departure_areas
        Areas to use instead of the bundled ones (``id``, ``name``, polygon ``geometry``,
        EPSG:4326); a departure point is taken from ``lon``/``lat`` columns when present, else
        the polygon's representative point.
    routes
        Routes to use instead of :func:`seawatch.geo.regions.routes` (``id``, ``area``,
        ``destination``, LineString ``geometry`` starting at the departure area).

    Returns
    -------
    xarray.Dataset
        Dims ``area``, ``route``, ``vessel``, ``time`` (those of ``risk``): ``departure_level``,
        ``window``, ``area_trap`` (area, vessel, time); ``enroute_level``,
        ``enroute_complete``, ``enroute_time``, ``enroute_lon``, ``enroute_lat``,
        ``arrival_time``, ``trap`` (route, vessel, time). Areas with no sea cell on the grid, and
        their routes, are left out. See the module docstring for the definitions.
    """
    from seawatch.geo import regions

    if departure_areas is None:
        departure_areas = regions.departure_areas(params.radius_nm)
    if routes is None:
        routes = regions.routes()
    level = _level_array(risk)
    times = np.asarray(risk["time"].values).astype("datetime64[ns]")
    vessels = [str(v) for v in risk["vessel"].values]
    n_time, n_vessel = len(times), len(vessels)
    times_h = (times - times[0]) / np.timedelta64(1, "h") if n_time else np.zeros(0)
    step_h = _step_hours(np.asarray(times_h, dtype=float))

    masks = area_masks(departure_areas, risk)
    area_ids = list(masks)
    frame = departure_areas.set_index(departure_areas["id"].astype(str))
    dep_level = np.full((len(area_ids), n_vessel, n_time), -1, np.int8)
    window = np.zeros_like(dep_level)
    for a, area_id in enumerate(area_ids):
        dep_level[a] = departure_levels(level, masks[area_id]).T
        for v, vessel in enumerate(vessels):
            limit = params.for_vessel(vessel)[0]
            ok = (dep_level[a, v] >= 0) & (dep_level[a, v] <= limit)
            for start, stop in window_runs(ok, step_h, params.window_min_hours):
                window[a, v, start:stop] = 1

    routes = routes[routes["area"].astype(str).isin(area_ids)]
    route_ids = [str(r) for r in routes["id"]]
    shape = (len(route_ids), n_vessel, n_time)
    en_level = np.full(shape, -1, np.int8)
    en_complete = np.zeros(shape, np.int8)
    en_time = np.full(shape, _NAT)
    en_lon = np.full(shape, np.nan, np.float32)
    en_lat = np.full(shape, np.nan, np.float32)
    arrival = np.full(shape, _NAT)
    lat_axis, lon_axis = risk["lat"].values, risk["lon"].values
    spacing = min(abs(float(np.diff(lat_axis[:2])[0])), abs(float(np.diff(lon_axis[:2])[0])))
    spacing /= SAMPLES_PER_CELL
    for r, geometry in enumerate(routes.geometry if n_time else []):
        lon, lat, dist_nm = _route_samples(geometry, spacing)
        iy, ix = _cell_index(lat, lat_axis), _cell_index(lon, lon_axis)
        on_grid = (iy >= 0) & (ix >= 0)
        for v, vessel in enumerate(vessels):
            speed = params.for_vessel(vessel)[2]
            at_h = times_h[:, None] + dist_nm[None, :] / speed  # (departure, sample) hours
            inside = at_h <= times_h[-1] + 1e-9
            step = np.clip(np.searchsorted(times_h, at_h, side="left"), 0, n_time - 1)
            before = np.clip(step - 1, 0, n_time - 1)
            # nearest step, the earlier one on a tie
            step = np.where(at_h - times_h[before] <= times_h[step] - at_h, before, step)
            met = np.full(at_h.shape, np.nan, np.float32)
            use = inside & on_grid[None, :]
            cell_y = np.broadcast_to(iy, at_h.shape)[use]
            cell_x = np.broadcast_to(ix, at_h.shape)[use]
            met[use] = level[step[use], v, cell_y, cell_x]
            known = ~np.isnan(met)
            worst = np.where(known, met, -np.inf).max(axis=1)
            has = np.isfinite(worst)
            first = np.argmax(known & (met == worst[:, None]), axis=1)
            rows = np.flatnonzero(has)
            en_level[r, v, has] = worst[has].astype(np.int8)
            en_time[r, v, has] = times[step[rows, first[rows]]]
            en_lon[r, v, has] = lon[first[rows]]
            en_lat[r, v, has] = lat[first[rows]]
            end_h = times_h + dist_nm[-1] / speed
            complete = end_h <= times_h[-1] + 1e-9
            # a crossing that leaves the grid is not known whole, whenever it leaves
            en_complete[r, v] = complete & bool(on_grid.all())
            arrival[r, v, complete] = (
                times[complete] + (dist_nm[-1] / speed * 3600e9) * np.timedelta64(1, "ns")
            ).astype("datetime64[ns]")

    route_area = [str(a) for a in routes["area"]]
    trap = np.zeros(shape, np.int8)
    area_trap = np.zeros_like(window)
    for r, area_id in enumerate(route_area):
        a = area_ids.index(area_id)
        for v, vessel in enumerate(vessels):
            trap_level = params.for_vessel(vessel)[1]
            trap[r, v] = (window[a, v] == 1) & (en_level[r, v] >= trap_level)
        area_trap[a] |= trap[r]
    return _dataset(
        risk, params, vessels, times, area_ids, frame, route_ids, routes,
        {
            "departure_level": dep_level, "window": window, "area_trap": area_trap,
            "enroute_level": en_level, "enroute_complete": en_complete, "enroute_time": en_time,
            "enroute_lon": en_lon, "enroute_lat": en_lat, "arrival_time": arrival, "trap": trap,
        },
    )  # fmt: skip


def _departure_point(row: pd.Series, mask_geometry: shapely.Geometry) -> tuple[float, float]:
    for lon_key, lat_key in (("lon", "lat"), ("area_lon", "area_lat")):
        if lon_key in row and lat_key in row and pd.notna(row[lon_key]):
            return float(row[lon_key]), float(row[lat_key])
    point = mask_geometry.representative_point()
    return float(point.x), float(point.y)


def _dataset(
    risk: xr.Dataset,
    params: DepartureParams,
    vessels: list[str],
    times: np.ndarray,
    area_ids: list[str],
    frame: gpd.GeoDataFrame,
    route_ids: list[str],
    routes: gpd.GeoDataFrame,
    data: Mapping[str, np.ndarray],
) -> xr.Dataset:
    from seawatch.geo.regions import ports

    points = ports("departure")
    by_area = points.groupby("departure_area").geometry.first()
    names, lons, lats = [], [], []
    for area_id in area_ids:
        row = frame.loc[area_id]
        names.append(str(row["name"]) if "name" in row else area_id)
        if area_id in by_area.index and "lon" not in row:
            lons.append(float(by_area[area_id].x))
            lats.append(float(by_area[area_id].y))
        else:
            lon, lat = _departure_point(row, row.geometry)
            lons.append(lon)
            lats.append(lat)
    area_dims, route_dims = ("area", "vessel", "time"), ("route", "vessel", "time")
    level_flags = {
        "flag_values": np.arange(-1, len(HAZARD_LEVELS), dtype=np.int8),
        "flag_meanings": "unknown " + " ".join(HAZARD_LEVELS),
        "units": "1",
    }
    yes_no = {"flag_values": np.array([0, 1], np.int8), "units": "1"}
    ds = xr.Dataset(
        {
            "departure_level": (
                area_dims,
                data["departure_level"],
                {
                    **level_flags,
                    "long_name": "worst capsize hazard level over the departure area's sea cells",
                },
            ),
            "window": (
                area_dims,
                data["window"],
                {
                    **yes_no,
                    "flag_meanings": "no_window departure_window",
                    "long_name": "hour in a departure window (sea at the departure area at or "
                    "below the window level for at least window_min_hours)",
                },
            ),
            "area_trap": (
                area_dims,
                data["area_trap"],
                {
                    **yes_no,
                    "flag_meanings": "no_trap departure_trap",
                    "long_name": "departure window hour whose hazard en route reaches the trap "
                    "level on any route of the area",
                },
            ),
            "enroute_level": (
                route_dims,
                data["enroute_level"],
                {
                    **level_flags,
                    "long_name": "worst capsize hazard level met along the route by a boat "
                    "leaving at this hour",
                },
            ),
            "enroute_complete": (
                route_dims,
                data["enroute_complete"],
                {
                    **yes_no,
                    "flag_meanings": "partly_beyond_forecast within_forecast",
                    "long_name": "the whole crossing lies inside the forecast, in time and "
                    "on the grid",
                },
            ),
            "enroute_time": (
                route_dims,
                data["enroute_time"],
                {"long_name": "forecast step at which the worst en-route level is first met"},
            ),
            "enroute_lon": (
                route_dims,
                data["enroute_lon"],
                {
                    "standard_name": "longitude",
                    "units": "degrees_east",
                    "long_name": "where the worst en-route level is first met",
                },
            ),
            "enroute_lat": (
                route_dims,
                data["enroute_lat"],
                {
                    "standard_name": "latitude",
                    "units": "degrees_north",
                    "long_name": "where the worst en-route level is first met",
                },
            ),
            "arrival_time": (
                route_dims,
                data["arrival_time"],
                {"long_name": "arrival at the end of the route (NaT after the forecast's end)"},
            ),
            "trap": (
                route_dims,
                data["trap"],
                {
                    **yes_no,
                    "flag_meanings": "no_trap departure_trap",
                    "long_name": "departure window hour whose hazard en route reaches the trap "
                    "level",
                },
            ),
        },
        coords={
            "area": ("area", np.array(area_ids, dtype=object), {"long_name": "departure area"}),
            "area_name": ("area", np.array(names, dtype=object)),
            "area_lon": (
                "area",
                np.array(lons, np.float64),
                {"units": "degrees_east", "long_name": "departure point longitude"},
            ),
            "area_lat": (
                "area",
                np.array(lats, np.float64),
                {"units": "degrees_north", "long_name": "departure point latitude"},
            ),
            "route": ("route", np.array(route_ids, dtype=object), {"long_name": "route"}),
            "route_area": ("route", np.array([str(a) for a in routes["area"]], dtype=object)),
            "route_destination": (
                "route",
                np.array([str(d) for d in routes["destination"]], dtype=object),
            ),
            "vessel": ("vessel", np.array(vessels, dtype=object)),
            "time": ("time", times, {"standard_name": "time", "long_name": "departure time"}),
        },
    )
    attrs: dict[str, object] = {
        "title": "seawatch departure windows, hazard en route and departure traps",
        "Conventions": "CF-1.10",
        "window_min_hours": int(params.window_min_hours),
        "radius_nm": float(params.radius_nm),
        "references": (
            "docs/validation.md §0/§2 (departures fall ~7x from calmest to roughest fifth of "
            "days); MSF, Reuters 31 Aug 2016; Sea-Watch Oct 2015; Georgiou et al. 2017; "
            "Camarena et al. 2020, doi:10.1371/journal.pone.0236646"
        ),
        "comment": (
            "window and trap levels, speeds and routes are assumptions, to calibrate "
            "(seawatch.layers.departure)"
        ),
    }
    for vessel in vessels:
        window_level, trap_level, speed = params.for_vessel(vessel)
        attrs[f"window_level_{vessel}"] = window_level
        attrs[f"trap_level_{vessel}"] = trap_level
        attrs[f"speed_kn_{vessel}"] = speed
    for key in ("reference_time", "source", "model", "created_at", "demo", "risk_model_version"):
        if key in risk.attrs:
            attrs[f"risk_{key}" if key == "created_at" else key] = risk.attrs[key]
    ds.attrs = attrs
    return ds
