"""``seawatch ingest``: files received by other means, normalized into canonical forecasts.

A planner may get model output by e-mail, on a USB stick or from a colleague's download when the
automatic fetch cannot run. Supported (detected from the content, not the file name):

* Copernicus Marine MEDSEA NetCDF: waves (VHM0, VTPK, VTM10, VMDR, ``_WW``, ``_SW1``) and
  physics (uo, vo, thetao);
* ECMWF / ERA5 10 m wind in GRIB1, GRIB2 or NetCDF (u10/v10, 10u/10v, U10M/V10M; gusts
  fg10/i10fg), and ECMWF wave GRIB (swh, mwp, mwd, pp1d);
* NOAA WaveWatch III / GFS-Wave GRIB2 (HTSGW, PERPW, DIRPW, WVHGT, WVPER, WVDIR, SWELL,
  SWPER, SWDIR) and GRIB1 wave fields in WMO table 2 (parameters 100-108).

NetCDF files may use any CF calendar (``noleap``, ``360_day``, ``julian``, ...; see
:mod:`seawatch.fetchers.netcdf`), both ``_FillValue`` and ``missing_value``, and a depth
dimension (the shallowest level is taken, and said in the variable's ``comment``).

Each file is clipped to the area of interest plus one grid cell beyond each edge (so the edge
rows of the area can be interpolated; native grid and time steps kept; a file that does not
overlap the area is refused, naming both boxes), validated, and merged by time with what
is already stored for that kind of file under ``<data>/forecast/ingest_<kind>.nc`` (the new file
wins where times repeat; a file on another grid replaces the stored one).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seawatch.config import Settings
from seawatch.errors import DataError
from seawatch.fetchers import grib as grib_io
from seawatch.fetchers.base import clip_to_area, describe_box, store_forecast
from seawatch.fetchers.copernicus import CMEMS_NAMES, join_by_time, read_cmems
from seawatch.fetchers.ecmwf import GRIB_NAMES
from seawatch.fetchers.grib import grib_to_dataset, grib_variables, open_grib
from seawatch.fetchers.netcdf import AGAIN, open_netcdf
from seawatch.geo.regrid import area_grid
from seawatch.schema import make_canonical, open_forecast, write_dataset
from seawatch.storage import DataPaths, unreadable_file_message

log = logging.getLogger(__name__)

SUPPORTED = (
    "Copernicus Marine MEDSEA NetCDF (waves VHM0/VTPK/VTM10/VMDR..., physics uo/vo/thetao); "
    "ECMWF/ERA5 10 m wind as GRIB1, GRIB2 or NetCDF (u10/v10, 10u/10v, U10M/V10M); "
    "ECMWF wave GRIB (swh, mwp, mwd, pp1d); NOAA WW3/GFS-Wave GRIB2 (HTSGW, PERPW, DIRPW, ...)"
)

NETCDF_WIND = {
    "u10": "u10",
    "v10": "v10",
    "10u": "u10",
    "10v": "v10",
    "U10M": "u10",
    "V10M": "v10",
    "fg10": "gust",
    "i10fg": "gust",
}
ECMWF_GRIB = {**GRIB_NAMES, "i10fg": "gust"}  # ERA5 names its gust i10fg
NOAA_GRIB = {
    "swh": "hs",
    "perpw": "tp",
    "dirpw": "wave_dir",
    "shww": "hs_windsea",
    "mpww": "tm_windsea",
    "wvdir": "dir_windsea",
    "shts": "hs_swell",
    "mpts": "tm_swell",
    "swdir": "dir_swell",
    "u10": "u10",
    "v10": "v10",
}
# How far into a file the first GRIB message may start (after a WMO bulletin heading, about
# 30 bytes); assumption, to calibrate on files that carry longer headers.
GRIB_HEADER_MAX = 256
# GRIB1 WMO code table 2 wave parameters, which cfgrib names pNNN under local tables.
WMO_TABLE2_GRIB = {
    "p100": "hs",
    "p101": "dir_windsea",
    "p102": "hs_windsea",
    "p103": "tm_windsea",
    "p104": "dir_swell",
    "p105": "hs_swell",
    "p106": "tm_swell",
    "p107": "wave_dir",
    "p108": "tp",
}
LONG_NAMES = {
    ("noaa_ww3", "tp"): "primary wave period, from the spectral peak (NOAA PERPW)",
    ("noaa_ww3", "wave_dir"): "primary wave direction (from; NOAA DIRPW)",
    ("ecmwf", "tm"): "mean wave period Tm-1,0 (tm10; ECMWF mwp)",
}


@dataclass
class IngestedFile:
    """One file read by :func:`read_file`."""

    path: Path
    kind: str
    description: str
    dataset: xr.Dataset
    original_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass
class IngestResult:
    """What ``seawatch ingest`` did: per kind the stored file, and the combined output."""

    stored: dict[str, Path] = field(default_factory=dict)
    out: Path | None = None
    files: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": {k: str(v) for k, v in self.stored.items()},
            "out": str(self.out) if self.out else None,
            "files": self.files,
        }


def sniff_format(path: Path) -> str:
    """``"grib"``, ``"netcdf"`` or ``"unknown"`` from the first bytes of the file.

    GRIB may follow a short header: GTS bulletins put a WMO abbreviated heading (``\x01``,
    sequence number, ``TTAAii CCCC YYGGgg``) before each message; eccodes skips it.
    """
    with open(path, "rb") as fh:
        head = fh.read(GRIB_HEADER_MAX)
    if head[:3] == b"CDF" or head[:8] == b"\x89HDF\r\n\x1a\n":
        return "netcdf"
    if b"GRIB" in head:
        return "grib"
    return "unknown"


def read_file(path: str | Path) -> IngestedFile:
    """Detect and normalize one file (not yet clipped).

    Raises
    ------
    DataError
        For a missing, unreadable or unsupported file; the message lists what is supported.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist")
    if path.stat().st_size == 0:
        raise DataError(unreadable_file_message(path, OSError("empty"), AGAIN))
    kind = sniff_format(path)
    if kind == "grib":
        return _read_grib(path)
    if kind == "netcdf":
        return _read_netcdf(path)
    raise DataError(f"{path.name} is neither GRIB nor NetCDF; seawatch ingests: {SUPPORTED}")


def _read_grib(path: Path) -> IngestedFile:
    datasets = open_grib(path)
    found = grib_variables(datasets)
    centre = str(datasets[0].attrs.get("GRIB_centre", "")) if datasets else ""
    if centre == "kwbc" or any(n in found for n in ("perpw", "dirpw", "shww", "shts")):
        kind, names, what = "noaa_ww3", NOAA_GRIB, "NOAA WaveWatch III / GFS-Wave GRIB"
    elif any(n in found for n in WMO_TABLE2_GRIB):
        kind, names, what = "wave_grib", WMO_TABLE2_GRIB, f"wave GRIB (centre {centre or '?'})"
    elif any(n in found for n in ECMWF_GRIB):
        wind_only = not any(n in found for n in ("swh", "mwp", "mwd", "pp1d"))
        kind = "wind" if wind_only else "ecmwf"
        names, what = ECMWF_GRIB, f"ECMWF/ERA5 GRIB (centre {centre or '?'})"
    else:
        raise DataError(
            f"{path.name} is GRIB with {sorted(found) or 'no variables'}; seawatch ingests: "
            f"{SUPPORTED}"
        )
    ds = grib_to_dataset(datasets, names, what=path.name)
    return _finish(path, kind, what, ds)


def _read_netcdf(path: Path) -> IngestedFile:
    try:
        with xr.open_dataset(path, engine="netcdf4", decode_cf=False) as raw:
            names = [str(n) for n in raw.data_vars]
    except (OSError, ValueError) as exc:
        raise DataError(unreadable_file_message(path, exc, AGAIN)) from None
    if any(n in CMEMS_NAMES for n in names):
        ds = read_cmems(path)
        waves = any(n.startswith("V") for n in names if n in CMEMS_NAMES)
        kind = "cmems_waves" if waves else "cmems_physics"
        return _finish(path, kind, "Copernicus Marine MEDSEA NetCDF", ds)
    if any(n in NETCDF_WIND for n in names):
        return _finish(path, "wind", "ECMWF/ERA5 wind NetCDF", _read_wind_netcdf(path))
    raise DataError(f"{path.name} is NetCDF with {sorted(names)}; seawatch ingests: {SUPPORTED}")


def _read_wind_netcdf(path: Path) -> xr.Dataset:
    raw = open_netcdf(path)
    renames = {"latitude": "lat", "longitude": "lon", "valid_time": "time"}
    raw = _keep_valid_time(raw)
    raw = raw.rename({k: v for k, v in renames.items() if k in raw.dims or k in raw.coords})
    out = xr.Dataset()
    for name, canonical in NETCDF_WIND.items():
        if name in raw.data_vars and canonical not in out:
            var = raw[name]
            units = str(var.attrs.get("units", "m s**-1")).replace("**", "").replace(" ", "")
            if units not in ("ms-1", "m/s", "ms^-1", "meter/second", "metre/second"):
                raise DataError(f"{path.name}: {name} is in {var.attrs.get('units')!r}, not m/s")
            # a single point, row or column (or a single step) saved as scalar coordinates
            var = grib_io.lat_lon_as_dims(var)
            if "time" in var.coords and "time" not in var.dims:
                var = var.expand_dims("time")
            for dim in [d for d in var.dims if d not in ("time", "lat", "lon")]:
                var = var.isel({dim: 0})
            var = var.drop_vars([c for c in var.coords if c not in ("time", "lat", "lon")])
            out[canonical] = var.transpose("time", "lat", "lon").astype(np.float64)
    if not {"time", "lat", "lon"} <= set(out.dims):
        raise DataError(f"{path.name}: wind variables lack time, latitude or longitude")
    return out


def _keep_valid_time(raw: xr.Dataset) -> xr.Dataset:
    """cfgrib-written NetCDF carries both the analysis/run ``time`` and ``valid_time``: keep
    the valid time (along the time axis for a series, a scalar for a single step)."""
    if "valid_time" not in raw.variables or "time" not in raw.variables:
        return raw
    if raw["valid_time"].dims == ("time",):
        raw = raw.swap_dims(time="valid_time")
    return raw.drop_vars("time")


def _finish(path: Path, kind: str, what: str, ds: xr.Dataset) -> IngestedFile:
    ds = ds.assign_coords(time=ds["time"].values.astype("datetime64[ns]"))
    lat, lon = ds["lat"].values, ds["lon"].values
    wrapped = (lon + 180.0) % 360.0 - 180.0
    box = (float(wrapped.min()), float(lat.min()), float(wrapped.max()), float(lat.max()))
    if lat.size < 2 or lon.size < 2:
        shape = "a single point" if lat.size < 2 and lon.size < 2 else "a single row or column"
        log.warning(
            "%s holds %s, not a grid: stored for reference, but `seawatch build` needs a "
            "gridded forecast covering the area",
            path.name,
            shape,
        )
    for (k, name), long_name in LONG_NAMES.items():
        if k == kind and name in ds:
            ds[name].attrs["long_name"] = long_name
    return IngestedFile(path, kind, what, ds, box)


def ingest_files(
    settings: Settings, files: Sequence[str | Path], out: str | Path | None = None
) -> IngestResult:
    """Normalize files, clip them to the area, merge them with what is stored, and store.

    Parameters
    ----------
    settings
        ``[area]`` and the data directory.
    files
        Paths of the files to ingest, any mix of the supported formats.
    out
        Also write all ingested variables to this NetCDF, put once onto the target grid of the
        area (:func:`seawatch.fetchers.merge.merge_datasets`), each variable at its own file's
        time steps (the union of all steps; never the first file's axis).

    Returns
    -------
    IngestResult
        Stored path per kind (``<data>/forecast/ingest_<kind>.nc``) and per-file details.

    Raises
    ------
    DataError
        One line naming the file: unsupported, unreadable, outside the area, or failing
        validation; nothing is stored then.
    """
    if not files:
        raise DataError(f"no files given; seawatch ingests: {SUPPORTED}")
    result = IngestResult()
    by_kind: dict[str, list[IngestedFile]] = {}
    for file in files:
        item = read_file(file)
        try:
            item.dataset = clip_to_area(
                item.dataset, settings.area.bbox, name=item.path.name, pad_cells=1
            )
        except DataError as exc:
            if "not overlap" not in str(exc):
                raise
            raise DataError(
                f"{exc}; nothing was stored: ingest a file for that sea, or widen [area] in the "
                "config if the area of interest should include it"
            ) from None
        by_kind.setdefault(item.kind, []).append(item)
        result.files.append(
            {
                "file": str(item.path),
                "kind": item.kind,
                "format": item.description,
                "variables": sorted(item.dataset.data_vars),
                "steps": int(item.dataset.sizes["time"]),
                "covers": describe_box(*item.original_box),
            }
        )
    paths = DataPaths(settings.data_dir)
    combined: list[xr.Dataset] = []
    for kind, items in by_kind.items():
        new = _join_same_grid([i.dataset for i in items], kind)
        target = paths.source_forecast(f"ingest_{kind}")
        if target.exists():
            try:
                old = open_forecast(target)
            except DataError:
                old = None
            if old is not None and _same_grid(old, new):
                new = new.combine_first(old.drop_attrs())
        names = ", ".join(i.path.name for i in items)
        ds = make_canonical(
            new,
            source="ingest",
            model=items[0].description,
            reference_time=new["time"].values[0],
            provenance=[str(i.path) for i in items],
        )
        ds.attrs["comment"] = f"ingested from {names}; reference_time is the first time step"
        result.stored[kind] = store_forecast(ds, target, name=f"ingest {names}")
        combined.append(ds)
        log.info(
            "ingest: %s -> %s (%s, %d steps, %d x %d cells)",
            names,
            target,
            ", ".join(sorted(ds.data_vars)),
            ds.sizes["time"],
            ds.sizes["lat"],
            ds.sizes["lon"],
        )
    if out is not None:
        from seawatch.fetchers.merge import merge_datasets

        grid = area_grid(settings.area.bbox, settings.grid.resolution)
        merged = merge_datasets([(ds.attrs["source"], ds) for ds in combined], grid)
        result.out = write_dataset(merged, out)
    return result


def _join_same_grid(parts: list[xr.Dataset], kind: str) -> xr.Dataset:
    first = parts[0]
    for part in parts[1:]:
        if not _same_grid(first, part):
            raise DataError(f"the {kind} files are on different grids; ingest them one at a time")
    return join_by_time(parts)


def _same_grid(a: xr.Dataset, b: xr.Dataset) -> bool:
    return (
        a.sizes["lat"] == b.sizes["lat"]
        and a.sizes["lon"] == b.sizes["lon"]
        and np.allclose(a["lat"].values, b["lat"].values, atol=1e-4)
        and np.allclose(a["lon"].values, b["lon"].values, atol=1e-4)
    )


__all__ = ["SUPPORTED", "IngestResult", "ingest_files", "read_file", "sniff_format"]
