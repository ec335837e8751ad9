"""Units at the layer boundary: every declared input refused, converted or passed on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from seawatch.errors import DataError
from seawatch.layers import seastate, survival
from seawatch.layers.params import LayerParams
from seawatch.layers.risk import build_risk
from seawatch.layers.units import ACCEPTED, check_forecast_units, declare_units, to_units

TIMES = pd.date_range("2026-02-03", periods=4, freq="h").to_numpy()

# Each public layer function with inputs in range for it, in the declared units.
VALUES: dict[str, float] = {
    "u10": 6.0, "v10": -3.0, "period": 5.0, "hs": 1.2, "from_sin": 0.6, "from_cos": 0.8,
    "uo": 0.3, "vo": -0.4, "towards_east": -0.6, "towards_north": -0.8, "u_opp": 0.5,
    "steepness": 0.04, "height_factor": 1.1, "steepness_factor": 1.2, "speed": 9.0,
    "sst": 16.0,
}  # fmt: skip
FUNCTIONS: tuple[Callable[..., Any], ...] = (
    seastate.wind_speed,
    seastate.deep_water_wavelength,
    seastate.deep_water_phase_speed,
    seastate.wave_steepness,
    seastate.direction_vector,
    seastate.opposing_current,
    seastate.current_factors,
    seastate.effective_sea_state,
    seastate.beaufort_force,
    seastate.wind_rise,
    survival.survival_hours,
    survival.cold_shock,
)
DECLARED = [
    pytest.param(f, name, id=f"{f.__name__}-{name}")
    for f in FUNCTIONS
    for name in f.declared_units  # type: ignore[attr-defined]
]
# Another unit of each dimensional quantity, with the value that equals VALUES in the declared one.
OTHER_UNIT: dict[str, tuple[str, Callable[[float], float]]] = {
    "m": ("cm", lambda v: v * 100.0),
    "m s-1": ("km/h", lambda v: v * 3.6),
    "degC": ("K", lambda v: v + 273.15),
    "s": ("seconds", lambda v: v),
}


def field(value: float, units: str | None) -> xr.DataArray:
    attrs = {} if units is None else {"units": units}
    return xr.DataArray(
        np.full(TIMES.size, value), dims="time", coords={"time": TIMES}, attrs=attrs
    )


def inputs(func: Callable[..., Any], **replace: xr.DataArray) -> dict[str, xr.DataArray]:
    declared = func.declared_units  # type: ignore[attr-defined]
    args = {name: field(VALUES[name], units) for name, units in declared.items()}
    return {**args, **replace}


def one_line(err: pytest.ExceptionInfo[DataError]) -> str:
    text = str(err.value)
    assert "\n" not in text and text
    return text


def as_list(result: Any) -> list[np.ndarray]:
    results = result if isinstance(result, tuple) else (result,)
    return [np.asarray(r.values, dtype=np.float64) for r in results]


def test_every_public_layer_function_declares_its_inputs():
    for func in FUNCTIONS:
        assert func.declared_units, func.__name__  # type: ignore[attr-defined]
        func(**inputs(func))  # the declared units are accepted as they are


@pytest.mark.parametrize(("func", "name"), DECLARED)
def test_a_wrong_unit_is_refused_with_one_line(func, name):
    expected = func.declared_units[name]
    wrong = "ft" if expected != "ft" else "m"
    with pytest.raises(DataError) as err:
        func(**inputs(func, **{name: field(VALUES[name], wrong)}))
    assert one_line(err).startswith(f"{name} has units 'ft'; expected {expected!r}")


@pytest.mark.parametrize(("func", "name"), DECLARED)
def test_a_compatible_unit_is_converted(func, name):
    expected = func.declared_units[name]
    reference = as_list(func(**inputs(func)))
    if expected == "1":  # nothing to convert to; a missing units attribute means dimensionless
        unlabelled = field(VALUES[name], None)
        got = as_list(func(**inputs(func, **{name: unlabelled})))
    else:
        other, convert = OTHER_UNIT[expected]
        got = as_list(func(**inputs(func, **{name: field(convert(VALUES[name]), other)})))
    for g, r in zip(got, reference, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-12)


@pytest.mark.parametrize(("func", "name"), DECLARED)
def test_missing_units_refused_unless_dimensionless(func, name):
    expected = func.declared_units[name]
    args = inputs(func, **{name: field(VALUES[name], None)})
    if expected == "1":
        func(**args)  # CF 1.10 section 3.1: no units attribute means dimensionless
        return
    with pytest.raises(DataError) as err:
        func(**args)
    assert one_line(err).startswith(f"{name} has no units attribute; expected {expected!r}")


@pytest.mark.parametrize(
    ("value", "units", "declared", "want"),
    [
        (36.0, "km/h", "m s-1", 10.0),
        (36.0, "km h-1", "m s-1", 10.0),
        (10.0, "kn", "m s-1", 5.144444444444),
        (10.0, "m s**-1", "m s-1", 10.0),
        (288.15, "K", "degC", 15.0),
        (125.0, "cm", "m", 1.25),
        (15.0, "°C", "degC", 15.0),
    ],
)
def test_conversions(value, units, declared, want):
    for dtype in (np.float64, np.float32):
        da = xr.DataArray(np.array([value], dtype=dtype), attrs={"units": units, "a": "kept"})
        out = to_units(da, declared, "x")
        assert out.dtype == dtype
        assert out.attrs == {"units": declared, "a": "kept"}
        assert da.attrs["units"] == units  # the input is not changed
        assert float(out[0]) == pytest.approx(want, rel=1e-6 if dtype == np.float32 else 1e-12)


def test_declared_unit_passes_the_same_object():
    da = field(1.0, "m")
    assert to_units(da, "m", "hs") is da


def test_not_a_dataarray_is_refused():
    with pytest.raises(DataError) as err:
        seastate.wave_steepness(np.array([1.0]), field(4.0, "s"))
    assert one_line(err).startswith("hs is a ndarray, not an xarray.DataArray")


def test_ambiguous_spellings_are_refused():
    # UDUNITS-2 reads "mph" as milliphot (10 lx); "kt" is knot in WMO codes, kilotonne in SI.
    for spelled in ("mph", "kt", "deg"):
        with pytest.raises(DataError, match="seawatch converts only"):
            to_units(field(1.0, spelled), "m s-1" if spelled != "deg" else "degree", "x")


def test_declaration_errors_are_found_at_import():
    with pytest.raises(TypeError, match="no argument 'h'"):
        declare_units(h="m")(lambda hs: hs)
    with pytest.raises(ValueError, match="no accepted spellings for units 'ft'"):
        declare_units(hs="ft")


def test_table_agrees_with_udunits():
    """Every accepted spelling UDUNITS-2 knows converts as the table says (cfunits, test extra)."""
    from cfunits import Units

    checked = set()
    for declared, spellings in ACCEPTED.items():
        for spelled, (scale, offset) in spellings.items():
            units = Units(spelled)
            if spelled in ("", "dimensionless") or not units.isvalid:
                continue
            for value in (0.0, 10.0):
                converted = Units.conform(value, units, Units(declared))
                assert converted == pytest.approx(value * scale + offset, abs=1e-9), spelled
            checked.add(spelled)
    # the conversions that change numbers are all confirmed, not skipped
    assert {"cm", "km/h", "km h-1", "knot", "knots", "K", "kelvin", "m s**-1"} <= checked


# --- the forecast at the door of build_risk --------------------------------------------------


def test_forecast_in_feet_is_refused(make_forecast, params):
    fc = make_forecast(hs=1.0, tp=5.0, u10=5.0, v10=0.0, hours=3)
    fc["hs"].attrs["units"] = "ft"
    with pytest.raises(DataError) as err:
        build_risk(fc, None, params.risk)
    assert one_line(err).startswith(
        "hs has units 'ft'; expected 'm' (sea_surface_wave_significant_height)"
    )


def test_forecast_without_units_is_refused(make_forecast, params):
    fc = make_forecast(hs=1.0, tp=5.0, u10=5.0, v10=0.0, hours=3)
    del fc["tp"].attrs["units"]
    with pytest.raises(DataError) as err:
        build_risk(fc, None, params.risk)
    assert one_line(err).startswith("tp has no units attribute; expected 's'")


def test_forecast_in_kelvin_and_kmh_builds_the_same_risk(make_forecast, params):
    values = dict(hs=1.3, tp=5.0, u10=7.0, v10=-2.0, gust=11.0, uo=0.2, vo=0.4, sst=16.5)
    canonical = make_forecast(hours=6, **values)
    other = canonical.copy(deep=True)
    for name in ("u10", "v10", "gust", "uo", "vo"):
        other[name] = (other[name] * np.float32(3.6)).assign_attrs(
            {**canonical[name].attrs, "units": "km/h"}
        )
    other["sst"] = (other["sst"] + np.float32(273.15)).assign_attrs(
        {**canonical["sst"].attrs, "units": "K"}
    )
    other["hs"] = (other["hs"] * np.float32(100)).assign_attrs(
        {**canonical["hs"].attrs, "units": "cm"}
    )
    a = build_risk(canonical, None, params.risk)
    b = build_risk(other, None, params.risk)
    np.testing.assert_array_equal(a["hazard_level"].values, b["hazard_level"].values)
    for name in ("hazard_score", "survival_hours", "hs", "u10", "sst"):
        np.testing.assert_allclose(b[name].values, a[name].values, rtol=1e-5, equal_nan=True)
        assert b[name].attrs["units"] == a[name].attrs["units"]


def test_canonical_forecast_is_passed_on_untouched(make_forecast):
    fc = make_forecast(hs=1.0, tp=5.0, u10=5.0, v10=0.0, sst=15.0, hours=3)
    assert check_forecast_units(fc, list(fc.data_vars)) is fc


def test_params_come_from_settings_in_one_place(settings):
    params = LayerParams.from_settings(settings)
    assert params.summary.radius_nm == settings.summary.radius_nm
    assert params.risk.exposure.bandwidth_km == settings.exposure.bandwidth_km
    assert params.risk.overrides == "{}"
    assert params.risk.grid.sizes == {"lat": 31, "lon": 41}
