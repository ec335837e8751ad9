"""Copernicus Marine: the reader on real MEDSEA physics files and MEDSEA-layout wave files."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import xarray as xr

from seawatch.errors import DataError, FetchError
from seawatch.fetchers import copernicus
from seawatch.fetchers.base import MissingCredentialsError

from .cmems_fixtures import write_cmems_waves
from .conftest import SHARED_MARINE

SICILY = sorted((SHARED_MARINE / "medsea_phy_south_sicily_2022").glob("*.nc"))
ADRIATIC = SHARED_MARINE / "medsea_phy_south_adriatic_2023" / "CMEMS_med_2023815_raw.nc"


def test_real_physics_files_give_surface_currents():
    ds = copernicus.read_cmems(SICILY)
    assert set(ds.data_vars) == {"uo", "vo"}
    assert ds.sizes == {"time": 6, "lat": 48, "lon": 48}
    assert str(ds["time"].values[0]) == "2022-04-27T12:00:00.000000000"
    with xr.open_dataset(SICILY[0], engine="netcdf4") as raw:
        surface = raw["uo"].sel(depth=0).isel(time=0).values
    np.testing.assert_array_equal(ds["uo"].isel(time=0).values, surface.astype(np.float64))
    assert np.isnan(ds["uo"].isel(time=0)).any()  # Sicily is land
    assert np.nanmax(np.abs(ds["uo"].values)) < 2.0


def test_real_physics_with_temperature_takes_the_shallowest_level():
    ds = copernicus.read_cmems(ADRIATIC)
    assert {"uo", "vo", "sst"} <= set(ds.data_vars)
    with xr.open_dataset(ADRIATIC, engine="netcdf4") as raw:
        top = raw["thetao"].isel(depth=0, time=0).values
    np.testing.assert_allclose(ds["sst"].isel(time=0).values, top, rtol=1e-6)
    assert 15 < float(ds["sst"].mean()) < 32  # August, degC
    assert "shallowest" in ds["sst"].attrs["long_name"]


def test_wave_file_in_the_medsea_layout(tmp_path):
    path = write_cmems_waves(tmp_path / "med_wav.nc")
    ds = copernicus.read_cmems(path)
    assert set(ds.data_vars) == {
        "hs", "tp", "tm", "wave_dir", "hs_windsea", "tm_windsea", "dir_windsea",
        "hs_swell", "tm_swell", "dir_swell",
    }  # fmt: skip
    sea = ds.sel(lat=33.8, lon=13.5, method="nearest")
    assert float(sea["hs"].isel(time=0)) == pytest.approx(1.2)
    assert float(sea["hs"].isel(time=-1)) == pytest.approx(1.7)
    assert float(sea["tm"].isel(time=0)) == pytest.approx(5.1)
    assert float(sea["dir_swell"].isel(time=0)) == pytest.approx(280.0)
    assert "Tm-1,0" in ds["tm"].attrs["long_name"]
    tripoli = ds["hs"].sel(lat=32.85, lon=13.15, method="nearest")
    assert np.isnan(tripoli).all()  # land is the fill value, read as NaN


def test_vtm02_stands_in_when_vtm10_is_missing(tmp_path):
    path = write_cmems_waves(tmp_path / "w.nc", variables=("VHM0", "VTM02"))
    ds = copernicus.read_cmems(path)
    assert "Tm02" in ds["tm"].attrs["long_name"]
    assert float(ds["tm"].sel(lat=33.8, lon=13.5, method="nearest").isel(time=0)) == pytest.approx(
        4.4
    )


def test_netcdf_with_the_wrong_variables_is_refused():
    met = SHARED_MARINE / "ecmwf_met_south_sicily_2022" / "curr_20220427_South_Sicilia.nc"
    with pytest.raises(DataError, match=r"curr_20220427_South_Sicilia.nc holds \['D2M'"):
        copernicus.read_cmems(met)


def test_missing_credentials_say_how_to_set_them(tmp_path):
    from .conftest import settings_for

    settings = settings_for(tmp_path)
    with pytest.raises(MissingCredentialsError) as err:
        copernicus.fetch(settings)
    message = str(err.value)
    assert "set SEAWATCH_TEST_CMEMS_USER and SEAWATCH_TEST_CMEMS_PASSWORD" in message
    assert "https://data.marine.copernicus.eu/register" in message


def test_with_credentials_but_no_toolbox_says_which_extra(tmp_path, monkeypatch):
    from .conftest import settings_for

    monkeypatch.setenv("SEAWATCH_TEST_CMEMS_USER", "planner")
    monkeypatch.setenv("SEAWATCH_TEST_CMEMS_PASSWORD", "secret")
    monkeypatch.setitem(sys.modules, "copernicusmarine", None)  # as without the cmems extra
    settings = settings_for(tmp_path)
    assert copernicus.credentials(settings) == ("planner", "secret")
    with pytest.raises(FetchError, match=r"pip install 'seawatch\[cmems\]'"):
        copernicus.fetch(settings)
    assert not settings.data_dir.joinpath("forecast", "copernicus.nc").exists()
