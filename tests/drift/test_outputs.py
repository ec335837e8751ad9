"""The files of a drift and the command line: GeoJSON (RFC 7946), KML, GPX 1.1, drift.nc, JSON."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
import xarray as xr
from lxml import etree
from shapely.geometry import shape

from seawatch.drift import DriftRequest, read_result, run_drift
from seawatch.schema import write_dataset
from tests.drift.conftest import LKP, START, require_opendrift, synthetic_forecast

pytestmark = pytest.mark.slow  # each drift runs OpenDrift (a few seconds)

GPX_XSD = Path(__file__).resolve().parents[1] / "data" / "gpx" / "gpx.xsd"
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}
GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
CONTRACT_KEYS = {"object", "leeway_category", "elements", "start", "end_time", "datum",
                 "datum_track", "areas", "stranded_fraction", "forcing"}  # fmt: skip
EXTRA_KEYS = {"hazard_along", "survival_hours", "incident_id", "seawatch_version"}
HOURS = 6


@pytest.fixture(scope="module")
def drift_dir(settings, forecast_file, submit, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("drift") / "d"
    req = DriftRequest(lat=LKP[0], lon=LKP[1], time=START, hours=HOURS, object="rubber_dinghy",
                       radius_nm=1.0, elements=1000, seed=0, forecast=forecast_file)  # fmt: skip
    run_drift(req, settings, out, submit=submit)
    return out


def _no_nan(text: str) -> object:
    def refuse(name: str) -> None:
        raise ValueError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


def test_geojson_is_rfc7946_and_nan_free(drift_dir):
    data = _no_nan((drift_dir / "drift.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    kinds = {}
    for f in data["features"]:
        assert f["type"] == "Feature"
        kind = f["properties"]["kind"]
        assert kind in {"start", "datum_track", "datum", "area", "stranded"}
        kinds[kind] = kinds.get(kind, 0) + 1
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty, kind
        x, y = shapely.get_coordinates(geom).T
        assert np.all((x >= -180) & (x <= 180) & (y >= -90) & (y <= 90))
        if kind == "area":
            assert f["properties"]["probability"] in (0.5, 0.9)
            assert f["properties"]["area_nm2"] > 0
            # RFC 7946 section 3.1.6: exterior rings counter-clockwise, holes clockwise
            for poly in shapely.get_parts(geom):
                assert poly.exterior.is_ccw
                assert all(not r.is_ccw for r in poly.interiors)
        if kind == "datum":
            assert f["properties"]["time"].endswith("Z")
    assert kinds["start"] == 1 and kinds["datum_track"] == 1
    assert kinds["datum"] == HOURS + 1
    assert kinds["area"] == 2 * (HOURS + 1)


def test_areas_nest_and_grow(drift_dir):
    data = json.loads((drift_dir / "drift.geojson").read_text(encoding="utf-8"))
    areas = {}
    for f in data["features"]:
        if f["properties"]["kind"] == "area":
            areas[(f["properties"]["time"], f["properties"]["probability"])] = shape(f["geometry"])
    times = sorted({t for t, _ in areas})
    for t in times:
        a50, a90 = areas[(t, 0.5)], areas[(t, 0.9)]
        assert a50.difference(a90).area < 0.01 * a50.area  # the 50 % area lies in the 90 % one
    assert areas[(times[-1], 0.9)].area > areas[(times[0], 0.9)].area


def test_area_holds_its_share_of_the_elements(drift_dir):
    """The 90 % area holds about 90 % of the elements at the end (smoothing: +-5 %)."""
    result = read_result(drift_dir)
    with xr.open_dataset(drift_dir / "drift.nc") as ds:
        lon, lat = ds["lon"].values[:, -1], ds["lat"].values[:, -1]
    for area in result["areas"]:
        inside = shapely.contains_xy(shape(area["polygon"]), lon, lat).mean()
        assert inside == pytest.approx(area["probability"], abs=0.05)


def test_kml_parses_with_datums_and_areas(drift_dir):
    root = etree.parse(str(drift_dir / "drift.kml")).getroot()
    names = [n.text for n in root.iterfind(".//k:Placemark/k:name", KML_NS)]
    assert "LKP" in names
    assert sum(1 for n in names if n.startswith("+")) == HOURS + 1  # datum per hour "+01h 0100Z"
    polygons = root.findall(".//k:Polygon", KML_NS)
    assert polygons
    for coords in root.iterfind(".//k:coordinates", KML_NS):
        for pair in coords.text.split():
            lon, lat = (float(v) for v in pair.split(","))
            assert math.isfinite(lon) and math.isfinite(lat)


def test_gpx_validates_against_the_gpx_1_1_schema(drift_dir):
    schema = etree.XMLSchema(etree.parse(str(GPX_XSD)))
    doc = etree.parse(str(drift_dir / "drift.gpx"))
    schema.assertValid(doc)
    names = [n.text for n in doc.iterfind("g:wpt/g:name", GPX_NS)]
    assert names[0] == "LKP"
    assert any(n.startswith("A90-") for n in names) and any(n.startswith("A50-") for n in names)
    assert len(doc.findall("g:rte", GPX_NS)) == 2


def test_netcdf_is_a_cf_trajectory_file_with_the_run_metadata(drift_dir):
    with xr.open_dataset(drift_dir / "drift.nc") as ds:
        assert ds.attrs["featureType"] == "trajectory"
        assert ds["trajectory"].attrs["cf_role"] == "trajectory_id"
        assert ds.sizes["time"] == HOURS + 1 and ds.sizes["trajectory"] == 1000
        assert ds["status"].attrs["flag_meanings"].split()[0] == "active"
        assert int(ds.attrs["leeway_category"]) == 27
        assert ds.attrs["leeway_objkey"] == "LIFE-RAFT-NB-2"
        assert float(ds.attrs["leeway_dwslope"]) == 5.34
        assert ds.attrs["forcing_source"] == "synthetic-uniform"
        assert int(ds.attrs["seed"]) == 0 and ds.attrs["seawatch_version"]


def test_sitreps_give_datum_area_and_forcing_in_both_languages(drift_dir):
    en = (drift_dir / "sitrep.en.txt").read_text(encoding="utf-8")
    ar = (drift_dir / "sitrep.ar.txt").read_text(encoding="utf-8")
    result = read_result(drift_dir)
    from seawatch.geo.positions import format_ddm

    datum = format_ddm(result["datum"]["lat"], result["datum"]["lon"])
    for text in (en, ar):
        assert datum in text
        assert "synthetic-uniform" in text and "LIFE-RAFT-NB-2" in text
    assert "NM²" in en and "kn" in en and "proxy" in en.lower()
    assert "ميل بحري مربع" in ar and "عقدة" in ar


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(
        [sys.executable, "-m", "seawatch", "--data-dir", str(data_dir), "drift", *args],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def test_cli_json_follows_the_contract_with_a_western_position(tmp_path):
    """A position west of Greenwich, typed with a leading minus, through the real command."""
    require_opendrift()
    fc = write_dataset(synthetic_forecast(hours=3, lon0=-19.5), tmp_path / "west.nc")
    out = tmp_path / "out"
    proc = _cli("--position", "35.0, -18.0", "--time", "2026-01-10T00:00Z", "--hours", "3",
                "--elements", "200", "--forecast", str(fc), "--out", str(out), "--json",
                data_dir=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = _no_nan(proc.stdout)
    assert set(result) >= CONTRACT_KEYS and set(result) <= CONTRACT_KEYS | EXTRA_KEYS
    assert result == read_result(out)
    assert result["start"] == {"lat": 35.0, "lon": -18.0, "time": "2026-01-10T00:00:00Z"}
    assert result["end_time"] == "2026-01-10T03:00:00Z"
    assert result["object"] == "rubber_dinghy" and result["leeway_category"] == 27
    assert set(result["forcing"]) == {"source", "reference_time", "covers_until"}
    assert [a["probability"] for a in result["areas"]] == [0.5, 0.9]
    for a in result["areas"]:
        assert a["polygon"]["type"] in ("Polygon", "MultiPolygon")
    assert all(set(p) == {"time", "lat", "lon"} for p in result["datum_track"])
    assert result["datum"]["lon"] > -18.0  # westerly wind: the boat drifts east


def test_cli_refusal_is_one_line_exit_2_nothing_written(tmp_path, forecast_file):
    require_opendrift()
    out = tmp_path / "out"
    proc = _cli("--position", "35.0N 16.0E", "--time", "2026-01-10T00:00Z", "--hours", "48",
                "--forecast", str(forecast_file), "--out", str(out), data_dir=tmp_path)  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "2026-01-11T00:00:00Z" in lines[0] and "--hours 24" in lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob(".out.*"))


def test_cli_takes_position_time_and_boat_from_an_incident(tmp_path, forecast_file):
    require_opendrift()
    from seawatch.config import load_settings
    from seawatch.incidents.store import IncidentStore

    settings = load_settings(environ={}, data_dir=tmp_path)
    with IncidentStore.from_settings(settings) as store:
        rec = store.create(
            {"position": "35°00.0'N 016°00.0'E", "time": "2026-01-10T02:00:00Z",
             "boat_type": "wooden", "persons": 300},
            user="coordinator",
        )  # fmt: skip
    out = tmp_path / "out"
    proc = _cli("--incident", rec["id"][:6], "--hours", "3", "--elements", "200",
                "--forecast", str(forecast_file), "--out", str(out), "--json",
                data_dir=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["incident_id"] == rec["id"]
    assert result["start"] == {"lat": 35.0, "lon": 16.0, "time": "2026-01-10T02:00:00Z"}
    assert result["object"] == "wooden_boat" and result["leeway_category"] == 50


def test_netcdf_passes_the_cf_1_10_checker(drift_dir, tmp_path):
    from tests.layers.cfcheck import cf_compliance

    errors, _ = cf_compliance(drift_dir / "drift.nc", tmp_path)
    assert errors == [], "\n".join(errors)


def test_without_risk_dataset_the_hazard_is_said_to_be_skipped(drift_dir):
    result = read_result(drift_dir)
    assert result["hazard_along"] is None
    assert "not assessed, no risk dataset at" in (drift_dir / "sitrep.en.txt").read_text("utf-8")
    assert result["survival_hours"] == pytest.approx(5.2, abs=0.1)  # Hayward 1975 at 16 degC


def test_without_opendrift_the_command_says_how_to_install_it(tmp_path, forecast_file):
    """opendrift made unimportable (``sys.modules[name] = None``, Python's own block)."""
    code = (
        "import sys; sys.modules['opendrift'] = None\n"
        "from seawatch.cli import main\n"
        "main(sys.argv[1:], prog_name='seawatch')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(tmp_path), "drift", "--position",
         "35N 16E", "--time", "2026-01-10T00:00Z", "--forecast", str(forecast_file),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'seawatch[drift]'" in lines[0]
    assert not (tmp_path / "out").exists()
