"""ECMWF open data: IFS HRES 10 m wind and gusts, ECWAM waves, 0.25 deg, latest run.

No credentials (CC BY 4.0; attribute ECMWF). Needs the ``grib`` extra (ecmwf-opendata, cfgrib,
eccodes). The ``ecmwf-opendata`` client finds the newest run whose last wanted step is
published (HEAD probes), reads each file's ``.index`` (JSON lines) and downloads only the byte
ranges of the wanted parameters. Its base URL is ``[sources.ecmwf] url``, so a mirror (AWS,
Google, Azure) or a local server can stand in for data.ecmwf.int.

Per run it fetches the ``wave`` stream (``swh``, ``mwp``, ``mwd``, ``pp1d``) and the ``oper``
stream (``10u``, ``10v``, ``10fg``) at the published steps up to ``horizon_hours``: every 3 h to
144 h, then every 6 h to 360 h (00/12 UTC runs only). A run already stored for the same area,
variables and horizon is not fetched again.

References
----------
ECMWF open data, https://www.ecmwf.int/en/forecasts/datasets/open-data;
ecmwf-opendata, https://github.com/ecmwf/ecmwf-opendata.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import time
from pathlib import Path
from typing import Any

import requests
import xarray as xr

from seawatch.config import Settings
from seawatch.errors import DataError, FetchError, SeawatchError
from seawatch.fetchers.base import (
    RunCache,
    SourceFetch,
    cache_key,
    clip_to_area,
    make_session,
    run_label,
    save_raw,
    store_forecast,
    stored_run,
)
from seawatch.fetchers.grib import count_grib_messages, grib_to_dataset, import_cfgrib, open_grib
from seawatch.schema import make_canonical
from seawatch.storage import DataPaths
from seawatch.timeutil import isoformat_utc

log = logging.getLogger(__name__)

SOURCE = "ecmwf"
MODEL = "ECMWF IFS HRES 0.25 deg (10 m wind, gusts) and ECWAM (waves), open data"
WAVE_PARAMS = ("swh", "mwp", "mwd", "pp1d")
OPER_PARAMS = ("10u", "10v", "10fg")
# cfgrib variable name -> canonical name. 10fg decodes as fg10 (paramId 49) or, when encoded
# with its 3 h / 6 h window, as fg10_3 / fg10_6.
GRIB_NAMES = {
    "swh": "hs",
    "pp1d": "tp",
    "mwp": "tm",
    "mwd": "wave_dir",
    "u10": "u10",
    "v10": "v10",
    "fg10": "gust",
    "fg10_3": "gust",
    "fg10_6": "gust",
}
LONG_NAMES = {
    "tm": "mean wave period Tm-1,0 (tm10; ECMWF mwp)",
    "tp": "peak wave period (ECMWF pp1d)",
    "gust": "10 m wind gust, maximum since the previous output step (ECMWF 10fg)",
}
ATTRIBUTION = "Contains ECMWF open data (CC BY 4.0)"


def forecast_steps(horizon_hours: int, run_hour: int = 0) -> list[int]:
    """Published forecast steps (hours) up to ``horizon_hours``.

    Every 3 h from 0 to 144 h; the 00 and 12 UTC runs go on every 6 h to 360 h (IFS cycle
    50r1); the 06 and 18 UTC runs stop at 144 h.
    """
    steps = list(range(0, min(horizon_hours, 144) + 1, 3))
    if run_hour in (0, 12):
        steps += list(range(150, min(horizon_hours, 360) + 1, 6))
    return steps


def make_client(url: str, session: requests.Session) -> Any:
    """An ``ecmwf.opendata.Client`` on ``url`` using our session (timeouts, User-Agent)."""
    import_cfgrib()  # loads pyproj before eccodes; see seawatch.fetchers.grib
    try:
        from ecmwf.opendata import Client
    except ImportError:
        raise FetchError(
            f"{SOURCE}: ECMWF open data needs the grib extra: pip install 'seawatch[grib]'"
        ) from None
    # Retries happen once, in our session (bounded, with backoff); the client would add its own.
    client = Client(source=url, maximum_retries=1, retry_after=1)
    client.session = session
    return client


@contextlib.contextmanager
def _quiet_client(progress: bool) -> Any:
    """Keep the client's stdout notice out of our output, and its byte bar unless wanted."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if progress:
            yield
        else:
            with contextlib.redirect_stderr(io.StringIO()):
                yield
    if out.getvalue().strip():
        log.debug("%s client: %s", SOURCE, " ".join(out.getvalue().split()))


def latest_run(client: Any, horizon_hours: int) -> dt.datetime:
    """Newest run (naive UTC) whose last wanted step is published (``oper`` stream)."""
    try:
        with _quiet_client(False):
            # The 06/18 UTC runs stop at 144 h: asking for a longer horizon picks 00/12 UTC.
            last = forecast_steps(horizon_hours, 0)[-1]
            run = client.latest(type="fc", stream="oper", step=last, param="10u")
    except ValueError as exc:
        raise FetchError(
            f"{SOURCE}: no complete run to {horizon_hours} h in the last two days at "
            f"{client.url} ({exc})"
        ) from None
    except requests.RequestException as exc:
        raise FetchError(f"{SOURCE}: cannot reach {client.url} ({exc})") from None
    return run


def _retrieve(
    client: Any,
    run: dt.datetime,
    stream: str,
    params: tuple[str, ...],
    steps: list[int],
    target: Path,
) -> tuple[list[str], int]:
    """Download the byte ranges of ``params`` x ``steps`` of one stream into ``target``."""
    part = target.with_name(target.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = client.retrieve(
            date=run.strftime("%Y%m%d"),
            time=run.hour,
            type="fc",
            stream=stream,
            step=steps,
            param=list(params),
            target=str(part),
        )
    except SeawatchError:
        raise
    except Exception as exc:  # the client raises ValueError, HTTPError, AssertionError, ...
        part.unlink(missing_ok=True)
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise FetchError(
            f"{SOURCE}: {stream} download of run {run_label(run)} failed ({text})"
        ) from None
    expected = sum(length for _, parts in result.urls for _, length in parts)
    size = part.stat().st_size
    if size != expected:
        part.unlink(missing_ok=True)
        raise FetchError(
            f"{SOURCE}: {stream} download of run {run_label(run)} is incomplete "
            f"({size} of {expected} bytes)"
        )
    try:
        count_grib_messages(part)
    except DataError as exc:
        part.unlink(missing_ok=True)
        raise FetchError(f"{SOURCE}: {exc}") from None
    part.replace(target)
    return [url for url, _ in result.urls], size


def read_ecmwf(paths: list[Path], bbox: tuple[float, float, float, float]) -> xr.Dataset:
    """ECMWF open-data GRIB files -> ``(time, lat, lon)`` canonical variables over ``bbox``.

    Latitude made ascending, longitudes -180..180, one grid cell kept beyond each edge.
    """
    parts = []
    for path in paths:
        ds = grib_to_dataset(open_grib(path), GRIB_NAMES, what=path.name)
        parts.append(clip_to_area(ds, bbox, name=path.name))
    merged = xr.merge(parts, join="outer", compat="no_conflicts")
    for name, long_name in LONG_NAMES.items():
        if name in merged:
            merged[name].attrs["long_name"] = long_name
    return merged


def fetch(
    settings: Settings,
    *,
    progress: bool = False,
    session: requests.Session | None = None,
) -> SourceFetch:
    """Fetch the latest ECMWF open-data run over the area and store it.

    Parameters
    ----------
    settings
        ``[area]`` and ``[sources.ecmwf]`` (``url``, ``horizon_hours``, ``timeout`` in s).
    progress
        Let the client draw its download bar (stderr).
    session
        HTTP session (default :func:`~seawatch.fetchers.base.make_session`).

    Returns
    -------
    SourceFetch
        hs, tp, tm, wave_dir, u10, v10, gust at 0.25 deg and 3-hourly (6-hourly beyond 144 h),
        stored at ``<data>/forecast/ecmwf.nc``; ``unchanged`` when the run was already stored.

    Raises
    ------
    FetchError, DataError
        One line; the last good ``ecmwf.nc`` stays in place.
    """
    cfg = settings.sources.ecmwf
    started = time.perf_counter()
    session = session or make_session(timeout=cfg.timeout)
    client = make_client(cfg.url, session)
    run = latest_run(client, cfg.horizon_hours)
    label = run_label(run)
    steps = forecast_steps(cfg.horizon_hours, run.hour)
    target = DataPaths(settings.data_dir).source_forecast(SOURCE)
    key = cache_key(
        SOURCE, label, settings.area.bbox, WAVE_PARAMS + OPER_PARAMS, steps=steps, url=cfg.url
    )
    cache = RunCache(settings.data_dir, SOURCE)
    stored = stored_run(cache, key, target, isoformat_utc(run), SOURCE, MODEL, started)
    if stored is not None:
        return stored
    raw_dir = DataPaths(settings.data_dir).raw_dir(SOURCE, label)
    paths, urls, n_bytes = [], [], 0
    with _quiet_client(progress):
        for stream, params in (("wave", WAVE_PARAMS), ("oper", OPER_PARAMS)):
            path = raw_dir / f"{stream}.grib2"
            got, size = _retrieve(client, run, stream, params, steps, path)
            save_raw(
                settings.data_dir,
                SOURCE,
                label,
                path.name,
                path=path,
                url=got,
                status=206,
                extra={"params": list(params), "steps": steps, "licence": ATTRIBUTION},
            )
            paths.append(path)
            urls += got
            n_bytes += size
    merged = read_ecmwf(paths, settings.area.bbox)
    ds = make_canonical(
        merged, source=SOURCE, model=MODEL, reference_time=run, provenance=[ATTRIBUTION, *urls]
    )
    path = store_forecast(ds, target, name=SOURCE)
    cache.put(key, {"run": isoformat_utc(run), "path": str(path), "files": [str(p) for p in paths]})
    seconds = time.perf_counter() - started
    log.info(
        "%s: run %s, %d steps, %d x %d cells, %.1f MB in %d files, %.1f s",
        SOURCE,
        label,
        ds.sizes["time"],
        ds.sizes["lat"],
        ds.sizes["lon"],
        n_bytes / 1e6,
        len(urls),
        seconds,
    )
    return SourceFetch(
        source=SOURCE,
        dataset=ds,
        path=path,
        run=isoformat_utc(run),
        model=MODEL,
        points=int(ds.sizes["lat"] * ds.sizes["lon"]),
        requests=len(urls),
        bytes=n_bytes,
        seconds=round(seconds, 2),
    )


__all__ = ["fetch", "forecast_steps", "latest_run", "make_client", "read_ecmwf"]
