"""Known-answer tests on synthetic canonical hindcasts (3 years, daily, a 6 x 7 grid).

Each planted pattern has an answer the tool must give:
- incidents on days of high index but moderate Hs: the index beats Hs alone;
- incidents on random days: no separation (AUC 0.5 inside the CI);
- incidents only on calm days in persistent weather (departure selection): odds ratios below 1
  and the future-weather placebo trips, so no skill is claimed.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seawatch.errors import DataError
from seawatch.validate.conditions import read_hindcast
from seawatch.validate.run import validate
from tests.validate.synthetic import LAND, LAT, LON, inside, plant, write_hindcast

N_BOOT = 300


@pytest.fixture(scope="module")
def persistent(tmp_path_factory):
    path = tmp_path_factory.mktemp("hc") / "persistent.nc"
    return write_hindcast(path, "2019-01-01", "2021-12-31", persistence=0.9, seed=5)


def test_index_beats_hs_when_incidents_follow_the_index_not_hs(iid):
    path, days, w = iid
    idx = inside(np.flatnonzero((w["wind"] >= 11) & (w["hs"] > 0.6) & (w["hs"] < 1.1)), days)
    incidents = plant(days, idx, seed=1)
    # plus one incident on the land cell and one undated: dropped, with the reason
    extra = incidents.iloc[:2].copy()
    extra.loc[extra.index[0], ["lat", "lon"]] = [LAT[LAND[0]], LON[LAND[1]]]
    extra.loc[extra.index[1], "time"] = pd.NaT
    report, rows = validate(
        read_hindcast([path]), pd.concat([incidents, extra]), n_boot=N_BOOT, max_distance_nm=18
    )
    assert report["covered"] == len(idx)
    assert report["dropped"] == {"no sea cell within 18 NM": 1, "undated": 1}
    index, hs = report["predictors"]["index"], report["predictors"]["hs"]
    assert index["auc_ci"][0] > 0.7
    delta = report["delta_auc_index_minus_hs"]
    assert delta["value"] > 0.2
    assert delta["ci"][0] > 0
    assert index["odds_ratio"] > 1 and index["or_ci"][0] > 1
    assert hs["auc"] < index["auc"]
    assert report["placebo"]["verdict"] == "clear"
    assert "better than wave height alone" in report["verdict"]
    # every case-day is compared with 3 or 4 same-weekday days of its month
    # (fewer where a referent's window leaves the hindcast, at the end of the record)
    sizes = rows.groupby("stratum").size()
    assert sizes.between(2, 5).all()
    assert (sizes >= 4).mean() > 0.95


def test_shuffled_labels_give_no_separation(iid):
    """Four random-day incident sets: AUCs centre on 0.5, the CIs cover it (95% each, so one
    miss in four is allowed), and no verdict claims skill."""
    path, days, _ = iid
    hindcast = read_hindcast([path])
    aucs, covered = [], 0
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        idx = inside(np.sort(rng.choice(days.size, 160, replace=False)), days)
        report, _ = validate(hindcast, plant(days, idx, seed=seed), n_boot=N_BOOT)
        assert report["n_cases"] >= 50
        index = report["predictors"]["index"]
        aucs.append(index["auc"])
        covered += index["auc_ci"][0] < 0.5 < index["auc_ci"][1]
        assert "better than wave height" not in report["verdict"]
    assert abs(np.mean(aucs) - 0.5) < 0.04
    assert covered >= 3


def test_departure_selection_reproduces_the_calm_day_artefact_and_trips_the_placebo(
    persistent,
):
    path, days, w = persistent
    idx = inside(np.flatnonzero((w["hs"] < 0.75) & (w["wind"] < 7)), days)
    report, _ = validate(read_hindcast([path]), plant(days, idx, seed=3), n_boot=N_BOOT)
    assert report["n_cases"] >= 50
    for key in ("index", "hs"):
        p = report["predictors"][key]
        assert p["odds_ratio"] < 1 and p["or_ci"][1] < 1, key
        assert p["auc_ci"][1] < 0.5, key
    assert report["placebo"]["auc"] < 0.5
    assert report["placebo"]["verdict"] == "trips"
    assert report["verdict"].startswith("No skill claim")


def test_zero_covered_is_refused_saying_what_each_file_covers(iid):
    path, days, _ = iid
    early = plant(days, np.arange(10, 20), seed=4)
    early["time"] = early["time"] - pd.Timedelta(days=4 * 365)
    with pytest.raises(DataError, match=r"^0 incidents covered: the incidents span 2015-") as err:
        validate(read_hindcast([path]), early, n_boot=N_BOOT)
    assert "the hindcast covers 2019-01-01 to 2021-12-31" in str(err.value)
    far = plant(days, np.arange(10, 20), seed=4).assign(lat=40.0, lon=25.0)
    with pytest.raises(DataError, match=r"^0 incidents covered"):
        validate(read_hindcast([path]), far, n_boot=N_BOOT)


def test_within_exposed_needs_both_fatal_and_non_fatal_boats(iid):
    path, days, _ = iid
    incidents = plant(days, np.arange(10, 40), seed=5)
    with pytest.raises(DataError, match="needs boats at sea with and without deaths"):
        validate(read_hindcast([path]), incidents, design="within-exposed", n_boot=N_BOOT)


def test_within_exposed_fatal_boats_on_high_index_days(iid):
    path, days, w = iid
    rng = np.random.default_rng(6)
    idx = inside(np.sort(rng.choice(days.size, 600, replace=False)), days)
    boats = plant(days, idx, seed=6)
    # deaths where the wind was strong, none otherwise: a hazard signal among boats at sea
    boats["dead"] = np.where(w["wind"][idx] > 10, 3, 0)
    report, rows = validate(
        read_hindcast([Path(path)]), boats, design="within-exposed", n_boot=N_BOOT
    )
    assert report["design"] == "within-exposed"
    assert report["predictors"]["index"]["auc_ci"][0] > 0.5
    assert set(rows["case"]) == {0, 1}


def test_era5_wind_netcdf_and_waves_on_other_grids_and_steps(tmp_path, iid):
    """Waves daily on 0.5 deg (canonical) and wind 6-hourly on 0.25 deg as an ERA5 NetCDF
    (CDS names and units, read by `seawatch ingest`'s reader): judged on the 6-hourly steps,
    so a one-step wind burst between two wave days is seen."""
    import xarray as xr

    from seawatch.schema import open_forecast

    canonical, days, _ = iid
    waves = tmp_path / "waves.nc"
    open_forecast(canonical).drop_vars(["u10", "v10"]).to_netcdf(waves)
    steps = pd.date_range(days[0], days[-1] + pd.Timedelta(hours=18), freq="6h")
    lat = np.arange(35.0, 32.49, -0.25)  # ERA5 latitudes run north to south
    lon = np.arange(12.0, 15.01, 0.25)
    speed = np.full((steps.size, lat.size, lon.size), 4.0, np.float32)
    burst = steps.get_loc(pd.Timestamp("2020-06-10T06:00"))
    speed[burst] = 20.0
    era5 = xr.Dataset(
        {
            "u10": (("valid_time", "latitude", "longitude"), -speed, {"units": "m s**-1"}),
            "v10": (("valid_time", "latitude", "longitude"), 0 * speed, {"units": "m s**-1"}),
        },
        coords={"valid_time": steps.values, "latitude": lat, "longitude": lon},
    )
    wind_file = tmp_path / "era5_wind.nc"
    era5.to_netcdf(wind_file)
    hindcast = read_hindcast([waves, wind_file])
    assert sorted(f["kind"] for f in hindcast.files) == ["canonical", "wind"]
    from seawatch.validate.conditions import conditions, locate

    where = locate(hindcast, np.array([33.5]), np.array([13.5]))
    cond = conditions(hindcast, where.cell)
    assert cond.step_hours == 6
    day = cond.days.get_loc(pd.Timestamp("2020-06-10"))
    assert cond.wind[day, 0] == pytest.approx(20.0)
    assert cond.wind[day - 1, 0] == pytest.approx(4.0)
    assert cond.index[day, 0, 0] >= 4.0  # force 8 for a dinghy: extreme
