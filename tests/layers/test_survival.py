"""Survival hours and cold shock against docs/risk-model.md section 4."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seawatch.layers.survival import cold_shock, survival_hours


def sst(values) -> xr.DataArray:
    return xr.DataArray(values, attrs={"units": "degC"})


@pytest.mark.parametrize(("temperature", "hours"), [(15.0, 4.6), (17.0, 6.0), (20.0, 11.7)])
def test_hayward_values_from_the_doc(temperature, hours):
    assert float(survival_hours(sst([temperature]))[0]) == pytest.approx(hours, abs=0.05)


def test_capped_above_twenty_degrees_and_documented():
    out = survival_hours(sst([20.0, 23.1, 28.0, 35.0, np.nan]))
    assert out.values[:4] == pytest.approx([11.68] * 4, abs=0.01)  # no blow-up at 23.1 degC
    assert np.isnan(out.values[4])
    assert "lower bound" in out.attrs["comment"] and out.attrs["units"] == "h"


def test_survival_rises_with_temperature():
    out = survival_hours(sst(np.linspace(0, 20, 50))).values
    assert np.all(np.diff(out) > 0)


def test_cold_shock_below_fifteen():
    flag = cold_shock(sst([14.9, 15.0, 22.0, np.nan]))
    assert flag.values.tolist() == [1, 0, 0, -1]
    assert flag.dtype == np.int8 and flag.attrs["flag_meanings"] == "no_cold_shock cold_shock_risk"
