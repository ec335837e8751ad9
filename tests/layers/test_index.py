"""The tiled index kernel against the documented functions it chains, and its building blocks."""

from __future__ import annotations

import dask.array as dsa
import numpy as np
import pytest
import xarray as xr

from seawatch.layers import index, seastate
from seawatch.layers.capsize import TABLE, Ramp, VesselRules, band_knots, hazard
from seawatch.schema import FORECAST_VARIABLES, VESSELS

SHAPE = (9, 7, 11)  # time, lat, lon
FORECAST_UNITS = {name: spec.units for name, spec in FORECAST_VARIABLES.items()}


def _inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    def field(low: float, high: float) -> np.ndarray:
        return rng.uniform(low, high, SHAPE).astype(np.float32)

    values = {
        "hs": field(0, 4), "tp": field(0, 9), "hs_windsea": field(-0.2, 2.5),
        "tm_windsea": field(-0.5, 5), "wave_dir": field(0, 360), "dir_windsea": field(0, 360),
        "u10": field(-18, 18), "v10": field(-18, 18), "gust": field(0, 30),
        "uo": field(-1.5, 1.5), "vo": field(-1.5, 1.5), "wind_rise": field(0, 9),
    }  # fmt: skip
    for name in ("hs", "tp", "wave_dir", "u10", "gust", "uo"):  # unknowns in every input
        values[name][rng.random(SHAPE) < 0.08] = np.nan
    values["hs"][:, 0, :] = np.nan  # a row without waves: level from wind alone
    values["wave_dir"][:, :, 0] = np.nan  # waves without direction travel with the wind
    return values


def _reference(values: dict[str, np.ndarray], land: np.ndarray, tm_ratio: float) -> tuple:
    """The same chain through the public xarray functions and hazard() per vessel class."""
    da = {
        k: xr.DataArray(v, dims=("time", "lat", "lon"), attrs={"units": FORECAST_UNITS.get(k, "1")})
        for k, v in values.items()
    }
    # radians of the angles, without the "degree" label of the angles
    rad = {k: np.deg2rad(da[k]).drop_attrs() for k in ("wave_dir", "dir_windsea")}
    wind_sea = (da["hs_windsea"] > 0) & (da["tm_windsea"] > 0)
    period = xr.where(wind_sea, da["tm_windsea"] * np.float32(tm_ratio), da["tp"])
    period.attrs["units"] = "s"
    hs_sea = xr.where(wind_sea, da["hs_windsea"], da["hs"])
    hs_sea.attrs["units"] = "m"
    from_sin = xr.where(wind_sea, np.sin(rad["dir_windsea"]), np.sin(rad["wave_dir"]))
    from_cos = xr.where(wind_sea, np.cos(rad["dir_windsea"]), np.cos(rad["wave_dir"]))
    speed = seastate.wind_speed(da["u10"], da["v10"])
    blows = speed > 1e-3
    from_sin = from_sin.fillna(xr.where(blows, -da["u10"] / speed, 0.0))
    from_cos = from_cos.fillna(xr.where(blows, -da["v10"] / speed, 0.0))
    steep = seastate.wave_steepness(hs_sea, period)
    steep = xr.where(hs_sea < TABLE["steepness_min_hs"].value, 0.0, steep).astype(np.float32)
    east, north = seastate.direction_vector(
        from_sin.astype(np.float32), from_cos.astype(np.float32)
    )
    u_opp = seastate.opposing_current(da["uo"], da["vo"], east, north)
    h_factor, s_factor = seastate.current_factors(period, u_opp)
    hs_eff, s_eff = seastate.effective_sea_state(da["hs"], steep, h_factor, s_factor)
    s_still = steep.clip(max=TABLE["steepness_cap"].value)
    levels, scores, bits = [], [], []
    for vessel in VESSELS:
        lv, sc, bt = hazard(
            hs_eff.values, s_eff.values, speed.values, values["wind_rise"], values["gust"],
            VesselRules.from_table(vessel, TABLE), da["hs"].values, s_still.values,
        )  # fmt: skip
        lv[..., land], sc[..., land], bt[..., land] = -1, np.nan, -1
        levels.append(lv)
        scores.append(sc)
        bits.append(bt)
    context = [np.where(land, np.nan, c.values) for c in (period, hs_eff, s_eff)]
    return np.stack(levels, -1), np.stack(scores, -1), np.stack(bits, -1), context


@pytest.mark.parametrize("tile", [5, 23, 1 << 17])  # partial tiles, several rows per tile, one
def test_tiled_kernel_matches_the_documented_chain(monkeypatch, tile):
    rng = np.random.default_rng(tile)
    values = _inputs(rng)
    land = rng.random(SHAPE[1:]) < 0.3
    ratio = 1 / 0.834
    monkeypatch.setattr(index, "TILE", tile)
    choice = index.SeaChoice.from_table(VESSELS, TABLE, None, ratio)
    names = list(values)
    arrays = [values[n] for n in names] + [land]
    level, score, bits = index.index_block(*arrays, names=names, choice=choice)
    context = index.sea_state_block(*arrays, names=names, choice=choice)
    ref_level, ref_score, ref_bits, ref_context = _reference(values, land, ratio)
    assert level.shape == (*SHAPE, len(VESSELS))
    # float32 rounding may differ at the last bit; levels and rules must agree everywhere
    np.testing.assert_array_equal(level, ref_level)
    np.testing.assert_array_equal(bits, ref_bits)
    np.testing.assert_allclose(score, ref_score, rtol=1e-5, atol=1e-6)
    for got, want in zip(context, ref_context, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert (level[..., land, :] == -1).all() and np.isnan(score[..., land, :]).all()
    unknown = np.isnan(values["hs"]) & np.isnan(values["u10"])
    assert ((level[..., ~land, :] == -1) == unknown[..., ~land, None]).all()
    assert (bits[:, 0][:, ~land[0]] & 256).any()  # a row without waves says why


def test_missing_inputs_are_unknown_and_missing_current_is_none():
    rng = np.random.default_rng(1)
    values = _inputs(rng)
    land = np.zeros(SHAPE[1:], bool)
    choice = index.SeaChoice.from_table(VESSELS, TABLE, None, None)
    wind_only = {k: values[k] for k in ("u10", "v10", "gust", "wind_rise")}
    level, score, bits = index.index_block(
        *wind_only.values(), land, names=list(wind_only), choice=choice
    )
    known = ~np.isnan(values["u10"])[..., None] & np.ones(len(VESSELS), bool)
    assert ((level == -1) == ~known).all()
    assert (bits[known] & 256).all()  # no wave data anywhere
    assert not (bits[known] & (4 | 8 | 64)).any()  # so no steepness and no current rule
    assert np.isfinite(score[known]).all()
    waves = {k: values[k] for k in ("hs", "tp", "wave_dir")}
    level, score, bits = index.index_block(*waves.values(), land, names=list(waves), choice=choice)
    assert not (bits[bits >= 0] & 64).any()  # no current in the forecast: it raises nothing
    assert ((level == -1) == np.isnan(values["hs"])[..., None]).all()


def test_ramp_is_exact_at_every_knot_and_keeps_nan():
    knots = band_knots(TABLE["small_boat.hs"].value)
    ramp = Ramp(knots)
    x = np.array([*knots, np.nan, -1.0, 99.0], dtype=np.float32)
    out = ramp(x)
    assert out[:6].tolist() == [0, 1, 2, 3, 4, 5]
    assert np.isnan(out[6]) and out[7] == 0 and out[8] == 5
    assert ramp.count(x).tolist() == [0, 1, 2, 3, 4, 5, 0, 0, 5]
    between = np.nextafter(np.float32(knots[2]), np.float32(0))  # just below Moderate -> High
    assert int(ramp(np.array([between]))[0]) == 1
    np.testing.assert_allclose(ramp(x[:6] + 0.1), np.interp(x[:6] + 0.1, knots, range(6)), 1e-6)


def test_stacked_vessel_rules_equal_one_class_at_a_time():
    rng = np.random.default_rng(7)
    args = [rng.uniform(0, hi, 500).astype(np.float32) for hi in (4, 0.15, 25, 8, 30)]
    args[0][::17] = np.nan
    stacked = hazard(*args, VesselRules.for_vessels(VESSELS, TABLE))
    for i, vessel in enumerate(VESSELS):
        single = hazard(*args, VesselRules.from_table(vessel, TABLE))
        for got, want in zip(stacked, single, strict=True):
            np.testing.assert_array_equal(got[i], want)


def test_wind_rise_is_the_same_lazily_across_chunks():
    rng = np.random.default_rng(3)
    speed = rng.uniform(0, 20, (50, 4, 5)).astype(np.float32)
    speed[7, 1, 1] = np.nan
    times = np.datetime64("2026-01-01T00", "ns") + np.arange(50) * np.timedelta64(1, "h")
    eager = xr.DataArray(
        speed, dims=("time", "lat", "lon"), coords={"time": times}, attrs={"units": "m s-1"}
    )
    expected = seastate.wind_rise(eager, 6.0)
    for chunk in (24, 5, 3):  # chunks shorter than the window borrow from two neighbours
        lazy = eager.copy(data=dsa.from_array(speed, chunks=(chunk, 4, 5)))
        got = seastate.wind_rise(lazy, 6.0)
        assert got.chunks is not None
        xr.testing.assert_identical(got.compute(), expected)
    # against the definition: rise over the last 6 h, looking only as far back as there is
    lowest = np.stack([np.fmin.reduce(speed[max(0, t - 6) : t + 1], axis=0) for t in range(50)])
    np.testing.assert_allclose(expected.values, speed - lowest, equal_nan=True)
