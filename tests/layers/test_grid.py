"""Target grid and regridding: bilinear, directions via components, hourly, coastal fill."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from seawatch.errors import DataError
from seawatch.layers.grid import axis, hourly_times, regrid, target_grid


def test_axis_includes_both_ends():
    values = axis(32.5, 34.0, 0.05)
    assert values[0] == 32.5 and values[-1] == 34.0 and values.size == 31
    assert axis(-6.0, 36.5, 1 / 24).size == 1021


def test_target_grid_has_land_and_sea(settings):
    grid = target_grid(settings)
    assert grid.sizes == {"lat": 31, "lon": 41}
    land = grid["land"]
    assert land.dtype == np.int8
    assert int(land.sel(lat=32.5, lon=13.0)) == 1  # inland of Tripoli
    assert int(land.sel(lat=33.5, lon=12.5)) == 0  # open sea
    assert land.attrs["flag_meanings"] == "sea land"


def test_bilinear_is_exact_for_a_linear_field(settings, make_forecast):
    lat = np.arange(32.25, 34.26, 0.25)
    lon = np.arange(11.25, 13.76, 0.25)
    field = (2.0 * lat[:, None] + 0.5 * lon[None, :])[None]
    out = regrid(make_forecast(hs=field, hours=2), target_grid(settings))
    expected = 2.0 * out["lat"].values[:, None] + 0.5 * out["lon"].values[None, :]
    np.testing.assert_allclose(out["hs"].values[0], expected, rtol=1e-6)


def test_directions_go_through_components(settings, make_forecast):
    lon = np.arange(11.25, 13.76, 0.25)
    # Alternate 350 and 10 degrees: the average must be north (0), not south (180).
    direction = np.where(np.arange(lon.size) % 2 == 0, 350.0, 10.0)[None, None, :]
    out = regrid(make_forecast(wave_dir=direction, hours=2), target_grid(settings))
    assert "wave_dir" not in out
    angle = np.rad2deg(np.arctan2(out["wave_dir_sin"], out["wave_dir_cos"])).values
    assert np.abs(angle).max() < 10.0 + 1e-4


def test_directions_on_the_target_grid_stay_angles(settings, make_forecast):
    grid = target_grid(settings)
    lat, lon = grid["lat"].values, grid["lon"].values
    direction = np.where(np.arange(lon.size) % 2 == 0, 350.0, 10.0)[None, None, :]
    fc = make_forecast(wave_dir=direction, hs=1.0, hours=3, lat=lat, lon=lon)
    out = regrid(fc, grid)
    assert "wave_dir_sin" not in out  # nothing was interpolated, so nothing to decompose
    np.testing.assert_array_equal(out["wave_dir"].values, fc["wave_dir"].values)
    # three-hourly steps are interpolated to hourly, so the same directions go via components
    out = regrid(make_forecast(wave_dir=direction, hours=7, step_hours=3, lat=lat, lon=lon), grid)
    assert "wave_dir" not in out and "wave_dir_sin" in out


def test_hourly_in_time_without_extrapolation(settings, make_forecast):
    hs = np.array([1.0, 2.0, 3.0, np.nan], dtype=np.float32)[:, None, None]
    fc = make_forecast(hs=hs, u10=4.0, v10=0.0, hours=12, step_hours=3)
    out = regrid(fc, target_grid(settings))
    assert out.sizes["time"] == 10  # 00..09 UTC hourly
    point = out["hs"].isel(lat=15, lon=20).values
    np.testing.assert_allclose(point[:7], [1, 4 / 3, 5 / 3, 2, 7 / 3, 8 / 3, 3], rtol=1e-6)
    assert np.isnan(point[7:]).all()  # past the last valid step: no values
    assert np.isfinite(out["u10"].values).all()


def test_hourly_times_whole_hours():
    times = np.array(["2026-02-03T00:30", "2026-02-03T03:00"], dtype="datetime64[ns]")
    assert hourly_times(times).astype("datetime64[h]").astype(str).tolist() == [
        "2026-02-03T01", "2026-02-03T02", "2026-02-03T03",
    ]  # fmt: skip


def test_coastal_cells_filled_from_nearest_sea(settings, make_forecast):
    fc = make_forecast(hs=1.5, hours=2, land_nan=True)  # southern source row is model land
    out = regrid(fc, target_grid(settings))
    assert np.isfinite(out["hs"].values).all()
    np.testing.assert_allclose(out["hs"].values, 1.5)


def test_outside_the_source_is_nan(settings, make_forecast):
    fc = make_forecast(hs=1.0, hours=2, lat=np.arange(33.0, 34.26, 0.25))
    out = regrid(fc, target_grid(settings))
    assert np.isnan(out["hs"].sel(lat=32.5).values).all()
    assert np.isfinite(out["hs"].sel(lat=33.5).values).all()


def test_identity_grid_returns_same_values(settings, make_forecast):
    grid = target_grid(settings)
    rng = np.random.default_rng(1)
    values = rng.random((3, grid.sizes["lat"], grid.sizes["lon"]), dtype=np.float32)
    fc = make_forecast(hs=values, hours=3, lat=grid["lat"].values, lon=grid["lon"].values)
    np.testing.assert_array_equal(regrid(fc, grid)["hs"].values, values)


def test_dask_matches_numpy(settings, make_forecast):
    rng = np.random.default_rng(2)
    fc = make_forecast(
        hs=rng.random((24, 9, 11)) * 3, wave_dir=rng.random((24, 9, 11)) * 360, hours=24
    )
    grid = target_grid(settings)
    eager = regrid(fc, grid)
    lazy = regrid(fc.chunk({"time": 5}), grid)
    assert lazy["hs"].chunks is not None
    xr.testing.assert_identical(eager, lazy.compute())


def test_forecast_elsewhere_is_one_clear_line(settings, make_forecast):
    fc = make_forecast(hs=1.0, lat=np.arange(40.0, 41.0, 0.25), lon=np.arange(0.0, 1.0, 0.25))
    with pytest.raises(DataError, match="outside the area of interest") as info:
        regrid(fc, target_grid(settings))
    assert "\n" not in str(info.value)


def test_each_variable_interpolated_from_its_own_steps(settings, make_forecast):
    """A merged forecast: hourly wind, currents only at 00 and 06 UTC (NaN in between)."""
    uo = np.full((7, 1, 1), np.nan, dtype=np.float32)
    uo[0], uo[6] = 0.2, 0.8
    hours = np.arange(7, dtype=np.float32)[:, None, None]
    fc = make_forecast(u10=hours, v10=0.0, uo=uo, vo=0.0 * uo, hours=7)
    out = regrid(fc, target_grid(settings))
    point = out.isel(lat=15, lon=20)
    np.testing.assert_allclose(point["uo"].values, 0.2 + 0.1 * np.arange(7), rtol=1e-5)
    np.testing.assert_allclose(point["u10"].values, np.arange(7), rtol=1e-6)
    assert out["uo"].attrs["comment"] == (
        "interpolated linearly in time to hourly from its own 2 steps (every 6 h, "
        "2026-02-03T00:00 to 2026-02-03T06:00 UTC)"
    )
    assert "interpolated" not in out["u10"].attrs.get("comment", "")


def test_variable_starting_later_is_missing_before_its_first_step_and_coast_filled(
    settings, make_forecast
):
    hs = np.full((6, 1, 1), np.nan, dtype=np.float32)
    hs[3:] = 1.5
    lat = np.arange(32.4, 34.26, 0.25)  # the model row at 32.4 N is land
    fc = make_forecast(hs=hs, u10=4.0, v10=0.0, hours=6, land_nan=True, lat=lat)
    out = regrid(fc, target_grid(settings))
    assert np.isnan(out["hs"].isel(time=slice(0, 3)).values).all()
    # the coastal fill is worked out from the first step that has values, not the first step
    np.testing.assert_allclose(out["hs"].isel(time=slice(3, None)).values, 1.5)
    assert "missing at the 3 hours outside them" in out["hs"].attrs["comment"]


def test_float32_coordinates_on_the_edge_are_inside(settings, make_forecast):
    lat = np.arange(32.5, 34.01, 0.25).astype(np.float32) - np.float32(2e-6)
    fc = make_forecast(hs=1.0, hours=2, lat=lat)
    out = regrid(fc, target_grid(settings))
    assert np.isfinite(out["hs"].sel(lat=34.0).values).all()
    assert np.isfinite(out["hs"].sel(lat=32.5).values).all()


def test_coastal_cell_partly_at_sea_is_a_sea_cell():
    import shapely

    from seawatch.geo.coastline import land_geometry, land_mask
    from seawatch.layers.grid import land_cells

    res = 0.05
    lat, lon = axis(32.5, 33.2, res), axis(12.0, 14.0, res)
    land = land_cells(lat, lon, res)
    j, i = int(np.argmin(np.abs(lat - 32.8))), int(np.argmin(np.abs(lon - 12.55)))
    # Centre on land near Sabratha, about half of the cell is sea: it must carry a forecast.
    assert land_mask(lat, lon)[j, i] and not land[j, i]
    # Exact for every cell along the coast: land only where the polygons cover the whole cell.
    boxes = shapely.box(
        lon[None, :] - res / 2,
        lat[:, None] - res / 2,
        lon[None, :] + res / 2,
        lat[:, None] + res / 2,
    )
    covered = shapely.covers(land_geometry(), boxes)
    centre = land_mask(lat, lon)
    assert not (land & ~covered).any()  # no land cell reaches the sea
    assert (land == (centre & covered)).all()
    assert land.sum() > 0.9 * (centre & covered).sum() > 100
