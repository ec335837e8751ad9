"""Commands that run pipeline stages: ``demo``, ``build``, ``map``."""

from __future__ import annotations

from pathlib import Path

import click

from seawatch.cli.root import main, pass_settings, risk_option
from seawatch.config import Settings


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("seawatch-demo"),
    show_default=True,
    help="Directory for the demo's outputs (its own data directory; --data-dir is refused).",
)
@pass_settings
def demo(settings: Settings, out_dir: Path) -> None:
    """Run the whole pipeline offline on a synthetic sea state and real IOM incidents.

    Writes DIR/risk.nc, DIR/map.html and DIR/map.png. The sea state is a made-up north-westerly
    gale, NOT a forecast; the incidents are real IOM Missing Migrants Project records.
    """
    from seawatch.pipeline import run_demo

    ctx = click.get_current_context()
    if ctx.params.get("data_dir") or (ctx.find_root().obj or {}).get("data_dir"):
        # --data-dir was ignored without a word; and using it would put the synthetic gale
        # over a real data directory's risk.nc and maps.
        raise click.UsageError(
            "demo writes into --out DIR (default seawatch-demo), never into a data directory, "
            "so that a real forecast is not replaced by its synthetic gale; use --out DIR",
            ctx,
        )
    result = run_demo(settings, out_dir)
    total = sum(result.timings.values())
    click.echo(f"risk:  {result.risk}")
    click.echo(f"map:   {result.html}")
    click.echo(f"png:   {result.png}")
    click.echo(f"done in {total:.1f} s — open {result.html.resolve()} in a browser")


@main.command()
@click.option(
    "--forecast",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Canonical forecast NetCDF [default: <data>/forecast.nc].",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Risk NetCDF to write [default: <data>/risk.nc].",
)
@click.option(
    "--geotiff",
    "geotiff_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write one GeoTIFF per time step and vessel class here.",
)
@pass_settings
def build(
    settings: Settings, forecast: Path | None, out: Path | None, geotiff_dir: Path | None
) -> None:
    """Build the capsize-risk dataset from a forecast and the incident store."""
    from seawatch.pipeline import build as build_risk_file

    click.echo(build_risk_file(settings, forecast=forecast, out=out, geotiff_dir=geotiff_dir))


@main.command("map")
@risk_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory [default: the data directory].",
)
@click.option(
    "--lang", type=click.Choice(["en", "ar"]), help="Language of the maps [default: config `lang`]."
)
@click.option(
    "--print",
    "paper",
    type=click.Choice(["a4", "a3"], case_sensitive=False),
    help="Also print map.html to a landscape PDF for this paper (map-a4.pdf); needs chromium.",
)
@click.option(
    "--panels",
    is_flag=True,
    help="Static map as four daily panels (+0-24 h .. +72-96 h) instead of one 24 h map.",
)
@click.option(
    "--phone",
    is_flag=True,
    help="Static map at the e-mail's width (640 px), its text readable on a phone.",
)
@pass_settings
def map_command(
    settings: Settings,
    risk_path: Path | None,
    out_dir: Path | None,
    lang: str | None,
    paper: str | None,
    panels: bool,
    phone: bool,
) -> None:
    """Render the interactive map (map.html) and the static map (map.png, map.pdf).

    The static map carries a timeline strip of the departure areas (hazard hour by hour,
    departure windows and traps) when the build wrote departures.nc beside the risk file.
    """
    from seawatch.pipeline import render

    if paper:  # no chromium: say so before spending time on the maps
        from seawatch.maps.printing import find_chromium

        find_chromium()
    paths = render(
        settings, risk_path=risk_path, out_dir=out_dir, lang=lang, panels=panels, phone=phone
    )
    for path in paths.values():
        click.echo(path)
    if paper:
        from seawatch.maps.printing import print_map

        paper = paper.lower()
        click.echo(print_map(paths["html"], paths["html"].with_name(f"map-{paper}.pdf"), paper))
