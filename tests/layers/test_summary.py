"""Summaries per departure area and SAR region: windows, first times, departure windows, JSON."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import box

from seawatch.fetchers.demo import demo_forecast
from seawatch.layers.risk import build_risk
from seawatch.layers.summary import summarize
from tests.layers.conftest import START


@pytest.fixture
def risk(settings, params):
    return build_risk(demo_forecast(settings, start=START), None, params.risk)


def test_bundled_areas(risk, params):
    summary = summarize(risk, params.summary)
    areas = set(summary.departures["area_id"])
    assert {"zuwara", "sabratha", "zawiya", "tripoli"} <= areas  # those inside the test area
    assert set(summary.sar_regions["area_id"]) >= {"libya"}
    rows = summary.departures.query("area_id == 'tripoli' and vessel == 'rubber_dinghy'")
    assert len(rows) == 120 // 6
    assert (rows["window_end"] - rows["window_start"]).eq(np.timedelta64(6, "h")).all()
    assert rows["worst_level"].between(0, 4).all()
    assert rows["mean_score"].between(0, 5).all()


def synthetic_risk(levels: np.ndarray) -> xr.Dataset:
    """A risk dataset with given rubber-dinghy levels per hour (same on every cell)."""
    times = np.datetime64("2026-02-03T00", "ns") + np.arange(levels.size) * np.timedelta64(1, "h")
    vessels = ["rubber_dinghy", "wooden_boat", "small_boat"]
    lat, lon = np.array([33.0, 33.05]), np.array([12.0, 12.05])
    level = (
        np.broadcast_to(levels[:, None, None, None], (levels.size, 3, 2, 2)).astype(np.int8).copy()
    )
    level[:, 1] = np.maximum(level[:, 1], 1)
    score = level.astype(np.float32) + 0.25
    return xr.Dataset(
        {
            "hazard_level": (("time", "vessel", "lat", "lon"), level),
            "hazard_score": (("time", "vessel", "lat", "lon"), score),
            "land": (("lat", "lon"), np.zeros((2, 2), np.int8)),
        },
        coords={"time": times, "vessel": vessels, "lat": lat, "lon": lon},
        attrs={"reference_time": "2026-02-03T00:00:00Z", "source": "x", "risk_model_version": "v"},
    )


def areas(name):
    return gpd.GeoDataFrame(
        {"id": [name], "name": [name.title()]}, geometry=[box(11.9, 32.9, 12.1, 33.1)], crs=4326
    )


def test_windows_first_times_and_departure_windows(params):
    levels = np.array([0] * 14 + [2] * 4 + [3] * 6 + [0] * 12 + [4] * 2, dtype=np.int8)  # 38 h
    summary = summarize(
        synthetic_risk(levels),
        params.summary,
        departure_areas=areas("zuwara"),
        sar_regions=areas("libya"),
    )
    rubber = summary.departures.query("vessel == 'rubber_dinghy'")
    assert rubber["worst_level"].tolist() == [0, 0, 2, 3, 0, 0, 4]
    assert rubber["mean_score"].iloc[2] == pytest.approx((2 * 0.25 + 4 * 2.25) / 6)
    first = summary.first_reached.query("kind == 'departure' and vessel == 'rubber_dinghy'")
    times = {name: f"{t:%d %H}" for name, t in zip(first["level_name"], first["time"], strict=True)}
    assert times == {"moderate": "03 14", "high": "03 14", "severe": "03 18", "extreme": "04 12"}
    # Departure windows: the area's worst level at or below Moderate for at least 6 h (the same
    # statistic as the table above, so a row of L and M cells is a window).
    calm = summary.departure_windows.query("vessel == 'rubber_dinghy'")
    assert calm["hours"].tolist() == [14, 12]
    assert [f"{t:%d %H}" for t in calm["start"]] == ["03 00", "04 00"]
    assert [f"{t:%d %H}" for t in calm["end"]] == ["03 14", "04 12"]
    assert not calm["trap"].any() and not calm["open_ended"].any()
    # Wooden boats are never below Moderate here (synthetic_risk): Moderate is inside the window.
    wooden = summary.departure_windows.query("vessel == 'wooden_boat'")
    assert wooden["hours"].tolist() == [14, 12]
    data = json.loads(summary.to_json())
    assert data["departure_windows"][0]["start"] == "2026-02-03T00:00:00Z"
    assert data["window_min_hours"] == 6 and data["trap_level_rubber_dinghy"] == 2
    assert data["departures"][0]["worst_level_name"] == "low"
    assert data["sar_regions"] and data["first_reached"]


def test_from_file_decoded_levels(risk, params, tmp_path):
    from seawatch import schema

    path = schema.write_dataset(risk.isel(time=slice(0, 12)), tmp_path / "risk.nc")
    from_disk = summarize(schema.open_dataset(path), params.summary).to_dict()
    in_memory = summarize(risk.isel(time=slice(0, 12)), params.summary).to_dict()
    # The file packs the score to 0.01 (schema.RISK_PACKING): area means agree to that, the rest
    # (levels, windows, cells) exactly.
    step = schema.RISK_PACKING["hazard_score"].scale_factor

    def scores(node: object, out: list[float]) -> object:
        if isinstance(node, dict):
            return {
                k: scores(v, out) if k != "mean_score" else out.append(v) for k, v in node.items()
            }
        if isinstance(node, list):
            return [scores(v, out) for v in node]
        return node

    disk_scores: list[float] = []
    memory_scores: list[float] = []
    assert scores(from_disk, disk_scores) == scores(in_memory, memory_scores)
    assert disk_scores and len(disk_scores) == len(memory_scores)
    np.testing.assert_allclose(disk_scores, memory_scores, rtol=0, atol=step)


def test_summary_file_reads_back_as_made(risk, params, tmp_path):
    """What the build writes beside risk.nc is what products read: the same frames and meta."""
    from pandas.testing import assert_frame_equal

    from seawatch.summaries import read_summary, summary_path, write_summary

    made = summarize(risk, params.summary)
    written = write_summary(made, tmp_path / "risk.nc")
    assert written == summary_path(tmp_path / "risk.nc") == tmp_path / "risk.summary.json"
    read = read_summary(tmp_path / "risk.nc", risk.attrs["created_at"])
    assert read.meta == made.meta and made.meta["risk_created_at"] == risk.attrs["created_at"]
    for name in ("departures", "sar_regions", "first_reached", "departure_windows", "traps"):
        assert_frame_equal(
            getattr(read, name).reset_index(drop=True),
            getattr(made, name).reset_index(drop=True),
            check_dtype=False,
        )
    assert read.to_json() == made.to_json()


def test_summary_of_another_build_or_none_is_one_line(risk, params, tmp_path):
    from seawatch.errors import DataError
    from seawatch.summaries import read_summary, write_summary

    with pytest.raises(
        DataError, match=r"no risk summary at .*risk.summary.json; run `seawatch build`"
    ):
        read_summary(tmp_path / "risk.nc")
    write_summary(summarize(risk, params.summary), tmp_path / "risk.nc")
    with pytest.raises(DataError, match="not from the risk file in use") as err:
        read_summary(tmp_path / "risk.nc", "2020-01-01T00:00:00Z")
    assert "\n" not in str(err.value)
    (tmp_path / "risk.summary.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="unreadable"):
        read_summary(tmp_path / "risk.nc")
