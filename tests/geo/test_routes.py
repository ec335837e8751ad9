"""The bundled crossings: at sea, one departure area each, the destinations the brief names."""

from __future__ import annotations

import numpy as np
import shapely

from seawatch.geo.coastline import coastline_geometry, on_land
from seawatch.geo.regions import departure_areas, routes


def test_columns_and_ids():
    frame = routes()
    assert list(frame.columns) == [
        "id", "area", "destination", "name", "name_ar", "source", "geometry",
    ]  # fmt: skip
    assert frame.crs.to_epsg() == 4326
    assert frame["id"].is_unique
    assert (frame["id"] == frame["area"] + "-" + frame["destination"]).all()
    assert (frame.geom_type == "LineString").all()
    assert frame["source"].str.len().gt(20).all()
    assert frame["name_ar"].str.contains("[\u0600-\u06ff]", regex=True).all()


def test_every_departure_area_has_a_route_and_usual_destinations():
    frame = routes()
    areas = set(departure_areas()["id"])
    assert set(frame["area"]) == areas
    by_area = frame.groupby("area")["destination"].apply(set)
    for tunisian in ("sfax-kerkennah", "zarzis", "mahdia"):
        assert by_area[tunisian] == {"lampedusa"}
    for eastern in ("tobruk", "derna", "benghazi"):
        assert "crete" in by_area[eastern]
    assert {"lampedusa", "malta"} <= by_area["zuwara"]
    assert "sicily" in by_area["misrata"]


def test_no_vertex_on_land_and_no_crossing_of_land():
    for route in routes().itertuples():
        xy = np.asarray(route.geometry.coords)
        assert not on_land(xy[:, 1], xy[:, 0]).any(), route.id
        west, south, east, north = route.geometry.bounds
        land = coastline_geometry((west - 0.1, south - 0.1, east + 0.1, north + 0.1))
        crossing = route.geometry.intersection(land)
        # 200 m: the lines pass headlands within the coastline's own 100 m detail.
        assert crossing.is_empty or crossing.length * 111_320 < 200, route.id


def test_starts_inside_its_departure_area():
    areas = departure_areas().set_index("id").geometry
    for route in routes().itertuples():
        start = shapely.Point(route.geometry.coords[0])
        assert areas[route.area].buffer(0.01).contains(start), route.id
