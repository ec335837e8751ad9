"""The weather source chain: fetch each source, merge per variable, write ``<data>/forecast.nc``.

``[weather] chain`` (default ``["open_meteo", "ecmwf"]``; ``"copernicus"`` needs credentials)
orders the sources by preference. Each source is fetched and stored on its own
(``<data>/forecast/<source>.nc``); a source that fails is recorded with its reason and the chain
goes on. Each canonical variable is then taken from the first source in the chain that delivered
it and put, once, onto the target grid of the area (``[area]``, ``[grid] resolution``) by the one
regridder of seawatch (:func:`seawatch.geo.regrid.regrid`: bilinear, directions through their
sine and cosine, coastal cells filled from the nearest model sea cell), in space only. Time is
not interpolated here: the merged file has the union of the sources' time steps and each
variable keeps its own source's steps (NaN at the others, said in its ``comment``); the risk
build interpolates each variable to hourly from its own steps, where it needs to. So a forecast
is interpolated once in space and once in time, never twice. Every variable records where it
came from in its ``source``, ``model`` and ``reference_time`` attributes.

Per-source state (last success, model run, last error) goes to ``<data>/state/sources.json``
for ``seawatch status`` (:mod:`seawatch.fetchers.status`).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests
import xarray as xr

from seawatch.config import WEATHER_SOURCES, Settings
from seawatch.errors import ConfigError, FetchError, SeawatchError
from seawatch.fetchers import status
from seawatch.fetchers.base import MissingCredentialsError, SourceFetch, store_forecast
from seawatch.geo.regrid import area_grid, components_to_degrees, refuse_point_forecast, regrid
from seawatch.schema import FORECAST_VARIABLES, make_canonical
from seawatch.storage import DataPaths

log = logging.getLogger(__name__)

Fetcher = Callable[..., SourceFetch]


def fetchers() -> dict[str, Fetcher]:
    """Fetch function of each weather source, by name (imported lazily)."""
    from seawatch.fetchers import copernicus, ecmwf, open_meteo

    return {"open_meteo": open_meteo.fetch, "ecmwf": ecmwf.fetch, "copernicus": copernicus.fetch}


@dataclass
class SourceOutcome:
    """What one source did in a chain run.

    ``status``: ``ok`` (fetched), ``unchanged`` (model run already stored), ``skipped``
    (credentials missing) or ``failed``; ``reason`` is the one-line cause of the last two.
    """

    name: str
    status: str
    reason: str = ""
    path: str | None = None
    run: str | None = None
    model: str = ""
    points: int = 0
    steps: int = 0
    variables: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "unchanged")


@dataclass
class FetchResult:
    """Outcome of :func:`fetch_weather`: the merged file, per-source outcomes, variable origins."""

    path: Path | None
    sources: list[SourceOutcome]
    variables: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when a merged forecast was written."""
        return self.path is not None

    def source(self, name: str) -> SourceOutcome:
        return next(s for s in self.sources if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for ``--json`` and the run records)."""
        return {
            "ok": self.ok,
            "path": str(self.path) if self.path else None,
            "variables": self.variables,
            "seconds": self.seconds,
            "sources": [{**vars(s), "ok": s.ok} for s in self.sources],
        }


class NoWeatherError(FetchError):
    """No source of the chain delivered; ``result`` holds the per-source reasons."""

    def __init__(self, message: str, result: FetchResult):
        super().__init__(message)
        self.result = result


def merge_datasets(parts: Sequence[tuple[str, xr.Dataset]], grid: xr.Dataset) -> xr.Dataset:
    """Merge canonical datasets in order of preference onto one grid, each variable at its steps.

    Parameters
    ----------
    parts
        ``(source name, canonical dataset)``, most preferred first.
    grid
        Target grid (``lat``, ``lon``; :func:`seawatch.geo.regrid.area_grid` of the area).
        Every source is put onto it once, in space only, by :func:`seawatch.geo.regrid.regrid`.

    Returns
    -------
    xarray.Dataset
        Canonical, on ``grid``, with the union of the sources' time steps. Each variable comes
        from the first part that has it, at that part's own steps (NaN at the other steps; its
        ``comment`` says so), with ``source``, ``model`` and ``reference_time`` attributes
        naming its origin.
    """
    if not parts:
        raise FetchError("nothing to merge: no source delivered")
    pieces: list[xr.Dataset] = []
    used: list[tuple[str, xr.Dataset]] = []
    taken: set[str] = set()
    for name, ds in parts:
        wanted = [v for v in FORECAST_VARIABLES if v in ds.data_vars and v not in taken]
        if not wanted:
            continue
        on_grid = components_to_degrees(regrid(ds[wanted], grid, hourly=False))
        for var in wanted:
            on_grid[var].attrs = {
                **{k: v for k, v in ds[var].attrs.items() if k in ("long_name", "comment")},
                "source": name,
                "model": ds.attrs.get("model", ""),
                "reference_time": ds.attrs.get("reference_time", ""),
            }
        pieces.append(on_grid[wanted])
        used.append((name, ds))
        taken.update(wanted)
    times = functools.reduce(np.union1d, [p["time"].values for p in pieces])
    merged = xr.merge([p.reindex(time=times) for p in pieces], compat="override", join="exact")
    for piece in pieces:
        n = piece.sizes["time"]
        if n < times.size:
            for var in piece.data_vars:
                note = (
                    f"given at its source's own {n} of the file's {times.size} time steps, "
                    "missing at the others; the risk build interpolates it in time"
                )
                comment = merged[var].attrs.get("comment", "")
                merged[var].attrs["comment"] = f"{comment}; {note}" if comment else note
    first = parts[0][1]
    return make_canonical(
        merged,
        source="+".join(name for name, _ in used),
        model="; ".join(f"{name}: {ds.attrs.get('model', '')}" for name, ds in used),
        reference_time=first.attrs.get("reference_time", first["time"].values[0]),
        provenance=[ds.attrs.get("provenance", "") for _, ds in used],
    )


def fetch_weather(
    settings: Settings,
    sources: list[str] | None = None,
    progress: bool = True,
    *,
    session: requests.Session | None = None,
) -> FetchResult:
    """Run the weather source chain and write the merged forecast.

    Parameters
    ----------
    settings
        Effective settings; ``[weather] chain`` gives the sources and their preference.
    sources
        Run only these sources (in chain order where they are in it); default the whole chain.
    progress
        Progress bars on stderr for long fetches.
    session
        HTTP session for the HTTP sources (default: one per source with its timeout).

    Returns
    -------
    FetchResult
        ``path`` = ``<data>/forecast.nc``; per source: ok/unchanged/skipped/failed, reason,
        stored path, model run, point and step counts, variables used, timings.

    Raises
    ------
    NoWeatherError
        When no source delivered (``.result`` has the reasons); the last good forecast stays.
    DataError
        When the merged forecast fails validation; the last good forecast stays.
    ConfigError
        For an unknown source name.
    """
    started = time.perf_counter()
    names = _chain(settings, sources)
    table = fetchers()
    outcomes: list[SourceOutcome] = []
    delivered: list[SourceFetch] = []
    grid = area_grid(settings.area.bbox, settings.grid.resolution)
    for name in names:
        try:
            got = table[name](settings, progress=progress, session=session)
            # a point, row or column cannot be put on the area grid: this source failed
            refuse_point_forecast(got.dataset, grid)
        except MissingCredentialsError as exc:
            log.warning("%s", exc)
            status.record_failure(settings.data_dir, name, str(exc))
            outcomes.append(SourceOutcome(name, "skipped", reason=str(exc)))
            continue
        except SeawatchError as exc:
            log.error("%s", exc)
            status.record_failure(settings.data_dir, name, str(exc))
            outcomes.append(SourceOutcome(name, "failed", reason=str(exc)))
            continue
        delivered.append(got)
        summary = got.summary()
        outcomes.append(
            SourceOutcome(
                name,
                "unchanged" if got.unchanged else "ok",
                path=str(got.path),
                run=got.run,
                model=got.model,
                points=got.points,
                steps=summary["steps"],
                variables=summary["variables"],
                requests=got.requests,
                bytes=got.bytes,
                seconds=got.seconds,
            )
        )
        status.record_success(
            settings.data_dir,
            name,
            run=got.run,
            model=got.model,
            path=got.path,
            points=got.points,
            steps=summary["steps"],
            variables=summary["variables"],
            seconds=got.seconds,
            unchanged=got.unchanged,
        )
    result = FetchResult(path=None, sources=outcomes)
    if not delivered:
        result.seconds = round(time.perf_counter() - started, 2)
        reasons = "; ".join(f"{o.name}: {_strip(o.reason, o.name)}" for o in outcomes)
        raise NoWeatherError(f"no weather source delivered ({reasons})", result)
    merged = merge_datasets([(f.source, f.dataset) for f in delivered], grid)
    target = DataPaths(settings.data_dir).forecast
    store_forecast(merged, target, name="merged forecast")
    result.path = target
    result.variables = {v: merged[v].attrs["source"] for v in merged.data_vars}
    for outcome in outcomes:
        outcome.used = sorted(v for v, s in result.variables.items() if s == outcome.name)
    result.seconds = round(time.perf_counter() - started, 2)
    log.info(
        "weather: %s written from %s in %.1f s",
        target,
        ", ".join(f"{o.name} ({len(o.used)} variables)" for o in outcomes if o.used),
        result.seconds,
    )
    return result


def _chain(settings: Settings, sources: list[str] | None) -> list[str]:
    chain = list(settings.weather.chain)
    if not sources:
        return chain
    for name in sources:
        if name not in WEATHER_SOURCES:
            raise ConfigError(
                f"unknown weather source {name!r}; known: {', '.join(WEATHER_SOURCES)}"
            )
    return [n for n in chain if n in sources] + [n for n in sources if n not in chain]


def _strip(reason: str, name: str) -> str:
    prefix = f"{name}: "
    return reason[len(prefix) :] if reason.startswith(prefix) else reason


__all__ = [
    "FetchResult",
    "NoWeatherError",
    "SourceOutcome",
    "fetch_weather",
    "fetchers",
    "merge_datasets",
]
