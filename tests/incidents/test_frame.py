"""The incidents GeoDataFrame for the exposure layer and the maps."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest

from seawatch.incidents.frame import FRAME_COLUMNS, incidents_frame
from seawatch.incidents.model import RECORD_FIELDS
from seawatch.incidents.store import IncidentStore

UTC = dt.UTC


@pytest.fixture
def filled(store: IncidentStore) -> IncidentStore:
    def add(day: int, **extra: object) -> None:
        fields = {"time": dt.datetime(2025, 3, day, 6, tzinfo=UTC), "lat": 33.0 + day / 10}
        store.create({"lon": 12.5, **fields, **extra}, user="u")

    add(1, status="capsized", source_quality=5, dead=3)
    add(2, status="rescued", source_quality=2, survivors=40)
    add(3, status="sunk")  # quality unknown
    add(4, status="distress", source_quality=4)
    retracted = store.create({"lat": 34.0, "lon": 13.0, "time": "2025-03-05"}, user="u")
    store.retract(retracted["id"], user="u")
    return store


def _check_types(frame: gpd.GeoDataFrame) -> None:
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert frame.crs.to_epsg() == 4326
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"
    assert str(frame["created_at"].dtype) == "datetime64[ns, UTC]"
    for name in ("persons", "dead", "missing", "survivors", "source_quality"):
        assert str(frame[name].dtype) == "Int64"
    assert frame["lat"].dtype == "float64" and frame["lon"].dtype == "float64"


def test_frame_from_store(filled: IncidentStore) -> None:
    frame = incidents_frame(filled)
    _check_types(frame)
    assert len(frame) == 4  # retracted left out
    assert set(frame["status"]) == {"capsized", "rescued", "sunk", "distress"}
    row = frame[frame["status"] == "capsized"].iloc[0]
    assert row.geometry.x == 12.5 and row.geometry.y == pytest.approx(33.1)
    assert row["dead"] == 3 and pd.isna(row["missing"])


def test_frame_filters(filled: IncidentStore) -> None:
    assert len(incidents_frame(filled, since="2025-03-02")) == 3
    assert len(incidents_frame(filled, until=dt.datetime(2025, 3, 2, 6, tzinfo=UTC))) == 1
    assert set(incidents_frame(filled, min_quality=4)["status"]) == {"capsized", "distress"}
    assert set(incidents_frame(filled, statuses=["sunk", "retracted"])["status"]) == {
        "sunk",
        "retracted",
    }


def test_frame_from_records_matches_store(filled: IncidentStore) -> None:
    records = filled.list(include_retracted=True)
    from_store = incidents_frame(filled, since="2025-03-02", min_quality=3)
    from_list = incidents_frame(records, since="2025-03-02", min_quality=3)
    pd.testing.assert_frame_equal(
        from_store.drop(columns="geometry"), from_list.drop(columns="geometry")
    )
    from_frame = incidents_frame(incidents_frame(records, statuses=list(
        {"capsized", "rescued", "sunk", "distress", "retracted"}
    )), min_quality=3, since="2025-03-02")  # fmt: skip
    assert list(from_frame["id"]) == list(from_list["id"])


def test_empty_frame_has_the_same_columns(store: IncidentStore) -> None:
    for frame in (incidents_frame(store), incidents_frame([]), incidents_frame(pd.DataFrame())):
        assert len(frame) == 0
        _check_types(frame)
    assert set(RECORD_FIELDS) < set(FRAME_COLUMNS)
