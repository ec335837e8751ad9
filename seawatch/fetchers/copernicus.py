"""Copernicus Marine MEDSEA: HCMR WAM waves, CMCC NEMO surface currents and SST, 1/24 deg.

Needs a free Copernicus Marine account (https://data.marine.copernicus.eu/register): the user
name and password come from the environment variables named by
``[sources.copernicus] username_env`` and ``password_env`` (default
``COPERNICUSMARINE_SERVICE_USERNAME`` / ``COPERNICUSMARINE_SERVICE_PASSWORD``), and the
``cmems`` extra (the ``copernicusmarine`` toolbox). Without credentials the source says how to
set them and the source chain goes on without it.

Datasets (config keys ``wave_dataset``, ``current_dataset``, ``sst_dataset``):
``cmems_mod_med_wav_anfc_4.2km_PT1H-i`` (VHM0, VTPK, VTM10, VMDR, VHM0_WW, VTM01_WW, VMDR_WW,
VHM0_SW1, VTM01_SW1, VMDR_SW1), ``cmems_mod_med_phy-cur_anfc_4.2km-2D_PT1H-m`` (uo, vo) and
``cmems_mod_med_phy-tem_anfc_4.2km-2D_PT1H-m`` (thetao, surface). Forecast: daily 00 UTC
cycle, 10 days.

:func:`read_cmems` reads the NetCDF files the toolbox writes (and files people download from
the Copernicus Marine portal), also used by ``seawatch ingest``.

References
----------
Korres et al. (2023), Mediterranean Sea Waves Analysis and Forecast (MEDSEA_ANALYSISFORECAST_
WAV_006_017), doi:10.25423/cmcc/medsea_analysisforecast_wav_006_017_medwam4; Clementi et al.
(2022), Mediterranean Sea Physics Analysis and Forecast (MEDSEA_ANALYSISFORECAST_PHY_006_013),
doi:10.25423/CMCC/MEDSEA_ANALYSISFORECAST_PHY_006_013_EAS7.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import requests
import xarray as xr

from seawatch.config import Settings
from seawatch.errors import DataError, FetchError
from seawatch.fetchers.base import (
    MissingCredentialsError,
    RunCache,
    SourceFetch,
    cache_key,
    clip_to_area,
    run_label,
    save_raw,
    store_forecast,
    stored_run,
)
from seawatch.fetchers.netcdf import open_netcdf
from seawatch.schema import make_canonical
from seawatch.storage import DataPaths
from seawatch.timeutil import isoformat_utc, now_utc

log = logging.getLogger(__name__)

SOURCE = "copernicus"
MODEL = (
    "Copernicus Marine MEDSEA: HCMR WAM 1/24 deg (waves), CMCC NEMO EAS 1/24 deg (currents, SST)"
)
WAVE_VARIABLES = (
    "VHM0",
    "VTPK",
    "VTM10",
    "VMDR",
    "VHM0_WW",
    "VTM01_WW",
    "VMDR_WW",
    "VHM0_SW1",
    "VTM01_SW1",
    "VMDR_SW1",
)
CURRENT_VARIABLES = ("uo", "vo")
SST_VARIABLES = ("thetao",)
# CMEMS name -> canonical name; VTM02 stands in for tm only when VTM10 is absent.
CMEMS_NAMES = {
    "VHM0": "hs",
    "VTPK": "tp",
    "VTM10": "tm",
    "VTM02": "tm",
    "VMDR": "wave_dir",
    "VHM0_WW": "hs_windsea",
    "VTM01_WW": "tm_windsea",
    "VMDR_WW": "dir_windsea",
    "VHM0_SW1": "hs_swell",
    "VTM01_SW1": "tm_swell",
    "VMDR_SW1": "dir_swell",
    "uo": "uo",
    "vo": "vo",
    "thetao": "sst",
}
LONG_NAMES = {
    "VTM10": "mean wave period Tm-1,0 (tm10; CMEMS VTM10)",
    "VTM02": "mean wave period Tm02 (tm02; CMEMS VTM02)",
    "VTPK": "peak wave period (CMEMS VTPK)",
    "VTM01_WW": "wind-sea mean period Tm01 (CMEMS VTM01_WW)",
    "VTM01_SW1": "primary swell mean period Tm01 (CMEMS VTM01_SW1)",
    "thetao": "sea surface temperature (CMEMS thetao, shallowest level)",
}
# Spellings of the temperature units seen in provider files (lower case, no spaces).
CELSIUS_UNITS = {
    "c", "degc", "deg_c", "degreec", "degree_c", "degreesc", "degrees_c", "celsius",
    "degree_celsius", "degrees_celsius",
}  # fmt: skip
KELVIN_UNITS = {"k", "kelvin", "degk", "deg_k", "degree_k", "degrees_k", "degree_kelvin"}
CREDENTIALS_HINT = "free account at https://data.marine.copernicus.eu/register"


def credentials(settings: Settings) -> tuple[str, str]:
    """User name and password from the environment, or :class:`MissingCredentialsError`."""
    cfg = settings.sources.copernicus
    user = os.environ.get(cfg.username_env, "")
    password = os.environ.get(cfg.password_env, "")
    if not user or not password:
        raise MissingCredentialsError(
            f"{SOURCE}: no credentials; set {cfg.username_env} and {cfg.password_env} "
            f"({CREDENTIALS_HINT}); going on without Copernicus Marine"
        )
    return user, password


def read_cmems(paths: str | Path | Sequence[str | Path]) -> xr.Dataset:
    """Read Copernicus Marine MEDSEA NetCDF files into canonical variables.

    Parameters
    ----------
    paths
        One or more NetCDF files: waves (VHM0, VTPK, VTM10, VMDR, wind-sea ``_WW`` and swell
        ``_SW1`` partitions), currents (uo, vo in m s-1) and/or temperature (thetao in degC or
        K); coordinates ``latitude``/``longitude`` or ``lat``/``lon``, optional ``depth``
        (the shallowest level is kept and each variable's ``comment`` says which); any CF
        calendar (:func:`seawatch.fetchers.netcdf.open_netcdf`); ``_FillValue`` and
        ``missing_value`` both masked. Files with the same variables are joined along time.

    Returns
    -------
    xarray.Dataset
        ``(time, lat, lon)`` float64 variables with canonical names; directions "from" (waves);
        native grid and time steps.

    Raises
    ------
    DataError
        If a file cannot be read or holds none of the MEDSEA variables.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    parts: list[xr.Dataset] = []
    for path in paths:
        parts.append(_read_one(Path(path)))
    by_vars: dict[tuple[str, ...], list[xr.Dataset]] = {}
    for part in parts:
        by_vars.setdefault(tuple(sorted(part.data_vars)), []).append(part)
    joined = [join_by_time(group) for group in by_vars.values()]
    try:
        return xr.merge(joined, join="outer", compat="no_conflicts")
    except (ValueError, xr.MergeError) as exc:
        raise DataError(f"the Copernicus files do not fit together ({exc})") from None


def join_by_time(parts: Sequence[xr.Dataset]) -> xr.Dataset:
    """Join datasets of the same variables along time; where times repeat the later part wins."""
    if len(parts) == 1:
        return parts[0]
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = out.combine_first(part)
    return out.sortby("time")


def _read_one(path: Path) -> xr.Dataset:
    raw = open_netcdf(path)
    present = [name for name in CMEMS_NAMES if name in raw.data_vars]
    if "VTM10" in present and "VTM02" in present:
        present.remove("VTM02")
    if not present:
        raise DataError(
            f"{path.name} holds {sorted(map(str, raw.data_vars))}, none of the Copernicus "
            f"Marine MEDSEA variables {sorted(CMEMS_NAMES)}"
        )
    ds = raw[present]
    ds = ds.rename(
        {k: v for k, v in {"latitude": "lat", "longitude": "lon"}.items() if k in ds.dims}
    )
    level = ""
    if "depth" in ds.dims:
        depths = np.asarray(ds["depth"].values, dtype=np.float64)
        top = int(np.argmin(np.abs(depths)))
        units = str(ds["depth"].attrs.get("units", "m"))
        level = (
            f"taken at the shallowest of the file's {depths.size} depth levels, "
            f"{abs(depths[top]):g} {units}"
        )
        ds = ds.isel(depth=top)
    extra = [d for d in ds.dims if d not in ("time", "lat", "lon")]
    if extra or not {"time", "lat", "lon"} <= set(ds.dims):
        raise DataError(
            f"{path.name} has dims {dict(ds.sizes)}; expected time, latitude, longitude"
        )
    ds = ds.drop_vars([c for c in ds.coords if c not in ("time", "lat", "lon")])
    out = xr.Dataset()
    for name in present:
        var = ds[name].transpose("time", "lat", "lon").astype(np.float64)
        if name == "thetao":
            var = _celsius(var, path)
        canonical = CMEMS_NAMES[name]
        out[canonical] = var
        attrs = {"long_name": LONG_NAMES[name]} if name in LONG_NAMES else {}
        if level:
            attrs["comment"] = level
        out[canonical].attrs = attrs
    return out


def _celsius(var: xr.DataArray, path: Path) -> xr.DataArray:
    """Sea temperature in degrees Celsius from the units the providers write."""
    units = str(var.attrs.get("units", "")).strip()
    key = units.lower().replace(" ", "").replace("°", "deg").replace("-", "_")
    if key in CELSIUS_UNITS:
        return var
    if key in KELVIN_UNITS:
        return var - 273.15
    raise DataError(
        f"{path.name}: thetao is in {units!r}; seawatch reads sea temperature in degC "
        f"(C, degC, Celsius) or K"
    )


def subset_cmems(
    dataset_id: str,
    variables: Sequence[str],
    bbox: tuple[float, float, float, float],
    start: dt.datetime,
    end: dt.datetime,
    output: Path,
    username: str,
    password: str,
) -> Path:
    """Download a subset with ``copernicusmarine.subset`` (the only call to the toolbox).

    Parameters
    ----------
    dataset_id
        Copernicus Marine dataset id.
    variables
        Variable names in the dataset.
    bbox
        ``(west, south, east, north)``, degrees.
    start, end
        Time window, naive UTC.
    output
        NetCDF file to write.
    username, password
        Copernicus Marine credentials.
    """
    try:
        import copernicusmarine
    except ImportError:
        raise FetchError(
            f"{SOURCE}: Copernicus Marine needs the cmems extra: pip install 'seawatch[cmems]'"
        ) from None
    west, south, east, north = bbox
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        copernicusmarine.subset(
            dataset_id=dataset_id,
            variables=list(variables),
            minimum_longitude=west,
            maximum_longitude=east,
            minimum_latitude=south,
            maximum_latitude=north,
            minimum_depth=0.0,
            maximum_depth=2.0,
            start_datetime=start.strftime("%Y-%m-%dT%H:%M:%S"),
            end_datetime=end.strftime("%Y-%m-%dT%H:%M:%S"),
            coordinates_selection_method="outside",
            output_filename=output.name,
            output_directory=str(output.parent),
            file_format="netcdf",
            username=username,
            password=password,
            overwrite=True,
        )
    except Exception as exc:  # the toolbox raises its own hierarchy and requests errors
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise FetchError(f"{SOURCE}: subset of {dataset_id} failed ({text})") from None
    return output


def fetch(
    settings: Settings,
    *,
    progress: bool = False,
    session: requests.Session | None = None,
) -> SourceFetch:
    """Fetch today's MEDSEA forecast (waves, surface currents, SST) over the area and store it.

    Parameters
    ----------
    settings
        ``[area]`` and ``[sources.copernicus]``.
    progress
        Unused: the toolbox draws its own bars.
    session
        Unused: the toolbox makes its own connections.

    Raises
    ------
    MissingCredentialsError
        Without credentials (one line saying which variables to set).
    FetchError, DataError
        One line; the last good ``copernicus.nc`` stays in place.
    """
    del progress, session
    cfg = settings.sources.copernicus
    user, password = credentials(settings)
    started = time.perf_counter()
    run = now_utc().replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    label = run_label(run)
    end = run + dt.timedelta(hours=cfg.horizon_hours)
    requests_ = [
        ("waves", cfg.wave_dataset, WAVE_VARIABLES),
        ("currents", cfg.current_dataset, CURRENT_VARIABLES),
        ("sst", cfg.sst_dataset, SST_VARIABLES),
    ]
    target = DataPaths(settings.data_dir).source_forecast(SOURCE)
    key = cache_key(
        SOURCE,
        label,
        settings.area.bbox,
        [v for _, _, vs in requests_ for v in vs],
        datasets=[d for _, d, _ in requests_],
        horizon=cfg.horizon_hours,
    )
    cache = RunCache(settings.data_dir, SOURCE)
    stored = stored_run(cache, key, target, isoformat_utc(run), SOURCE, MODEL, started)
    if stored is not None:
        return stored
    files = []
    for name, dataset_id, variables in requests_:
        path = DataPaths(settings.data_dir).raw_dir(SOURCE, label) / f"{name}.nc"
        subset_cmems(dataset_id, variables, settings.area.bbox, run, end, path, user, password)
        save_raw(settings.data_dir, SOURCE, label, path.name, path=path, url=dataset_id)
        files.append(path)
    merged = clip_to_area(read_cmems(files), settings.area.bbox, name=SOURCE)
    ds = make_canonical(
        merged,
        source=SOURCE,
        model=MODEL,
        reference_time=run,
        provenance=[d for _, d, _ in requests_],
    )
    path = store_forecast(ds, target, name=SOURCE)
    cache.put(key, {"run": isoformat_utc(run), "path": str(path)})
    seconds = time.perf_counter() - started
    log.info("%s: run %s, %d steps, %.1f s", SOURCE, label, ds.sizes["time"], seconds)
    return SourceFetch(
        source=SOURCE,
        dataset=ds,
        path=path,
        run=isoformat_utc(run),
        model=MODEL,
        points=int(ds.sizes["lat"] * ds.sizes["lon"]),
        requests=len(requests_),
        bytes=sum(p.stat().st_size for p in files),
        seconds=round(seconds, 2),
    )


__all__ = ["credentials", "fetch", "read_cmems", "subset_cmems"]
