"""The canonical forecast writer and validator."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from seawatch.errors import DataError
from seawatch.schema import (
    FORECAST_VARIABLES,
    make_canonical,
    open_forecast,
    validate_forecast,
    write_dataset,
)


def raw_dataset(descending_lat: bool = True) -> xr.Dataset:
    times = pd.date_range("2026-11-24", periods=3, freq="h")
    lat = np.array([33.5, 33.0, 32.5]) if descending_lat else np.array([32.5, 33.0, 33.5])
    lon = np.array([12.0, 12.5])
    hs = np.arange(18, dtype=np.float64).reshape(3, 3, 2) / 10
    return xr.Dataset(
        {"hs": (("time", "lat", "lon"), hs), "u10": (("time", "lat", "lon"), hs * 3)},
        coords={"time": times.values, "lat": lat, "lon": lon},
    )


def canonical(**kw) -> xr.Dataset:
    return make_canonical(
        raw_dataset(**kw),
        source="test",
        model="unit",
        reference_time=np.datetime64("2026-11-24T00:00"),
        provenance=["http://127.0.0.1/test"],
    )


def test_make_canonical_sets_cf_attributes_and_order():
    ds = canonical()
    assert list(ds["lat"].values) == [32.5, 33.0, 33.5]
    assert ds["hs"].dtype == np.float32
    # the value at (time 0, lat 33.5, lon 12.0) was at index [0, 0, 0] before sorting
    assert float(ds["hs"].sel(lat=33.5, lon=12.0).isel(time=0)) == 0.0
    for name in ("hs", "u10"):
        assert ds[name].attrs["standard_name"] == FORECAST_VARIABLES[name].standard_name
        assert ds[name].attrs["units"] == FORECAST_VARIABLES[name].units
    for key in (
        "Conventions",
        "source",
        "model",
        "reference_time",
        "fetched_at",
        "provenance",
        "seawatch_version",
    ):
        assert key in ds.attrs
    assert ds.attrs["Conventions"] == "CF-1.10"
    assert ds.attrs["reference_time"] == "2026-11-24T00:00:00Z"


def test_make_canonical_refuses_unknown_variables():
    ds = raw_dataset().rename({"hs": "VHM0"})
    with pytest.raises(DataError, match="VHM0"):
        make_canonical(
            ds, source="x", model="m", reference_time="2026-11-24T00:00:00Z", provenance="p"
        )


def test_write_and_read_round_trip(tmp_path):
    ds = canonical()
    path = write_dataset(ds, tmp_path / "forecast.nc")
    back = open_forecast(path)
    assert back["hs"].attrs["standard_name"] == "sea_surface_wave_significant_height"
    np.testing.assert_allclose(back["hs"].values, ds["hs"].values)
    assert back["time"].dtype == np.dtype("datetime64[ns]")
    assert not list(tmp_path.glob("*.part"))


def test_failed_write_keeps_last_good_file(tmp_path):
    path = write_dataset(canonical(), tmp_path / "forecast.nc")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="bogus"):
        write_dataset(canonical(), path, extra_encoding={"hs": {"bogus": 1}})
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.part"))


def test_truncated_file_is_a_clear_error(tmp_path):
    path = write_dataset(canonical(), tmp_path / "forecast.nc")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="truncated"):
        open_forecast(path)


def test_validation_catches_physics_time_and_missing_sea():
    ds = canonical()
    assert validate_forecast(ds) == []
    bad = ds.copy(deep=True)
    bad["hs"][0, 0, 0] = 25.0
    assert any("hs has 25" in p for p in validate_forecast(bad))
    bad = ds.copy(deep=True)
    bad["u10"][0, 0, 0] = 95.0
    assert any("u10" in p for p in validate_forecast(bad))
    bad = ds.isel(time=[0, 2, 1])
    assert "time is not strictly increasing" in validate_forecast(bad)
    bad = ds.copy(deep=True)
    bad["hs"][:] = np.nan
    sea = np.ones((3, 2), dtype=bool)
    assert any("missing on 100% of sea cells" in p for p in validate_forecast(bad, sea_mask=sea))


def test_period_must_be_positive():
    ds = canonical()
    ds["tp"] = ds["hs"] * 0  # a period of 0 s is a broken field
    ds["tp"].attrs = {}
    assert any("tp has a period of 0" in p for p in validate_forecast(ds))
