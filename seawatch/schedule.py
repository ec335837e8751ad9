"""The daemon: weather, incidents and the morning e-mail on a timetable, unattended for months.

Jobs (ids are stable; the timetable comes from ``[schedule]``):

``weather``
    At ``weather_times`` UTC (default 01:30, 07:30, 13:30, 19:30: about 90 minutes after the
    00/06/12/18 UTC model runs, when ECMWF open data and Open-Meteo have published them). After a
    successful fetch, build and maps run in the same job, never on a timer of their own.
``incidents``
    Every ``incidents_every_minutes`` (default 60); build and maps follow a successful fetch.
``email``
    Daily at ``email_time`` in ``timezone`` (default 06:00 Africa/Tripoli).

Jobs live in ``<data>/state/jobs.sqlite`` (APScheduler's SQLAlchemyJobStore) with their next run
time, so a restart neither loses a run nor repeats one: a run missed while the daemon was down
runs once on start (``coalesce``) if it is less than ``misfire_grace_seconds`` late (the e-mail
job allows 12 h, a late message being better than none; the sent-log stops a second one). Every
run is recorded in ``<data>/state/runs.sqlite`` (start, end, outcome, error); a job failing three
times in a row is logged as an error and listed in the next e-mail.

One daemon per data directory: ``<data>/state/daemon.lock`` is held with ``fcntl.flock`` for the
daemon's life (the kernel releases it when the process dies, even by SIGKILL). Pipeline stages
of the daemon and of ``seawatch run`` take ``<data>/state/pipeline.lock`` in turn, so two builds
never run at once. SIGTERM and SIGINT stop the daemon after the running job ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from seawatch.config import Settings, load_settings
from seawatch.db import make_engine
from seawatch.errors import SeawatchError
from seawatch.runlog import (
    FAILURE_STREAK,
    RUNS,
    RunLog,
    failing_jobs,
    parse_stamp,
    pid_alive,
    runs_path,
)
from seawatch.schema import is_stale
from seawatch.storage import DataPaths, unreadable_file_message
from seawatch.timeutil import now_utc

__all__ = ["FAILURE_STREAK", "RUNS", "RunLog", "failing_jobs"]  # run records live in runlog

log = logging.getLogger(__name__)

JOBS: tuple[str, ...] = ("weather", "incidents", "email")
EMAIL_GRACE_SECONDS = 12 * 3600


class DaemonRunningError(SeawatchError):
    """Another daemon holds the data directory's lock."""


# -- where the state lives -----------------------------------------------------------------------


def state_dir(settings: Settings) -> Path:
    """``<data>/state`` (created)."""
    path = DataPaths(settings.data_dir).state_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


def jobstore_path(settings: Settings) -> Path:
    """The job store: ``<data>/state/jobs.sqlite``."""
    return state_dir(settings) / "jobs.sqlite"


# -- locks ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def daemon_lock(settings: Settings) -> Iterator[Path]:
    """Hold ``<data>/state/daemon.lock`` or raise :class:`DaemonRunningError` at once."""
    path = state_dir(settings) / "daemon.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise DaemonRunningError(
                f"another seawatch daemon (pid {other}) is already running on {settings.data_dir}; "
                "stop it first (systemctl stop seawatch) or use another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def daemon_pid(settings: Settings) -> int | None:
    """PID of the running daemon of this data directory, or ``None`` when none runs."""
    path = DataPaths(settings.data_dir).state_dir / "daemon.lock"
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            return int(text) if text.isdigit() else -1
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def pipeline_lock(settings: Settings) -> Iterator[None]:
    """Wait for, then hold, ``<data>/state/pipeline.lock`` (one build at a time)."""
    path = state_dir(settings) / "pipeline.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another seawatch run on %s to finish", settings.data_dir)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def recorded(settings: Settings, job: str) -> Iterator[dict[str, Any]]:
    """Record one run of ``job``; the block sets ``ok``/``error``/``detail`` in the yielded dict.

    An exception from the block is recorded as a failure and re-raised.
    """
    runs = RunLog.for_settings(settings)
    run_id = runs.start(job)
    outcome: dict[str, Any] = {"ok": True, "error": "", "detail": ""}
    try:
        yield outcome
    except BaseException as exc:
        outcome.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        runs.finish(run_id, outcome["ok"], outcome["error"], outcome["detail"])
        if not outcome["ok"]:
            streak = runs.streak(job)
            if streak and streak["count"] >= FAILURE_STREAK:
                log.error(
                    "job %s failed %d times in a row since %s UTC; last error: %s",
                    job,
                    streak["count"],
                    streak["since"],
                    streak["error"],
                )


# -- the jobs ---------------------------------------------------------------------------------


def _settings(config_file: str | None, data_dir: str) -> Settings:
    # Read afresh each run, so config edits apply without a restart (the timetable needs one).
    return load_settings(config_file=config_file, data_dir=data_dir)


def run_stages(settings: Settings, fetch: str, outcome: dict[str, Any] | None = None) -> list[Any]:
    """Run the fetch stage ``fetch``, then the build stages if the fetch succeeded."""
    from seawatch.pipeline import BUILD_STAGES, run_once

    with pipeline_lock(settings):
        results = run_once(settings, stages=(fetch,))
        if all(r.ok for r in results):
            results += run_once(settings, stages=BUILD_STAGES)
    if outcome is not None:
        failed = [r for r in results if not r.ok]
        outcome["ok"] = not failed
        outcome["error"] = "; ".join(f"{r.stage}: {r.message}" for r in failed)
        outcome["detail"] = "\n".join(r.line() for r in results)
    for r in results:
        (log.info if r.ok else log.error)("%s", r.line())
    return results


def weather_job(config_file: str | None, data_dir: str) -> None:
    """Scheduled: fetch the weather chain, then build and render."""
    settings = _settings(config_file, data_dir)
    with recorded(settings, "weather") as outcome:
        run_stages(settings, "weather", outcome)


def incidents_job(config_file: str | None, data_dir: str) -> None:
    """Scheduled: fetch incidents, then build and render."""
    settings = _settings(config_file, data_dir)
    with recorded(settings, "incidents") as outcome:
        run_stages(settings, "incidents", outcome)


def email_job(config_file: str | None, data_dir: str) -> None:
    """Scheduled: send the morning e-mail to everyone who has not had today's."""
    from seawatch.mail import send_daily

    settings = _settings(config_file, data_dir)
    with recorded(settings, "email") as outcome:
        result = send_daily(settings)
        outcome["detail"] = "\n".join(result.lines())
        failed = [d for d in result.deliveries if not d.ok]
        outcome["ok"] = not failed
        outcome["error"] = "; ".join(d.line() for d in failed)
        for d in result.deliveries:
            (log.info if d.ok else log.warning)("mail: %s", d.line())
        if result.skipped:
            log.info(
                "mail: %d recipient(s) already had the message of %s",
                len(result.skipped),
                result.day,
            )


JOB_FUNCS: dict[str, Callable[[str | None, str], None]] = {
    "weather": weather_job,
    "incidents": incidents_job,
    "email": email_job,
}


def dispatch(job: str, config_file: str | None, data_dir: str) -> None:
    """What the job store calls (a stable textual reference: ``seawatch.schedule:dispatch``)."""
    try:
        JOB_FUNCS[job](config_file, data_dir)
    except Exception:
        log.exception("job %s failed", job)


# -- the timetable ------------------------------------------------------------------------------


def _hm(value: str) -> tuple[int, int]:
    hour, minute = value.split(":")
    return int(hour), int(minute)


def triggers(settings: Settings) -> dict[str, BaseTrigger]:
    """The APScheduler trigger of each job, from ``[schedule]``."""
    sched = settings.schedule
    by_minute: dict[int, list[int]] = {}
    for value in sorted(set(sched.weather_times)):
        hour, minute = _hm(value)
        by_minute.setdefault(minute, []).append(hour)
    crons = [
        CronTrigger(hour=",".join(map(str, hours)), minute=minute, timezone=dt.UTC)
        for minute, hours in sorted(by_minute.items())
    ]
    weather: BaseTrigger = crons[0] if len(crons) == 1 else OrTrigger(crons)
    email_hour, email_minute = _hm(sched.email_time)
    return {
        "weather": weather,
        "incidents": IntervalTrigger(minutes=sched.incidents_every_minutes, timezone=dt.UTC),
        "email": CronTrigger(
            hour=email_hour, minute=email_minute, timezone=ZoneInfo(sched.timezone)
        ),
    }


def next_runs(settings: Settings, now: dt.datetime, count: int = 1) -> dict[str, list[dt.datetime]]:
    """The next ``count`` fire times of each job from ``now`` (aware), from the triggers alone.

    The incident job's interval is counted from ``now``, as for a job added at ``now``.
    """
    out: dict[str, list[dt.datetime]] = {}
    for job, trigger in triggers(settings).items():
        if isinstance(trigger, IntervalTrigger):
            trigger = IntervalTrigger(
                seconds=trigger.interval.total_seconds(),
                start_date=now + trigger.interval,
                timezone=dt.UTC,
            )
        times: list[dt.datetime] = []
        previous: dt.datetime | None = None
        for _ in range(count):
            fire = trigger.get_next_fire_time(previous, previous or now)
            if fire is None:
                break
            times.append(fire)
            previous = fire
        out[job] = times
    return out


def _grace(settings: Settings, job: str) -> int:
    grace = settings.schedule.misfire_grace_seconds
    return max(grace, EMAIL_GRACE_SECONDS) if job == "email" else grace


class _Scheduler(BackgroundScheduler):
    """A BackgroundScheduler that looks for due jobs only while running.

    APScheduler 3.x wakes its loop once more after ``shutdown()``; a job due at that moment
    would be handed to the closed executor, fail to start, and still have its next run time
    advanced in the job store: a run lost across the restart.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    """A scheduler on the data directory's job store (not started)."""
    return _Scheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=make_engine(jobstore_path(settings)))},
        executors={"default": {"type": "threadpool", "max_workers": 4}},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=dt.UTC,
    )


def sync_jobs(scheduler: BackgroundScheduler, settings: Settings) -> list[str]:
    """Make the stored jobs match the config; keep unchanged ones with their next run time.

    Replacing an unchanged job would recompute its next run from now and so drop a run missed
    while the daemon was down; keeping it lets APScheduler run it once on start (coalesced).
    Call on a scheduler started paused. Returns what changed, one line each.
    """
    changes = []
    args = [str(settings.config_file) if settings.config_file else None, str(settings.data_dir)]
    first_start = not DataPaths(settings.data_dir).forecast.exists()
    for job, trigger in triggers(settings).items():
        existing = scheduler.get_job(job)
        grace = _grace(settings, job)
        if (
            existing is not None
            and str(existing.trigger) == str(trigger)
            and list(existing.args) == [job, *args]
            and existing.misfire_grace_time == grace
        ):
            continue
        kwargs: dict[str, Any] = {}
        if job == "weather" and existing is None and first_start:
            kwargs["next_run_time"] = now_utc()  # no forecast yet: fetch now
        scheduler.add_job(
            "seawatch.schedule:dispatch",
            trigger=trigger,
            args=[job, *args],
            id=job,
            name=job,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
            **kwargs,
        )
        changes.append(f"{job}: {'updated' if existing else 'added'} ({trigger})")
    for job in scheduler.get_jobs():
        if job.id not in JOBS:
            scheduler.remove_job(job.id)
            changes.append(f"{job.id}: removed")
    return changes


@dataclass
class Daemon:
    """A running scheduler and the event that stops it."""

    scheduler: BackgroundScheduler
    stop: threading.Event


def run_daemon(
    settings: Settings,
    stop: threading.Event | None = None,
    install_signals: bool = True,
    on_started: Callable[[Daemon], None] | None = None,
) -> None:
    """Run the scheduler until SIGTERM/SIGINT (or ``stop`` is set); one per data directory.

    Raises
    ------
    DaemonRunningError
        If another daemon holds the data directory.
    """
    stop = stop or threading.Event()
    with daemon_lock(settings):
        runs = RunLog.for_settings(settings)
        interrupted = runs.mark_interrupted()
        if interrupted:
            log.warning(
                "%d job run(s) were cut short by the last stop; marked interrupted", interrupted
            )
        runs.prune()
        scheduler = build_scheduler(settings)
        scheduler.start(paused=True)
        try:
            for line in sync_jobs(scheduler, settings):
                log.info("schedule: %s", line)
            for job in scheduler.get_jobs():
                log.info("schedule: %s next at %s", job.id, _fmt(job.next_run_time))
            if install_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    signal.signal(sig, lambda signum, frame: stop.set())
            scheduler.resume()
            log.info("seawatch daemon started on %s (pid %d)", settings.data_dir, os.getpid())
            if on_started:
                on_started(Daemon(scheduler, stop))
            while not stop.wait(timeout=60):
                pass
            log.info("stopping: waiting for running jobs to finish")
        finally:
            scheduler.shutdown(wait=True)
            log.info("seawatch daemon stopped")


# -- status -----------------------------------------------------------------------------------


def _fmt(when: dt.datetime | None) -> str:
    return f"{when.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if when else "never"


def stored_next_runs(settings: Settings) -> dict[str, dt.datetime | None]:
    """Next run time of each job as stored by the daemon (read without starting a scheduler)."""
    path = jobstore_path(settings)
    if not path.exists():
        return {}
    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    except sa.exc.OperationalError:
        return {}
    finally:
        engine.dispose()
    return {
        row.id: dt.datetime.fromtimestamp(row.next_run_time, dt.UTC)
        if row.next_run_time is not None
        else None
        for row in rows
    }


def schedule_status(settings: Settings, now: dt.datetime | None = None) -> list[str]:
    """Lines for ``seawatch status``: daemon, next runs, last outcomes, failures, data ages."""
    now = now_utc(now)
    pid = daemon_pid(settings)
    lines = [f"daemon: running (pid {pid})" if pid else "daemon: not running"]
    stored = stored_next_runs(settings)
    records = runs_path(settings)
    runs = RunLog(records) if records.exists() else None
    for job in (*JOBS, "run"):
        if job == "run" and not (runs and runs.last("run", 1)):
            continue
        parts = []
        if job in JOBS:
            parts.append(f"next {_fmt(stored[job])}" if stored.get(job) else "not scheduled")
        last = runs.last(job, 1) if runs else []
        if last:
            run = last[0]
            started = parse_stamp(run["started_at"])
            ended = parse_stamp(run["ended_at"])
            took = f" in {(ended - started).total_seconds():.0f} s" if started and ended else ""
            outcome = run["outcome"].upper() if run["outcome"] != "ok" else "ok"
            error = run["error"]
            if run["outcome"] == "running" and not pid_alive(run["pid"]):
                # killed (power cut, kill -9): not RUNNING for ever until the daemon restarts
                outcome, error = "INTERRUPTED", "the process stopped during the run"
            text = f"last {_fmt(started)} {outcome}{took}"
            if error:
                text += f": {error}"
            parts.append(text)
        else:
            parts.append("never run")
        streak = runs.streak(job) if runs else None
        if streak and streak["count"] >= FAILURE_STREAK:
            parts.append(f"FAILING {streak['count']} times in a row since {streak['since']} UTC")
        lines.append(f"{job}: " + "; ".join(parts))
    lines.append(_forecast_age_line(settings, now))
    lines.append(_mail_line(settings))
    return lines


def _forecast_age_line(settings: Settings, now: dt.datetime) -> str:
    path = DataPaths(settings.data_dir).risk
    if not path.exists():
        return "forecast: no risk file yet"
    import xarray as xr

    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            stamp = ds.attrs.get("reference_time")
    except (OSError, ValueError) as exc:
        again = "run `seawatch run` (or `seawatch build`) to make a new one"
        return f"forecast: STALE: risk file {unreadable_file_message(path, exc, again)}"
    limit = settings.schedule.stale_after_hours
    if not stamp:
        return f"forecast: model run unknown; STALE (limit {limit:g} h)"
    run = parse_stamp(str(stamp)) if "T" in str(stamp) else None
    if run is None:
        return f"forecast: model run {stamp!r} unreadable; STALE"
    run = run if run.tzinfo else run.replace(tzinfo=dt.UTC)
    age = (now - run).total_seconds() / 3600
    stale = is_stale(run, now, limit)
    flag = f"STALE (older than {limit:g} h)" if stale else f"fresh (limit {limit:g} h)"
    return f"forecast: model run {_fmt(run)}, {age:.1f} h old, {flag}"


def _mail_line(settings: Settings) -> str:
    path = DataPaths(settings.data_dir).state_dir / "mail.sqlite"
    if not path.exists():
        return "e-mail: never sent"
    from seawatch.mail.sentlog import SentLog

    rows = SentLog(path).last_day()
    if not rows:
        return "e-mail: never sent"
    sent = sum(r["status"] == "sent" for r in rows)
    failed = [r["address"] for r in rows if r["status"] == "failed"]
    text = f"e-mail: {rows[0]['day']}: sent to {sent} of {len(rows)} recipient(s)"
    return text + (f"; failed: {', '.join(failed)}" if failed else "")
