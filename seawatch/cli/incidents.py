"""``seawatch incidents ...``, ``seawatch position`` and ``seawatch fetch incidents``.

Positions may be typed in any form :func:`~seawatch.geo.positions.parse_position` reads; they
are shown in degrees and decimal minutes. Times are UTC; ``--time`` accepts ISO 8601 with an
offset (``2025-04-05T08:30+02:00``) and stores it as UTC. Every change names a user: ``--user``,
else ``$SEAWATCH_USER``, else the login name.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from seawatch.cli.root import LazyChoice, fetch, main, pass_settings
from seawatch.config import Settings
from seawatch.errors import DataError

if TYPE_CHECKING:
    from seawatch.incidents.store import IncidentStore

__all__ = ["fetch_incidents", "incidents", "position"]


def _user(user: str | None) -> str:
    if user:
        return user
    if os.environ.get("SEAWATCH_USER"):
        return os.environ["SEAWATCH_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (containers)
        return "seawatch"


def _echo_json(data: Any) -> None:
    from seawatch.jsonutil import dumps

    click.echo(dumps(data, indent=2))


def _store(settings: Settings, *, existing: bool = False) -> IncidentStore:
    """The incident store; with ``existing``, refuse to start a new, empty SQLite store.

    A mistyped --data-dir would otherwise answer ``incidents list`` with "no incidents", as if
    every incident were gone.
    """
    import sqlalchemy as sa

    from seawatch.errors import NotFoundError
    from seawatch.incidents.store import IncidentStore

    url = sa.engine.make_url(settings.store_url)
    database = url.database or ""
    if (
        existing
        and url.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not Path(database).expanduser().exists()
    ):
        raise NotFoundError(
            f"no incident store at {database}: nothing was ever added or imported with data "
            f"directory {settings.data_dir}; check --data-dir, SEAWATCH_DATA_DIR or [store] url "
            "(`seawatch incidents add` or `import` starts a new store)"
        )
    return IncidentStore.from_settings(settings)


def _time(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def _position_line(rec: dict[str, Any]) -> str:
    from seawatch.geo.positions import format_ddm

    return format_ddm(rec["lat"], rec["lon"])


def _warn_flags(rec: dict[str, Any]) -> None:
    messages = {
        "on_land": "the position is on land by the bundled coastline; check it",
        "far_from_country": "the position is far from the stated country; check it",
    }
    for flag in rec.get("flags") or []:
        if flag in messages:
            click.echo(f"warning: {messages[flag]}", err=True)


def _resolve(store: Any, incident_id: str) -> str:
    from seawatch.errors import NotFoundError

    try:
        return store.get(incident_id)["id"]
    except NotFoundError:
        return store.resolve_id(incident_id)


# ---------------------------------------------------------------------------------- position


@main.command("position")
@click.argument("words", nargs=-1, required=True, metavar="POSITION")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: lat, lon, ddm, dms, decimal.")
def position(words: tuple[str, ...], as_json: bool) -> None:
    """Read a position the way it was given and show it in every form.

    Quotes are optional: `seawatch position -5.3, 35.9` reads the same as
    `seawatch position "-5.3, 35.9"` (southern and western positions may start with a minus).

    \b
    Accepted: 33.2083, 12.755 | 33.2083N 12.755E | 33°12.5'N 012°45.3'E | 33 12.5N 12 45.3E
              3312.5N 01245.3E | N33 12.500 E012 45.300 | 33°12'30"N 12°45'18"E | 54-37 N 008-18 E
    Hemisphere letters decide which number is the latitude; without them only decimal
    degrees are read, as "latitude, longitude".
    """
    from seawatch.geo.positions import parse_position

    parsed = parse_position(" ".join(words))
    if as_json:
        _echo_json(parsed.to_dict())
        return
    data = parsed.to_dict()
    click.echo(data["ddm"])
    click.echo(f"  decimal: {data['decimal']}")
    click.echo(f"  DMS:     {data['dms']}")
    click.echo(f"  read as: {data['format']}")


# ---------------------------------------------------------------------------------- incidents


@main.group()
def incidents() -> None:
    """Incident positions: add, correct, retract, import, list, export.

    Nothing is ever deleted: every change is kept in the history (`incidents show ID`), and
    `retract` only marks an incident as withdrawn.
    """


_count_type = click.IntRange(min=0)


def _boat_types() -> tuple[str, ...]:
    from seawatch.incidents.model import BOAT_TYPES

    return BOAT_TYPES


def _statuses() -> tuple[str, ...]:
    from seawatch.incidents.model import STATUSES

    return STATUSES


def _status_list(value: str | None) -> tuple[str, ...] | None:
    """``--status distress,Capsized`` as known statuses; a typo is an error, not an empty list.

    An unknown or capitalised status matched nothing, so `incidents list --status Distress`
    answered "no incidents" while distress cases were open.
    """
    if not value:
        return None
    known = _statuses()
    wanted = tuple(s.strip().lower() for s in value.split(",") if s.strip())
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown status {', '.join(map(repr, unknown))}; use one or more of "
            f"{', '.join(known)}, separated by commas",
            param_hint="'--status'",
        )
    return wanted


def _field_options(func: Any) -> Any:
    options = [
        click.option(
            "--time",
            "time_",
            help="Incident time, ISO 8601, e.g. 2026-12-07T03:10Z or '2026-12-07 05:10+02:00' "
            "(UTC unless an offset).",
        ),
        click.option("--persons", type=_count_type, help="Persons on board."),
        click.option("--dead", type=_count_type, help="Dead."),
        click.option("--missing", type=_count_type, help="Missing."),
        click.option("--survivors", type=_count_type, help="Survivors."),
        click.option("--boat", type=LazyChoice(_boat_types), help="Boat type."),
        click.option("--status", type=LazyChoice(_statuses), help="Status."),
        click.option("--source", help="Who reported it (default: coordinator)."),
        click.option("--source-id", help="The reporter's own reference."),
        click.option("--quality", type=click.IntRange(1, 5), help="Source quality 1-5."),
        click.option("--accuracy", help="Position accuracy, e.g. 'GPS', '~5 nm'."),
        click.option("--location", help="Place description."),
        click.option("--note", help="Free text."),
        click.option("--user", help="Your name for the history (default $SEAWATCH_USER)."),
        click.option("--json", "as_json", is_flag=True, help="Print the record as JSON."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _fields(**options: Any) -> dict[str, Any]:
    names = {
        "time_": "time",
        "persons": "persons",
        "dead": "dead",
        "missing": "missing",
        "survivors": "survivors",
        "boat": "boat_type",
        "status": "status",
        "source": "source",
        "source_id": "source_id",
        "quality": "source_quality",
        "accuracy": "position_accuracy",
        "location": "location",
        "note": "notes",
        "position_text": "position_text",
    }
    return {names[k]: v for k, v in options.items() if k in names and v is not None}


def _print_record(rec: dict[str, Any]) -> None:
    click.echo(f"incident {rec['id']}  (version {rec['version']}, {rec['status']})")
    click.echo(f"  time:      {_time(rec['time'])}")
    click.echo(f"  position:  {_position_line(rec)}")
    if rec.get("position_text"):
        click.echo(f"  as given:  {rec['position_text']}")
    if rec.get("position_accuracy"):
        click.echo(f"  accuracy:  {rec['position_accuracy']}")
    click.echo(
        f"  people:    persons {_count(rec['persons'])}, dead {_count(rec['dead'])}, "
        f"missing {_count(rec['missing'])}, survivors {_count(rec['survivors'])}"
    )
    click.echo(f"  boat:      {rec['boat_type']}")
    source = rec["source"] + (f" {rec['source_id']}" if rec.get("source_id") else "")
    if rec.get("source_quality"):
        source += f" (quality {rec['source_quality']})"
    click.echo(f"  source:    {source}")
    for name in ("cause", "route", "location", "url", "notes"):
        if rec.get(name):
            click.echo(f"  {name + ':':<10} {rec[name]}")
    if rec.get("flags"):
        click.echo(f"  flags:     {', '.join(rec['flags'])}")
    click.echo(f"  created:   {_time(rec['created_at'])} by {rec['created_by']}")
    click.echo(f"  updated:   {_time(rec['updated_at'])} by {rec['updated_by']}")


@incidents.command("add")
@click.option(
    "--position",
    "position_text",
    required=True,
    help='Position in any usual form, e.g. "33°12.5\'N 012°45.3\'E", "3312.5N 01245.3E" or '
    '"33.2083, 12.755" (see `seawatch position --help`).',
)
@_field_options
@pass_settings
def add(settings: Settings, user: str | None, as_json: bool, **options: Any) -> None:
    """Add an incident (time defaults to now, UTC).

    \b
    Examples:
      seawatch incidents add --position "33°12.5'N 012°45.3'E" --persons 80 --status distress
      seawatch incidents add --position "3312.5N 01245.3E" --time 2026-12-07T03:10Z \\
          --boat rubber --persons 120 --source "Alarm Phone" --accuracy "~2 nm"
    Counts are numbers of people; leave out what is not known (it stays unknown, not 0).
    """
    with _store(settings) as store:
        rec = store.create(_fields(**options), user=_user(user))
    if as_json:
        _echo_json(rec)
    else:
        click.echo(f"added incident {rec['id']} at {_position_line(rec)}, {_time(rec['time'])}")
    _warn_flags(rec)


@incidents.command("edit")
@click.argument("incident_id")
@click.option("--version", "version", type=int, required=True, help="Version you are editing.")
@click.option("--position", "position_text", help="New position in any usual form.")
@click.option(
    "--clear",
    multiple=True,
    type=click.Choice(
        [
            "persons",
            "dead",
            "missing",
            "survivors",
            "source_id",
            "source_quality",
            "position_accuracy",
            "location",
            "notes",
            "cause",
            "route",
            "url",
        ]
    ),
    help="Set a field back to unknown (repeatable).",
)
@_field_options
@pass_settings
def edit(
    settings: Settings,
    incident_id: str,
    version: int,
    clear: tuple[str, ...],
    user: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Correct an incident. --version must be the version you looked at (see `show`)."""
    changes = _fields(**options)
    changes.update({name: None for name in clear})
    if not changes:
        raise DataError("nothing to change: give at least one option")
    with _store(settings) as store:
        rec = store.update(_resolve(store, incident_id), changes, version=version, user=_user(user))
    if as_json:
        _echo_json(rec)
    else:
        click.echo(f"incident {rec['id']} is now version {rec['version']}")
    _warn_flags(rec)


@incidents.command("retract")
@click.argument("incident_id")
@click.option("--version", "version", type=int, help="Version you decided on (optional).")
@click.option("--reason", help="Why; appended to the notes.")
@click.option("--user", help="Your name for the history (default $SEAWATCH_USER).")
@pass_settings
def retract(
    settings: Settings, incident_id: str, version: int | None, reason: str | None, user: str | None
) -> None:
    """Withdraw an incident (it stays in the store with its history)."""
    with _store(settings) as store:
        rec = store.retract(
            _resolve(store, incident_id), user=_user(user), version=version, reason=reason
        )
    click.echo(f"incident {rec['id']} is retracted (version {rec['version']})")


@incidents.command("show")
@click.argument("incident_id")
@click.option("--json", "as_json", is_flag=True, help="Print record and history as JSON.")
@pass_settings
def show(settings: Settings, incident_id: str, as_json: bool) -> None:
    """Show an incident and its full history."""
    with _store(settings, existing=True) as store:
        full_id = _resolve(store, incident_id)
        rec = store.get(full_id)
        history = store.history(full_id)
    if as_json:
        _echo_json({"incident": rec, "history": history})
        return
    _print_record(rec)
    click.echo("history:")
    for row in history:
        click.echo(f"  v{row['version']} {_time(row['at'])} {row['user']} {row['action']}")
        for name, (old, new) in row["changes"].items():
            if row["action"] in ("create", "import") and old is None:
                click.echo(f"      {name}: {new}")
            else:
                click.echo(f"      {name}: {old} -> {new}")


@incidents.command("list")
@click.option("--since", help="24h, 7d, 2w or a date (UTC).")
@click.option("--until", help="Date or time (UTC), exclusive.")
@click.option(
    "--status",
    "statuses",
    callback=lambda _ctx, _param, value: _status_list(value),
    help="Comma-separated statuses to show, e.g. distress,capsized: "
    "distress, intercepted, rescued, capsized, sunk, missing, closed, retracted.",
)
@click.option("--include-retracted", is_flag=True, help="Also show retracted incidents.")
@click.option("--limit", type=click.IntRange(min=1), help="At most N incidents.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
@pass_settings
def list_(
    settings: Settings,
    since: str | None,
    until: str | None,
    statuses: tuple[str, ...] | None,
    include_retracted: bool,
    limit: int | None,
    as_json: bool,
) -> None:
    """List incidents, newest first."""
    from seawatch.incidents.validate import parse_since

    wanted = list(statuses) if statuses else None
    with _store(settings, existing=True) as store:
        records = store.list(
            since=parse_since(since),
            until=parse_since(until, "until"),
            statuses=wanted,
            include_retracted=include_retracted,
            limit=limit,
        )
    if as_json:
        _echo_json(records)
        return
    if not records:
        click.echo("no incidents", err=True)
        return
    click.echo(
        f"{'id':<16}  {'time (UTC)':<16}  {'position':<25}  {'status':<11}  "
        f"{'dead':>4} {'miss':>4} {'surv':>4}  source"
    )
    for rec in records:
        click.echo(
            f"{rec['id']:<16}  {rec['time']:%Y-%m-%d %H:%M}  {_position_line(rec):<25}  "
            f"{rec['status']:<11}  {_count(rec['dead']):>4} {_count(rec['missing']):>4} "
            f"{_count(rec['survivors']):>4}  {rec['source']}"
        )
    click.echo(f"{len(records)} incident(s)", err=True)


@incidents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--source", default="iom_mmp", show_default=True, type=click.Choice(["iom_mmp"]),
    help="Format of the file.",
)  # fmt: skip
@click.option("--all", "keep_all", is_flag=True, help="Keep rows outside the area of interest.")
@click.option("--user", help="Your name for the history (default $SEAWATCH_USER).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_settings
def import_(
    settings: Settings, file: str, source: str, keep_all: bool, user: str | None, as_json: bool
) -> None:
    """Import a file (IOM Missing Migrants CSV or XLSX, any layout); safe to repeat.

    \b
    Example:
      seawatch incidents import Missing_Migrants_Global_Figures_allData.xlsx
    Reads the allData, per-year and older IOM layouts; CSV in UTF-8, UTF-16 (Excel "Unicode
    Text"), Windows-1252 or Windows-1256 (Arabic), with commas, semicolons or tabs. Rows
    outside [area] are left out unless --all; rejected rows and why go to
    DATA/imports/*-rejected.csv. Incidents already stored are updated, never duplicated.
    """
    from pathlib import Path

    from seawatch.incidents.imports import import_file

    with _store(settings) as store:
        report = import_file(
            store,
            file,
            user=_user(user),
            source=source,
            bbox=None if keep_all else settings.area.bbox,
            rejected_dir=Path(settings.data_dir) / "imports",
        )
    _print_report(report, as_json)


def _print_report(report: Any, as_json: bool) -> None:
    if as_json:
        _echo_json(report.to_dict())
        return
    click.echo(report.summary())
    for change in report.decreased:
        click.echo(
            f"lower than stored: {change['source_id']} {change['field']} {change['before']} -> "
            f"{change['after']} (incident {change['id']}; the old value is in its history)",
            err=True,
        )
    for change in report.kept:
        click.echo(
            f"blank in the file, stored value kept: {change['source_id']} {change['field']} "
            f"{change['before']} (incident {change['id']})",
            err=True,
        )
    if report.rejected_file:
        click.echo(f"rejected rows and reasons: {report.rejected_file}", err=True)


@incidents.command("export")
@click.option(
    "--format", "fmt", required=True, type=click.Choice(["geojson", "csv", "kml", "gpx"]),
    help="File format.",
)  # fmt: skip
@click.option("--since", help="24h, 7d, 2w or a date (UTC).")
@click.option("--until", help="Date or time (UTC), exclusive.")
@click.option("--include-retracted", is_flag=True, help="Also export retracted incidents.")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="File (default: stdout).")
@pass_settings
def export(
    settings: Settings,
    fmt: str,
    since: str | None,
    until: str | None,
    include_retracted: bool,
    out: str | None,
) -> None:
    """Export incidents for GIS tools (GeoJSON, CSV, KML) and chart plotters (GPX)."""
    from seawatch.incidents.formats import export as render
    from seawatch.incidents.validate import parse_since

    with _store(settings, existing=True) as store:
        records = store.list(
            since=parse_since(since),
            until=parse_since(until, "until"),
            include_retracted=include_retracted,
        )
    text = render(records, fmt, out)
    if out:
        click.echo(f"{len(records)} incident(s) written to {out}", err=True)
    else:
        sys.stdout.write(text)


# ---------------------------------------------------------------------------------- fetch


@fetch.command("incidents")
@click.option("--all", "keep_all", is_flag=True, help="Keep rows outside the area of interest.")
@click.option("--user", help="Name for the history (default $SEAWATCH_USER).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_settings
def fetch_incidents(settings: Settings, keep_all: bool, user: str | None, as_json: bool) -> None:
    """Download the IOM Missing Migrants export ([sources.iom_mmp] url) and import it."""
    from seawatch.incidents.imports import fetch_and_import_mmp

    report = fetch_and_import_mmp(settings, user=_user(user), keep_all=keep_all)
    _print_report(report, as_json)
