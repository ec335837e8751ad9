"""The JSON API: incidents (GeoJSON), history, positions, risk at a point, summary, status.

Reads need a signed-in user (or ``[web] public_map``); writes need a coordinator or admin and
are attributed to them in the incident history. Invalid input answers 422 with one line a
person can act on in ``detail`` (and per field in ``errors``); nothing is written then.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam

from seawatch import __version__
from seawatch.errors import DataError
from seawatch.geo.positions import parse_position
from seawatch.incidents.model import STATUSES
from seawatch.incidents.store import IncidentStore
from seawatch.incidents.validate import parse_since
from seawatch.jsonutil import dumps
from seawatch.storage import DataPaths
from seawatch.timeutil import isoformat_utc, now_utc
from seawatch.web.auth import Principal, require_coordinator, require_user, require_viewer
from seawatch.web.cache import Answer
from seawatch.web.models import (
    IncidentCreate,
    IncidentPatch,
    history_json,
    record_json,
)
from seawatch.web.risk import RiskData, file_time

router = APIRouter()

IncidentId = Annotated[
    str,
    # Store ids are hex; the pattern keeps odd text out of lookups and logs.
    PathParam(
        pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Incident id", examples=["3f9c2a1b0d4e5f60"]
    ),
]
Viewer = Annotated[Principal, Depends(require_viewer)]
Coordinator = Annotated[Principal, Depends(require_coordinator)]
SignedIn = Annotated[Principal, Depends(require_user)]

STATUS_FILTERS = STATUSES
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in (send Authorization: Bearer TOKEN)"},
    403: {"description": "Signed in, but the role does not allow it"},
    404: {"description": "No such incident"},
    422: {"description": "Invalid input; `detail` says what is wrong"},
}


# What anonymous visitors of a public map never see: who changed what, and the free-text notes
# (which name people and boats). Signed-in users see everything.
PRIVATE_FIELDS = ("created_by", "updated_by", "notes")


def for_viewer(data: dict[str, Any], who: Principal) -> dict[str, Any]:
    """``data`` (a record as JSON) without the private fields for an anonymous caller."""
    if who.user is not None:
        return data
    return {k: v for k, v in data.items() if k not in PRIVATE_FIELDS}


def store_of(request: Request) -> IncidentStore:
    return request.app.state.store


def risk_of(request: Request) -> RiskData:
    return request.app.state.risk


def _dumps(data: Any) -> bytes:
    return dumps(data).encode()


def json_response(data: Any, status_code: int = 200, **kwargs: Any) -> Response:
    """JSON without FastAPI's generic encoder (the records are plain values already)."""
    body = _dumps(data)
    media_type = kwargs.pop("media_type", "application/json")
    return Response(body, status_code=status_code, media_type=media_type, **kwargs)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``west,south,east,north`` in degrees."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(abs(v) <= 360 for v in values):
        raise DataError(f"bbox {text!r} must be four numbers: west,south,east,north (degrees)")
    west, south, east, north = values
    if west > east or south > north:
        raise DataError(f"bbox {text!r}: west must not exceed east, nor south exceed north")
    return values  # type: ignore[return-value]


def parse_statuses(values: list[str] | None) -> list[str] | None:
    """Status filter from ``status=a,b`` or repeated ``status=`` parameters."""
    if not values:
        return None
    wanted = [s.strip().lower() for v in values for s in v.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in STATUS_FILTERS]
    if unknown:
        raise DataError(f"status {unknown[0]!r} must be one of {', '.join(STATUS_FILTERS)}")
    return wanted or None


def incident_query(
    since: str | None = None,
    until: str | None = None,
    bbox: str | None = None,
    status: list[str] | None = None,
    include_retracted: bool = False,
    limit: int | None = None,
) -> dict[str, Any]:
    """Keyword arguments of :meth:`IncidentStore.list` for the query parameters.

    Times are cut to whole seconds, so repeated polls of ``since=7d`` ask the same question.
    """
    statuses = parse_statuses(status)
    return {
        "since": parse_since(since).replace(microsecond=0) if since else None,
        "until": parse_since(until, "until").replace(microsecond=0) if until else None,
        "bbox": parse_bbox(bbox) if bbox else None,
        "statuses": tuple(statuses) if statuses else None,
        "include_retracted": include_retracted,
        "limit": limit,
    }


def list_incidents(store: IncidentStore, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Records for the query parameters shared by the API, the table page and the downloads."""
    return store.list(**incident_query(*args, **kwargs))


def write_lock(request: Request) -> contextlib.AbstractContextManager[Any]:
    """This process's lock around writes to SQLite (a no-op on PostgreSQL).

    SQLite allows one writer; threads that find it busy sleep in its busy handler and wake late,
    which shows as long tails under load. Waiting on a lock here wakes them at once.
    """
    return request.app.state.write_lock


@router.get("/healthz", tags=["service"], summary="Liveness check")
async def healthz() -> dict[str, str]:
    """``{"status": "ok"}`` while the service runs (no database access)."""
    return {"status": "ok", "version": __version__}


@router.get("/api/me", tags=["service"], summary="Who is signed in")
def me(request: Request, who: Viewer) -> Response:
    """The caller's name, role and whether they may edit; browsers also get their CSRF token."""
    user = who.user
    data: dict[str, Any] = {
        "name": user.name if user else None,
        "role": user.role if user else None,
        "can_edit": bool(user and user.can_edit),
        "public_map": bool(request.app.state.settings.web.public_map),
    }
    if who.session is not None:
        data["csrf_token"] = who.session.csrf_token
    return json_response(data)


@router.get(
    "/api/incidents",
    tags=["incidents"],
    summary="Incidents as GeoJSON",
    responses={
        200: {"content": {"application/geo+json": {}}},
        304: {"description": "Unchanged since the answer whose ETag was sent in If-None-Match"},
        **ERROR_RESPONSES,
    },
)
def get_incidents(
    request: Request,
    who: Viewer,
    since: Annotated[
        str | None,
        Query(max_length=40, description="7d, 24h, 30m, 2w or an ISO 8601 time", examples=["7d"]),
    ] = None,
    until: Annotated[
        str | None, Query(max_length=40, description="ISO 8601 time or period")
    ] = None,
    bbox: Annotated[
        str | None,
        Query(max_length=100, description="west,south,east,north", examples=["10,30.5,20,38"]),
    ] = None,
    status: Annotated[
        list[str] | None, Query(description="Only these statuses (comma-separated or repeated)")
    ] = None,
    include_retracted: bool = False,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    """Incidents, newest first, as an RFC 7946 FeatureCollection (positions WGS84 lon, lat).

    The answer carries an ``ETag``; a poll sending it back in ``If-None-Match`` gets an empty
    304 while nothing it shows has changed.
    """
    query = incident_query(since, until, bbox, status, include_retracted, limit)

    anonymous = who.user is None

    def build() -> tuple[bytes, dt.datetime | None]:
        records = store_of(request).list(**query)
        oldest = min((r["time"] for r in records if r["time"] is not None), default=None)
        # the same writer as `seawatch incidents export --format geojson`
        text = request.app.state.query_cache.features.collection(records)
        if not anonymous:
            return text.encode(), oldest
        collection = json.loads(text)
        for feature in collection["features"]:
            feature["properties"] = for_viewer(feature["properties"], who)
        return _dumps(collection), oldest

    # The window's start is not part of the key: a kept answer for an earlier start serves
    # while every incident in it is still inside the window (see seawatch.web.cache).
    key = (since, *((k, v) for k, v in query.items() if k != "since"), ("anonymous", anonymous))
    answer = request.app.state.query_cache.get(key, build, query["since"])
    return cached_response(request, answer, "application/geo+json")


GZIP_MIN_BYTES = 1024
"""Smaller answers go as they are: gzip's own header and trailer would eat most of the gain."""


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``gzip`` or ``*`` with q > 0)."""
    if not header:
        return False
    weights: dict[str, float] = {}
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        q = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        weights[coding.strip().lower()] = q
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def cached_response(request: Request, answer: Answer, media_type: str) -> Response:
    """``answer`` as 200 (gzip when the client takes it), or 304 when the client has it."""
    gzipped = len(answer.body) >= GZIP_MIN_BYTES and accepts_gzip(
        request.headers.get("accept-encoding")
    )
    etag = answer.gzip_etag if gzipped else answer.etag
    headers = {"ETag": etag, "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(answer.gzipped(), media_type=media_type, headers=headers)
    return Response(answer.body, media_type=media_type, headers=headers)


@router.post(
    "/api/incidents",
    tags=["incidents"],
    status_code=201,
    summary="Report an incident",
    responses=ERROR_RESPONSES,
)
def post_incident(
    request: Request,
    body: IncidentCreate,
    who: Coordinator,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=r"^[\x21-\x7e]{8,200}$",
            description="A unique key per report (e.g. a UUID): a retry with the same key from "
            "the same user returns the incident the first attempt stored instead of a second one",
        ),
    ] = None,
) -> Response:
    """Store a new incident; answers 201 with the record, including ``id`` and ``version``.

    Without ``status`` the incident is ``distress``, whatever its ``source``.

    A retry with the same ``Idempotency-Key`` answers 201 with the incident the first attempt
    stored (as it is now) and ``Idempotent-Replayed: true``.
    """
    fields = body.store_fields()
    # A report without a status is a boat in distress, whoever relays it: a relay posting a
    # boat in distress must not get the grey marker of a closed case.
    if fields.get("status") is None:
        fields["status"] = "distress"
    with write_lock(request):
        record, created = store_of(request).create_once(fields, who.name, idempotency_key)
    headers = {"Location": f"/api/incidents/{record['id']}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return json_response(record_json(record), 201, headers=headers)


@router.get(
    "/api/incidents/{incident_id}",
    tags=["incidents"],
    summary="One incident",
    responses=ERROR_RESPONSES,
)
def get_incident(request: Request, incident_id: IncidentId, who: Viewer) -> Response:
    """The incident as it is now."""
    return json_response(for_viewer(record_json(store_of(request).get(incident_id)), who))


@router.patch(
    "/api/incidents/{incident_id}",
    tags=["incidents"],
    summary="Correct or move an incident",
    responses={409: {"description": "Changed meanwhile; `current` holds it"}, **ERROR_RESPONSES},
)
def patch_incident(
    request: Request, incident_id: IncidentId, body: IncidentPatch, who: Coordinator
) -> Response:
    """Change fields; ``version`` must be the one the change is based on (else 409 + current)."""
    with write_lock(request):
        record = store_of(request).update(
            incident_id,
            body.store_fields(),
            version=body.version,
            user=who.name,
        )
    return json_response(record_json(record))


@router.delete(
    "/api/incidents/{incident_id}",
    tags=["incidents"],
    summary="Retract an incident",
    responses={409: {"description": "Changed meanwhile; `current` holds it"}, **ERROR_RESPONSES},
)
def delete_incident(
    request: Request,
    incident_id: IncidentId,
    who: Coordinator,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Retract: the status becomes ``retracted``; the record and its history stay."""
    if reason and "\x00" in reason:
        raise DataError("reason contains a NUL character")
    with write_lock(request):
        record = store_of(request).retract(
            incident_id,
            user=who.user.name,
            version=version,
            reason=reason,
        )
    return json_response(record_json(record))


def status_before_retraction(store: IncidentStore, incident_id: str) -> str:
    """The status an incident had when it was last retracted (``distress`` if unknown)."""
    before = "distress"
    for entry in store.history(incident_id):
        pair = (entry.get("changes") or {}).get("status")
        if entry["action"] == "retract" and isinstance(pair, list) and pair[0]:
            before = pair[0]
    return before


def restore(store: IncidentStore, incident_id: str, version: int, user: str) -> dict[str, Any]:
    """Undo a retraction: the status it had before, as a new version in the history.

    An incident that is not retracted is returned as it is, so a retry after a lost answer
    is harmless. A retracted incident changed since ``version`` raises ConflictError.
    """
    record = store.get(incident_id)
    if record["status"] != "retracted":
        return record
    before = status_before_retraction(store, incident_id)
    return store.update(incident_id, {"status": before}, version=version, user=user)


@router.post(
    "/api/incidents/{incident_id}/restore",
    tags=["incidents"],
    summary="Restore a retracted incident",
    responses={409: {"description": "Changed meanwhile; `current` holds it"}, **ERROR_RESPONSES},
)
def restore_incident(
    request: Request,
    incident_id: IncidentId,
    who: Coordinator,
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    """Undo a retraction: the incident gets back the status it had before being retracted.

    ``version`` is the retracted version the decision was based on (else 409 + current). An
    incident that is not retracted (e.g. the first attempt went through) answers 200 as it is.
    """
    with write_lock(request):
        record = restore(store_of(request), incident_id, version, who.name)
    return json_response(record_json(record))


@router.get(
    "/api/incidents/{incident_id}/history",
    tags=["incidents"],
    summary="Every change to an incident",
    responses=ERROR_RESPONSES,
)
def get_history(request: Request, incident_id: IncidentId, who: SignedIn) -> Response:
    """Oldest first: ``at``, ``user``, ``action``, ``changes`` (``{field: [old, new]}``), ``version``."""
    return json_response(history_json(store_of(request).history(incident_id)))


@router.get(
    "/api/positions/parse",
    tags=["positions"],
    summary="Read a position",
    responses={422: ERROR_RESPONSES[422]},
)
async def get_position(
    request: Request,
    who: Viewer,
    text: Annotated[str, Query(max_length=500, examples=["33°12.5'N 012°45.3'E"])],
) -> Response:
    """Parse a position as the incident form would; answers it in decimal and DDM.

    ``outside_area`` is true when the position lies outside the configured area (``[area]``,
    ``area`` gives it as west, south, east, north): often a slip such as "0 0" or a swapped
    hemisphere, so the editor asks before saving it.
    """
    data = parse_position(text).to_dict()
    west, south, east, north = request.app.state.settings.area.bbox
    lon = data["lon"] if data["lon"] >= west else data["lon"] + 360.0
    data["outside_area"] = not (south <= data["lat"] <= north and west <= lon <= east)
    data["area"] = [west, south, east, north]
    return json_response(data)


@router.get(
    "/api/risk/point",
    tags=["risk"],
    summary="Capsize hazard at a point",
    responses={404: {"description": "No risk map built yet"}, 422: ERROR_RESPONSES[422]},
)
def get_risk_point(
    request: Request,
    who: Viewer,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=360, allow_inf_nan=False)],
    time: Annotated[str | None, Query(max_length=40, description="ISO 8601; default now")] = None,
) -> Response:
    """Hazard level (0-4 and its name) per vessel class with the rules that raised it."""
    when = parse_since(time, "time") if time else None
    return json_response(risk_of(request).point(lat, lon, when))


@router.get(
    "/api/summary",
    tags=["risk"],
    summary="Risk by departure area and SAR region",
    responses={404: {"description": "No risk map built yet"}},
)
def get_summary(request: Request, who: Viewer) -> Response:
    """The risk windows per departure area and SAR region of the newest build."""
    return json_response(risk_of(request).summary())


@router.get("/api/status", tags=["service"], summary="Sources and data age")
def get_status(request: Request, who: Viewer) -> Response:
    """Per-source fetch state with ages; when the risk data and the live map were built."""
    from seawatch.fetchers.status import read_status

    settings = request.app.state.settings
    paths = DataPaths(settings.data_dir)
    return json_response(
        {
            "now": isoformat_utc(now_utc()),
            "sources": read_status(settings),
            "risk_built_at": file_time(paths.risk),
            "map": request.app.state.map_cache.state(),
            "version": __version__,
        }
    )
