"""Drift outputs written by hand after the contract (``/work/contracts/drift.md``, issue 16).

:func:`make_drift` gives what ``seawatch drift --json`` prints (``drift.json``) plus the
``drift.geojson`` FeatureCollection, KML and GPX text, for a boat drifting at a steady speed and
bearing whose 50 % and 90 % areas grow linearly with time. The numbers are a fixture, not a
model: they only have to follow the contract's shapes so storage, the web service, the map layer
and the e-mail can be tested before (and independently of) the engine.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pyproj
import shapely
from shapely.geometry import mapping

NM_M = 1852.0
GEOD = pyproj.Geod(ellps="WGS84")


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _circle(lat: float, lon: float, radius_nm: float) -> dict[str, Any]:
    """A geodesic circle as a GeoJSON Polygon (counter-clockwise, RFC 7946)."""
    lons, lats, _ = GEOD.fwd(
        [lon] * 36, [lat] * 36, list(range(0, 360, 10)), [radius_nm * NM_M] * 36
    )
    ring = [(round(x, 5), round(y, 5)) for x, y in zip(lons, lats, strict=True)]
    polygon = shapely.geometry.polygon.orient(shapely.Polygon(ring), sign=1.0)
    return mapping(polygon)


def make_drift(
    lat: float = 33.8667,
    lon: float = 12.5167,
    start: dt.datetime = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC),
    hours: int = 24,
    speed_kn: float = 1.0,
    bearing_deg: float = 120.0,
    incident_id: str | None = None,
) -> dict[str, Any]:
    """``{"json": drift.json dict, "geojson": FeatureCollection, "kml": str, "gpx": str}``.

    The 90 % radius is ``1 + 0.5 * h`` NM after ``h`` hours, the 50 % radius half of it, so
    areas are ``pi * r**2`` NM² (geodesic circles: within a fraction of a percent).
    """
    track = []
    features: list[dict[str, Any]] = []
    areas_end: list[dict[str, Any]] = []
    for h in range(hours + 1):
        when = start + dt.timedelta(hours=h)
        lon_h, lat_h, _ = GEOD.fwd(lon, lat, bearing_deg, speed_kn * h * NM_M)
        point = {"time": _iso(when), "lat": round(lat_h, 5), "lon": round(lon_h, 5)}
        track.append(point)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [point["lon"], point["lat"]]},
                "properties": {"kind": "datum", "time": point["time"]},
            }
        )
        r90 = 1.0 + 0.5 * h
        for probability, radius in ((0.5, r90 / 2), (0.9, r90)):
            polygon = _circle(lat_h, lon_h, radius)
            area = round(math.pi * radius * radius, 1)
            features.append(
                {
                    "type": "Feature",
                    "geometry": polygon,
                    "properties": {
                        "kind": "area",
                        "probability": probability,
                        "time": point["time"],
                        "area_nm2": area,
                    },
                }
            )
            if h == hours:
                areas_end.append({"probability": probability, "area_nm2": area, "polygon": polygon})
    features.insert(
        0,
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": "start", "time": _iso(start)},
        },
    )
    features.insert(
        1,
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[p["lon"], p["lat"]] for p in track],
            },
            "properties": {"kind": "datum_track"},
        },
    )
    end = start + dt.timedelta(hours=hours)
    result = {
        "object": "rubber_dinghy",
        "leeway_category": 26,
        "elements": 5000,
        "start": {"lat": lat, "lon": lon, "time": _iso(start)},
        "end_time": _iso(end),
        "datum": {"lat": track[-1]["lat"], "lon": track[-1]["lon"]},
        "datum_track": track,
        "areas": areas_end,
        "stranded_fraction": 0.0,
        "forcing": {
            "source": "open_meteo",
            "reference_time": _iso(start - dt.timedelta(hours=3)),
            "covers_until": _iso(end + dt.timedelta(hours=48)),
        },
        "hazard_along": [
            {
                "time": p["time"],
                "level": 3 if i >= 11 else 1,
                "level_name": "severe" if i >= 11 else "moderate",
                "share_90_high_or_worse": 0.6 if i >= 11 else 0.0,
            }
            for i, p in enumerate(track)
        ],
        "survival_hours": 3.0,
        "incident_id": incident_id,
        "seawatch_version": "test",
    }
    kml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
        "<Document><name>seawatch drift</name>"
        + "".join(
            f"<Placemark><name>{p['time'][11:16]} UTC</name><Point><coordinates>"
            f"{p['lon']},{p['lat']}</coordinates></Point></Placemark>"
            for p in track
        )
        + "</Document></kml>\n"
    )
    gpx = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="seawatch" '
        'xmlns="http://www.topografix.com/GPX/1/1">'
        + "".join(
            f'<wpt lat="{p["lat"]}" lon="{p["lon"]}"><time>{p["time"]}</time>'
            f"<name>{p['time'][11:16]}Z</name></wpt>"
            for p in track
        )
        + "</gpx>\n"
    )
    # through JSON, as the engine writes them (tuples become lists)
    return {
        "json": json.loads(json.dumps(result)),
        "geojson": json.loads(json.dumps({"type": "FeatureCollection", "features": features})),
        "kml": kml,
        "gpx": gpx,
    }
