"""Drifts in the web service: "Where is it now?" from an incident, run in the background.

A coordinator starts a drift of an incident (``POST /api/incidents/{id}/drifts`` from the map's
popup, or the button on the incident page). The row is stored at once (``queued``) and a worker
thread runs the stable command-line contract in a child process::

    python -m seawatch --data-dir DATA [--config FILE] drift --incident ID --out DIR --json

so the drift engine (OpenDrift, GPL-2.0, its logging, RNG and start-up cost) never runs inside
the web process. At most :data:`WORKERS` drifts run at once and :data:`MAX_WAITING` wait; each
is killed after :data:`TIMEOUT_S`. The outputs (``drift.json``, ``drift.geojson``, KML, GPX)
are stored in the ``drifts`` table; a failure keeps the command's one-line reason. Pages poll
``GET /api/drifts/{id}`` until the drift is ``done`` or ``failed``.

Who may do what follows the incidents: anyone who may read incidents reads drifts and downloads
them; coordinators and admins start them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from seawatch.config import Settings
from seawatch.geo.positions import format_ddm
from seawatch.incidents.drifts import (
    INTERRUPTED,
    MAP_DRIFTS,
    DriftStore,
    area_at,
    datum_at,
    map_payload,
    one_line,
)
from seawatch.timeutil import isoformat_utc, now_utc
from seawatch.web.api import ERROR_RESPONSES, IncidentId, json_response, write_lock
from seawatch.web.auth import (
    CSRF_FIELD,
    Principal,
    check_csrf,
    get_principal,
    require_coordinator,
    require_viewer,
)

log = logging.getLogger("seawatch.web.drift")

WORKERS = 2
"""Drifts running at once: the service runs on 2 cores (assumption, to calibrate)."""
MAX_WAITING = 8
"""Drifts waiting for a worker before new ones are refused (assumption, to calibrate)."""
TIMEOUT_S = 300.0
"""A drift running longer is killed. Issue 16 targets 30 s for 5,000 elements x 48 h on 2
cores; ten times that leaves room for a busy machine (assumption, to calibrate)."""
MAX_HOURS = 72
"""Longest drift a page may ask for (assumption: beyond 3 days the forecast and the Leeway
spread make the areas too wide to search; to calibrate with the coordinators)."""

router = APIRouter()
Viewer = Annotated[Principal, Depends(require_viewer)]
Coordinator = Annotated[Principal, Depends(require_coordinator)]
DriftId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="Drift id")]

DOWNLOADS = {
    "geojson": ("geojson", "application/geo+json"),
    "kml": ("kml", "application/vnd.google-earth.kml+xml"),
    "gpx": ("gpx", "application/gpx+xml"),
}


class DriftStart(BaseModel):
    """What a coordinator may choose; the rest (position, time, boat) comes from the incident."""

    model_config = ConfigDict(extra="forbid")

    hours: int = Field(24, ge=1, le=MAX_HOURS, strict=True, description="Hours to drift")
    object: str | None = Field(
        None,
        pattern=r"^(rubber_dinghy|wooden_boat|small_boat|person_in_water|[0-9]{1,3})$",
        description="Leeway object (default: from the incident's boat type)",
    )


# ------------------------------------------------------------------------------------- runner


class DriftRunner:
    """Runs stored drifts in child processes, :data:`WORKERS` at a time.

    Parameters
    ----------
    settings
        Data directory and config file handed to the child.
    drifts
        Where the drift rows are.
    workers, max_waiting, timeout_s
        Concurrency, queue length and time limit.
    """

    def __init__(
        self,
        settings: Settings,
        drifts: DriftStore,
        workers: int = WORKERS,
        max_waiting: int = MAX_WAITING,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.settings = settings
        self.drifts = drifts
        self.timeout_s = timeout_s
        self.max_waiting = max_waiting
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="seawatch-drift")
        self._futures: dict[int, Future[None]] = {}
        self._procs: dict[int, subprocess.Popen[str]] = {}
        self._lock = threading.Lock()
        self._stopping = False

    def pending(self) -> int:
        """Drifts submitted and not finished."""
        with self._lock:
            return sum(1 for f in self._futures.values() if not f.done())

    def has_room(self) -> bool:
        return self.pending() < self.workers + self.max_waiting

    def submit(self, drift: dict[str, Any]) -> None:
        """Run the stored (queued) drift in the background."""
        with self._lock:
            if self._stopping:
                return
            self._futures[drift["id"]] = self._pool.submit(self._run, drift)

    def command(self, drift: dict[str, Any], out: Path) -> list[str]:
        """The command line of one drift (the contract of ``seawatch drift``)."""
        cmd = [sys.executable, "-m", "seawatch", "--data-dir", str(self.settings.data_dir)]
        if self.settings.config_file:
            cmd += ["--config", str(self.settings.config_file)]
        request = drift["request"]
        cmd += ["drift", "--incident", drift["incident_id"], "--out", str(out), "--json"]
        cmd += ["--hours", str(int(request.get("hours", 24)))]
        if request.get("object"):
            cmd += ["--object", str(request["object"])]
        return cmd

    def _run(self, drift: dict[str, Any]) -> None:
        drift_id = drift["id"]
        try:
            if self._stopping or not self.drifts.start(drift_id):
                return
            with tempfile.TemporaryDirectory(prefix="seawatch-drift-") as tmp:
                out = Path(tmp) / "out"
                error = self._execute(drift_id, self.command(drift, out))
                if error is not None:
                    self.drifts.fail(drift_id, error)
                    log.warning(
                        "drift %s of incident %s failed: %s", drift_id, drift["incident_id"], error
                    )
                    return
                result, geojson, kml, gpx = read_outputs(out)
                self.drifts.finish(drift_id, result, geojson, kml, gpx)
                log.info("drift %s of incident %s done", drift_id, drift["incident_id"])
        except Exception as exc:  # a worker must record every failure, whatever it is
            log.exception("drift %s failed", drift_id)
            try:
                self.drifts.fail(drift_id, f"{type(exc).__name__}: {exc}")
            except Exception:
                log.exception("drift %s: could not record the failure", drift_id)
        finally:
            with self._lock:
                self._procs.pop(drift_id, None)

    def _execute(self, drift_id: int, cmd: list[str]) -> str | None:
        """Run ``cmd``; None on success, else the one-line reason."""
        env = dict(os.environ)
        env["SEAWATCH_DATA_DIR"] = str(self.settings.data_dir)
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            start_new_session=True,  # its own process group: a timeout kills its children too
        )
        with self._lock:
            self._procs[drift_id] = proc
            stopping = self._stopping
        if stopping:  # stop() ran while this process was starting
            _kill(proc)
            return INTERRUPTED
        try:
            _stdout, stderr = proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return (
                f"the drift took longer than {self.timeout_s:.0f} s and was stopped; "
                "try fewer hours, or ask the administrator to look at the server's load"
            )
        if self._stopping:
            return INTERRUPTED
        if proc.returncode != 0:
            return one_line(stderr or f"seawatch drift exited with code {proc.returncode}")
        return None

    def stop(self) -> None:
        """Kill running drifts, drop waiting ones; they are marked failed (interrupted)."""
        with self._lock:
            self._stopping = True
            procs = list(self._procs.values())
        for proc in procs:  # the worker thread reading its output sees it end
            _signal(proc)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.drifts.interrupt_unfinished()


def _signal(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the drift's process group (the command and any worker it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _kill(proc: subprocess.Popen[str]) -> None:
    """Kill and reap; only from the thread that owns ``proc``."""
    _signal(proc)
    with contextlib.suppress(subprocess.TimeoutExpired, ValueError, OSError):
        proc.communicate(timeout=10)


def read_outputs(out: Path) -> tuple[dict[str, Any], dict[str, Any] | None, str | None, str | None]:
    """``drift.json`` (required), ``drift.geojson``, ``drift.kml``, ``drift.gpx`` of a run."""

    def text(name: str) -> str | None:
        path = out / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    raw = text("drift.json")
    if raw is None:
        raise FileNotFoundError(f"seawatch drift wrote no drift.json in {out}")
    geojson = text("drift.geojson")
    return (
        json.loads(raw),
        json.loads(geojson) if geojson else None,
        text("drift.kml"),
        text("drift.gpx"),
    )


# ------------------------------------------------------------------------------------- views


def drifts_of(request: Request) -> DriftStore:
    return request.app.state.drifts


def runner_of(request: Request) -> DriftRunner:
    return request.app.state.drift_runner


def summary(drift: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any] | None:
    """Datum now (DDM), 90 % and 50 % areas [NM²] at that hour, end time; None unless done."""
    result = drift.get("result")
    if drift.get("status") != "done" or not result:
        return None
    now = now_utc(now)
    datum = datum_at(result, now)
    end = datum_at(result, dt.datetime.max.replace(tzinfo=dt.UTC))
    out: dict[str, Any] = {
        "object": result.get("object"),
        "start": result.get("start"),
        "end_time": result.get("end_time"),
        "stranded_fraction": result.get("stranded_fraction"),
        "survival_hours": result.get("survival_hours"),
    }
    for name, point in (("now", datum), ("end", end)):
        if point is None:
            continue
        out[name] = {
            "time": isoformat_utc(point["time"]),
            "lat": point["lat"],
            "lon": point["lon"],
            "ddm": format_ddm(point["lat"], point["lon"]),
            "ended": point["ended"],
            "area_50_nm2": area_at(result, drift.get("geojson"), point["time"], 0.5),
            "area_90_nm2": area_at(result, drift.get("geojson"), point["time"], 0.9),
        }
    return out


def drift_json(drift: dict[str, Any], who: Principal, outputs: bool = False) -> dict[str, Any]:
    """A drift as the API answers it (``outputs``: with ``result`` and ``geojson``)."""
    data: dict[str, Any] = {
        "id": drift["id"],
        "incident_id": drift["incident_id"],
        "status": drift["status"],
        "error": drift.get("error"),
        "request": drift.get("request"),
        "created_at": isoformat_utc(drift["created_at"]),
        "started_at": isoformat_utc(drift["started_at"]) if drift.get("started_at") else None,
        "finished_at": isoformat_utc(drift["finished_at"]) if drift.get("finished_at") else None,
        "summary": summary(drift),
        "links": {
            "self": f"/api/drifts/{drift['id']}",
            **(
                {k: f"/api/drifts/{drift['id']}/drift.{k}" for k in DOWNLOADS}
                if drift["status"] == "done"
                else {}
            ),
        },
    }
    if who.user is not None:
        data["created_by"] = drift.get("created_by")
    if outputs:
        data["result"] = drift.get("result")
        data["geojson"] = drift.get("geojson")
    return data


def start_drift(
    request: Request, incident_id: str, body: DriftStart, who: Principal
) -> dict[str, Any]:
    """Store a queued drift and hand it to the runner; an unfinished one of the incident is
    returned instead of starting a second (a double click starts one drift)."""
    drifts = drifts_of(request)
    runner = runner_of(request)
    with write_lock(request):  # the check and the insert together (one writer per process)
        for existing in drifts.list_for(incident_id):
            if existing["status"] in ("queued", "running"):
                return existing
        if not runner.has_room():
            raise HTTPException(
                503,
                f"{runner.pending()} drifts are already running or waiting; try again in a minute",
                headers={"Retry-After": "30"},
            )
        incident = request.app.state.store.get(incident_id)
        inputs = {
            **body.model_dump(exclude_none=True),
            # what the incident said when the drift was asked for (it may be corrected later)
            "incident": {
                "lat": incident["lat"],
                "lon": incident["lon"],
                "time": isoformat_utc(incident["time"]),
                "boat_type": incident["boat_type"],
                "version": incident["version"],
            },
        }
        drift = drifts.create(incident_id, inputs, who.name or "?")
        runner.submit(drift)
    request.app.state.log.info(
        "%s started drift %s of incident %s", who.name, drift["id"], incident_id
    )
    return drift


# ------------------------------------------------------------------------------------- routes


@router.post(
    "/api/incidents/{incident_id}/drifts",
    tags=["drifts"],
    status_code=202,
    summary="Where is it now? Start a drift",
    responses={503: {"description": "Too many drifts waiting"}, **ERROR_RESPONSES},
)
def post_drift(
    request: Request, incident_id: IncidentId, who: Coordinator, body: DriftStart | None = None
) -> Response:
    """Start a drift from the incident's position, time and boat; answers 202 at once.

    Poll ``links.self`` until ``status`` is ``done`` (``summary``, downloads) or ``failed``
    (``error``, one line). While a drift of the incident is queued or running, that one is
    answered instead of starting another.
    """
    drift = start_drift(request, incident_id, body or DriftStart(), who)
    return json_response(
        drift_json(drift, who), 202, headers={"Location": f"/api/drifts/{drift['id']}"}
    )


@router.get(
    "/api/incidents/{incident_id}/drifts",
    tags=["drifts"],
    summary="The drifts of an incident",
    responses=ERROR_RESPONSES,
)
def get_incident_drifts(request: Request, incident_id: IncidentId, who: Viewer) -> Response:
    """Newest first, without their outputs (see ``links``)."""
    drifts = drifts_of(request).list_for(incident_id, geojson=True)
    return json_response([drift_json(d, who) for d in drifts])


@router.get("/api/drifts", tags=["drifts"], summary="Latest drift of each open distress case")
def get_open_drifts(request: Request, who: Viewer) -> Response:
    """For the live map: the newest finished drift of the newest open distress cases.

    ``result`` and ``geojson`` hold only what the map draws (the search areas per hour, 5
    decimals); the whole outputs are at ``/api/drifts/{id}``.
    """
    _cases, latest = drifts_of(request).open_cases(limit=MAP_DRIFTS)
    out = []
    for drift in latest.values():
        (drawn,) = map_payload([drift])
        out.append({**drift_json(drift, who), **drawn})
    return json_response(out)


@router.get(
    "/api/drifts/{drift_id}",
    tags=["drifts"],
    summary="One drift, with its outputs when done",
    responses=ERROR_RESPONSES,
)
def get_drift(request: Request, drift_id: DriftId, who: Viewer) -> Response:
    """``status`` (queued, running, done, failed), ``error``, ``summary``, ``result``
    (``drift.json``) and ``geojson`` (``drift.geojson``)."""
    return json_response(drift_json(drifts_of(request).get(drift_id, outputs=True), who, True))


@router.get(
    "/api/drifts/{drift_id}/drift.{kind}",
    tags=["drifts"],
    summary="Download a drift (GeoJSON, KML for Google Earth, GPX for OpenCPN)",
    responses=ERROR_RESPONSES,
)
def download_drift(request: Request, drift_id: DriftId, kind: str, who: Viewer) -> Response:
    if kind not in DOWNLOADS:
        raise HTTPException(404, f"drifts download as {', '.join(DOWNLOADS)}, not {kind!r}")
    drift = drifts_of(request).get(drift_id, outputs=True)
    if drift["status"] != "done":
        raise HTTPException(404, f"drift {drift_id} is {drift['status']}; nothing to download")
    body = {"geojson": drift.get("geojson"), "kml": drift.get("kml"), "gpx": drift.get("gpx")}[kind]
    if body is None:
        raise HTTPException(404, f"drift {drift_id} has no {kind.upper()} output")
    text = json.dumps(body, ensure_ascii=False) if kind == "geojson" else str(body)
    extension, media = DOWNLOADS[kind]
    stamp = (drift.get("result") or {}).get("end_time", "")[:13].replace("-", "").replace(":", "")
    name = f"seawatch-drift-{drift['incident_id'][:8]}-{drift_id}-{stamp}.{extension}"
    return Response(
        text.encode("utf-8"),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/incidents/{incident_id}/drifts", include_in_schema=False)
async def page_start_drift(request: Request, incident_id: str) -> Response:
    """The incident page's "Where is it now?" button (an HTML form with the CSRF token)."""
    from fastapi.concurrency import run_in_threadpool

    from seawatch.web.pages import LoginRequiredError

    form = await request.form()
    who = get_principal(request)
    if who.user is None:
        raise LoginRequiredError
    check_csrf(request, who, str(form.get(CSRF_FIELD, "")))
    if not who.user.can_edit:
        raise HTTPException(403, "only coordinators and admins can start a drift")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", incident_id):
        raise HTTPException(404, f"no incident with id {incident_id!r}")
    try:
        hours = int(str(form.get("hours", "24")) or 24)
    except ValueError:
        hours = 0
    if not 1 <= hours <= MAX_HOURS:
        raise HTTPException(422, f"hours must be a whole number from 1 to {MAX_HOURS}")
    await run_in_threadpool(start_drift, request, incident_id, DriftStart(hours=hours), who)
    lang = request.query_params.get("lang", "")
    suffix = f"?lang={lang}" if lang in ("en", "ar") else ""
    return RedirectResponse(f"/incidents/{incident_id}{suffix}#drifts", status_code=303)


def page_rows(request: Request, incident_id: str, lang: str) -> list[dict[str, Any]]:
    """The incident page's drift table: one row per drift, newest first, texts in ``lang``."""
    from seawatch.web.texts import texts

    words = texts(lang)
    rows = []
    for drift in drifts_of(request).list_for(incident_id, geojson=True):
        data = summary(drift) or {}
        now = data.get("now") or {}
        request_ = drift.get("request") or {}
        rows.append(
            {
                "id": drift["id"],
                "status": drift["status"],
                "status_text": words.get(f"drift.ui.status.{drift['status']}", drift["status"]),
                "error": drift.get("error") or "",
                "created": drift["created_at"].strftime("%Y-%m-%d %H:%M"),
                "by": drift.get("created_by") or "",
                "hours": request_.get("hours", 24),
                "datum_time": now.get("time", "").replace("T", " ")[:16],
                "ddm": now.get("ddm", ""),
                "ended": bool(now.get("ended")),
                "area_90": now.get("area_90_nm2"),
                "area_50": now.get("area_50_nm2"),
                "links": {k: f"/api/drifts/{drift['id']}/drift.{k}" for k in DOWNLOADS}
                if drift["status"] == "done"
                else {},
            }
        )
    return rows


__all__ = ["DriftRunner", "drift_json", "page_rows", "router", "summary"]
