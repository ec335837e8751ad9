"""Commands that run seawatch for real: ``schedule`` (the daemon), ``run`` (once), ``email``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from seawatch.cli.root import main, pass_settings
from seawatch.config import Settings
from seawatch.errors import SeawatchError
from seawatch.pipeline import STAGES
from seawatch.timeutil import now_utc


class StagesFailedError(SeawatchError):
    """One or more stages of ``seawatch run`` failed."""


@main.command()
@click.option(
    "--check",
    is_flag=True,
    help="Print the timetable (next run of each job) and exit without starting.",
)
@pass_settings
def schedule(settings: Settings, check: bool) -> None:
    """Run the daemon: weather and incident fetches, build and maps, the morning e-mail.

    \b
    weather     at [schedule] weather_times UTC, then build and maps
    incidents   every [schedule] incidents_every_minutes, then build and maps
    email       daily at [schedule] email_time in [schedule] timezone

    Jobs and their next run times persist in <data>/state/jobs.sqlite, so a restart neither
    loses nor repeats a run. One daemon per data directory. Stops on SIGTERM or Ctrl-C after
    the running job ends. Logs go to stderr (journald under systemd).
    """
    from seawatch.schedule import daemon_pid, next_runs, run_daemon

    if check:
        now = now_utc()
        for job, times in next_runs(settings, now, count=3).items():
            shown = ", ".join(f"{t.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" for t in times)
            click.echo(f"{job:<10} {shown}")
        pid = daemon_pid(settings)
        click.echo(f"daemon: running (pid {pid})" if pid else "daemon: not running")
        return
    run_daemon(settings)


@main.command()
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(STAGES),
    help="Run only these stages (repeatable); default all, in order.",
)
@pass_settings
def run(settings: Settings, only: tuple[str, ...]) -> None:
    """Fetch weather and incidents, build the risk and render the maps, once.

    Prints one line per stage (stage, ok/FAILED, seconds, outputs or reason) and exits non-zero
    if any stage failed. The same chain as the daemon; for cron, or to check a config.
    """
    from seawatch.pipeline import run_once
    from seawatch.schedule import pipeline_lock, recorded

    stages = tuple(s for s in STAGES if s in only) if only else STAGES
    with recorded(settings, "run") as outcome, pipeline_lock(settings):
        results = run_once(settings, stages=stages)
        failed = [r for r in results if not r.ok]
        outcome["ok"] = not failed
        outcome["error"] = "; ".join(f"{r.stage}: {r.message}" for r in failed)
        outcome["detail"] = "\n".join(r.line() for r in results)
    for r in results:
        click.echo(r.line())
    if failed:
        names = ", ".join(r.stage for r in failed)
        raise StagesFailedError(f"{len(failed)} of {len(results)} stages failed: {names}")


@main.command()
@click.option("--to", "to", metavar="ADDR", help="Send only to this address.")
@click.option(
    "--lang",
    type=click.Choice(["en", "ar"]),
    help="Language [default: the recipient's configured one, else config `lang`].",
)
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.eml",
    help="Write the message to FILE.eml instead of sending it.",
)
@click.option("--force", is_flag=True, help="Send even to recipients who already got today's.")
@pass_settings
def email(
    settings: Settings, to: str | None, lang: str | None, dry_run: Path | None, force: bool
) -> None:
    """Send the morning e-mail now (each recipient at most once per day, unless --force).

    SMTP settings come from [mail]; the password from SEAWATCH_SMTP_PASSWORD. With --dry-run,
    nothing is sent: open FILE.eml in a mail program to see what the group would get.
    """
    from seawatch.mail import send_daily, write_dry_run
    from seawatch.mail.smtp import MailError

    if dry_run is not None:
        path, size = write_dry_run(settings, dry_run, to=to, lang=lang)
        click.echo(f"{path} ({size / 1e6:.2f} MB, limit {settings.mail.max_bytes / 1e6:.2f} MB)")
        return
    result = send_daily(settings, to=to, lang=lang, force=force)
    for line in result.lines():
        click.echo(line)
    failed = [d for d in result.deliveries if not d.ok]
    if failed:
        raise MailError(f"not sent to {len(failed)} of {len(result.deliveries)} recipient(s)")
