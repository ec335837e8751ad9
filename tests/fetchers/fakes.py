"""Local stand-ins for the providers' HTTP servers, speaking their real protocols.

* :class:`OpenMeteoFake` answers ``/v1/marine`` and ``/v1/forecast`` (GET or POST form) the
  way Open-Meteo does: one object for one location, a list with ``location_id`` for several,
  coordinates snapped to model cells, ``null`` near the coast, currents in km/h (its default),
  400 with ``{"error": true, "reason": ...}`` for unknown variables or too many locations.
* :func:`range_file_handler` serves files with ``Accept-Ranges: bytes``, single ranges
  (206 + Content-Range) and multiple ranges (``multipart/byteranges``), like data.ecmwf.int.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from werkzeug import Request, Response

MARINE_UNITS = {
    "wave_height": "m",
    "wave_peak_period": "s",
    "wave_period": "s",
    "wave_direction": "°",
    "wind_wave_height": "m",
    "wind_wave_period": "s",
    "wind_wave_direction": "°",
    "swell_wave_height": "m",
    "swell_wave_period": "s",
    "swell_wave_direction": "°",
    "ocean_current_velocity": "km/h",
    "ocean_current_direction": "°",
    "sea_surface_temperature": "°C",
}
FORECAST_UNITS = {"wind_speed_10m": "km/h", "wind_direction_10m": "°", "wind_gusts_10m": "km/h"}
CLOSED_PORT = "http://127.0.0.1:9"
"""The discard port on loopback: nothing listens, so a fetch fails at once, on this machine."""


def source_env(base_url: str = CLOSED_PORT) -> dict[str, str]:
    """``SEAWATCH_*`` variables that send every provider seawatch fetches from (Open-Meteo
    forecast and hindcast, ECMWF open data, IOM MMP) to ``base_url`` and give Copernicus
    credentials read from variables no one sets: a test's seawatch never leaves loopback."""
    return {
        "SEAWATCH_SOURCES_OPEN_METEO_MARINE_URL": f"{base_url}/v1/marine",
        "SEAWATCH_SOURCES_OPEN_METEO_FORECAST_URL": f"{base_url}/v1/forecast",
        "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_ARCHIVE_URL": f"{base_url}/v1/archive",
        "SEAWATCH_SOURCES_OPEN_METEO_HINDCAST_MARINE_URL": f"{base_url}/v1/marine",
        "SEAWATCH_SOURCES_ECMWF_URL": f"{base_url}/forecasts",
        "SEAWATCH_SOURCES_IOM_MMP_URL": f"{base_url}/mmp.csv",
        "SEAWATCH_SOURCES_COPERNICUS_USERNAME_ENV": "SEAWATCH_TEST_CMEMS_USER",
        "SEAWATCH_SOURCES_COPERNICUS_PASSWORD_ENV": "SEAWATCH_TEST_CMEMS_PASSWORD",
    }


def snap(value: float, cell: float = 1 / 12) -> float:
    """Centre of the model cell holding ``value`` (as MFWAM 1/12 deg does)."""
    return round((np.floor(value / cell) + 0.5) * cell, 6)


class OpenMeteoFake:
    """An Open-Meteo Marine + Forecast server for pytest-httpserver ``respond_with_handler``.

    Values are deterministic functions of the requested point and hour, so tests can predict
    them: ``wave_height = 1 + (lat - 30) / 10 + hour / 100`` m, wind 36 km/h from 270 deg
    (10 m/s westerly), current 3.6 km/h going to 90 deg (1 m/s eastward), SST 20 degC.
    ``null_every`` blanks every n-th location (a coastal cell the model does not cover).
    ``currents_in`` sets the unit the current is answered in, ignoring ``wind_speed_unit``,
    as the marine API did for ``ocean_current_velocity`` in older versions.
    """

    def __init__(
        self,
        start: dt.date | None = None,
        null_every: int = 0,
        currents_in: str | None = None,
        hs_override: float | None = None,
    ):
        self.start = start or dt.datetime.now(dt.UTC).date()
        self.null_every = null_every
        self.currents_in = currents_in
        self.hs_override = hs_override
        self.calls: list[dict[str, str]] = []

    def __call__(self, request: Request) -> Response:
        fields = dict(request.args) | dict(request.form)
        self.calls.append(fields)
        lats = [float(v) for v in fields["latitude"].split(",")]
        lons = [float(v) for v in fields["longitude"].split(",")]
        if len(lats) != len(lons):
            return self._error(
                "Parameter 'latitude' and 'longitude' must have the same number of elements"
            )
        if len(lats) > 1000:
            return self._error("Only up to 1000 locations can be requested at once")
        marine = request.path.endswith("/marine")
        known = MARINE_UNITS if marine else FORECAST_UNITS
        hourly = [h for h in fields.get("hourly", "").split(",") if h]
        for name in hourly:
            if name not in known:
                return self._error(
                    f"Cannot initialize WeatherVariable from invalid String value {name} for key hourly"
                )
        days = int(fields.get("forecast_days", 7))
        speed_unit = {"ms": "m/s", "kn": "kn", "mph": "mph"}.get(
            fields.get("wind_speed_unit", "kmh"), "km/h"
        )
        times = [
            (dt.datetime.combine(self.start, dt.time()) + dt.timedelta(hours=h)).strftime(
                "%Y-%m-%dT%H:%M"
            )
            for h in range(24 * days)
        ]
        out = []
        for k, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
            blank = self.null_every and k % self.null_every == self.null_every - 1
            item: dict = {
                "latitude": snap(lat),
                "longitude": snap(lon),
                "generationtime_ms": 0.41,
                "utc_offset_seconds": 0,
                "timezone": "GMT",
                "timezone_abbreviation": "GMT",
            }
            if not marine:
                item["elevation"] = 0.0
            if k:
                item["location_id"] = k
            units = {"time": "iso8601"}
            series: dict = {"time": times}
            for name in hourly:
                unit = known[name]
                if unit == "km/h":
                    unit = speed_unit
                if name == "ocean_current_velocity" and self.currents_in:
                    unit = self.currents_in
                units[name] = unit
                values = [self._value(name, unit, lat, h) for h in range(len(times))]
                series[name] = [None if blank else v for v in values]
            item["hourly_units"] = units
            item["hourly"] = series
            out.append(item)
        body = out[0] if len(out) == 1 else out
        return Response(json.dumps(body), status=200, content_type="application/json")

    def _value(self, name: str, unit: str, lat: float, hour: int) -> float:
        to_unit = {"m/s": 1.0, "km/h": 3.6, "kn": 3600 / 1852, "mph": 1 / 0.44704}
        if name == "wave_height":
            if self.hs_override is not None:
                return self.hs_override
            return round(1.0 + (lat - 30.0) / 10.0 + hour / 100.0, 2)
        if name.endswith("height"):
            return 0.5
        if name.endswith("period"):
            return 6.0
        if "direction" in name:
            return {
                "ocean_current_direction": 90.0,
                "wind_direction_10m": 270.0,
            }.get(name, 300.0)
        if name == "ocean_current_velocity":
            return round(1.0 * to_unit[unit], 4)
        if name == "wind_speed_10m":
            return round(10.0 * to_unit[unit], 4)
        if name == "wind_gusts_10m":
            return round(14.0 * to_unit[unit], 4)
        if name == "sea_surface_temperature":
            return 20.0
        raise AssertionError(name)

    @staticmethod
    def _error(reason: str) -> Response:
        return Response(
            json.dumps({"error": True, "reason": reason}),
            status=400,
            content_type="application/json",
        )


_RANGE = re.compile(r"(\d*)-(\d*)")


def range_file_handler(root: Path, prefix: str = "") -> Callable[[Request], Response]:
    """Serve files under ``root`` (URL path minus ``prefix``) with HTTP byte ranges.

    HEAD and GET; ``Range: bytes=a-b`` gives 206 with ``Content-Range``; several ranges give a
    ``multipart/byteranges`` body; a missing file gives 404.
    """

    def handler(request: Request) -> Response:
        rel = request.path[len(prefix) :].lstrip("/")
        path = (root / rel).resolve()
        if not path.is_file() or root.resolve() not in path.parents:
            return Response("Not Found", status=404)
        data = path.read_bytes()
        headers = {"Accept-Ranges": "bytes", "Last-Modified": "Thu, 20 Aug 2026 07:00:00 GMT"}
        header = request.headers.get("Range")
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(data))
            return Response(b"", status=200, headers=headers)
        if not header:
            return Response(
                data, status=200, headers=headers, content_type="application/octet-stream"
            )
        spans = []
        for part in header.removeprefix("bytes=").split(","):
            m = _RANGE.fullmatch(part.strip())
            if not m:
                return Response("bad range", status=416)
            first = int(m.group(1)) if m.group(1) else len(data) - int(m.group(2))
            last = int(m.group(2)) if m.group(1) and m.group(2) else len(data) - 1
            last = min(last, len(data) - 1)
            if first > last:
                return Response("", status=416, headers={"Content-Range": f"bytes */{len(data)}"})
            spans.append((first, last))
        if len(spans) == 1:
            first, last = spans[0]
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            return Response(
                data[first : last + 1],
                status=206,
                headers=headers,
                content_type="application/octet-stream",
            )
        boundary = "seawatchboundary42"
        body = b""
        for first, last in spans:
            body += (
                f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Range: bytes {first}-{last}/{len(data)}\r\n\r\n"
            ).encode()
            body += data[first : last + 1] + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return Response(
            body,
            status=206,
            headers=headers,
            content_type=f"multipart/byteranges; boundary={boundary}",
        )

    return handler
