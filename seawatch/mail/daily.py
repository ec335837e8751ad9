"""The morning e-mail from start to end: gather, render the maps, fit 2 MB, send, record.

:func:`send_daily` is what the scheduler's e-mail job and ``seawatch email`` call. It sends each
configured recipient the day's message in their language, at most once per local day (see
:mod:`seawatch.mail.sentlog`), and returns one :class:`~seawatch.mail.smtp.Delivery` per
recipient. :func:`write_dry_run` writes the message to a ``.eml`` file instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from seawatch.config import Recipient, Settings
from seawatch.errors import ConfigError, SeawatchError
from seawatch.mail.compose import Attachment, MailParts, compose, message_size
from seawatch.mail.report import HORIZON_HOURS, Report, floor_window, gather_report
from seawatch.mail.sentlog import SentLog
from seawatch.mail.smtp import Delivery, check_address, deliver
from seawatch.schema import open_dataset, write_dataset
from seawatch.storage import DataPaths, atomic_write_bytes
from seawatch.timeutil import now_utc

log = logging.getLogger(__name__)

INTERACTIVE_STEPS_H: tuple[int, ...] = (3, 6, 12)
"""Time steps tried, finest first, until the attached interactive map fits the size limit."""


@dataclass
class Renderers:
    """How the maps for the e-mail are made (tests replace them with small fakes).

    ``static(risk, incidents, out_png, settings, lang, now, departures=...)`` writes a PNG;
    ``interactive(risk, incidents, out_html, settings, lang, now, departures=...)`` writes an
    offline HTML map. What both maps draw is read once per sending, for every language and time
    step: ``incidents(settings)`` and ``departures(settings, risk)`` (the departure windows and
    traps beside the risk file, or None).
    """

    static: Callable[..., Any] | None = None
    interactive: Callable[..., Any] | None = None
    incidents: Callable[[Settings], Any] | None = None
    departures: Callable[[Settings, xr.Dataset], Any] | None = None

    @classmethod
    def default(cls) -> Renderers:
        def static(risk, incidents, out, settings, lang, now, departures=None):  # type: ignore[no-untyped-def]
            from seawatch.maps.static import phone_layout, render_static

            # The e-mail's image: the map with the timeline of departure windows and traps,
            # at the e-mail's width with text readable on a phone.
            return render_static(
                risk,
                incidents,
                out,
                settings,
                lang=lang,
                now=now,
                departures=departures,
                layout=phone_layout(),
            )

        def interactive(risk, incidents, out, settings, lang, now, departures=None):  # type: ignore[no-untyped-def]
            from seawatch.incidents.loading import load_open_drifts
            from seawatch.maps.interactive import render_interactive

            # the lighter variant: the whole message must stay within [mail] max_bytes
            return render_interactive(
                risk,
                incidents,
                out,
                settings,
                lang=lang,
                now=now,
                lean=True,
                departures=departures,
                drifts=load_open_drifts(settings),
            )

        def incidents(settings: Settings) -> Any:
            from seawatch.incidents.loading import load_incidents

            return load_incidents(settings)

        def departures(settings: Settings, risk: xr.Dataset) -> Any:
            from seawatch.summaries import read_departures

            return read_departures(DataPaths(settings.data_dir).risk, risk.attrs.get("created_at"))

        return cls(static, interactive, incidents, departures)


@dataclass
class DailyResult:
    """What :func:`send_daily` did: the day, deliveries, recipients skipped as already sent."""

    day: str
    deliveries: list[Delivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.deliveries)

    def lines(self) -> list[str]:
        out = [d.line() for d in self.deliveries]
        out += [f"{addr}: already sent on {self.day}; not sent again" for addr in self.skipped]
        return out


def load_risk(settings: Settings) -> xr.Dataset | None:
    """The latest risk dataset, or ``None`` (logged) when there is none or it cannot be read."""
    path = DataPaths(settings.data_dir).risk
    if not path.exists():
        log.error("mail: no risk file at %s; the message will say there is no forecast", path)
        return None
    try:
        return open_dataset(path, "risk")
    except SeawatchError as exc:
        log.error("mail: %s; the message will say there is no forecast", exc)
        return None


def email_window(risk: xr.Dataset, now: dt.datetime, hours: int = HORIZON_HOURS) -> xr.Dataset:
    """The part of ``risk`` the e-mail covers: ``hours`` from the 6-hour window holding ``now``.

    A forecast that ends before ``now`` (stale) gives its last ``hours`` instead, so the map
    still shows something, flagged as stale by the message.
    """
    times = risk["time"].values.astype("datetime64[s]")
    start = np.datetime64(floor_window(now).replace(tzinfo=None), "s")
    end = start + np.timedelta64(hours, "h")
    inside = (times >= start) & (times <= end)
    if not inside.any():
        inside = times >= times.max() - np.timedelta64(hours, "h")
    return risk.isel(time=np.flatnonzero(inside))


def thin_times(risk: xr.Dataset, step_hours: int) -> xr.Dataset:
    """Every ``step_hours``-th hour of ``risk``, counted from its first time."""
    times = risk["time"].values.astype("datetime64[s]")
    hours = (times - times[0]) / np.timedelta64(1, "h")
    return risk.isel(time=np.flatnonzero(np.isclose(hours % step_hours, 0)))


def _interactive_candidates(
    settings: Settings,
    risk: xr.Dataset,
    incidents: Any,
    departures: Any,
    lang: str,
    now: dt.datetime,
    renderers: Renderers,
    workdir: Path,
) -> Iterator[tuple[Attachment | None, int]]:
    """Interactive maps for the e-mail, from the most detailed to the lightest.

    A map that cannot be made ends the sequence with ``(None, 0)``.
    """
    window = email_window(risk, now)
    hours = (
        int((window["time"].values[-1] - window["time"].values[0]) / np.timedelta64(1, "h"))
        if window.sizes["time"]
        else 0
    )
    name = f"seawatch-map-{now.astimezone(dt.UTC):%Y-%m-%d}-{lang}.html"
    for step in INTERACTIVE_STEPS_H:
        out = workdir / f"map-{lang}-{step}h.html"
        try:
            renderers.interactive(
                thin_times(window, step), incidents, out, settings, lang, now, departures=departures
            )
        except Exception as exc:
            log.error(
                "mail: interactive map (%d h steps) failed: %s: %s", step, type(exc).__name__, exc
            )
            yield None, 0
            return
        yield Attachment(name, out.read_bytes(), "text", "html"), hours


def _static_png(
    settings: Settings,
    risk: xr.Dataset,
    incidents: Any,
    departures: Any,
    lang: str,
    now: dt.datetime,
    renderers: Renderers,
    workdir: Path,
) -> bytes | None:
    out = workdir / f"map-{lang}.png"
    try:
        renderers.static(risk, incidents, out, settings, lang, now, departures=departures)
        return out.read_bytes()
    except Exception as exc:
        fallback = DataPaths(settings.data_dir).map_png
        log.error("mail: static map failed (%s: %s); using %s", type(exc).__name__, exc, fallback)
        return fallback.read_bytes() if fallback.exists() else None


def _netcdf(risk: xr.Dataset, now: dt.datetime, workdir: Path) -> Attachment:
    keep = [v for v in ("hazard_level", "hazard_score", "risk") if v in risk]
    subset = email_window(risk[keep] if keep else risk, now)
    path = write_dataset(subset, workdir / "risk.nc")
    return Attachment(
        f"seawatch-risk-{now.astimezone(dt.UTC):%Y-%m-%d}.nc",
        path.read_bytes(),
        "application",
        "x-netcdf",
    )


def build_messages(
    settings: Settings,
    report: Report,
    risk: xr.Dataset | None,
    recipients: list[Recipient],
    renderers: Renderers | None = None,
) -> dict[str, EmailMessage]:
    """One message per recipient, each at most ``[mail] max_bytes`` on the wire.

    Parts are dropped in this order until the message fits: the NetCDF, then finer time steps
    of the interactive map, then the interactive map itself (the message says why).
    """
    renderers = renderers or Renderers.default()
    sender = check_address(settings.mail.sender) if settings.mail.sender else "seawatch@localhost"
    limit = settings.mail.max_bytes
    messages: dict[str, EmailMessage] = {}
    by_lang: dict[str, list[Recipient]] = {}
    for r in recipients:
        by_lang.setdefault(r.lang, []).append(r)
    with tempfile.TemporaryDirectory(prefix="seawatch-mail-") as tmp:
        workdir = Path(tmp)
        incidents = _incidents(settings, renderers)
        departures = _departures(settings, risk, renderers)
        for lang, group in by_lang.items():
            probe = max((r.address for r in group), key=len)

            def make(parts: MailParts, to: str = probe, lang: str = lang) -> EmailMessage:
                return compose(report, lang, parts, sender, to)

            parts = _fit(
                settings, report, risk, incidents, departures, lang, renderers, workdir, make, limit
            )
            for r in group:
                messages[r.address] = make(parts, r.address)
    return messages


def _incidents(settings: Settings, renderers: Renderers) -> Any:
    try:
        return renderers.incidents(settings) if renderers.incidents else None
    except Exception as exc:
        log.error("mail: incidents for the maps unavailable: %s: %s", type(exc).__name__, exc)
        return None


def _departures(settings: Settings, risk: xr.Dataset | None, renderers: Renderers) -> Any:
    try:
        if risk is None or renderers.departures is None:
            return None
        return renderers.departures(settings, risk)
    except Exception as exc:
        log.error(
            "mail: departure windows for the maps unavailable: %s: %s", type(exc).__name__, exc
        )
        return None


def _fit(
    settings: Settings,
    report: Report,
    risk: xr.Dataset | None,
    incidents: Any,
    departures: Any,
    lang: str,
    renderers: Renderers,
    workdir: Path,
    make: Callable[[MailParts], EmailMessage],
    limit: int,
) -> MailParts:
    now = report.created
    parts = MailParts(interactive_note="no_forecast")
    if risk is None:
        return parts
    parts.map_png = _static_png(
        settings, risk, incidents, departures, lang, now, renderers, workdir
    )
    if settings.mail.attach_netcdf:
        try:
            parts.extra = [_netcdf(risk, now, workdir)]
        except Exception as exc:
            log.error("mail: risk NetCDF not attached: %s: %s", type(exc).__name__, exc)
    for attachment, hours in _interactive_candidates(
        settings, risk, incidents, departures, lang, now, renderers, workdir
    ):
        if attachment is None:
            parts.interactive_note = "failed"
            break
        parts.interactive_note = "too_large"
        trial = MailParts(parts.map_png, attachment, hours, "", list(parts.extra))
        size = message_size(make(trial))
        if size > limit and trial.extra:
            trial.extra = []
            size = message_size(make(trial))
        log.info("mail: %s message with %s is %d bytes", lang, attachment.filename, size)
        if size <= limit:
            return trial
    parts.extra = []
    if message_size(make(parts)) > limit:
        log.error("mail: even without attachments the %s message exceeds %d bytes", lang, limit)
    return parts


def recipients_for(
    settings: Settings, to: str | None = None, lang: str | None = None
) -> list[Recipient]:
    """The configured recipients, or only ``to`` (in its configured language, or ``lang``)."""
    if to is None:
        if not settings.mail.recipients:
            raise ConfigError("no [[mail.recipients]] configured; add some or use --to ADDRESS")
        return [
            Recipient(check_address(r.address), lang or r.lang) for r in settings.mail.recipients
        ]
    known = {r.address: r.lang for r in settings.mail.recipients}
    return [Recipient(check_address(to), lang or known.get(to, settings.lang))]


def local_day(settings: Settings, now: dt.datetime) -> str:
    """The day a message belongs to: the date in ``[schedule] timezone``."""
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(settings.schedule.timezone)).date().isoformat()


def send_daily(
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    to: str | None = None,
    lang: str | None = None,
    force: bool = False,
    renderers: Renderers | None = None,
    deliver_kwargs: dict[str, Any] | None = None,
) -> DailyResult:
    """Send the day's message to every recipient who has not had it yet.

    Parameters
    ----------
    now
        Time of the message (aware); default now.
    to, lang
        Send only to ``to`` (in ``lang`` or its configured language).
    force
        Send even to recipients who already got today's message.
    renderers
        Map makers (tests pass fakes).
    deliver_kwargs
        Passed to :func:`seawatch.mail.smtp.deliver` (``ssl_context``, ``sleep``, ``delays``).
    """
    now = now_utc(now)
    day = local_day(settings, now)
    sentlog = SentLog.for_data_dir(settings.data_dir)
    recipients = recipients_for(settings, to, lang)
    result = DailyResult(day)
    todo = []
    for r in recipients:
        if not force and sentlog.done(day, r.address):
            result.skipped.append(r.address)
        else:
            todo.append(r)
    if not todo:
        log.info("mail: every recipient already has the message of %s", day)
        return result
    risk = load_risk(settings)
    report = gather_report(settings, risk, now)
    messages = build_messages(settings, report, risk, todo, renderers)
    envelopes = []
    for r in todo:
        if sentlog.claim(day, r.address, r.lang) or force:
            envelopes.append((r.address, messages[r.address]))
            result.sizes[r.address] = message_size(messages[r.address])
        else:  # another process claimed it meanwhile
            result.skipped.append(r.address)
    try:
        deliveries = deliver(settings.mail, envelopes, **(deliver_kwargs or {}))
    except BaseException as exc:
        for addr, _ in envelopes:
            sentlog.finish(day, addr, ok=False, error=str(exc))
        raise
    for (addr, msg), d in zip(envelopes, deliveries, strict=True):
        sentlog.finish(day, addr, d.ok, message_id=str(msg["Message-ID"]), error=d.error)
    result.deliveries = deliveries
    return result


def write_dry_run(
    settings: Settings,
    path: Path,
    *,
    now: dt.datetime | None = None,
    to: str | None = None,
    lang: str | None = None,
    renderers: Renderers | None = None,
) -> tuple[Path, int]:
    """Write the message ``to`` (default: the first recipient) would get, as ``.eml``; no send.

    Returns the path and the message size in bytes.
    """
    now = now_utc(now)
    if to is None and settings.mail.recipients:
        to = settings.mail.recipients[0].address
    recipient = recipients_for(settings, to or "group@example.org", lang)[0]
    risk = load_risk(settings)
    report = gather_report(settings, risk, now)
    msg = build_messages(settings, report, risk, [recipient], renderers)[recipient.address]
    data = msg.as_bytes()
    atomic_write_bytes(path, data)
    return Path(path), len(data)
