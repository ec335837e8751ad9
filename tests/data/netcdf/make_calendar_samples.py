"""Rewrite real Copernicus Marine MEDSEA physics output with other CF calendars.

Source: ``shared/data/marine/medsea_phy_south_adriatic_2023/CMEMS_med_2023815_raw.nc`` (CMEMS
MEDSEA_ANALYSISFORECAST_PHY_006_013, daily means 2023-08-14..18, 25 x 25 cells at 1/24 deg,
28 depths). The values, grid and depths are copied unchanged (the three shallowest levels only,
to keep the files small); only the time axis is re-encoded with netCDF4/cftime under another
calendar (the same instants for the julian calendar, the same date labels for the model
calendars noleap and 360_day), and the attributes are set the way older MFS files set
them (``thetao`` in "C", ``_FillValue`` and ``missing_value`` both present).

Run from the repository root: ``python tests/data/netcdf/make_calendar_samples.py``.
"""

from __future__ import annotations

from pathlib import Path

import cftime
import netCDF4
import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = (
    HERE.parents[3] / "shared/data/marine/medsea_phy_south_adriatic_2023/CMEMS_med_2023815_raw.nc"
)
LEVELS = 3

# file name -> (calendar, time units, _FillValue, missing_value, thetao units)
VARIANTS = {
    "medsea_phy_adriatic_noleap.nc": ("noleap", "days since 1950-01-01 00:00:00", 1e20, 1e20, "C"),
    "medsea_phy_adriatic_360day.nc": ("360_day", "hours since 2023-01-01", 1e20, -999.0, "degC"),
    "medsea_phy_adriatic_julian.nc": ("julian", "seconds since 1970-01-01 00:00:00", -999.0,
                                      -999.0, "K"),
}  # fmt: skip


def write(name: str, calendar: str, units: str, fill: float, missing: float, t_units: str) -> None:
    with netCDF4.Dataset(SOURCE) as src:
        times = cftime.num2date(
            src["time"][:], src["time"].units, src["time"].calendar, only_use_cftime_datetimes=True
        )
        if calendar in ("julian", "standard", "gregorian", "proleptic_gregorian"):
            labels = [t.change_calendar(calendar) for t in times]  # same instants
        else:  # model calendars: same date labels
            labels = [cftime.datetime(*t.timetuple()[:6], calendar=calendar) for t in times]
        with netCDF4.Dataset(HERE / name, "w", format="NETCDF4_CLASSIC") as dst:
            dst.setncatts({k: src.getncattr(k) for k in src.ncattrs()})
            dst.history = (
                f"{src.history}\nseawatch tests: time re-encoded with calendar {calendar}, "
                f"{LEVELS} shallowest depths kept (tests/data/netcdf/make_calendar_samples.py)"
            )
            dst.createDimension("time", None)
            dst.createDimension("depth", LEVELS)
            dst.createDimension("lat", src.dimensions["lat"].size)
            dst.createDimension("lon", src.dimensions["lon"].size)
            t = dst.createVariable("time", "f8", ("time",))
            t.setncatts({"standard_name": "time", "long_name": "time", "units": units,
                         "calendar": calendar, "axis": "T"})  # fmt: skip
            t[:] = cftime.date2num(labels, units, calendar)
            for coord in ("depth", "lat", "lon"):
                v = dst.createVariable(coord, "f4", (coord,))
                v.setncatts({k: src[coord].getncattr(k) for k in src[coord].ncattrs()
                             if not k.startswith("_")})  # fmt: skip
                v[:] = src[coord][:LEVELS] if coord == "depth" else src[coord][:]
            for var in ("uo", "vo", "thetao"):
                data = np.ma.filled(src[var][:, :LEVELS], np.nan).astype(np.float32)
                if var == "thetao" and t_units == "K":
                    data = data + np.float32(273.15)
                out = dst.createVariable(
                    var, "f4", ("time", "depth", "lat", "lon"), zlib=True, fill_value=fill
                )
                out.set_auto_mask(False)
                attrs = {k: src[var].getncattr(k) for k in src[var].ncattrs()
                         if k not in ("_FillValue", "missing_value", "_ChunkSizes")}  # fmt: skip
                attrs["missing_value"] = np.float32(missing)
                if var == "thetao":
                    attrs["units"] = t_units
                out.setncatts(attrs)
                # land is written with missing_value; with two different markers, the first
                # time step's land uses _FillValue so that both must be recognised
                land = ~np.isfinite(data)
                data = np.where(land, np.float32(missing), data)
                data[0][land[0]] = np.float32(fill)
                out[:] = data


if __name__ == "__main__":
    for file_name, spec in VARIANTS.items():
        write(file_name, *spec)
        print(HERE / file_name, (HERE / file_name).stat().st_size, "bytes")
