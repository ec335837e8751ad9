"""The NetCDF files other tools open: risk.nc packing, size and chunks; CF-1.10 compliance.

The demo's risk.nc was 67 MB of float32; it is packed (CF 8.1) into int16 with stated
precisions (:data:`seawatch.schema.RISK_PACKING`), chunked by time step and compressed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr

from seawatch.config import load_settings
from seawatch.fetchers import ingest
from seawatch.fetchers.demo import demo_forecast
from seawatch.incidents.demo import demo_store
from seawatch.pipeline import compute_risk
from seawatch.schema import PACKED_FILL, RISK_PACKING, write_dataset
from tests.fetchers.conftest import SHARED_MARINE, settings_for
from tests.layers.cfcheck import cf_compliance

# The target of the demo's risk.nc (issue 13): small enough to mail around and download.
DEMO_RISK_MAX_BYTES = 20_000_000
EXACT = ("hazard_level", "drivers", "cold_shock", "land")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[xr.Dataset, Path, Path]:
    """The demo's risk dataset in memory and its forecast.nc and risk.nc, as `seawatch demo`."""
    out = tmp_path_factory.mktemp("demo")
    settings = load_settings(environ={}, data_dir=out)
    forecast = demo_forecast(settings)
    demo_store(settings=settings).close()
    risk = compute_risk(settings, forecast)
    return risk, write_dataset(forecast, out / "forecast.nc"), write_dataset(risk, out / "risk.nc")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A canonical forecast made by `seawatch ingest` of real CMEMS currents and ECMWF winds."""
    tmp = tmp_path_factory.mktemp("ingest")
    files = [
        *sorted((SHARED_MARINE / "medsea_phy_south_sicily_2022").glob("*.nc"))[:2],
        *sorted((SHARED_MARINE / "ecmwf_met_south_sicily_2022").glob("*.nc"))[:2],
    ]
    return ingest.ingest_files(settings_for(tmp), files, out=tmp / "forecast.nc").out


def test_demo_risk_file_is_small(demo):
    _, _, risk_nc = demo
    assert risk_nc.stat().st_size <= DEMO_RISK_MAX_BYTES


def test_packed_values_come_back_within_the_stated_precision(demo):
    risk, _, risk_nc = demo
    with xr.open_dataset(risk_nc) as back:
        back.load()
    packed = [name for name in RISK_PACKING if name in risk]
    assert {"hazard_score", "risk", "hs", "u10", "sst", "survival_hours"} <= set(packed)
    for name in packed:
        spec = RISK_PACKING[name]
        assert back[name].encoding["dtype"] == np.int16, name
        assert back[name].encoding["scale_factor"] == np.float32(spec.scale_factor), name
        assert back[name].dtype == np.float32, name
        want = risk[name].values
        got = back[name].values
        assert np.array_equal(np.isnan(want), np.isnan(got)), f"{name}: missing cells moved"
        sea = ~np.isnan(want)
        err = np.abs(got[sea].astype(np.float64) - want[sea])
        # float32 arithmetic in packing and unpacking adds a few ulps of the value
        slack = 4 * np.finfo(np.float32).eps * np.abs(want[sea])
        bound = spec.scale_factor if name == "hazard_score" else spec.precision
        assert (err <= bound + slack).all(), f"{name}: error {err.max():g} > {bound:g}"
        if name != "hazard_score":
            continue
        # Rounded down only next to a level boundary, to keep floor(score) == level.
        far = err > spec.precision + slack
        frac = want[sea][far] - np.floor(want[sea][far])
        assert (frac >= 1 - spec.precision - 1e-6).all()
    with xr.open_dataset(risk_nc, mask_and_scale=False) as raw:
        for name in EXACT:
            assert raw[name].dtype == risk[name].dtype, name
            np.testing.assert_array_equal(raw[name].values, risk[name].values, name)


def test_floor_of_the_packed_score_is_the_level(demo):
    _, _, risk_nc = demo
    with xr.open_dataset(risk_nc, mask_and_scale=True) as back:
        level = back["hazard_level"].values
        score = back["hazard_score"].values
    sea = ~np.isnan(level)
    assert np.array_equal(np.minimum(np.floor(score[sea]), 4), level[sea])


def test_layout_one_time_step_per_chunk_packed_attributes(demo):
    _, _, risk_nc = demo
    with netCDF4.Dataset(risk_nc) as nc:
        for name in ("hazard_level", "hazard_score", "risk", "hs", "cold_shock"):
            var = nc[name]
            assert var.chunking() == [1, *var.shape[1:]], name
            assert var.filters()["zlib"] and var.filters()["shuffle"], name
        for name, spec in RISK_PACKING.items():
            var = nc[name]
            assert var.dtype == np.int16
            assert var.getncattr("_FillValue") == PACKED_FILL
            valid = var.getncattr("valid_range")
            assert valid.dtype == np.int16 and PACKED_FILL < valid[0] <= valid[1]
            assert var.getncattr("scale_factor").dtype == np.float32
            assert np.isclose(valid[1] * spec.scale_factor + spec.add_offset, spec.valid_max)
        assert nc["hazard_level"].dtype == np.int8


def test_value_outside_its_packing_range_is_written_unpacked(demo, tmp_path, caplog):
    risk, _, _ = demo
    small = risk.isel(time=slice(0, 2)).copy(deep=True)
    small["survival_hours"][0, 70, 100] = 500.0  # beyond 300 h, e.g. an extreme override
    with caplog.at_level(logging.WARNING, logger="seawatch.schema"):
        path = write_dataset(small, tmp_path / "risk.nc")
    assert "survival_hours has values outside 0..300" in caplog.text
    with xr.open_dataset(path) as back:
        assert back["survival_hours"].encoding["dtype"] == np.float32
        np.testing.assert_array_equal(back["survival_hours"].values, small["survival_hours"])
        assert back["hs"].encoding["dtype"] == np.int16  # the others are still packed


@pytest.mark.parametrize("which", ["demo_forecast", "demo_risk", "ingested_forecast"])
def test_cf_1_10_compliance_offline(which, demo, ingested, tmp_path):
    path = {"demo_forecast": demo[1], "demo_risk": demo[2], "ingested_forecast": ingested}[which]
    errors, warnings = cf_compliance(path, tmp_path)
    assert errors == [], "\n".join(errors)
    print(f"{which}: {len(warnings)} CF warnings: {warnings}")
    with netCDF4.Dataset(path) as nc:
        for name in ("time", "lat", "lon"):
            assert "_FillValue" not in nc[name].ncattrs(), f"{name} has a _FillValue"
        assert nc["time"].getncattr("standard_name") == "time"
        assert nc.getncattr("history")


def test_subset_of_a_read_risk_file_is_written_like_the_original(demo, tmp_path):
    _, _, risk_nc = demo
    with xr.open_dataset(risk_nc) as back:
        subset = back[["hazard_level", "hazard_score", "drivers", "risk"]].isel(time=slice(0, 3))
        subset.load()
    path = write_dataset(subset, tmp_path / "subset.nc")
    with netCDF4.Dataset(risk_nc) as full, netCDF4.Dataset(path) as part:
        for name in subset.data_vars:
            assert part[name].dtype == full[name].dtype, name
            assert part[name].getncattr("_FillValue") == full[name].getncattr("_FillValue")
            part[name].set_auto_maskandscale(False)
            full[name].set_auto_maskandscale(False)
            np.testing.assert_array_equal(part[name][:], full[name][:3], name)


def test_gdal_unpacks_like_xarray(demo):
    """QGIS opens risk.nc through GDAL: it must see the scale, offset and nodata."""
    import rasterio  # the geotiff extra, in the test extra

    _, _, risk_nc = demo
    with rasterio.open(f"netcdf:{risk_nc}:hazard_score") as src:
        assert src.dtypes[0] == "int16" and src.nodata == PACKED_FILL
        assert src.scales[0] == pytest.approx(RISK_PACKING["hazard_score"].scale_factor)
        band = src.read(1, masked=True)
        via_gdal = band.astype(np.float64) * src.scales[0] + src.offsets[0]
    with xr.open_dataset(risk_nc) as back:
        via_xarray = back["hazard_score"].isel(time=0, vessel=0).values
        ascending = bool(back["lat"].values[0] < back["lat"].values[-1])
    north_up = via_xarray[::-1] if ascending else via_xarray
    np.testing.assert_array_equal(band.mask, np.isnan(north_up))
    np.testing.assert_allclose(via_gdal.filled(np.nan), north_up, atol=1e-6)


def test_netcdf_reads_wait_for_a_write_on_another_thread(tmp_path):
    """HDF5 is not thread-safe: the demo writes risk.nc on a writer thread while the maps read
    departures.nc; a read must wait for the write (without the lock the process crashed)."""
    import threading

    from seawatch.schema import NETCDF_LOCK, open_dataset
    from seawatch.summaries import departures_path, read_departures

    risk_path = tmp_path / "risk.nc"
    small = xr.Dataset({"x": ("t", np.arange(3.0))}, attrs={"risk_created_at": "now"})
    write_dataset(small, departures_path(risk_path))
    write_dataset(small, tmp_path / "other.nc")
    done: list[str] = []
    readers = [
        threading.Thread(target=lambda: (read_departures(risk_path), done.append("departures"))),
        threading.Thread(target=lambda: (open_dataset(tmp_path / "other.nc"), done.append("open"))),
    ]
    with NETCDF_LOCK:  # as the writer thread holds it while compressing
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=0.5)
        assert done == []
    for reader in readers:
        reader.join(timeout=30)
    assert sorted(done) == ["departures", "open"]
