"""Stored drifts: lifecycle, outputs kept whole, interruption at restart, latest per incident."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seawatch.errors import NotFoundError
from seawatch.incidents.drifts import INTERRUPTED, DriftStore, one_line
from seawatch.incidents.model import HEAD_REVISION
from seawatch.incidents.store import IncidentStore
from tests.drift_fixture import make_drift

REQUEST = {"hours": 24, "object": "rubber_dinghy"}


def _incident(store: IncidentStore, status: str = "distress") -> str:
    record = store.create(
        {"position": "33 52N 12 31E", "persons": 80, "boat_type": "rubber", "status": status},
        user="amina",
    )
    return record["id"]


def test_a_drift_runs_from_queued_to_done_with_its_outputs(store):
    drifts = DriftStore(store)
    incident = _incident(store)
    out = make_drift(incident_id=incident)
    queued = drifts.create(incident, REQUEST, "amina")
    assert queued["status"] == "queued" and queued["request"] == REQUEST
    assert queued["created_by"] == "amina" and queued["started_at"] is None
    assert drifts.start(queued["id"]) and not drifts.start(queued["id"])
    assert drifts.get(queued["id"])["status"] == "running"
    assert drifts.finish(queued["id"], out["json"], out["geojson"], out["kml"], out["gpx"])
    done = drifts.get(queued["id"], outputs=True)
    assert done["status"] == "done" and done["error"] is None
    assert done["result"] == out["json"] and done["geojson"] == out["geojson"]
    assert done["kml"] == out["kml"] and done["gpx"] == out["gpx"]
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]
    # a finished drift cannot be failed or finished again
    assert not drifts.fail(queued["id"], "late") and not drifts.start(queued["id"])
    assert "geojson" not in drifts.get(queued["id"])  # summaries leave the large parts out


def test_failure_keeps_one_line(store):
    drifts = DriftStore(store)
    drift = drifts.create(_incident(store), REQUEST, "amina")
    drifts.start(drift["id"])
    assert drifts.fail(drift["id"], "Traceback...\n  noise\nthe forecast ends at 12:00 UTC\n\n")
    failed = drifts.get(drift["id"])
    assert failed["status"] == "failed" and failed["error"] == "the forecast ends at 12:00 UTC"
    assert one_line("") == "the drift failed without saying why"
    assert len(one_line("x" * 5000)) == 500


def test_unfinished_drifts_become_failed_interrupted(store):
    drifts = DriftStore(store)
    incident = _incident(store)
    running = drifts.create(incident, REQUEST, "amina")
    drifts.start(running["id"])
    queued = drifts.create(incident, REQUEST, "amina")
    done = drifts.create(incident, REQUEST, "amina")
    out = make_drift()
    drifts.finish(done["id"], out["json"], out["geojson"], out["kml"], out["gpx"])
    assert drifts.interrupt_unfinished() == 2
    assert drifts.get(running["id"])["error"] == INTERRUPTED
    assert drifts.get(queued["id"])["status"] == "failed"
    assert drifts.get(done["id"])["status"] == "done"
    # a worker that comes back late cannot overwrite the verdict
    assert not drifts.finish(running["id"], out["json"], None, None, None)
    assert drifts.unfinished() == []


def test_list_and_latest_per_incident(store):
    drifts = DriftStore(store)
    a, b, c = _incident(store), _incident(store), _incident(store)
    out = make_drift()
    first = drifts.create(a, REQUEST, "amina")
    drifts.finish(first["id"], out["json"], out["geojson"], None, None)
    second = drifts.create(a, {**REQUEST, "hours": 12}, "root")
    drifts.finish(second["id"], out["json"], out["geojson"], None, None)
    third = drifts.create(a, REQUEST, "amina")
    drifts.fail(third["id"], "no forecast")
    only_failed = drifts.create(b, REQUEST, "amina")
    drifts.fail(only_failed["id"], "no forecast")
    assert [d["id"] for d in drifts.list_for(a)] == [third["id"], second["id"], first["id"]]
    assert drifts.list_for(c) == []
    latest = drifts.latest_done([a, b, c], outputs=True)
    assert set(latest) == {a} and latest[a]["id"] == second["id"]
    assert latest[a]["geojson"] == out["geojson"]
    with pytest.raises(NotFoundError):
        drifts.list_for("0123456789abcdef")
    with pytest.raises(NotFoundError):
        drifts.create("0123456789abcdef", REQUEST, "amina")
    with pytest.raises(NotFoundError):
        drifts.get(999_999)


def test_store_upgrades_an_older_database_and_keeps_its_incidents(sqlite_url):
    with IncidentStore(sqlite_url) as store:
        incident = _incident(store)
        with store.engine.begin() as conn:  # back to schema 0002, as before drifts existed
            conn.exec_driver_sql("DROP TABLE drifts")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    with IncidentStore(sqlite_url) as store:
        assert store.get(incident)["persons"] == 80
        with store.engine.connect() as conn:
            assert sa.inspect(conn).has_table("drifts")
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                HEAD_REVISION
            )
        assert DriftStore(store).list_for(incident) == []


def test_open_cases_are_the_newest_distress_cases_with_their_newest_finished_drift(store):
    """What the live map, the maps' drift layer and the e-mail show of the open cases."""
    drifts = DriftStore(store)
    out = make_drift()

    def case(hour: int, status: str = "distress") -> str:
        return store.create(
            {"position": "33 52N 12 31E", "time": f"2025-04-05T{hour:02d}:00Z", "status": status},
            user="amina",
        )["id"]

    oldest, middle, newest = case(6), case(8), case(10)
    closed = case(11, status="rescued")
    for incident in (oldest, middle, newest, closed):
        drift = drifts.create(incident, REQUEST, "amina")
        drifts.finish(drift["id"], out["json"], out["geojson"], out["kml"], None)
    newer = drifts.create(middle, REQUEST, "root")
    drifts.finish(newer["id"], out["json"], out["geojson"], out["kml"], None)
    drifts.create(newest, REQUEST, "root")  # queued: the finished one is still shown

    cases, latest = drifts.open_cases()
    assert [c["id"] for c in cases] == [newest, middle, oldest]
    assert set(latest) == {newest, middle, oldest}
    assert latest[middle]["id"] == newer["id"] and latest[middle]["geojson"] == out["geojson"]
    assert latest[newest]["status"] == "done" and latest[newest]["kml"] == out["kml"]

    cases, latest = drifts.open_cases(limit=2)
    assert [c["id"] for c in cases] == [newest, middle] and set(latest) == {newest, middle}

    cases, latest = drifts.open_cases(drifts_of=1)  # all cases counted, one drift read
    assert [c["id"] for c in cases] == [newest, middle, oldest] and set(latest) == {newest}
