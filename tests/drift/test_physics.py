"""The Leeway drift on a uniform synthetic forecast: where it goes, how it splits, what stops it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from shapely.geometry import Point, box

from seawatch.drift import DriftRefusalError, DriftRequest, run_drift
from seawatch.drift.areas import LocalProjection
from seawatch.drift.objects import leeway_table
from seawatch.errors import DataError
from seawatch.schema import write_dataset
from tests.drift.conftest import CURRENT, LKP, START, WIND, require_opendrift, synthetic_forecast

pytestmark = pytest.mark.slow  # each drift runs OpenDrift (a few seconds)

HOURS = 24


def request(forecast: Path, **kw) -> DriftRequest:
    base = dict(lat=LKP[0], lon=LKP[1], time=START, hours=HOURS, object=27, radius_nm=0.1,
                elements=2000, seed=0, forecast=forecast)  # fmt: skip
    return DriftRequest(**{**base, **kw})


@pytest.fixture(scope="module")
def cat27(settings, forecast_file, submit, tmp_path_factory):
    """A 24 h drift of category 27 (the rubber-dinghy proxy), 2000 elements."""
    out = tmp_path_factory.mktemp("drift") / "cat27"
    result = run_drift(request(forecast_file), settings, out, submit=submit)
    return result, out


def _xy(out: Path) -> tuple[np.ndarray, np.ndarray]:
    """Final element positions in metres east and north of the LKP (local equidistant)."""
    with xr.open_dataset(out / "drift.nc") as ds:
        lon, lat = ds["lon"].values[:, -1], ds["lat"].values[:, -1]
    x, y = LocalProjection(*LKP).to_xy(lon.astype(float), lat.astype(float))
    return np.asarray(x), np.asarray(y)


def test_centroid_moves_as_the_leeway_coefficients_predict(cat27):
    """Downwind leeway (DWSLOPE * U10 + DWOFFSET, cm/s) plus the current, for 24 h.

    At U10 = 10 m/s Leeway's per-element perturbation has mean 0 (leeway.py: eps/20 * U + eps/2
    with eps ~ N(0, DWSTD)); the left and right crosswind terms of category 27 are equal and
    opposite, so the centroid's crosswind drift is ~0. Tolerance: 2 % downwind (the standard
    error of the mean of 2000 elements is 0.1 %; the rest covers the Euler steps on the
    sphere), and 3 % of the downwind distance crosswind.
    """
    _, out = cat27
    row = leeway_table()[27]
    seconds = HOURS * 3600
    expected_east = ((row["DWSLOPE"] * WIND + row["DWOFFSET"]) / 100.0 + CURRENT) * seconds
    x, y = _xy(out)
    assert np.isfinite(x).all()
    assert x.mean() == pytest.approx(expected_east, rel=0.02)
    assert abs(y.mean()) < 0.03 * expected_east


def test_left_and_right_of_downwind_split_the_cloud(cat27):
    """Half the elements drift left of downwind, half right; the cloud has two lobes."""
    _, out = cat27
    row = leeway_table()[27]
    crosswind = (row["CWRSLOPE"] * WIND + row["CWROFFSET"]) / 100.0 * HOURS * 3600
    _, y = _xy(out)
    north, south = (y > 0).mean(), (y < 0).mean()
    assert 0.35 < north < 0.65 and 0.35 < south < 0.65
    # most elements sit well off the downwind line, on one side or the other
    assert np.median(np.abs(y)) > 0.3 * crosswind
    lobe_n = np.median(y[y > 0])
    lobe_s = np.median(y[y < 0])
    assert lobe_n > 0.4 * crosswind and lobe_s < -0.4 * crosswind


def test_datum_lies_in_the_50_percent_area_and_downwind(cat27):
    result, _ = cat27
    from shapely.geometry import shape

    area50 = shape(result["areas"][0]["polygon"])
    datum = Point(result["datum"]["lon"], result["datum"]["lat"])
    assert area50.buffer(1e-4).contains(datum)
    assert result["areas"][0]["area_nm2"] < result["areas"][1]["area_nm2"]
    assert result["datum"]["lon"] > LKP[1] + 0.5  # about 0.7 degrees east in 24 h
    assert len(result["datum_track"]) == HOURS + 1
    assert result["stranded_fraction"] == 0.0


def test_same_seed_same_result_other_seed_other_result(settings, forecast_file, submit, tmp_path):
    outs = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        req = request(forecast_file, hours=3, elements=300, seed=seed)
        run_drift(req, settings, tmp_path / name, submit=submit)
        with xr.open_dataset(tmp_path / name / "drift.nc") as ds:
            outs[name] = ds["lon"].values.copy()
    np.testing.assert_array_equal(outs["a"], outs["b"])
    assert not np.array_equal(outs["a"], outs["c"])


ISLAND = box(16.25, 34.85, 16.35, 35.15)  # 0.1 x 0.3 degrees, about 9 x 33 km, downwind of the LKP


def test_elements_strand_on_an_island_in_their_way(settings, forecast_file, submit, tmp_path):
    result = run_drift(
        request(forecast_file, hours=12, elements=500),
        settings,
        tmp_path / "d",
        land=ISLAND,
        submit=submit,
    )
    assert result["stranded_fraction"] > 0.5
    with xr.open_dataset(tmp_path / "d" / "drift.nc") as ds:
        assert "stranded" in ds["status"].attrs["flag_meanings"].split()
        code = ds["status"].attrs["flag_meanings"].split().index("stranded")
        stranded = (ds["status"].values == code).any(axis=1)
        lon_all, lat_all = ds["lon"].values[stranded], ds["lat"].values[stranded]
    last = np.isfinite(lon_all).cumsum(axis=1).argmax(axis=1)  # last step with a position
    lon = lon_all[np.arange(last.size), last]
    lat = lat_all[np.arange(last.size), last]
    # stranded where they met the west shore (OpenDrift's coastline precision is 0.001 degree)
    assert np.all(np.abs(lon - 16.25) < 0.01)
    assert np.all((lat > 34.84) & (lat < 35.16))


def test_refuses_a_start_on_land(settings, forecast_file, tmp_path):
    require_opendrift()
    with pytest.raises(DriftRefusalError, match="on land"):
        run_drift(request(forecast_file, lat=35.0, lon=16.3), settings, tmp_path / "x", land=ISLAND)
    assert not (tmp_path / "x").exists()


def test_refuses_a_forecast_that_ends_before_the_drift(settings, forecast_file, tmp_path):
    require_opendrift()
    with pytest.raises(DriftRefusalError, match=r"ends at 2026-01-11T00:00:00Z.*--hours 24"):
        run_drift(request(forecast_file, hours=30), settings, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_refuses_a_start_after_the_forecast(settings, forecast_file, tmp_path):
    require_opendrift()
    later = START + dt.timedelta(days=3)
    with pytest.raises(DriftRefusalError, match="after the forecast ends"):
        run_drift(request(forecast_file, time=later), settings, tmp_path / "x")


def test_refuses_when_the_current_ends_before_the_drift(settings, tmp_path):
    """A merged forecast whose current source stops at hour 12 while the wind goes on."""
    require_opendrift()
    ds = synthetic_forecast()
    ds["uo"][13:] = np.nan
    ds["vo"][13:] = np.nan
    path = write_dataset(ds, tmp_path / "short_current.nc")
    with pytest.raises(
        DriftRefusalError, match=r"current \(uo, vo\).* ends at 2026-01-10T12:00:00Z.*--hours 12"
    ):
        run_drift(request(path), settings, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_currents_every_6_hours_drive_the_drift_like_hourly_ones(
    settings, forecast_file, submit, tmp_path
):
    """Each source is read at its own steps (here: current 6-hourly, wind hourly)."""
    ds = synthetic_forecast()
    coarse = np.arange(ds.sizes["time"]) % 6 != 0
    ds["uo"][coarse] = np.nan
    ds["vo"][coarse] = np.nan
    path = write_dataset(ds, tmp_path / "six_hourly_current.nc")
    a = run_drift(request(path, hours=12, elements=200), settings, tmp_path / "a", submit=submit)
    b = run_drift(
        request(forecast_file, hours=12, elements=200), settings, tmp_path / "b", submit=submit
    )
    assert a["datum"] == pytest.approx(b["datum"], abs=1e-5)


def test_refuses_when_the_cloud_leaves_the_forecast_area(settings, forecast_file, submit, tmp_path):
    """OpenDrift would deactivate the elements as missing_data and go on; seawatch refuses."""
    with pytest.raises(
        DriftRefusalError, match=r"drift out of the forecast by .*lon 15\.50\.\.19\.50"
    ):
        run_drift(
            request(forecast_file, lon=19.2, elements=200), settings, tmp_path / "x", submit=submit
        )
    assert not (tmp_path / "x").exists()


def test_object_table_names_proxies_and_reads_any_category():
    from seawatch.drift.objects import OBJECTS, object_for_boat_type, resolve_object

    require_opendrift()
    assert {k: v.category for k, v in OBJECTS.items()} == {
        "rubber_dinghy": 27, "wooden_boat": 50, "small_boat": 47, "person_in_water": 1,
    }  # fmt: skip
    assert all(o.proxy and o.reason for o in OBJECTS.values())
    assert len(leeway_table()) == 85 and leeway_table()[1]["OBJKEY"] == "PIW-1"
    assert resolve_object("85").category == 85 and not resolve_object(85).proxy
    assert resolve_object(26).vessel == "rubber_dinghy"  # the dinghy's other proxy
    assert object_for_boat_type("iron") == "small_boat"
    assert object_for_boat_type(None) == "rubber_dinghy"
    with pytest.raises(DataError, match="give 1 to 85"):
        resolve_object(86)


def test_opendrift_leaves_the_calling_process_alone(settings, forecast_file, tmp_path):
    """The default worker: no OpenDrift import, no root log handler, global RNG untouched here."""
    import logging
    import sys

    require_opendrift()
    np.random.seed(1234)
    state = np.random.get_state()[1].copy()
    handlers = list(logging.getLogger().handlers)
    run_drift(request(forecast_file, hours=1, elements=50), settings, tmp_path / "d")
    assert (tmp_path / "d" / "drift.json").is_file()
    assert "opendrift" not in sys.modules
    assert logging.getLogger().handlers == handlers
    np.testing.assert_array_equal(np.random.get_state()[1], state)
