"""The risk dataset end to end: contract, land mask, CF, dask == numpy, bad input."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from seawatch import schema
from seawatch.config import ComputeSettings, RiskSettings
from seawatch.errors import ConfigError, DataError
from seawatch.fetchers.demo import demo_forecast
from seawatch.layers.capsize import DRIVER_FLAGS, RISK_MODEL_VERSION
from seawatch.layers.params import LayerParams
from seawatch.layers.risk import build_risk
from tests.layers.cfcheck import cf_check
from tests.layers.conftest import START

BIT = {name: mask for name, mask, _ in DRIVER_FLAGS}
FOUR_D = ("hazard_level", "hazard_score", "drivers", "risk")
CONTEXT = ("hs", "period", "hs_eff", "steepness", "u10", "v10", "gust", "uo", "vo", "sst")


@pytest.fixture
def demo(settings):
    return demo_forecast(settings, start=START)


@pytest.fixture
def risk(demo, params):
    return build_risk(demo, None, params.risk)


def test_contract(risk, demo):
    assert dict(risk.sizes) == {"time": 120, "vessel": 3, "lat": 31, "lon": 41}
    assert risk["vessel"].values.tolist() == list(schema.VESSELS)
    assert np.all(np.diff(risk["lat"].values) > 0) and np.all(np.diff(risk["lon"].values) > 0)
    assert risk["time"].dtype == np.dtype("datetime64[ns]")
    assert np.all(np.diff(risk["time"].values) == np.timedelta64(1, "h"))
    for name in FOUR_D:
        assert risk[name].dims == ("time", "vessel", "lat", "lon")
    assert risk["hazard_level"].dtype == np.int8
    assert risk["hazard_score"].dtype == np.float32
    assert risk["hazard_level"].attrs["flag_meanings"] == "low moderate high severe extreme"
    assert risk["drivers"].attrs["flag_meanings"].split() == [n for n, _, _ in DRIVER_FLAGS]
    assert "hazard_score / 5" in risk["risk"].attrs["long_name"]
    assert risk["exposure"].dims == ("lat", "lon")
    assert risk["survival_hours"].dims == risk["cold_shock"].dims == ("time", "lat", "lon")
    for name in CONTEXT:
        assert risk[name].dims == ("time", "lat", "lon") and risk[name].dtype == np.float32
        assert risk[name].attrs["units"]
    assert "wind-sea peak period" in risk["period"].attrs["long_name"]
    assert risk["land"].dtype == np.int8
    attrs = risk.attrs
    assert attrs["Conventions"] == "CF-1.10" and attrs["source"] == "demo-scenario"
    assert attrs["model"] == demo.attrs["model"]
    assert attrs["reference_time"] == demo.attrs["reference_time"]
    assert attrs["risk_model_version"] == RISK_MODEL_VERSION
    assert attrs["risk_overrides"] == "{}"
    assert attrs["created_at"].endswith("Z") and attrs["provenance"] and attrs["demo"] == 1


def test_level_and_score_consistent(risk):
    level = risk["hazard_level"].values
    score = risk["hazard_score"].values
    sea = level >= 0
    assert np.array_equal(level[sea], np.minimum(np.floor(score[sea]), 4).astype(np.int8))
    assert np.isnan(score[~sea]).all()
    assert set(np.unique(level[sea])) >= {1, 2, 3, 4}  # the gale gives a range of levels


def test_land_stays_masked(risk):
    land = risk["land"].values.astype(bool)
    assert land.any() and (~land).any()
    assert (risk["hazard_level"].values[..., land] == -1).all()
    assert (risk["hazard_level"].values[..., ~land] >= 0).all()
    assert (risk["drivers"].values[..., land] == -1).all()
    assert (risk["cold_shock"].values[..., land] == -1).all()
    for name in ("hazard_score", "risk", "survival_hours", *CONTEXT):
        assert np.isnan(risk[name].values[..., land]).all(), name
    assert np.isnan(risk["exposure"].values[land]).all()


def test_written_file_is_cf_clean_and_decodes(risk, tmp_path):
    path = schema.write_dataset(risk.isel(time=slice(0, 6)), tmp_path / "risk.nc")
    totals, report = cf_check(path, tmp_path)
    assert totals["FATAL"] == 0 and totals["ERROR"] == 0, report
    with xr.open_dataset(path) as back:
        assert back["vessel"].values.tolist() == list(schema.VESSELS)
        assert back["hazard_level"].encoding["dtype"] == np.int8
        assert back["hazard_level"].encoding["_FillValue"] == -1
        land = back["land"].values.astype(bool)
        assert np.isnan(back["hazard_level"].sel(vessel="rubber_dinghy").values[..., land]).all()
        sea_levels = back["hazard_level"].values[..., ~land]
        np.testing.assert_array_equal(sea_levels, risk["hazard_level"].values[:6][..., ~land])


def test_dask_matches_numpy(demo, settings, params):
    eager = build_risk(demo, None, params.risk)
    chunked = dataclasses.replace(settings, compute=ComputeSettings(chunks={"time": 24, "lat": 16}))
    lazy = build_risk(demo, None, LayerParams.from_settings(chunked).risk)
    assert lazy["hazard_level"].chunks is not None  # really lazy
    computed = lazy.compute()
    for name in eager.data_vars:
        xr.testing.assert_identical(eager[name], computed[name])


def test_overrides_are_applied_and_recorded(demo, settings, params):
    strict = dataclasses.replace(
        settings, risk=RiskSettings(overrides={"rubber_dinghy": {"hs": [0.1, 0.2, 0.3, 0.4]}})
    )
    base = build_risk(demo, None, params.risk)
    tuned = build_risk(demo, None, LayerParams.from_settings(strict).risk)
    assert json.loads(tuned.attrs["risk_overrides"]) == {"rubber_dinghy.hs": [0.1, 0.2, 0.3, 0.4]}
    rubber = {"vessel": "rubber_dinghy"}
    assert (tuned["hazard_level"].sel(rubber) >= base["hazard_level"].sel(rubber)).all()
    assert (tuned["hazard_level"].sel(rubber) > base["hazard_level"].sel(rubber)).any()
    bad = dataclasses.replace(settings, risk=RiskSettings(overrides={"nonsense": 1}))
    with pytest.raises(ConfigError, match="unknown key 'nonsense'"):
        LayerParams.from_settings(bad)


def test_risk_without_incidents_is_the_hazard(risk):
    np.testing.assert_allclose(
        risk["risk"].values, risk["hazard_score"].values / 5, rtol=1e-6, equal_nan=True
    )


def test_incidents_weight_the_risk(demo, params):
    incidents = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-01-20", "2025-11-02"], utc=True),
            "lat": [33.2, 33.4], "lon": [12.3, 12.6],
            "source_quality": pd.array([4, pd.NA], dtype="Int64"),
        }
    )  # fmt: skip
    risk = build_risk(demo, incidents, params.risk)
    ratio = (risk["risk"] / (risk["hazard_score"] / 5)).values
    ratio = ratio[np.isfinite(ratio) & (risk["hazard_score"].values > 0)]
    assert ratio.min() >= 0.2 - 1e-6 and ratio.max() <= 1.0 + 1e-6 and ratio.max() > 0.99
    assert risk["exposure"].attrs["exposure_incidents_used"] == 2


def test_worse_weather_never_lowers_a_level(demo, params):
    worse = demo.copy()
    for name in ("u10", "v10", "gust"):
        worse[name] = demo[name] * 1.3
    worse["hs"] = demo["hs"] + 0.4
    worse["hs_windsea"] = demo["hs_windsea"] + 0.4
    worse["vo"] = demo["vo"] + 0.3  # against the north-westerly sea
    a = build_risk(demo, None, params.risk)
    b = build_risk(worse, None, params.risk)
    assert (b["hazard_level"] >= a["hazard_level"]).all()
    assert (b["hazard_score"].fillna(0) >= a["hazard_score"].fillna(0) - 1e-6).all()


def test_opposing_current_raises_and_explains(params, make_forecast):
    # Wind sea from the north (travelling south), northward current of 1 m/s against it.
    kw = dict(hs=0.9, tp=4.0, wave_dir=0.0, u10=0.0, v10=-5.0, gust=7.0, hours=6)
    calm = build_risk(make_forecast(uo=0.0, vo=0.0, **kw), None, params.risk)
    against = build_risk(make_forecast(uo=0.0, vo=1.0, **kw), None, params.risk)
    sea = against["land"].values == 0
    assert (against["hs_eff"].values[..., sea] > calm["hs_eff"].values[..., sea] * 1.3).all()
    bits = against["drivers"].sel(vessel="rubber_dinghy").values[..., sea]
    assert (bits & BIT["opposing_current"]).all()
    assert (against["hazard_level"] >= calm["hazard_level"]).all()


def test_ripples_on_a_swell_are_not_steep_seas(params, make_forecast):
    # A calm day: 0.8 m of long swell plus 3 cm of young wind sea at 0.5 s. The ripples are
    # "steep" (Hs/L0 ~ 0.08) but too small to matter; the steepness rule must not fire.
    kw = dict(hs=0.8, tp=10.0, tm=8.0, u10=0.0, v10=-4.0, gust=5.0, hours=4)
    risk = build_risk(make_forecast(hs_windsea=0.03, tm_windsea=0.5, **kw), None, params.risk)
    sea = risk["land"].values == 0
    bits = risk["drivers"].values[..., sea]
    assert not (bits & (BIT["steepness_1"] | BIT["steepness_2"])).any()
    rubber = risk["hazard_level"].sel(vessel="rubber_dinghy").values[..., sea]
    assert (rubber == 1).all()  # 0.8 m is Moderate for an inflatable, nothing more
    # A real steep wind sea (1.0 m, mean period 2.5 s, Hs/L0 ~ 0.07) on the same swell fires it.
    steep = build_risk(make_forecast(hs_windsea=1.0, tm_windsea=2.5, **kw), None, params.risk)
    bits = steep["drivers"].sel(vessel="rubber_dinghy").values[..., sea]
    assert (bits & BIT["steepness_2"]).all()


def test_wind_only_forecast(params, make_forecast):
    risk = build_risk(make_forecast(u10=9.0, v10=0.0, hours=4), None, params.risk)
    sea = risk["land"].values == 0
    rubber = risk["hazard_level"].sel(vessel="rubber_dinghy").values[..., sea]
    assert (rubber == 2).all()  # 9 m/s is F5: High for an inflatable
    bits = risk["drivers"].sel(vessel="rubber_dinghy").values[..., sea]
    assert (bits & BIT["no_wave_data"]).all()
    assert "hs" not in risk and "survival_hours" not in risk


def test_three_hourly_coarse_source(params, make_forecast):
    fc = make_forecast(hs=1.2, tp=6.0, u10=3.0, v10=3.0, sst=16.0, hours=24, step_hours=3)
    risk = build_risk(fc, None, params.risk)
    assert risk.sizes["time"] == 22
    assert risk.attrs.get("demo") is None


@pytest.mark.parametrize("names", [("sst",), ("u10",)])
def test_no_hazard_inputs_is_one_clear_line(params, make_forecast, names):
    fc = make_forecast(**{n: 1.0 for n in names})
    with pytest.raises(DataError, match="neither wave height") as info:
        build_risk(fc, None, params.risk)
    assert "\n" not in str(info.value)


def test_failed_build_leaves_the_last_good_file(risk, params, make_forecast, tmp_path):
    path = schema.write_dataset(risk.isel(time=slice(0, 2)), tmp_path / "risk.nc")
    before = path.read_bytes()
    elsewhere = make_forecast(
        hs=1.0, lat=np.arange(40.0, 41.0, 0.25), lon=np.arange(0.0, 1.0, 0.25)
    )
    with pytest.raises(DataError, match="outside the area"):
        schema.write_dataset(build_risk(elsewhere, None, params.risk), path)
    assert path.read_bytes() == before
