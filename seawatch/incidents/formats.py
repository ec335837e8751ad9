"""Exports that GIS tools and chart plotters open: GeoJSON, CSV, KML and GPX.

* GeoJSON (RFC 7946): a FeatureCollection of Points ``[lon, lat]`` in WGS84, no ``crs`` member,
  every record field as a property (times ISO 8601 UTC) plus ``position_ddm``.
* CSV: one row per incident with ``lat``/``lon`` in decimal degrees and ``lat_ddm``/``lon_ddm``
  (``33°12.500'N``, ``012°45.300'E``); flags joined by ``;``. GDAL reads the points with
  ``X_POSSIBLE_NAMES=lon Y_POSSIBLE_NAMES=lat``.
* KML 2.2: one Placemark per incident with a TimeStamp, an HTML-free description and the fields
  as ExtendedData (Google Earth, QGIS).
* GPX 1.1: one waypoint per incident (OpenCPN and other chart plotters), a short name unique in
  the file (``YYYY-MM-DD <id prefix>``; the prefix also works with ``seawatch incidents show``), a
  symbol OpenCPN draws for the status, time, description with the position in degrees and
  minutes and the counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from seawatch import __version__
from seawatch.errors import DataError
from seawatch.geo.positions import format_lat_ddm_array, format_lon_ddm_array
from seawatch.incidents.model import RECORD_FIELDS
from seawatch.jsonutil import dumps
from seawatch.storage import atomic_write_text
from seawatch.timeutil import isoformat_utc, now_utc

__all__ = ["FORMATS", "export", "to_csv", "to_geojson", "to_gpx", "to_kml"]

Record = Mapping[str, Any]
CSV_COLUMNS = (
    "id",
    "time",
    "lat",
    "lon",
    "lat_ddm",
    "lon_ddm",
    *(f for f in RECORD_FIELDS if f not in ("id", "time", "lat", "lon")),
)


_NATIVE = (str, int, list, bool, type(None))


class _Plain:
    """JSON-ready values: ISO times (each distinct time converted once), None for missing."""

    def __init__(self) -> None:
        self._times: dict[Any, str] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind in _NATIVE:
            return value
        if kind is float:
            return None if value != value else value
        if isinstance(value, dt.datetime):
            text = self._times.get(value)
            if text is None:
                text = self._times[value] = isoformat_utc(value)
            return text
        if hasattr(value, "item") and not isinstance(value, tuple):  # numpy scalars
            return value.item()
        if kind.__name__ in ("NAType", "NaTType"):
            return None
        return value


def _plain(value: Any) -> Any:
    """JSON-ready value, without a cache (for the odd value outside an export loop)."""
    return _Plain()(value)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: Any) -> str:
    """Text for an XML element: escaped, without characters XML 1.0 forbids."""
    if text is None:
        return ""
    text = str(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if not text.isprintable() and _XML_INVALID.search(text):
        text = _XML_INVALID.sub("", text)
    return text


_TIME_FIELDS = ("time", "created_at", "updated_at")
_FIELD_SET = frozenset(RECORD_FIELDS)


def _positions(records: list[Record]) -> tuple[list[float], list[float], list[str], list[str]]:
    lat = [float(r["lat"]) for r in records]
    lon = [float(r["lon"]) for r in records]
    return lat, lon, format_lat_ddm_array(lat), format_lon_ddm_array(lon)


def geojson_features(records: Iterable[Record]) -> list[str]:
    """Each record as an RFC 7946 Feature, as JSON text: the parts :func:`to_geojson` joins
    (the web service keeps them per incident version and joins them the same way)."""
    records = list(records)
    lat, lon, lat_ddm, lon_ddm = _positions(records)
    plain = _Plain()
    texts = []
    for i, rec in enumerate(records):
        if rec.keys() == _FIELD_SET:  # a store record: copy it whole
            properties = dict(rec)
        else:
            properties = {name: rec.get(name) for name in RECORD_FIELDS}
        for name in _TIME_FIELDS:
            properties[name] = plain(properties[name])
        properties["position_ddm"] = f"{lat_ddm[i]} {lon_ddm[i]}"
        feature = {
            "type": "Feature",
            "id": rec.get("id"),
            "geometry": {"type": "Point", "coordinates": [lon[i], lat[i]]},
            "properties": properties,
        }
        try:
            texts.append(dumps(feature))
        except ValueError:  # NaN from a DataFrame: clean every value (slower, rare)
            feature["properties"] = {k: plain(v) for k, v in properties.items()}
            texts.append(dumps(feature))
    return texts


def geojson_collection(features: Iterable[str]) -> str:
    """A FeatureCollection (UTF-8 text) of Features given as JSON text."""
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}\n"


def to_geojson(records: Iterable[Record]) -> str:
    """RFC 7946 FeatureCollection (UTF-8 text)."""
    return geojson_collection(geojson_features(records))


def to_csv(records: Iterable[Record]) -> str:
    """CSV with decimal and degrees-decimal-minutes columns."""
    records = list(records)
    lat, lon, lat_ddm, lon_ddm = _positions(records)
    plain = _Plain()
    rest = CSV_COLUMNS[6:]
    times = [rest.index(name) for name in ("created_at", "updated_at")]
    flags = rest.index("flags")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i, rec in enumerate(records):
        values = [rec.get(name) for name in rest]
        for j in times:
            values[j] = plain(values[j])
        values[flags] = ";".join(values[flags] or [])
        row = [rec.get("id"), plain(rec.get("time")), f"{lat[i]:.6f}", f"{lon[i]:.6f}"]
        row += [lat_ddm[i], lon_ddm[i]]
        # csv writes None as an empty field; other values need cleaning only when they come
        # from a DataFrame (NaN, numpy scalars, pandas NA)
        row += [_cell(v) if type(v) in _NATIVE else plain(v) for v in values]
        writer.writerow(row)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """A text that starts like a formula (= + - @, tab, CR) gets a leading ' so spreadsheets
    show it instead of running it (CSV injection); positions and numbers are written apart."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _title(rec: Record) -> str:
    time = rec.get("time")
    stamp = time.astimezone(dt.UTC).strftime("%Y-%m-%d %H%MZ") if time else "undated"
    return f"{stamp} {rec.get('status') or ''}".strip()


def _summary(rec: Record, ddm: str) -> str:
    parts = [ddm]
    for name in ("persons", "dead", "missing", "survivors"):
        value = _plain(rec.get(name))
        if value is not None:
            parts.append(f"{name} {value}")
    if rec.get("boat_type") and rec.get("boat_type") != "unknown":
        parts.append(f"boat {rec['boat_type']}")
    source = f"source {rec.get('source')}"
    parts.append(source + (f" {rec['source_id']}" if rec.get("source_id") else ""))
    if rec.get("location"):
        parts.append(str(rec["location"]))
    if rec.get("flags"):
        parts.append("flags: " + ", ".join(rec["flags"]))
    return "; ".join(parts)


_KML_STYLES = {
    "distress": "ff0000ff",
    "capsized": "ff0000aa",
    "sunk": "ff000066",
    "missing": "ff00a5ff",
    "intercepted": "ff00ffff",
    "rescued": "ff00ff00",
    "closed": "ff888888",
    "retracted": "ffcccccc",
}


def to_kml(records: Iterable[Record], name: str = "seawatch incidents") -> str:
    """KML 2.2 document, one styled Placemark per incident."""
    records = list(records)
    lat, lon, lat_ddm, lon_ddm = _positions(records)
    plain = _Plain()
    fields = [f for f in RECORD_FIELDS if f not in ("lat", "lon")]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        "<Document>",
        f"<name>{_xml(name)}</name>",
    ]
    for status, colour in _KML_STYLES.items():
        out.append(
            f'<Style id="{status}"><IconStyle><color>{colour}</color><scale>1.1</scale>'
            "</IconStyle></Style>"
        )
    for i, rec in enumerate(records):
        time = plain(rec.get("time"))
        status = rec.get("status")
        data = []
        for field in fields:
            value = rec.get(field)
            value = ";".join(value or []) or None if field == "flags" else plain(value)
            if value is not None:
                data.append(f'<Data name="{field}"><value>{_xml(value)}</value></Data>')
        out.append(
            f"<Placemark id={quoteattr('i' + str(rec.get('id')))}>"
            f"<name>{_xml(_title(rec))}</name>"
            f"<description>{_xml(_summary(rec, f'{lat_ddm[i]} {lon_ddm[i]}'))}</description>"
            + (f"<TimeStamp><when>{time}</when></TimeStamp>" if time else "")
            + (f"<styleUrl>#{status}</styleUrl>" if status in _KML_STYLES else "")
            + f"<ExtendedData>{''.join(data)}</ExtendedData>"
            f"<Point><coordinates>{lon[i]:.7f},{lat[i]:.7f},0</coordinates></Point>"
            "</Placemark>"
        )
    out += ["</Document>", "</kml>", ""]
    return "\n".join(out)


# Waypoint symbols by status, among the icon names OpenCPN ships: the "legacy" keys its
# WayPointmanGui::ProcessDefaultIcons registers (gui/src/waypointman_gui.cpp: triangle, circle,
# square, mob, wreck1, wreck2, xmblue, ...) and the SVG names in its data/svg/markicons
# (Symbol-Exclamation-Red.svg), which it registers under the file name. An unknown <sym> is drawn
# as a plain default mark.
GPX_SYMBOLS = {
    "distress": "Symbol-Exclamation-Red",
    "capsized": "wreck1",
    "sunk": "wreck2",
    "missing": "mob",
    "intercepted": "triangle",
    "rescued": "circle",
    "closed": "square",
    "retracted": "xmblue",
}
GPX_DEFAULT_SYMBOL = "circle"
_MIN_ID_CHARS = 6  # 16**6 ids: a prefix this long rarely needs more to be unique


def _short_ids(records: list[Record]) -> list[str]:
    """For each record the shortest prefix of its id (at least 6 characters) no other has."""
    ids = [str(r.get("id") or f"row{i}") for i, r in enumerate(records)]
    width = _MIN_ID_CHARS
    while width < max((len(i) for i in ids), default=0):
        prefixes = [i[:width] for i in ids]
        if len(set(prefixes)) == len(set(ids)):
            break
        width += 1
    return [i[:width] for i in ids]


def _gpx_names(records: list[Record]) -> list[str]:
    """Short waypoint names, unique in the file: ``YYYY-MM-DD <id prefix>``."""
    names = []
    for rec, short in zip(records, _short_ids(records), strict=True):
        time = rec.get("time")
        day = time.astimezone(dt.UTC).strftime("%Y-%m-%d") if time else "undated"
        names.append(f"{day} {short}")
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # the same id twice in one export: still unique names
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} #{seen[name]}"
    return names


def to_gpx(records: Iterable[Record], name: str = "seawatch incidents") -> str:
    """GPX 1.1 waypoints (chart plotters: OpenCPN, handheld GPS)."""
    records = list(records)
    names = _gpx_names(records)
    lat, lon, lat_ddm, lon_ddm = _positions(records)
    plain = _Plain()
    now = isoformat_utc(now_utc())
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<gpx version="1.1" creator="seawatch {_xml(__version__)}" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.topografix.com/GPX/1/1 '
        'http://www.topografix.com/GPX/1/1/gpx.xsd">',
        f"<metadata><name>{_xml(name)}</name><time>{now}</time></metadata>",
    ]
    for i, rec in enumerate(records):
        time = plain(rec.get("time"))
        notes = rec.get("notes")
        out.append(
            # GPX longitudes are -180 <= lon < 180
            f'<wpt lat="{lat[i]:.7f}" lon="{-180.0 if lon[i] >= 180.0 else lon[i]:.7f}">'
            + (f"<time>{time}</time>" if time else "")
            + f"<name>{_xml(names[i])}</name>"
            + (f"<cmt>{_xml(notes)}</cmt>" if notes else "")
            + f"<desc>{_xml(_summary(rec, f'{lat_ddm[i]} {lon_ddm[i]}'))}</desc>"
            f"<src>{_xml(rec.get('source'))}</src>"
            f"<sym>{GPX_SYMBOLS.get(str(rec.get('status')), GPX_DEFAULT_SYMBOL)}</sym>"
            f"<type>{_xml(rec.get('status'))}</type>"
            "</wpt>"
        )
    out += ["</gpx>", ""]
    return "\n".join(out)


FORMATS: dict[str, tuple[str, Callable[[Iterable[Record]], str]]] = {
    "geojson": (".geojson", to_geojson),
    "csv": (".csv", to_csv),
    "kml": (".kml", to_kml),
    "gpx": (".gpx", to_gpx),
}
"""Format name -> (file suffix, writer)."""


def export(records: Iterable[Record], fmt: str, path: str | Path | None = None) -> str:
    """Render records in ``fmt``; write to ``path`` atomically when given.

    Returns
    -------
    str
        The exported text.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise DataError(f"unknown export format {fmt!r}; choose {', '.join(FORMATS)}")
    text = FORMATS[fmt][1](list(records))
    if path is not None:
        atomic_write_text(path, text)
    return text
