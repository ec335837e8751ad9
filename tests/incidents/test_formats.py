"""Exports read back by GDAL (pyogrio): counts, positions and fields survive."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from lxml import etree

from seawatch.errors import DataError
from seawatch.incidents.formats import FORMATS, export, to_csv, to_geojson, to_gpx, to_kml
from seawatch.incidents.iom_mmp import read_mmp
from seawatch.incidents.store import IncidentStore

from .conftest import AREA, FIXTURES

# The GPX 1.1 schema as TopoGrafix publishes it (tests/data/SOURCES.md).
GPX_XSD = Path(__file__).resolve().parents[1] / "data" / "gpx" / "gpx.xsd"
# The icon names OpenCPN registers: the keys of WayPointmanGui::ProcessDefaultIcons
# (gui/src/waypointman_gui.cpp) and, among the SVGs of data/svg/markicons registered under their
# file names, the ones seawatch uses.
OPENCPN_ICONS = {
    *[
        "empty",
        "triangle",
        "activepoint",
        "boarding",
        "airplane",
        "anchorage",
        "anchor",
        "boundary",
        "buoy1",
        "buoy2",
    ],
    *[
        "campfire",
        "camping",
        "coral",
        "fishhaven",
        "fishing",
        "fish",
        "float",
        "food",
        "fuel",
        "greenlite",
        "kelp",
        "light",
    ],
    *[
        "light1",
        "litevessel",
        "mob",
        "mooring",
        "oilbuoy",
        "platform",
        "redgreenlite",
        "redlite",
        "rock1",
        "rock2",
        "sand",
    ],
    *[
        "scuba",
        "shoal",
        "snag",
        "square",
        "diamond",
        "circle",
        "wreck1",
        "wreck2",
        "xmblue",
        "xmgreen",
        "xmred",
    ],
    "Symbol-Exclamation-Red",
    "Hazard-Warning",
    "Hazard-Danger",
}

UTC = dt.UTC
READ_OPTIONS = {
    "csv": {"X_POSSIBLE_NAMES": "lon", "Y_POSSIBLE_NAMES": "lat", "KEEP_GEOM_COLUMNS": "YES"},
    "gpx": {"layer": "waypoints"},
}


@pytest.fixture
def records(tmp_path: Path) -> list[dict]:
    with IncidentStore(f"sqlite:///{tmp_path / 'x.sqlite'}") as store:
        store.import_records(
            read_mmp(FIXTURES / "quirks_alldata.csv").import_frame(), source="iom_mmp", user="u"
        )
        store.create(
            {
                "position": "S 05 18.000 W 035 54.000",
                "time": "2025-04-05T06:30:00Z",
                "persons": 40,
                "notes": 'odd <text> & "quotes"\x0b with a control character',
                "location": "Zuwara, زوارة",
            },
            user="amina",
        )
        return store.list()


def _read(path: Path, fmt: str):
    return pyogrio.read_dataframe(path, **READ_OPTIONS.get(fmt, {}))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_reads_back_with_gdal(fmt: str, records: list[dict], tmp_path: Path) -> None:
    path = tmp_path / f"incidents{FORMATS[fmt][0]}"
    export(records, fmt, path)
    frame = _read(path, fmt)
    assert len(frame) == len(records) == 9
    lon = frame.geometry.x.to_numpy()
    lat = frame.geometry.y.to_numpy()
    np.testing.assert_allclose(lat, [r["lat"] for r in records], atol=1e-6)
    np.testing.assert_allclose(lon, [r["lon"] for r in records], atol=1e-6)
    if fmt != "csv":
        assert frame.crs.to_epsg() == 4326


def test_geojson_is_rfc7946(records: list[dict]) -> None:
    data = json.loads(to_geojson(records))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    feature = next(f for f in data["features"] if f["properties"]["created_by"] == "amina")
    assert feature["geometry"] == {"type": "Point", "coordinates": [-35.9, -5.3]}
    props = feature["properties"]
    assert props["time"] == "2025-04-05T06:30:00Z"
    assert props["position_ddm"] == "05°18.000'S 035°54.000'W"
    assert props["persons"] == 40 and props["dead"] is None
    assert props["location"] == "Zuwara, زوارة"


def test_geojson_fields_survive_gdal(records: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    export(records, "geojson", path)
    frame = _read(path, "geojson").set_index("source_id")
    assert frame.loc["2019.MMP00008", "dead"] == 5
    assert frame.loc["2019.MMP00008", "missing"] == 0
    assert str(frame.loc["2019.MMP00003", "time"]).startswith("2019-03-04")


def test_csv_has_decimal_and_ddm_columns(records: list[dict], tmp_path: Path) -> None:
    text = to_csv(records)
    header = text.splitlines()[0].split(",")
    assert header[:6] == ["id", "time", "lat", "lon", "lat_ddm", "lon_ddm"]
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    frame = _read(path, "csv")
    row = frame[frame["created_by"] == "amina"].iloc[0]
    assert row["lat_ddm"] == "05°18.000'S" and row["lon_ddm"] == "035°54.000'W"
    assert float(row["lat"]) == -5.3
    flagged = frame[frame["source_id"] == "2019.MMP00006"].iloc[0]
    assert flagged["flags"] == "cumulative"


def test_csv_text_never_becomes_a_spreadsheet_formula(records: list[dict]) -> None:
    hostile = {**records[0], "notes": '=HYPERLINK("http://x")', "location": "@SUM(A1)"}
    text = to_csv([hostile])
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",-5.300000," in to_csv([{**records[0], "lat": -5.3}])  # numbers are not touched


def test_kml_and_gpx_are_valid_xml_with_escaped_text(records: list[dict]) -> None:
    for text in (to_kml(records), to_gpx(records)):
        root = ET.fromstring(text.encode("utf-8"))
        assert root is not None
        assert "\x0b" not in text
        assert "odd &lt;text&gt; &amp;" in text
    gpx = ET.fromstring(to_gpx(records).encode())
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    waypoints = gpx.findall("g:wpt", ns)
    assert len(waypoints) == 9
    amina_id = next(r["id"] for r in records if r["created_by"] == "amina")
    amina = next(
        w for w in waypoints if w.findtext("g:time", namespaces=ns) == "2025-04-05T06:30:00Z"
    )
    assert amina.get("lat") == "-5.3000000" and amina.get("lon") == "-35.9000000"
    assert amina.findtext("g:name", namespaces=ns) == f"2025-04-05 {amina_id[:6]}"
    assert amina.findtext("g:sym", namespaces=ns) == "Symbol-Exclamation-Red"
    assert "05°18.000'S 035°54.000'W" in amina.findtext("g:desc", namespaces=ns)


def test_kml_fields_survive_gdal(records: list[dict], tmp_path: Path) -> None:
    path = tmp_path / "x.kml"
    export(records, "kml", path)
    frame = _read(path, "kml")
    assert set(frame["Name"]) >= {"2025-04-05 0630Z distress"}
    assert "source_id" in frame.columns


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_real_area_export(fmt: str, mmp_data, tmp_path: Path) -> None:
    inside = mmp_data.inside(AREA)
    with IncidentStore(f"sqlite:///{tmp_path / 'x.sqlite'}") as store:
        store.import_records(inside.import_frame(), source="iom_mmp", user="u")
        records = store.list()
    path = tmp_path / f"area{FORMATS[fmt][0]}"
    export(records, fmt, path)
    frame = _read(path, fmt)
    assert len(frame) == 1_527
    expected = np.array([(r["lon"], r["lat"]) for r in records])
    got = np.column_stack([frame.geometry.x, frame.geometry.y])
    # every exported point is one of the stored positions, and every stored one is exported
    distance = np.abs(got[:, None, :] - expected[None, :, :]).max(axis=2)
    assert distance.min(axis=1).max() <= 1e-6
    assert distance.min(axis=0).max() <= 1e-6


def test_unknown_format() -> None:
    with pytest.raises(DataError, match="unknown export format 'shp'"):
        export([], "shp")


def test_empty_exports_are_valid() -> None:
    assert json.loads(to_geojson([])) == {"type": "FeatureCollection", "features": []}
    ET.fromstring(to_kml([]).encode())
    ET.fromstring(to_gpx([]).encode())
    assert to_csv([]).count("\n") == 1


def _gpx_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(GPX_XSD)))


def _waypoints(text: str) -> list[etree._Element]:
    return etree.fromstring(text.encode()).findall("{http://www.topografix.com/GPX/1/1}wpt")


def _texts(waypoints: list[etree._Element], tag: str) -> list[str]:
    return [w.findtext(f"{{http://www.topografix.com/GPX/1/1}}{tag}") for w in waypoints]


def test_gpx_is_valid_gpx_1_1(records: list[dict]) -> None:
    schema = _gpx_schema()
    for text in (to_gpx(records), to_gpx([])):
        doc = etree.fromstring(text.encode())
        assert schema.validate(doc), schema.error_log
    broken = etree.fromstring(to_gpx(records).encode())
    broken[1].set("lat", "95")  # the schema is really applied
    assert not schema.validate(broken)


def test_gpx_names_unique_and_short_symbols_opencpn_knows(records: list[dict]) -> None:
    # ids sharing their first 8 characters with an exported one
    same_day = [dict(records[0], id=f"{records[0]['id'][:8]}{i}{'0' * 7}") for i in range(3)]
    waypoints = _waypoints(to_gpx(records + same_day))
    names = _texts(waypoints, "name")
    assert len(set(names)) == len(names) == len(records) + 3
    assert max(len(n) for n in names) <= 24  # readable next to the mark on a chart plotter
    # such ids get longer prefixes, each still the start of the incident's id
    for name, rec in zip(names, records + same_day, strict=True):
        assert rec["id"].startswith(name.split()[1])
    assert set(_texts(waypoints, "sym")) <= OPENCPN_ICONS
    assert len(set(_texts(waypoints, "sym"))) > 1  # by status


def test_gpx_same_id_twice_still_unique_names(records: list[dict]) -> None:
    names = _texts(_waypoints(to_gpx([records[0], records[0]])), "name")
    assert len(set(names)) == 2


@pytest.mark.slow
def test_real_iom_area_gpx_unique_names_valid_gpx(mmp_data, tmp_path: Path) -> None:
    inside = mmp_data.inside(AREA)
    with IncidentStore(f"sqlite:///{tmp_path / 'x.sqlite'}") as store:
        store.import_records(inside.import_frame(), source="iom_mmp", user="u")
        records = store.list()
    text = to_gpx(records)
    assert _gpx_schema().validate(etree.fromstring(text.encode()))
    waypoints = _waypoints(text)
    names = _texts(waypoints, "name")
    assert len(waypoints) == len(records) >= 1_527
    assert len(set(names)) == len(names)  # was 1,124 names for 1,527 waypoints
    assert set(_texts(waypoints, "sym")) <= OPENCPN_ICONS
