"""How long a drift takes: 5,000 elements x 48 h at 10-minute steps on the demo forecast.

Three runs in the same process tree, on the same forecast file:

1. ``seawatch drift`` through the command line (fresh interpreter, start-up, worker spawn,
   OpenDrift import, coastline, run, areas and every output file): the wall time a
   coordinator waits (target: under 30 s on 2 cores);
2. the same drift through :func:`seawatch.drift.run_drift`, timed in parts: checks, worker
   (spawn + OpenDrift import + readers and coastline, then the run itself), post-processing
   (datum, 50/90 % areas per hour, hazard, files);
3. the baseline: plain OpenDrift in a fresh interpreter, as its own examples do it (Leeway,
   ``reader_netCDF_CF_generic`` on the same file, GSHHG auto landmask, the same seeding, run
   with ``outfile``), so the ratio is seawatch's overhead on top of OpenDrift (target <= 1.2x).

Peak RSS is the largest summed resident memory of the process tree (a command and its
workers), sampled every 20 ms with psutil.

Run: ``PYTHONPATH=$PWD .venv/bin/python benchmarks/drift.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ELEMENTS = 5000
HOURS = 48
START = dt.datetime(2026, 12, 7, 3, 10, tzinfo=dt.UTC)
LAT, LON = 33 + 52 / 60, 12 + 31 / 60  # 33°52'N 012°31'E, off Tripoli
RADIUS_NM = 1.0

BASELINE = """
import datetime as dt, logging, sys, time
t0 = time.perf_counter()
import xarray as xr
from opendrift.models.leeway import Leeway
from opendrift.readers.reader_netCDF_CF_generic import Reader
t1 = time.perf_counter()
o = Leeway(loglevel=logging.WARNING, seed=0)
o.add_reader(Reader(sys.argv[1]))
start = dt.datetime.fromisoformat(sys.argv[2])
o.seed_elements(lon=float(sys.argv[3]), lat=float(sys.argv[4]), time=start, radius=float(sys.argv[5]),
                radius_type="uniform", number=int(sys.argv[6]), object_type=27)
o.run(duration=dt.timedelta(hours=int(sys.argv[7])), time_step=600, time_step_output=3600,
      outfile=sys.argv[8])
t2 = time.perf_counter()
print(f"{t1 - t0:.2f} {t2 - t1:.2f} {o.steps_calculation}")
"""


class PeakRss:
    """Largest summed RSS of a process and its descendants while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_command(args: list[str]) -> tuple[float, float, float, str]:
    """Wall time (s), CPU time (s, the command and its workers), peak RSS (MB) and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as rss:
        out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{args[:4]} failed: {err.strip()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rss.peak / 1e6, out


def make_demo(folder: Path) -> Path:
    from seawatch.config import load_settings
    from seawatch.fetchers.demo import demo_forecast
    from seawatch.schema import write_dataset

    settings = load_settings(environ={}, data_dir=folder)
    start = START.replace(hour=0, minute=0)
    return write_dataset(demo_forecast(settings, start=start), folder / "forecast.nc")


def split_run(forecast: Path, out: Path) -> dict[str, float]:
    """The drift through run_drift's steps, timed in parts (the worker starts first, as there)."""
    from seawatch.config import load_settings
    from seawatch.drift import DriftRequest
    from seawatch.drift.engine import DriftWorker
    from seawatch.drift.run import finish, prepare

    settings = load_settings(environ={}, data_dir=forecast.parent)
    req = DriftRequest(lat=LAT, lon=LON, time=START, hours=HOURS, elements=ELEMENTS,
                       radius_nm=RADIUS_NM, forecast=forecast)  # fmt: skip
    t0 = time.perf_counter()
    with DriftWorker() as worker:
        prepared = prepare(req, settings)
        t1 = time.perf_counter()
        sim = worker.run(prepared.spec)
    t2 = time.perf_counter()
    finish(prepared, sim, out)
    t3 = time.perf_counter()
    readers, run = sim["seconds"]["import"], sim["seconds"]["run"]
    return {
        "checks (worker spawns and imports OpenDrift meanwhile)": t1 - t0,
        "waiting for the import": t2 - t1 - readers - run,
        "forcing and coastline readers": readers,
        "run": run,
        "areas, hazard and files": t3 - t2,
        "total": t3 - t0,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        forecast = make_demo(folder)
        env_python = [sys.executable]
        print(f"drift benchmark: {ELEMENTS} elements x {HOURS} h, 10-min steps, demo forecast "
              f"({forecast.stat().st_size / 1e6:.0f} MB), {os.cpu_count()} cores")  # fmt: skip

        base_wall, base_cpu, base_rss, base_out = run_command(
            [
                *env_python,
                "-c",
                BASELINE,
                str(forecast),
                START.replace(tzinfo=None).isoformat(),
                str(LON),
                str(LAT),
                str(RADIUS_NM * 1852),
                str(ELEMENTS),
                str(HOURS),
                str(folder / "baseline.nc"),
            ]
        )
        b_import, b_run, b_steps = base_out.split()
        cli_wall, cli_cpu, cli_rss, cli_out = run_command(
            [
                *env_python,
                "-m",
                "seawatch",
                "--data-dir",
                str(folder),
                "drift",
                "--position",
                "33°52'N 012°31'E",
                "--time",
                START.isoformat(),
                "--hours",
                str(HOURS),
                "--elements",
                str(ELEMENTS),
                "--forecast",
                str(forecast),
                "--out",
                str(folder / "cli"),
                "--json",
            ]
        )
        result = json.loads(cli_out)
        parts = split_run(forecast, folder / "split")

    print(f"plain OpenDrift   {base_wall:6.1f} s wall, {base_cpu:5.1f} s CPU (import "
          f"{float(b_import):.1f} s, landmask+run {float(b_run):.1f} s, {b_steps} steps), "
          f"peak RSS {base_rss:.0f} MB")  # fmt: skip
    print(f"seawatch drift    {cli_wall:6.1f} s wall, {cli_cpu:5.1f} s CPU (command line, "
          f"start-up included), peak RSS {cli_rss:.0f} MB (main + worker)")  # fmt: skip
    print("seawatch split    " + "; ".join(f"{k} {v:.1f} s" for k, v in parts.items()))
    print(f"ratio seawatch / plain OpenDrift: {cli_wall / base_wall:.2f}x wall, "
          f"{cli_cpu / base_cpu:.2f}x CPU, {cli_rss / base_rss:.2f}x peak RSS")  # fmt: skip
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"target: < 30 s wall -> {'met' if cli_wall < 30 else 'NOT met'}; "
          f"overhead <= 1.2x -> {'met' if cli_wall / base_wall <= 1.2 else 'NOT met'}")  # fmt: skip
    print(f"result: datum {result['datum']}, 90 % area {result['areas'][1]['area_nm2']} NM², "
          f"stranded {result['stranded_fraction']:.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
