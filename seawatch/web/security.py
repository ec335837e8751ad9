"""Protections every response gets: a body size limit and security headers with a CSP.

The Content-Security-Policy allows scripts only from this server (``'self'``) plus, on map
pages, the exact inline scripts of the rendered map, by their SHA-256 (:func:`script_hashes`).
An inline script smuggled into a page by a hostile incident note has a different hash and does
not run, while the folium map's own inline code does.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from html.parser import HTMLParser

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP_HASHES_KEY = "seawatch.csp_script_hashes"
"""``scope["state"]`` key through which a page adds the hashes of its inline scripts."""


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    """The CSP header value; ``script_hashes`` are ``'sha256-...'`` sources of inline scripts."""
    scripts = " ".join(["'self'", *sorted(set(script_hashes))])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            # folium writes <style> blocks and Leaflet positions with style attributes.
            "style-src 'self' 'unsafe-inline'",
            # Raster overlays are data: URIs; base-map tiles may come from a tile server.
            "img-src 'self' data: blob: https:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class _ScriptCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not dict(attrs).get("src"):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def script_hashes(html: str) -> frozenset[str]:
    """CSP sources (``'sha256-...'``) of every inline ``<script>`` in ``html``."""
    parser = _ScriptCollector()
    parser.feed(html)
    parser.close()
    return frozenset(
        "'sha256-"
        + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode("ascii")
        + "'"
        for s in parser.scripts
    )


def security_headers(https: bool, hashes: Iterable[str] = ()) -> dict[str, str]:
    """The headers every answer carries (the CSP allows the inline scripts ``hashes``)."""
    headers = {
        "content-security-policy": content_security_policy(hashes),
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=()",
        "cache-control": "no-store",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000"
    return headers


class SecurityHeadersMiddleware:
    """Add security headers to every HTTP response.

    A route can allow the inline scripts of its page by putting their CSP sources in
    ``request.state`` under :data:`CSP_HASHES_KEY`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                hashes = scope["state"].get(CSP_HASHES_KEY, ())
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [
                    (k.encode("latin-1"), v.encode("latin-1"))
                    for k, v in security_headers(https, hashes).items()
                    if k.encode("latin-1") not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with 413, before the app sees them.

    A declared ``Content-Length`` over the limit is refused at once; otherwise the body (at most
    ``max_bytes``) is read here and replayed to the app, so a chunked body cannot slip past.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, "Content-Length is not a number", 400)
                    return
                if declared > self.max_bytes:
                    await _refuse(send, self._message())
                    return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_bytes:
                await _refuse(send, self._message())
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _message(self) -> str:
        return f"the request body is larger than the limit of {self.max_bytes} bytes"


async def _refuse(send: Send, detail: str, status: int = 413) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
