"""Run the stages once: fetch -> build -> render. Used by the CLI, the scheduler and the demo.

Each stage reads and writes files in the data directory (see :mod:`seawatch.storage`), so any
stage can be rerun alone, and a failing stage leaves the last good output of every stage in place.
:data:`STAGES` is the one list of stages and their order; ``seawatch run --only`` and the
scheduler's jobs take theirs from it. Heavy modules (xarray, the layers, the maps) are imported
inside the stages, so the command line can list the stages without loading them.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from seawatch.config import Settings
from seawatch.errors import DataError, SeawatchError
from seawatch.incidents.loading import load_incidents, load_open_drifts
from seawatch.storage import DataPaths
from seawatch.timeutil import now_utc

__all__ = ["STAGES", "build", "load_incidents", "render", "run_demo", "run_once"]

if TYPE_CHECKING:
    import xarray as xr

log = logging.getLogger(__name__)

FETCH_STAGES: tuple[str, ...] = ("weather", "incidents")
"""Stages that bring data in; each is followed by :data:`BUILD_STAGES` in the scheduler's jobs."""
BUILD_STAGES: tuple[str, ...] = ("build", "maps", "alerts")
"""Stages that turn the data on disk into the risk dataset, the maps and the CAP alerts."""
STAGES: tuple[str, ...] = (*FETCH_STAGES, *BUILD_STAGES)
"""Every stage, in the order they run."""


@dataclass
class StageResult:
    """Outcome of one stage, for logs, ``seawatch run`` and the scheduler's records."""

    stage: str
    ok: bool
    seconds: float
    outputs: dict[str, Path] = field(default_factory=dict)
    message: str = ""

    def line(self) -> str:
        status = "ok" if self.ok else "FAILED"
        outputs = ", ".join(str(p) for p in self.outputs.values())
        detail = self.message or outputs
        return f"{self.stage:<9} {status:<6} {self.seconds:6.1f} s  {detail}"


@contextlib.contextmanager
def dask_client(settings: Settings) -> Iterator[None]:
    """Connect to the dask.distributed scheduler named in ``[compute] scheduler``, if any.

    Layers never start a Client themselves; the caller chooses the engine (see DESIGN.md).
    """
    if not settings.compute.scheduler:
        yield
        return
    from dask.distributed import Client

    with Client(settings.compute.scheduler) as client:
        log.info("computing on dask scheduler %s", client.scheduler.address)
        yield


def build(
    settings: Settings,
    forecast: Path | None = None,
    out: Path | None = None,
    geotiff_dir: Path | None = None,
) -> Path:
    """Build the risk dataset from a canonical forecast (default: the latest in the data dir).

    Parameters
    ----------
    forecast
        Canonical forecast NetCDF; default ``<data>/forecast.nc``.
    out
        Risk NetCDF to write; default ``<data>/risk.nc``. Written atomically.
    geotiff_dir
        Also write one GeoTIFF per time step and vessel class there.

    Returns
    -------
    Path of the risk file.
    """
    paths = DataPaths(settings.data_dir)
    forecast = Path(forecast) if forecast else paths.forecast
    if not forecast.exists():
        raise DataError(
            f"no forecast at {forecast}; run `seawatch fetch weather` first (or pass --forecast FILE)"
        )
    out = Path(out) if out else paths.risk
    from seawatch.schema import open_forecast, write_dataset

    t0 = time.perf_counter()
    risk = compute_risk(settings, open_forecast(forecast))
    write_dataset(risk, out)
    write_risk_summary(settings, risk, out)
    log.info("built %s from %s in %.1f s", out, forecast, time.perf_counter() - t0)
    if geotiff_dir is not None:
        from seawatch.layers.export import write_geotiffs

        written = write_geotiffs(risk, Path(geotiff_dir))
        log.info("wrote %d GeoTIFFs to %s", len(written), geotiff_dir)
    return out


def compute_risk(settings: Settings, forecast: xr.Dataset) -> xr.Dataset:
    """The risk dataset of ``forecast`` with the incidents of the store, in memory."""
    from seawatch.layers.params import LayerParams
    from seawatch.layers.risk import build_risk

    incidents = load_incidents(settings)
    with dask_client(settings):
        risk = build_risk(forecast, incidents, LayerParams.from_settings(settings).risk)
        return risk.compute() if settings.compute.chunks else risk


def write_risk_summary(settings: Settings, risk: xr.Dataset, risk_path: Path) -> Path:
    """Summarize ``risk`` once and write it beside ``risk_path``, where products read it:
    ``risk.summary.json`` and the departure windows, hazard en route and traps
    (``departures.nc``, :func:`seawatch.summaries.departures_path`)."""
    from seawatch.layers.departure import departures
    from seawatch.layers.params import LayerParams
    from seawatch.layers.summary import summarize
    from seawatch.schema import write_dataset
    from seawatch.summaries import departures_path, write_summary

    params = LayerParams.from_settings(settings)
    departure = departures(risk, params.departure)
    write_dataset(departure, departures_path(risk_path))
    return write_summary(summarize(risk, params.summary, departure=departure), risk_path)


def render(
    settings: Settings,
    risk_path: Path | None = None,
    out_dir: Path | None = None,
    lang: str | None = None,
    now: datetime | None = None,
    risk: xr.Dataset | None = None,
    panels: bool = False,
    phone: bool = False,
) -> dict[str, Path]:
    """Render ``map.html``, ``map.png`` and ``map.pdf`` from a risk file (default: the latest).

    The static map carries the timeline strip of departure windows and traps when the build's
    ``departures.nc`` lies beside the risk file; ``panels`` draws it as four daily panels,
    ``phone`` at the e-mail's width with text readable on a phone.

    Returns
    -------
    dict
        ``{"html": ..., "png": ..., "pdf": ...}``.
    """
    paths = DataPaths(settings.data_dir)
    risk_path = Path(risk_path) if risk_path else paths.risk
    if risk is None:
        if not risk_path.exists():
            raise DataError(
                f"no risk file at {risk_path}; run `seawatch build` first (or pass --risk FILE)"
            )
        from seawatch.schema import open_dataset

        risk = open_dataset(risk_path, "risk")
        if "hazard_level" not in risk.data_vars:
            held = ", ".join(sorted(map(str, risk.data_vars))[:6]) or "no variables"
            raise DataError(
                f"{risk_path} is not a seawatch risk file (no hazard_level; it holds {held}); "
                "pass the risk.nc that `seawatch build` wrote (a forecast goes to "
                "`seawatch build --forecast FILE`)"
            )
    from seawatch.maps.interactive import render_interactive
    from seawatch.maps.static import Layout, phone_layout, render_static
    from seawatch.summaries import read_departures

    out_dir = Path(out_dir) if out_dir else settings.data_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    incidents = load_incidents(settings)
    departures = read_departures(risk_path, risk.attrs.get("created_at"))
    html = render_interactive(
        risk,
        incidents,
        out_dir / "map.html",
        settings,
        lang=lang,
        now=now,
        departures=departures,
        drifts=load_open_drifts(settings),
    )
    png = render_static(
        risk,
        incidents,
        out_dir / "map.png",
        settings,
        lang=lang,
        now=now,
        pdf=out_dir / "map.pdf",
        panels=panels,
        departures=departures,
        layout=phone_layout() if phone else Layout(),
    )
    return {"html": html, "png": png, "pdf": out_dir / "map.pdf"}


@dataclass
class DemoResult:
    """Paths written by :func:`run_demo` and how long each stage took (seconds)."""

    forecast: Path
    risk: Path
    html: Path
    png: Path
    timings: dict[str, float]


def run_demo(settings: Settings, out_dir: Path) -> DemoResult:
    """The whole pipeline offline on the demo scenario and the bundled IOM incidents.

    ``out_dir`` is used as the data directory: it receives ``forecast.nc``, ``incidents.sqlite``,
    ``risk.nc``, ``risk.summary.json``, ``departures.nc``, ``map.html``, ``map.png`` and
    ``map.pdf``.
    """
    import xarray as xr

    from seawatch.fetchers.demo import demo_forecast
    from seawatch.incidents.demo import demo_store
    from seawatch.schema import write_dataset

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = settings.replace(data_dir=out_dir)
    paths = DataPaths(out_dir)
    timings: dict[str, float] = {}

    # Each stage's file is written through the same writer as the real pipeline, on one writer
    # thread (HDF5 compresses without the GIL) while the next stage computes from memory.
    # Only that thread touches NetCDF meanwhile.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seawatch-writer") as writer:
        t0 = time.perf_counter()
        forecast = demo_forecast(settings)
        forecast_written = writer.submit(write_dataset, forecast, paths.forecast)
        timings["forecast"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        demo_store(settings=settings).close()
        timings["incidents"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        risk = compute_risk(settings, forecast)
        risk_written = writer.submit(write_dataset, risk, paths.risk)
        write_risk_summary(settings, risk, paths.risk)
        timings["build"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        outputs = render(settings, risk=xr.decode_cf(risk))  # as a reader of risk.nc sees it
        timings["maps"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        forecast_written.result()
        risk_written.result()
        timings["writing"] = time.perf_counter() - t0
    return DemoResult(paths.forecast, paths.risk, outputs["html"], outputs["png"], timings)


def archive_maps(
    settings: Settings, outputs: dict[str, Path], day: str | None = None
) -> dict[str, Path]:
    """Copy the rendered maps to ``<data>/archive/<day>/`` (UTC day; the web archive serves them).

    The latest build of a day replaces that day's earlier one. Returns the rendered outputs.
    """
    from seawatch.storage import atomic_copy

    day = day or now_utc().strftime("%Y-%m-%d")
    target = DataPaths(settings.data_dir).archive_dir(day)
    for path in outputs.values():
        atomic_copy(path, target / Path(path).name)
    return outputs


def fetch_incidents_stage(settings: Settings) -> dict[str, Path]:
    """Download the IOM Missing Migrants export and import it into the store (idempotent)."""
    from seawatch.incidents.imports import fetch_and_import_mmp

    report = fetch_and_import_mmp(settings)
    log.info("incidents: %s", report)
    return {}


def alerts_stage(settings: Settings) -> dict[str, Path]:
    """Issue, update or all-clear the CAP alerts from the risk file just built."""
    from seawatch.alerts import issue_alerts

    issued = issue_alerts(settings, DataPaths(settings.data_dir))
    log.info("alerts: %d CAP message(s) published", len(issued))
    return {"feed": DataPaths(settings.data_dir).root / "cap" / "feed.xml"}


def fetch_weather_stage(settings: Settings) -> dict[str, Path]:
    """Run the weather source chain; fails only when no source delivered."""
    from seawatch.fetchers.merge import fetch_weather

    result = fetch_weather(settings, progress=False)
    return {"forecast": result.path}


def run_once(settings: Settings, stages: tuple[str, ...] | None = None) -> list[StageResult]:
    """Fetch weather and incidents, then build and render, once; never raises for a stage.

    Build and maps run only when the forecast is usable (a fresh one, or the last good one when the
    fetch failed); every stage's outcome is returned so callers can report one line per stage.

    Parameters
    ----------
    stages
        Subset of :data:`STAGES` to run; they run in the order of :data:`STAGES`.
    """
    wanted = stages or STAGES
    steps = {
        "weather": fetch_weather_stage,
        "incidents": fetch_incidents_stage,
        "build": lambda s: {"risk": build(s)},
        "maps": lambda s: archive_maps(s, render(s)),
        "alerts": alerts_stage,
    }
    results: list[StageResult] = []
    for name in STAGES:
        if name not in wanted:
            continue
        if name in ("maps", "alerts") and any(not r.ok for r in results if r.stage == "build"):
            results.append(StageResult(name, False, 0.0, message="skipped: build failed"))
            continue
        t0 = time.perf_counter()
        try:
            outputs = steps[name](settings) or {}
            results.append(StageResult(name, True, time.perf_counter() - t0, dict(outputs)))
        except Exception as exc:  # a failing stage is reported; later stages decide for themselves
            message = str(exc) if isinstance(exc, SeawatchError) else f"{type(exc).__name__}: {exc}"
            log.error("%s failed: %s", name, message, exc_info=not isinstance(exc, SeawatchError))
            results.append(StageResult(name, False, time.perf_counter() - t0, message=message))
    return results
