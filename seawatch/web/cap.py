"""CAP routes: ``/cap/feed.xml`` and ``/cap/<identifier>.xml`` from ``<data>/cap/``.

Alert hubs poll the feed every minute with ``If-None-Match``/``If-Modified-Since``; both are
answered with 304 when the file has not changed. Public when ``[alerts] scope = "Public"``,
for signed-in users only when it is ``Restricted``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from seawatch.errors import NotFoundError
from seawatch.web.auth import Principal, get_principal, require_user

router = APIRouter(tags=["alerts"])
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,200}")


def cap_reader(request: Request) -> Principal:
    """Dependency: anyone for Public alerts, a signed-in user for Restricted ones."""
    if request.app.state.settings.alerts.scope == "Public":
        return get_principal(request)
    return require_user(request)


Reader = Annotated[Principal, Depends(cap_reader)]


def _cap_dir(request: Request) -> Path:
    return Path(request.app.state.settings.data_dir) / "cap"


def _file_response(request: Request, path: Path, media_type: str) -> Response:
    try:
        data = path.read_bytes()
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise NotFoundError(
            f"no {path.name} here; alerts are published by `seawatch alerts`"
        ) from None
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    modified = dt.datetime.fromtimestamp(int(mtime), dt.UTC)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        "Cache-Control": "max-age=60",
    }
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


def _not_modified(request: Request, etag: str, modified: dt.datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:  # RFC 9110 13.1.3: If-None-Match wins over If-Modified-Since
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


@router.get("/cap/feed.xml", summary="RSS 2.0 feed of the CAP alerts")
def cap_feed(request: Request, who: Reader) -> Response:
    """Every CAP message until it expires; each item links to the message's XML."""
    return _file_response(request, _cap_dir(request) / "feed.xml", "application/rss+xml")


@router.get("/cap/{name}", summary="One CAP 1.2 message")
def cap_message(request: Request, name: str, who: Reader) -> Response:
    """The CAP 1.2 XML of one message (``<identifier>.xml``)."""
    identifier = name.removesuffix(".xml")
    if not name.endswith(".xml") or not IDENTIFIER.fullmatch(identifier):
        raise NotFoundError(f"no CAP message {name!r}")
    return _file_response(request, _cap_dir(request) / name, "application/cap+xml")
