"""What the morning e-mail says, gathered once per day and independent of language.

:func:`gather_report` collects every part from the data directory: the risk summary per departure
area and SAR region, the incidents of the last 24 h, the age of each data source, the scheduler's
failing jobs. Each part is gathered on its own: when one fails, the report carries a one-line
``problems`` entry instead and the message still goes out, because a late or partial message is
more useful to the group than none.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import xarray as xr

from seawatch.config import Settings
from seawatch.schema import forecast_age_hours, is_demo, is_stale
from seawatch.timeutil import as_utc, now_utc

log = logging.getLogger(__name__)

HORIZON_HOURS = 72
"""How far ahead the e-mail's tables look."""
WINDOW_HOURS = 6
"""Width of one column of the departure-area table."""
INCIDENT_HOURS = 24
"""Incidents reported within this many hours before the message are listed."""
MAX_DRIFT_CASES = 12
"""Open distress cases listed with their drift; the rest are counted. Keeps the message small
whatever the store holds (assumption, to calibrate: a busy night has a handful of open cases)."""


@dataclass(frozen=True)
class AreaRow:
    """One departure area: the worst hazard level per window, per vessel class.

    ``windows`` and ``traps`` say, per vessel class and table column, whether a departure
    window or a departure trap (:mod:`seawatch.layers.departure`) overlaps the column.
    """

    id: str
    name: str
    name_ar: str
    levels: dict[str, tuple[int | None, ...]]
    windows: dict[str, tuple[bool, ...]] = field(default_factory=dict)
    traps: dict[str, tuple[bool, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CalmWindow:
    """A departure window: the sea at the departure area at or below the window level for at
    least the configured hours (departures likely); ``trap_start`` is the first departure hour
    of it that is a trap (None when none is), ``enroute_level`` the worst level met en route."""

    area: str
    area_ar: str
    vessel: str
    start: dt.datetime
    end: dt.datetime
    trap_start: dt.datetime | None = None
    enroute_level: int | None = None

    @property
    def hours(self) -> int:
        return round((self.end - self.start).total_seconds() / 3600)


@dataclass(frozen=True)
class TrapLine:
    """A departure trap: boats leaving between ``start`` and ``end`` on a route meet ``level``
    on the way, first at ``met_time`` near (``met_lat``, ``met_lon``)."""

    area: str
    area_ar: str
    vessel: str
    route: str
    destination: str
    start: dt.datetime
    end: dt.datetime
    level: int
    met_time: dt.datetime | None
    met_lat: float | None
    met_lon: float | None
    complete: bool = True


@dataclass(frozen=True)
class RegionWorst:
    """Worst hazard over the horizon in one SAR region for one vessel class."""

    id: str
    name: str
    vessel: str
    level: int | None
    first_time: dt.datetime | None = None


@dataclass(frozen=True)
class IncidentLine:
    """One incident as the e-mail lists it."""

    time: dt.datetime
    lat: float
    lon: float
    persons: int | None
    status: str
    source: str


@dataclass(frozen=True)
class DriftCase:
    """An open distress case with its latest drift at the time of the message (if any)."""

    incident_id: str
    time: dt.datetime
    lat: float
    lon: float
    persons: int | None
    datum_time: dt.datetime | None = None
    datum_lat: float | None = None
    datum_lon: float | None = None
    area_90_nm2: float | None = None
    drift_age_hours: float | None = None
    ended: bool = False


@dataclass(frozen=True)
class SourceLine:
    """One data source: model run, age of the last success, last error."""

    name: str
    run: str | None
    age_hours: float | None
    error: str | None = None


@dataclass(frozen=True)
class Problem:
    """A part of the message that could not be made.

    ``part`` names it by its catalogue key ``mail.part.<part>`` (``summary``, ``incidents``,
    ``sources``, ``jobs``, ``run_time``), so the message says it in the reader's language;
    ``detail`` is the technical cause (exception text, raw value) shown as is.
    """

    part: str
    detail: str = ""


@dataclass
class Report:
    """Everything the e-mail shows; times are aware UTC."""

    created: dt.datetime
    timezone: str
    reference_time: dt.datetime | None = None
    model: str = ""
    source: str = ""
    demo: bool = False
    has_forecast: bool = False
    stale_after_hours: float = 18.0
    horizon_hours: int = HORIZON_HOURS
    windows: tuple[dt.datetime, ...] = ()
    vessels: tuple[str, ...] = ()
    areas: list[AreaRow] = field(default_factory=list)
    calm: list[CalmWindow] = field(default_factory=list)
    """Departure windows of the rubber dinghies (the class most departures use)."""
    traps: list[TrapLine] = field(default_factory=list)
    """Departure traps of the rubber dinghies, the worst route of each area."""
    window_levels: dict[str, int] = field(default_factory=dict)
    """Per vessel class: the departure level at or below which the sea opens a window."""
    window_min_hours: int = 0
    regions: list[RegionWorst] = field(default_factory=list)
    incidents: list[IncidentLine] = field(default_factory=list)
    drift_cases: list[DriftCase] = field(default_factory=list)
    """Open distress cases, newest first, at most :data:`MAX_DRIFT_CASES`."""
    drift_cases_more: int = 0
    """Open distress cases beyond those listed."""
    sources: list[SourceLine] = field(default_factory=list)
    failing_jobs: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    """CAP alerts in force (:func:`seawatch.alerts.alerts_in_force`), worst first."""
    problems: list[Problem] = field(default_factory=list)

    @property
    def local_created(self) -> dt.datetime:
        return self.created.astimezone(ZoneInfo(self.timezone))

    @property
    def day(self) -> dt.date:
        """The local calendar day of the message (one message per recipient per day)."""
        return self.local_created.date()

    @property
    def forecast_age_hours(self) -> float | None:
        return forecast_age_hours(self.reference_time, self.created)

    @property
    def stale(self) -> bool:
        """True when the forecast is older than the limit, or its age is unknown."""
        return self.has_forecast and is_stale(
            self.reference_time, self.created, self.stale_after_hours
        )


def floor_window(now: dt.datetime, hours: int = WINDOW_HOURS) -> dt.datetime:
    """Start of the ``hours``-long UTC window containing ``now`` (windows start at 00 UTC)."""
    now = now.astimezone(dt.UTC)
    return now.replace(hour=now.hour - now.hour % hours, minute=0, second=0, microsecond=0)


def horizon_windows(now: dt.datetime, hours: int = HORIZON_HOURS) -> tuple[dt.datetime, ...]:
    """Window starts from the one containing ``now`` up to ``hours`` ahead."""
    start = floor_window(now)
    return tuple(start + dt.timedelta(hours=h) for h in range(0, hours, WINDOW_HOURS))


def gather_report(
    settings: Settings,
    risk: xr.Dataset | None,
    now: dt.datetime | None = None,
) -> Report:
    """Collect what the morning e-mail says.

    Parameters
    ----------
    settings
        Effective settings (data directory, time zone, stale limit).
    risk
        The risk dataset, or ``None`` when there is none (the message then says so).
    now
        Time of the message (aware); default the current time.
    """
    now = now_utc(now)
    report = Report(
        created=now,
        timezone=settings.schedule.timezone,
        stale_after_hours=settings.schedule.stale_after_hours,
        windows=horizon_windows(now),
    )
    if risk is not None:
        report.has_forecast = True
        attrs = risk.attrs
        report.model = str(attrs.get("model", ""))
        report.source = str(attrs.get("source", ""))
        report.demo = is_demo(attrs)
        if attrs.get("reference_time"):
            try:
                report.reference_time = as_utc(attrs["reference_time"])
            except ValueError:
                report.problems.append(Problem("run_time", repr(attrs["reference_time"])))
        if "vessel" in risk.coords:
            report.vessels = tuple(str(v) for v in risk["vessel"].values)
        _part(report, "summary", lambda: _fill_summary(report, risk, settings))
    _part(report, "incidents", lambda: _fill_incidents(report, settings))
    _part(report, "drifts", lambda: _fill_drifts(report, settings))
    _part(report, "sources", lambda: _fill_sources(report, settings))
    _part(report, "jobs", lambda: _fill_jobs(report, settings))
    _part(report, "alerts", lambda: _fill_alerts(report, settings))
    return report


def _part(report: Report, what: str, fill: Any) -> None:
    try:
        fill()
    except Exception as exc:  # one broken part must not stop the morning message
        log.error("e-mail: %s unavailable: %s: %s", what, type(exc).__name__, exc, exc_info=True)
        report.problems.append(Problem(what, f"{type(exc).__name__}: {exc}"))


def _fill_alerts(report: Report, settings: Settings) -> None:
    """The CAP alerts in force, as the alerts stage left them in ``<data>/cap/``."""
    from seawatch.alerts import alerts_in_force
    from seawatch.storage import DataPaths

    report.alerts = alerts_in_force(DataPaths(settings.data_dir), report.created)


def _fill_summary(report: Report, risk: xr.Dataset, settings: Settings) -> None:
    """From the summary the build wrote beside ``<data>/risk.nc`` (never recomputed here)."""
    from seawatch.storage import DataPaths
    from seawatch.summaries import read_summary

    created_at = risk.attrs.get("created_at")
    summary = read_summary(
        DataPaths(settings.data_dir).risk, str(created_at) if created_at else None
    )
    from_summary(report, summary)


def from_summary(report: Report, summary: Any) -> None:
    """Fill the departure-area table, departure windows, traps and SAR worst from a ``RiskSummary``."""
    from seawatch.mail.summary_adapter import fill_from_summary

    fill_from_summary(report, summary)


def _fill_incidents(report: Report, settings: Settings) -> None:
    from pathlib import Path

    from seawatch.incidents.store import IncidentStore

    url = settings.store_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return  # no store yet: nothing reported
    since = report.created - dt.timedelta(hours=INCIDENT_HOURS)
    with IncidentStore(settings.store_url) as store:
        report.incidents = incident_lines(store.list(since=since), since)


def _fill_drifts(report: Report, settings: Settings) -> None:
    from pathlib import Path

    from seawatch.incidents.drifts import DriftStore
    from seawatch.incidents.store import IncidentStore

    url = settings.store_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return  # no store yet: no open case
    with IncidentStore(settings.store_url) as store:
        cases, latest = DriftStore(store).open_cases(drifts_of=MAX_DRIFT_CASES)
    report.drift_cases, report.drift_cases_more = drift_cases(cases, latest, report.created)


def drift_cases(
    cases: list[dict[str, Any]], latest: dict[str, dict[str, Any]], now: dt.datetime
) -> tuple[list[DriftCase], int]:
    """The first :data:`MAX_DRIFT_CASES` open cases with their drift's datum at ``now``; how
    many more there are."""
    from seawatch.incidents.drifts import age_hours, area_at, datum_at

    out = []
    for case in cases[:MAX_DRIFT_CASES]:
        drift = latest.get(case["id"])
        base = {
            "incident_id": case["id"],
            "time": as_utc(case["time"]),
            "lat": float(case["lat"]),
            "lon": float(case["lon"]),
            "persons": case.get("persons"),
        }
        datum = datum_at(drift["result"], now) if drift and drift.get("result") else None
        if drift is None or datum is None:
            out.append(DriftCase(**base))
            continue
        out.append(
            DriftCase(
                **base,
                datum_time=datum["time"],
                datum_lat=datum["lat"],
                datum_lon=datum["lon"],
                area_90_nm2=area_at(drift["result"], drift.get("geojson"), datum["time"], 0.9),
                drift_age_hours=age_hours(drift, now),
                ended=datum["ended"],
            )
        )
    return out, max(0, len(cases) - MAX_DRIFT_CASES)


def incident_lines(records: Iterable[Any], since: dt.datetime) -> list[IncidentLine]:
    """Incidents at or after ``since``, newest first; retracted ones are left out."""
    lines = []
    for rec in records:
        status = str(_get(rec, "status") or "")
        if status == "retracted":
            continue
        when = as_utc(_get(rec, "time"))
        if when < since:
            continue
        persons = _get(rec, "persons")
        lines.append(
            IncidentLine(
                time=when,
                lat=float(_get(rec, "lat")),
                lon=float(_get(rec, "lon")),
                persons=None if persons is None or pd.isna(persons) else int(persons),
                status=status,
                source=str(_get(rec, "source") or ""),
            )
        )
    return sorted(lines, key=lambda line: line.time, reverse=True)


def _get(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def _fill_sources(report: Report, settings: Settings) -> None:
    from seawatch.fetchers.status import read_status

    status = read_status(settings, now=report.created)
    report.sources = [
        SourceLine(
            name=name,
            run=entry.get("run"),
            age_hours=entry.get("age_hours"),
            error=entry.get("last_error"),
        )
        for name, entry in sorted(status.items())
    ]


def _fill_jobs(report: Report, settings: Settings) -> None:
    from seawatch.runlog import failing_jobs

    report.failing_jobs = failing_jobs(settings)


def worst_in_windows(
    times: np.ndarray, levels: np.ndarray, windows: tuple[dt.datetime, ...]
) -> tuple[int | None, ...]:
    """Worst level per window from a level time series (``None`` where no time falls inside).

    Used by the summary adapter when a summary gives hourly rather than windowed values.
    """
    stamps = pd.DatetimeIndex(times)
    stamps = stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")
    out: list[int | None] = []
    for start in windows:
        inside = (stamps >= start) & (stamps < start + dt.timedelta(hours=WINDOW_HOURS))
        values = np.asarray(levels)[inside]
        values = values[~pd.isna(values)]
        out.append(int(values.max()) if values.size else None)
    return tuple(out)
