"""Compose the morning e-mail: a plain-text part that reads well alone, an HTML part with the
static map inline (by Content-ID), and the interactive map (and optionally the risk NetCDF)
attached.

MIME layout (what Python's :class:`email.message.EmailMessage` builds and mail clients expect)::

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related
          text/html          <img src="cid:...">
          image/png          Content-ID: <...>
      text/html              attachment: the interactive map
      application/x-netcdf   attachment (optional)
"""

from __future__ import annotations

import datetime as dt
import email.policy
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.quoprimime import body_encode
from email.utils import format_datetime, make_msgid
from functools import cache
from typing import Any

import jinja2

from seawatch import __version__
from seawatch.geo.positions import format_lat_ddm, format_lon_ddm
from seawatch.mail.report import Problem, RegionWorst, Report
from seawatch.mail.texts import direction, t
from seawatch.maps import styles
from seawatch.maps.styles import HAZARD_COLOURS, HAZARD_TEXT_COLOURS, status_colour

NO_DATA_COLOURS = ("#eeeeee", "#666666")
MISSING_MAP_REASONS = ("too_large", "no_forecast", "failed")
"""Why the interactive map can be missing; each has a ``mail.reason.<reason>`` message."""
BANNER_COLOURS = {"demo": ("#5e3c99", "#ffffff"), "stale": ("#b35806", "#ffffff")}


@dataclass(frozen=True)
class Attachment:
    """A file attached to the message."""

    filename: str
    data: bytes
    maintype: str
    subtype: str


@dataclass
class MailParts:
    """The binary parts of one language's message.

    Attributes
    ----------
    map_png
        The static map, shown inline; ``None`` when it could not be made.
    interactive
        The interactive map (offline HTML), attached; ``None`` when left out.
    interactive_hours
        How many hours ahead the attached interactive map covers.
    interactive_note
        Why the interactive map is missing, if it is: one of :data:`MISSING_MAP_REASONS`,
        said in the reader's language from the catalogue (``mail.reason.<note>``).
    extra
        Further attachments (the risk NetCDF).
    """

    map_png: bytes | None = None
    interactive: Attachment | None = None
    interactive_hours: int = 72
    interactive_note: str = ""
    extra: list[Attachment] = field(default_factory=list)


def subject(report: Report, lang: str) -> str:
    """``Sea-state risk - Central Mediterranean - 2026-11-24 (run 00 UTC)`` plus flags."""
    region = t("mail.region", lang)
    date = report.day.isoformat()
    if report.has_forecast and report.reference_time is not None:
        text = t("mail.subject", lang, region=region, date=date, run=f"{report.reference_time:%H}")
    else:
        text = t("mail.subject.no_run", lang, region=region, date=date)
    if report.demo:
        text = f"{t('mail.subject.demo', lang)} - {text}"
    if report.stale:
        text = f"{text} - {t('mail.subject.stale', lang)}"
    return text


def compose(
    report: Report,
    lang: str,
    parts: MailParts,
    sender: str,
    to: str,
    domain: str | None = None,
) -> EmailMessage:
    """Build the message for one recipient.

    Parameters
    ----------
    report
        What to say (see :func:`seawatch.mail.report.gather_report`).
    lang
        ``"en"`` or ``"ar"``; Arabic is laid out right to left.
    parts
        Static map, interactive map and other attachments.
    sender, to
        Validated addresses (see :func:`seawatch.mail.smtp.check_address`).
    domain
        Domain of the Message-ID and Content-ID; default the sender's.
    """
    domain = domain or sender.rpartition("@")[2] or "seawatch.invalid"
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = subject(report, lang)
    msg["From"] = Address("seawatch", addr_spec=sender)
    msg["To"] = Address(addr_spec=to)
    msg["Date"] = format_datetime(report.created)
    msg["Message-ID"] = make_msgid("seawatch", domain=domain)
    # RFC 3834: stops out-of-office replies from answering an unattended sender.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Seawatch-Version"] = __version__
    view = build_view(report, lang, parts)
    text = render_text(view)
    msg.set_content(text, subtype="plain", charset="utf-8", cte=shorter_cte(text))
    cid = make_msgid("map", domain=domain) if parts.map_png else None
    html = render_html(view, cid[1:-1] if cid else None)
    msg.add_alternative(html, subtype="html", charset="utf-8", cte=shorter_cte(html))
    if parts.map_png and cid:
        html_part = msg.get_payload()[1]
        html_part.add_related(
            parts.map_png,
            "image",
            "png",
            cid=cid,
            filename=f"seawatch-map-{report.day}.png",
            disposition="inline",
        )
    for att in ([parts.interactive] if parts.interactive else []) + parts.extra:
        _attach(msg, att)
    # After the body: set_content() drops every Content-* header of the message.
    msg["Content-Language"] = lang
    return msg


def _attach(msg: EmailMessage, att: Attachment) -> None:
    """Attach ``att`` in the shorter transfer encoding.

    base64 makes every file a third larger. The interactive map is UTF-8 text that is mostly
    ASCII (scripts, base64 frames), which quoted-printable carries with a few per cent more;
    text that is mostly non-ASCII (or not UTF-8) stays base64. Line ends of a text attachment
    arrive as CRLF, which HTML and JavaScript read the same way.
    """
    if att.maintype == "text":
        try:
            text = att.data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        cte = shorter_cte(text) if text is not None else "base64"
        if text is not None and cte != "base64":
            msg.add_attachment(
                text, subtype=att.subtype, charset="utf-8", cte=cte, filename=att.filename
            )
            return
    msg.add_attachment(att.data, att.maintype, att.subtype, filename=att.filename)


def shorter_cte(text: str) -> str | None:
    """``"quoted-printable"`` or ``"base64"``, whichever carries ``text`` (UTF-8) in fewer bytes;
    ``None`` (7bit, unencoded) for ASCII text in lines short enough for mail.

    Python's own choice looks at the first ten lines only, which for the Arabic message hold
    the Arabic title: it picked base64 for a part that is nine tenths ASCII markup.
    """
    if text.isascii() and all(len(line) <= 78 for line in text.splitlines()):
        return None
    data = text.encode("utf-8")
    return "quoted-printable" if _qp_length(text) < _base64_length(data) else "base64"


def _qp_length(text: str) -> int:
    encoded = body_encode(text.encode("utf-8").decode("latin-1"))
    return len(encoded) + encoded.count("\n")  # each line end is CRLF on the wire


def _base64_length(data: bytes) -> int:
    chars = 4 * ((len(data) + 2) // 3)
    return chars + 2 * ((chars + 75) // 76)


def message_size(msg: EmailMessage) -> int:
    """Bytes on the wire (after base64 and line endings), as the size limit counts them."""
    return len(msg.as_bytes(policy=email.policy.SMTP))


# -- the view: every text, once, for both parts ------------------------------------------------


def build_view(report: Report, lang: str, parts: MailParts) -> dict[str, Any]:
    """Texts and table cells shared by the plain-text and the HTML part."""

    def tr(key: str, **fields: Any) -> str:
        return t(key, lang, **fields)

    local = report.local_created
    view: dict[str, Any] = {
        "report": report,
        "lang": lang,
        "dir": direction(lang),
        "start": "right" if direction(lang) == "rtl" else "left",
        "t": tr,
        "subject": subject(report, lang),
        "prepared": tr(
            "mail.prepared",
            local=f"{local:%Y-%m-%d %H:%M}",
            tz=report.timezone,
            utc=f"{report.created:%Y-%m-%d %H:%M}",
        ),
        "forecast_line": "",
        "banners": [],
    }
    if report.has_forecast and report.reference_time is not None:
        view["forecast_line"] = tr(
            "mail.forecast",
            model=report.model or "?",
            source=report.source or "?",
            run=f"{report.reference_time:%Y-%m-%d %H:%M}",
            age=f"{report.forecast_age_hours:.0f}",
        )
    if report.demo:
        view["banners"].append(_banner("demo", tr("mail.banner.demo")))
    if not report.has_forecast:
        view["banners"].append(_banner("stale", tr("mail.banner.no_forecast")))
    elif report.stale and report.reference_time is None:
        view["banners"].append(_banner("stale", tr("mail.banner.unknown_age")))
    elif report.stale:
        view["banners"].append(
            _banner(
                "stale",
                tr(
                    "mail.banner.stale",
                    age=f"{report.forecast_age_hours:.0f}",
                    run=f"{report.reference_time:%Y-%m-%d %H:%M}",
                    limit=f"{report.stale_after_hours:g}",
                ),
            )
        )
    view["jobs"] = [
        tr(
            "mail.jobs.item",
            job=_job_name(job["job"], lang),
            count=job["count"],
            since=job["since"],
            error=job["error"] or "?",
        )
        for job in report.failing_jobs
    ]
    view["problems"] = [_problem(p, lang) for p in report.problems]
    view.update(_table_view(report, lang))
    view.update(_departure_view(report, lang))
    view.update(_region_view(report, lang))
    view["incidents"] = [
        {
            "time": f"{inc.time:%Y-%m-%d %H:%M}",
            "date": f"{inc.time:%Y-%m-%d}",
            "clock": f"{inc.time:%H:%M}",
            "lat": format_lat_ddm(inc.lat),
            "lon": format_lon_ddm(inc.lon),
            "persons": tr("mail.incidents.unknown") if inc.persons is None else inc.persons,
            "status": _status(inc.status, lang),
            "colour": status_colour(inc.status),
            "source": inc.source,
        }
        for inc in report.incidents
    ]
    view["drift_cases"] = _drift_view(report, lang)
    view["drift_more"] = (
        tr("drift.mail.more", n=report.drift_cases_more) if report.drift_cases_more else ""
    )
    view["alerts"] = [a["headline_ar" if lang == "ar" else "headline_en"] for a in report.alerts]
    view["sources"] = _source_lines(report, lang)
    if parts.interactive:
        view["attached_map"] = tr(
            "mail.attached.map", name=parts.interactive.filename, hours=parts.interactive_hours
        )
    else:
        view["attached_map"] = tr("mail.attached.map_missing", reason=_reason(parts, lang))
    view["attached_other"] = [
        tr("mail.attached.netcdf", name=a.filename) for a in parts.extra if a.subtype == "x-netcdf"
    ]
    return view


def _drift_view(report: Report, lang: str) -> list[dict[str, str]]:
    """Open distress cases: the case in one line, where its drift puts it now in the next."""
    out = []
    for case in report.drift_cases:
        persons = t("drift.mail.unknown", lang) if case.persons is None else case.persons
        line = t(
            "drift.mail.case",
            lang,
            time=_short(case.time),
            persons=persons,
            lkp=f"{format_lat_ddm(case.lat)} {format_lon_ddm(case.lon)}",
        )
        if case.datum_time is None or case.datum_lat is None or case.datum_lon is None:
            detail = t("drift.mail.no_drift", lang)
        else:
            area = case.area_90_nm2
            detail = t(
                "drift.mail.ended" if case.ended else "drift.mail.datum",
                lang,
                time=_short(case.datum_time),
                ddm=f"{format_lat_ddm(case.datum_lat)} {format_lon_ddm(case.datum_lon)}",
                a90="?" if area is None else f"{area:.0f}" if area >= 10 else f"{area:.1f}",
                age="?" if case.drift_age_hours is None else f"{case.drift_age_hours:.0f}",
            )
        out.append({"case": line, "detail": detail, "id": case.incident_id})
    return out


def _reason(parts: MailParts, lang: str) -> str:
    note = parts.interactive_note if parts.interactive_note in MISSING_MAP_REASONS else "unknown"
    return t(f"mail.reason.{note}", lang)


def _problem(problem: Problem, lang: str) -> str:
    try:
        what = t(f"mail.part.{problem.part}", lang)
    except KeyError:
        what = t("mail.part.other", lang)
    if problem.detail:
        what = t("mail.part.detail", lang, part=what, detail=problem.detail)
    return t("mail.problem", lang, what=what)


def _banner(kind: str, text: str) -> dict[str, str]:
    bg, fg = BANNER_COLOURS[kind]
    return {"kind": kind, "text": text, "bg": bg, "fg": fg}


def _cell(level: int | None, lang: str) -> dict[str, str]:
    if level is None:
        bg, fg = NO_DATA_COLOURS
        return {"bg": bg, "fg": fg, "short": "-", "name": t("mail.hazard.none", lang)}
    return {
        "bg": HAZARD_COLOURS[level],
        "fg": HAZARD_TEXT_COLOURS[level],
        "short": t(f"mail.hazard.short.{level}", lang),
        "name": t(f"mail.hazard.{level}", lang),
    }


def _departure_view(report: Report, lang: str) -> dict[str, Any]:
    """Departure windows (rubber dinghies) and traps (every class): the same definition as the
    marks of the table, read from the summary (:mod:`seawatch.layers.departure`)."""
    calm = []
    for c in report.calm:
        line = t(
            "mail.window.item",
            lang,
            area=c.area_ar if lang == "ar" else c.area,
            start=_short(c.start),
            end=f"{c.end:%H:%M}" if c.end.date() == c.start.date() else _short(c.end),
            hours=c.hours,
        )
        if c.trap_start is not None:
            # the level met and where: in the traps list
            line = f"{line} - {t('mail.window.trap', lang, time=_short(c.trap_start))}"
        calm.append({"text": line, "trap": c.trap_start is not None})
    traps = []
    for trap in report.traps:
        position = (
            f"{format_lat_ddm(trap.met_lat)} {format_lon_ddm(trap.met_lon)}"
            if trap.met_lat is not None and trap.met_lon is not None
            else "?"
        )
        line = t(
            "mail.trap.item",
            lang,
            area=trap.area_ar if lang == "ar" else trap.area,
            destination=_destination(trap.destination, lang),
            start=_short(trap.start),
            end=f"{trap.end:%H:%M}" if trap.end.date() == trap.start.date() else _short(trap.end),
            level=t(f"mail.hazard.{trap.level}", lang),
            time=_short(trap.met_time) if trap.met_time else "?",
            position=position,
        )
        if not trap.complete:
            line += t("mail.trap.beyond", lang)
        traps.append(line)
    level = report.window_levels.get("rubber_dinghy", 1)
    view = {
        "calm": [c["text"] for c in calm],
        "calm_items": calm,
        "window_rule": t(
            "mail.window.rule",
            lang,
            level=t(f"mail.hazard.{level}", lang),
            hours=report.window_min_hours or "?",
        ),
        "calm_none": t(
            "mail.window.none",
            lang,
            hours=report.horizon_hours,
            level=t(f"mail.hazard.{level}", lang),
        ),
        "traps": traps,
        "trap_none": t("mail.trap.none", lang, hours=report.horizon_hours),
        "table_none": t("mail.table.none", lang),
    }
    if _no_departure_area(report):
        # "no window: the sea stays above moderate" would be false, nothing was looked at
        nothing = t("mail.departure.none_in_area", lang)
        view.update(calm_none=nothing, trap_none=nothing, table_none=nothing)
    return view


def _no_departure_area(report: Report) -> bool:
    """The build's summary was read and no departure area lies in the forecast's area."""
    return (
        report.has_forecast
        and not report.areas
        and not any(p.part == "summary" for p in report.problems)
    )


def _destination(destination: str, lang: str) -> str:
    try:
        return t(f"destination.{destination}", lang)
    except KeyError:
        return destination.replace("-", " ").title()


WINDOW_MARK = styles.DEPARTURE_WINDOW_COLOUR
TRAP_MARK = styles.DEPARTURE_TRAP_COLOUR


def _table_view(report: Report, lang: str) -> dict[str, Any]:
    days: list[dict[str, Any]] = []
    hours: list[dict[str, Any]] = []
    for start in report.windows:
        label = f"{t(f'mail.weekday.{start.weekday()}', lang)} {start.day}"
        first = not days or days[-1]["label"] != label
        if first:
            days.append({"label": label, "span": 0})
        days[-1]["span"] += 1
        hours.append({"label": f"{start:%H}", "first": first})
    vessels = report.vessels or tuple(dict.fromkeys(v for a in report.areas for v in a.levels))
    tables = []
    for vessel in vessels:
        rows = []
        for area in report.areas:
            levels = area.levels.get(vessel, (None,) * len(report.windows))
            windows = area.windows.get(vessel, (False,) * len(levels))
            traps = area.traps.get(vessel, (False,) * len(levels))
            cells = []
            for level, window, trap in zip(levels, windows, traps, strict=True):
                cell = _cell(level, lang)
                cell["mark"] = "trap" if trap else "window" if window else ""
                cell["mark_colour"] = TRAP_MARK if trap else WINDOW_MARK if window else ""
                if trap:
                    # In a right-to-left table "1!" shows as "!1" (the mark is neutral and
                    # goes to the line's end); written "!1" it shows as "1!", as in English.
                    rtl = direction(lang) == "rtl"
                    cell["short"] = f"!{cell['short']}" if rtl else f"{cell['short']}!"
                cells.append(cell)
            rows.append(
                {
                    "id": area.id,
                    "name": area.name_ar if lang == "ar" else area.name,
                    "levels": levels,
                    "windows": windows,
                    "traps": traps,
                    "cells": cells,
                }
            )
        if rows:
            tables.append(
                {
                    "vessel": vessel,
                    "caption": t("mail.table.caption", lang, vessel=_vessel(vessel, lang)),
                    "rows": rows,
                }
            )
    legend = [_cell(level, lang) for level in range(len(HAZARD_COLOURS))]
    return {"tables": tables, "days": days, "hours": hours, "legend": legend}


def _region_view(report: Report, lang: str) -> dict[str, Any]:
    vessels = list(dict.fromkeys(r.vessel for r in report.regions))
    rows: dict[str, dict[str, Any]] = {}
    for r in report.regions:
        row = rows.setdefault(r.id, {"id": r.id, "name": _region(r, lang), "by_vessel": {}})
        cell = _cell(r.level, lang)
        cell["when"] = _short(r.first_time) if r.first_time and r.level else ""
        row["by_vessel"][r.vessel] = cell
    for row in rows.values():
        row["cells"] = [row["by_vessel"].get(v, _cell(None, lang)) for v in vessels]
    return {
        "regions": list(rows.values()),
        "region_vessels": [_vessel(v, lang) for v in vessels],
        "region_items": report.regions,
    }


def _source_lines(report: Report, lang: str) -> list[str]:
    lines = []
    for s in report.sources:
        if s.run and s.age_hours is not None:
            line = t(
                "mail.sources.item",
                lang,
                name=s.name,
                run=str(s.run).replace("T", " ")[:16],
                age=f"{s.age_hours:.0f}",
            )
        else:
            line = t("mail.sources.never", lang, name=s.name)
        if s.error:
            line += "; " + t("mail.sources.error", lang, error=s.error)
        lines.append(line)
    return lines


def _short(when: dt.datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M}"


def _vessel(vessel: str, lang: str) -> str:
    try:
        return t(f"mail.vessel.{vessel}", lang)
    except KeyError:
        return vessel.replace("_", " ")


def _status(status: str, lang: str) -> str:
    try:
        return t(f"status.{status}", lang)
    except KeyError:
        return status


def _region(region: RegionWorst, lang: str) -> str:
    try:
        return t(f"sar.{region.id}.name", lang)
    except KeyError:
        return region.name


def _job_name(job: str, lang: str) -> str:
    try:
        return t(f"mail.job.{job}", lang)
    except KeyError:
        return job


# -- rendering ---------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("seawatch.mail", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(view: dict[str, Any], map_cid: str | None) -> str:
    """The HTML part; ``map_cid`` is the static map's Content-ID without angle brackets."""
    return _environment().get_template("daily.html").render(**view, map_cid=map_cid)


def render_text(view: dict[str, Any]) -> str:
    """The plain-text part: the same content as the HTML, as short lines a phone wraps well."""
    tr = view["t"]
    report: Report = view["report"]
    lang = view["lang"]
    out: list[str] = [view["subject"], "", view["prepared"]]
    if view["forecast_line"]:
        out.append(view["forecast_line"])
    for banner in view["banners"]:
        out += ["", f"*** {banner['text']} ***"]
    if view["jobs"] or view["problems"]:
        out += ["", f"{tr('mail.jobs.heading')}:"]
        out += [f"- {line}" for line in view["jobs"] + view["problems"]]
    out += ["", f"== {tr('mail.table.heading', hours=report.horizon_hours)} =="]
    if not view["tables"]:
        out.append(view["table_none"])
    legend = ", ".join(f"{c['short']} = {c['name']}" for c in view["legend"])
    if view["tables"]:
        out.append(f"{tr('mail.legend')}: {legend}")
        out.append(tr("mail.table.columns", start=_short(report.windows[0])))
        out.append(tr("mail.table.marks"))
    for table in view["tables"]:
        out += ["", f"{table['caption']}:"]
        for row in table["rows"]:
            text = _text_row(row["levels"], report, lang)
            text += _text_marks(row["windows"], row["traps"], report, lang)
            out.append(f"- {row['name']}: {text}")
    out += ["", f"== {tr('mail.window.heading')} ==", view["window_rule"]]
    out += [f"- {line}" for line in view["calm"]] or [view["calm_none"]]
    out += ["", f"== {tr('mail.trap.heading')} =="]
    out += [f"- {line}" for line in view["traps"]] or [view["trap_none"]]
    if view["region_items"]:
        out += ["", f"== {tr('mail.sar.heading', hours=report.horizon_hours)} =="]
        for r in view["region_items"]:
            when = (
                tr("mail.sar.from", time=_short(r.first_time)) if r.first_time and r.level else ""
            )
            out.append(
                "- "
                + tr(
                    "mail.sar.item",
                    region=_region(r, lang),
                    vessel=_vessel(r.vessel, lang),
                    level=_cell(r.level, lang)["name"],
                    when=when,
                )
            )
    out += ["", f"== {tr('mail.alerts.heading')} =="]
    out += [f"- {line}" for line in view["alerts"]] or [tr("mail.alerts.none")]
    out += ["", f"== {tr('mail.incidents.heading')} =="]
    if not view["incidents"]:
        out.append(tr("mail.incidents.none"))
    for inc in view["incidents"]:
        persons = f"{inc['persons']} {tr('mail.incidents.persons')}"
        out.append(
            f"- {inc['time']} UTC | {inc['lat']} {inc['lon']} | {persons} | "
            f"{inc['status']} | {inc['source']}"
        )
    out += ["", f"== {tr('drift.mail.heading')} =="]
    if not view["drift_cases"]:
        out.append(tr("drift.mail.none"))
    for case in view["drift_cases"]:
        out += [f"- {case['case']}", f"  {case['detail']}"]
    if view["drift_more"]:
        out.append(view["drift_more"])
    out += ["", f"== {tr('mail.sources.heading')} =="]
    out += [f"- {line}" for line in view["sources"]]
    out += ["", view["attached_map"], *view["attached_other"]]
    out += ["", "--", tr("mail.footer"), tr("mail.attribution"), ""]
    return "\n".join(out)


def _text_marks(
    windows: tuple[bool, ...], traps: tuple[bool, ...], report: Report, lang: str
) -> str:
    """``; window 07 00-07 12, 08 06-08 18!; TRAP 08 00-08 06`` for the columns marked: a
    window that is a trap throughout ends in ``!`` (as in the table), other trap columns are
    listed on their own. Empty when nothing is marked."""
    step = dt.timedelta(hours=6)
    rest = list(traps)
    windows_text = []
    for start, stop in _runs(windows):
        text = f"{report.windows[start]:%d %H}-{report.windows[stop - 1] + step:%d %H}"
        if all(traps[start:stop]):
            text += "!"
            rest[start:stop] = [False] * (stop - start)
        windows_text.append(text)
    traps_text = [
        f"{report.windows[a]:%d %H}-{report.windows[b - 1] + step:%d %H}"
        for a, b in _runs(tuple(rest))
    ]
    out = ""
    for key, runs in (
        ("mail.table.text_windows", windows_text),
        ("mail.table.text_traps", traps_text),
    ):
        if runs:
            out += "; " + t(key, lang, times=", ".join(runs))
    return out


def _runs(marks: tuple[bool, ...]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i, mark in enumerate(marks):
        if mark and runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        elif mark:
            runs.append((i, i + 1))
    return runs


def _text_row(levels: tuple[int | None, ...], report: Report, lang: str) -> str:
    """``worst severe; high from 2026-11-24 12:00 UTC`` plus the per-window letters."""
    known = [level for level in levels if level is not None]
    if not known:
        return t("mail.hazard.none", lang)
    worst = max(known)
    first = ""
    if worst > 0:
        index = levels.index(worst)
        first = t("mail.table.text_first", lang, time=_short(report.windows[index]))
    letters = "".join(_cell(level, lang)["short"] for level in levels)
    line = t("mail.table.text_line", lang, level=t(f"mail.hazard.{worst}", lang), first=first)
    return f"{line} [{letters}]"
