"""Golden cases of every rule and table row of the index, drivers, overrides, monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from seawatch.errors import ConfigError
from seawatch.layers import seastate
from seawatch.layers.capsize import (
    DRIVER_FLAGS,
    TABLE,
    VesselRules,
    beaufort_number,
    describe_drivers,
    effective_table,
    hazard,
    overrides_json,
)
from seawatch.schema import VESSELS

BIT = {name: mask for name, mask, _ in DRIVER_FLAGS}


def run(vessel, hs=0.0, steep=0.0, wind=0.0, rise=0.0, gust=0.0, table=TABLE, **kw):
    rules = VesselRules.from_table(vessel, table)
    level, score, bits = hazard(
        *(np.array([v], dtype=np.float32) for v in (hs, steep, wind, rise, gust)), rules, **kw
    )
    return int(level[0]), float(score[0]), int(bits[0])


def level(vessel, **kw):
    return run(vessel, **kw)[0]


# --- Step 1: every row of the table in docs/risk-model.md --------------------------------
HS_ROWS = {
    "rubber_dinghy": [(0.0, 0), (0.49, 0), (0.5, 1), (0.99, 1), (1.0, 2), (1.49, 2), (1.5, 3),
                      (2.49, 3), (2.5, 4), (6.0, 4)],
    "small_boat": [(0.49, 0), (0.5, 1), (1.24, 1), (1.25, 2), (1.99, 2), (2.0, 3), (2.49, 3),
                   (2.5, 4)],
    "wooden_boat": [(0.0, 1), (0.99, 1), (1.0, 1), (1.49, 1), (1.5, 2), (2.49, 2), (2.5, 3),
                    (3.99, 3), (4.0, 4)],
}  # fmt: skip
# WMO lower limits (m/s): F3 3.4, F4 5.5, F5 8.0, F6 10.8, F7 13.9, F8 17.2
WIND_ROWS = {
    "rubber_dinghy": [(5.4, 0), (5.5, 1), (7.9, 1), (8.0, 2), (10.8, 3), (13.8, 3), (13.9, 4)],
    "small_boat": [(5.4, 0), (5.5, 1), (8.0, 2), (10.8, 3), (13.9, 4), (30.0, 4)],
    "wooden_boat": [(5.5, 1), (7.9, 1), (8.0, 1), (10.8, 2), (13.9, 3), (17.1, 3), (17.2, 4)],
}


@pytest.mark.parametrize(
    ("vessel", "hs", "expected"), [(v, h, e) for v, rows in HS_ROWS.items() for h, e in rows]
)
def test_hs_bands(vessel, hs, expected):
    assert level(vessel, hs=hs) == expected


@pytest.mark.parametrize(
    ("vessel", "wind", "expected"), [(v, w, e) for v, rows in WIND_ROWS.items() for w, e in rows]
)
def test_beaufort_bands(vessel, wind, expected):
    assert level(vessel, wind=wind) == expected


def test_base_level_is_the_worse_of_hs_and_wind():
    assert level("rubber_dinghy", hs=0.6, wind=10.9) == 3  # Moderate by Hs, Severe by F6
    assert level("rubber_dinghy", hs=1.6, wind=2.0) == 3  # Severe by Hs, calm wind


def test_beaufort_number_matches_wmo_forces():
    speeds = np.array(
        [0.2, 0.3, 5.49, 5.5, 13.9, 17.2, 32.7, 40.0], dtype=np.float32
    )  # as forecasts
    assert np.floor(beaufort_number(speeds)).tolist() == [0, 1, 3, 4, 7, 8, 12, 12]
    force = seastate.beaufort_force(xr.DataArray(speeds, attrs={"units": "m s-1"}))
    assert force.values.tolist() == [0, 1, 3, 4, 7, 8, 12, 12]


# --- Step 2: modifiers ---------------------------------------------------------------------
def test_steepness_raises_one_then_two_levels():
    assert level("rubber_dinghy", hs=0.6, steep=0.049) == 1
    assert level("rubber_dinghy", hs=0.6, steep=1 / 20) == 2
    assert level("rubber_dinghy", hs=0.6, steep=1 / 15) == 3


def test_steepness_ignored_for_small_waves():
    assert level("rubber_dinghy", hs=0.49, steep=0.14) == 0


def test_wind_rise_raises_one_level():
    assert level("small_boat", hs=0.6, rise=4.99) == 1
    assert level("small_boat", hs=0.6, rise=5.0) == 2


def test_gust_floor_sets_severe():
    assert level("rubber_dinghy", hs=0.2, gust=16.9) == 0
    lv, score, bits = run("rubber_dinghy", hs=0.2, gust=17.0)
    assert (lv, score) == (3, 3.0)
    assert bits == BIT["gust_floor"]
    # A floor never lowers a higher level.
    assert level("rubber_dinghy", hs=2.6, gust=20.0) == 4


def test_wooden_boat_never_below_moderate():
    lv, score, bits = run("wooden_boat")
    assert (lv, score, bits) == (1, 1.0, BIT["minimum_level"])


def test_modifiers_add_up_and_stop_at_extreme():
    lv, score, bits = run("rubber_dinghy", hs=1.6, steep=0.07, rise=6.0)
    assert lv == 4 and score == 5.0
    assert bits == BIT["hs_band"] | BIT["steepness_2"] | BIT["wind_rise"]


def test_score_is_level_plus_fraction():
    lv, score, _ = run("rubber_dinghy", hs=1.25)  # halfway through High (1.0-1.5 m)
    assert lv == 2 and score == pytest.approx(2.5)
    lv, score, _ = run("rubber_dinghy", wind=6.75)  # halfway through F4 (5.5-8.0 m/s)
    assert lv == 1 and score == pytest.approx(1.5)


def test_drivers_name_the_rule_that_set_the_level():
    assert run("rubber_dinghy", hs=1.2, wind=3.0)[2] == BIT["hs_band"]
    assert run("rubber_dinghy", hs=0.2, wind=9.0)[2] == BIT["wind_band"]
    assert run("rubber_dinghy", hs=1.2, wind=9.0)[2] == BIT["hs_band"] | BIT["wind_band"]
    assert run("rubber_dinghy", hs=0.6, steep=0.055)[2] == BIT["hs_band"] | BIT["steepness_1"]
    assert run("rubber_dinghy", hs=0.1)[2] == 0


def test_opposing_current_bit_marks_cells_the_current_raised():
    lv, _, bits = run(
        "rubber_dinghy", hs=1.2, steep=0.04, hs_still=np.float32(0.95),
        steepness_still=np.float32(0.03),
    )  # fmt: skip
    assert lv == 2 and bits & BIT["opposing_current"]
    lv, _, bits = run(
        "rubber_dinghy", hs=1.2, hs_still=np.float32(1.1), steepness_still=np.float32(0.0)
    )
    assert lv == 2 and not bits & BIT["opposing_current"]


def test_unknown_inputs():
    lv, score, bits = run("rubber_dinghy", hs=np.nan, wind=np.nan)
    assert lv == -1 and math.isnan(score) and bits == -1
    lv, _, bits = run("rubber_dinghy", hs=np.nan, wind=9.0)
    assert lv == 2 and bits & BIT["no_wave_data"]


def test_describe_drivers_in_words_and_knots():
    words = describe_drivers(BIT["wind_rise"] | BIT["gust_floor"])
    assert words == [
        "wind rising fast: +1 level (10 kn or more within 6 h)",
        "strong gusts: at least Severe (gusts of 33 kn or more)",
    ]
    assert describe_drivers(0) == ["calm: no rule raised the level"]
    assert describe_drivers(float("nan")) == ["no data (land or outside the forecast)"]
    assert describe_drivers(-1) == ["no data (land or outside the forecast)"]


# --- the table -------------------------------------------------------------------------------
def test_every_entry_is_tagged_and_sourced():
    for key, parameter in TABLE.items():
        assert parameter.tag in ("C", "D", "A"), key
        assert parameter.source and parameter.meaning and parameter.units, key


def test_overrides_apply_and_are_recorded():
    table = effective_table({"rubber_dinghy": {"hs": [0.4, 0.8, 1.2, 2.0]}, "gust_floor": 15})
    assert table["rubber_dinghy.hs"].value == (0.4, 0.8, 1.2, 2.0)
    assert table["rubber_dinghy.hs"].tag == "override"
    assert level("rubber_dinghy", hs=0.45, table=table) == 1
    assert level("rubber_dinghy", gust=15.5, table=table) == 3
    assert overrides_json({"gust_floor": 15}) == '{"gust_floor": 15}'
    assert overrides_json({}) == "{}"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rubber_dinghy.hz": [1, 2, 3, 4]}, "unknown key 'rubber_dinghy.hz'"),
        ({"rubber_dinghy.hs": [1, 2, 3]}, "must have 4 numbers"),
        ({"rubber_dinghy.hs": [1, 3, 2, 4]}, "strictly increasing"),
        ({"gust_floor": "high"}, "is not a number"),
        ({"gust_floor_level": 7}, "must be a level 0..4"),
        ({"steepness_1": 0.1}, "steepness_1 must be below steepness_2"),
    ],
)
def test_bad_overrides_give_one_clear_line(overrides, message):
    with pytest.raises(ConfigError, match=message) as info:
        effective_table(overrides)
    assert "\n" not in str(info.value)


# --- properties --------------------------------------------------------------------------------
finite = st.floats(0.0, 8.0, allow_nan=False, width=32)
speeds = st.floats(0.0, 40.0, allow_nan=False, width=32)
bump = st.floats(0.0, 5.0, allow_nan=False, width=32)


@settings(max_examples=300, deadline=None)
@given(
    vessel=st.sampled_from(VESSELS),
    hs=finite, steep=st.floats(0.0, 0.125, width=32), wind=speeds, rise=st.floats(0, 20, width=32),
    gust=speeds, which=st.sampled_from(["hs", "steep", "wind", "rise", "gust"]), delta=bump,
)  # fmt: skip
def test_worsening_any_driver_never_lowers_level_or_score(
    vessel, hs, steep, wind, rise, gust, which, delta
):
    before = dict(hs=hs, steep=steep, wind=wind, rise=rise, gust=gust)
    after = dict(before)
    after[which] = before[which] + (delta / 30 if which == "steep" else delta)
    lv0, sc0, _ = run(vessel, **before)
    lv1, sc1, _ = run(vessel, **after)
    assert lv1 >= lv0
    assert sc1 >= sc0
    for lv, sc in ((lv0, sc0), (lv1, sc1)):
        assert lv == min(math.floor(sc), 4)


def chain(vessel, hs, period, wind, gust, u_opp):
    """The sea-state physics and the rules, as build_risk runs them, for one point."""
    units = {"hs": "m", "tp": "s", "u": "m s-1"}
    da = {
        k: xr.DataArray(np.float32([v]), attrs={"units": units[k]})
        for k, v in dict(hs=hs, tp=period, u=u_opp).items()
    }
    steep = seastate.wave_steepness(da["hs"], da["tp"])
    hf, sf = seastate.current_factors(da["tp"], da["u"])
    hs_eff, s_eff = seastate.effective_sea_state(da["hs"], steep, hf, sf)
    return run(vessel, hs=float(hs_eff[0]), steep=float(s_eff[0]), wind=wind, gust=gust)[:2]


@settings(max_examples=300, deadline=None)
@given(
    vessel=st.sampled_from(VESSELS), hs=st.floats(0, 6, width=32), period=st.floats(2, 12, width=32),
    wind=speeds, gust=speeds, u_opp=st.floats(-2, 2, width=32),
    which=st.sampled_from(["hs", "period", "wind", "gust", "u_opp"]), delta=st.floats(0, 2, width=32),
)  # fmt: skip
def test_physics_and_rules_monotone(vessel, hs, period, wind, gust, u_opp, which, delta):
    before = dict(hs=hs, period=period, wind=wind, gust=gust, u_opp=u_opp)
    after = dict(before)
    # Steeper waves at the same height: a shorter period.
    after[which] = max(period - delta, 1.0) if which == "period" else before[which] + delta
    lv0, sc0 = chain(vessel, **before)
    lv1, sc1 = chain(vessel, **after)
    assert lv1 >= lv0
    assert sc1 >= sc0 - 1e-6
