"""How long ``seawatch validate`` takes on 2,000 incidents and a 10-year daily hindcast.

The hindcast covers the area of interest (10-20 E, 30.5-38 N) on a 0.25 deg grid (the ERA5
wind grid), daily, 2014-2023, with hs, tp, u10, v10 and gust, as ten yearly canonical NetCDF
files written here (random AR(1) weather; a corner of cells is land). 2,000 incidents fall on
random days at random sea positions.

Each stage runs in a fresh process, so its peak RSS is its own:

* baseline: open the files with xarray, read Hs at the 2,000 incident cells, daily maximum
  over D-1..D for each incident and its referent days (the least work any validation does);
* validate: read the files with seawatch's readers, compute the index at every step at the
  cells through the layer kernels, build case-crossover referents, score (conditional logit,
  1,000 month-block bootstrap draws for 4 predictors) and write report.html/json and figures,
  with ``--no-sensitivity``;
* +sensitivity: the same with the five sensitivity settings (shorter and longer window, half
  and double distance, unknown boats as wooden), the default of ``seawatch validate``.

Target: validate under 60 s and 2 GB. Ratios are to the baseline measured in the same run.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/validate.py``.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

BBOX = (10.0, 30.5, 20.0, 38.0)
YEARS = range(2014, 2024)
N_INCIDENTS = 2000


def write_hindcast(directory: Path) -> list[Path]:
    from seawatch.schema import make_canonical

    west, south, east, north = BBOX
    lat = np.arange(south, north + 1e-9, 0.25)
    lon = np.arange(west, east + 1e-9, 0.25)
    rng = np.random.default_rng(1)
    paths = []
    state = np.zeros(2)
    for year in YEARS:
        days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
        series = np.empty((days.size, 2))
        for i in range(days.size):
            state = 0.7 * state + np.sqrt(1 - 0.49) * rng.standard_normal(2)
            series[i] = state
        shape = (days.size, lat.size, lon.size)
        noise = 1 + 0.05 * rng.standard_normal(shape).astype(np.float32)
        hs = np.clip(0.9 + 0.4 * series[:, 0], 0.1, None)[:, None, None] * noise
        hs[:, -4:, :6] = np.nan  # land: the Sicilian corner
        wind = np.clip(7 + 3 * series[:, 1], 0.3, None)[:, None, None] * noise
        ds = xr.Dataset(
            {
                "hs": (("time", "lat", "lon"), hs.astype(np.float32)),
                "tp": (("time", "lat", "lon"), np.full(shape, 7.0, np.float32)),
                "u10": (("time", "lat", "lon"), (-0.6 * wind).astype(np.float32)),
                "v10": (("time", "lat", "lon"), (-0.8 * wind).astype(np.float32)),
                "gust": (("time", "lat", "lon"), (1.4 * wind).astype(np.float32)),
            },
            coords={"time": days.values, "lat": lat, "lon": lon},
        )
        ds = make_canonical(ds, source="benchmark", model="synthetic", reference_time=days[0],
                            provenance="benchmarks/validate.py")  # fmt: skip
        path = directory / f"hindcast_{year}.nc"
        ds.to_netcdf(path)
        paths.append(path)
    return paths


def incidents() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    days = pd.date_range("2014-01-05", "2023-12-20", freq="D")
    west, south, east, north = BBOX
    return pd.DataFrame(
        {
            "time": pd.DatetimeIndex(rng.choice(days, N_INCIDENTS)).tz_localize("UTC"),
            "lat": rng.uniform(south + 0.2, north - 1.5, N_INCIDENTS),
            "lon": rng.uniform(west + 2.0, east - 0.2, N_INCIDENTS),
            "dead": 3,
            "missing": 0,
        }
    )


def baseline(paths: list[Path], out: Path) -> None:
    from seawatch.validate.designs import referent_days

    inc = incidents()
    ds = xr.concat([xr.open_dataset(p) for p in paths], dim="time")
    iy = np.abs(ds["lat"].values[None, :] - inc["lat"].to_numpy()[:, None]).argmin(1)
    ix = np.abs(ds["lon"].values[None, :] - inc["lon"].to_numpy()[:, None]).argmin(1)
    hs = ds["hs"].isel(lat=xr.DataArray(iy, dims="p"), lon=xr.DataArray(ix, dims="p")).values
    times = pd.DatetimeIndex(ds["time"].values)
    windowed = np.fmax(hs, np.vstack([hs[:1] * np.nan, hs[:-1]]))
    total = 0.0
    for k, t in enumerate(inc["time"].dt.tz_convert(None).dt.normalize()):
        for d in [t, *referent_days(t)]:
            i = times.get_loc(d)
            total += float(windowed[i, k]) if np.isfinite(windowed[i, k]) else 0.0
    (out / "baseline.txt").write_text(f"{total}\n")


def full(paths: list[Path], out: Path, sensitivity: bool = False) -> None:
    from seawatch.validate.conditions import read_hindcast
    from seawatch.validate.report import write_report
    from seawatch.validate.run import validate

    report, rows = validate(read_hindcast(paths), incidents(), n_boot=1000,
                            sensitivity=sensitivity)  # fmt: skip
    write_report(report, rows, out / ("report_sensitivity" if sensitivity else "report"))


def full_sensitivity(paths: list[Path], out: Path) -> None:
    full(paths, out, sensitivity=True)


STAGES = {"baseline": baseline, "validate": full, "+sensitivity": full_sensitivity}


def _child(name: str, paths: list[Path], out: Path, queue: mp.Queue) -> None:
    start = time.perf_counter()
    STAGES[name](paths, out)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds of the whole process (imports included): steadier than wall time on a
    # machine shared with other work
    queue.put((seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime))


def run(name: str, paths: list[Path], out: Path) -> tuple[float, float, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(name, paths, out, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode:
        sys.exit(f"{name} failed with exit code {proc.exitcode}")
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        paths = write_hindcast(out)
        size = sum(p.stat().st_size for p in paths) / 1e6
        print(f"hindcast: {len(paths)} files, {size:.0f} MB, written in "
              f"{time.perf_counter() - t0:.1f} s; {N_INCIDENTS} incidents")  # fmt: skip
        results = {name: run(name, paths, out) for name in STAGES}
        base_s = results["baseline"][0]
        print(f"{'stage':<13} {'wall s':>8} {'CPU s':>7} {'peak RSS MB':>12} {'x baseline':>11}")
        for name, (seconds, mb, cpu) in results.items():
            print(f"{name:<13} {seconds:8.1f} {cpu:7.1f} {mb:12.0f} {seconds / base_s:11.1f}")
        extra = results["+sensitivity"][2] - results["validate"][2]
        print(f"sensitivity costs {extra:.1f} CPU s more "
              f"({results['+sensitivity'][2] / results['validate'][2]:.2f}x validate)")  # fmt: skip
        ok = all(s < 60 and mb < 2048 for n, (s, mb, _) in results.items() if n != "baseline")
        print(f"target < 60 s and < 2048 MB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
