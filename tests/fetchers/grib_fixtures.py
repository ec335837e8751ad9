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


# --- Sample files in tests/data/grib/ (see tests/data/SOURCES.md) ---------------------------
#
# Regenerate with ``python -m tests.fetchers.grib_fixtures tests/data/grib`` from the repository
# root. The files are committed, so the tests read exactly the bytes described in SOURCES.md.

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "grib"
ERA5_START = dt.datetime(2024, 11, 20, 0)
MARS_PADDING = 120  # MARS keyword padding=AUTO: each GRIB message padded with zeros to 120 bytes


def mars_padded(message: bytes, multiple: int = MARS_PADDING) -> bytes:
    """A message followed by zero bytes up to the next multiple of ``multiple`` bytes."""
    return message + b"\x00" * (-len(message) % multiple)


def era5_message(
    short_name: str,
    values: Callable[[np.ndarray, np.ndarray], np.ndarray],
    when: dt.datetime,
    grid: tuple[float, float, float, float, float],
) -> bytes:
    """An ERA5-like GRIB1 analysis (centre 98, MARS local section: class ea, stream oper)."""
    lat_first, lat_last, lon_first, lon_last, d = grid
    h = _grid_message(
        "regular_ll_sfc_grib1",
        centre=98,
        lat_first=lat_first,
        lat_last=lat_last,
        lon_first=lon_first,
        lon_last=lon_last,
        step_deg=d,
    )
    try:
        for key, value in (
            ("setLocalDefinition", 1),
            ("localDefinitionNumber", 1),
            ("marsClass", "ea"),
            ("marsType", "an"),
            ("marsStream", "oper"),
            ("experimentVersionNumber", "0001"),
            ("dataDate", int(when.strftime("%Y%m%d"))),
            ("dataTime", when.hour * 100),
            ("shortName", short_name),
            ("step", 0),
        ):
            eccodes.codes_set(h, key, value)
        lats = np.linspace(lat_first, lat_last, eccodes.codes_get(h, "Nj"))
        lons = np.linspace(lon_first, lon_last, eccodes.codes_get(h, "Ni"))
        la, lo = np.meshgrid(lats, lons, indexing="ij")
        eccodes.codes_set(h, "bitsPerValue", 16)
        eccodes.codes_set_values(h, np.asarray(values(la, lo), dtype=float).ravel())
        return eccodes.codes_get_message(h)
    finally:
        eccodes.codes_release(h)


def _wind(hour: int) -> dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    """A north-westerly that freshens eastwards and through the day (m/s)."""
    return {
        "10u": lambda la, lo: 4.0 + 0.4 * (lo - 10.0) + 0.1 * hour,
        "10v": lambda la, lo: -3.0 - 0.3 * (la - 30.0) - 0.05 * hour,
        "i10fg": lambda la, lo: 9.0 + 0.5 * (lo - 10.0) + 0.2 * hour,
    }


def _era5_file(
    path: Path, grid: tuple[float, ...], hours: int, params: tuple[str, ...], pad: bool
) -> Path:
    blob = b""
    for hour in range(hours):
        fields = _wind(hour)
        for param in params:
            message = era5_message(
                param, fields[param], ERA5_START + dt.timedelta(hours=hour), grid
            )
            blob += mars_padded(message) if pad else message
    path.write_bytes(blob)
    return path


def _grib_tool(name: str) -> str:
    """An ecCodes command-line tool: the one bundled in the eccodeslib wheel, else on PATH."""
    import shutil

    try:
        import eccodeslib

        bundled = Path(eccodeslib.__file__).parent / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install the eccodes wheel or libeccodes-tools")
    return found


def write_real_samples(out: Path = SAMPLES_DIR) -> list[Path]:
    """Write every sample of tests/data/grib/ (small: each well under 200 KB)."""
    import subprocess

    out.mkdir(parents=True, exist_ok=True)
    written = [
        # ERA5 single levels as the CDS delivers them: GRIB1, MARS padding after each message
        _era5_file(
            out / "era5_wind_central_med_padded.grib1",
            (38.5, 29.5, 9.5, 20.5, 0.25),
            hours=4,
            params=("10u", "10v", "i10fg"),
            pad=True,
        ),
        # ERA5 at one grid point (CDS area N/W/S/E all on one point): lat/lon are not axes
        _era5_file(
            out / "era5_wind_point_padded.grib1",
            (33.5, 33.5, 13.0, 13.0, 0.25),
            hours=24,
            params=("10u", "10v"),
            pad=True,
        ),
        # one row (1 x N) and, in GRIB2 below, one column (N x 1)
        _era5_file(
            out / "era5_wind_row_1xN.grib1",
            (33.5, 33.5, 11.0, 15.0, 0.25),
            hours=3,
            params=("10u", "10v"),
            pad=False,
        ),
    ]
    # ECMWF open data (IFS oper + ECWAM wave streams), 0.25 deg, central Mediterranean
    run = dt.datetime(2024, 11, 20, 0)
    grid = (39.0, 30.0, 9.0, 21.0, 0.25)
    fields = {
        "oper": {
            "10u": lambda la, lo, s: 5.0 + 0.3 * (lo - 9.0) + 0.2 * s,
            "10v": lambda la, lo, s: -4.0 + 0.2 * (la - 30.0) - 0.1 * s,
        },
        "wave": {
            "swh": lambda la, lo, s: 0.4 + 0.12 * (la - 30.0) + 0.05 * (lo - 9.0) + 0.02 * s,
            "mwp": lambda la, lo, s: 4.0 + 0.15 * (la - 30.0) + 0.05 * s,
            "mwd": lambda la, lo, s: 290.0 + 2.0 * (lo - 9.0),
        },
    }
    blob = b""
    for step in (0, 3):
        for stream, params in (("oper", ("10u", "10v")), ("wave", ("swh", "mwp"))):
            for param in params:
                blob += encode(
                    param,
                    lambda la, lo, f=fields[stream][param], s=step: f(la, lo, s),
                    run=run,
                    step=step,
                    grid=grid,
                    land_missing=stream == "wave",
                )
    opendata = out / "ecmwf_opendata_central_med.grib2"
    opendata.write_bytes(blob)
    written.append(opendata)
    # a download cut off at 60 % of the file, in the middle of a message
    truncated = out / "ecmwf_opendata_central_med_truncated.grib2"
    truncated.write_bytes(blob[: int(len(blob) * 0.6)])
    written.append(truncated)
    # one column, GRIB2
    column = b"".join(
        encode(
            param,
            lambda la, lo, f=fields["oper"][param], s=step: f(la, lo, s),
            run=run,
            step=step,
            grid=(36.0, 32.0, 13.0, 13.0, 0.25),
        )
        for step in (0, 3, 6)
        for param in ("10u", "10v")
    )
    written.append(out / "ecmwf_wind_column_Nx1.grib2")
    written[-1].write_bytes(column)
    # ECMWF wave GRIB1: GRIB2 wave messages converted by ecCodes' own grib_set
    wave2 = out / "_wave.grib2"
    wave2.write_bytes(
        b"".join(
            encode(
                param,
                lambda la, lo, f=fields["wave"][param], s=step: f(la, lo, s),
                run=run,
                step=step,
                grid=(38.0, 30.5, 10.0, 20.0, 0.5),
                land_missing=True,
            )
            for step in (0, 6)
            for param in ("swh", "mwp", "mwd")
        )
    )
    wave1 = out / "ecmwf_wave_grib1_from_grib2.grib1"
    subprocess.run([_grib_tool("grib_set"), "-s", "edition=1", str(wave2), str(wave1)], check=True)
    wave2.unlink()
    written.append(wave1)
    # the point file as NetCDF, the way cfgrib (ECMWF's GRIB to xarray reader) writes it
    import xarray as xr

    point = xr.open_dataset(
        out / "era5_wind_point_padded.grib1",
        engine="cfgrib",
        backend_kwargs={"indexpath": ""},
    ).squeeze()
    nc = out / "era5_wind_point_scalar_latlon.nc"
    point.to_netcdf(nc)
    written.append(nc)
    return written


if __name__ == "__main__":
    import sys

    for path in write_real_samples(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES_DIR):
        print(f"{path.stat().st_size:>8}  {path}")
