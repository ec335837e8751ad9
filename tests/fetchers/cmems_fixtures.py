"""Copernicus Marine MEDSEA wave files in the layout the toolbox writes (synthetic values).

Layout of ``cmems_mod_med_wav_anfc_4.2km_PT1H-i`` subsets: dims ``(time, latitude, longitude)``,
float32 variables with ``_FillValue`` over land, CF ``standard_name``/``units``, 1/24 deg grid
with cell centres at odd multiples of 1/48 deg, latitude ascending, hourly instantaneous times.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

WAVE_ATTRS = {
    "VHM0": ("sea_surface_wave_significant_height", "m", 1.2),
    "VTPK": ("sea_surface_wave_period_at_variance_spectral_density_maximum", "s", 6.5),
    "VTM10": (
        "sea_surface_wave_mean_period_from_variance_spectral_density_inverse_frequency_moment",
        "s",
        5.1,
    ),
    "VTM02": (
        "sea_surface_wave_mean_period_from_variance_spectral_density_second_frequency_moment",
        "s",
        4.4,
    ),
    "VMDR": ("sea_surface_wave_from_direction", "degree", 305.0),
    "VHM0_WW": ("sea_surface_wind_wave_significant_height", "m", 0.9),
    "VTM01_WW": ("sea_surface_wind_wave_mean_period", "s", 3.8),
    "VMDR_WW": ("sea_surface_wind_wave_from_direction", "degree", 300.0),
    "VHM0_SW1": ("sea_surface_primary_swell_wave_significant_height", "m", 0.7),
    "VTM01_SW1": ("sea_surface_primary_swell_wave_mean_period", "s", 7.9),
    "VMDR_SW1": ("sea_surface_primary_swell_wave_from_direction", "degree", 280.0),
}


def write_cmems_waves(
    path: Path,
    *,
    start: str = "2026-08-20T00:00",
    hours: int = 6,
    box: tuple[float, float, float, float] = (12.0, 32.5, 14.0, 34.0),
    variables: tuple[str, ...] = tuple(n for n in WAVE_ATTRS if n != "VTM02"),
) -> Path:
    """Write a MEDSEA wave subset; land (bundled coastline) is the fill value."""
    from seawatch.geo.coastline import land_mask

    west, south, east, north = box
    d = 1 / 24
    lat = np.arange(south + d / 2, north, d).astype(np.float32)
    lon = np.arange(west + d / 2, east, d).astype(np.float32)
    time = np.datetime64(start, "ns") + np.arange(hours) * np.timedelta64(1, "h")
    land = land_mask(lat, lon)
    ds = xr.Dataset(coords={"time": time, "latitude": lat, "longitude": lon})
    ds["latitude"].attrs = {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}
    ds["longitude"].attrs = {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}
    ramp = np.linspace(0.0, 0.5, hours, dtype=np.float32)[:, None, None]
    encoding = {}
    for name in variables:
        standard_name, units, base = WAVE_ATTRS[name]
        values = np.broadcast_to(np.float32(base), (hours, lat.size, lon.size)).copy()
        if name == "VHM0":
            values = values + ramp
        values[:, land] = np.nan
        ds[name] = (("time", "latitude", "longitude"), values)
        ds[name].attrs = {"standard_name": standard_name, "units": units, "long_name": name}
        encoding[name] = {"_FillValue": np.float32(1e20), "dtype": "float32"}
    ds.attrs = {
        "Conventions": "CF-1.11",
        "title": "Mediterranean Sea Waves Analysis and Forecast, hourly instantaneous",
        "source": "MEDWAM4",
        "institution": "HCMR (Greece)",
    }
    ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path
