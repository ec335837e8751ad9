"""Tests for seawatch.geo.coastline: bundled land, land masks, coastline clipping."""

from __future__ import annotations

import gzip
import hashlib
import json
import warnings
from importlib import resources

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from seawatch.geo import coastline as coastline_module
from seawatch.geo.coastline import (
    ATTRIBUTION,
    coastline_geometry,
    coverage,
    land_geometry,
    land_mask,
    on_land,
)

# The default grid: area of interest lon 10-20 E, lat 30.5-38 N at 0.05 degrees (cell centres).
AOI_LAT = np.round(30.5 + 0.05 * np.arange(151), 6)
AOI_LON = np.round(10.0 + 0.05 * np.arange(201), 6)
# The whole Mediterranean at 1/24 degree.
MED_LAT = 30.0 + np.arange(376) / 24
MED_LON = -6.0 + np.arange(1021) / 24

LAND = {
    "Tripoli city": (32.87, 13.19),
    "Tripoli, Martyrs' Square": (32.8953, 13.1806),
    "Valletta": (35.8989, 14.5146),
    "Lampedusa island interior": (35.515, 12.57),
    "Sicily interior (Enna)": (37.57, 14.28),
    "Zuwara hinterland": (32.80, 12.10),
    "Benghazi": (32.10, 20.10),
    # Outside the 100 m file: the 1 km whole-Mediterranean file answers.
    "Rome": (41.90, 12.50),
    "Athens": (37.98, 23.73),
    "Madrid": (40.40, -3.70),
    "Cairo": (30.04, 31.24),
}
SEA = {
    "central Mediterranean 34N 14E": (34.0, 14.0),
    "off Zuwara 33.5N 12.5E": (33.5, 12.5),
    "Ionian 35N 17E": (35.0, 17.0),
    "Gulf of Sirte 31.5N 18E": (31.5, 18.0),
    "Malta-Lampedusa 35.7N 13.5E": (35.7, 13.5),
    "Balearic Sea 40N 5E": (40.0, 5.0),
    "south of Crete 34N 25E": (34.0, 25.0),
    "Levantine 33.5N 33E": (33.5, 33.0),
}


@pytest.mark.parametrize("name", sorted(LAND))
def test_known_land_points_are_land(name: str) -> None:
    lat, lon = LAND[name]
    assert on_land(lat, lon)
    assert land_mask([lat], [lon])[0, 0]


@pytest.mark.parametrize("name", sorted(SEA))
def test_known_sea_points_are_sea(name: str) -> None:
    lat, lon = SEA[name]
    assert not on_land(lat, lon)
    assert not land_mask([lat], [lon])[0, 0]


def test_land_geometry_is_valid_and_cached() -> None:
    land = land_geometry()
    assert isinstance(land, MultiPolygon)
    assert land.is_valid
    assert land_geometry() is land
    west = min(b[0] for b in coverage().values())
    east = max(b[2] for b in coverage().values())
    assert land.bounds[0] >= west - 1e-9
    assert land.bounds[2] <= east + 1e-9


def test_fine_and_coarse_files_meet_without_a_gap() -> None:
    # A row of points along the Calabrian seam at 39.5 N, across the toe of Italy: all land.
    lon = np.linspace(16.1, 16.5, 41)
    assert on_land(np.full_like(lon, 39.5 + 1e-7), lon).all()
    assert on_land(np.full_like(lon, 39.5 - 1e-7), lon).all()


def test_fine_file_is_used_inside_its_box() -> None:
    # Near Libya the land follows the 100 m file; the 1 km file would differ by far more.
    fine_box = box(*coverage()["aoi"])
    fine = coastline_module._product("aoi")
    window = box(12.0, 32.5, 13.5, 33.2)
    assert fine_box.contains(window)
    assert land_geometry().intersection(window).symmetric_difference(
        fine.intersection(window)
    ).area == pytest.approx(0.0, abs=1e-10)


def test_land_share_of_default_grid_is_plausible() -> None:
    mask = land_mask(AOI_LAT, AOI_LON)
    assert mask.shape == (151, 201)
    share = mask.mean()
    # Rough budget in square degrees of the 75 deg2 box: the Libyan hinterland south of the
    # coast (~32.5-33 N from 11.5 to 15 E, down to ~30.3 N in the Gulf of Sirte, up to ~32.9 N
    # in Cyrenaica) ~ 13, eastern Tunisia west of 11.5 E ~ 5, Sicily ~ 2.8, Calabria and Malta
    # < 0.5: about 21 deg2, i.e. 0.28. The bound allows for that budget's crudeness.
    assert 0.22 < share < 0.32
    # And the cell count agrees with the polygon area over the same cells (both in deg2).
    cells = box(9.975, 30.475, 20.025, 38.025)
    polygon_share = land_geometry().intersection(cells).area / cells.area
    assert share == pytest.approx(polygon_share, abs=0.005)


def test_land_mask_matches_pointwise_test() -> None:
    mask = land_mask(AOI_LAT, AOI_LON)
    lon2d, lat2d = np.meshgrid(AOI_LON, AOI_LAT)
    assert np.array_equal(mask, on_land(lat2d, lon2d))


def test_land_mask_whole_mediterranean_matches_pointwise_test_off_the_data_edges() -> None:
    mask = land_mask(MED_LAT, MED_LON)
    lon2d, lat2d = np.meshgrid(MED_LON, MED_LAT)
    pointwise = on_land(lat2d, lon2d)
    # Cell centres exactly on the edges of the bundled boxes (lat 30, lon -6, lon 36.5, and the
    # 100 m box at lat 39.5 and lon 21.5) lie on polygon boundaries and may differ.
    on_edge = np.isin(lat2d, [30.0, 29.0, 39.5]) | np.isin(lon2d, [-6.0, 36.5, 8.5, 21.5])
    assert np.array_equal(mask[~on_edge], pointwise[~on_edge])
    assert 0.4 < mask.mean() < 0.7  # lat 30-46 N: North Africa, Iberia to Anatolia


def test_descending_latitude_is_handled_row_by_row() -> None:
    ascending = land_mask(AOI_LAT, AOI_LON)
    descending = land_mask(AOI_LAT[::-1], AOI_LON)
    assert np.array_equal(descending, ascending[::-1])
    assert np.array_equal(land_mask(AOI_LAT, AOI_LON[::-1]), ascending[:, ::-1])


def test_land_mask_takes_0_to_360_longitudes() -> None:
    assert np.array_equal(land_mask(AOI_LAT, AOI_LON + 360.0), land_mask(AOI_LAT, AOI_LON))
    assert on_land(32.87, 13.19 + 360.0)


def test_land_mask_rejects_non_1d_coordinates() -> None:
    with pytest.raises(ValueError, match="1-D"):
        land_mask(np.zeros((2, 2)), AOI_LON)


def test_land_mask_nan_and_empty() -> None:
    mask = land_mask([np.nan, 32.87], [13.19, np.nan])
    assert mask.tolist() == [[False, False], [True, False]]
    assert land_mask([], AOI_LON).shape == (0, 201)


def test_on_land_broadcasts() -> None:
    result = on_land(np.array([[32.87], [34.0]]), np.array([13.19, 14.0]))
    assert result.shape == (2, 2)
    assert result.tolist() == [[True, False], [False, False]]  # (34 N, 13.19 E) is sea


def test_outside_the_bundled_data_warns_and_counts_as_sea() -> None:
    with pytest.warns(UserWarning, match="outside the bundled land data"):
        assert not on_land(50.0, 0.0)  # northern France
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        land_mask(AOI_LAT, AOI_LON)


def test_coastline_geometry_clips_to_bbox() -> None:
    bbox = (11.0, 32.0, 16.0, 34.5)
    coast = coastline_geometry(bbox)
    assert isinstance(coast, MultiPolygon)
    assert coast.is_valid
    assert box(*bbox).buffer(1e-9).contains(coast)
    assert coast.contains(shapely.Point(13.19, 32.87))
    simpler = coastline_geometry(bbox, tolerance_m=2000.0)
    assert shapely.get_num_coordinates(simpler) < shapely.get_num_coordinates(coast)
    assert coastline_geometry((14.0, 34.0, 14.5, 34.5)).is_empty
    with pytest.raises(ValueError):
        coastline_geometry((16.0, 32.0, 11.0, 34.5))


def test_bundled_files_match_their_description() -> None:
    data = resources.files("seawatch.data")
    meta = json.loads(data.joinpath("coastline.json").read_text(encoding="utf-8"))
    assert "Wessel" in meta["citation"]
    assert "GSHHG" in ATTRIBUTION
    for product in meta["products"].values():
        raw = data.joinpath(product["file"]).read_bytes()
        assert len(raw) < 1_500_000
        assert hashlib.sha256(raw).hexdigest() == product["sha256"]
        land = shapely.from_wkb(gzip.decompress(raw))
        assert land.is_valid
        assert box(*product["extent"]).buffer(1e-9).contains(land)
