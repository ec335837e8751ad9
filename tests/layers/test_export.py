"""GeoTIFF export: one file per step and vessel, georeferenced as GDAL reads it."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from seawatch.errors import DataError
from seawatch.fetchers.demo import demo_forecast
from seawatch.layers.export import write_geotiffs
from seawatch.layers.risk import build_risk
from tests.layers.conftest import START


def test_geotiffs(settings, params, tmp_path):
    risk = build_risk(demo_forecast(settings, start=START), None, params.risk).isel(
        time=slice(30, 32)
    )
    files = write_geotiffs(risk, tmp_path / "tif")
    assert len(files) == 2 * 3
    assert files[0].name == "risk_rubber_dinghy_20260204T0600Z.tif"
    with rasterio.open(files[0]) as src:
        assert src.crs.to_epsg() == 4326 and src.count == 3
        assert src.descriptions == ("hazard_level", "hazard_score", "risk")
        assert src.res == pytest.approx((0.05, 0.05))
        assert src.bounds.left == pytest.approx(11.475) and src.bounds.top == pytest.approx(34.025)
        assert src.transform.e < 0  # north up
        assert src.tags()["VESSEL"] == "rubber_dinghy" and src.tags()["DEMO"] == "1"
        step = risk.isel(time=0).sel(vessel="rubber_dinghy")
        for lat, lon in [(33.5, 12.5), (33.05, 13.3), (33.95, 11.55)]:  # sea, three corners
            values = next(src.sample([(lon, lat)]))
            assert values[0] == int(step["hazard_level"].sel(lat=lat, lon=lon)) >= 0
            assert values[1] == pytest.approx(float(step["hazard_score"].sel(lat=lat, lon=lon)))
        land = next(src.sample([(13.0, 32.5)]))
        assert np.isnan(land).all()


def test_missing_variables(tmp_path, settings, params):
    risk = build_risk(demo_forecast(settings, start=START), None, params.risk).isel(
        time=slice(0, 1)
    )
    with pytest.raises(DataError, match="lacks risk"):
        write_geotiffs(risk.drop_vars("risk"), tmp_path)
