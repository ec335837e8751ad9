"""The incident record and its tables (SQLAlchemy 2 declarative).

Three tables:

``incidents``
    One row per incident: position in WGS84 decimal degrees plus the text as entered, counts of
    people (NULL = unknown, never 0), boat type, status, source and source id, audit columns and
    ``version`` for optimistic concurrency. Rows are never deleted (a database trigger refuses);
    withdrawing an incident sets ``status = 'retracted'``.
``incident_history``
    Append-only (triggers refuse UPDATE and DELETE): one row per change with who, when, the
    action and the changed fields as ``{field: [old, new]}``.
``import_runs``
    One row per import of a source file, with its counts, so history rows can say which file
    changed an incident.

The schema is created and upgraded by the Alembic scripts in ``migrations/``; this module is
their reference and what the store queries with.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seawatch.jsonutil import dumps

__all__ = [
    "BOAT_TYPES",
    "EDITABLE_FIELDS",
    "HEAD_REVISION",
    "RECORD_FIELDS",
    "SOURCE_FIELDS",
    "STATUSES",
    "Base",
    "History",
    "ImportRun",
    "Incident",
    "JSONText",
    "UTCDateTime",
]

HEAD_REVISION = "0003"
"""Alembic revision of the newest schema; the store skips Alembic when the database is at it."""

BOAT_TYPES = ("rubber", "wooden", "fibreglass", "iron", "other", "unknown")
STATUSES = (
    "distress",
    "intercepted",
    "rescued",
    "capsized",
    "sunk",
    "missing",
    "closed",
    "retracted",
)

RECORD_FIELDS = (
    "id",
    "time",
    "lat",
    "lon",
    "position_text",
    "position_accuracy",
    "persons",
    "dead",
    "missing",
    "survivors",
    "boat_type",
    "status",
    "source",
    "source_id",
    "source_quality",
    "cause",
    "route",
    "location",
    "url",
    "notes",
    "flags",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
    "version",
)
"""Keys of a record dict, in display order (also the columns of the incidents frame)."""

EDITABLE_FIELDS = tuple(
    f
    for f in RECORD_FIELDS
    if f not in ("id", "created_by", "created_at", "updated_by", "updated_at", "version")
)
"""Fields a create or an update may set."""

SOURCE_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in ("source", "source_id"))
"""Fields an import may set; compared by hash to tell updated rows from unchanged ones."""


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as naive
    UTC text and come back with ``tzinfo=UTC``. Naive values given to the database are taken as
    UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class JSONText(sa.types.TypeDecorator[Any]):
    """JSON kept as text on every backend (compact, UTF-8, no PostgreSQL json operators needed)."""

    impl = sa.Text()
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    """Declarative base of the incident tables."""


class Incident(Base):
    """One incident (see DESIGN.md, "Incidents")."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    time: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    lat: Mapped[float] = mapped_column(sa.Float(53))
    lon: Mapped[float] = mapped_column(sa.Float(53))
    position_text: Mapped[str | None] = mapped_column(sa.Text)
    position_accuracy: Mapped[str | None] = mapped_column(sa.String(200))
    persons: Mapped[int | None] = mapped_column(sa.Integer)
    dead: Mapped[int | None] = mapped_column(sa.Integer)
    missing: Mapped[int | None] = mapped_column(sa.Integer)
    survivors: Mapped[int | None] = mapped_column(sa.Integer)
    boat_type: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    source: Mapped[str] = mapped_column(sa.String(64))
    source_id: Mapped[str | None] = mapped_column(sa.String(200))
    source_quality: Mapped[int | None] = mapped_column(sa.SmallInteger)
    cause: Mapped[str | None] = mapped_column(sa.Text)
    route: Mapped[str | None] = mapped_column(sa.Text)
    location: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    flags: Mapped[list[str]] = mapped_column(JSONText(), default=list)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # What the source said last time: its hash recognises an unchanged row on re-import; the
    # values (JSON, kept once an import has updated the row; before that the creation history
    # row holds them) let an import change only the fields the source itself changed, so a
    # coordinator's correction of an imported row survives later imports.
    source_values: Mapped[str | None] = mapped_column(sa.Text)
    source_hash: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.UniqueConstraint("source", "source_id", name="uq_incidents_source_id"),
        sa.CheckConstraint("lat >= -90 AND lat <= 90", name="ck_incidents_lat"),
        sa.CheckConstraint("lon >= -180 AND lon <= 180", name="ck_incidents_lon"),
        sa.CheckConstraint("version >= 1", name="ck_incidents_version"),
    )


class ImportRun(Base):
    """One import of a source file."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    username: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(64))
    origin: Mapped[str | None] = mapped_column(sa.Text)
    counts: Mapped[dict[str, int]] = mapped_column(JSONText())


class History(Base):
    """One change to one incident (append-only)."""

    __tablename__ = "incident_history"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("incidents.id"), index=True
    )
    version: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    username: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(16))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONText())
    import_run: Mapped[int | None] = mapped_column(sa.Integer, sa.ForeignKey("import_runs.id"))

    __table_args__ = (
        sa.UniqueConstraint("incident_id", "version", name="uq_history_incident_version"),
    )


incidents_table: sa.Table = Incident.__table__  # type: ignore[assignment]
history_table: sa.Table = History.__table__  # type: ignore[assignment]
import_runs_table: sa.Table = ImportRun.__table__  # type: ignore[assignment]
