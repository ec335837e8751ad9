"""Shared machinery of the weather fetchers: HTTP, raw payloads, run cache, validation, storing.

Every fetcher talks HTTP through :func:`make_session` (timeouts, bounded retries with exponential
backoff on 5xx, timeouts and connection errors, ``Retry-After`` honoured on 429/503, a
User-Agent naming seawatch), keeps what it received under ``<data>/raw/<source>/<run>/`` with a
provenance JSON next to each payload (:func:`save_raw`), skips a model run it already has
(:class:`RunCache`), and stores its canonical dataset with :func:`store_forecast`, which
validates it first and keeps the last good file when validation fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import requests
import xarray as xr
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from seawatch import __version__
from seawatch.errors import DataError, FetchError
from seawatch.schema import (
    isoformat_utc,
    open_forecast,
    utc_now,
    validate_forecast,
    write_dataset,
)
from seawatch.storage import DataPaths, atomic_write_bytes, atomic_write_text

log = logging.getLogger(__name__)

USER_AGENT = f"seawatch/{__version__} (sea-state risk maps for search and rescue off Libya)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
CONNECT_TIMEOUT = 10.0  # seconds; the read timeout comes from each source's config

BBox = tuple[float, float, float, float]


class MissingCredentialsError(FetchError):
    """A source needs credentials that are not set; the chain goes on without it."""


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
        raise FetchError(
            f"{source}: rate limit reached at {url}: {http_error_reason(response)}; try again later"
        )
    if response.status_code >= 400:
        raise FetchError(
            f"{source}: HTTP {response.status_code} from {url}: {http_error_reason(response)}"
        )
    return response


def _caused_by_timeout(exc: BaseException) -> bool:
    """Whether a requests error is, underneath, a read or connect timeout."""
    from urllib3.exceptions import MaxRetryError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    inner = exc.args[0] if exc.args else None
    if isinstance(inner, MaxRetryError):
        inner = inner.reason
    return isinstance(inner, Urllib3Timeout)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."


# --- raw payloads and provenance ------------------------------------------------------------


def run_label(run: dt.datetime | np.datetime64 | str) -> str:
    """Directory name of a model run: ``20260820T00Z``."""
    return isoformat_utc(run).replace("-", "").replace(":", "")[:11] + "Z"


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
        "fetched_at": isoformat_utc(utc_now()),
        **dict(extra or {}),
    }
    atomic_write_text(
        target.with_name(target.name + ".provenance.json"), json.dumps(provenance, indent=2)
    )
    return target


# --- "unchanged run is not fetched again" --------------------------------------------------


def cache_key(source: str, run: str, bbox: BBox, variables: Iterable[str], **extra: Any) -> str:
    """Key of one fetch: source, model run, area and variables (plus e.g. horizon, spacing)."""
    payload = {
        "source": source,
        "run": run,
        "bbox": [round(float(v), 6) for v in bbox],
        "variables": sorted(variables),
        **{k: extra[k] for k in sorted(extra)},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]


class RunCache:
    """What a source last fetched: key, run, validators (ETag/Last-Modified), stored file.

    Kept in ``<data>/raw/<source>/cache.json``.
    """

    def __init__(self, data_dir: Path, source: str):
        self.path = Path(data_dir) / "raw" / source / "cache.json"

    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry stored for ``key``, or None."""
        return self._read().get(key)

    def put(self, key: str, entry: Mapping[str, Any]) -> None:
        """Remember ``entry`` under ``key`` (only the newest few keys are kept)."""
        data = self._read()
        data.pop(key, None)
        data[key] = dict(entry)
        keep = dict(list(data.items())[-8:])
        atomic_write_text(self.path, json.dumps(keep, indent=2))


# --- the result of one source --------------------------------------------------------------


@dataclass
class SourceFetch:
    """What one source delivered in this run.

    ``dataset`` is the canonical dataset (also stored at ``path``); ``unchanged`` is True when the
    model run was already stored and nothing was downloaded.
    """

    source: str
    dataset: xr.Dataset
    path: Path
    run: str
    model: str
    points: int = 0
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    unchanged: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly summary (no dataset)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "dataset"}
        out["notes"] = list(self.notes)
        out["path"] = str(self.path)
        out["variables"] = sorted(self.dataset.data_vars)
        out["steps"] = int(self.dataset.sizes.get("time", 0))
        return out


def stored_run(
    cache: RunCache, key: str, target: Path, run: str, source: str, model: str, started: float
) -> SourceFetch | None:
    """The stored forecast of ``run`` when the cache knows ``key`` and the file is intact.

    ``None`` means fetch it: unknown key, no file, another run in the file, or a broken file.
    ``started`` is the ``time.perf_counter()`` of the fetch, for the timing.
    """
    if not cache.get(key) or not target.exists():
        return None
    try:
        ds = open_forecast(target)
    except DataError as exc:
        log.warning("%s: stored forecast unreadable (%s); fetching it again", source, exc)
        return None
    if ds.attrs.get("reference_time") != run:
        return None
    log.info("%s: run %s already stored, not fetched again", source, run)
    return SourceFetch(
        source=source,
        dataset=ds,
        path=target,
        run=run,
        model=model,
        points=int(ds.sizes["lat"] * ds.sizes["lon"]),
        seconds=round(time.perf_counter() - started, 2),
        unchanged=True,
    )


# --- area, grids, validation, storing ------------------------------------------------------


def normalize_longitudes(ds: xr.Dataset, lon: str = "lon") -> xr.Dataset:
    """Longitudes wrapped to -180..180 and sorted ascending."""
    wrapped = (ds[lon].values + 180.0) % 360.0 - 180.0
    return ds.assign_coords({lon: wrapped}).sortby(lon)


def clip_to_area(ds: xr.Dataset, bbox: BBox, *, name: str, pad_cells: int = 1) -> xr.Dataset:
    """Cut a gridded dataset (dims ``lat``, ``lon``, any order) to the area of interest.

    Keeps ``pad_cells`` grid cells beyond each edge so the area can be interpolated to its
    border, and the native grid otherwise.

    Raises
    ------
    DataError
        When the data do not overlap the area, naming both boxes.
    """
    west, south, east, north = bbox
    ds = normalize_longitudes(ds).sortby("lat")
    lat = ds["lat"].values
    lon = ds["lon"].values
    if lat.size == 0 or lon.size == 0:
        raise DataError(f"{name} has an empty grid")
    lat_in = np.flatnonzero((lat >= south) & (lat <= north))
    lon_in = np.flatnonzero((lon >= west) & (lon <= east))
    if lat_in.size == 0 or lon_in.size == 0:
        raise DataError(
            f"{name} covers {describe_box(lon.min(), lat.min(), lon.max(), lat.max())}, which does "
            f"not overlap the area of interest {describe_box(*bbox)}"
        )
    i0, i1 = max(lat_in[0] - pad_cells, 0), min(lat_in[-1] + pad_cells, lat.size - 1)
    j0, j1 = max(lon_in[0] - pad_cells, 0), min(lon_in[-1] + pad_cells, lon.size - 1)
    return ds.isel(lat=slice(i0, i1 + 1), lon=slice(j0, j1 + 1))


def describe_box(west: float, south: float, east: float, north: float) -> str:
    """``30.50N-38.00N 10.00E-20.00E``, the way a planner reads a box."""

    def lat_txt(v: float) -> str:
        return f"{abs(v):.2f}{'N' if v >= 0 else 'S'}"

    def lon_txt(v: float) -> str:
        return f"{abs(v):.2f}{'E' if v >= 0 else 'W'}"

    return f"{lat_txt(south)}-{lat_txt(north)} {lon_txt(west)}-{lon_txt(east)}"


def sea_mask_for(ds: xr.Dataset) -> np.ndarray:
    """True over sea on the ``(lat, lon)`` grid of ``ds``, from the bundled coastline."""
    import warnings

    from seawatch.geo.coastline import land_mask

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return ~land_mask(ds["lat"].values, ds["lon"].values)


def store_forecast(
    ds: xr.Dataset,
    path: Path,
    *,
    name: str,
    sea_mask: np.ndarray | None = None,
    max_missing_share: float = 0.5,
) -> Path:
    """Validate a canonical dataset and write it atomically over ``path``.

    Raises
    ------
    DataError
        One line with the problems found; ``path`` (the last good file) is left untouched.
    """
    if sea_mask is None:
        sea_mask = sea_mask_for(ds)
    problems = validate_forecast(ds, sea_mask=sea_mask, max_missing_share=max_missing_share)
    if problems:
        kept = f"; kept the last good {path}" if Path(path).exists() else ""
        raise DataError(f"{name}: forecast failed validation: {'; '.join(problems)}{kept}")
    write_dataset(ds, path)
    return Path(path)


def speed_direction_to_uv(
    speed: np.ndarray, direction_deg: np.ndarray, *, convention: str
) -> tuple[np.ndarray, np.ndarray]:
    """Eastward/northward components from speed and direction.

    Parameters
    ----------
    speed
        Speed, any unit (the components come out in the same unit).
    direction_deg
        Direction, degrees clockwise from true north.
    convention
        ``"from"`` (meteorological: wind, waves) or ``"to"`` (oceanographic: currents).

    Returns
    -------
    (u, v)
        Wind from 270 deg at 10 m/s gives u = +10, v = 0; a current going to 90 deg at 1 m/s
        gives u = +1, v = 0.
    """
    if convention not in ("from", "to"):
        raise ValueError(f"convention must be 'from' or 'to', not {convention!r}")
    theta = np.deg2rad(direction_deg)
    sign = -1.0 if convention == "from" else 1.0
    return sign * speed * np.sin(theta), sign * speed * np.cos(theta)
