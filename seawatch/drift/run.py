"""``run_drift``: check the request, run Leeway in a worker, turn the cloud into search products.

Order of work, so that a refusal never leaves a half-written result:

1. resolve the object (Leeway category) and check opendrift is installed;
2. check the forecast covers the drift period, has the four forcing variables at every hour
   needed, and holds the start; check the start is at sea;
3. run OpenDrift Leeway in a ``spawn`` worker (or on the dask cluster, :func:`run_many`);
4. refuse if any element left the forecast (OpenDrift's ``missing_data``) or the run stopped
   early, rather than drift on with fewer elements;
5. summarize every output hour (datum, 50 % and 90 % areas, stranded share), add the capsize
   hazard along the drift, and write every file into a temporary folder that is then moved
   into place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from seawatch.config import Settings
from seawatch.drift.objects import ObjectChoice, resolve_object
from seawatch.errors import DataError
from seawatch.timeutil import as_utc, isoformat_utc

log = logging.getLogger(__name__)

NM_M = 1852.0
FORCING = ("u10", "v10", "uo", "vo")
PAIRS = {"wind": ("u10", "v10"), "current": ("uo", "vo")}
# Largest gap between two time steps of the wind or the current that the drift interpolates
# across: daily-mean currents (CMEMS MEDSEA daily products) are the coarsest forcing seawatch
# ingests. Assumption, to calibrate.
MAX_GAP = np.timedelta64(24, "h")
NEAR_CELLS = 3  # OpenDrift fills NaN cells by dilation (10 passes); 3 cells is well inside that
MAX_HOURS = 240  # ten days: beyond any forecast seawatch reads
MAX_ELEMENTS = 100_000  # memory: 100k x 241 hours x 2 float32 = 190 MB (derived)


class DriftRefusalError(DataError):
    """The drift cannot be run as asked (one line says why and what to do)."""

    exit_code = 2


@dataclass(frozen=True)
class DriftRequest:
    """What to drift, from where and when (the ``seawatch drift`` options)."""

    lat: float
    lon: float
    time: dt.datetime
    hours: int = 24
    object: str | int = "rubber_dinghy"
    radius_nm: float = 1.0
    elements: int = 5000
    seed: int = 0
    forecast: Path | None = None
    incident_id: str | None = None


@dataclass
class Prepared:
    """A checked request: what the worker needs (``spec``) and what the summary needs."""

    request: DriftRequest
    choice: ObjectChoice
    spec: dict[str, Any]
    forecast_path: Path
    forcing: dict[str, str]
    forecast_attrs: dict[str, Any]
    coverage: str
    land: Any
    risk_path: Path | None
    extra: dict[str, Any] = field(default_factory=dict)


def _refuse(message: str) -> DriftRefusalError:
    return DriftRefusalError(message)


def _iso(t: np.datetime64 | dt.datetime) -> str:
    return isoformat_utc(as_utc(t))


def prepare(
    request: DriftRequest,
    settings: Settings,
    *,
    land: Any = None,
    risk_path: Path | None = None,
) -> Prepared:
    """Check a request against the forecast and the coastline; raise :class:`DriftRefusalError`.

    ``land`` replaces the bundled coastline (shapely geometry in lon/lat), for tests and for
    other coastlines; ``risk_path`` defaults to ``risk.nc`` beside the forecast, then to the
    data directory's.
    """
    import shapely
    import xarray as xr

    from seawatch.drift.objects import opendrift_dir
    from seawatch.storage import DataPaths

    if not 1 <= request.hours <= MAX_HOURS:
        raise _refuse(f"--hours {request.hours} is out of range; give 1 to {MAX_HOURS}")
    if not 2 <= request.elements <= MAX_ELEMENTS:
        raise _refuse(f"--elements {request.elements} is out of range; give 2 to {MAX_ELEMENTS}")
    if not 0 <= request.radius_nm <= 100:
        raise _refuse(f"--radius-nm {request.radius_nm} is out of range; give 0 to 100")
    choice = resolve_object(request.object)
    opendrift_dir()  # refuses with the install hint
    paths = DataPaths(settings.data_dir)
    forecast_path = Path(request.forecast or paths.forecast).resolve()
    if not forecast_path.is_file():
        raise _refuse(
            f"no forecast at {forecast_path}; run `seawatch run` (or `seawatch demo`) first "
            "or give --forecast FILE"
        )
    start = as_utc(request.time).replace(microsecond=0)
    end = start + dt.timedelta(hours=request.hours)
    start64 = np.datetime64(start.replace(tzinfo=None), "ns")
    end64 = np.datetime64(end.replace(tzinfo=None), "ns")
    try:
        ds = xr.open_dataset(forecast_path)
    except (OSError, ValueError) as exc:
        raise _refuse(f"forecast {forecast_path} cannot be read ({exc})") from None
    with ds:
        missing = [v for v in FORCING if v not in ds]
        if "source" not in ds.attrs or not {"time", "lat", "lon"} <= set(ds.dims):
            raise _refuse(f"{forecast_path} is not a seawatch canonical forecast")
        if missing:
            raise _refuse(
                f"forecast {forecast_path.name} ({ds.attrs['source']}) has no {', '.join(missing)}; "
                "the drift needs 10 m wind (u10, v10) and surface current (uo, vo)"
            )
        times = ds["time"].values
        lat, lon = ds["lat"].values, ds["lon"].values
        first, last = times[0], times[-1]
        coverage = (
            f"{_iso(first)} to {_iso(last)}, lat {lat.min():.2f}..{lat.max():.2f}, "
            f"lon {lon.min():.2f}..{lon.max():.2f}"
        )
        if start64 > last:
            raise _refuse(
                f"the drift starts at {_iso(start64)}, after the forecast ends ({_iso(last)}); "
                f"the forecast covers {coverage}"
            )
        if start64 < first:
            raise _refuse(
                f"the drift starts at {_iso(start64)}, before the forecast begins; the forecast "
                f"covers {coverage}; give a forecast that holds the start time"
            )
        if end64 > last:
            most = int((last - start64) / np.timedelta64(1, "h"))
            raise _refuse(
                f"the forecast ends at {_iso(last)}, but the drift needs it until {_iso(end64)}; "
                f"it covers {coverage}; use --hours {most} or a newer forecast"
                if most >= 1
                else f"the forecast ends at {_iso(last)}, less than an hour after the start; "
                f"it covers {coverage}"
            )
        margin_lat = request.radius_nm * 3 / 60.0
        margin_lon = margin_lat / max(np.cos(np.radians(request.lat)), 0.1)
        if not (
            lat.min() + margin_lat <= request.lat <= lat.max() - margin_lat
            and lon.min() + margin_lon <= request.lon <= lon.max() - margin_lon
        ):
            raise _refuse(
                f"the start {request.lat:.4f}, {request.lon:.4f} (with its {request.radius_nm:g} "
                f"NM radius) is outside the forecast area; the forecast covers {coverage}"
            )
        steps = _forcing_steps(ds, request, start64, end64, coverage, forecast_path.name)
        bbox = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
        attrs = dict(ds.attrs)
    if land is None:
        from seawatch.geo.coastline import coastline_geometry

        land = coastline_geometry(bbox)
        land_name = "bundled coastline (GSHHG, Wessel & Smith 1996)"
    else:
        land_name = "custom land polygons"
    if not land.is_empty and shapely.intersects_xy(land, request.lon, request.lat):
        from seawatch.geo.positions import format_ddm

        raise _refuse(
            f"the start {format_ddm(request.lat, request.lon)} is on land by the {land_name}; "
            "check the position"
        )
    if risk_path is None:
        beside = forecast_path.parent / "risk.nc"
        risk_path = beside if beside.is_file() else paths.risk
    forcing = {
        "source": str(attrs.get("source", "unknown")),
        "reference_time": str(attrs.get("reference_time", "")),
        "covers_until": _iso(last),
    }
    spec = {
        "forecast": str(forecast_path),
        "start": isoformat_utc(start),
        "hours": int(request.hours),
        "category": choice.category,
        "lat": float(request.lat),
        "lon": float(request.lon),
        "radius_m": float(request.radius_nm) * NM_M,
        "elements": int(request.elements),
        "seed": int(request.seed),
        "land_wkb": None if land.is_empty else shapely.to_wkb(land),
        "bbox": bbox,
        "steps": steps,
    }
    return Prepared(
        replace(request, time=start),
        choice,
        spec,
        forecast_path,
        forcing,
        attrs,
        coverage,
        land,
        Path(risk_path),
        {"land": land_name},
    )


def _forcing_steps(
    ds: Any,
    request: DriftRequest,
    start64: np.datetime64,
    end64: np.datetime64,
    coverage: str,
    name: str,
) -> dict[str, list[int]]:
    """Time steps of the wind and of the current that the drift uses, or a refusal.

    A merged forecast holds each variable at its own source's steps only (hourly wind,
    daily-mean currents, say). For each, the steps with values must bracket the drift period
    with gaps of at most :data:`MAX_GAP`, and there must be values near the start. One extra
    step on each side is kept where there is one: OpenDrift's CF reader drops an outlying
    first or last step of an irregular series (a fix for NOAA winds), which must not cost the
    drift its coverage.
    """
    times = ds["time"].values
    lo = int(np.searchsorted(times, start64 - MAX_GAP, side="left"))
    hi = int(np.searchsorted(times, end64 + MAX_GAP, side="right"))
    near = ds[list(FORCING)].isel(time=slice(lo, hi))
    valid = near.notnull().any(dim=("lat", "lon")).compute()
    steps: dict[str, list[int]] = {}
    for label, (u, v) in PAIRS.items():
        ok = np.flatnonzero(valid[u].values & valid[v].values) + lo
        what = f"{label} ({u}, {v}) of forecast {name}"
        if ok.size == 0:
            raise _refuse(f"no {what} near the drift period; the forecast covers {coverage}")
        t_ok = times[ok]
        if t_ok[0] > start64:
            raise _refuse(
                f"the {what} begins at {_iso(t_ok[0])}, after the drift starts "
                f"({_iso(start64)}); give a forecast that holds the start time"
            )
        if t_ok[-1] < end64:
            most = int((t_ok[-1] - start64) / np.timedelta64(1, "h"))
            raise _refuse(
                f"the {what} ends at {_iso(t_ok[-1])}, before the drift ends ({_iso(end64)}); "
                + (
                    f"use --hours {most} or a newer forecast"
                    if most >= 1
                    else "use a newer forecast"
                )
            )
        first = int(np.flatnonzero(t_ok <= start64)[-1])
        last = int(np.flatnonzero(t_ok >= end64)[0])
        used = t_ok[first : last + 1]
        if used.size > 1:
            gaps = np.diff(used)
            k = int(np.argmax(gaps))
            if gaps[k] > MAX_GAP:
                raise _refuse(
                    f"the {what} has no values from {_iso(used[k])} to {_iso(used[k + 1])}, "
                    f"within the drift period (at most {MAX_GAP.astype(int)} h are bridged)"
                )
        at = ds[u].isel(time=int(ok[first]))
        i = int(np.abs(ds["lat"].values - request.lat).argmin())
        j = int(np.abs(ds["lon"].values - request.lon).argmin())
        box = at.isel(
            lat=slice(max(i - NEAR_CELLS, 0), i + NEAR_CELLS + 1),
            lon=slice(max(j - NEAR_CELLS, 0), j + NEAR_CELLS + 1),
        )
        if not bool(box.notnull().any()):
            has = at.notnull()
            la = ds["lat"].values[has.any("lon").values]
            lo_ = ds["lon"].values[has.any("lat").values]
            extent = (
                f"lat {la.min():.2f}..{la.max():.2f}, lon {lo_.min():.2f}..{lo_.max():.2f}"
                if la.size
                else "nowhere"
            )
            raise _refuse(
                f"the {what} has no values near the start {request.lat:.4f}, {request.lon:.4f}; "
                f"it has values over {extent}"
            )
        keep = ok[max(first - 1, 0) : min(last + 2, ok.size)]
        steps[label] = [int(x) for x in keep]
    return steps


def check_result(prepared: Prepared, sim: dict[str, Any]) -> None:
    """Refuse a run that lost elements to missing forcing or stopped early."""
    meanings = sim["flag_meanings"]
    status = sim["status"]
    if "missing_data" in meanings:
        code = meanings.index("missing_data")
        lost = status == code
        if lost.any():
            hour = int(np.argmax(lost.any(axis=0)))
            when = sim["times"][hour] if hour < len(sim["times"]) else "the end"
            raise _refuse(
                f"{int(lost.any(axis=1).sum())} of {status.shape[0]} elements drift out of the "
                f"forecast by {when}; the forecast covers {prepared.coverage}; use a forecast "
                "covering a larger area or fewer --hours"
            )
    if sim["steps"] < sim["expected_steps"]:
        stranded = meanings.index("stranded") if "stranded" in meanings else None
        final = _last_status(status)
        if stranded is None or not (final == stranded).all():
            raise _refuse(
                f"OpenDrift stopped after {sim['steps']} of {sim['expected_steps']} steps: "
                f"{sim['messages'] or 'no reason given'}"
            )


def _last_status(status: np.ndarray) -> np.ndarray:
    valid = status >= 0
    idx = status.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    return status[np.arange(status.shape[0]), idx]


Submit = Callable[[dict[str, Any]], dict[str, Any]]


def run_drift(
    request: DriftRequest,
    settings: Settings,
    out_dir: Path,
    *,
    land: Any = None,
    risk_path: Path | None = None,
    submit: Submit | None = None,
) -> dict[str, Any]:
    """Run one drift in a worker process and write its outputs into ``out_dir``.

    Returns the ``--json`` dict (also written as ``drift.json``). Raises
    :class:`DriftRefusalError` (one line, exit 2) when the drift cannot be run as asked; nothing is
    written then.
    """
    from seawatch.drift.engine import DriftWorker
    from seawatch.drift.objects import opendrift_dir

    t0 = time.perf_counter()
    resolve_object(request.object)  # the quick refusals, before a worker starts
    opendrift_dir()
    with contextlib.ExitStack() as stack:
        if submit is None:  # start the worker first: OpenDrift imports while we check
            submit = stack.enter_context(DriftWorker()).run
        prepared = prepare(request, settings, land=land, risk_path=risk_path)
        t1 = time.perf_counter()
        try:
            sim = submit(prepared.spec)
        except Exception as exc:  # OpenDrift's errors (its own classes), a dead worker
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DriftRefusalError(f"OpenDrift could not run this drift: {first}") from exc
    t2 = time.perf_counter()
    for line in sim.get("log", []):
        log.debug("OpenDrift: %s", line)
    result = finish(prepared, sim, Path(out_dir))
    seconds = sim.get("seconds", {})
    log.info(
        "drift: checks %.1f s, worker %.1f s (OpenDrift import and readers %.1f s, run %.1f s), "
        "areas and files %.1f s",
        t1 - t0,
        t2 - t1,
        seconds.get("import", float("nan")),
        seconds.get("run", float("nan")),
        time.perf_counter() - t2,
    )
    return result


def finish(prepared: Prepared, sim: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Check a finished simulation, summarize it and write every output into ``out_dir``."""
    from seawatch.drift.outputs import summarize, write_outputs

    check_result(prepared, sim)
    result, products = summarize(prepared, sim)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".part", dir=out_dir.parent))
    try:
        write_outputs(tmp, prepared, sim, result, products)
        _move_into_place(tmp, out_dir)
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
    return result


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    os.chmod(tmp, 0o777 & ~_umask())
    if not out_dir.exists():
        os.rename(tmp, out_dir)
        return
    names = sorted(p.name for p in tmp.iterdir())
    names.sort(key=lambda n: n == "drift.json")  # drift.json last: it marks a complete result
    for name in names:
        os.replace(tmp / name, out_dir / name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_result(out_dir: Path) -> dict[str, Any]:
    """The ``drift.json`` of a finished drift."""
    path = Path(out_dir) / "drift.json"
    if not path.is_file():
        raise DataError(f"no drift result in {out_dir} (drift.json missing)")
    return json.loads(path.read_text(encoding="utf-8"))


def ensemble_requests(request: DriftRequest) -> list[DriftRequest]:
    """The request once per proxy category of its object (the chosen one first)."""
    choice = resolve_object(request.object)
    return [request] + [replace(request, object=c) for c in choice.alternatives]


def run_many(
    requests: Sequence[DriftRequest],
    settings: Settings,
    out_dirs: Sequence[Path],
    *,
    land: Any = None,
) -> list[dict[str, Any] | DriftRefusalError]:
    """Many drifts (an ensemble, or several incidents) as independent tasks.

    With ``[compute] scheduler`` set they run on that dask.distributed cluster; otherwise in up
    to ``os.cpu_count()`` spawn workers. Each result is the drift's dict, or the
    :class:`DriftRefusalError` that stopped it (one refusal does not stop the others).
    """
    from concurrent.futures import ProcessPoolExecutor

    from seawatch.drift.engine import simulate, worker_context, worker_init

    prepared: list[Prepared | DriftRefusalError] = []
    for req in requests:
        try:
            prepared.append(prepare(req, settings, land=land))
        except DriftRefusalError as exc:
            prepared.append(exc)
    specs = [p.spec for p in prepared if isinstance(p, Prepared)]
    if settings.compute.scheduler:
        from dask.distributed import Client

        with Client(settings.compute.scheduler) as client:
            futures = client.map(simulate, specs, pure=False)
            sims = client.gather(futures)
    else:
        workers = max(1, min(len(specs), os.cpu_count() or 1))
        with ProcessPoolExecutor(
            workers, mp_context=worker_context(), initializer=worker_init
        ) as pool:
            sims = list(pool.map(simulate, specs))
    it = iter(sims)
    out: list[dict[str, Any] | DriftRefusalError] = []
    for p, out_dir in zip(prepared, out_dirs, strict=True):
        if isinstance(p, DriftRefusalError):
            out.append(p)
            continue
        try:
            out.append(finish(p, next(it), Path(out_dir)))
        except DriftRefusalError as exc:
            out.append(exc)
    return out
