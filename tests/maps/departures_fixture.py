"""A departures dataset and routes frame built by hand, in the shape of the departures contract.

Scenario (hourly, from the first forecast hour; rubber dinghies): at Zuwara the sea is High for the
first 4 h, calm (Low) from hour 4 to 17 and Moderate to hour 23 (a 20 h departure window), then
a storm makes it Severe from hour 24 to 34. A dinghy needs 12 h to cross, so departures from hour
12 on meet the storm on the way: hours 12-23 are **traps** (window hours whose en-route hazard
reaches High), hours 4-11 are safe windows; the calm after the storm (hours 35-47) is a window
again. Other areas follow a smooth daily swing (offset per
area); Benghazi lies outside the test grid and has no data (-1). Wooden and small boats see one
level less (no trap for wooden boats, whose trap level is Severe).

En-route hazard here is a stand-in rule (the worst departure-area level over the crossing hours,
met at the point of the route the boat has reached then), not the science of
``seawatch.layers.departure``: these tests are about drawing what the dataset says.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr
from shapely.geometry import LineString

from seawatch.schema import VESSELS

AREAS = {  # id: (English name, lon, lat)
    "zuwara": ("Zuwara", 12.08, 32.93),
    "sabratha": ("Sabratha", 12.48, 32.79),
    "tripoli": ("Tripoli", 13.18, 32.9),
    "garabulli": ("Garabulli", 13.72, 32.76),
    "al-khums": ("Al Khums", 14.27, 32.65),
    "benghazi": ("Benghazi", 20.07, 32.12),
}
ROUTES = {  # id: (area, destination, English, Arabic, lon/lat vertices at sea)
    "zuwara-lampedusa": (
        "zuwara",
        "lampedusa",
        "Zuwara → Lampedusa",
        "زوارة ← لامبيدوزا",
        [(12.10, 33.00), (12.25, 33.60), (12.45, 34.60), (12.58, 35.40)],
    ),
    "sabratha-lampedusa": (
        "sabratha",
        "lampedusa",
        "Sabratha → Lampedusa",
        "صبراتة ← لامبيدوزا",
        [(12.48, 32.88), (12.55, 34.00), (12.62, 35.40)],
    ),
    "tripoli-malta": (
        "tripoli",
        "malta",
        "Tripoli → Malta",
        "طرابلس ← مالطا",
        [(13.18, 32.98), (13.90, 34.20), (14.45, 35.75)],
    ),
    "garabulli-lampedusa": (
        "garabulli",
        "lampedusa",
        "Garabulli → Lampedusa",
        "القرة بوللي ← لامبيدوزا",
        [(13.72, 32.85), (13.10, 34.00), (12.66, 35.42)],
    ),
    "al-khums-sicily": (
        "al-khums",
        "sicily",
        "Al Khums → Sicily",
        "الخمس ← صقلية",
        [(14.27, 32.75), (14.60, 34.50), (14.85, 36.60)],
    ),
}
CROSSING_HOURS = {"rubber_dinghy": 12, "wooden_boat": 16, "small_boat": 10}
WINDOW_LEVEL = {"rubber_dinghy": 1, "wooden_boat": 1, "small_boat": 1}
TRAP_LEVEL = {"rubber_dinghy": 2, "wooden_boat": 3, "small_boat": 3}
WINDOW_MIN_HOURS = 6


def make_routes(extra: int = 0) -> gpd.GeoDataFrame:
    """The routes above (plus ``extra`` made-up ones from the same areas, for size tests)."""
    rows = []
    for rid, (area, dest, name, name_ar, coords) in ROUTES.items():
        rows.append((rid, area, dest, name, name_ar, "test fixture", LineString(coords)))
    for k in range(extra):
        rid, (area, dest, name, name_ar, coords) = list(ROUTES.items())[k % len(ROUTES)]
        shifted = [(x + 0.05 * (k + 1), y) for x, y in coords]
        rows.append(
            (
                f"{rid}-{k}",
                area,
                dest,
                f"{name} ({k})",
                name_ar,
                "test fixture",
                LineString(shifted),
            )
        )
    return gpd.GeoDataFrame(
        rows,
        columns=["id", "area", "destination", "name", "name_ar", "source", "geometry"],
        crs="EPSG:4326",
    )


def _area_levels(area: str, k: int, hours: np.ndarray) -> np.ndarray:
    if area == "zuwara":
        level = np.select([hours < 4, hours < 18, hours < 24, hours < 35], [2, 0, 1, 3], default=1)
    elif area == "benghazi":
        level = np.full(hours.shape, -1)
    else:
        level = np.round(1.6 + 1.6 * np.sin(2 * np.pi * (hours + 7 * k) / 30.0))
    return np.clip(level, -1, 4).astype(np.int8)


def _windows(level: np.ndarray, limit: int, min_hours: int) -> np.ndarray:
    ok = (level >= 0) & (level <= limit)
    out = np.zeros(level.shape, dtype=np.int8)
    start = None
    for i, flag in enumerate([*ok, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= min_hours:
                out[start:i] = 1
            start = None
    return out


def make_departures(
    times: np.ndarray,
    routes: gpd.GeoDataFrame | None = None,
    areas: dict[str, tuple[str, float, float]] | None = None,
) -> xr.Dataset:
    """Departures dataset (area, route, vessel, time) of the contract, for ``times`` (hourly).

    ``areas`` (id: (name, lon, lat)) adds areas to :data:`AREAS` (the benchmark uses every
    departure area of the gazetteer); the added ones get the daily swing.
    """
    routes = make_routes() if routes is None else routes
    table = {**AREAS, **(areas or {})}
    times = pd.DatetimeIndex(times).values
    hours = np.arange(len(times))
    areas = list(table)
    vessels = list(VESSELS)
    nt, na, nr, nv = len(times), len(areas), len(routes), len(vessels)
    dep = np.zeros((na, nv, nt), dtype=np.int8)
    window = np.zeros_like(dep)
    for a, area in enumerate(areas):
        base = _area_levels(area, a, hours)
        for v, vessel in enumerate(vessels):
            lv = base if vessel == "rubber_dinghy" else np.where(base > 0, base - 1, base)
            dep[a, v] = lv
            window[a, v] = _windows(lv, WINDOW_LEVEL[vessel], WINDOW_MIN_HOURS)

    enroute = np.full((nr, nv, nt), -1, dtype=np.int8)
    complete = np.zeros((nr, nv, nt), dtype=np.int8)
    trap = np.zeros((nr, nv, nt), dtype=np.int8)
    when = np.full((nr, nv, nt), np.datetime64("NaT"), dtype="datetime64[ns]")
    arrival = np.full((nr, nv, nt), np.datetime64("NaT"), dtype="datetime64[ns]")
    lon = np.full((nr, nv, nt), np.nan, dtype=np.float32)
    lat = np.full((nr, nv, nt), np.nan, dtype=np.float32)
    route_area = [str(a) for a in routes["area"]]
    for r, line in enumerate(routes.geometry):
        a = areas.index(route_area[r])
        for v, vessel in enumerate(vessels):
            hours_across = CROSSING_HOURS[vessel]
            for t in range(nt):
                seen = dep[a, v, t : t + hours_across + 1]
                if (seen < 0).all():
                    continue
                worst = int(seen.max())
                at = int(np.argmax(seen))
                enroute[r, v, t] = worst
                complete[r, v, t] = int(t + hours_across < nt)
                when[r, v, t] = times[t] + np.timedelta64(at, "h")
                if t + hours_across < nt:
                    arrival[r, v, t] = times[t] + np.timedelta64(hours_across, "h")
                point = line.interpolate(at / hours_across, normalized=True)
                lon[r, v, t], lat[r, v, t] = point.x, point.y
                trap[r, v, t] = int(window[a, v, t] == 1 and worst >= TRAP_LEVEL[vessel])
    area_trap = np.zeros_like(dep)
    for r in range(nr):
        a = areas.index(route_area[r])
        area_trap[a] = np.maximum(area_trap[a], trap[r])

    ds = xr.Dataset(
        coords={
            "area": areas,
            "area_name": ("area", [table[a][0] for a in areas]),
            "area_lon": ("area", [table[a][1] for a in areas]),
            "area_lat": ("area", [table[a][2] for a in areas]),
            "route": [str(r) for r in routes["id"]],
            "route_area": ("route", route_area),
            "route_destination": ("route", [str(d) for d in routes["destination"]]),
            "vessel": vessels,
            "time": times,
        }
    )
    ds["departure_level"] = (("area", "vessel", "time"), dep)
    ds["window"] = (("area", "vessel", "time"), window)
    ds["area_trap"] = (("area", "vessel", "time"), area_trap)
    ds["enroute_level"] = (("route", "vessel", "time"), enroute)
    ds["enroute_complete"] = (("route", "vessel", "time"), complete)
    ds["enroute_time"] = (("route", "vessel", "time"), when)
    ds["enroute_lon"] = (("route", "vessel", "time"), lon)
    ds["enroute_lat"] = (("route", "vessel", "time"), lat)
    ds["arrival_time"] = (("route", "vessel", "time"), arrival)
    ds["trap"] = (("route", "vessel", "time"), trap)
    ds.attrs = {
        **{f"window_level_{v}": WINDOW_LEVEL[v] for v in vessels},
        **{f"trap_level_{v}": TRAP_LEVEL[v] for v in vessels},
        "window_min_hours": WINDOW_MIN_HOURS,
        "references": "test fixture (tests/maps/departures_fixture.py)",
    }
    return ds
