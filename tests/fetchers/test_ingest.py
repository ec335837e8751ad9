"""``seawatch ingest``: every supported format, the area check, merge by time, bad files."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import cftime
import netCDF4
import numpy as np
import pytest
import xarray as xr

from seawatch.errors import DataError
from seawatch.fetchers import ingest
from seawatch.fetchers.base import describe_box, sea_mask_for
from seawatch.fetchers.copernicus import read_cmems
from seawatch.fetchers.netcdf import open_netcdf
from seawatch.schema import make_canonical, open_dataset, open_forecast, write_dataset

from .cmems_fixtures import write_cmems_waves
from .conftest import SHARED_MARINE, settings_for
from .grib_fixtures import encode, write_ecmwf_run, write_messages

SICILY_PHY = sorted((SHARED_MARINE / "medsea_phy_south_sicily_2022").glob("*.nc"))
SICILY_MET = sorted((SHARED_MARINE / "ecmwf_met_south_sicily_2022").glob("*.nc"))
ADRIATIC_ERA5 = SHARED_MARINE / "medsea_phy_south_adriatic_2023" / "era5_winds10_20230815.nc"
NORTH_SEA = SHARED_MARINE / "northsea_mywavewam4_grib" / "mywavewam4_weatherapi_n-northsea.grb"
RUN = dt.datetime(2026, 8, 20, 0)


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def test_real_cmems_physics_merge_by_time_with_what_is_stored(settings):
    first = ingest.ingest_files(settings, SICILY_PHY[:3])
    stored = first.stored["cmems_physics"]
    assert stored.name == "ingest_cmems_physics.nc"
    assert open_forecast(stored).sizes["time"] == 3
    ingest.ingest_files(settings, SICILY_PHY[2:])  # overlaps one day
    ds = open_forecast(stored)
    assert ds.sizes["time"] == 6
    assert (np.diff(ds["time"].values) == np.timedelta64(1, "D")).all()
    assert ds.sizes["lat"] == 48  # native 1/24 deg grid kept
    with xr.open_dataset(SICILY_PHY[-1], engine="netcdf4") as raw:
        expected = raw["vo"].isel(time=0, depth=0).values
    np.testing.assert_allclose(ds["vo"].isel(time=-1).values, expected, rtol=1e-6)


def test_real_era5_wind_netcdf_with_descending_latitude(settings):
    result = ingest.ingest_files(settings, SICILY_MET[:2])
    assert result.files[0]["kind"] == "wind"
    ds = open_forecast(result.stored["wind"])
    assert set(ds.data_vars) == {"u10", "v10"}
    assert ds.sizes["time"] == 48
    assert (np.diff(ds["lat"].values) > 0).all()
    with xr.open_dataset(SICILY_MET[0], engine="netcdf4") as raw:
        u = float(raw["U10M"].sel(lat=37.5, lon=12.25).isel(time=5))
    assert float(ds["u10"].sel(lat=37.5, lon=12.25).isel(time=5)) == pytest.approx(u, rel=1e-6)


def test_file_outside_the_area_names_both_boxes(settings):
    with pytest.raises(DataError) as err:
        ingest.ingest_files(settings, [ADRIATIC_ERA5])
    assert str(err.value) == (
        "era5_winds10_20230815.nc covers 40.00N-42.00N 17.00E-19.00E, which does not overlap "
        f"the area of interest {describe_box(*settings.area.bbox)}; nothing was stored: ingest "
        "a file for that sea, or widen [area] in the config if the area of interest should "
        "include it"
    )
    assert not (settings.data_dir / "forecast").exists()


def test_small_area_inside_one_cell_of_a_coarse_model_takes_the_points_around_it(tmp_path):
    # 0.15 x 0.15 degree north of Lampedusa lies between the 0.25 degree points of the real
    # ECMWF file (35.75/36.00 N, 12.50/12.75 E): the file covers it, yet was refused as "does
    # not overlap the area of interest". The points around it are kept so it can be interpolated.
    small = settings_for(
        tmp_path, AREA_WEST="12.55", AREA_EAST="12.7", AREA_SOUTH="35.8", AREA_NORTH="35.95"
    )
    result = ingest.ingest_files(small, SICILY_MET[:1], out=tmp_path / "in.nc")
    ds = open_forecast(result.stored["wind"])
    assert ds["lat"].min() <= 35.75 and ds["lat"].max() >= 36.0
    assert ds["lon"].min() <= 12.5 and ds["lon"].max() >= 12.75
    on_grid = open_forecast(tmp_path / "in.nc")  # the area's own 0.05 degree grid
    assert on_grid.sizes["lat"] == 4 and on_grid.sizes["lon"] == 4
    assert not on_grid["u10"].isnull().any()
    with xr.open_dataset(SICILY_MET[0], engine="netcdf4") as raw:
        u = raw["U10M"].isel(time=5).sel(lat=[35.75, 36.0], lon=[12.5, 12.75]).values
    value = float(on_grid["u10"].isel(time=5, lat=0, lon=0))
    assert u.min() - 1e-4 <= value <= u.max() + 1e-4  # inside the four points around it


def test_awkward_real_grib1_from_the_north_sea_is_outside_the_area(settings):
    with pytest.raises(DataError) as err:
        ingest.ingest_files(settings, [NORTH_SEA])
    assert "covers 58.50N-62.00N 2.00W-6.00E" in str(err.value)
    assert f"area of interest {describe_box(*settings.area.bbox)}" in str(err.value)
    assert not (settings.data_dir / "forecast").exists()


def test_awkward_grib1_local_parameters_are_read_as_wmo_wave_fields():
    item = ingest.read_file(NORTH_SEA)
    assert item.kind == "wave_grib"
    assert set(item.dataset.data_vars) == {"hs", "wave_dir"}
    assert item.dataset.sizes["time"] == 73
    assert float(item.dataset["hs"].min()) > 0.05 and float(item.dataset["hs"].max()) < 3.5


def test_ecmwf_open_data_grib2(settings, tmp_path):
    files = write_ecmwf_run(tmp_path / "mirror", RUN, [0, 3])
    result = ingest.ingest_files(settings, files["wave"] + files["oper"])
    assert set(result.stored) == {"ecmwf", "wind"}
    waves = open_forecast(result.stored["ecmwf"])
    assert waves.sizes["time"] == 2 and "Tm-1,0" in waves["tm"].attrs["long_name"]
    # clipped to the area plus one 0.25 degree cell beyond each edge
    assert waves["lon"].min() == settings.area.west - 0.25
    assert waves["lon"].max() == settings.area.east + 0.25
    wind = open_forecast(result.stored["wind"])
    assert np.allclose(wind["u10"].values, 8.0) and "gust" in wind


def test_era5_wind_grib1(settings, tmp_path):
    grid = (38.0, 30.0, 10.0, 20.0, 0.25)
    messages = [
        encode(name, lambda la, lo, v=value: np.full(la.shape, v) + 0.01 * la, run=RUN, step=0,
               edition=1, grid=grid)
        for name, value in (("10u", 10.0), ("10v", 0.0))
    ]  # fmt: skip
    path = write_messages(tmp_path / "era5.grib", messages)
    result = ingest.ingest_files(settings, [path])
    ds = open_forecast(result.stored["wind"])
    assert float(ds["u10"].sel(lat=35.0, lon=15.0).isel(time=0)) == pytest.approx(10.35, abs=0.01)
    assert str(ds["time"].values[0]).startswith("2026-08-20T00")


def test_noaa_gfs_wave_grib2_with_0_360_longitudes(settings, tmp_path):
    grid = (40.0, 28.0, 0.0, 359.75, 0.25)
    fields = {"swh": 1.4, "perpw": 6.5, "dirpw": 290.0, "shww": 1.0, "mpww": 4.0, "wvdir": 300.0}
    messages = [
        encode(n, lambda la, lo, v=v: np.full(la.shape, v), run=RUN, step=s, centre=7,
               grid=grid, land_missing=True)
        for s in (0, 3) for n, v in fields.items()
    ]  # fmt: skip
    messages += [
        encode(n, lambda la, lo, v=v: np.full(la.shape, v), run=RUN, step=s, centre=7, grid=grid,
               type_of_level="orderedSequenceData", level=1, land_missing=True)
        for s in (0, 3) for n, v in {"shts": 0.8, "mpts": 9.0, "swdir": 275.0}.items()
    ]  # fmt: skip
    path = write_messages(tmp_path / "gfswave.t00z.global.0p25.f003.grib2", messages)
    result = ingest.ingest_files(settings, [path])
    assert result.files[0]["kind"] == "noaa_ww3"
    ds = open_forecast(result.stored["noaa_ww3"])
    assert set(ds.data_vars) == {
        "hs", "tp", "wave_dir", "hs_windsea", "tm_windsea", "dir_windsea",
        "hs_swell", "tm_swell", "dir_swell",
    }  # fmt: skip
    assert ds["lon"].min() == settings.area.west - 0.25
    assert ds["lon"].max() == settings.area.east + 0.25
    sea = ds.sel(lat=35.0, lon=18.0).isel(time=1)
    assert float(sea["hs"]) == pytest.approx(1.4, abs=1e-3)
    assert float(sea["hs_swell"]) == pytest.approx(0.8, abs=1e-3)
    assert "NOAA PERPW" in ds["tp"].attrs["long_name"]


def test_cmems_wave_file_and_out_file(settings, tmp_path):
    waves = write_cmems_waves(tmp_path / "med_wav.nc")
    out = tmp_path / "received.nc"
    result = ingest.ingest_files(settings, [waves, SICILY_PHY[0]], out=out)
    assert set(result.stored) == {"cmems_waves", "cmems_physics"}
    combined = open_dataset(out)
    assert {"hs", "uo", "vo"} <= set(combined.data_vars)
    assert combined["uo"].attrs["source"] == "ingest"


def test_unknown_file_lists_what_is_supported(settings, tmp_path):
    path = tmp_path / "sitrep.txt"
    path.write_text("SITREP 1 distress 33-12.5N 012-45.3E\n")
    with pytest.raises(DataError) as err:
        ingest.ingest_files(settings, [path])
    assert "sitrep.txt is neither GRIB nor NetCDF; seawatch ingests: Copernicus Marine" in str(
        err.value
    )
    assert "NOAA WW3/GFS-Wave GRIB2" in str(err.value)


@pytest.mark.parametrize("source", [SICILY_PHY[0], NORTH_SEA], ids=["netcdf", "grib"])
def test_empty_received_file_says_so(settings, tmp_path, source):
    """A 0-byte attachment was 'neither GRIB nor NetCDF' and listed every format."""
    path = tmp_path / source.name
    path.write_bytes(b"")
    with pytest.raises(DataError) as err:
        ingest.ingest_files(settings, [path])
    assert str(err.value) == (
        f"{path} is empty (0 bytes): the download or copy did not finish; copy or download it again"
    )


@pytest.mark.parametrize("keep", [1000, 50_000], ids=["header-only", "half"])
def test_cut_short_netcdf_says_so_and_what_to_do(settings, tmp_path, keep):
    """A real CMEMS file cut short was 'cannot be read as NetCDF ([Errno -101] NetCDF: HDF
    error: '/long/path')', which does not say that a new copy is needed."""
    path = tmp_path / SICILY_PHY[0].name
    path.write_bytes(SICILY_PHY[0].read_bytes()[:keep])
    with pytest.raises(DataError) as err:
        ingest.ingest_files(settings, [path])
    assert str(err.value).startswith(f"{path} is cut short or damaged (")
    assert str(err.value).endswith("); copy or download it again")
    assert str(err.value).count(str(path)) == 1
    assert not (settings.data_dir / "forecast").exists() or not any(
        (settings.data_dir / "forecast").iterdir()
    )


def test_cut_short_forecast_for_build_says_what_to_do(tmp_path):
    path = tmp_path / "forecast.nc"
    path.write_bytes(SICILY_PHY[0].read_bytes()[:50_000])
    with pytest.raises(DataError) as err:
        open_forecast(path)
    assert str(err.value).startswith(f"forecast file {path} is cut short or damaged (")
    assert "fetch it again (`seawatch fetch weather`) or pass a good --forecast FILE" in str(
        err.value
    )


def test_netcdf_with_the_wrong_variables_lists_what_is_supported(settings, tmp_path):
    path = tmp_path / "pressure.nc"
    xr.Dataset(
        {"msl": (("time", "lat", "lon"), np.ones((1, 2, 2)))},
        coords={"time": [np.datetime64("2026-08-20")], "lat": [33.0, 34.0], "lon": [15.0, 16.0]},
    ).to_netcdf(path, engine="netcdf4")
    with pytest.raises(DataError, match=r"pressure.nc is NetCDF with \['msl'\]; seawatch ingests"):
        ingest.ingest_files(settings, [path])


def test_truncated_grib_is_refused_and_nothing_stored(settings, tmp_path):
    files = write_ecmwf_run(tmp_path / "mirror", RUN, [0])
    cut = tmp_path / "cut.grib2"
    cut.write_bytes(files["wave"][0].read_bytes()[:-200])
    with pytest.raises(DataError, match=r"cut\.grib2 is truncated"):
        ingest.ingest_files(settings, [cut])
    assert not (settings.data_dir / "forecast").exists()


def test_invalid_values_keep_the_stored_file(settings, tmp_path):
    good = write_cmems_waves(tmp_path / "good.nc")
    stored = ingest.ingest_files(settings, [good]).stored["cmems_waves"]
    before = stored.read_bytes()
    bad = tmp_path / "bad.nc"
    ds = xr.open_dataset(good, engine="netcdf4").load()
    ds["VHM0"] = ds["VHM0"] + 30.0
    ds.to_netcdf(bad, engine="netcdf4")
    with pytest.raises(DataError, match=r"hs has .* m, not below 20.*kept the last good"):
        ingest.ingest_files(settings, [bad])
    assert stored.read_bytes() == before


# --- CF calendars, fill markers, temperature units, depth (tests/data/netcdf, see SOURCES.md)

CALENDAR_SAMPLES = Path(__file__).resolve().parents[1] / "data" / "netcdf"
ADRIATIC_PHY = SHARED_MARINE / "medsea_phy_south_adriatic_2023" / "CMEMS_med_2023815_raw.nc"


def _adriatic_settings(tmp_path):
    return settings_for(tmp_path, AREA_WEST="17", AREA_EAST="19", AREA_SOUTH="40", AREA_NORTH="42")


@pytest.mark.parametrize("calendar", ["noleap", "360day", "julian"])
def test_other_calendars_keep_times_and_values(calendar):
    ds = read_cmems(CALENDAR_SAMPLES / f"medsea_phy_adriatic_{calendar}.nc")
    with xr.open_dataset(ADRIATIC_PHY, engine="netcdf4") as raw:
        times = raw["time"].values
        top = raw[["uo", "thetao"]].isel(depth=0).load()
    np.testing.assert_array_equal(ds["time"].values, times)
    np.testing.assert_allclose(ds["uo"].values, top["uo"].values, rtol=1e-6)
    # "C", "degC" and "K" (the julian sample) all come out in degrees Celsius
    np.testing.assert_allclose(ds["sst"].values, top["thetao"].values, atol=1e-4)
    assert np.isfinite(ds["sst"].values).mean() == pytest.approx(0.8496)
    assert ds["sst"].attrs["comment"] == (
        "taken at the shallowest of the file's 3 depth levels, 1.01824 m"
    )


def test_noleap_file_with_both_fill_markers_is_ingested(tmp_path):
    settings = _adriatic_settings(tmp_path)
    result = ingest.ingest_files(settings, [CALENDAR_SAMPLES / "medsea_phy_adriatic_noleap.nc"])
    ds = open_forecast(result.stored["cmems_physics"])
    assert ds.sizes["time"] == 5 and str(ds["time"].values[0]).startswith("2023-08-14T12")
    sea = sea_mask_for(ds)
    share = np.isfinite(ds["sst"].values[:, sea]).mean()
    assert share > 0.98  # the model's own coastline differs a little from ours
    assert float(ds["sst"].max()) < 30.0 and float(ds["sst"].min()) > 20.0


def test_360_day_dates_missing_from_the_gregorian_calendar_are_named(tmp_path):
    path = tmp_path / "feb.nc"
    shutil.copy(CALENDAR_SAMPLES / "medsea_phy_adriatic_360day.nc", path)
    with netCDF4.Dataset(path, "a") as nc:
        labels = [cftime.Datetime360Day(2023, 2, d, 12) for d in (27, 28, 29, 30)]
        labels.append(cftime.Datetime360Day(2023, 3, 1, 12))
        nc["time"][:] = cftime.date2num(labels, nc["time"].units, "360_day")
    opened = open_netcdf(path)
    assert opened["time"].dt.strftime("%m-%d").values.tolist() == ["02-27", "02-28", "03-01"]
    assert opened.attrs["time_note"].startswith(
        "2 time step(s) of the 360_day calendar that do not exist in the Gregorian calendar "
        "were left out: 2023-02-29 12:00, 2023-02-30 12:00"
    )
    assert opened["uo"].sizes["time"] == 3


def test_time_zone_in_the_units_gives_utc(tmp_path):
    path = tmp_path / "tz.nc"
    shutil.copy(CALENDAR_SAMPLES / "medsea_phy_adriatic_noleap.nc", path)
    with netCDF4.Dataset(path, "a") as nc:
        nc["time"].units = "hours since 2023-08-14 12:00:00 +02:00"
        nc["time"][:] = np.arange(5) * 24.0
    times = open_netcdf(path)["time"].values
    assert str(times[0]).startswith("2023-08-14T10:00")


@pytest.mark.parametrize(
    ("attr", "value", "message"),
    [
        ("calendar", "none", "uses calendar 'none'; seawatch reads the CF calendars standard"),
        ("units", "days", "has units 'days'; expected '<unit> since <date>'"),
    ],
)
def test_undecodable_time_is_one_line(tmp_path, attr, value, message):
    path = tmp_path / "odd.nc"
    shutil.copy(CALENDAR_SAMPLES / "medsea_phy_adriatic_noleap.nc", path)
    with netCDF4.Dataset(path, "a") as nc:
        nc["time"].setncattr(attr, value)
    with pytest.raises(DataError, match=re.escape(f"odd.nc: time {message}")) as err:
        ingest.read_file(path)
    assert "\n" not in str(err.value)


def test_unknown_temperature_unit_is_refused(tmp_path):
    path = tmp_path / "fahrenheit.nc"
    shutil.copy(CALENDAR_SAMPLES / "medsea_phy_adriatic_noleap.nc", path)
    with netCDF4.Dataset(path, "a") as nc:
        nc["thetao"].units = "degF"
    with pytest.raises(DataError) as err:
        ingest.read_file(path)
    assert str(err.value) == (
        "fahrenheit.nc: thetao is in 'degF'; seawatch reads sea temperature in degC "
        "(C, degC, Celsius) or K"
    )


# --- a forecast without waves or wind: the advice fits the way the forecast was made


def _cli(args, data):
    from click.testing import CliRunner

    import seawatch.cli.pipeline  # registers build
    import seawatch.cli.weather  # noqa: F401  (registers ingest)
    from seawatch.cli.root import main

    return CliRunner().invoke(main, ["--quiet", "--data-dir", str(data), *map(str, args)])


def test_currents_only_after_ingest_advises_ingesting_waves_or_wind(tmp_path):
    data, out = tmp_path / "data", tmp_path / "received.nc"
    assert _cli(["ingest", SICILY_PHY[0], "--out", out], data).exit_code == 0
    result = _cli(["build", "--forecast", out], data)
    assert result.exit_code == 1
    assert result.stderr == (
        "seawatch: error: received.nc has only uo, vo: neither wave height (hs) nor wind (u10, "
        "v10), so no capsize hazard can be computed; ingest a file with waves or wind too, e.g. "
        f"`seawatch ingest {SICILY_PHY[0].name} era5_wind.grib --out {out}` (Copernicus MEDSEA "
        "waves, ECMWF/ERA5 10 m wind)\n"
    )
    assert "fetch" not in result.stderr


def _currents_forecast(path, source="open_meteo"):
    times = np.array(["2026-08-20T00", "2026-08-20T01"], dtype="datetime64[ns]")
    ds = xr.Dataset(coords={"time": times, "lat": [33.0, 34.0], "lon": [12.0, 13.0]})
    ds["uo"] = (("time", "lat", "lon"), np.full((2, 2, 2), 0.2))
    ds["vo"] = (("time", "lat", "lon"), np.full((2, 2, 2), 0.1))
    canonical = make_canonical(
        ds, source=source, model="m", reference_time=times[0], provenance="test"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_dataset(canonical, path)


def test_currents_only_after_fetch_advises_fetching_again(tmp_path):
    data = tmp_path / "data"
    _currents_forecast(data / "forecast.nc")
    result = _cli(["build"], data)
    assert result.exit_code == 1
    assert result.stderr == (
        "seawatch: error: the forecast has only uo, vo: neither wave height (hs) nor wind (u10, "
        "v10), so no capsize hazard can be computed; fetch the weather again (`seawatch fetch "
        "weather`)\n"
    )


def test_currents_only_from_forecast_option_names_the_file(tmp_path):
    data, path = tmp_path / "data", tmp_path / "colleague.nc"
    _currents_forecast(path)
    result = _cli(["build", "--forecast", path], data)
    assert result.exit_code == 1
    assert result.stderr.startswith("seawatch: error: colleague.nc has only uo, vo: neither wave")
    assert result.stderr.endswith(
        f"; pass a forecast with waves or wind: --forecast {path} is not enough (or leave "
        "--forecast out to use the fetched one)\n"
    )


# --- several files: the union of their time steps, each variable at its own


def test_daily_currents_and_hourly_wind_keep_every_step(tmp_path):
    """Real files: 6 daily CMEMS current means and 144 hourly ECMWF wind steps, ingested
    together; the wind keeps all its hours, with the source values at the source times, in
    the ingested file and in the risk dataset built from it."""
    from seawatch.layers.params import LayerParams
    from seawatch.layers.risk import build_risk

    settings = settings_for(
        tmp_path, AREA_WEST="12.25", AREA_EAST="14", AREA_SOUTH="35.75", AREA_NORTH="37.5"
    )
    out = tmp_path / "received.nc"
    ingest.ingest_files(settings, SICILY_PHY + SICILY_MET, out=out)
    ds = open_dataset(out)
    with xr.open_mfdataset(SICILY_MET, engine="netcdf4", combine="by_coords") as raw:
        wind = raw["U10M"].load()
    assert wind.sizes["time"] == 144
    wind_steps = np.isfinite(ds["u10"].values).any(axis=(1, 2))
    np.testing.assert_array_equal(ds["time"].values[wind_steps], wind["time"].values)
    currents_steps = np.isfinite(ds["uo"].values).any(axis=(1, 2))
    assert currents_steps.sum() == 6  # the daily means stay daily, no steps invented
    assert "own 6 of the file's 144 time steps" in ds["uo"].attrs["comment"]
    points = {"lat": wind["lat"].values[1:-1], "lon": wind["lon"].values[1:-1]}
    expected = wind.sel(points).transpose("time", "lat", "lon").values
    got = ds["u10"].sel(points, method="nearest", tolerance=1e-4).values[wind_steps]
    np.testing.assert_allclose(got, expected, atol=1e-5)

    risk = build_risk(open_forecast(out), None, LayerParams.from_settings(settings).risk)
    hours = risk["time"].values
    assert np.isin(wind["time"].values, hours).all()
    built = risk["u10"].sel(time=wind["time"].values).sel(points, method="nearest", tolerance=1e-4)
    sea = np.isfinite(built.values)
    assert sea.mean() > 0.5  # land cells are masked in the risk dataset
    np.testing.assert_allclose(built.values[sea], expected[sea], atol=1e-4)


@pytest.mark.parametrize("calendar", ["gregorian", "noleap", "all_leap"])
def test_real_era5_wind_netcdf_under_any_calendar(tmp_path, calendar):
    """The real packed (int16, _FillValue and missing_value) ERA5 file, its time re-encoded."""
    path = tmp_path / f"era5_{calendar}.nc"
    shutil.copy(ADRIATIC_ERA5, path)
    with xr.open_dataset(ADRIATIC_ERA5, engine="netcdf4") as raw:
        times = raw["time"].values
        u = raw["U10M"].sel(lat=41.0, lon=18.0).values
    if calendar != "gregorian":
        with netCDF4.Dataset(path, "a") as nc:
            labels = [
                cftime.datetime(
                    *t.astype("datetime64[s]").tolist().timetuple()[:6], calendar=calendar
                )
                for t in times
            ]
            nc["time"].calendar = calendar
            nc["time"].units = "hours since 2023-01-01 00:00:00"
            nc["time"][:] = cftime.date2num(labels, nc["time"].units, calendar)
    item = ingest.read_file(path)
    assert item.kind == "wind"
    np.testing.assert_array_equal(item.dataset["time"].values, times)
    np.testing.assert_allclose(item.dataset["u10"].sel(lat=41.0, lon=18.0).values, u, rtol=1e-6)


def test_file_across_the_area_edge_keeps_the_edge_row(settings, tmp_path):
    """A 1/24 deg MEDSEA file has no row on 38.00 N (37.979, 38.021): the row beyond the edge
    is kept, so the area's northern edge row is interpolated, not lost."""
    waves = write_cmems_waves(tmp_path / "north.nc", box=(12.0, 37.0, 14.0, 38.5))
    out = tmp_path / "received.nc"
    result = ingest.ingest_files(settings, [waves], out=out)
    stored = open_forecast(result.stored["cmems_waves"])
    assert float(stored["lat"].max()) == pytest.approx(38.0 + 1 / 48, abs=1e-4)
    edge = open_dataset(out)["hs"].sel(lat=38.0).sel(lon=slice(12.1, 13.9))
    assert np.isfinite(edge.values).all()
