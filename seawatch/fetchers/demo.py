"""Demo source: a deterministic synthetic sea state for trying seawatch offline.

A five-day hourly scenario over the area of interest, on the configured grid: a north-westerly
wind event that builds over the Sicily Channel, peaks (with gusts) while moving south-east towards
the Libyan coast, and decays; the wind sea it raises, a decaying background swell, a weak eastward
current along the Libyan shelf and a seasonal sea-surface temperature.

It is **not a forecast**: every output made from it carries ``source = "demo-scenario"``, and the
maps say so in a banner.

Physics
-------
Wind sea grows with the fetch- and duration-limited JONSWAP relations of the US Army Corps of
Engineers *Coastal Engineering Manual* (EM 1110-2-1100, 2002), Part II, Chapter 2, Eqs. II-2-36 to
II-2-40, written with the friction velocity :math:`u_*`:

.. math::

    \\frac{g H_{m0}}{u_*^2} = 4.13\\times10^{-2}\\left(\\frac{g X}{u_*^2}\\right)^{1/2},\\qquad
    \\frac{g T_p}{u_*} = 0.651\\left(\\frac{g X}{u_*^2}\\right)^{1/3},

    \\frac{g t}{u_*} = 77.23\\left(\\frac{g X}{u_*^2}\\right)^{2/3}\\ \\text{(duration} \\to
    \\text{equivalent fetch)},\\qquad \\frac{g H_{m0}}{u_*^2} \\le 211.5,\\quad
    \\frac{g T_p}{u_*} \\le 239.8\\ \\text{(fully developed)},

with :math:`C_D = 0.001(1.1 + 0.035 U_{10})` and :math:`u_*^2 = C_D U_{10}^2` (CEM Eq. II-2-35).
The fetch of every cell is measured upwind along the wind direction over the bundled coastline.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import xarray as xr
from scipy import ndimage

from seawatch.config import Settings
from seawatch.schema import make_canonical

SOURCE = "demo-scenario"
MODEL = "seawatch synthetic north-westerly gale, v1"
G = 9.81  # m s-2
HOURS = 120  # five days, hourly

# Scenario shape; all [A]: chosen to look like a winter mistral outbreak over the Sicily Channel.
ONSET_H = 6.0  # hour the wind starts to build in the north-west corner
PEAK_H = 36.0  # hour of peak wind in the north-west corner
DECAY_H = 30.0  # e-folding hours of the decay after the peak
BACKGROUND_WIND = 4.0  # m s-1, light north-westerly before and after the event
PEAK_WIND = 21.0  # m s-1 (~41 kn, Beaufort 9) at the north-west corner at the peak
SOUTHWARD_WEAKENING = 0.45  # share of peak wind lost from the north edge to the south edge
STORM_SPEED_KMH = 35.0  # south-eastward travel of the event, delays the peak downwind
GUST_FACTOR = 1.3  # gust / mean wind at sea; within the 1.2-1.4 range of WMO/TD-No. 1555 (2010)
WIND_FROM_START, WIND_FROM_END = 300.0, 330.0  # degrees, the wind veers from WNW to NNW
MAX_FETCH_KM = 600.0  # open fetch beyond the grid is capped here
RELAX_HOURS = 3.0  # e-folding time of the wind sea towards its equilibrium [A]
PRIOR_WIND_HOURS = 12.0  # the light wind has blown this long before the scenario starts [A]
SWELL_HS0, SWELL_TM, SWELL_FROM, SWELL_DECAY_H = 1.1, 8.5, 285.0, 40.0  # decaying westerly swell
SHELF_CURRENT = 0.30  # m s-1 eastward jet along the Libyan shelf (Atlantic-Ionian stream branch)
SHELF_WIDTH_KM = 45.0  # e-folding distance from the coast of that jet
SST_MEAN, SST_AMPLITUDE, SST_PEAK_DOY = 21.5, 6.0, 235  # degC; off Tripolitania 15-17 / 26-29 degC
SST_LAT_GRADIENT = -0.5  # degC per degree of latitude northwards


def drag_coefficient(u10: np.ndarray) -> np.ndarray:
    """Wind-speed dependent drag coefficient, CEM (2002) Eq. II-2-35; ``u10`` in m s-1."""
    return 0.001 * (1.1 + 0.035 * u10)


def wind_sea_growth(
    u10: np.ndarray, fetch_m: np.ndarray, duration_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fetch- and duration-limited wind-sea height and peak period (CEM 2002, Eqs. II-2-36..40).

    Parameters
    ----------
    u10 : array, [m s-1]
        Wind speed at 10 m.
    fetch_m : array, [m]
        Upwind fetch over water.
    duration_s : array, [s]
        How long the wind has blown.

    Returns
    -------
    hs, tp : arrays, [m], [s]
        Significant height and peak period of the wind sea; the smaller of the fetch-limited,
        duration-limited and fully developed values.
    """
    u10 = np.maximum(u10, 0.5)
    ustar = np.sqrt(drag_coefficient(u10)) * u10
    x_fetch = G * fetch_m / ustar**2
    x_duration = (G * duration_s / ustar / 77.23) ** 1.5
    x = np.minimum(x_fetch, x_duration)
    hs = np.minimum(4.13e-2 * np.sqrt(x), 211.5) * ustar**2 / G
    tp = np.minimum(0.651 * np.cbrt(x), 239.8) * ustar / G
    return hs, tp


def _grid(settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    a, res = settings.area, settings.grid.resolution
    lat = np.round(np.arange(a.south, a.north + res / 2, res), 6)
    lon = np.round(np.arange(a.west, a.east + res / 2, res), 6)
    return lat, lon


def upwind_fetch_km(
    land: np.ndarray, lat: np.ndarray, lon: np.ndarray, wind_from: float
) -> np.ndarray:
    """Distance upwind over water to the first land cell, km, capped at ``MAX_FETCH_KM``.

    Marches every cell's ray upwind in 5 km steps over the gridded land mask; rays leaving the
    grid continue over open sea to the cap. Land cells get 0.
    """
    step_km = 5.0
    res_lat = float(lat[1] - lat[0])
    res_lon = float(lon[1] - lon[0])
    theta = math.radians(wind_from)  # direction the wind comes from = direction of the upwind ray
    km_per_deg_lat = 111.2
    lat2d, lon2d = np.meshgrid(lat, lon, indexing="ij")
    km_per_deg_lon = km_per_deg_lat * np.cos(np.radians(lat2d))
    fetch = np.full(land.shape, MAX_FETCH_KM, dtype=np.float64)
    open_ray = ~land
    for k in range(1, int(MAX_FETCH_KM / step_km) + 1):
        d = k * step_km
        plat = lat2d + d * math.cos(theta) / km_per_deg_lat
        plon = lon2d + d * math.sin(theta) / km_per_deg_lon
        i = np.rint((plat - lat[0]) / res_lat).astype(int)
        j = np.rint((plon - lon[0]) / res_lon).astype(int)
        inside = (i >= 0) & (i < len(lat)) & (j >= 0) & (j < len(lon))
        hit = np.zeros(land.shape, dtype=bool)
        hit[inside] = land[i[inside], j[inside]]
        newly = open_ray & hit
        fetch[newly] = d
        open_ray &= ~hit
        if not open_ray.any():
            break
    fetch[land] = 0.0
    return fetch


def demo_forecast(settings: Settings, start: dt.datetime | None = None) -> xr.Dataset:
    """The demo scenario as a canonical forecast dataset.

    Parameters
    ----------
    settings
        Area of interest and grid resolution come from here.
    start
        First time step (UTC); default today at 00 UTC. The scenario is deterministic for a
        given ``start`` and grid.

    Returns
    -------
    xarray.Dataset
        Canonical forecast (see :mod:`seawatch.schema`) with ``source = "demo-scenario"``.
    """
    from seawatch.geo.coastline import land_mask

    if start is None:
        start = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = (
        start.replace(tzinfo=None)
        if start.tzinfo is None
        else start.astimezone(dt.UTC).replace(tzinfo=None)
    )
    lat, lon = _grid(settings)
    times = np.array([np.datetime64(start, "ns") + np.timedelta64(h, "h") for h in range(HOURS)])
    hours = np.arange(HOURS, dtype=np.float64)
    land = land_mask(lat, lon)
    sea = ~land
    lat2d, lon2d = np.meshgrid(lat, lon, indexing="ij")
    a = settings.area

    # Distance (km) south-east of the north-west corner along the storm track: delays the event.
    km_per_deg = 111.2
    track_km = (
        (a.north - lat2d) * km_per_deg + (lon2d - a.west) * km_per_deg * np.cos(np.radians(lat2d))
    ) / math.sqrt(2.0)
    delay_h = track_km / STORM_SPEED_KMH
    north_share = (lat2d - a.south) / (a.north - a.south)
    peak_here = PEAK_WIND * (1.0 - SOUTHWARD_WEAKENING * (1.0 - north_share))

    wind_from = WIND_FROM_START + (WIND_FROM_END - WIND_FROM_START) * np.clip(
        (hours - ONSET_H) / (PEAK_H + 2 * DECAY_H - ONSET_H), 0.0, 1.0
    )
    fetch_by_dir = {
        d: upwind_fetch_km(land, lat, lon, d) for d in np.unique(np.round(wind_from / 5.0) * 5.0)
    }

    shape = (HOURS, len(lat), len(lon))
    u10 = np.empty(shape, np.float32)
    v10 = np.empty(shape, np.float32)
    gust = np.empty(shape, np.float32)
    hs_ws = np.empty(shape, np.float32)
    tp_ws = np.empty(shape, np.float32)
    dir_ws = np.empty(shape, np.float32)
    hs_prev: np.ndarray | None = None
    tp_prev: np.ndarray | None = None
    relax = 1.0 - math.exp(-1.0 / RELAX_HOURS)
    for n, h in enumerate(hours):
        local = h - delay_h
        build = np.clip((local - ONSET_H) / (PEAK_H - ONSET_H), 0.0, 1.0)
        envelope = np.where(
            local <= PEAK_H,
            0.5 - 0.5 * np.cos(np.pi * build),
            np.exp(-(local - PEAK_H) / DECAY_H),
        )
        speed = BACKGROUND_WIND + (peak_here - BACKGROUND_WIND) * envelope
        theta = math.radians(float(wind_from[n]))
        u10[n] = -speed * math.sin(theta)
        v10[n] = -speed * math.cos(theta)
        gust[n] = speed * GUST_FACTOR
        duration_h = PRIOR_WIND_HOURS + np.clip(local - ONSET_H, 0.0, None)
        fetch = fetch_by_dir[float(np.round(wind_from[n] / 5.0) * 5.0)]
        hs_eq, tp_eq = wind_sea_growth(speed, fetch * 1000.0, duration_h * 3600.0)
        if hs_prev is None or tp_prev is None:  # the sea the light wind has already raised
            hs_prev, tp_prev = hs_eq, tp_eq
        hs_prev = hs_prev + (hs_eq - hs_prev) * relax
        tp_prev = tp_prev + (tp_eq - tp_prev) * relax
        hs_ws[n] = hs_prev
        tp_ws[n] = tp_prev
        dir_ws[n] = wind_from[n]

    tm_ws = tp_ws / 1.2  # Tm01 ~ Tp/1.2 for a JONSWAP spectrum (gamma = 3.3) [D]
    swell_hs = (SWELL_HS0 * np.exp(-hours / SWELL_DECAY_H))[:, None, None] * np.ones(lat2d.shape)
    # The gale leaves a swell behind it: a share of the wind sea outlives the wind [A].
    wake = (
        np.maximum.accumulate(hs_ws, axis=0)
        * 0.35
        * (1.0 - np.exp(-np.maximum(hours - PEAK_H, 0) / 24.0))[:, None, None]
    )
    swell_hs = np.sqrt(swell_hs**2 + wake**2).astype(np.float32)
    swell_tm = np.full(shape, SWELL_TM, np.float32)
    swell_dir = np.full(shape, SWELL_FROM, np.float32)

    hs = np.sqrt(hs_ws.astype(np.float64) ** 2 + swell_hs**2)
    with np.errstate(invalid="ignore", divide="ignore"):  # land cells have no wind sea: 0/0
        m1 = hs_ws.astype(np.float64) ** 2 / tm_ws + swell_hs**2 / swell_tm
        tm = (hs**2 / np.maximum(m1, 1e-9)).astype(np.float32)
    windsea_dominant = hs_ws >= swell_hs
    tp = np.where(windsea_dominant, tp_ws, swell_tm * 1.2).astype(np.float32)
    wave_dir = np.where(windsea_dominant, dir_ws, swell_dir).astype(np.float32)

    # Weak eastward jet along the Libyan/Tunisian shelf: strongest at the coast, south of 34 N.
    coast_km = ndimage.distance_transform_edt(sea, sampling=(settings.grid.resolution * 111.2,) * 2)
    jet = SHELF_CURRENT * np.exp(-coast_km / SHELF_WIDTH_KM) * (lat2d < 34.0)
    uo = np.broadcast_to(jet, shape).astype(np.float32)
    vo = np.zeros(shape, np.float32)

    doy = np.array([(start + dt.timedelta(hours=float(h))).timetuple().tm_yday for h in hours])
    seasonal = SST_MEAN + SST_AMPLITUDE * np.cos(2 * np.pi * (doy - SST_PEAK_DOY) / 365.25)
    sst = (seasonal[:, None, None] + SST_LAT_GRADIENT * (lat2d - 33.0)).astype(np.float32)

    def sea_only(values: np.ndarray) -> np.ndarray:
        out = np.array(values, dtype=np.float32, copy=True)
        out[:, land] = np.nan
        return out

    dims = ("time", "lat", "lon")
    variables = {
        "hs": hs.astype(np.float32),
        "tp": tp,
        "tm": tm,
        "wave_dir": wave_dir,
        "hs_windsea": hs_ws,
        "tm_windsea": tm_ws.astype(np.float32),
        "dir_windsea": dir_ws,
        "hs_swell": swell_hs,
        "tm_swell": swell_tm,
        "dir_swell": swell_dir,
        "uo": uo,
        "vo": vo,
        "sst": sst,
    }
    ds = xr.Dataset(
        {name: (dims, sea_only(values)) for name, values in variables.items()},
        coords={"time": times, "lat": lat, "lon": lon},
    )
    ds["u10"] = (dims, u10)
    ds["v10"] = (dims, v10)
    ds["gust"] = (dims, gust)
    ds["tm"].attrs["long_name"] = "mean wave period tm01 (energy-weighted over wind sea and swell)"
    return make_canonical(
        ds,
        source=SOURCE,
        model=MODEL,
        reference_time=start,
        provenance="synthetic scenario generated by seawatch.fetchers.demo (not a forecast)",
    )
