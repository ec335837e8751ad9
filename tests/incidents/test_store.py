"""The incident store on SQLite and PostgreSQL: validation, versions, history, no deletions."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from seawatch.config import load_settings
from seawatch.errors import ConflictError, DataError, NotFoundError, PositionError
from seawatch.incidents.model import RECORD_FIELDS
from seawatch.incidents.store import IncidentStore, normalize_url

UTC = dt.UTC
AT_SEA = "33°12.5'N 012°45.3'E"  # about 35 nm north of Zuwara
TRIPOLI = "32.895, 13.180"  # on land


def test_create_returns_full_record(store: IncidentStore) -> None:
    rec = store.create(
        {
            "position": AT_SEA,
            "time": "2025-04-05T08:30+02:00",
            "persons": 80,
            "dead": 2,
            "boat_type": "rubber",
            "notes": "engine failure",
        },
        user="amina",
    )
    assert set(rec) == set(RECORD_FIELDS)
    assert rec["version"] == 1
    assert rec["time"] == dt.datetime(2025, 4, 5, 6, 30, tzinfo=UTC)
    assert rec["lat"] == pytest.approx(33 + 12.5 / 60)
    assert rec["lon"] == pytest.approx(12 + 45.3 / 60)
    assert rec["position_text"] == AT_SEA
    assert rec["missing"] is None and rec["survivors"] is None  # unknown, never 0
    assert rec["status"] == "distress" and rec["source"] == "coordinator"
    assert rec["created_by"] == rec["updated_by"] == "amina"
    assert rec["created_at"].tzinfo is not None
    assert rec["flags"] == []
    assert store.get(rec["id"]) == rec


def test_create_defaults_time_to_now(store: IncidentStore) -> None:
    before = dt.datetime.now(UTC)
    rec = store.create({"lat": 33.5, "lon": 12.5}, user="u")
    assert before <= rec["time"] <= dt.datetime.now(UTC)
    assert rec["position_text"] is None


def test_create_flags_positions_on_land(store: IncidentStore) -> None:
    assert store.create({"position": TRIPOLI}, user="u")["flags"] == ["on_land"]


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"position": "95, 12"}, PositionError, "latitude 95 is out of range"),
        ({"lat": 95, "lon": 12}, PositionError, "latitude 95 is out of range"),
        ({"lat": 33, "lon": -190}, PositionError, "longitude -190 is out of range"),
        ({"lat": 33}, DataError, "give both lat and lon"),
        ({}, DataError, "a position is required"),
        ({"position": "33 61N 12E"}, PositionError, "minutes 61 must be less than 60"),
        ({"position": AT_SEA, "dead": -1}, DataError, "dead -1 must be 0 or more"),
        ({"position": AT_SEA, "dead": 2.5}, DataError, "is not a whole number"),
        ({"position": AT_SEA, "dead": True}, DataError, "must be a whole number"),
        ({"position": AT_SEA, "boat_type": "yacht"}, DataError, "boat_type 'yacht' must be"),
        ({"position": AT_SEA, "status": "lost"}, DataError, "status 'lost' must be"),
        ({"position": AT_SEA, "source_quality": 7}, DataError, "source_quality 7 must be 1 to 5"),
        ({"position": AT_SEA, "colour": "red"}, DataError, "unknown field 'colour'"),
        ({"position": AT_SEA, "time": "yesterday"}, DataError, "is not a date and time"),
        ({"position": AT_SEA, "time": "2999-01-01"}, DataError, "is in the future"),
        ({"position": AT_SEA, "persons": 5, "dead": 6}, DataError, "more than persons on board"),
        ({"position": AT_SEA, "notes": "x" * 20001}, DataError, "the limit is 20000"),
    ],
)
def test_invalid_create_writes_nothing(
    store: IncidentStore, fields: dict, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        store.create(fields, user="u")
    assert message in str(info.value)
    assert store.count() == 0


def test_user_is_required(store: IncidentStore) -> None:
    with pytest.raises(DataError, match="user name is required"):
        store.create({"position": AT_SEA}, user=" ")


def test_update_history_and_conflict(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA, "persons": 80}, user="amina")
    v2 = store.update(rec["id"], {"survivors": 74, "dead": 3}, version=1, user="omar")
    assert v2["version"] == 2 and v2["survivors"] == 74 and v2["updated_by"] == "omar"
    assert v2["created_by"] == "amina"

    with pytest.raises(ConflictError) as info:
        store.update(rec["id"], {"survivors": 70}, version=1, user="khaled")
    assert info.value.current["version"] == 2
    assert info.value.current["survivors"] == 74
    assert "version 2" in str(info.value) and "based on version 1" in str(info.value)
    assert store.get(rec["id"])["survivors"] == 74  # the stale edit changed nothing

    history = store.history(rec["id"])
    assert [h["version"] for h in history] == [1, 2]
    assert [h["action"] for h in history] == ["create", "update"]
    assert history[0]["user"] == "amina" and history[1]["user"] == "omar"
    assert history[1]["changes"] == {"dead": [None, 3], "survivors": [None, 74]}
    assert history[0]["changes"]["persons"] == [None, 80]
    assert all(h["at"].tzinfo is not None for h in history)


def test_update_without_change_keeps_version(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA, "persons": 80}, user="u")
    same = store.update(rec["id"], {"persons": 80}, version=1, user="u")
    assert same["version"] == 1
    assert len(store.history(rec["id"])) == 1


def test_update_position_text_is_parsed_and_flags_follow(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA}, user="u")
    moved = store.update(rec["id"], {"position": TRIPOLI}, version=1, user="u")
    assert moved["lat"] == pytest.approx(32.895) and moved["flags"] == ["on_land"]
    back = store.update(rec["id"], {"lat": 33.5, "lon": 12.5}, version=2, user="u")
    assert back["flags"] == [] and back["position_text"] is None
    changes = store.history(rec["id"])[2]["changes"]
    assert changes["position_text"] == [TRIPOLI, None]
    assert changes["flags"] == [["on_land"], []]


def test_invalid_update_writes_nothing(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA}, user="u")
    with pytest.raises(PositionError):
        store.update(rec["id"], {"position": "33 61N 12E", "dead": 4}, version=1, user="u")
    with pytest.raises(DataError):
        store.update(rec["id"], {"status": None}, version=1, user="u")
    assert store.get(rec["id"]) == rec
    assert len(store.history(rec["id"])) == 1


def test_unknown_incident(store: IncidentStore) -> None:
    with pytest.raises(NotFoundError):
        store.get("0123456789abcdef")
    with pytest.raises(NotFoundError):
        store.update("0123456789abcdef", {"dead": 1}, version=1, user="u")
    with pytest.raises(NotFoundError):
        store.history("0123456789abcdef")


def test_retract_keeps_record_and_history(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA, "notes": "first report"}, user="u")
    with pytest.raises(ConflictError):
        store.retract(rec["id"], user="u", version=7)
    gone = store.retract(rec["id"], user="lead", reason="duplicate of another case")
    assert gone["status"] == "retracted" and gone["version"] == 2
    assert gone["notes"] == "first report\nduplicate of another case"
    assert store.retract(rec["id"], user="lead") == gone  # idempotent
    assert store.get(rec["id"])["status"] == "retracted"
    assert [h["action"] for h in store.history(rec["id"])] == ["create", "retract"]
    assert store.list() == []
    assert [r["id"] for r in store.list(include_retracted=True)] == [rec["id"]]
    assert [r["id"] for r in store.list(statuses=["retracted"])] == [rec["id"]]
    restored = store.update(rec["id"], {"status": "closed"}, version=2, user="lead")
    assert restored["status"] == "closed"


def test_database_refuses_deletes_and_history_changes(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA}, user="u")
    for statement in (
        "DELETE FROM incidents",
        "DELETE FROM incident_history",
        "UPDATE incident_history SET username = 'someone else'",
    ):
        with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert store.get(rec["id"]) == rec
    assert store.history(rec["id"])[0]["user"] == "u"


def test_duplicate_source_id_is_refused(store: IncidentStore) -> None:
    store.create({"position": AT_SEA, "source": "partner feed", "source_id": "A-1"}, user="u")
    with pytest.raises(DataError, match="already has source 'partner feed' id 'A-1'"):
        store.create({"position": AT_SEA, "source": "partner feed", "source_id": "A-1"}, user="u")
    store.create({"position": AT_SEA, "source": "other", "source_id": "A-1"}, user="u")


def test_list_filters(store: IncidentStore) -> None:
    def add(day: int, lat: float, lon: float, **extra: object) -> str:
        fields = {"time": dt.datetime(2025, 4, day, 12, tzinfo=UTC), "lat": lat, "lon": lon}
        return store.create({**fields, **extra}, user="u")["id"]

    a = add(1, 33.0, 12.0, status="distress", source_quality=5)
    b = add(2, 34.0, 13.0, status="rescued", source_quality=2)
    c = add(3, 36.0, 19.5, status="capsized")
    assert [r["id"] for r in store.list()] == [c, b, a]  # newest first
    assert [r["id"] for r in store.list(since="2025-04-02T12:00Z")] == [c, b]
    assert [r["id"] for r in store.list(until=dt.datetime(2025, 4, 2, 12, tzinfo=UTC))] == [a]
    assert [r["id"] for r in store.list(bbox=(11.5, 32.5, 13.5, 34.5))] == [b, a]
    assert [r["id"] for r in store.list(statuses=["capsized", "rescued"])] == [c, b]
    assert [r["id"] for r in store.list(min_quality=3)] == [a]
    assert [r["id"] for r in store.list(limit=1)] == [c]
    assert store.list(source="iom_mmp") == []
    assert store.count() == 3


def test_resolve_id(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA}, user="u")
    assert store.resolve_id(rec["id"][:6]) == rec["id"]
    with pytest.raises(DataError, match="too short"):
        store.resolve_id("ab")
    with pytest.raises(NotFoundError):
        store.resolve_id("zzzzzz")


def test_reopen_keeps_data_and_schema(store_url: str) -> None:
    with IncidentStore(store_url) as first:
        rec = first.create({"position": AT_SEA}, user="u")
    with IncidentStore(store_url) as second:
        assert second.get(rec["id"]) == rec
    with IncidentStore(store_url, migrate=False) as third:
        assert third.count() == 1


def test_unknown_newer_schema_is_refused(sqlite_url: str) -> None:
    with IncidentStore(sqlite_url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DataError, match="upgrade seawatch"):
        IncidentStore(sqlite_url)


def test_sqlite_is_in_wal_mode(sqlite_url: str) -> None:
    with IncidentStore(sqlite_url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_in_memory_store() -> None:
    with IncidentStore("sqlite://") as store:
        rec = store.create({"position": AT_SEA}, user="u")
        assert store.get(rec["id"])["version"] == 1


def test_from_settings_uses_data_dir(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, environ={})
    with IncidentStore.from_settings(settings) as store:
        store.create({"position": AT_SEA}, user="u")
    assert (tmp_path / "incidents.sqlite").is_file()


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert normalize_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(DataError, match="cannot open the incident store") as info:
        IncidentStore("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2")
    assert "secret" not in str(info.value)
    assert "\n" not in str(info.value)


def _store_file(tmp_path: Path, incidents: int = 60) -> Path:
    path = tmp_path / "incidents.sqlite"
    with IncidentStore(f"sqlite:///{path}") as store:
        for i in range(incidents):
            store.create({"position": AT_SEA, "persons": i + 1, "notes": "x" * 2000}, user="u")
    return path


@pytest.mark.parametrize("damage", ["cut-short", "not-a-database"])
def test_damaged_store_is_one_line_and_left_as_it_is(tmp_path: Path, damage: str) -> None:
    """A cut-short copy of the store was 'internal error: DatabaseError: (sqlite3.DatabaseError)
    database disk image is malformed'; the file must be kept for inspection, never rebuilt."""
    path = _store_file(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if damage == "cut-short" else b"incidents\n" * 50)
    before = path.read_bytes()
    with pytest.raises(DataError) as info:
        IncidentStore(f"sqlite:///{path}")
    message = str(info.value)
    assert message.startswith(f"cannot open the incident store sqlite:///{path}: ")
    assert message.endswith(
        "the file is damaged; keep it as it is for inspection, stop seawatch and restore the "
        "last backup of incidents.sqlite (docs/operations.md, section 7)"
    )
    assert path.read_bytes() == before


def test_read_only_store_says_what_to_do(tmp_path: Path) -> None:
    """SQLite cannot read a WAL store in a directory this user cannot write."""
    path = _store_file(tmp_path, incidents=2)
    path.parent.chmod(0o555)
    path.chmod(0o444)
    plain_user = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
    code = (
        f"from seawatch.incidents.store import IncidentStore\nIncidentStore('sqlite:///{path}')\n"
    )
    try:
        proc = subprocess.run(
            [*(plain_user if os.geteuid() == 0 else []), sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": os.getcwd()},
        )
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("seawatch.errors.DataError: cannot open the incident store"), last
    assert f"give this user write access to {tmp_path}" in last
    with IncidentStore(f"sqlite:///{path}") as store:
        assert store.count() == 2


def test_position_correction_clears_far_from_country(store: IncidentStore) -> None:
    rec = store.create({"position": AT_SEA, "flags": ["far_from_country", "split"]}, user="u")
    assert rec["flags"] == ["far_from_country", "split"]
    fixed = store.update(rec["id"], {"position": "33 10N 12 40E"}, version=1, user="amina")
    assert fixed["flags"] == ["split"]
