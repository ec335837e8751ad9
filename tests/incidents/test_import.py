"""Imports: idempotent, newer files update with history, local corrections survive."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from seawatch.incidents.imports import import_file, import_mmp
from seawatch.incidents.iom_mmp import parse_mmp, read_mmp
from seawatch.incidents.model import history_table
from seawatch.incidents.store import IncidentStore

from .conftest import AREA, FIXTURES

UTC = dt.UTC


def _history_count(store: IncidentStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(history_table)).scalar()


@pytest.mark.slow
def test_real_file_import_is_idempotent(store: IncidentStore, mmp_data) -> None:
    first = import_mmp(store, mmp_data, user="importer", bbox=AREA)
    inside = mmp_data.inside(AREA)
    assert first.new == len(inside.records) == 1_527
    assert first.rejected == 0
    assert first.skipped == 19_255 - 1_527
    assert store.count() == 1_527
    assert len([r for r in store.list() if "Central Mediterranean" in (r["route"] or "")]) == 1_251
    history_before = _history_count(store)
    assert history_before == 1_527

    second = import_mmp(store, mmp_data, user="importer", bbox=AREA)
    assert (second.new, second.updated, second.unchanged, second.rejected) == (0, 0, 1_527, 0)
    assert store.count() == 1_527
    assert _history_count(store) == history_before


@pytest.mark.slow
def test_real_file_import_everything(store: IncidentStore, mmp_data) -> None:
    report = import_mmp(store, mmp_data, user="importer", bbox=None)
    assert report.new == 19_242 and report.rejected == 13 and report.skipped == 0
    assert report.new + report.rejected == 19_255
    assert store.count() == 19_242
    sources = {r["source_id"] for r in store.list()}
    assert len(sources) == 19_242
    assert all(r["reason"].startswith("no incident date") for r in report.rejected_rows)


def _csv_text(rows: list[dict[str, str]]) -> str:
    columns = list(rows[0])
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join(f'"{row[c]}"' for c in columns))
    return "\n".join(lines) + "\n"


BASE = [
    {"Main ID": "T1", "Incident Date": "2024-03-01", "Number of Dead": "2",
     "Minimum Estimated Number of Missing": "", "Coordinates": "33.5, 12.5",
     "Migration Route": "Central Mediterranean", "Source Quality": "4"},
    {"Main ID": "T2", "Incident Date": "2024-03-02", "Number of Dead": "1",
     "Minimum Estimated Number of Missing": "5", "Coordinates": "34.0, 13.0",
     "Migration Route": "Central Mediterranean", "Source Quality": "3"},
    {"Main ID": "T3", "Incident Date": "2024-03-03", "Number of Dead": "",
     "Minimum Estimated Number of Missing": "40", "Coordinates": "34.5, 14.0",
     "Migration Route": "Central Mediterranean", "Source Quality": "5"},
]  # fmt: skip


def test_newer_file_updates_changed_rows_with_history(store: IncidentStore) -> None:
    first = import_mmp(store, parse_mmp(_csv_text(BASE)), user="importer")
    assert first.new == 3
    newer = [dict(row) for row in BASE]
    newer[1]["Number of Dead"] = "3"  # IOM corrected T2
    newer[2]["Coordinates"] = "34.55, 14.05"  # and moved T3
    newer.append(dict(BASE[0], **{"Main ID": "T4", "Incident Date": "2024-03-05"}))
    report = import_mmp(store, parse_mmp(_csv_text(newer)), user="importer2")
    assert (report.new, report.updated, report.unchanged, report.rejected) == (1, 2, 1, 0)
    by_source = {r["source_id"]: r for r in store.list()}
    t2 = by_source["T2"]
    assert t2["dead"] == 3 and t2["version"] == 2 and t2["updated_by"] == "importer2"
    history = store.history(t2["id"])
    assert [h["action"] for h in history] == ["import", "import"]
    assert history[1]["changes"] == {"dead": [1, 3]}
    assert history[1]["import_run"] == report.run_id
    t3 = store.history(by_source["T3"]["id"])[1]["changes"]
    assert t3["lat"] == [34.5, 34.55] and t3["position_text"] == ["34.5, 14.0", "34.55, 14.05"]
    assert by_source["T1"]["version"] == 1


def test_coordinator_correction_survives_reimport(store: IncidentStore) -> None:
    import_mmp(store, parse_mmp(_csv_text(BASE)), user="importer")
    t1 = next(r for r in store.list() if r["source_id"] == "T1")
    corrected = store.update(
        t1["id"], {"position": "33 31.0N 12 31.0E", "survivors": 12}, version=1, user="amina"
    )
    # Same file again: nothing changes, the correction stays.
    again = import_mmp(store, parse_mmp(_csv_text(BASE)), user="importer")
    assert again.unchanged == 3 and again.updated == 0
    assert store.get(t1["id"]) == corrected
    # IOM changes another field of T1: only that field is taken from the file.
    newer = [dict(row) for row in BASE]
    newer[0]["Number of Dead"] = "4"
    report = import_mmp(store, parse_mmp(_csv_text(newer)), user="importer")
    assert report.updated == 1
    now = store.get(t1["id"])
    assert now["dead"] == 4
    assert now["position_text"] == "33 31.0N 12 31.0E" and now["survivors"] == 12
    assert store.history(t1["id"])[-1]["changes"] == {"dead": [2, 4]}


def test_retracted_import_stays_retracted(store: IncidentStore) -> None:
    import_mmp(store, parse_mmp(_csv_text(BASE)), user="importer")
    t2 = next(r for r in store.list() if r["source_id"] == "T2")
    store.retract(t2["id"], user="lead", reason="duplicate of T1")
    newer = [dict(row) for row in BASE]
    newer[1]["Number of Dead"] = "9"
    import_mmp(store, parse_mmp(_csv_text(newer)), user="importer")
    now = store.get(t2["id"])
    assert now["status"] == "retracted" and now["dead"] == 9


def test_import_records_rejects_bad_rows_and_keeps_good_ones(store: IncidentStore) -> None:
    records = [
        {"source_id": "A", "time": "2024-01-01T10:00Z", "lat": 33.0, "lon": 12.0, "dead": 1},
        {"source_id": "B", "time": "2024-01-01T10:00Z", "lat": 95.0, "lon": 12.0},
        {"source_id": "C", "time": "2024-01-01T10:00Z", "lat": 33.0, "lon": 12.0, "dead": -2},
        {"source_id": "", "time": "2024-01-01T10:00Z", "lat": 33.0, "lon": 12.0},
        {"source_id": "A", "time": "2024-01-02T10:00Z", "lat": 34.0, "lon": 12.0},
        {"source_id": "E", "time": None, "lat": 33.0, "lon": 12.0},
        {"source_id": "F", "time": "2024-01-01", "position_text": "33 12.5N 12 45.3E"},
        {"source_id": "G", "time": "2024-01-01", "position_text": "33 61N 12 45E"},
        {"source_id": "H", "time": "2024-01-01", "lat": 33, "lon": 12, "status": "sailing"},
        {"source_id": "I", "time": "2024-01-01", "lat": 33, "lon": 12, "persons": 2, "dead": 3},
        {"source_id": "J", "time": "2024-01-01", "lat": 33, "lon": 12, "flags": 5},
    ]
    report = store.import_records(records, source="partner feed", user="feed")
    reasons = {r["row"]: r["reason"] for r in report.rejected_rows}
    assert report.new == 2
    assert reasons == {
        2: "latitude 95 is out of range (-90 to 90)",
        3: "dead -2 must be 0 or more (leave it empty if unknown)",
        4: "no source id",
        5: "same id as row 1; kept the first",
        6: "time is required",
        8: "'33 61N': minutes 61 must be less than 60",
        9: "status 'sailing' must be one of distress, intercepted, rescued, capsized, sunk, "
        "missing, closed, retracted",
        10: "dead + missing + survivors (3) is more than persons on board (2)",
        11: "flags must be a list of words, got 5.0",
    }
    f = next(r for r in store.list() if r["source_id"] == "F")
    assert f["lat"] == pytest.approx(33 + 12.5 / 60) and f["source"] == "partner feed"
    assert f["status"] == "closed" and f["boat_type"] == "unknown"


def test_import_file_writes_rejected_rows(tmp_path: Path, store: IncidentStore) -> None:
    report = import_file(
        store, FIXTURES / "quirks_alldata.csv", user="importer", rejected_dir=tmp_path / "imports"
    )
    assert report.new == 8  # every readable row: no area given
    assert report.skipped == 0
    rows = list(csv.DictReader(report.rejected_file.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["6", "8", "12", "13"]
    assert rows[1]["reason"] == "latitude 95.1 is out of range (-90 to 90)"
    assert rows[2]["source_id"] == ""


def test_import_file_inside_area(tmp_path: Path, store: IncidentStore) -> None:
    report = import_file(
        store, FIXTURES / "per_year_2025.csv", user="importer", bbox=AREA, rejected_dir=tmp_path
    )
    assert (report.new, report.skipped, report.rejected) == (3, 1, 1)
    assert report.summary() == (
        "3 new, 0 updated, 0 unchanged, 1 rejected, 1 outside the area of interest"
    )


def test_import_frame_from_dataframe(store: IncidentStore) -> None:
    frame = read_mmp(FIXTURES / "legacy_2017.csv").import_frame()
    assert isinstance(frame, pd.DataFrame)
    report = store.import_records(frame, source="iom_mmp", user="u", origin="legacy_2017.csv")
    assert report.new == 4
    rec = next(r for r in store.list() if r["source_id"] == "40124")
    assert rec["time"] == dt.datetime(2017, 2, 16, 12, tzinfo=UTC)
    assert rec["survivors"] == 100 and rec["dead"] == 7 and rec["missing"] is None
