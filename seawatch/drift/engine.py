"""The OpenDrift Leeway run itself, meant to run in a worker process of its own.

:func:`simulate` takes and returns plain data (numbers, strings, NumPy arrays) so it can run in a
``spawn`` worker (:func:`run_in_worker`) or as a dask.distributed task. OpenDrift is imported
only here and only inside the worker, because importing and running it

* installs a coloured log handler on the root logger unless given its own handler,
* seeds NumPy's *global* random generator on every model built,
* may call ``sys.exit`` from inside its time loop, and
* takes several seconds to import (matplotlib, cartopy, copernicusmarine) and loads
  ``.env`` files from the current directory (python-dotenv),

none of which may touch the seawatch process (../shared/docs/drift-leeway.md section 6).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import tempfile
import time
from typing import Any

import numpy as np

TIME_STEP_S = 600  # Leeway's default calculation step (leeway.py: general:time_step_minutes)
OUTPUT_STEP_S = 3600  # hourly outputs (Leeway's default output step)
FORCING_PAIRS = {"wind": ("u10", "v10"), "current": ("uo", "vo")}


class _Collect(logging.StreamHandler):
    """Keeps OpenDrift's log records (a StreamHandler, so OpenDrift takes it as a handler)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname}: {record.getMessage()}")


def simulate(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one Leeway simulation; everything in and out is plain data.

    ``spec`` keys: ``forecast`` (absolute path of the canonical forecast), ``start`` (ISO UTC),
    ``hours``, ``category``, ``lat``, ``lon``, ``radius_m``, ``elements``, ``seed``,
    ``steps`` (``{"wind": [...], "current": [...]}``: time indices of the forecast to use),
    ``land_wkb`` (WKB of the land polygons in lon/lat, or None for no land), ``bbox`` (the
    forecast's west, south, east, north).

    Returns ``lon``, ``lat`` (float32, trajectory x time, NaN after deactivation), ``status``
    (int8, -1 after deactivation), ``flag_meanings``, ``times`` (ISO strings), ``steps`` and
    ``expected_steps``, ``messages``, ``log``, ``opendrift_version`` and ``seconds`` (import,
    run).
    """
    t0 = time.perf_counter()
    import shapely
    import xarray as xr
    from opendrift.models.leeway import Leeway
    from opendrift.readers.reader_netCDF_CF_generic import Reader
    from opendrift.readers.reader_shape import Reader as ShapeReader
    from opendrift.version import __version__ as opendrift_version

    start = dt.datetime.fromisoformat(spec["start"].replace("Z", "+00:00")).replace(tzinfo=None)
    with xr.open_dataset(spec["forecast"]) as ds:
        # one reader per source: each with the steps where it has values (prepare() chose them)
        forcing = {
            label: ds[list(names)].isel(time=spec["steps"][label]).load()
            for label, names in FORCING_PAIRS.items()
        }
    collect = _Collect()
    model = Leeway(loglevel=logging.WARNING, logfile=[collect], seed=spec["seed"])
    logging.getLogger("opendrift").propagate = False
    land_wkb = spec.get("land_wkb")
    readers: list[Any] = [Reader(data, name=f"seawatch-{label}") for label, data in forcing.items()]
    model.set_config("general:use_auto_landmask", False)
    if land_wkb:
        land = shapely.from_wkb(land_wkb)
        shape = ShapeReader(list(shapely.get_parts(land)), land_buffer_distance=0)
        # The shape reader's domain is the land's bounding box: elements beyond it would get no
        # land mask and stop as missing_data. Its domain is the forecast's (sea outside land).
        west, south, east, north = spec["bbox"]
        shape.xmin, shape.ymin = shape.lonlat2xy(west, south)
        shape.xmax, shape.ymax = shape.lonlat2xy(east, north)
        readers.append(shape)
    else:
        model.set_config("environment:constant:land_binary_mask", 0)
    model.set_config("general:coastline_action", "stranding")
    model.add_reader(readers)
    t_import = time.perf_counter()
    model.seed_elements(
        lon=spec["lon"],
        lat=spec["lat"],
        time=start,
        radius=spec["radius_m"],
        radius_type="uniform",
        number=spec["elements"],
        object_type=spec["category"],
    )
    try:
        result = model.run(
            duration=dt.timedelta(hours=spec["hours"]),
            time_step=TIME_STEP_S,
            time_step_output=OUTPUT_STEP_S,
        )
    except SystemExit as exc:  # OpenDrift exits on some failures; the caller gets an error
        raise RuntimeError(f"OpenDrift stopped: {exc}; {model.get_messages().strip()}") from None
    t_run = time.perf_counter()
    status = result["status"].values
    meanings = str(result["status"].attrs.get("flag_meanings", "active")).split()
    status_int = np.where(np.isfinite(status), status, -1).astype(np.int8)
    times = [np.datetime_as_string(t.astype("datetime64[s]")) + "Z" for t in result["time"].values]
    return {
        "lon": result["lon"].values.astype(np.float32),
        "lat": result["lat"].values.astype(np.float32),
        "status": status_int,
        "flag_meanings": meanings,
        "times": times,
        "steps": int(model.steps_calculation),
        "expected_steps": int(model.expected_steps_calculation),
        "messages": model.get_messages().strip(),
        "log": collect.lines[-50:],
        "opendrift_version": str(opendrift_version),
        "seconds": {"import": t_import - t0, "run": t_run - t_import},
    }


def worker_context() -> multiprocessing.context.BaseContext:
    """``spawn``: a fresh interpreter, nothing inherited from the caller (locks, RNG, logging)."""
    return multiprocessing.get_context("spawn")


def worker_init() -> None:
    """Prepare a drift worker process.

    Its working folder is the temporary one (opendrift loads ``.env`` from the cwd), and Python
    warnings and stray log records go nowhere: OpenDrift routes warnings into logging
    (``captureWarnings``) and its own records are collected by :func:`simulate` and returned.
    """
    os.chdir(tempfile.gettempdir())
    logging.getLogger().addHandler(logging.NullHandler())


def _serve(conn: Any) -> None:
    """Worker main loop: import OpenDrift at once, then run the one spec it is sent."""
    worker_init()
    with contextlib.suppress(Exception):  # reported by simulate() if a spec comes
        import opendrift.models.leeway  # noqa: F401  the slow import, while the caller checks
    spec = conn.recv()
    if spec is None:
        return
    try:
        conn.send(("ok", simulate(spec)))
    except BaseException as exc:  # SystemExit from OpenDrift included: the caller decides
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


class DriftWorker:
    """One spawn process for one drift, started early so OpenDrift imports during the checks.

    Use as a context manager; leaving the block ends the process (at once if no drift was
    sent, e.g. after a refusal).
    """

    def __init__(self) -> None:
        context = worker_context()
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()

    def __enter__(self) -> DriftWorker:
        return self

    def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Run ``spec`` in the worker; RuntimeError with the worker's one line if it fails."""
        self._conn.send(spec)
        try:
            status, payload = self._conn.recv()
        except EOFError:
            raise RuntimeError(
                f"the drift worker died (exit code {self._process.exitcode})"
            ) from None
        if status != "ok":
            raise RuntimeError(payload)
        return payload

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)
        self._conn.close()


def run_in_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """:func:`simulate` in a fresh ``spawn`` process, so OpenDrift never runs in this one."""
    with DriftWorker() as worker:
        return worker.run(spec)
