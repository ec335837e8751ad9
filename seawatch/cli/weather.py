"""Weather commands: ``seawatch fetch weather``, ``seawatch fetch hindcast``, ``seawatch ingest``,
``seawatch status``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from seawatch.cli.root import DAY, fetch, is_quiet, main, pass_settings
from seawatch.config import WEATHER_SOURCES, Settings
from seawatch.storage import atomic_copy


@fetch.command("weather")
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(WEATHER_SOURCES),
    help="Fetch only this source (repeatable); default: the [weather] chain.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also copy the merged forecast to FILE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the per-source outcome as JSON.")
@pass_settings
def fetch_weather_command(
    settings: Settings, sources: tuple[str, ...], out: Path | None, as_json: bool
) -> None:
    """Fetch marine forecasts from the source chain and write the merged forecast.

    Writes DATA/forecast/<source>.nc per source and DATA/forecast.nc merged (each variable from
    the first source in the chain that delivered it); prints the path. A source that fails is
    reported and the chain goes on; the command fails only when no source delivered.
    """
    from seawatch.fetchers.merge import NoWeatherError, fetch_weather

    try:
        result = fetch_weather(settings, list(sources) or None, progress=not is_quiet())
    except NoWeatherError as exc:
        if as_json:
            click.echo(json.dumps(exc.result.to_dict(), indent=2))
        raise
    if out is not None:
        atomic_copy(result.path, out)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    for outcome in result.sources:
        if not outcome.ok:
            click.echo(f"seawatch: warning: {outcome.reason}", err=True)
    click.echo(str(result.path))
    if out is not None:
        click.echo(str(out))


@fetch.command("hindcast")
@click.option("--start", required=True, type=DAY, help="First day (UTC), e.g. 2023-01-01.")
@click.option("--end", required=True, type=DAY, help="Last day (UTC), included, e.g. 2023-12-31.")
@click.option("--json", "as_json", is_flag=True, help="Print the months written as JSON.")
@pass_settings
def fetch_hindcast_command(settings: Settings, start: Any, end: Any, as_json: bool) -> None:
    """Fetch ERA5 wind and waves from Open-Meteo for `seawatch validate`, a month per file.

    Whole calendar months into DATA/hindcast/open_meteo_YYYY-MM.nc; months already there are
    kept, so an interrupted fetch resumes. URLs: [sources.open_meteo_hindcast].
    """
    from seawatch.fetchers.hindcast import fetch_hindcast

    result = fetch_hindcast(settings, start.date(), end.date())
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    for path in result.cached + result.written:
        click.echo(str(path))
    click.echo(
        f"{len(result.written)} months fetched ({result.requests} requests, call weight "
        f"{result.weight:.0f}), {len(result.cached)} already there",
        err=True,
    )


@main.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write all ingested variables, on the area's grid at each file's own time steps, to FILE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was read and stored as JSON.")
@pass_settings
def ingest_command(
    settings: Settings, files: tuple[Path, ...], out: Path | None, as_json: bool
) -> None:
    """Normalize forecast files received by other means (e-mail, USB, a colleague).

    \b
    Detects: Copernicus Marine MEDSEA NetCDF (waves, physics); ECMWF/ERA5 10 m wind as GRIB1,
    GRIB2 or NetCDF (u10/v10, 10u/10v, U10M/V10M); ECMWF wave GRIB; NOAA WW3/GFS-Wave GRIB2.
    Clips to the area of interest, keeps the native grid and time steps, merges by time with
    what is already stored (DATA/forecast/ingest_<kind>.nc) and prints the stored paths.

    \b
    Example:
      seawatch ingest cmems_med_waves.nc ecmwf_wind.grib2 --out received.nc
      seawatch build --forecast received.nc
    A file that cannot be read stops the command before anything is stored.
    """
    from seawatch.fetchers.ingest import ingest_files

    result = ingest_files(settings, list(files), out=out)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    for path in result.stored.values():
        click.echo(str(path))
    if result.out:
        click.echo(str(result.out))


@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON.")
@pass_settings
def status_command(settings: Settings, as_json: bool) -> None:
    """Sources (last success, model run, age, last error) and the daemon's jobs (next runs,
    last outcomes, failure streaks, forecast age, last e-mail). Times are UTC."""
    from seawatch.fetchers.status import format_status, read_status
    from seawatch.schedule import schedule_status

    state = read_status(settings)
    if as_json:
        click.echo(json.dumps(state, indent=2, sort_keys=True))
        return
    for line in format_status(state):
        click.echo(line)
    click.echo("")
    for line in schedule_status(settings):
        click.echo(line)
