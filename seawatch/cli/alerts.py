"""``seawatch alerts``: publish CAP 1.2 alerts from the latest risk file; ``alerts cancel ID``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from seawatch.cli.root import main, pass_settings, risk_option
from seawatch.config import Settings


@main.group(invoke_without_command=True)
@risk_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the alerts in DIR/cap/ [default: the data directory].",
)
@click.option("--json", "as_json", is_flag=True, help="List the published messages as JSON.")
@click.pass_context
@pass_settings
def alerts(
    settings: Settings,
    ctx: click.Context,
    risk_path: Path | None,
    out_dir: Path | None,
    as_json: bool,
) -> None:
    """Publish CAP 1.2 alerts (Arabic and English) where the capsize hazard reaches High.

    Compares with the alerts in force: new hazard -> Alert, changed -> Update, gone -> Update
    with AllClear. Writes DIR/cap/<identifier>.xml and DIR/cap/feed.xml; every message is
    checked against the OASIS CAP 1.2 schema before it is written.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {**(ctx.obj or {}), "alerts_out": out_dir}
        return
    from seawatch.alerts import issue_alerts
    from seawatch.storage import DataPaths

    issued = issue_alerts(
        settings, DataPaths(settings.data_dir), risk_path=risk_path, out_dir=out_dir
    )
    _report(issued, as_json, out_dir or settings.data_dir)


def _report(issued: list, as_json: bool, where: Path) -> None:
    if as_json:
        click.echo(json.dumps([i.to_dict() for i in issued], indent=2, ensure_ascii=False))
        return
    for i in issued:
        click.echo(
            f"{i.msg_type:<6} {i.response:<8} {i.severity:<8} {i.area} / {i.vessel}: {i.path}"
        )
    click.echo(f"{len(issued)} message(s) published; feed: {Path(where) / 'cap' / 'feed.xml'}")


@alerts.command("cancel")
@click.argument("identifier")
@click.option("--json", "as_json", is_flag=True, help="Print the Cancel as JSON.")
@click.pass_context
@pass_settings
def alerts_cancel(settings: Settings, ctx: click.Context, identifier: str, as_json: bool) -> None:
    """Withdraw alert IDENTIFIER (issued by mistake) with a CAP Cancel."""
    from seawatch.alerts import cancel_alert
    from seawatch.storage import DataPaths

    out_dir = (ctx.obj or {}).get("alerts_out")
    issued = cancel_alert(settings, DataPaths(settings.data_dir), identifier, out_dir=out_dir)
    _report([issued], as_json, out_dir or settings.data_dir)
