"""The incident store: SQLite by default, PostgreSQL by URL; nothing a user does erases data.

>>> store = IncidentStore("sqlite:///incidents.sqlite")          # doctest: +SKIP
>>> rec = store.create({"position": "33°12.5'N 012°45.3'E", "persons": 80}, user="amina")
>>> rec = store.update(rec["id"], {"survivors": 74}, version=rec["version"], user="amina")

Guarantees
----------
* Every change writes an append-only history row (who, when, action, ``{field: [old, new]}``)
  in the same transaction as the change; database triggers refuse to update or delete history
  and to delete incidents. Withdrawing an incident sets ``status = "retracted"``.
* Optimistic concurrency: :meth:`IncidentStore.update` takes the version the edit was based on;
  if the record has moved on it raises :class:`~seawatch.errors.ConflictError` carrying the
  current record and writes nothing.
* Thread- and process-safe: one connection per operation from a pool. SQLite runs in WAL mode
  with a busy timeout, and writers take the write lock when their transaction begins
  (``BEGIN IMMEDIATE``), so a read-check-write sequence is atomic across processes. On
  PostgreSQL the version check is part of the ``UPDATE``; imports and migrations serialise on
  advisory locks.
* Imports are idempotent: keyed by ``(source, source_id)``; an unchanged row is recognised by the
  hash of what the source said last time, and only fields the source itself changed are updated,
  so a coordinator's correction of an imported incident survives later imports. A field the
  import has no column for is left alone; a known count is never blanked by an import, and a
  count an import lowers is reported (the old value stays in the history).
* The schema is created and upgraded with Alembic when the store opens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from seawatch.db import is_memory, make_engine, normalize_url
from seawatch.errors import ConflictError, DataError, NotFoundError, SeawatchError
from seawatch.incidents.model import (
    EDITABLE_FIELDS,
    HEAD_REVISION,
    RECORD_FIELDS,
    SOURCE_FIELDS,
    UTCDateTime,
    history_table,
    import_runs_table,
    incidents_table,
)
from seawatch.incidents.validate import (
    COUNT_FIELDS,
    clean_changes,
    clean_new,
    parse_time,
)
from seawatch.jsonutil import dumps
from seawatch.timeutil import as_utc, isoformat_utc, now_utc

if TYPE_CHECKING:
    import pandas as pd

    from seawatch.config import Settings

__all__ = ["ImportReport", "IncidentStore", "normalize_url"]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_IMPORT_LOCK = 0x5EA_1_0001  # PostgreSQL advisory lock keys
_MIGRATE_LOCK = 0x5EA_1_0002
_ID_CHUNK = 500
# Times and flags are read untyped and converted in _record: the per-value type processing of
# SQLAlchemy costs more than the query when listing tens of thousands of incidents.
_UNTYPED = ("time", "created_at", "updated_at", "flags")
_COLUMNS = [
    sa.type_coerce(incidents_table.c[name], sa.String()).label(name)
    if name in _UNTYPED
    else incidents_table.c[name]
    for name in RECORD_FIELDS
]
_TIME_POSITIONS = [RECORD_FIELDS.index(name) for name in ("time", "created_at", "updated_at")]
_FLAGS_POSITION = RECORD_FIELDS.index("flags")
# Which incident a report with an Idempotency-Key created, per user (migration 0002).
idempotency_table = sa.Table(
    "idempotency_keys",
    sa.MetaData(),
    sa.Column("username", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("incident_id", sa.String(32), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


class _RowReader:
    """Turns result rows into record dicts; repeated time and flag values are converted once."""

    def __init__(self) -> None:
        self._times: dict[Any, dt.datetime | None] = {}
        self._flags: dict[str, list[str]] = {}

    def __call__(self, row: Sequence[Any]) -> dict[str, Any]:
        values = list(row)
        times = self._times
        for i in _TIME_POSITIONS:
            raw = values[i]
            converted = times.get(raw)
            if converted is None:
                # SQLite gives naive UTC text as SQLAlchemy wrote it
                converted = times[raw] = None if raw is None else as_utc(raw)
            values[i] = converted
        flags = values[_FLAGS_POSITION]
        if isinstance(flags, str):
            parsed = self._flags.get(flags)
            if parsed is None:
                parsed = self._flags[flags] = json.loads(flags)
            values[_FLAGS_POSITION] = list(parsed)
        else:
            values[_FLAGS_POSITION] = list(flags or [])
        return dict(zip(RECORD_FIELDS, values, strict=True))


@dataclass
class ImportReport:
    """Outcome of :meth:`IncidentStore.import_records`.

    Attributes
    ----------
    new, updated, unchanged
        Records inserted, changed (with history), and found identical.
    rejected_rows
        ``{"row", "source_id", "reason"}`` for each record not imported.
    skipped
        Rows left out on purpose before the store saw them (outside the area of interest).
    absent
        Fields the import had no column for; stored values of these were left alone.
    decreased
        ``{"id", "source_id", "field", "before", "after"}`` for each count the import lowered
        (applied; the history keeps the old value).
    kept
        The same for each known count the file left blank: the stored value was kept.
    rekeyed
        ``{"id", "before", "after"}`` for each record taken over from the id an older import
        stored it under (see :meth:`IncidentStore.import_records`).
    """

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None
    rejected_file: Path | None = None
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    decreased: list[dict[str, Any]] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    rekeyed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Number of rejected records."""
        return len(self.rejected_rows)

    def to_dict(self) -> dict[str, Any]:
        """Counts and rejected rows as plain data (``--json`` output)."""
        data = asdict(self)
        data["rejected"] = self.rejected
        data["rejected_file"] = str(self.rejected_file) if self.rejected_file else None
        data["summary"] = self.summary()
        del data["new_ids"], data["updated_ids"]
        return data

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """``"12 new, 3 updated, 1,230 unchanged, 2 rejected"`` (plus skipped when any)."""
        text = (
            f"{self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged, "
            f"{self.rejected:,} rejected"
        )
        if self.skipped:
            text += f", {self.skipped:,} outside the area of interest"
        counts = [name for name in _REPORTED_COUNTS if name in self.absent]
        if counts:
            text += f"; no {', '.join(counts)} column in the file: stored values kept"
        if self.decreased:
            text += (
                f"; {len(self.decreased):,} count(s) lower than stored: "
                + ", ".join(_count_change(c) for c in self.decreased[:5])
                + (", ..." if len(self.decreased) > 5 else "")
                + " (old values in the history)"
            )
        if self.kept:
            text += (
                f"; {len(self.kept):,} count(s) blank in the file, stored value kept: "
                + ", ".join(_count_change(c) for c in self.kept[:5])
                + (", ..." if len(self.kept) > 5 else "")
            )
        if self.rekeyed:
            text += f"; {len(self.rekeyed):,} record(s) now keyed on their incident id"
        return text


_REPORTED_COUNTS = ("dead", "missing", "survivors")


def _count_change(change: Mapping[str, Any]) -> str:
    after = "blank" if change["after"] is None else change["after"]
    return f"{change['source_id']} {change['field']} {change['before']} -> {after}"


_ENGINES: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def _forget_connections_after_fork() -> None:
    # A forked worker (web server, scheduler) must not reuse its parent's connections.
    for engine in list(_ENGINES):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)


def _new_id() -> str:
    return secrets.token_hex(8)


def _jsonable(value: Any) -> Any:
    return isoformat_utc(value) if isinstance(value, dt.datetime) else value


def _changes_for_new(record: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [None, _jsonable(record[name])]
        for name in EDITABLE_FIELDS
        if record.get(name) not in (None, [], "")
    }


def _user(user: str) -> str:
    if not isinstance(user, str) or not user.strip():
        raise DataError("a user name is required for every change")
    user = user.strip()
    if len(user) > 200:
        raise DataError("the user name is longer than 200 characters")
    return user


def _on_land_flags(record: dict[str, Any]) -> None:
    """Add or remove the ``on_land`` flag for the record's position."""
    from seawatch.incidents.checks import on_land

    flags = set(record.get("flags") or [])
    if bool(on_land([record["lat"]], [record["lon"]])[0]):
        flags.add("on_land")
    else:
        flags.discard("on_land")
    record["flags"] = sorted(flags)


def store_error_message(safe_url: str, exc: sa.exc.DBAPIError) -> str:
    """One line for a store that cannot be opened: the reason and what to do about it."""
    reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else str(exc)
    where = safe_url.removeprefix("sqlite:///")
    low = reason.lower()
    if "readonly" in low or "unable to open database file" in low:
        advice = (
            f"give this user write access to {Path(where).parent} and the store's files "
            "(SQLite writes its journal there even to read), or choose another --data-dir"
        )
    elif "malformed" in low or "not a database" in low:
        advice = (
            "the file is damaged; keep it as it is for inspection, stop seawatch and restore the "
            "last backup of incidents.sqlite (docs/operations.md, section 7)"
        )
    elif "locked" in low or "busy" in low:
        advice = "another seawatch holds it (an import or a long query); run again when it is done"
    elif "disk is full" in low or "disk i/o" in low:
        advice = (
            f"the disk holding {Path(where).parent} is full or failing; free space and run again"
        )
    else:
        advice = "check [store] url and that the database is running"
    return f"cannot open the incident store {safe_url}: {reason}; {advice}"


class IncidentStore:
    """Incidents in a SQL database (see the module docstring for the guarantees).

    Parameters
    ----------
    url
        SQLAlchemy URL: ``sqlite:///path/incidents.sqlite`` (the parent directory is created),
        ``sqlite://`` (in memory, for tests) or ``postgresql://user:pass@host/db``.
    migrate
        Create or upgrade the schema when opening (default). With False, a database that is
        not at the current schema raises :class:`~seawatch.errors.DataError`.
    """

    def __init__(self, url: str, migrate: bool = True) -> None:
        self.url = normalize_url(str(url))
        try:
            parsed = sa.engine.make_url(self.url)
        except sa.exc.ArgumentError:
            raise DataError(f"incident store URL {url!r} is not a database URL") from None
        self.dialect = parsed.get_backend_name()
        self._lock: threading.RLock | None = None
        self.engine = make_engine(self.url)
        if is_memory(parsed):  # one shared connection: the lock serialises operations on it
            self._lock = threading.RLock()
        _ENGINES.add(self.engine)
        try:
            self._migrate(run=migrate)
        except SeawatchError:
            raise
        except sa.exc.DBAPIError as exc:
            self.engine.dispose()
            raise DataError(store_error_message(self.safe_url, exc)) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> IncidentStore:
        """The store named by ``[store] url``, else SQLite in the data directory."""
        return cls(settings.store_url)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"IncidentStore({self.safe_url!r})"

    def close(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()

    def __enter__(self) -> IncidentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ connections

    @contextlib.contextmanager
    def _transaction(self, write: bool, lock_key: int | None = None) -> Iterator[sa.Connection]:
        guard = self._lock if self._lock is not None else contextlib.nullcontext()
        with guard, self.engine.connect() as conn:
            if write:
                conn.execution_options(seawatch_write=True)
            with conn.begin():
                if lock_key is not None and self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
                yield conn

    # ------------------------------------------------------------------ schema

    def _revision(self, conn: sa.Connection) -> str | None:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def _migrate(self, run: bool) -> None:
        with self._transaction(write=False) as conn:
            if self._revision(conn) == HEAD_REVISION:
                return
        if not run:
            raise DataError(
                f"the incident store {self.safe_url} is not at schema {HEAD_REVISION}; "
                "open it once with migrations enabled"
            )
        with self._transaction(write=True, lock_key=_MIGRATE_LOCK) as conn:
            current = self._revision(conn)
            if current == HEAD_REVISION:
                return
            from alembic import command
            from alembic.config import Config
            from alembic.util.exc import CommandError

            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = conn
            try:
                command.upgrade(config, "head")
            except CommandError as exc:
                raise DataError(
                    f"the incident store {self.safe_url} has schema {current!r}, which this "
                    f"version of seawatch does not know ({exc}); upgrade seawatch"
                ) from None
            log.info(
                "incident store %s: schema %s -> %s",
                self.safe_url,
                current or "(new)",
                HEAD_REVISION,
            )

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _record(row: Sequence[Any]) -> dict[str, Any]:
        return _RowReader()(row)

    def _get(self, conn: sa.Connection, incident_id: str) -> dict[str, Any]:
        row = conn.execute(
            sa.select(*_COLUMNS).where(incidents_table.c.id == incident_id)
        ).one_or_none()
        if row is None:
            raise NotFoundError(f"no incident with id {incident_id!r}")
        return self._record(row)

    def get(self, incident_id: str) -> dict[str, Any]:
        """The record with this id.

        Raises
        ------
        NotFoundError
            No such incident.
        """
        with self._transaction(write=False) as conn:
            return self._get(conn, str(incident_id))

    def resolve_id(self, prefix: str) -> str:
        """The full id of the one incident whose id starts with ``prefix`` (at least 4 chars).

        Raises
        ------
        NotFoundError
            No incident matches.
        DataError
            The prefix is too short or matches several incidents.
        """
        prefix = prefix.strip().lower()
        if len(prefix) < 4:
            raise DataError(f"incident id {prefix!r} is too short; give at least 4 characters")
        if not all(c in "0123456789abcdef" for c in prefix):
            raise NotFoundError(f"no incident with id {prefix!r}")
        with self._transaction(write=False) as conn:
            ids = (
                conn.execute(
                    sa.select(incidents_table.c.id)
                    .where(incidents_table.c.id.startswith(prefix))
                    .limit(3)
                )
                .scalars()
                .all()
            )
        if not ids:
            raise NotFoundError(f"no incident with id {prefix!r}")
        if len(ids) > 1:
            raise DataError(f"incident id {prefix!r} is ambiguous; give more characters")
        return ids[0]

    def history(self, incident_id: str) -> list[dict[str, Any]]:
        """Every change to an incident, oldest first.

        Returns
        -------
        list of dict
            ``{"at", "user", "action", "changes": {field: [old, new]}, "version", "import_run"}``;
            times in ``changes`` are ISO 8601 text.
        """
        h = history_table
        with self._transaction(write=False) as conn:
            self._get(conn, incident_id)
            rows = conn.execute(
                sa.select(
                    h.c.at, h.c.username, h.c.action, h.c.changes, h.c.version, h.c.import_run
                )
                .where(h.c.incident_id == incident_id)
                .order_by(h.c.version)
            ).all()
        return [
            {
                "at": at,
                "user": user,
                "action": action,
                "changes": changes,
                "version": version,
                "import_run": run,
            }
            for at, user, action, changes, version, run in rows
        ]

    def list(
        self,
        since: dt.datetime | str | None = None,
        until: dt.datetime | str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        statuses: Iterable[str] | None = None,
        include_retracted: bool = False,
        limit: int | None = None,
        source: str | None = None,
        min_quality: int | None = None,
    ) -> list[dict[str, Any]]:
        """Records matching the filters, newest first.

        Parameters
        ----------
        since, until
            Incident time window, UTC: ``since <= time < until``.
        bbox
            ``(west, south, east, north)`` in degrees.
        statuses
            Only these statuses (``retracted`` included only if named or ``include_retracted``).
        include_retracted
            Also return retracted incidents.
        limit
            At most this many records.
        source
            Only records from this source.
        min_quality
            Only records with ``source_quality >= min_quality`` (unknown quality excluded).
        """
        t = incidents_table
        query = sa.select(*_COLUMNS)
        if since is not None:
            query = query.where(t.c.time >= parse_time(since, "since", now=_far_future()))
        if until is not None:
            query = query.where(t.c.time < parse_time(until, "until", now=_far_future()))
        if bbox is not None:
            west, south, east, north = (float(v) for v in bbox)
            query = query.where(
                t.c.lon >= west, t.c.lon <= east, t.c.lat >= south, t.c.lat <= north
            )
        if statuses is not None:
            wanted = [s.strip().lower() for s in statuses]
            query = query.where(t.c.status.in_(wanted))
        elif not include_retracted:
            query = query.where(t.c.status != "retracted")
        if source is not None:
            query = query.where(t.c.source == source)
        if min_quality is not None:
            query = query.where(t.c.source_quality >= int(min_quality))
        query = query.order_by(t.c.time.desc(), t.c.id)
        if limit is not None:
            query = query.limit(int(limit))
        with self._transaction(write=False) as conn:
            rows = conn.execute(query).all()
        reader = _RowReader()
        return [reader(row) for row in rows]

    def count(self, include_retracted: bool = True) -> int:
        """Number of incidents in the store."""
        query = sa.select(sa.func.count()).select_from(incidents_table)
        if not include_retracted:
            query = query.where(incidents_table.c.status != "retracted")
        with self._transaction(write=False) as conn:
            return int(conn.execute(query).scalar_one())

    # ------------------------------------------------------------------ writing

    def _insert_history(
        self,
        conn: sa.Connection,
        rows: list[dict[str, Any]],
    ) -> None:
        if rows:
            conn.execute(sa.insert(history_table), rows)

    def create(
        self, fields: Mapping[str, Any], user: str, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Validate and store a new incident.

        Parameters
        ----------
        fields
            Record fields (see DESIGN.md); a position as ``position_text`` (alias ``position``)
            or ``lat``/``lon``. ``time`` defaults to now (UTC), ``status`` to ``distress`` for
            coordinator entries, ``source`` to ``coordinator``.
        user
            Who is entering it.
        idempotency_key
            When given, a second create by the same user with the same key stores nothing and
            returns the incident the first one stored (see :meth:`create_once`).

        Returns
        -------
        dict
            The stored record, ``version`` 1.

        Raises
        ------
        DataError, PositionError
            Invalid fields (nothing is written).
        """
        return self.create_once(fields, user, idempotency_key)[0]

    def create_once(
        self, fields: Mapping[str, Any], user: str, idempotency_key: str | None
    ) -> tuple[dict[str, Any], bool]:
        """:meth:`create`, also telling whether it stored a new incident (False: a replay).

        The key is stored in the transaction that stores the incident, so a retry after a lost
        answer finds it even after a restart; keys of different users are independent.
        """
        user = _user(user)
        if idempotency_key is not None:
            with self._transaction(write=False) as conn:
                earlier = self._idempotent(conn, user, idempotency_key)
            if earlier is not None:
                return earlier, False
        now = now_utc()
        record = clean_new(fields, now=now)
        _on_land_flags(record)
        incident_id = _new_id()
        row = {
            **record,
            "id": incident_id,
            "created_by": user,
            "created_at": now,
            "updated_by": user,
            "updated_at": now,
            "version": 1,
        }
        try:
            with self._transaction(write=True) as conn:
                return self._insert_created(conn, record, row, user, now, idempotency_key), True
        except _KeyTakenError:
            with self._transaction(write=False) as conn:
                earlier = self._idempotent(conn, user, idempotency_key or "")
            if earlier is None:  # pragma: no cover - the key row commits with its incident
                raise DataError("the idempotency key was taken and then vanished") from None
            return earlier, False

    def _idempotent(self, conn: sa.Connection, user: str, key: str) -> dict[str, Any] | None:
        t = idempotency_table
        found = conn.execute(
            sa.select(t.c.incident_id).where(t.c.username == user, t.c.key == key)
        ).scalar()
        return None if found is None else self._get(conn, found)

    def _insert_created(
        self,
        conn: sa.Connection,
        record: dict[str, Any],
        row: dict[str, Any],
        user: str,
        now: dt.datetime,
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        incident_id = row["id"]
        # Taken by a concurrent create with the same key meanwhile: that one wins.
        if idempotency_key is not None and self._idempotent(conn, user, idempotency_key):
            raise _KeyTakenError
        if record.get("source_id"):
            self._refuse_duplicate(conn, record["source"], record["source_id"])
        try:
            conn.execute(sa.insert(incidents_table), row)
        except sa.exc.IntegrityError:  # a concurrent create won the race (PostgreSQL)
            raise DataError(
                f"an incident with source {record['source']!r} id {record['source_id']!r} "
                "was stored at the same moment; edit that one instead"
            ) from None
        self._insert_history(
            conn,
            [
                {
                    "incident_id": incident_id,
                    "version": 1,
                    "at": now,
                    "username": user,
                    "action": "create",
                    "changes": _changes_for_new(record),
                    "import_run": None,
                }
            ],
        )
        if idempotency_key is not None:
            try:
                conn.execute(
                    sa.insert(idempotency_table),
                    {
                        "username": user,
                        "key": idempotency_key,
                        "incident_id": incident_id,
                        "created_at": now,
                    },
                )
            except sa.exc.IntegrityError:  # a concurrent create with the key (PostgreSQL)
                raise _KeyTakenError from None
        return self._get(conn, incident_id)

    def _refuse_duplicate(self, conn: sa.Connection, source: str, source_id: str) -> None:
        t = incidents_table
        existing = conn.execute(
            sa.select(t.c.id).where(t.c.source == source, t.c.source_id == source_id)
        ).scalar()
        if existing is not None:
            raise DataError(
                f"incident {existing} already has source {source!r} id {source_id!r}; "
                "edit that one instead"
            )

    def update(
        self, incident_id: str, changes: Mapping[str, Any], version: int, user: str
    ) -> dict[str, Any]:
        """Change fields of an incident, based on the version the editor saw.

        Parameters
        ----------
        incident_id
            The incident.
        changes
            Fields to change (``None`` clears an optional field).
        version
            The version the edit was based on.
        user
            Who is editing.

        Returns
        -------
        dict
            The record after the edit (``version`` + 1), or unchanged if nothing differs.

        Raises
        ------
        ConflictError
            ``version`` is not the current one; ``.current`` holds the record as it is now.
        NotFoundError, DataError, PositionError
            Unknown incident or invalid changes (nothing is written).
        """
        return self._change(incident_id, changes, version, user, action="update")

    def retract(
        self, incident_id: str, user: str, version: int | None = None, reason: str | None = None
    ) -> dict[str, Any]:
        """Withdraw an incident: status ``retracted``; the record and its history stay.

        Parameters
        ----------
        version
            If given, the version the decision was based on (stale -> ConflictError).
        reason
            Appended to the notes.
        """
        current = self.get(incident_id)
        if current["status"] == "retracted":
            if version is not None and version != current["version"]:
                raise self._conflict(current, version)
            return current
        changes: dict[str, Any] = {"status": "retracted"}
        if reason:
            notes = current.get("notes")
            changes["notes"] = f"{notes}\n{reason}" if notes else reason
        based_on = current["version"] if version is None else version
        return self._change(incident_id, changes, based_on, user, action="retract")

    @staticmethod
    def _conflict(current: dict[str, Any], version: int) -> ConflictError:
        return ConflictError(
            f"incident {current['id']} was changed by {current['updated_by']} at "
            f"{current['updated_at']:%Y-%m-%d %H:%M:%S}Z (now version {current['version']}; "
            f"your edit was based on version {version}): reload it and apply your change again",
            current=current,
        )

    def _change(
        self,
        incident_id: str,
        changes: Mapping[str, Any],
        version: int,
        user: str,
        action: str,
    ) -> dict[str, Any]:
        user = _user(user)
        if isinstance(version, bool) or not isinstance(version, int):
            raise DataError(f"version must be a whole number, got {version!r}")
        now = now_utc()
        t = incidents_table
        with self._transaction(write=True) as conn:
            current = self._get(conn, incident_id)
            if current["version"] != version:
                raise self._conflict(current, version)
            record = clean_changes(current, changes, now=now)
            if {"lat", "lon", "position_text", "position"} & set(changes):
                _on_land_flags(record)
                if "flags" not in changes:  # a person has just looked at this position again
                    record["flags"] = [f for f in record["flags"] if f != "far_from_country"]
            diff = {
                name: [_jsonable(current[name]), _jsonable(record[name])]
                for name in EDITABLE_FIELDS
                if record[name] != current[name]
            }
            if not diff:
                return current
            if "source_id" in diff and record.get("source_id"):
                self._refuse_duplicate(conn, record["source"], record["source_id"])
            values = {name: record[name] for name in diff}
            try:
                result = conn.execute(
                    sa.update(t)
                    .where(t.c.id == incident_id, t.c.version == version)
                    .values(**values, version=version + 1, updated_by=user, updated_at=now)
                )
            except sa.exc.IntegrityError:  # source id taken at the same moment (PostgreSQL)
                raise DataError(
                    f"source {record['source']!r} id {record['source_id']!r} is already used"
                ) from None
            if result.rowcount != 1:
                raise self._conflict(self._get(conn, incident_id), version)
            self._insert_history(
                conn,
                [
                    {
                        "incident_id": incident_id,
                        "version": version + 1,
                        "at": now,
                        "username": user,
                        "action": action,
                        "changes": diff,
                        "import_run": None,
                    }
                ],
            )
            return self._get(conn, incident_id)

    # ------------------------------------------------------------------ imports

    def import_records(
        self,
        records: Iterable[Mapping[str, Any]] | pd.DataFrame,
        source: str,
        user: str,
        origin: str | None = None,
    ) -> ImportReport:
        """Insert or update records from an external source, in one transaction.

        Parameters
        ----------
        records
            Record dicts (or a DataFrame with record columns), each with ``source_id``. A
            ``row`` key, if present, is the row number reported with rejections.
        source
            Source name stored with every record (``iom_mmp``, ``partner feed``...).
        user
            Who runs the import.
        origin
            File name or URL, kept with the import run.

        Returns
        -------
        ImportReport
            new / updated / unchanged / rejected counts. New and updated records get a history
            row each; unchanged ones are not touched. Rejected records are reported with the
            reason and are not written; the others are imported.

        Notes
        -----
        * A field with no column in ``records`` never changes a stored record.
        * A known count (persons, dead, missing, survivors) is not blanked by an import: the
          stored value is kept and listed in ``report.kept``. A count the source lowers is
          applied, with the old value in the history, and listed in ``report.decreased``.
        * ``former_source_id``: an id the source used for the same record before (older
          seawatch versions keyed IOM rows on their Main ID). A stored record under that id is
          taken over (its ``source_id`` becomes the new one, with a history row) when no record
          has the new id yet and no row of this import uses the old id; the first row in file
          order takes it over. So re-importing never duplicates what an older import stored.
        """
        import pandas as pd

        from seawatch.incidents import bulk

        user = _user(user)
        source = (source or "").strip()
        if not source:
            raise DataError("an import needs a source name")
        report = ImportReport(source=source)
        now = now_utc()
        if not isinstance(records, pd.DataFrame):
            records = pd.DataFrame.from_records(list(records))
        given = set(records.columns)
        if "position" in given:
            given |= {"lat", "lon", "position_text"}
        report.absent = [name for name in SOURCE_FIELDS if name not in given]
        frame, report.rejected_rows = bulk.prepare_frame(records, source, now)
        n = len(frame)
        if n == 0:
            return report
        columns = bulk.python_columns(frame)
        digests = bulk.source_hashes(columns)
        t = incidents_table
        with self._transaction(write=True, lock_key=_IMPORT_LOCK) as conn:
            existing = {
                sid: (iid, digest)
                for sid, iid, digest in conn.execute(
                    sa.select(t.c.source_id, t.c.id, t.c.source_hash).where(t.c.source == source)
                )
            }
            run_id = conn.execute(
                sa.insert(import_runs_table).values(
                    at=now, username=user, source=source, origin=origin, counts={}
                )
            ).inserted_primary_key[0]
            report.run_id = run_id
            self._take_over_former_ids(conn, columns, existing, source, user, now, run_id, report)
            new_index: list[int] = []
            changed: dict[str, int] = {}
            for i, sid in enumerate(columns["source_id"]):
                found = existing.get(sid)
                if found is None:
                    new_index.append(i)
                elif found[1] == digests[i]:
                    report.unchanged += 1
                else:
                    changed[sid] = i
            self._insert_new(conn, columns, new_index, digests, user, now, run_id, report)
            history_rows: list[dict[str, Any]] = []
            changed_ids = list(changed)
            for start in range(0, len(changed_ids), _ID_CHUNK):
                chunk = {sid: changed[sid] for sid in changed_ids[start : start + _ID_CHUNK]}
                self._merge_changed(
                    conn,
                    chunk,
                    columns,
                    digests,
                    source,
                    user,
                    now,
                    run_id,
                    report,
                    history_rows,
                )
            self._insert_history(conn, history_rows)
            report.updated = len(report.updated_ids)
            conn.execute(
                sa.update(import_runs_table)
                .where(import_runs_table.c.id == run_id)
                .values(
                    counts={
                        "new": report.new,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "rejected": report.rejected,
                        "decreased": len(report.decreased),
                        "kept": len(report.kept),
                        "rekeyed": len(report.rekeyed),
                    }
                )
            )
        return report

    def _insert_new(
        self,
        conn: sa.Connection,
        columns: dict[str, list[Any]],
        new_index: list[int],
        digests: list[str],
        user: str,
        now: dt.datetime,
        run_id: int,
        report: ImportReport,
    ) -> None:
        from seawatch.incidents import bulk

        if not new_index:
            return
        subset = {name: [values[i] for i in new_index] for name, values in columns.items()}
        k = len(new_index)
        ids = [_new_id() for _ in range(k)]
        changes = bulk.creation_changes(subset)
        stored = dict(subset)
        flag_text: dict[tuple[str, ...], str] = {}
        stored["flags"] = [
            flag_text.get(tuple(f)) or flag_text.setdefault(tuple(f), dumps(f))
            for f in subset["flags"]
        ]
        stored["time"] = bulk.db_datetimes(conn, subset)
        now_db = bulk.db_datetime(conn, now)
        names = [*EDITABLE_FIELDS, "id", "created_by", "created_at", "updated_by", "updated_at"]
        # source_values stays empty: until an import changes the record, what the source said
        # is in the creation history row, which _merge_changed reads when it needs it.
        names += ["version", "source_hash"]
        rows = [
            (*values, incident_id, user, now_db, user, now_db, 1, digests[i])
            for values, incident_id, i in zip(
                zip(*(stored[name] for name in EDITABLE_FIELDS), strict=True),
                ids,
                new_index,
                strict=True,
            )
        ]
        bulk.insert_rows(conn, incidents_table, names, rows)
        history = [
            (incident_id, 1, now_db, user, "import", change, run_id)
            for incident_id, change in zip(ids, changes, strict=True)
        ]
        bulk.insert_rows(
            conn,
            history_table,
            ["incident_id", "version", "at", "username", "action", "changes", "import_run"],
            history,
        )
        report.new = k
        report.new_ids.extend(ids)

    def stored_source_ids(self, source: str, candidates: Iterable[str]) -> set[str]:
        """Which of ``candidates`` are the source id of a stored record of ``source``."""
        wanted = sorted(set(candidates))
        t = incidents_table
        found: set[str] = set()
        with self._transaction(write=False) as conn:
            for start in range(0, len(wanted), _ID_CHUNK):
                chunk = wanted[start : start + _ID_CHUNK]
                found.update(
                    conn.execute(
                        sa.select(t.c.source_id).where(
                            t.c.source == source, t.c.source_id.in_(chunk)
                        )
                    ).scalars()
                )
        return found

    def _take_over_former_ids(
        self,
        conn: sa.Connection,
        columns: dict[str, list[Any]],
        existing: dict[str, tuple[str, str | None]],
        source: str,
        user: str,
        now: dt.datetime,
        run_id: int,
        report: ImportReport,
    ) -> None:
        """Re-key records stored under a row's ``former_source_id`` (see :meth:`import_records`)."""
        incoming = set(columns["source_id"])
        taken: dict[str, str] = {}
        for sid, old in zip(columns["source_id"], columns["former_source_id"], strict=True):
            if not old or sid in existing or old not in existing or old in incoming:
                continue
            if old not in taken:
                taken[old] = sid
        t = incidents_table
        history: list[dict[str, Any]] = []
        for old, new in taken.items():
            incident_id = existing[old][0]
            version = conn.execute(sa.select(t.c.version).where(t.c.id == incident_id)).scalar_one()
            conn.execute(
                sa.update(t)
                .where(t.c.id == incident_id)
                .values(source_id=new, version=version + 1, updated_by=user, updated_at=now)
            )
            history.append(
                {
                    "incident_id": incident_id,
                    "version": version + 1,
                    "at": now,
                    "username": user,
                    "action": "import",
                    "changes": {"source_id": [old, new]},
                    "import_run": run_id,
                }
            )
            existing[new] = existing.pop(old)
            report.rekeyed.append({"id": incident_id, "before": old, "after": new})
        self._insert_history(conn, history)

    def _merge_changed(
        self,
        conn: sa.Connection,
        changed: dict[str, int],
        columns: dict[str, list[Any]],
        digests: list[str],
        source: str,
        user: str,
        now: dt.datetime,
        run_id: int,
        report: ImportReport,
        history_rows: list[dict[str, Any]],
    ) -> None:
        """Three-way merge: apply the fields the source changed since it was last imported."""
        from seawatch.incidents import bulk

        t = incidents_table
        rows = conn.execute(
            sa.select(*_COLUMNS, t.c.source_values).where(
                t.c.source == source, t.c.source_id.in_(list(changed))
            )
        ).all()
        created = self._creation_values(conn, [row[0] for row in rows if not row[-1]])
        taken_over = {change["id"] for change in report.rekeyed}
        for row in rows:
            current = self._record(row[:-1])
            previous = json.loads(row[-1]) if row[-1] else created.get(current["id"], {})
            i = changed[current["source_id"]]
            record = {name: columns[name][i] for name in EDITABLE_FIELDS}
            incoming = bulk.source_values(columns, i)
            digest = digests[i]
            if report.absent:
                for name in report.absent:  # no column in this import: what it said before
                    incoming[name] = previous.get(name)
                digest = bulk.hash_values(incoming)
            diff = {}
            for name in SOURCE_FIELDS:
                if name in report.absent or _same(incoming[name], previous.get(name)):
                    continue  # the source did not change it: keep any local correction
                if record[name] == current[name]:
                    continue
                if name in COUNT_FIELDS and current[name] is not None:
                    change = {
                        "id": current["id"],
                        "source_id": current["source_id"],
                        "field": name,
                        "before": current[name],
                        "after": record[name],
                    }
                    # A record just taken over from its Main ID may have held the total of a
                    # split incident: this part's own blank replaces it (and is reported).
                    if record[name] is None and current["id"] not in taken_over:
                        report.kept.append(change)
                        continue
                    if record[name] is None or record[name] < current[name]:
                        report.decreased.append(change)
                diff[name] = [_jsonable(current[name]), _jsonable(record[name])]
            bookkeeping = {
                "source_values": dumps(incoming),
                "source_hash": digest,
            }
            if not diff:
                conn.execute(sa.update(t).where(t.c.id == current["id"]).values(**bookkeeping))
                report.unchanged += 1
                continue
            version = current["version"]
            result = conn.execute(
                sa.update(t)
                .where(t.c.id == current["id"], t.c.version == version)
                .values(
                    **{name: record[name] for name in diff},
                    **bookkeeping,
                    version=version + 1,
                    updated_by=user,
                    updated_at=now,
                )
            )
            if result.rowcount != 1:  # edited by someone else meanwhile (PostgreSQL only)
                raise ConflictError(
                    f"incident {current['id']} changed during the import; run the import again"
                )
            history_rows.append(
                {
                    "incident_id": current["id"],
                    "version": version + 1,
                    "at": now,
                    "username": user,
                    "action": "import",
                    "changes": diff,
                    "import_run": run_id,
                }
            )
            report.updated_ids.append(current["id"])

    @staticmethod
    def _creation_values(conn: sa.Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
        """What each incident was created with (its version-1 history row), JSON-ready."""
        if not ids:
            return {}
        h = history_table
        rows = conn.execute(
            sa.select(h.c.incident_id, h.c.changes).where(
                h.c.incident_id.in_(ids), h.c.version == 1
            )
        )
        return {
            incident_id: {name: new for name, (_old, new) in changes.items()}
            for incident_id, changes in rows
        }


class _KeyTakenError(Exception):
    """Another create with the same user and idempotency key was stored first."""


def _same(a: Any, b: Any) -> bool:
    """Equal as a source value: None, "" and [] all mean "not given"."""
    empty = (None, "")
    return ((a in empty or a == []) and (b in empty or b == [])) or a == b


def _far_future() -> dt.datetime:
    # Filters may name any time; only stored incident times are checked against "now".
    return dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
