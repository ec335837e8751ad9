"""HTML pages: the live map, sign-in, the incident table and page, the map archive, API docs.

Every page is rendered by Jinja2 with autoescaping, so text people typed (notes, sources,
positions) is shown as text. Pages that need a user send anonymous visitors to ``/login``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from seawatch import __version__
from seawatch.errors import ConflictError, DataError, NotFoundError
from seawatch.geo.positions import format_ddm
from seawatch.incidents.formats import to_csv, to_geojson
from seawatch.storage import DataPaths
from seawatch.timeutil import now_utc
from seawatch.web.accounts import SESSION_HOURS
from seawatch.web.api import PRIVATE_FIELDS, STATUS_FILTERS, list_incidents, restore
from seawatch.web.auth import (
    ANONYMOUS,
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    HashSlots,
    Principal,
    check_csrf,
    cookie_name,
    get_principal,
    public_map,
)
from seawatch.web.security import CSP_HASHES_KEY, script_hashes
from seawatch.web.texts import direction, pick_lang, texts, translate

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
PERIODS = ("24h", "7d", "30d", "365d", "all")
TABLE_LIMIT = 2000


class LoginRequiredError(Exception):
    """Raised by a page when the visitor must sign in first."""


def _principal(request: Request, need_user: bool = False) -> Principal:
    try:
        who = get_principal(request)
    except HTTPException:  # a bad Authorization header on a page: treat as anonymous
        who = ANONYMOUS
    if who.user is None and (need_user or not public_map(request)):
        raise LoginRequiredError
    return who


def _lang(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.app.state.settings.lang)


def render(
    request: Request, name: str, who: Principal, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page with the common context: language, texts, user, CSRF token."""
    lang = context.pop("lang", None) or _lang(request)
    other = "en" if lang == "ar" else "ar"
    return templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "other_lang": other,
            "other_lang_url": with_lang(request, other),
            "dir": direction(lang),
            "t": texts(lang),
            "who": who,
            "csrf_token": who.session.csrf_token if who.session else "",
            "version": __version__,
            **context,
        },
        status_code=status_code,
    )


def with_lang(request: Request, lang: str) -> str:
    """This page in ``lang``: the same query (filters, search, ``next``), other language.

    A path such as ``//evil.example/x`` (a 404 page) is kept on this site: as it came, the link
    would leave it. After a form's POST, the page it came from is not this URL: the link goes
    to the map.
    """
    if request.method not in ("GET", "HEAD"):
        return "/?" + urlencode([("lang", lang)])
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return "/" + request.url.path.lstrip("/\\") + "?" + urlencode([*query, ("lang", lang)])


def page_principal(request: Request) -> Principal:
    """Who is looking at a page, for its header; anonymous when that cannot be told.
    Reads the accounts store: call it from a worker thread, never on the event loop."""
    try:
        return get_principal(request)
    except Exception:  # an error page must render whatever broke (a busy database too)
        return ANONYMOUS


def error_page(
    request: Request,
    status: int,
    detail: str,
    again: str | None = None,
    who: Principal | None = None,
) -> HTMLResponse:
    """An error for a person: what happened in their language, the server's detail below it;
    ``again`` is a page of this site to open again (e.g. the incident as it is now). ``who``
    defaults to the caller already known for this request (no database read here)."""
    lang = _lang(request)
    words = texts(lang)
    if who is None:
        who = getattr(request.state, "principal", None) or ANONYMOUS
    return render(
        request,
        "error.html",
        who,
        status_code=status,
        status=status,
        summary=words.get(f"web.error.{status}", ""),
        detail=detail,
        again=again,
        at=now_utc().strftime("%Y-%m-%d %H:%M:%S"),  # finds the operator's log line
    )


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    lang = f"&lang={_lang(request)}" if "lang" in request.query_params else ""
    return RedirectResponse(f"/login?next={quote(target, safe='')}{lang}", status_code=303)


def safe_next(value: str | None) -> str:
    """Only paths on this site (no ``//host`` or ``\\`` tricks) are followed after sign-in."""
    if (
        value
        and value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and not re.search(r"[\x00-\x1f\\]", value)
    ):
        return value
    return "/"


def editor_snippet(lang: str) -> str:
    """What the live map gets before ``</body>``: the coordinator layer (no inline script)."""
    return (
        '<link rel="stylesheet" href="/static/web/editor.css">'
        f'<script src="/static/web/editor.js" data-lang="{lang}" defer></script>'
    )


# ---------------------------------------------------------------------------------------- map


@router.get("/", response_class=HTMLResponse)
def map_page(request: Request) -> Response:
    """The newest live map with the incident layer; a plain map until the first build."""
    _principal(request)
    lang = _lang(request)
    cache = request.app.state.map_cache
    page = cache.page(lang) or cache.page(request.app.state.settings.lang)
    if page is not None:
        request.scope.setdefault("state", {})[CSP_HASHES_KEY] = page.script_hashes
        return Response(page.html, media_type="text/html; charset=utf-8")
    message = "web.map.building" if cache.building else "web.map.none"
    bounds = ",".join(f"{v:g}" for v in request.app.state.settings.area.bbox)
    html, hashes = fallback_map(lang, message, bounds)
    request.scope.setdefault("state", {})[CSP_HASHES_KEY] = hashes
    return Response(html, media_type="text/html; charset=utf-8")


@functools.lru_cache(maxsize=8)
def fallback_map(lang: str, message: str, bounds: str) -> tuple[bytes, frozenset[str]]:
    """A plain Leaflet map (inlined, offline) with the coordinator layer and a notice."""
    from seawatch.maps.offline import (
        LEAFLET_CSS,
        LEAFLET_JS,
        MARKERCLUSTER_CSS,
        MARKERCLUSTER_JS,
        inline_assets,
    )

    # The marker-cluster plugin too, so the incident layer clusters as on the rendered map.
    leaflet = inline_assets(
        f'<link rel="stylesheet" href="{LEAFLET_CSS}"/><script src="{LEAFLET_JS}"></script>'
        f'<link rel="stylesheet" href="{MARKERCLUSTER_CSS[0]}"/>'
        f'<script src="{MARKERCLUSTER_JS}"></script>'
    )
    html = templates.get_template("map_fallback.html").render(
        lang=lang,
        dir=direction(lang),
        t=texts(lang),
        message=message,
        leaflet=leaflet,
        snippet=editor_snippet(lang),
        bounds=bounds,
    )
    return html.encode("utf-8"), script_hashes(html)


@router.get("/ui/texts")
def ui_texts(request: Request) -> Response:
    """The texts of the map's editing layer in ``?lang=`` (no user data; cacheable)."""
    from seawatch.web.api import json_response

    lang = _lang(request)
    return json_response(
        {"lang": lang, "dir": direction(lang), "texts": texts(lang)},
        headers={"Cache-Control": "public, max-age=300"},
    )


# ---------------------------------------------------------------------------------- sign-in


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next: str | None = None, error: str | None = None, wait: int = 0
) -> Response:
    token = secrets.token_urlsafe(32)
    if next is None and "lang" in request.query_params:
        next = f"/?lang={_lang(request)}"
    response = render(
        request,
        "login.html",
        page_principal(request),  # signed in already: the header says so and offers sign-out
        next=safe_next(next),
        login_csrf=token,
        error=error if error in ("failed", "limited", "expired", "busy") else None,
        wait=max(0, wait),
    )
    _set_cookie(request, response, cookie_name(request, LOGIN_CSRF_COOKIE), token, max_age=3600)
    return response


def _login_refused(
    request: Request, next_path: str, error: str, wait: int, status: int
) -> Response:
    """The sign-in page itself, saying why and how long to wait (never a bare error)."""
    response = login_form(request, next_path, error, wait)
    response.status_code = status
    response.headers["Retry-After"] = str(wait)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    name = str(form.get("name", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    next_path = safe_next(str(form.get("next", "/")))
    sent = str(form.get(CSRF_FIELD, ""))
    cookie = request.cookies.get(cookie_name(request, LOGIN_CSRF_COOKIE), "")
    if not cookie or not secrets.compare_digest(sent, cookie):
        return _back_to_login(request, next_path, "expired")
    limiter = request.app.state.login_limiter
    address = request.client.host if request.client else "?"
    wait = limiter.attempt(name, address)
    if wait:
        return _login_refused(request, next_path, "limited", wait, 429)
    from fastapi.concurrency import run_in_threadpool

    accounts = request.app.state.accounts
    # Each argon2 check takes 64 MiB: a few at a time, and a short queue; beyond it the
    # sign-in is refused at once instead of piling up threads and memory.
    slots: HashSlots = request.app.state.hash_slots
    if not slots.enter():
        limiter.release(name, address)
        return _login_refused(request, next_path, "busy", 5, 503)
    try:
        async with slots.semaphore:
            user = await run_in_threadpool(accounts.authenticate, name, password, slots.verify)
    finally:
        slots.leave()
    if user is None:
        request.app.state.log.warning("sign-in failed from %s", address)
        return _back_to_login(request, next_path, "failed")
    limiter.succeeded(name, address)
    session_id, _session = await run_in_threadpool(accounts.create_session, user)
    request.app.state.log.info("%s signed in from %s", user.name, address)
    response = RedirectResponse(next_path, status_code=303)
    _set_cookie(
        request,
        response,
        cookie_name(request, SESSION_COOKIE),
        session_id,
        max_age=SESSION_HOURS * 3600,
    )
    _delete_cookie(request, response, cookie_name(request, LOGIN_CSRF_COOKIE))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    who = get_principal(request)
    check_csrf(request, who, str(form.get(CSRF_FIELD, "")))
    if cookie := request.cookies.get(cookie_name(request, SESSION_COOKIE)):
        request.app.state.accounts.end_session(cookie)
    target = f"/login?lang={_lang(request)}" if "lang" in request.query_params else "/login"
    response = RedirectResponse(target, status_code=303)
    _delete_cookie(request, response, cookie_name(request, SESSION_COOKIE))
    return response


def _back_to_login(request: Request, next_path: str, error: str) -> RedirectResponse:
    """The sign-in form again with ``error``, in the language the form was sent in."""
    query = {"next": next_path, "error": error}
    if "lang" in request.query_params:
        query["lang"] = _lang(request)
    return RedirectResponse("/login?" + urlencode(query), status_code=303)


def _delete_cookie(request: Request, response: Response, name: str) -> None:
    # A __Host- cookie is only replaced by one with the same Secure and Path attributes.
    response.delete_cookie(
        name, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


# -------------------------------------------------------------------------------- incidents


def _table_query(
    since: str | None, status: str | None, bbox: str | None, retracted: bool
) -> dict[str, Any]:
    since = since if since in PERIODS else "30d"
    return {
        "since": None if since == "all" else since,
        "status": [status] if status in STATUS_FILTERS else None,
        "bbox": bbox or None,
        "include_retracted": retracted,
    }


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    since: Annotated[str | None, Query(max_length=10)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    bbox: Annotated[str | None, Query(max_length=100)] = None,
    retracted: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    who = _principal(request)
    query = _table_query(since, status, bbox, retracted)
    records = _public(who, list_incidents(request.app.state.store, **query))
    if q and q.strip():
        records = [r for r in records if _matches(r, q)]
    records = records[: TABLE_LIMIT + 1]
    params = {k: v for k, v in {"since": query["since"], "bbox": bbox}.items() if v}
    if query["status"]:
        params["status"] = query["status"][0]
    if retracted:
        params["include_retracted"] = "true"
    if q and q.strip():
        params["q"] = q.strip()  # the download holds the rows the table shows
    return render(
        request,
        "incidents.html",
        who,
        rows=[_row(r) for r in records[:TABLE_LIMIT]],
        truncated=len(records) > TABLE_LIMIT,
        periods=PERIODS,
        statuses=STATUS_FILTERS,
        since=since if since in PERIODS else "30d",
        status=status if status in STATUS_FILTERS else "",
        bbox=bbox or "",
        retracted=retracted,
        q=q or "",
        csv_url="/incidents.csv?" + urlencode(params),
        geojson_url="/incidents.geojson?" + urlencode(params),
    )


def _downloaded(
    request: Request,
    since: str | None,
    status: str | None,
    bbox: str | None,
    include_retracted: bool,
    q: str | None,
) -> list[dict[str, Any]]:
    """The records of the table's downloads: its filters and its search, as the table has them."""
    who = _principal(request)
    records = list_incidents(
        request.app.state.store,
        since,
        bbox=bbox,
        status=[status] if status else None,
        include_retracted=include_retracted,
    )
    records = _public(who, records)  # first: an anonymous search must not find private notes
    if q and q.strip():
        records = [r for r in records if _matches(r, q)]
    return records


def _attachment(name: str) -> dict[str, str]:
    stamp = now_utc().strftime("%Y%m%dT%H%MZ")
    return {"Content-Disposition": f'attachment; filename="seawatch-incidents-{stamp}.{name}"'}


@router.get("/incidents.csv")
def incidents_csv(
    request: Request,
    since: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=200)] = None,
    bbox: Annotated[str | None, Query(max_length=100)] = None,
    include_retracted: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The filtered incidents as CSV (UTF-8 with BOM so spreadsheets read Arabic text);
    ``q`` keeps only those the table's search finds."""
    records = _downloaded(request, since, status, bbox, include_retracted, q)
    return Response(
        "\ufeff" + to_csv(records),
        media_type="text/csv; charset=utf-8",
        headers=_attachment("csv"),
    )


@router.get("/incidents.geojson")
def incidents_geojson(
    request: Request,
    since: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=200)] = None,
    bbox: Annotated[str | None, Query(max_length=100)] = None,
    include_retracted: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The table's incidents as GeoJSON, with its search (``/api/incidents`` has no search)."""
    records = _downloaded(request, since, status, bbox, include_retracted, q)
    return Response(
        to_geojson(records), media_type="application/geo+json", headers=_attachment("geojson")
    )


@router.post("/incidents/{incident_id}/restore")
async def restore_incident(request: Request, incident_id: str) -> Response:
    """Undo a retraction: the status it had before, as a new version in the history."""
    from fastapi.concurrency import run_in_threadpool

    form = await request.form()
    who = _principal(request, need_user=True)
    check_csrf(request, who, str(form.get(CSRF_FIELD, "")))
    if who.user is None or not who.user.can_edit:
        raise HTTPException(403, "only coordinators and admins may restore incidents")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", incident_id):
        raise NotFoundError(f"no incident with id {incident_id!r}")
    store = request.app.state.store
    sent = str(form.get("version", ""))
    if not sent.isdigit() or not 1 <= int(sent) < 2**31:
        raise DataError(f"version {sent[:20]!r} is not a version number; reload the page")
    version = int(sent)
    page = f"/incidents/{incident_id}?lang={_lang(request)}"

    def write() -> None:
        with request.app.state.write_lock:
            restore(store, incident_id, version, who.user.name)

    try:
        await run_in_threadpool(write)
    except ConflictError as exc:  # a page, not the API's JSON: the form came from a page
        return error_page(request, 409, str(exc), again=page)
    return RedirectResponse(page, status_code=303)


_SEARCHED = ("id", "source", "source_id", "notes", "position_text", "created_by", "updated_by")


def _matches(record: dict[str, Any], text: str) -> bool:
    """Every word of ``text`` appears in one of the record's text fields (any case)."""
    haystack = " ".join(str(record.get(k) or "") for k in _SEARCHED).casefold()
    return all(word in haystack for word in text.casefold().split())


def _public(who: Principal, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records as an anonymous visitor of a public map may see them (no names, no notes)."""
    if who.user is not None:
        return records
    return [{**r, **dict.fromkeys(PRIVATE_FIELDS)} for r in records]


def _link(url: Any) -> str | None:
    """``url`` if it may be a link (http or https only: never javascript:, data:, file:)."""
    if not isinstance(url, str):
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _row(record: dict[str, Any]) -> dict[str, Any]:
    return {
        **record,
        "link": _link(record.get("url")),
        "ddm": format_ddm(record["lat"], record["lon"]),
        "time_text": record["time"].strftime("%Y-%m-%d %H:%M") if record["time"] else "",
        "updated_text": record["updated_at"].strftime("%Y-%m-%d %H:%M")
        if record.get("updated_at")
        else "",
    }


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, incident_id: str) -> Response:
    """One incident with its full history (signed-in users only: it names who changed what)."""
    who = _principal(request, need_user=True)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", incident_id):
        raise NotFoundError(f"no incident with id {incident_id!r}")
    store = request.app.state.store
    record = store.get(incident_id)
    history = store.history(incident_id)
    from seawatch.web.drifts import page_rows

    drifts = page_rows(request, incident_id, _lang(request))
    return render(
        request,
        "incident.html",
        who,
        record=_row(record),
        drifts=drifts,
        drifts_pending=any(d["status"] in ("queued", "running") for d in drifts),
        history=[
            {
                **h,
                "at_text": h["at"].strftime("%Y-%m-%d %H:%M:%S"),
                "changes": _changes(h, _lang(request)),
            }
            for h in history
        ],
    )


# Changed values shown in words of the page's language; every other value (positions, times,
# numbers, ids, links) is data that reads left to right on an Arabic page too.
_WORDED = ("notes", "status", "boat_type", "source")


def _changes(entry: dict[str, Any], lang: str = "en") -> list[tuple[str, str, str, bool]]:
    """A history entry's changes in words: positions in DDM, times as on the page, lists joined,
    names translated; the last item says whether the values read left to right."""
    words = texts(lang)
    pairs: dict[str, list[Any]] = {}
    for name, pair in (entry.get("changes") or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        pairs[name] = [old, new]
    if "lat" in pairs and "lon" in pairs:
        lat, lon = pairs.pop("lat"), pairs.pop("lon")
        typed = pairs.pop("position_text", [None, None])
        pairs["position"] = [
            format_ddm(lat[i], lon[i]) if lat[i] is not None and lon[i] is not None else typed[i]
            for i in (0, 1)
        ]

    def shown(name: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, list | tuple):
            return ", ".join(shown(name, v) for v in value)
        if name == "boat_type":
            return words.get(f"web.boat.{value}", str(value))
        if name == "status":
            return words.get(f"web.status.{value}", str(value))
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M UTC")
        if name == "time" and isinstance(value, str):
            try:
                return _time_text(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return value
        return str(value)

    out = []
    for name in sorted(pairs):
        old, new = pairs[name]
        label = words.get(f"web.field.{'note' if name == 'notes' else name}", name)
        out.append((label, shown(name, old), shown(name, new), name not in _WORDED))
    return out


def _time_text(when: dt.datetime) -> str:
    """A time as the pages show it: ``2026-08-20 04:30 UTC`` (seconds only when not zero)."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S UTC" if when.second else "%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------------------------- archive


@router.get("/maps", response_class=HTMLResponse)
def archive_index(request: Request) -> Response:
    who = _principal(request)
    root = DataPaths(request.app.state.settings.data_dir).root / "archive"
    days = (
        sorted(
            (
                p.name
                for p in root.glob("*")
                if DAY_PATTERN.fullmatch(p.name) and (p / "map.html").is_file()
            ),
            reverse=True,
        )
        if root.is_dir()
        else []
    )
    # The build archives its map in the configured language only (seawatch.pipeline).
    return render(request, "archive.html", who, days=days, map_lang=request.app.state.settings.lang)


@router.get("/maps/{day}", response_class=HTMLResponse)
def archive_map(request: Request, day: str) -> Response:
    """The map as it was built on ``day`` (YYYY-MM-DD), with the incidents of that build."""
    _principal(request)
    if not DAY_PATTERN.fullmatch(day):
        raise NotFoundError(f"{day!r} is not a day; archived maps are at /maps/YYYY-MM-DD")
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise NotFoundError(f"{day} is not a date") from None
    path = DataPaths(request.app.state.settings.data_dir).archive_dir(day) / "map.html"
    if not path.is_file():
        raise NotFoundError(f"no map was archived on {day}")
    html = path.read_text(encoding="utf-8")
    request.scope.setdefault("state", {})[CSP_HASHES_KEY] = script_hashes(html)
    return Response(html, media_type="text/html; charset=utf-8")


# ------------------------------------------------------------------------------------- docs


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """The API reference, rendered from the OpenAPI schema on the server (works offline)."""
    who = _principal(request)
    schema = request.app.openapi()
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                (p["name"], p["in"], p.get("required", False), p.get("description", ""))
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "body": ref.rsplit("/", 1)[-1],
                    "responses": sorted(op.get("responses", {}).items()),
                }
            )
    models = {
        name: [
            (
                field,
                _type_text(spec),
                field in model.get("required", []),
                spec.get("description", ""),
            )
            for field, spec in model.get("properties", {}).items()
        ]
        for name, model in schema.get("components", {}).get("schemas", {}).items()
        if name.startswith("Incident")
    }
    # The header and the command read left to right inside an Arabic sentence too.
    intro = Markup(escape(texts(_lang(request))["web.docs.how"])).format(
        header=Markup('<bdi dir="ltr"><code>Authorization: Bearer TOKEN</code></bdi>'),
        command=Markup('<bdi dir="ltr"><code>seawatch users token NAME</code></bdi>'),
    )
    return render(request, "docs.html", who, operations=operations, models=models, intro=intro)


def _type_text(spec: dict[str, Any]) -> str:
    options = spec.get("anyOf") or [spec]
    names = []
    for option in options:
        if "enum" in option:
            names.append(" | ".join(map(str, option["enum"])))
        elif option.get("type") and option["type"] != "null":
            names.append(option.get("format", option["type"]))
    return " | ".join(names) or "any"


__all__ = [
    "LoginRequiredError",
    "editor_snippet",
    "error_page",
    "login_redirect",
    "router",
    "translate",
]
