"""Records of scheduled and manual runs: ``<data>/state/runs.sqlite``.

The daemon's jobs and ``seawatch run`` write one row per run (start, end, outcome, error); the
morning e-mail and ``seawatch status`` read them to name the jobs that keep failing. Core, so
that the e-mail (a product) and the scheduler (ops) both reach it without importing each other.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from seawatch.config import Settings
from seawatch.db import make_engine, write_transaction
from seawatch.storage import DataPaths
from seawatch.timeutil import isoformat_utc, now_utc

FAILURE_STREAK = 3
"""A job failing this many times in a row is reported as an error and in the e-mail."""
KEEP_RUNS_DAYS = 180


def runs_path(settings: Settings) -> Path:
    """``<data>/state/runs.sqlite`` (not created)."""
    return DataPaths(settings.data_dir).state_dir / "runs.sqlite"


# -- records ------------------------------------------------------------------------------

_META = sa.MetaData()
RUNS = sa.Table(
    "job_runs",
    _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job", sa.String(40), nullable=False, index=True),
    sa.Column("started_at", sa.String(20), nullable=False),
    sa.Column("ended_at", sa.String(20)),
    sa.Column("outcome", sa.String(12), nullable=False),  # running | ok | failed | interrupted
    sa.Column("error", sa.Text),
    sa.Column("detail", sa.Text),
    sa.Column("pid", sa.Integer),
)


def parse_stamp(stamp: str | None) -> dt.datetime | None:
    """Aware UTC datetime of a stored ``YYYY-MM-DDTHH:MM:SSZ`` stamp (``None`` stays ``None``)."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def pid_alive(pid: int | None) -> bool:
    """Whether process ``pid`` exists (``None`` or 0: no)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLog:
    """Job-run records in ``<data>/state/runs.sqlite``.

    SQLite rather than a JSON-lines file: the daemon, ``seawatch run``, ``seawatch email`` and
    ``seawatch status`` read and write it from different processes; SQLite gives them
    transactions, a run's end is an UPDATE of its start row, and "the last three outcomes" or
    pruning old rows are single queries.
    """

    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(path)
        _META.create_all(self.engine)

    @classmethod
    def for_settings(cls, settings: Settings) -> RunLog:
        return cls(runs_path(settings))

    def start(self, job: str, when: dt.datetime | None = None) -> int:
        """Record that ``job`` started; returns the run id."""
        when = now_utc(when)
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    sa.insert(RUNS).values(
                        job=job, started_at=isoformat_utc(when), outcome="running", pid=os.getpid()
                    )
                ).inserted_primary_key[0]
            )

    def finish(
        self,
        run_id: int,
        ok: bool,
        error: str = "",
        detail: str = "",
        when: dt.datetime | None = None,
    ) -> None:
        """Record the end of run ``run_id``."""
        when = now_utc(when)
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(RUNS)
                .where(RUNS.c.id == run_id)
                .values(
                    ended_at=isoformat_utc(when),
                    outcome="ok" if ok else "failed",
                    error=error or None,
                    detail=detail or None,
                )
            )

    def mark_interrupted(self) -> int:
        """Close runs left ``running`` by a process that no longer exists; returns how many."""
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                sa.select(RUNS.c.id, RUNS.c.pid).where(RUNS.c.outcome == "running")
            ).all()
            dead = [r.id for r in rows if not pid_alive(r.pid)]
            if dead:
                conn.execute(
                    sa.update(RUNS)
                    .where(RUNS.c.id.in_(dead))
                    .values(outcome="interrupted", error="the process stopped during the run")
                )
            return len(dead)

    def prune(self, keep_days: int = KEEP_RUNS_DAYS) -> None:
        """Forget runs that started more than ``keep_days`` ago."""
        cutoff = isoformat_utc(now_utc() - dt.timedelta(days=keep_days))
        with self.engine.begin() as conn:
            conn.execute(sa.delete(RUNS).where(RUNS.c.started_at < cutoff))

    def jobs(self) -> list[str]:
        """Names of the jobs with at least one recorded run, sorted."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(sa.select(RUNS.c.job).distinct()).scalars())

    def last(self, job: str, n: int = 10) -> list[dict[str, Any]]:
        """The ``n`` most recent runs of ``job``, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(RUNS).where(RUNS.c.job == job).order_by(RUNS.c.id.desc()).limit(n)
            )
            return [dict(r._mapping) for r in rows]

    def streak(self, job: str) -> dict[str, Any] | None:
        """The current run of failures of ``job`` (count, since, last error), or ``None``."""
        failures = []
        for run in self.last(job, 50):
            if run["outcome"] == "running":
                continue
            if run["outcome"] == "ok":
                break
            failures.append(run)
        if not failures:
            return None
        return {
            "job": job,
            "count": len(failures),
            "since": failures[-1]["started_at"].replace("T", " ")[:16],
            "error": failures[0]["error"] or failures[0]["outcome"],
        }


def failing_jobs(settings: Settings, threshold: int = FAILURE_STREAK) -> list[dict[str, Any]]:
    """Jobs whose latest ``threshold`` or more runs all failed (for the e-mail and status)."""
    path = runs_path(settings)
    if not path.exists():
        return []
    runs = RunLog(path)
    out = []
    for job in runs.jobs():
        streak = runs.streak(job)
        if streak and streak["count"] >= threshold:
            out.append(streak)
    return out
