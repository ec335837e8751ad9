"""Sea-state physics against the worked numbers of docs/risk-model.md."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from seawatch.layers import seastate


def da(*values: float, units: str | None = None) -> xr.DataArray:
    array = np.array(values, dtype=np.float64)
    attrs = {} if units is None else {"units": units}  # dimensionless inputs may omit units
    return xr.DataArray(array[0] if array.size == 1 else array, attrs=attrs)


def test_deep_water_wavelength():
    assert seastate.deep_water_wavelength(da(4, 6, 8, units="s")).values == pytest.approx(
        [25, 56, 100], abs=0.5
    )


def test_steepness_one_in_twenty_at_four_seconds():
    assert float(seastate.wave_steepness(da(1.25, units="m"), da(4.0, units="s"))) == pytest.approx(
        1 / 20, rel=0.003
    )


@pytest.mark.parametrize(("u_opp", "height", "steep"), [(0.5, 1.16, 1.33), (1.0, 1.41, 1.95)])
def test_longuet_higgins_stewart_factors_at_five_seconds(u_opp, height, steep):
    h, s = seastate.current_factors(da(5.0, units="s"), da(u_opp, units="m s-1"))
    assert float(h) == pytest.approx(height, abs=0.01)
    assert float(s) == pytest.approx(steep, abs=0.01)


def test_following_current_and_no_current_leave_waves_alone():
    h, s = seastate.current_factors(
        da(5.0, 5.0, np.nan, units="s"), da(-1.0, 0.0, 1.0, units="m s-1")
    )
    assert h.values.tolist() == [1.0, 1.0, 1.0]
    assert s.values.tolist() == [1.0, 1.0, 1.0]


def test_blocking_caps_height_and_breaks_the_waves():
    c0 = float(seastate.deep_water_phase_speed(da(5.0, units="s")))
    assert c0 / 4 == pytest.approx(1.95, abs=0.01)  # about 1.9 m/s at T = 5 s
    h, s = seastate.current_factors(da(5.0, units="s"), da(2.5, units="m s-1"))
    assert float(h) == 2.0 and np.isinf(float(s))
    hs_eff, s_eff = seastate.effective_sea_state(da(1.0, 0.0, units="m"), da(0.03, 0.0), h, s)
    assert hs_eff.values.tolist() == [2.0, 0.0]
    assert s_eff.values == pytest.approx([1 / 7, 0.0])


def test_opposing_current_sign():
    # Waves from the north travel south; a northward current opposes them.
    east, north = seastate.direction_vector(da(np.sin(0.0)), da(np.cos(0.0)))
    assert float(
        seastate.opposing_current(da(0.0, units="m s-1"), da(0.8, units="m s-1"), east, north)
    ) == pytest.approx(0.8)
    assert float(
        seastate.opposing_current(da(0.0, units="m s-1"), da(-0.8, units="m s-1"), east, north)
    ) == pytest.approx(-0.8)


def test_wind_rise_over_six_hours():
    times = pd.date_range("2026-02-03", periods=10, freq="h").to_numpy()
    speed = xr.DataArray(
        np.array([5, 4, 3, 4, 6, 8, 9, 9.5, 10, 12], dtype=np.float32),
        dims="time", coords={"time": times}, attrs={"units": "m s-1"},
    )  # fmt: skip
    rise = seastate.wind_rise(speed, 6.0)
    # hour 8: 10 - min(hours 2..8) = 10 - 3; hour 9: 12 - min(hours 3..9) = 12 - 4
    assert rise.values[[0, 2, 8, 9]].tolist() == [0.0, 0.0, 7.0, 8.0]


def test_wind_rise_rejects_uneven_steps():
    times = pd.to_datetime(["2026-02-03T00", "2026-02-03T01", "2026-02-03T03"]).to_numpy()
    with pytest.raises(ValueError, match="evenly spaced"):
        seastate.wind_rise(
            xr.DataArray(
                [1.0, 2.0, 3.0], dims="time", coords={"time": times}, attrs={"units": "m s-1"}
            )
        )


@pytest.mark.parametrize(
    ("long_name", "ratio"),
    [("mean wave period tm01", 1 / 0.834), ("mean period Tm02", 1 / 0.777),
     ("mean wave period tm10 (energy period)", 1 / 0.9), ("wind-sea mean period", 1 / 0.834)],
)  # fmt: skip
def test_mean_period_ratio(long_name, ratio):
    assert seastate.mean_period_ratio(long_name) == pytest.approx(ratio)
