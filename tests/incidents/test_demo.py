"""Demo incidents: the real IOM incidents shipped as package data, through the real reader."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import pandas as pd

from seawatch.incidents.demo import demo_incidents, demo_mmp, demo_store
from seawatch.incidents.frame import FRAME_COLUMNS

from .conftest import AREA


def test_demo_file_is_small_and_credited() -> None:
    data = resources.files("seawatch.data")
    assert data.joinpath("demo_incidents.csv").read_bytes().__len__() < 300 * 1024
    note = data.joinpath("demo_incidents.SOURCE.txt").read_text(encoding="utf-8")
    assert "IOM Missing Migrants Project" in note and "CC BY 4.0" in note


def test_demo_incidents_frame() -> None:
    frame = demo_incidents()
    assert len(frame) == 1_251
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert frame["id"].is_unique and frame["source_id"].is_unique
    assert (frame["source"] == "iom_mmp").all()
    assert frame["route"].str.contains("Central Mediterranean").all()
    west, south, east, north = AREA
    assert frame["lon"].between(west, east).all() and frame["lat"].between(south, north).all()
    assert frame["time"].min() == pd.Timestamp("2014-02-17", tz="UTC")
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"
    assert list(demo_incidents()["id"]) == list(frame["id"])  # stable ids


def test_demo_reader_is_the_mmp_reader() -> None:
    data = demo_mmp()
    assert data.layout == "alldata" and data.rejected.empty and data.rows == 1_251


def test_demo_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo' / 'incidents.sqlite'}"
    started = time.perf_counter()
    with demo_store(url) as store:
        elapsed = time.perf_counter() - started
        assert store.count() == 1_251
    print(f"demo store: 1,251 incidents in {elapsed:.2f} s")
    with demo_store(url) as again:  # idempotent
        assert again.count() == 1_251
        assert {r["version"] for r in again.list()} == {1}
