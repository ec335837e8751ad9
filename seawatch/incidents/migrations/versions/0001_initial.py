"""Initial incident store: incidents, import runs, append-only history.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Plain types, not the model's decorators: a migration must not change when the model does.
# Times are timezone-aware UTC (timestamptz on PostgreSQL, naive UTC text on SQLite); JSON is
# stored as text.
_TIMESTAMP = sa.DateTime(timezone=True)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER incident_history_no_update BEFORE UPDATE ON incident_history
    BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END""",
    """CREATE TRIGGER incident_history_no_delete BEFORE DELETE ON incident_history
    BEGIN SELECT RAISE(ABORT, 'incident history is append-only'); END""",
    """CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
    BEGIN SELECT RAISE(ABORT, 'incidents are never deleted; retract them instead'); END""",
)

_POSTGRES_TRIGGERS = (
    """CREATE FUNCTION seawatch_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'seawatch: % on % is not allowed (incidents are retracted, history is append-only)',
            TG_OP, TG_TABLE_NAME;
    END $$""",
    """CREATE TRIGGER incident_history_append_only BEFORE UPDATE OR DELETE ON incident_history
    FOR EACH ROW EXECUTE FUNCTION seawatch_refuse_change()""",
    """CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION seawatch_refuse_change()""",
)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("time", _TIMESTAMP, nullable=False),
        sa.Column("lat", sa.Float(53), nullable=False),
        sa.Column("lon", sa.Float(53), nullable=False),
        sa.Column("position_text", sa.Text),
        sa.Column("position_accuracy", sa.String(200)),
        sa.Column("persons", sa.Integer),
        sa.Column("dead", sa.Integer),
        sa.Column("missing", sa.Integer),
        sa.Column("survivors", sa.Integer),
        sa.Column("boat_type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(200)),
        sa.Column("source_quality", sa.SmallInteger),
        sa.Column("cause", sa.Text),
        sa.Column("route", sa.Text),
        sa.Column("location", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("notes", sa.Text),
        sa.Column("flags", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("source_values", sa.Text),
        sa.Column("source_hash", sa.String(64)),
        sa.UniqueConstraint("source", "source_id", name="uq_incidents_source_id"),
        sa.CheckConstraint("lat >= -90 AND lat <= 90", name="ck_incidents_lat"),
        sa.CheckConstraint("lon >= -180 AND lon <= 180", name="ck_incidents_lon"),
        sa.CheckConstraint("version >= 1", name="ck_incidents_version"),
    )
    op.create_index("ix_incidents_time", "incidents", ["time"])
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("origin", sa.Text),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_table(
        "incident_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(32), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("at", _TIMESTAMP, nullable=False),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("import_run", sa.Integer, sa.ForeignKey("import_runs.id")),
        sa.UniqueConstraint("incident_id", "version", name="uq_history_incident_version"),
    )
    op.create_index("ix_incident_history_incident_id", "incident_history", ["incident_id"])

    dialect = op.get_bind().dialect.name
    triggers = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRES_TRIGGERS}.get(dialect, ())
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("incident_history_no_update", "incident_history_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS incidents_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS incident_history_append_only ON incident_history")
        op.execute("DROP TRIGGER IF EXISTS incidents_no_delete ON incidents")
        op.execute("DROP FUNCTION IF EXISTS seawatch_refuse_change()")
    op.drop_table("incident_history")
    op.drop_table("import_runs")
    op.drop_table("incidents")
