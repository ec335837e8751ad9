"""Every message seawatch publishes is valid CAP 1.2: the OASIS XSD and the extra rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from lxml import etree

from seawatch.alerts import issue_alerts
from seawatch.alerts.cap import CAP_NS
from seawatch.alerts.validate import polygon_problems, problems, schema
from seawatch.storage import DataPaths
from tests.alerts.conftest import DEMO_NOW, NOW

NS = {"c": CAP_NS}
SAMPLE = Path(__file__).parents[2].parent / "shared" / "docs" / "cap-sample-update.xml"


@pytest.fixture(scope="module")
def demo_alerts(demo_risk: Path, tmp_path_factory: pytest.TempPathFactory):
    from seawatch.config import load_settings

    out = tmp_path_factory.mktemp("demo-alerts")
    settings = load_settings(data_dir=out, environ={})
    issued = issue_alerts(settings, DataPaths(out), risk_path=demo_risk, now=DEMO_NOW)
    return out / "cap", issued


def test_the_vendored_schema_accepts_the_shared_sample_and_rejects_a_z_time():
    doc = etree.parse(str(SAMPLE))
    assert schema().validate(doc)
    assert problems(SAMPLE.read_bytes()) == []
    broken = SAMPLE.read_bytes().replace(b"2026-07-09T12:00:00-00:00", b"2026-07-09T12:00:00Z")
    assert any("XSD" in p for p in problems(broken))


def test_extra_rules_catch_what_the_schema_cannot():
    sample = SAMPLE.read_bytes()
    plus = sample.replace(b"<sent>2026-07-09T12:00:00-00:00", b"<sent>2026-07-09T12:00:00+00:00")
    assert any("-00:00" in p for p in problems(plus))
    open_ring = sample.replace(b" 32.93,12.08</polygon>", b" 32.90,12.08</polygon>", 1)
    assert any("not closed" in p for p in problems(open_ring))
    no_refs = sample.replace(b"<msgType>Update</msgType>", b"<msgType>Alert</msgType>")
    assert any("references on a Alert" in p for p in problems(no_refs))
    differ = sample.replace(b"<severity>Severe</severity>", b"<severity>Extreme</severity>", 1)
    assert any("differ" in p for p in problems(differ))
    assert polygon_problems("1,1 2,2 1,2 2,1 1,1")  # a bow tie crosses itself
    assert polygon_problems("1,1 2,2 1,1") and not polygon_problems("1,1 1,2 2,2 1,1")


def test_demo_alerts_are_valid_bilingual_exercises(demo_alerts):
    _cap_dir, issued = demo_alerts
    assert len(issued) >= 10  # the demo gale puts most areas at High or worse
    for item in issued:
        xml = Path(item.path).read_bytes()
        assert problems(xml) == [], item.identifier
        alert = etree.fromstring(xml)
        assert alert.findtext("c:status", namespaces=NS) == "Exercise"
        assert "not a forecast" in alert.findtext("c:note", namespaces=NS)
        assert alert.findtext("c:msgType", namespaces=NS) == "Alert"
        infos = alert.findall("c:info", NS)
        assert [i.findtext("c:language", namespaces=NS) for i in infos] == ["ar", "en"]
        same = {
            tuple(i.findtext(f"c:{f}", namespaces=NS) for f in
                  ("urgency", "severity", "certainty", "onset", "expires"))
            for i in infos
        }  # fmt: skip
        assert len(same) == 1
        assert [c.text for c in infos[0].findall("c:category", NS)] == ["Safety", "Met"]
        codes = [e.findtext("c:value", namespaces=NS) for e in infos[1].findall("c:eventCode", NS)]
        assert "OET-096" in codes
        for polygon in alert.iterfind(".//c:polygon", NS):
            pairs = [tuple(map(float, p.split(","))) for p in polygon.text.split()]
            assert 4 <= len(pairs) <= 101 and pairs[0] == pairs[-1]
            ring = shapely.Polygon([(lon, lat) for lat, lon in pairs])
            # inside the default area (10-25 E, 30.5-38 N), with a margin
            assert ring.is_valid and 30 < ring.centroid.y < 38.5 and 9.5 < ring.centroid.x < 25.5


def test_demo_polygons_cover_the_area_they_name(demo_alerts):
    """A Zuwara alert's polygon lies off Zuwara (lat,lon order, not lon,lat)."""
    _cap_dir, issued = demo_alerts
    zuwara = [i for i in issued if ".departure.zuwara." in i.identifier]
    assert zuwara
    alert = etree.fromstring(Path(zuwara[0].path).read_bytes())
    rings = [
        shapely.Polygon([tuple(map(float, p.split(",")))[::-1] for p in el.text.split()])
        for el in alert.iterfind(".//c:polygon", NS)
    ]
    zuwara_port = shapely.Point(12.08, 32.93)
    assert min(r.distance(zuwara_port) for r in rings) < 0.6  # degrees; the area is 30 nm


def test_real_forecast_is_actual_and_json_index_matches(builds, settings):
    issued = issue_alerts(settings, DataPaths(settings.data_dir), risk_path=builds[0], now=NOW)
    assert issued
    index = json.loads((settings.data_dir / "cap" / "index.json").read_text(encoding="utf-8"))
    assert [r["identifier"] for r in index["messages"]] == [i.identifier for i in issued]
    for item in issued:
        alert = etree.fromstring(Path(item.path).read_bytes())
        assert alert.findtext("c:status", namespaces=NS) == "Actual"
        assert alert.find("c:note", NS) is None
        assert alert.findtext("c:sender", namespaces=NS) == settings.alerts.sender
        assert alert.findtext("c:identifier", namespaces=NS).startswith("seawatch.")


def test_arabic_survives_a_round_trip(builds, settings):
    issued = issue_alerts(settings, DataPaths(settings.data_dir), risk_path=builds[0], now=NOW)
    item = next(i for i in issued if ".departure.zuwara.rubber_dinghy" in i.identifier)
    raw = Path(item.path).read_bytes()
    assert "زوارة".encode() in raw  # UTF-8 text, not character references
    ar = etree.fromstring(raw).find("c:info[c:language='ar']", NS)
    assert ar.find("c:area/c:areaDesc", NS).text == "البحر قبالة زوارة"
    assert ar.findtext("c:event", namespaces=NS) == "خطر انقلاب قارب مطاطي"
    headline = ar.findtext("c:headline", namespaces=NS)
    assert "قبالة زوارة" in headline and "القوارب المطاطية" in headline and len(headline) <= 160
    again = etree.fromstring(etree.tostring(etree.fromstring(raw), encoding="UTF-8"))
    assert again.find("c:info[c:language='ar']/c:description", NS).text == ar.findtext(
        "c:description", namespaces=NS
    )


def test_alert_levels_agree_with_the_summaries_of_maps_and_mail(builds, settings):
    """The level an alert states is the worst level the shared summary gives that area."""
    import pandas as pd

    from seawatch.alerts import alerts_in_force
    from seawatch.layers.params import LayerParams
    from seawatch.layers.summary import summarize
    from seawatch.schema import open_dataset

    paths = DataPaths(settings.data_dir)
    issue_alerts(settings, paths, risk_path=builds[0], now=NOW)
    summary = summarize(
        open_dataset(builds[0], "risk"), LayerParams.from_settings(settings).summary
    )
    now = pd.Timestamp(NOW.replace(tzinfo=None))
    current = alerts_in_force(paths, now=NOW)
    assert current
    for alert in current:
        frame = summary.sar_regions if alert["kind"] == "sar" else summary.departures
        rows = frame[
            (frame["area_id"] == alert["area_id"])
            & (frame["vessel"] == alert["vessel"])
            & (frame["window_end"] > now)
            & (frame["window_start"] < now + pd.Timedelta(hours=72))
        ]
        assert int(rows["worst_level"].max()) == alert["level"], alert["identifier"]
