"""How long normalizing a full-area forecast takes, against the time its payload takes to arrive.

Two payloads over the area of interest (10-20 E, 30.5-38 N), built here with realistic shapes:

* Open-Meteo: a 0.1 deg point grid (sea points only, 1000 locations per request), 7 days hourly,
  all 13 marine and 3 wind variables, JSON as the API writes it (snapped coordinates, ``null``
  near the coast);
* ECMWF open data, twice: (a) what the client really transfers, whole global 0.25 deg messages
  (the open-data files hold global fields; the client fetches the messages it needs by byte
  range and seawatch cuts the area out), for the first steps of a run, whose ratio holds for
  every step since both sides scale with the message count; (b) a GRIB2 file already cut to the
  area (as a filtering server such as NOMADS would send), 16-bit packing, the 7 parameters at
  the published steps 0-144 h: the worst case, where decoding is compared with a tiny transfer.

For each it prints the normalizing time, the time the payload would take at 10 Mbit/s (target:
normalizing under a tenth of it), and the ratio to a floor measured in the same run on the same
machine (``json.loads`` of the answers; decoding every GRIB message with eccodes).

Run: ``.venv/bin/python benchmarks/fetch_normalize.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from seawatch.fetchers import ecmwf, open_meteo
from seawatch.fetchers.grib import import_cfgrib
from seawatch.schema import make_canonical

BBOX = (10.0, 30.5, 20.0, 38.0)
LINK_BITS_PER_S = 10e6


def timed(func: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``func`` over ``repeat`` runs, seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def open_meteo_payloads(
    lat: np.ndarray, lon: np.ndarray, rows: np.ndarray, cols: np.ndarray, days: int = 7
) -> list[tuple[str, bytes, int]]:
    """JSON answers for every request of a refresh, as the API would send them."""
    rng = np.random.default_rng(42)
    start = dt.datetime(2026, 8, 20)
    times = [(start + dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M") for h in range(24 * days)]
    n_time = len(times)
    units = {
        "marine": {name: "m" for name in open_meteo.MARINE_HOURLY}
        | {n: "s" for n in open_meteo.MARINE_HOURLY if n.endswith("period")}
        | {n: "°" for n in open_meteo.MARINE_HOURLY if n.endswith("direction")}
        | {"ocean_current_velocity": "km/h", "sea_surface_temperature": "°C"},
        "wind": {"wind_speed_10m": "m/s", "wind_direction_10m": "°", "wind_gusts_10m": "m/s"},
    }
    payloads = []
    size = open_meteo.MAX_LOCATIONS
    for kind, hourly in (
        ("marine", open_meteo.MARINE_HOURLY),
        ("wind", open_meteo.FORECAST_HOURLY),
    ):
        for first in range(0, rows.size, size):
            last = min(first + size, rows.size)
            items = []
            for k in range(first, last):
                series: dict[str, list] = {"time": times}
                for name in hourly:
                    values = np.round(rng.uniform(0.5, 300.0, n_time), 2).tolist()
                    if k % 17 == 0:  # a coastal cell the wave model does not cover
                        values = [None] * n_time
                    series[name] = values
                item = {
                    "latitude": round(float(lat[rows[k]]) + 0.0416, 6),
                    "longitude": round(float(lon[cols[k]]) + 0.0416, 6),
                    "generationtime_ms": 0.4,
                    "utc_offset_seconds": 0,
                    "timezone": "GMT",
                    "timezone_abbreviation": "GMT",
                }
                if k - first:
                    item["location_id"] = k - first
                item["hourly_units"] = {"time": "iso8601"} | {n: units[kind][n] for n in hourly}
                item["hourly"] = series
                items.append(item)
            payloads.append((kind, json.dumps(items).encode(), last - first))
    return payloads


def ecmwf_subset(directory: Path, global_fields: bool = False, max_step: int = 144) -> list[Path]:
    """GRIB2 files (wave, oper) of one run at 0.25 deg, steps 0-``max_step`` h by 3 h.

    Over the area, or with ``global_fields`` over the globe as the open-data files hold them.
    """
    import_cfgrib()
    import eccodes

    steps = ecmwf.forecast_steps(max_step)
    if global_fields:
        lats = np.arange(90.0, -90.0 - 1e-9, -0.25)
        lons = np.arange(-180.0, 180.0 - 1e-9, 0.25)
    else:
        lats = np.arange(38.0, 30.5 - 1e-9, -0.25)
        lons = np.arange(10.0, 20.0 + 1e-9, 0.25)
    la, _ = np.meshgrid(lats, lons, indexing="ij")
    rng = np.random.default_rng(7)
    paths = []
    for stream, params in (("wave", ecmwf.WAVE_PARAMS), ("oper", ecmwf.OPER_PARAMS)):
        path = directory / f"{stream}.grib2"
        with open(path, "wb") as fh:
            for step in steps:
                for param in params:
                    if param == "10fg" and step == 0:
                        continue
                    h = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib2")
                    eccodes.codes_set(h, "centre", 98)
                    eccodes.codes_set_long(h, "Ni", lons.size)
                    eccodes.codes_set_long(h, "Nj", lats.size)
                    eccodes.codes_set(h, "latitudeOfFirstGridPointInDegrees", float(lats[0]))
                    eccodes.codes_set(h, "latitudeOfLastGridPointInDegrees", float(lats[-1]))
                    eccodes.codes_set(h, "longitudeOfFirstGridPointInDegrees", float(lons[0]))
                    eccodes.codes_set(h, "longitudeOfLastGridPointInDegrees", float(lons[-1]))
                    eccodes.codes_set(h, "iDirectionIncrementInDegrees", 0.25)
                    eccodes.codes_set(h, "jDirectionIncrementInDegrees", 0.25)
                    eccodes.codes_set(h, "dataDate", 20260820)
                    if param == "10fg":
                        eccodes.codes_set(h, "stepType", "max")
                    eccodes.codes_set(h, "shortName", param)
                    if param == "10fg":
                        eccodes.codes_set(h, "stepRange", f"{step - 3}-{step}")
                    else:
                        eccodes.codes_set(h, "step", step)
                    eccodes.codes_set(h, "bitsPerValue", 16)
                    field = 1.0 + 0.05 * (la - 30) + rng.normal(0, 0.2, la.shape) ** 2
                    eccodes.codes_set_values(h, field.ravel())
                    eccodes.codes_write(h, fh)
                    eccodes.codes_release(h)
        paths.append(path)
    return paths


def decode_all(paths: list[Path]) -> None:
    """Floor for GRIB: decode every message's values with eccodes."""
    import eccodes

    for path in paths:
        with open(path, "rb") as fh:
            while (h := eccodes.codes_grib_new_from_file(fh)) is not None:
                eccodes.codes_get_values(h)
                eccodes.codes_release(h)


def report(name: str, seconds: float, n_bytes: int, floor: float, floor_name: str) -> None:
    transfer = n_bytes * 8 / LINK_BITS_PER_S
    print(f"{name}")
    print(f"  payload            {n_bytes / 1e6:8.1f} MB")
    print(f"  transfer @10 Mbit/s {transfer:7.1f} s")
    print(f"  normalize          {seconds:8.2f} s")
    print(f"  normalize/transfer {seconds / transfer:8.3f}   (target < 0.1)")
    print(f"  normalize/{floor_name:<9}{seconds / floor:7.2f}x  ({floor_name} {floor:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()

    lat, lon = open_meteo.grid_axes(BBOX, 0.1)
    rows, cols = open_meteo.sea_points(lat, lon)
    payloads = open_meteo_payloads(lat, lon, rows, cols)
    n_bytes = sum(len(p) for _, p, _ in payloads)

    def normalize_open_meteo() -> None:
        ds = open_meteo.normalize_payloads(payloads, lat, lon, rows, cols)
        make_canonical(
            ds,
            source="open_meteo",
            model="bench",
            reference_time="2026-08-20T00:00Z",
            provenance="bench",
        )

    floor = timed(lambda: [json.loads(p) for _, p, _ in payloads], args.repeat)
    seconds = timed(normalize_open_meteo, args.repeat)
    print(f"Open-Meteo, 0.1 deg, {rows.size} sea points, 7 days hourly, 16 variables")
    report(f"  {len(payloads)} JSON answers", seconds, n_bytes, floor, "json.loads")

    for title, global_fields, max_step in (
        ("ECMWF open data as transferred: global 0.25 deg messages, steps 0-9 h", True, 9),
        ("ECMWF GRIB2 already cut to the area, 0.25 deg, steps 0-144 h (worst case)", False, 144),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            paths = ecmwf_subset(Path(tmp), global_fields=global_fields, max_step=max_step)
            n_bytes = sum(p.stat().st_size for p in paths)

            def normalize_ecmwf(paths: list[Path] = paths) -> None:
                ds = ecmwf.read_ecmwf(paths, BBOX)
                make_canonical(
                    ds,
                    source="ecmwf",
                    model="bench",
                    reference_time="2026-08-20T00:00Z",
                    provenance="bench",
                )

            floor = timed(lambda paths=paths: decode_all(paths), args.repeat)
            seconds = timed(normalize_ecmwf, args.repeat)
        print(title + ", 7 parameters")
        report("  2 GRIB2 files", seconds, n_bytes, floor, "eccodes")


if __name__ == "__main__":
    main()
