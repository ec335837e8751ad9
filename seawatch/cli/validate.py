"""``seawatch validate``: score the capsize index against past incidents on a hindcast.

Heavy libraries (numpy, xarray, pandas, statsmodels) are imported inside the command so that
``seawatch --help`` stays fast.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from seawatch.cli.root import main, pass_settings
from seawatch.config import Settings
from seawatch.errors import SeawatchError


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


class OptionValueError(SeawatchError):
    """A bad --window-days or --max-distance-nm: one line, exit status 2 (a usage error)."""

    exit_code = 2


def _settings(window_days: str, max_distance_nm: str) -> tuple[int, float]:
    """The window and distance as numbers, or one line saying what to give instead."""
    from seawatch.validate.settings import distance_problem, window_problem

    try:
        window: object = int(window_days)
    except ValueError:
        window = window_days
    problem = window_problem(window)
    if problem:
        raise OptionValueError(f"--window-days {window_days}: {problem}")
    problem = distance_problem(max_distance_nm)
    if problem:
        raise OptionValueError(f"--max-distance-nm {max_distance_nm}: {problem}")
    return int(window_days), float(max_distance_nm)


@main.command("validate")
@click.option(
    "--hindcast",
    "hindcast_files",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Hindcast file (repeatable): anything `seawatch ingest` reads, or a canonical NetCDF.",
)
@click.option(
    "--incidents",
    "incidents_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Incident file `seawatch incidents import` reads (IOM MMP CSV/XLSX); "
    "default: the incident store.",
)
@click.option(
    "--design",
    type=click.Choice(["case-crossover", "within-exposed"]),
    default="case-crossover",
    show_default=True,
    help="Matched design (docs/validation.md).",
)
@click.option(
    "--exposure",
    "exposure_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of boats at sea per day (date,count): adds an exposure-adjusted odds ratio.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("validation"),
    show_default=True,
    help="Directory for report.html, report.json and the figures.",
)
@click.option(
    "--window-days",
    "window_days",
    default="2",
    metavar="DAYS",
    show_default=True,
    help="Days over which conditions are taken: the daily maximum of the index, Hs and wind "
    "over this many UTC days ending on the incident day (2 = the day before and the day; "
    "incident dates are often report dates). 1 to 7.",
)
@click.option(
    "--max-distance-nm",
    "max_distance_nm",
    default="30",
    metavar="NM",
    show_default=True,
    help="Conditions are read at the nearest sea cell of the hindcast; incidents farther than "
    "this many nautical miles from every sea cell are dropped (30 NM = 0.5 degrees, the ERA5 "
    "wave grid spacing).",
)
@click.option(
    "--sensitivity/--no-sensitivity",
    default=True,
    show_default=True,
    help="Also score the result with a shorter and longer window, half and double the "
    "distance, and unknown boats as wooden boats (AUCs only; about a third more time).",
)
@click.option("--bootstrap", "n_boot", default=1000, show_default=True, help="Bootstrap draws.")
@click.option("--seed", default=1, show_default=True, help="Bootstrap seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_settings
def validate_command(
    settings: Settings,
    hindcast_files: tuple[Path, ...],
    incidents_file: Path | None,
    design: str,
    exposure_file: Path | None,
    out_dir: Path,
    window_days: str,
    max_distance_nm: str,
    sensitivity: bool,
    n_boot: int,
    seed: int,
    as_json: bool,
) -> None:
    """Does the index separate deadly conditions from safe ones better than wave height?

    Reads the conditions at each incident's position and day from the hindcast, computes the
    index with the forecast code, compares case days with matched days (same year-month-weekday
    for the case-crossover; non-fatal boats for the within-exposed design), and writes a report
    with matched AUCs, odds ratios, a future-weather placebo and a plain-language verdict.
    """
    window, distance = _settings(window_days, max_distance_nm)
    from seawatch.layers.capsize import effective_table
    from seawatch.validate.conditions import read_hindcast
    from seawatch.validate.report import write_report
    from seawatch.validate.run import exposure_series, json_keys, read_incidents, validate

    hindcast = read_hindcast(hindcast_files)
    if incidents_file is not None:
        incidents = read_incidents(incidents_file)
    else:
        from seawatch.incidents.frame import incidents_frame
        from seawatch.incidents.store import IncidentStore

        incidents = incidents_frame(IncidentStore.from_settings(settings))
    exposure = exposure_series(exposure_file) if exposure_file else None
    report, rows = validate(
        hindcast,
        incidents,
        design=design,
        exposure=exposure,
        table=effective_table(settings.risk.overrides),
        max_distance_nm=distance,
        window_days=window,
        n_boot=n_boot,
        seed=seed,
        sensitivity=sensitivity,
    )
    page = write_report(report, rows, out_dir)
    if as_json:
        click.echo(json.dumps(_clean(json_keys(report)), indent=2))
        return
    click.echo(
        f"{report['covered']} incidents covered ({report['n_cases']} case-days, "
        f"{report['n_referents']} matched days); dropped: "
        + (", ".join(f"{k} {v}" for k, v in report["dropped"].items()) or "none")
    )
    click.echo(
        f"conditions: {report['settings']['window']}, sea cell within "
        f"{report['settings']['max_distance_nm']:g} NM"
    )
    click.echo(report["verdict"])
    click.echo(f"report: {page}")
