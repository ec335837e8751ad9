"""seawatch's HTTP layer: one session recipe, one error rule, one place for raw payloads.

Everything seawatch downloads (weather fetchers, the IOM Missing Migrants export) goes through
:func:`make_session` (timeouts, bounded retries with exponential backoff on 5xx, timeouts and
connection errors, ``Retry-After`` honoured on 429/503, a User-Agent naming seawatch) and
:func:`request` (every failure, once retries are exhausted, becomes one
:class:`~seawatch.errors.FetchError` line). :func:`save_raw` keeps what was received under
``<data>/raw/<source>/<run>/`` with a provenance JSON next to each payload.

This is a core module: it imports nothing from seawatch but config-free helpers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from seawatch import __version__
from seawatch.errors import FetchError
from seawatch.storage import DataPaths, atomic_write_bytes, atomic_write_text
from seawatch.timeutil import isoformat_utc, now_utc

__all__ = [
    "CONNECT_TIMEOUT",
    "RETRY_STATUSES",
    "USER_AGENT",
    "http_error_reason",
    "make_session",
    "request",
    "save_raw",
]

USER_AGENT = f"seawatch/{__version__} (sea-state risk maps for search and rescue off Libya)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
CONNECT_TIMEOUT = 10.0  # seconds; the read timeout comes from each source's config


class _TimeoutAdapter(HTTPAdapter):
    """An adapter that applies a default ``(connect, read)`` timeout to every request."""

    def __init__(self, timeout: tuple[float, float], **kwargs: Any):
        self._timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def make_session(
    timeout: float = 60.0,
    retries: int = 4,
    backoff: float = 2.0,
    backoff_max: float = 120.0,
) -> requests.Session:
    """A :class:`requests.Session` with timeouts, bounded retries and the seawatch User-Agent.

    Parameters
    ----------
    timeout
        Read timeout per request, seconds (the connect timeout is 10 s, or less if smaller).
    retries
        Retries after the first attempt, for 5xx, 429, timeouts and connection errors.
    backoff
        Exponential backoff factor, seconds: waits ``backoff * 2**(n-1)`` before retry ``n``
        when the server gives no ``Retry-After``.
    backoff_max
        Longest wait between attempts, seconds (also caps a ``Retry-After`` the server sends).

    Returns
    -------
    requests.Session
        All methods (GET, HEAD, POST) are retried: the APIs used here are read-only.

    References
    ----------
    RFC 9110 section 10.2.3 (Retry-After); urllib3 ``Retry``.
    """
    retry = _CappedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=None,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.retry_after_max = backoff_max
    session = requests.Session()
    adapter = _TimeoutAdapter((min(CONNECT_TIMEOUT, timeout), timeout), max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


class _CappedRetry(Retry):
    """urllib3 ``Retry`` whose ``Retry-After`` wait is capped, so a daemon never sleeps for hours."""

    retry_after_max: float = 120.0

    def new(self, **kw: Any) -> _CappedRetry:
        new = super().new(**kw)
        new.retry_after_max = self.retry_after_max
        return new

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.retry_after_max)


def http_error_reason(response: requests.Response) -> str:
    """The reason a server gave for an error, from an Open-Meteo-style JSON body or the text."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        return text[:200] if text else (response.reason or "no reason given")
    if isinstance(body, dict) and body.get("reason"):
        return str(body["reason"])
    return json.dumps(body)[:200]


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    source: str,
    **kwargs: Any,
) -> requests.Response:
    """Send one request and turn every failure into a one-line :class:`FetchError`.

    Retries happen inside the session; this raises once they are exhausted. 304 is returned
    as is (conditional requests).
    """
    try:
        response = session.request(method, url, **kwargs)
    except requests.exceptions.RetryError as exc:
        raise FetchError(f"{source}: {url} kept failing after retries ({_short(exc)})") from None
    except requests.exceptions.Timeout:
        raise FetchError(
            f"{source}: {url} did not answer in time after retries; "
            "try later or raise the source's timeout"
        ) from None
    except requests.exceptions.ConnectionError as exc:
        if _caused_by_timeout(exc):
            raise FetchError(
                f"{source}: {url} did not answer in time after retries; "
                "try later or raise the source's timeout"
            ) from None
        raise FetchError(
            f"{source}: cannot reach {url} ({_short(exc)}); check the network or the URL"
        ) from None
    if response.status_code == 429:
        wait = response.headers.get("Retry-After")
        hint = f" (the server asks to wait {wait} s)" if wait else ""
        raise FetchError(
            f"{source}: rate limit reached at {url}: {http_error_reason(response)}; "
            f"try again later{hint}"
        )
    if response.status_code >= 400:
        retried = " after retries" if response.status_code in RETRY_STATUSES else ""
        raise FetchError(
            f"{source}: HTTP {response.status_code} from {url}{retried}: "
            f"{http_error_reason(response)}"
        )
    return response


def _caused_by_timeout(exc: BaseException) -> bool:
    """Whether a requests error is, underneath, a read or connect timeout."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    inner = exc.args[0] if exc.args else None
    if isinstance(inner, MaxRetryError):
        inner = inner.reason
    # urllib3 derives NewConnectionError (e.g. connection refused) from ConnectTimeoutError.
    return isinstance(inner, Urllib3Timeout) and not isinstance(inner, NewConnectionError)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."


# --- raw payloads and provenance ------------------------------------------------------------


def save_raw(
    data_dir: Path,
    source: str,
    run: str,
    name: str,
    content: bytes | None = None,
    *,
    path: Path | None = None,
    url: str | Sequence[str] = "",
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Keep a raw payload and its provenance under ``<data>/raw/<source>/<run>/``.

    Parameters
    ----------
    data_dir
        The seawatch data directory.
    source, run
        Source name and run label (:func:`run_label`).
    name
        File name of the payload inside the run directory.
    content
        Payload bytes to write; or ``None`` when ``path`` already holds the payload there.
    path
        Existing payload file (already inside the run directory).
    url, status, headers, extra
        What goes into ``<name>.provenance.json`` besides ``sha256``, ``bytes`` and
        ``fetched_at``.

    Returns
    -------
    pathlib.Path
        The payload path.
    """
    target = DataPaths(data_dir).raw_dir(source, run) / name
    if content is not None:
        atomic_write_bytes(target, content)
    elif path is not None and Path(path) != target:
        raise ValueError(f"raw payload {path} must live in {target.parent}")
    digest = hashlib.sha256()
    size = 0
    with open(target, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    provenance = {
        "source": source,
        "run": run,
        "url": url,
        "status": status,
        "headers": dict(headers or {}),
        "sha256": digest.hexdigest(),
        "bytes": size,
        "fetched_at": isoformat_utc(now_utc()),
        **dict(extra or {}),
    }
    atomic_write_text(
        target.with_name(target.name + ".provenance.json"), json.dumps(provenance, indent=2)
    )
    return target
