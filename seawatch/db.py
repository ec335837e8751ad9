"""Database engines: one set-up for every seawatch database, SQLite or PostgreSQL.

The incident store, the web accounts (in the same file as the incidents), the scheduler's run
log and job store and the sent-mail log all open their engine here, so every SQLite connection
gets the same settings:

- WAL journal (readers do not block the writer; several processes share a file: ``seawatch
  serve``, the daemon, the CLI), except for in-memory databases which have no journal file;
- a busy timeout of :data:`BUSY_TIMEOUT_S` before "database is locked" is raised;
- ``synchronous = FULL``: a committed incident survives a power cut, not only a crash;
- foreign keys enforced;
- transactions begun by seawatch itself: ``BEGIN IMMEDIATE`` on a connection with the execution
  option ``seawatch_write=True`` (the write lock is taken at the start, so two writers never
  deadlock on an upgrade), plain ``BEGIN`` otherwise. pysqlite would begin lazily and late.

PostgreSQL (``postgresql://`` is read as psycopg 3) gets connection checks before use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from seawatch.errors import DataError

__all__ = ["BUSY_TIMEOUT_S", "is_memory", "make_engine", "normalize_url", "write_transaction"]

BUSY_TIMEOUT_S = 60.0
"""Wait this long for another process's write (assumption, to calibrate: the longest write is a
bulk import of the IOM file, a few seconds on the coordinators' machine)."""


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy would look for psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_memory(url: str | sa.engine.URL) -> bool:
    """Whether ``url`` is an in-memory SQLite database."""
    parsed = sa.engine.make_url(url)
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or "mode=memory" in str(parsed)
    )


def make_engine(url: str | Path, *, pool_size: int = 8) -> sa.Engine:
    """An engine for a database URL, or for a SQLite file given as a path.

    The parent directory of a SQLite file is created. An in-memory SQLite database is one
    connection shared by all threads (callers serialise their use of it).

    Raises
    ------
    DataError
        If ``url`` is not a database URL.
    """
    text = f"sqlite:///{url}" if isinstance(url, Path) else normalize_url(str(url))
    try:
        parsed = sa.engine.make_url(text)
    except sa.exc.ArgumentError:
        raise DataError(f"{str(url)!r} is not a database URL") from None
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(text, pool_pre_ping=True)
    memory = is_memory(parsed)
    connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
    if memory:
        engine = sa.create_engine(text, connect_args=connect_args, poolclass=StaticPool)
    else:
        Path(parsed.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(text, connect_args=connect_args, pool_size=pool_size)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is issued by _on_begin below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get("seawatch_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction that reads, then writes: on SQLite it takes the write lock at ``BEGIN``.

    A plain ``BEGIN`` followed by a read and then a write fails at once with "database is
    locked" when another process wrote in between (WAL cannot upgrade a stale read snapshot; the
    busy timeout does not apply), so read-then-write transactions start with ``BEGIN IMMEDIATE``.
    """
    with engine.connect() as conn:
        conn.execution_options(seawatch_write=True)
        with conn.begin():
            yield conn
