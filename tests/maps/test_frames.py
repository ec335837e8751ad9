"""Frames: Mercator rows, paletted PNGs, hidden driver codes, field atlases."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from seawatch.maps import frames as fr
from seawatch.maps.styles import HAZARD_COLOURS, hex_to_rgb


def test_mercator_rows_cover_every_grid_row_in_order():
    lat = np.arange(30.525, 38.0, 0.05)
    rows = fr.mercator_rows(lat)
    assert rows.height >= lat.size
    assert np.all(np.diff(rows.source_rows) <= 0)  # top (north) first
    assert set(rows.source_rows.tolist()) == set(range(lat.size))
    assert rows.south == pytest.approx(30.5) and rows.north == pytest.approx(38.0)


def test_row_of_lat_matches_the_resampling():
    lat = np.arange(30.625, 38.0, 0.25)
    rows = fr.mercator_rows(lat)
    for j in (0, 7, lat.size - 1):
        r = fr.row_of_lat(rows, float(lat[j]))
        assert rows.source_rows[r] == j


def test_mercator_y_matches_epsg3857():
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    assert fr.mercator_y(33.0) == pytest.approx(t.transform(12.0, 33.0)[1], rel=1e-9)


def test_hazard_palette_round_trips_level_and_drivers():
    lat = np.arange(30.625, 33.0, 0.25)
    rows = fr.mercator_rows(lat)
    level = np.full((lat.size, 4), np.nan)
    drivers = np.zeros((lat.size, 4))
    level[:, 0], drivers[:, 0] = 0, 0
    level[:, 1], drivers[:, 1] = 3, 1 | 4
    level[:, 2], drivers[:, 2] = 3, 16
    level[:, 3] = np.nan  # land
    palette = fr.HazardPalette.empty(HAZARD_COLOURS)
    indices = fr.hazard_indices(level, drivers, rows, palette)
    png = fr.encode_png(indices, palette.rgba)
    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    lookup = palette.lookup()
    decoded = [lookup.get(f"{p[0]},{p[1]},{p[2]}") if p[3] else None for p in rgba[0]]
    assert decoded == [[0, 0], [3, 5], [3, 16], None]
    # The hidden code changes each channel by at most 3 (invisible), and the colour stays the level's.
    r, g, b = hex_to_rgb(HAZARD_COLOURS[3])
    assert all(abs(int(a) - c) <= 3 for a, c in zip(rgba[0][1][:3], (r, g, b), strict=True))


def test_class_frame_is_transparent_where_not_drawn():
    lat = np.arange(30.625, 32.0, 0.25)
    rows = fr.mercator_rows(lat)
    classes = np.array([[-1, 0, 4]] * lat.size, dtype=np.int8)
    png = fr.class_frame(classes, rows, HAZARD_COLOURS)
    rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    assert rgba.shape == (rows.height, 3, 4)
    assert rgba[0, 0, 3] == 0
    assert tuple(rgba[0, 2, :3]) == hex_to_rgb(HAZARD_COLOURS[4])


def test_quantizer_round_trip_and_missing():
    q = fr.QUANTIZERS["u10"]
    values = np.array([-20.0, 0.0, 13.26, np.nan, 500.0])
    decoded = q.decode(q.encode(values))
    assert decoded[:3] == pytest.approx([-20.0, 0.0, 13.5], abs=0.26)
    assert np.isnan(decoded[3])
    assert decoded[4] == pytest.approx(q.offset + 254 * q.scale)  # clipped, not wrapped


def test_atlas_png_layout():
    field = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4) / 10
    png = fr.atlas_png(field, fr.Quantizer(0.1, 0.0))
    image = np.asarray(Image.open(io.BytesIO(png)))
    assert image.shape == (6, 4)
    assert image[1 * 3 + 2, 3] == 23  # t=1, j=2, i=3


def test_node_stride():
    assert fr.node_stride(0.05) == 5
    assert fr.node_stride(0.25) == 1
    assert fr.node_stride(1.0) == 1


def test_palette_never_overflows_and_keeps_the_level_colour():
    palette = fr.HazardPalette.empty(HAZARD_COLOURS)
    indices = {palette.index(2, bits) for bits in range(200)}
    assert len(palette.rgba) <= 256
    r, g, b = hex_to_rgb(HAZARD_COLOURS[2])
    for i in indices:
        assert all(
            abs(int(a) - c) <= 3 for a, c in zip(palette.rgba[i][:3], (r, g, b), strict=True)
        )


def test_hazard_frame_colours_every_cell_that_reaches_the_sea(risk, settings):
    """No blank strip along the coast: a cell partly at sea is drawn, whatever its centre."""
    import shapely

    from seawatch.geo.coastline import land_geometry, land_mask
    from seawatch.maps.context import forecast_info
    from seawatch.maps.interactive import map_data
    from tests.maps.conftest import NOW

    data = map_data(risk, None, settings, "en", NOW, forecast_info(risk, NOW, 18))
    uri = data["frames"][data["hazard"]["rubber_dinghy"][0]]
    import base64

    png = base64.b64decode(uri.split(",", 1)[1])
    alpha = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))[..., 3]
    lat, lon = risk["lat"].values, risk["lon"].values
    res = float(lat[1] - lat[0])
    rows = fr.mercator_rows(lat)
    boxes = shapely.box(
        lon[None, :] - res / 2,
        lat[:, None] - res / 2,
        lon[None, :] + res / 2,
        lat[:, None] + res / 2,
    )
    reaches_sea = ~shapely.covers(land_geometry(), boxes)
    coastal_land_centre = reaches_sea & land_mask(lat, lon)
    assert coastal_land_centre.sum() > 20  # the fixture's coast has such cells
    drawn = np.stack([alpha[fr.row_of_lat(rows, float(y))] > 0 for y in lat])
    assert drawn[reaches_sea].all()
