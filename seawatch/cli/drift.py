"""``seawatch drift``: where a boat in distress is now, and where to search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from seawatch.cli.root import main, pass_settings
from seawatch.config import Settings

OBJECT_HELP = (
    "rubber_dinghy (Leeway 27), wooden_boat (50), small_boat (47), person_in_water (1), or any "
    "Leeway category number 1-85  [default: rubber_dinghy, or the incident's boat type]"
)


@main.command("drift")
@click.option("--position", help="Last known position, any form `seawatch position` reads.")
@click.option(
    "--time", "time_text", metavar="ISO8601", help="Time at that position (UTC if no offset)."
)
@click.option(
    "--hours", type=click.IntRange(1, 240), default=24, show_default=True, help="Drift duration."
)
@click.option("--object", "object_", metavar="NAME|N", help=OBJECT_HELP)
@click.option(
    "--radius-nm",
    type=click.FloatRange(0, 100),
    default=1.0,
    show_default=True,
    help="Uncertainty of the position: elements fill a disc of this radius.",
)
@click.option(
    "--elements",
    type=click.IntRange(2, 100_000),
    default=5000,
    show_default=True,
    help="Number of simulated drifting objects.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same result)."
)
@click.option(
    "--forecast",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Canonical forecast NetCDF [default: <data>/forecast.nc].",
)
@click.option(
    "--incident",
    "incident_id",
    metavar="ID",
    help="Take position, time and boat type from this incident (options given win).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the outputs here [default: <data>/drift/<start>-<object>/].",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON (the drift.json contract)."
)
@pass_settings
def drift(
    settings: Settings,
    position: str | None,
    time_text: str | None,
    hours: int,
    object_: str | None,
    radius_nm: float,
    elements: int,
    seed: int,
    forecast: Path | None,
    incident_id: str | None,
    out_dir: Path | None,
    as_json: bool,
) -> None:
    """Drift a boat or a person from its last known position; give the datum and search areas.

    Runs OpenDrift's Leeway model (optional extra: pip install 'seawatch[drift]') on the
    canonical forecast: 10 m wind and surface current, the bundled coastline as land (elements
    touching it strand). Every output hour gives the datum (most probable position) and the
    50 % and 90 % search areas; the capsize hazard along the drift comes from risk.nc.

    \b
    Examples:
      seawatch drift --position "33°52'N 012°31'E" --time 2026-12-07T03:10Z --hours 12
      seawatch drift --position "-5.3, 35.9" --time 2026-12-07T03:10Z --object 27
      seawatch drift --incident 3f2a --hours 24 --json

    \b
    Writes into DIR: drift.json (what --json prints), drift.nc (CF trajectories),
    drift.geojson, drift.kml (Google Earth), drift.gpx (OpenCPN, plotters),
    sitrep.en.txt, sitrep.ar.txt.

    Leeway has no category measured on overloaded rubber dinghies or migrant boats: the boat
    classes are proxies (see the SITREP). Refusals exit 2 with one line and write nothing: a
    forecast that does not cover the period or area, a start on land, opendrift not installed.
    """
    from seawatch.drift import DriftRequest, run_drift
    from seawatch.drift.objects import DEFAULT_OBJECT
    from seawatch.jsonutil import dumps
    from seawatch.timeutil import as_utc

    record: dict[str, Any] = {}
    if incident_id:
        record = _incident(settings, incident_id)
    if position:
        from seawatch.geo.positions import parse_position

        pos = parse_position(position)
        lat, lon = pos.lat, pos.lon
    elif record:
        lat, lon = float(record["lat"]), float(record["lon"])
    else:
        raise click.UsageError("give --position (and --time), or --incident ID")
    if time_text:
        try:
            start = as_utc(time_text)
        except ValueError:
            raise click.BadParameter(
                f"{time_text!r} is not an ISO 8601 time (e.g. 2026-12-07T03:10Z)",
                param_hint="--time",
            ) from None
    elif record:
        start = as_utc(record["time"])
    else:
        raise click.UsageError("give --time ISO8601 with --position")
    obj = object_ or record.get("object") or DEFAULT_OBJECT
    request = DriftRequest(
        lat=lat,
        lon=lon,
        time=start,
        hours=hours,
        object=obj,
        radius_nm=radius_nm,
        elements=elements,
        seed=seed,
        forecast=forecast,
        incident_id=record.get("id"),
    )
    if out_dir is None:
        out_dir = settings.data_dir / "drift" / f"{start:%Y%m%dT%H%MZ}-{obj}"
    result = run_drift(request, settings, out_dir)
    if as_json:
        click.echo(dumps(result, indent=1))
        return
    click.echo((out_dir / "sitrep.en.txt").read_text(encoding="utf-8"), nl=False)
    click.echo(f"\nfiles: {out_dir}/ (drift.json, .nc, .geojson, .kml, .gpx, sitrep.en/ar.txt)")


def _incident(settings: Settings, incident_id: str) -> dict[str, Any]:
    from seawatch.drift.objects import object_for_boat_type
    from seawatch.errors import NotFoundError
    from seawatch.incidents.store import IncidentStore

    with IncidentStore.from_settings(settings) as store:
        try:
            rec = store.get(incident_id)
        except NotFoundError:
            rec = store.get(store.resolve_id(incident_id))
    return {**rec, "object": object_for_boat_type(rec.get("boat_type"))}
