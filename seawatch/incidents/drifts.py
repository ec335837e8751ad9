"""Stored drifts of incidents: each "where is it now?" run with its inputs and outputs.

A drift row is written when a coordinator asks for it (``queued``), marked ``running`` when the
worker starts it, and ends ``done`` (with ``drift.json``, ``drift.geojson``, KML and GPX) or
``failed`` (with the one-line reason). Rows are never deleted: a drift is evidence of what the
coordinators were told at the time. A service that stops while drifts are queued or running
marks them ``failed`` with :data:`INTERRUPTED` the next time it starts (see
:meth:`DriftStore.interrupt_unfinished`), so no drift stays "running" for ever.

The table lives in the incident store's database (migration 0003), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import shapely
import shapely.geometry
import sqlalchemy as sa

from seawatch.errors import DataError, NotFoundError
from seawatch.incidents.model import JSONText, UTCDateTime
from seawatch.incidents.store import IncidentStore
from seawatch.timeutil import now_utc

__all__ = [
    "INTERRUPTED",
    "MAP_DRIFTS",
    "OPEN_STATUSES",
    "STATUSES",
    "DriftStore",
    "drifts_table",
    "map_payload",
]

STATUSES = ("queued", "running", "done", "failed")
INTERRUPTED = "interrupted: the service stopped before the drift finished; start it again"
OPEN_STATUSES = ("distress",)
"""Incident statuses of the open cases, whose drifts the maps and the e-mail show."""
MAP_DRIFTS = 50
"""Open cases whose drift the maps draw, newest first (a drift's areas are about 0.2 MB
for 24 h: this bounds the map's download; assumption, to calibrate)."""
MAX_ERROR_CHARS = 500
"""A refusal is one sentence; longer text is cut (assumption: the engine's refusals are
under 300 characters)."""

drifts_table = sa.Table(
    "drifts",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("request", JSONText(), nullable=False),
    sa.Column("result", JSONText()),
    sa.Column("geojson", JSONText()),
    sa.Column("kml", sa.Text),
    sa.Column("gpx", sa.Text),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("started_at", UTCDateTime()),
    sa.Column("finished_at", UTCDateTime()),
)

_SUMMARY = [
    c
    for c in drifts_table.c
    if c.name not in ("geojson", "kml", "gpx")  # large: read only when asked for
]


def one_line(text: str) -> str:
    """The last non-empty line of ``text``, at most :data:`MAX_ERROR_CHARS` characters."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[-1] if lines else "the drift failed without saying why"
    return line[:MAX_ERROR_CHARS]


class DriftStore:
    """Drift rows in the database of an :class:`IncidentStore`."""

    def __init__(self, store: IncidentStore) -> None:
        self.store = store

    def _tx(self, write: bool) -> Any:
        return self.store._transaction(write=write)

    # -------------------------------------------------------------------- writing

    def create(self, incident_id: str, request: Mapping[str, Any], user: str) -> dict[str, Any]:
        """A queued drift of an existing incident.

        Raises
        ------
        NotFoundError
            No such incident.
        """
        if not user or not str(user).strip():
            raise DataError("a user name is required to start a drift")
        with self._tx(write=True) as conn:
            self.store._get(conn, incident_id)
            drift_id = conn.execute(
                sa.insert(drifts_table).values(
                    incident_id=incident_id,
                    status="queued",
                    request=dict(request),
                    created_by=str(user).strip()[:200],
                    created_at=now_utc(),
                )
            ).inserted_primary_key[0]
        return self.get(int(drift_id))

    def _set(self, drift_id: int, allowed: Iterable[str], **values: Any) -> bool:
        with self._tx(write=True) as conn:
            result = conn.execute(
                sa.update(drifts_table)
                .where(drifts_table.c.id == drift_id, drifts_table.c.status.in_(list(allowed)))
                .values(**values)
            )
        return result.rowcount == 1

    def start(self, drift_id: int) -> bool:
        """Mark a queued drift running; False if it is no longer queued."""
        return self._set(drift_id, ("queued",), status="running", started_at=now_utc())

    def finish(
        self,
        drift_id: int,
        result: Mapping[str, Any],
        geojson: Mapping[str, Any] | None,
        kml: str | None,
        gpx: str | None,
    ) -> bool:
        """Store the outputs of a drift that ran; False if it was not running (interrupted)."""
        return self._set(
            drift_id,
            ("queued", "running"),
            status="done",
            result=dict(result),
            geojson=dict(geojson) if geojson is not None else None,
            kml=kml,
            gpx=gpx,
            error=None,
            finished_at=now_utc(),
        )

    def fail(self, drift_id: int, error: str) -> bool:
        """Mark a drift failed with the one-line reason; False if it had already ended."""
        return self._set(
            drift_id,
            ("queued", "running"),
            status="failed",
            error=one_line(error),
            finished_at=now_utc(),
        )

    def interrupt_unfinished(self) -> int:
        """Mark every queued or running drift failed (:data:`INTERRUPTED`); how many there were.

        Called when the web service starts: the worker that ran them is gone.
        """
        with self._tx(write=True) as conn:
            result = conn.execute(
                sa.update(drifts_table)
                .where(drifts_table.c.status.in_(["queued", "running"]))
                .values(status="failed", error=INTERRUPTED, finished_at=now_utc())
            )
        return int(result.rowcount or 0)

    # -------------------------------------------------------------------- reading

    @staticmethod
    def _row(row: Any) -> dict[str, Any]:
        return dict(row._mapping)

    def get(self, drift_id: int, outputs: bool = False) -> dict[str, Any]:
        """One drift (``outputs``: also its GeoJSON, KML and GPX).

        Raises
        ------
        NotFoundError
            No such drift.
        """
        columns = list(drifts_table.c) if outputs else _SUMMARY
        with self._tx(write=False) as conn:
            row = conn.execute(
                sa.select(*columns).where(drifts_table.c.id == int(drift_id))
            ).one_or_none()
        if row is None:
            raise NotFoundError(f"no drift with id {drift_id}")
        return self._row(row)

    def list_for(self, incident_id: str, geojson: bool = False) -> list[dict[str, Any]]:
        """The drifts of an incident, newest first, without their KML and GPX (and without
        their GeoJSON unless ``geojson``: it holds the search areas of every hour)."""
        columns = [*_SUMMARY, drifts_table.c.geojson] if geojson else _SUMMARY
        with self._tx(write=False) as conn:
            self.store._get(conn, incident_id)
            rows = conn.execute(
                sa.select(*columns)
                .where(drifts_table.c.incident_id == incident_id)
                .order_by(drifts_table.c.created_at.desc(), drifts_table.c.id.desc())
            ).all()
        return [self._row(r) for r in rows]

    def latest_done(
        self, incident_ids: Iterable[str], outputs: bool = False
    ) -> dict[str, dict[str, Any]]:
        """The newest finished drift of each of ``incident_ids`` that has one."""
        wanted = sorted(set(incident_ids))
        columns = list(drifts_table.c) if outputs else _SUMMARY
        found: dict[str, dict[str, Any]] = {}
        d = drifts_table
        with self._tx(write=False) as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                newest = (
                    sa.select(d.c.incident_id, sa.func.max(d.c.id).label("id"))
                    .where(d.c.status == "done", d.c.incident_id.in_(chunk))
                    .group_by(d.c.incident_id)
                    .subquery()
                )
                rows = conn.execute(sa.select(*columns).join(newest, newest.c.id == d.c.id)).all()
                for row in rows:
                    found[row.incident_id] = self._row(row)
        return found

    def open_cases(
        self, limit: int | None = None, drifts_of: int | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        """The open distress cases, newest first (the ``limit`` newest; all when None), and the
        newest finished drift, with its outputs, of each of the first ``drifts_of`` of them (all
        listed when None) that has one, by incident id."""
        cases = self.store.list(statuses=OPEN_STATUSES, limit=limit)
        wanted = cases if drifts_of is None else cases[:drifts_of]
        return cases, self.latest_done([c["id"] for c in wanted], outputs=True)

    def unfinished(self) -> list[dict[str, Any]]:
        """Queued and running drifts, oldest first."""
        with self._tx(write=False) as conn:
            rows = conn.execute(
                sa.select(*_SUMMARY)
                .where(drifts_table.c.status.in_(["queued", "running"]))
                .order_by(drifts_table.c.id)
            ).all()
        return [self._row(r) for r in rows]


def age_hours(drift: Mapping[str, Any], now: dt.datetime | None = None) -> float | None:
    """Hours since the drift finished (None if it has not)."""
    finished = drift.get("finished_at")
    if finished is None:
        return None
    return (now_utc(now) - finished).total_seconds() / 3600.0


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(dt.UTC)


def datum_at(result: Mapping[str, Any], when: dt.datetime) -> dict[str, Any] | None:
    """The datum of the drift's last output hour at or before ``when``.

    Before the drift starts, its first point; after it ends, its last (the caller tells the
    reader the drift has ended: ``ended`` is True then). ``{"time", "lat", "lon", "ended"}``.
    """
    track = list(result.get("datum_track") or [])
    if not track:
        datum = result.get("datum")
        end = result.get("end_time")
        if not datum or not end:
            return None
        return {"time": _parse(end), "lat": datum["lat"], "lon": datum["lon"], "ended": True}
    chosen = track[0]
    for point in track:
        if _parse(point["time"]) <= when:
            chosen = point
    at = _parse(chosen["time"])
    ended = chosen is track[-1] and when > at
    return {"time": at, "lat": float(chosen["lat"]), "lon": float(chosen["lon"]), "ended": ended}


def area_at(
    result: Mapping[str, Any],
    geojson: Mapping[str, Any] | None,
    at: dt.datetime,
    probability: float = 0.9,
) -> float | None:
    """Search area [NM²] of ``probability`` at output hour ``at`` (from ``drift.geojson``).

    Without per-hour areas, the end-of-drift area when ``at`` is the end time, else None.
    """
    for feature in (geojson or {}).get("features", ()):
        props = feature.get("properties") or {}
        if (
            props.get("kind") == "area"
            and abs(float(props.get("probability", -1)) - probability) < 1e-6
            and props.get("time")
            and _parse(props["time"]) == at
        ):
            value = props.get("area_nm2")
            return None if value is None else float(value)
    if result.get("end_time") and _parse(result["end_time"]) == at:
        for area in result.get("areas") or ():
            if abs(float(area.get("probability", -1)) - probability) < 1e-6:
                return float(area["area_nm2"])
    return None


def _rounded(value: Any, decimals: int = 5) -> Any:
    """Floats rounded (5 decimals of a degree: about 1 m), recursively; the page stays small."""
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, list | tuple):
        return [_rounded(v, decimals) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v, decimals) for k, v in value.items()}
    return value


DRIFT_SIMPLIFY_DEG = 0.0005
"""Search-area outlines on the map are simplified to about 50 m (the areas are kilometres
across; the downloads keep every vertex). Measured: a 24-hour drift on the demo forecast drew
286 kB of areas, 49 kB simplified."""


def _simplified(geometry: dict[str, Any]) -> dict[str, Any]:
    shape = shapely.geometry.shape(geometry)
    return shapely.geometry.mapping(
        shapely.simplify(shape, DRIFT_SIMPLIFY_DEG, preserve_topology=True)
    )


def map_payload(drifts: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Drifts for the map layer (``seawatch-drift.js``): each ``drift.json`` and its areas.

    Accepts the contract's ``drift.json`` dicts and the web service's
    ``{"id", "incident_id", "result", "geojson"}``; only what the layer draws is kept.
    """
    out = []
    for drift in drifts or ():
        result = drift.get("result", drift)
        geojson = drift.get("geojson", result.get("geojson"))
        kept = {
            k: result[k]
            for k in (
                "object",
                "start",
                "end_time",
                "datum_track",
                "stranded_fraction",
                "forcing",
                "hazard_along",
                "survival_hours",
                "incident_id",
            )
            if k in result
        }
        if geojson is None:
            kept["areas"] = result.get("areas", [])
        entry: dict[str, Any] = {"result": _rounded(kept)}
        if geojson is not None:
            features = [
                {**f, "geometry": _simplified(f["geometry"])}
                for f in geojson.get("features", ())
                if (f.get("properties") or {}).get("kind") == "area" and f.get("geometry")
            ]
            entry["geojson"] = {"type": "FeatureCollection", "features": _rounded(features)}
        for key in ("id", "incident_id"):
            if drift.get(key) is not None:
                entry[key] = drift[key]
        out.append(entry)
    return out
