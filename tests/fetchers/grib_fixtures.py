"""GRIB test files written with eccodes, starting from its bundled samples.

* :func:`write_ecmwf_run` lays out an ECMWF open-data run the way data.ecmwf.int does:
  ``<root>/<yyyymmdd>/<HH>z/ifs/0p25/<stream>/<yyyymmddHH0000>-<step>h-<stream>-fc.grib2``
  plus a ``.index`` of JSON lines (``_offset``/``_length`` per message). Grid: 0.25 deg,
  latitude descending (north first), longitudes -180..179.75, trimmed to 28-40 N to stay small.
  Wave fields are missing over land (bitmap), as ECWAM's are.
* :func:`write_messages` writes arbitrary fields (ERA5-like GRIB1 wind, NOAA GFS-Wave GRIB2).

Field values (so tests can predict them): ``swh = 0.5 + 0.1 * (lat - 28) + 0.01 * step`` m,
``mwp`` 5 s, ``pp1d`` 7 s, ``mwd`` 300 deg, ``10u`` +8 m/s, ``10v`` -3 m/s, ``10fg`` 12 m/s
(from step 3 on: the gust is a maximum over the preceding window).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pyproj  # noqa: F401  # before eccodes: see seawatch.fetchers.grib.import_cfgrib

import eccodes  # isort: skip

MISSING = 9999.0

Field = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def ecmwf_fields() -> dict[str, dict[str, Field]]:
    """Per stream, the open-data parameter name -> field(lat2d, lon2d, step)."""
    return {
        "wave": {
            "swh": lambda la, lo, s: 0.5 + 0.1 * (la - 28.0) + 0.01 * s,
            "mwp": lambda la, lo, s: np.full(la.shape, 5.0),
            "mwd": lambda la, lo, s: np.full(la.shape, 300.0),
            "pp1d": lambda la, lo, s: np.full(la.shape, 7.0),
        },
        "oper": {
            "10u": lambda la, lo, s: np.full(la.shape, 8.0),
            "10v": lambda la, lo, s: np.full(la.shape, -3.0),
            "10fg": lambda la, lo, s: np.full(la.shape, 12.0),
        },
    }


def _grid_message(
    sample: str,
    *,
    centre: int,
    lat_first: float,
    lat_last: float,
    lon_first: float,
    lon_last: float,
    step_deg: float,
) -> int:
    h = eccodes.codes_grib_new_from_samples(sample)
    eccodes.codes_set(h, "centre", centre)
    nj = round(abs(lat_first - lat_last) / step_deg) + 1
    ni = round((lon_last - lon_first) / step_deg) + 1
    eccodes.codes_set_long(h, "Ni", ni)
    eccodes.codes_set_long(h, "Nj", nj)
    eccodes.codes_set(h, "latitudeOfFirstGridPointInDegrees", lat_first)
    eccodes.codes_set(h, "longitudeOfFirstGridPointInDegrees", lon_first)
    eccodes.codes_set(h, "latitudeOfLastGridPointInDegrees", lat_last)
    eccodes.codes_set(h, "longitudeOfLastGridPointInDegrees", lon_last)
    eccodes.codes_set(h, "iDirectionIncrementInDegrees", step_deg)
    eccodes.codes_set(h, "jDirectionIncrementInDegrees", step_deg)
    eccodes.codes_set(h, "jScansPositively", 0 if lat_first > lat_last else 1)
    return h


def encode(
    short_name: str,
    values: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    run: dt.datetime,
    step: int,
    edition: int = 2,
    centre: int = 98,
    grid: tuple[float, float, float, float, float] = (40.0, 28.0, -180.0, 179.75, 0.25),
    land_missing: bool = False,
    type_of_level: str | None = None,
    level: int | None = None,
    window_hours: int = 0,
    bits: int = 16,
) -> bytes:
    """One GRIB message as bytes. ``grid`` = (lat_first, lat_last, lon_first, lon_last, step)."""
    lat_first, lat_last, lon_first, lon_last, d = grid
    sample = "regular_ll_sfc_grib2" if edition == 2 else "regular_ll_sfc_grib1"
    h = _grid_message(
        sample,
        centre=centre,
        lat_first=lat_first,
        lat_last=lat_last,
        lon_first=lon_first,
        lon_last=lon_last,
        step_deg=d,
    )
    try:
        eccodes.codes_set(h, "dataDate", int(run.strftime("%Y%m%d")))
        eccodes.codes_set(h, "dataTime", run.hour * 100)
        if type_of_level:
            eccodes.codes_set(h, "typeOfLevel", type_of_level)
        if level is not None:
            eccodes.codes_set(h, "level", level)
        if window_hours:
            eccodes.codes_set(h, "stepType", "max")
        eccodes.codes_set(h, "shortName", short_name)
        if window_hours:
            eccodes.codes_set(h, "stepRange", f"{max(step - window_hours, 0)}-{step}")
        else:
            eccodes.codes_set(h, "step", step)
        lats = np.linspace(lat_first, lat_last, eccodes.codes_get(h, "Nj"))
        lons = np.linspace(lon_first, lon_last, eccodes.codes_get(h, "Ni"))
        la, lo = np.meshgrid(lats, lons, indexing="ij")
        data = np.asarray(values(la, lo), dtype=float)
        if land_missing:
            from seawatch.geo.coastline import land_mask

            wrapped = (lons + 180.0) % 360.0 - 180.0
            inside = (wrapped >= 8.5) & (wrapped <= 21.5)
            land = np.zeros(data.shape, dtype=bool)
            land[:, inside] = land_mask(lats, wrapped[inside])
            data = np.where(land, MISSING, data)
            eccodes.codes_set(h, "missingValue", MISSING)
            eccodes.codes_set(h, "bitmapPresent", 1)
        eccodes.codes_set(h, "bitsPerValue", bits)
        eccodes.codes_set_values(h, data.ravel())
        return eccodes.codes_get_message(h)
    finally:
        eccodes.codes_release(h)


def write_ecmwf_run(
    root: Path,
    run: dt.datetime,
    steps: Iterable[int],
    *,
    truncate: str | None = None,
) -> dict[str, list[Path]]:
    """Write one open-data run (both streams) under ``root``; return the files per stream.

    ``truncate="oper"`` cuts the last oper file short after its index was written (a download
    cut off on the server side).
    """
    written: dict[str, list[Path]] = {"wave": [], "oper": []}
    stamp = run.strftime("%Y%m%d%H0000")
    for stream, fields in ecmwf_fields().items():
        for step in steps:
            directory = root / run.strftime("%Y%m%d") / f"{run:%H}z" / "ifs" / "0p25" / stream
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{stamp}-{step}h-{stream}-fc.grib2"
            blob = b""
            index = []
            for param, field in fields.items():
                if param == "10fg" and step == 0:
                    continue  # no gust at step 0: it is a maximum over the preceding window
                message = encode(
                    param,
                    lambda la, lo, f=field, s=step: f(la, lo, s),
                    run=run,
                    step=step,
                    land_missing=stream == "wave",
                    window_hours=3 if param == "10fg" else 0,
                )
                index.append(
                    {
                        "domain": "g",
                        "date": run.strftime("%Y%m%d"),
                        "time": run.strftime("%H%M"),
                        "expver": "0001",
                        "class": "od",
                        "type": "fc",
                        "stream": stream,
                        "step": str(step),
                        "levtype": "sfc",
                        "param": param,
                        "_offset": len(blob),
                        "_length": len(message),
                    }
                )
                blob += message
            path.write_bytes(blob)
            path.with_suffix(".index").write_text(
                "".join(json.dumps(line) + "\n" for line in index), encoding="utf-8"
            )
            written[stream].append(path)
    if truncate:
        last = written[truncate][-1]
        data = last.read_bytes()
        last.write_bytes(data[: len(data) - 500])
    return written


def write_messages(path: Path, messages: Iterable[bytes]) -> Path:
    """Concatenate encoded messages into one GRIB file."""
    path.write_bytes(b"".join(messages))
    return path
