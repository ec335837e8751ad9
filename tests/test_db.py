"""The one engine set-up: every SQLite file gets the same journal, timeout, sync and keys."""

from __future__ import annotations

import os
import sqlite3

import pytest
import sqlalchemy as sa

from seawatch.db import BUSY_TIMEOUT_S, is_memory, make_engine, normalize_url
from seawatch.errors import DataError


def _pragmas(engine: sa.Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
        }


def test_sqlite_file_gets_wal_timeout_full_sync_and_foreign_keys(tmp_path):
    path = tmp_path / "state" / "deep" / "jobs.sqlite"
    engine = make_engine(path)  # a Path is a SQLite file; its folder is created
    try:
        assert _pragmas(engine) == {
            "journal_mode": "wal",
            "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
            "synchronous": 2,  # FULL
            "foreign_keys": 1,
        }
        assert path.exists()
    finally:
        engine.dispose()


def test_write_connections_take_the_lock_at_begin(tmp_path):
    path = tmp_path / "x.sqlite"
    writer = make_engine(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with writer.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        # the write lock is held from BEGIN IMMEDIATE, before any write
        with (
            writer.connect().execution_options(seawatch_write=True) as conn,
            conn.begin(),
            pytest.raises(sqlite3.OperationalError, match="locked"),
        ):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        writer.dispose()


def test_memory_database_has_no_journal_file():
    engine = make_engine("sqlite://")
    try:
        assert is_memory("sqlite://") and is_memory("sqlite:///:memory:")
        assert not is_memory("sqlite:///x.sqlite")
        assert _pragmas(engine)["journal_mode"] == "memory"
    finally:
        engine.dispose()


def test_postgresql_urls_use_psycopg3():
    assert normalize_url("postgres://h/db") == "postgresql+psycopg://h/db"
    engine = make_engine("postgresql://u:p@127.0.0.1/db")  # no connection made yet
    assert engine.dialect.driver == "psycopg" and engine.pool._pre_ping
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_engine_connects():
    url = os.environ.get("SEAWATCH_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SEAWATCH_TEST_POSTGRES_URL is not set; CI must test PostgreSQL")
        pytest.skip("no PostgreSQL server configured (set SEAWATCH_TEST_POSTGRES_URL)")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_not_a_url_is_one_line():
    with pytest.raises(DataError, match="is not a database URL"):
        make_engine("incidents.sqlite")
