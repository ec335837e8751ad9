"""Synthetic canonical hindcasts and planted incidents with known answers.

The weather is one daily series over a small grid off Tripolitania (plus a little noise per
cell), so the day decides the conditions; cases are planted on chosen days at random sea cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from seawatch.schema import make_canonical

LAT = np.arange(32.5, 35.01, 0.5)
LON = np.arange(12.0, 15.01, 0.5)
LAND = (0, 0)  # (lat index, lon index) of one land cell: hs is NaN there


def weather(days: pd.DatetimeIndex, persistence: float, seed: int) -> dict[str, np.ndarray]:
    """Daily Hs [m], wind speed [m/s] and peak period [s], AR(1) with ``persistence``."""
    rng = np.random.default_rng(seed)

    def ar1(n: int) -> np.ndarray:
        x = np.empty(n)
        x[0] = rng.standard_normal()
        scale = np.sqrt(1 - persistence**2)
        for i in range(1, n):
            x[i] = persistence * x[i - 1] + scale * rng.standard_normal()
        return x

    n = days.size
    hs = np.clip(0.9 + 0.35 * ar1(n), 0.1, None)
    wind = np.clip(8.0 + 3.5 * ar1(n), 0.5, None)
    tp = 7.0 + rng.uniform(-1, 1, n)
    return {"hs": hs, "wind": wind, "tp": tp}


CALM = {"hs": 0.3, "wind": 3.0}
"""Weather of a planted calm day: index Low for every vessel class (Hs 0.3 m, Beaufort 2)."""


def write_hindcast(
    path: Path,
    start: str,
    end: str,
    persistence: float = 0.0,
    seed: int = 0,
    calm: np.ndarray | None = None,
) -> tuple[Path, pd.DatetimeIndex, dict[str, np.ndarray]]:
    """A canonical NetCDF with daily hs, tp, u10, v10 over the small grid; the day positions in
    ``calm`` get the :data:`CALM` weather."""
    days = pd.date_range(start, end, freq="D")
    w = weather(days, persistence, seed)
    if calm is not None:
        for name, value in CALM.items():
            w[name][calm] = value
    rng = np.random.default_rng(seed + 1)
    shape = (days.size, LAT.size, LON.size)
    noise = 1.0 + 0.02 * rng.standard_normal(shape)
    hs = w["hs"][:, None, None] * noise
    hs[:, LAND[0], LAND[1]] = np.nan
    speed = w["wind"][:, None, None] * noise
    ds = xr.Dataset(
        {
            "hs": (("time", "lat", "lon"), hs),
            "tp": (("time", "lat", "lon"), np.broadcast_to(w["tp"][:, None, None], shape)),
            "u10": (("time", "lat", "lon"), -speed * 0.6),
            "v10": (("time", "lat", "lon"), -speed * 0.8),
        },
        coords={"time": days.values, "lat": LAT, "lon": LON},
    )
    ds = make_canonical(
        ds, source="synthetic", model="synthetic daily hindcast", reference_time=days[0],
        provenance="tests/validate/synthetic.py",
    )  # fmt: skip
    ds.to_netcdf(path)
    return path, days, w


def plant(days: pd.DatetimeIndex, chosen: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """Incidents on ``chosen`` day positions, at random sea cells (never the land cell)."""
    rng = np.random.default_rng(seed)
    n = chosen.size
    iy = rng.integers(1, LAT.size, n)
    ix = rng.integers(0, LON.size, n)
    return pd.DataFrame(
        {
            "time": pd.DatetimeIndex(days[chosen]).tz_localize("UTC") + pd.Timedelta(hours=10),
            "lat": LAT[iy] + rng.uniform(-0.1, 0.1, n),
            "lon": LON[ix] + rng.uniform(-0.1, 0.1, n),
            "dead": 5,
            "missing": 0,
            "boat_type": "unknown",
        }
    )


MMP_HEADER = (
    "Main ID,Incident ID,Incident Type,Region of Incident,Incident Date,Incident Year,Month,"
    "Number of Dead,Minimum Estimated Number of Missing,Total Number of Dead and Missing,"
    "Number of Survivors,Number of Females,Number of Males,Number of Children,"
    "Country of Origin,Region of Origin,Cause of Death,Country of Incident,Migration Route,"
    "Location of Incident,Coordinates,UNSD Geographical Grouping,Information Source,URL,"
    "Source Quality"
)


def write_mmp_csv(incidents: pd.DataFrame, path: Path) -> Path:
    """The incidents as an IOM MMP "allData" CSV (the layout of the real export)."""
    lines = [MMP_HEADER]
    for i, r in enumerate(incidents.itertuples(index=False), start=1):
        t = pd.Timestamp(r.time)
        dead = int(r.dead)
        lines.append(
            f"{t.year}.MMP9{i:04d},{t.year}.MMP9{i:04d},Incident,Mediterranean,"
            f"{t:%Y-%m-%d},{t.year},{t:%B},{dead},,{dead},10,,,,Unknown,Unknown,Drowning,"
            f'Libya,Central Mediterranean,Off Libya (synthetic),"{r.lat:.5f}, {r.lon:.5f}",'
            "Northern Africa,synthetic test,,4"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def inside(idx: np.ndarray, days: pd.DatetimeIndex) -> np.ndarray:
    """Day indices far enough from the hindcast's ends for every referent and the placebo."""
    return idx[(idx > 5) & (idx < days.size - 10)]
