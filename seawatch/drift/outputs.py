"""Summaries and files of a finished drift: drift.json/.nc/.geojson/.kml/.gpx and the SITREPs.

File formats and the standards they follow:

* ``drift.nc``: CF-1.10 discrete sampling geometry, ``featureType = trajectory`` (CF section
  H.4, orthogonal multidimensional array: dims ``trajectory, time``), status as CF flags;
* ``drift.geojson``: RFC 7946 (WGS84 lon/lat, polygons counter-clockwise, no NaN);
* ``drift.kml``: OGC KML 2.2, times as ``TimeStamp`` so Google Earth's time slider steps the
  areas; ``drift.gpx``: GPX 1.1 (waypoints for OpenCPN and chart plotters);
* ``sitrep.<lang>.txt``: plain text from the message catalogue (``drift.*`` keys).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, mapping

from seawatch import __version__
from seawatch.drift.areas import (
    NM_M,
    PROBABILITIES,
    CloudSummary,
    LocalProjection,
    range_bearing,
    summarize_cloud,
)
from seawatch.drift.run import Prepared
from seawatch.jsonutil import dumps
from seawatch.timeutil import as_utc, isoformat_utc, now_utc
from seawatch.xmlutil import Namespace

KNOT_MS = NM_M / 3600.0
KML_NS = "http://www.opengis.net/kml/2.2"
GPX_NS = "http://www.topografix.com/GPX/1/1"
DECIMALS = 6  # about 0.1 m: more than any drift is worth, fewer bytes


def _r(v: float) -> float:
    return round(float(v), DECIMALS)


def _geojson(geom: shapely.Geometry) -> dict[str, Any]:
    geom = shapely.orient_polygons(shapely.set_precision(geom, 10**-DECIMALS), exterior_cw=False)
    return mapping(geom)


def _cloud_positions(sim: dict[str, Any], hours: int) -> tuple[np.ndarray, ...]:
    """lon, lat (elements x hours+1) where each element is (afloat or stranded), and masks."""
    lon, lat, status = sim["lon"], sim["lat"], sim["status"]
    n, t = lon.shape
    if t < hours + 1:  # every element stranded before the end: OpenDrift stopped early
        pad = hours + 1 - t
        lon = np.concatenate([lon, np.full((n, pad), np.nan, np.float32)], axis=1)
        lat = np.concatenate([lat, np.full((n, pad), np.nan, np.float32)], axis=1)
        status = np.concatenate([status, np.full((n, pad), -1, np.int8)], axis=1)
    meanings = sim["flag_meanings"]
    active = meanings.index("active") if "active" in meanings else 0
    stranded_code = meanings.index("stranded") if "stranded" in meanings else None
    # Deactivated elements keep their last position (OpenDrift writes NaN after deactivation).
    seen = np.isfinite(lon)
    idx = np.where(seen, np.arange(lon.shape[1]), 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    rows = np.arange(n)[:, None]
    lon_f, lat_f = lon[rows, idx], lat[rows, idx]
    st = status.copy()
    st[~seen] = -1
    last_status = st[rows, idx]
    stranded = (last_status == stranded_code) if stranded_code is not None else np.zeros_like(seen)
    afloat = seen & (status == active)
    return lon_f, lat_f, afloat, stranded


def summarize(prepared: Prepared, sim: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The contract dict (``--json``/``drift.json``) and the per-hour products for the files."""
    from seawatch.drift.hazard import hazard_along, survival_at

    req = prepared.request
    hours = req.hours
    start = as_utc(req.time)
    times = [start + dt.timedelta(hours=h) for h in range(hours + 1)]
    lon, lat, afloat, stranded = _cloud_positions(sim, hours)
    proj = LocalProjection(req.lat, req.lon)
    located = afloat | stranded
    summaries: list[CloudSummary] = []
    in90: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(hours + 1):
        m = located[:, k]
        x, y = proj.to_xy(lon[m, k].astype(float), lat[m, k].astype(float))
        s = summarize_cloud(np.asarray(x), np.asarray(y), proj)
        if s is None:
            raise RuntimeError(f"no element has a position at hour {k}")
        summaries.append(s)
        inside = shapely.contains_xy(s.areas[0.9], lon[m, k], lat[m, k])
        in90.append((lon[m, k][inside].astype(float), lat[m, k][inside].astype(float)))
    end = summaries[-1]
    n = lon.shape[0]
    stranded_end = stranded[:, -1]
    track = [
        {"time": isoformat_utc(t), "lat": _r(s.datum_lat), "lon": _r(s.datum_lon)}
        for t, s in zip(times, summaries, strict=True)
    ]
    t64 = [np.datetime64(t.replace(tzinfo=None), "ns") for t in times]
    hazard, hazard_note = hazard_along(
        prepared.risk_path,
        prepared.choice.vessel,
        t64,
        [(s.datum_lat, s.datum_lon) for s in summaries],
        in90,
    )
    survival: list[float | None] = []
    import xarray as xr

    with xr.open_dataset(prepared.forecast_path) as fc:
        for t, s in zip(t64, summaries, strict=True):
            survival.append(survival_at(fc, t, s.datum_lat, s.datum_lon))
    result: dict[str, Any] = {
        "object": prepared.choice.name,
        "leeway_category": prepared.choice.category,
        "elements": int(n),
        "start": {"lat": _r(req.lat), "lon": _r(req.lon), "time": isoformat_utc(start)},
        "end_time": isoformat_utc(times[-1]),
        "datum": {"lat": _r(end.datum_lat), "lon": _r(end.datum_lon)},
        "datum_track": track,
        "areas": [
            {
                "probability": p,
                "area_nm2": round(end.areas_nm2[p], 2),
                "polygon": _geojson(end.areas[p]),
            }
            for p in PROBABILITIES
        ],
        "stranded_fraction": round(float(stranded_end.mean()), 4),
        "forcing": dict(prepared.forcing),
        "hazard_along": hazard,
        "survival_hours": survival[-1],
        "incident_id": req.incident_id,
        "seawatch_version": __version__,
    }
    products = {
        "times": times,
        "summaries": summaries,
        "lon": lon,
        "lat": lat,
        "stranded": stranded,
        "survival": survival,
        "hazard_note": hazard_note,
        "projection": proj,
    }
    return result, products


# ------------------------------------------------------------------------------------ writers


def write_outputs(
    out: Path,
    prepared: Prepared,
    sim: dict[str, Any],
    result: dict[str, Any],
    products: dict[str, Any],
) -> None:
    """Every file of a drift into the folder ``out`` (a temporary one, moved into place after)."""
    write_netcdf(out / "drift.nc", prepared, sim, result, products)
    (out / "drift.geojson").write_text(dumps(geojson(prepared, result, products)), encoding="utf-8")
    (out / "drift.kml").write_bytes(kml(prepared, result, products))
    (out / "drift.gpx").write_bytes(gpx(prepared, result, products))
    for lang in ("en", "ar"):
        (out / f"sitrep.{lang}.txt").write_text(
            sitrep(lang, prepared, result, products), encoding="utf-8"
        )
    (out / "drift.json").write_text(dumps(result, indent=1) + "\n", encoding="utf-8")


def write_netcdf(
    path: Path,
    prepared: Prepared,
    sim: dict[str, Any],
    result: dict[str, Any],
    products: dict[str, Any],
) -> None:
    import xarray as xr

    from seawatch.drift.objects import leeway_table

    lon, lat, status = sim["lon"], sim["lat"], sim["status"]
    times = np.array([np.datetime64(t.replace("Z", ""), "s") for t in sim["times"]])
    n = lon.shape[0]
    row = leeway_table()[prepared.choice.category]
    summaries = products["summaries"]
    ds = xr.Dataset(
        {
            "lon": (
                ("trajectory", "time"),
                lon,
                {
                    "standard_name": "longitude",
                    "units": "degrees_east",
                    "long_name": "longitude of the element",
                },
            ),
            "lat": (
                ("trajectory", "time"),
                lat,
                {
                    "standard_name": "latitude",
                    "units": "degrees_north",
                    "long_name": "latitude of the element",
                },
            ),
            "status": (
                ("trajectory", "time"),
                status,
                {
                    "long_name": "element status (OpenDrift)",
                    "flag_values": np.arange(len(sim["flag_meanings"]), dtype=np.int8),
                    "flag_meanings": " ".join(sim["flag_meanings"]),
                    "comment": "-1 (fill) after the element was deactivated",
                },
            ),
            "datum_lon": (
                ("time",),
                np.array([s.datum_lon for s in summaries[: times.size]]),
                {"units": "degrees_east", "long_name": "datum (density maximum) longitude"},
            ),
            "datum_lat": (
                ("time",),
                np.array([s.datum_lat for s in summaries[: times.size]]),
                {"units": "degrees_north", "long_name": "datum (density maximum) latitude"},
            ),
        },
        coords={
            "trajectory": (
                "trajectory",
                np.arange(n, dtype=np.int32),
                {"cf_role": "trajectory_id", "long_name": "element number"},
            ),
            "time": (
                "time",
                times,
                {"standard_name": "time", "long_name": "time (UTC)", "axis": "T"},
            ),
        },
    )
    ds.attrs = {
        "Conventions": "CF-1.10",
        "featureType": "trajectory",
        "title": "seawatch drift estimate (OpenDrift Leeway)",
        "object": prepared.choice.name,
        "leeway_category": np.int32(prepared.choice.category),
        "leeway_objkey": str(row["OBJKEY"]),
        "leeway_description": str(row["Description"]),
        "object_proxy": np.int8(prepared.choice.proxy),
        "object_reason": prepared.choice.reason,
        **{
            f"leeway_{k.lower()}": float(v)
            for k, v in row.items()
            if k not in ("OBJKEY", "Description")
        },
        "start_time": result["start"]["time"],
        "start_lat": result["start"]["lat"],
        "start_lon": result["start"]["lon"],
        "radius_nm": float(prepared.request.radius_nm),
        "seed": np.int32(prepared.request.seed),
        "forcing_source": prepared.forcing["source"],
        "forcing_reference_time": prepared.forcing["reference_time"],
        "forcing_covers_until": prepared.forcing["covers_until"],
        "forcing_file": prepared.forecast_path.name,
        "land": prepared.extra.get("land", ""),
        "opendrift_version": sim.get("opendrift_version", ""),
        "seawatch_version": __version__,
        "time_step_seconds": np.int32(600),
        "incident_id": prepared.request.incident_id or "",
    }
    encoding = {
        "lon": {"zlib": True, "_FillValue": np.float32(np.nan)},
        "lat": {"zlib": True, "_FillValue": np.float32(np.nan)},
        "status": {"zlib": True, "_FillValue": np.int8(-1)},
        "time": {
            "units": "seconds since 1970-01-01 00:00:00",
            "calendar": "standard",
            "dtype": "int64",
        },
    }
    ds.to_netcdf(path, engine="netcdf4", encoding=encoding)


def _hour_label(start: dt.datetime, t: dt.datetime) -> str:
    h = round((t - start).total_seconds() / 3600)
    return f"+{h:02d}h {t:%H%M}Z"


def geojson(prepared: Prepared, result: dict[str, Any], products: dict[str, Any]) -> dict[str, Any]:
    """RFC 7946 FeatureCollection: start, datum track, datums, areas per hour, stranded."""
    times, summaries = products["times"], products["summaries"]
    start = times[0]
    choice = prepared.choice
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [result["start"]["lon"], result["start"]["lat"]],
            },
            "properties": {
                "kind": "start",
                "time": result["start"]["time"],
                "object": choice.name,
                "leeway_category": choice.category,
                "proxy": choice.proxy,
                "reason": choice.reason,
                "radius_nm": prepared.request.radius_nm,
            },
        },
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[p["lon"], p["lat"]] for p in result["datum_track"]],
            },
            "properties": {
                "kind": "datum_track",
                "start_time": result["start"]["time"],
                "end_time": result["end_time"],
            },
        },
    ]
    for t, s in zip(times, summaries, strict=True):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [_r(s.datum_lon), _r(s.datum_lat)]},
                "properties": {
                    "kind": "datum",
                    "time": isoformat_utc(t),
                    "name": _hour_label(start, t),
                },
            }
        )
    for t, s in zip(times, summaries, strict=True):
        for p in PROBABILITIES:
            features.append(
                {
                    "type": "Feature",
                    "geometry": _geojson(s.areas[p]),
                    "properties": {
                        "kind": "area",
                        "probability": p,
                        "time": isoformat_utc(t),
                        "area_nm2": round(s.areas_nm2[p], 2),
                    },
                }
            )
    stranded = products["stranded"][:, -1]
    if stranded.any():
        lon, lat = products["lon"][stranded, -1], products["lat"][stranded, -1]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiPoint",
                    "coordinates": [[_r(a), _r(b)] for a, b in zip(lon, lat, strict=True)],
                },
                "properties": {
                    "kind": "stranded",
                    "time": result["end_time"],
                    "count": int(stranded.sum()),
                    "fraction": result["stranded_fraction"],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def kml(prepared: Prepared, result: dict[str, Any], products: dict[str, Any]) -> bytes:
    """KML 2.2: LKP, hourly datums and track, 50/90 % areas per hour with time stamps."""
    from lxml import etree

    kml_ns = Namespace(KML_NS)
    el = kml_ns.sub
    root = kml_ns.root("kml")
    doc = el(root, "Document")
    el(doc, "name", f"seawatch drift {result['start']['time']} {prepared.choice.name}")
    el(
        doc,
        "description",
        f"OpenDrift Leeway category {prepared.choice.category}; {prepared.choice.reason}. Estimate, not a validated search plan.",
    )
    for sid, color in (("p50", "7f0000ff"), ("p90", "4000a5ff")):
        style = el(doc, "Style", id=sid)
        line = el(style, "LineStyle")
        el(line, "color", "ff" + color[2:])
        el(line, "width", "2")
        el(el(style, "PolyStyle"), "color", color)
    times, summaries = products["times"], products["summaries"]
    start = times[0]

    def point(parent: Any, name: str, when: dt.datetime, lon: float, lat: float) -> None:
        pm = el(parent, "Placemark")
        el(pm, "name", name)
        el(el(pm, "TimeStamp"), "when", isoformat_utc(when))
        el(el(pm, "Point"), "coordinates", f"{_r(lon)},{_r(lat)}")

    point(doc, "LKP", start, result["start"]["lon"], result["start"]["lat"])
    datums = el(doc, "Folder")
    el(datums, "name", "Datum (hourly)")
    for t, s in zip(times, summaries, strict=True):
        point(datums, _hour_label(start, t), t, s.datum_lon, s.datum_lat)
    pm = el(datums, "Placemark")
    el(pm, "name", "Datum track")
    el(
        el(pm, "LineString"),
        "coordinates",
        " ".join(f"{p['lon']},{p['lat']}" for p in result["datum_track"]),
    )
    for p in PROBABILITIES:
        folder = el(doc, "Folder")
        el(folder, "name", f"{int(p * 100)} % search area")
        for t, s in zip(times, summaries, strict=True):
            pm = el(folder, "Placemark")
            el(pm, "name", f"{int(p * 100)} % {_hour_label(start, t)} ({s.areas_nm2[p]:.1f} NM²)")
            span = el(pm, "TimeSpan")
            el(span, "begin", isoformat_utc(t))
            el(span, "end", isoformat_utc(t + dt.timedelta(hours=1)))
            el(pm, "styleUrl", f"#p{int(p * 100)}")
            multi = el(pm, "MultiGeometry")
            for poly in shapely.orient_polygons(s.areas[p], exterior_cw=False).geoms:
                pg = el(multi, "Polygon")
                outer = el(el(pg, "outerBoundaryIs"), "LinearRing")
                el(outer, "coordinates", _kml_coords(poly.exterior.coords))
                for ring in poly.interiors:
                    inner = el(el(pg, "innerBoundaryIs"), "LinearRing")
                    el(inner, "coordinates", _kml_coords(ring.coords))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _kml_coords(coords: Any) -> str:
    return " ".join(f"{_r(x)},{_r(y)}" for x, y in coords)


def _corners(area: MultiPolygon) -> list[tuple[float, float]]:
    """Corners (lon, lat) of the smallest rotated rectangle around an area, for a plotter."""
    rect = shapely.oriented_envelope(area)
    coords = list(rect.exterior.coords)[:-1] if rect.geom_type == "Polygon" else list(rect.coords)
    return [(float(x), float(y)) for x, y in coords]


def gpx(prepared: Prepared, result: dict[str, Any], products: dict[str, Any]) -> bytes:
    """GPX 1.1: LKP and hourly datum waypoints, corners of the final 50/90 % areas as routes."""
    from lxml import etree

    gpx_ns = Namespace(GPX_NS)
    el = gpx_ns.sub
    root = gpx_ns.root("gpx", version="1.1", creator=f"seawatch {__version__}")
    meta = el(root, "metadata")
    el(meta, "name", f"seawatch drift {prepared.choice.name} from {result['start']['time']}")
    el(
        meta,
        "desc",
        f"OpenDrift Leeway category {prepared.choice.category}. Estimate, not a validated search plan.",
    )
    el(meta, "time", isoformat_utc(now_utc()))
    times, summaries = products["times"], products["summaries"]
    start = times[0]

    def wpt(lon: float, lat: float, when: dt.datetime, name: str, desc: str) -> None:
        w = el(root, "wpt", lat=f"{lat:.6f}", lon=f"{lon:.6f}")
        el(w, "time", isoformat_utc(when))
        el(w, "name", name)
        el(w, "desc", desc)
        el(w, "sym", "Waypoint")

    wpt(result["start"]["lon"], result["start"]["lat"], start, "LKP", "last known position")
    for t, s in zip(times, summaries, strict=True):
        wpt(
            s.datum_lon,
            s.datum_lat,
            t,
            f"D{_hour_label(start, t)}",
            "datum (most probable position)",
        )
    end = summaries[-1]
    routes = []
    for p in PROBABILITIES:
        corners = _corners(end.areas[p])
        tag = f"A{int(p * 100)}"
        for i, (x, y) in enumerate(corners, 1):
            wpt(
                x,
                y,
                times[-1],
                f"{tag}-{i}",
                f"corner {i} of the {int(p * 100)} % search area at {times[-1]:%H%MZ}",
            )
        routes.append((tag, p, corners))
    for tag, p, corners in routes:
        rte = el(root, "rte")
        el(rte, "name", f"{tag} {int(p * 100)} % area {times[-1]:%d %H%MZ}")
        for i, (x, y) in enumerate([*corners, corners[0]], 1):
            pt = el(rte, "rtept", lat=f"{y:.6f}", lon=f"{x:.6f}")
            el(pt, "name", f"{tag}-{(i - 1) % len(corners) + 1}")
    trk = el(root, "trk")
    el(trk, "name", "datum track")
    seg = el(trk, "trkseg")
    for t, s in zip(times, summaries, strict=True):
        pt = el(seg, "trkpt", lat=f"{s.datum_lat:.6f}", lon=f"{s.datum_lon:.6f}")
        el(pt, "time", isoformat_utc(t))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sitrep(lang: str, prepared: Prepared, result: dict[str, Any], products: dict[str, Any]) -> str:
    """Plain-text SITREP-style summary in ``lang`` (``en`` or ``ar``)."""
    from seawatch.drift.objects import leeway_table
    from seawatch.geo.positions import format_ddm
    from seawatch.i18n import messages
    from seawatch.schema import forecast_age_hours

    m = messages(lang)
    times, summaries = products["times"], products["summaries"]
    start, end_t = times[0], times[-1]
    end = summaries[-1]
    dist, bearing = range_bearing(
        prepared.request.lat, prepared.request.lon, end.datum_lat, end.datum_lon
    )
    speed = dist / max(prepared.request.hours, 1)
    row = leeway_table()[prepared.choice.category]
    lines = [m["drift.title"], m["drift.caveat"], ""]
    name = prepared.choice.name
    lines.append(
        m["drift.object"].format(
            object=m.get(f"drift.name.{name}", name),
            category=prepared.choice.category,
            objkey=row["OBJKEY"],
        )
    )
    if prepared.choice.proxy:
        reason = m.get(f"drift.reason.{name}", prepared.choice.reason)
        lines.append(m["drift.proxy"].format(reason=reason))
    lines.append(
        m["drift.lkp"].format(
            position=format_ddm(prepared.request.lat, prepared.request.lon),
            time=f"{start:%Y-%m-%d %H:%M}",
            radius=f"{prepared.request.radius_nm:g}",
            elements=result["elements"],
            seed=prepared.request.seed,
        )
    )
    lines.append("")
    lines.append(
        m["drift.datum"].format(
            time=f"{end_t:%Y-%m-%d %H:%M}",
            position=format_ddm(end.datum_lat, end.datum_lon),
            distance=f"{dist:.1f}",
            bearing=f"{bearing:03.0f}",
            speed=f"{speed / 1.0:.2f}",
        )
    )
    for a in result["areas"]:
        lines.append(
            m["drift.area"].format(percent=int(a["probability"] * 100), area=f"{a['area_nm2']:.1f}")
        )
    lines.append(m["drift.stranded"].format(percent=f"{result['stranded_fraction'] * 100:.0f}"))
    lines.append(_hazard_line(m, result, products))
    survival = result.get("survival_hours")
    if survival is not None:
        lines.append(m["drift.survival"].format(hours=f"{survival:.0f}"))
    age = forecast_age_hours(_maybe_time(prepared.forcing["reference_time"]), now_utc())
    lines.append(
        m["drift.forcing"].format(
            source=prepared.forcing["source"],
            run=prepared.forcing["reference_time"] or "?",
            age=_age_text(m, age),
            until=prepared.forcing["covers_until"],
        )
    )
    lines.append("")
    lines.append(m["drift.track_header"])
    lkp_lat, lkp_lon = prepared.request.lat, prepared.request.lon
    for t, s in zip(times, summaries, strict=True):
        d, b = range_bearing(lkp_lat, lkp_lon, s.datum_lat, s.datum_lon)
        lines.append(
            f"{t:%d %H:%M}Z  {format_ddm(s.datum_lat, s.datum_lon)}  {d:6.1f} NM {b:03.0f}°  "
            f"{s.areas_nm2[0.9]:8.1f} NM²"
        )
    return "\n".join(lines) + "\n"


def _age_text(m: Any, hours: float | None) -> str:
    if hours is None:
        return m["age.unknown"]
    if hours < 0:
        return m["age.future"].format(hours=round(-hours))
    if hours < 48:
        return m["age.hours"].format(hours=round(hours))
    days, rest = divmod(round(hours), 24)
    return m["age.days"].format(days=days, hours=rest)


def _maybe_time(text: str) -> dt.datetime | None:
    try:
        return as_utc(text) if text else None
    except ValueError:
        return None


def _hazard_line(m: Any, result: dict[str, Any], products: dict[str, Any]) -> str:
    hazard = result.get("hazard_along")
    if not hazard:
        return m["drift.hazard_none"].format(reason=products.get("hazard_note") or "")
    worst = max(hazard, key=lambda h: h["level"])
    first_high = next((h for h in hazard if h["level"] >= 2), None)
    if first_high is None:
        return m["drift.hazard_stays"].format(level=m[f"hazard.{worst['level_name']}"])
    survival = dict(
        zip([isoformat_utc(t) for t in products["times"]], products["survival"], strict=True)
    )
    hours = survival.get(first_high["time"])
    at_start = first_high["time"] == isoformat_utc(products["times"][0])
    key = "drift.hazard_at_start" if at_start else "drift.hazard_enters"
    line = m[key].format(
        level=m[f"hazard.{first_high['level_name']}"], time=first_high["time"][11:16]
    )
    if hours is not None:
        line += m["drift.hazard_survival"].format(hours=f"{hours:.0f}")
    if worst["level"] > first_high["level"]:
        line += m["drift.hazard_worst"].format(
            level=m[f"hazard.{worst['level_name']}"], time=worst["time"][11:16]
        )
    return line
