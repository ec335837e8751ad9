"""A synthetic risk dataset in exactly the shape the layers produce, and incidents to match.

The sea state is a north-westerly gale crossing the area (wave height rising to ~4 m in the
north-west and ~2.5 m off Tripoli, then easing), on the bundled coastline's land mask; hazard
levels follow the rubber-dinghy / wooden-boat / small-boat thresholds of docs/risk-model.md
(step 1) with a steepness and a gust modifier recorded in ``drivers``. Land cells (wholly on
land, as in the grid of the risk layers) carry the int8 fill value, as in the real file.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from seawatch.layers.capsize import DRIVER_FLAGS, drivers_attrs
from seawatch.layers.grid import land_cells
from seawatch.schema import HAZARD_LEVELS, VESSELS, hazard_level_attrs

FILL = np.int8(-127)
BIT = {name: mask for name, mask, _ in DRIVER_FLAGS}
# Hs thresholds (m) of moderate, high, severe, extreme per vessel class (risk-model.md step 1).
HS_THRESHOLDS = {
    "rubber_dinghy": (0.5, 1.0, 1.5, 2.5),
    "wooden_boat": (1.0, 1.5, 2.5, 4.0),
    "small_boat": (0.5, 1.25, 2.0, 2.5),
}


def make_risk(
    west: float = 10.0,
    east: float = 20.0,
    south: float = 30.5,
    north: float = 38.0,
    resolution: float = 0.25,
    hours: int = 48,
    step_hours: int = 1,
    start: dt.datetime = dt.datetime(2026, 11, 24, 0, 0),
    reference_time: str = "2026-11-24T00:00:00Z",
    demo: bool = False,
) -> xr.Dataset:
    """Risk dataset (time, vessel, lat, lon) with every variable of the contract."""
    lat = np.round(np.arange(south + resolution / 2, north, resolution), 6)
    lon = np.round(np.arange(west + resolution / 2, east, resolution), 6)
    times = pd.date_range(start, periods=hours // step_hours, freq=f"{step_hours}h").values
    land = land_cells(lat, lon, resolution)
    nt, ny, nx = len(times), len(lat), len(lon)
    hours_since = (np.arange(nt) * step_hours).astype(float)[:, None, None]
    la = lat[None, :, None]
    lo = lon[None, None, :]
    # A storm centre moving south-east; Hs falls off with distance from it.
    centre_lat = 37.5 - 0.08 * hours_since
    centre_lon = 11.0 + 0.08 * hours_since
    dist = np.hypot(la - centre_lat, (lo - centre_lon) * np.cos(np.radians(34)))
    peak = 4.2 * np.exp(-(((hours_since - 24.0) / 20.0) ** 2)) + 0.3
    hs = (0.2 + peak * np.exp(-((dist / 2.5) ** 2))).astype(np.float32)
    period = (3.0 + 1.6 * hs).astype(np.float32)
    speed = 3.0 + 7.0 * hs
    u10 = (0.6 * speed).astype(np.float32)
    v10 = (-0.8 * speed).astype(np.float32)
    gust = (1.3 * speed).astype(np.float32)
    uo = np.broadcast_to(np.float32(0.25) * np.exp(-((la - 33.2) ** 2)), hs.shape).astype(
        np.float32
    )
    vo = np.zeros_like(hs) + np.float32(0.03)
    sst = np.broadcast_to(np.float32(17.0) + 0.4 * (la - 34.0) * -1, hs.shape).astype(np.float32)
    steep = hs / (1.56 * period**2)

    level = np.zeros((nt, len(VESSELS), ny, nx), dtype=np.int8)
    drivers = np.zeros((nt, len(VESSELS), ny, nx), dtype=np.int16)
    for k, vessel in enumerate(VESSELS):
        thresholds = HS_THRESHOLDS[vessel]
        lv = np.digitize(hs, thresholds).astype(np.int8)
        bits = np.where(lv > 0, BIT["hs_band"], 0).astype(np.int16)
        raise_steep = steep >= 1 / 20
        lv = np.where(raise_steep, np.minimum(lv + 1, 4), lv).astype(np.int8)
        bits = bits | np.where(raise_steep, BIT["steepness_1"], 0).astype(np.int16)
        gust_floor = gust >= 17.0
        lv = np.where(gust_floor & (lv < 3), 3, lv).astype(np.int8)
        bits = bits | np.where(gust_floor, BIT["gust_floor"], 0).astype(np.int16)
        if vessel == "wooden_boat":
            lv = np.maximum(lv, 1).astype(np.int8)
        level[:, k] = lv
        drivers[:, k] = bits
    level[:, :, land] = FILL
    drivers[:, :, land] = 0

    exposure = np.exp(-(((lat[:, None] - 33.6) / 0.9) ** 2) - (((lon[None, :] - 12.8) / 1.5) ** 2))
    exposure = np.where(land, np.nan, exposure).astype(np.float32)
    score = np.where(level >= 0, level.astype(np.float32) + 0.5, np.nan).astype(np.float32)
    risk = (np.clip(score / 5.0, 0, 1) * exposure[None, None]).astype(np.float32)
    survival = np.clip(0.2 + (sst - 10.0) * 0.8, 0.5, 30.0).astype(np.float32)

    def sea(values: np.ndarray) -> np.ndarray:
        out = np.array(values, dtype=np.float32)
        out[..., land] = np.nan
        return out

    ds = xr.Dataset(
        coords={"time": times, "vessel": list(VESSELS), "lat": lat, "lon": lon},
    )
    ds["hazard_level"] = (
        ("time", "vessel", "lat", "lon"),
        level,
        {**hazard_level_attrs(), "_FillValue": FILL},
    )
    ds["hazard_score"] = (
        ("time", "vessel", "lat", "lon"),
        score,
        {"units": "1", "long_name": "capsize hazard score"},
    )
    ds["drivers"] = (
        ("time", "vessel", "lat", "lon"),
        drivers,
        drivers_attrs(),
    )
    ds["exposure"] = (("lat", "lon"), exposure, {"units": "1"})
    ds["risk"] = (("time", "vessel", "lat", "lon"), sea(risk), {"units": "1"})
    ds["survival_hours"] = (("time", "lat", "lon"), sea(survival), {"units": "h"})
    ds["cold_shock"] = (("time", "lat", "lon"), sea((sst < 15).astype(np.float32)), {"units": "1"})
    for name, values, units in (
        ("hs", hs, "m"),
        ("period", period, "s"),
        ("hs_eff", hs, "m"),
        ("steepness", steep, "1"),
        ("u10", u10, "m s-1"),
        ("v10", v10, "m s-1"),
        ("gust", gust, "m s-1"),
        ("uo", uo, "m s-1"),
        ("vo", vo, "m s-1"),
        ("sst", sst, "degC"),
    ):
        ds[name] = (("time", "lat", "lon"), sea(values), {"units": units})
    ds["land"] = (
        ("lat", "lon"),
        land.astype(np.int8),
        {"flag_values": [0, 1], "flag_meanings": "sea land"},
    )
    ds.attrs = {
        "source": "open_meteo",
        "model": "ecmwf_ifs025 + meteofrance_wave",
        "reference_time": reference_time,
        "risk_model_version": "test-1",
        "demo": 1 if demo else 0,
        "hazard_levels": " ".join(HAZARD_LEVELS),
    }
    return ds


STATUSES = ("distress", "intercepted", "rescued", "capsized", "sunk", "missing", "closed")


def make_incidents(n: int = 12, now: dt.datetime | None = None, seed: int = 3) -> gpd.GeoDataFrame:
    """Incidents frame in the contract's columns, spread over the last 30 days off Tripoli.

    Includes the ugly corners: a row without a position, missing counts (NA), an unknown status,
    quotes and angle brackets in the notes, a non-ASCII location.
    """
    now = now or dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
    rng = np.random.default_rng(seed)
    ages_h = np.concatenate([[2.0, 20.0, 30.0, 100.0], rng.uniform(0, 24 * 30, max(0, n - 4))])[:n]
    lat = 33.0 + rng.uniform(0, 1.5, n)
    lon = 12.0 + rng.uniform(0, 2.0, n)
    records = []
    for i in range(n):
        records.append(
            {
                "id": i + 1,
                "time": pd.Timestamp(now) - pd.Timedelta(hours=float(ages_h[i])),
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "position_text": f"{lat[i]:.4f}N {lon[i]:.4f}E",
                "persons": pd.NA if i % 5 == 0 else int(30 + i),
                "dead": pd.NA if i % 3 else int(i % 4),
                "missing": int(i % 2),
                "survivors": pd.NA,
                "boat_type": ("rubber", "wooden", "fibreglass", "unknown")[i % 4],
                "status": STATUSES[i % len(STATUSES)] if i != 7 else "Reported",
                "source": "iom_mmp" if i % 2 else "coordinator",
                "source_id": f"2026.MMP{i:05d}",
                "source_quality": pd.NA if i % 4 == 0 else int(1 + i % 5),
                "cause": "Drowning",
                "route": "Central Mediterranean",
                "location": "off Zuwara / قبالة زوارة",
                "url": "https://missingmigrants.iom.int/incident/" + str(i),
                "notes": 'boat "Sara" <engine failure>' if i == 1 else None,
                "flags": None,
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame.loc[n - 1, ["lat", "lon"]] = np.nan  # a report without a usable position
    frame["time"] = pd.to_datetime(frame["time"], utc=True).astype("datetime64[ns, UTC]")
    for col in ("persons", "dead", "missing", "survivors", "source_quality"):
        frame[col] = frame[col].astype("Int64")
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
