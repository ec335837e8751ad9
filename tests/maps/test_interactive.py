"""The interactive map page: offline, complete, banners, languages, bad input."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest

from seawatch.errors import DataError
from seawatch.maps.context import forecast_info
from seawatch.maps.interactive import (
    build_html,
    map_data,
    pack_incidents,
    render_interactive,
    unpack_incidents,
)
from seawatch.maps.offline import external_references
from tests.maps.conftest import NOW


def _data(html: str) -> dict:
    match = re.search(r"var \w+_data = (\{.*?\});\n", html, re.S)
    assert match, "map data not found"
    data = json.loads(match.group(1).replace("<\\/", "</"))
    return {**data, "incidents": unpack_incidents(data["incidents"])}


def test_writes_one_offline_file(tmp_path, risk, incidents, settings):
    out = render_interactive(risk, incidents, tmp_path / "map.html", settings, now=NOW)
    html = out.read_text(encoding="utf-8")
    assert out == tmp_path / "map.html"
    assert external_references(html) == []
    assert "<script src=" not in html and 'rel="stylesheet" href=' not in html
    assert "L.Control.MousePosition" in html and "markerClusterGroup" in html
    assert len(html) < 2_000_000


def test_directory_output_gets_map_html(tmp_path, risk, incidents, settings):
    out = render_interactive(risk, None, tmp_path, settings, now=NOW)
    assert out == tmp_path / "map.html" and out.is_file()


def test_every_step_and_vessel_has_a_frame(risk, incidents, settings):
    info = forecast_info(risk, NOW, settings.schedule.stale_after_hours)
    data = map_data(risk, incidents, settings, "en", NOW, info)
    assert len(data["times"]) == risk.sizes["time"]
    assert data["vessels"] == ["rubber_dinghy", "wooden_boat", "small_boat"]
    for vessel in data["vessels"]:
        assert len(data["hazard"][vessel]) == risk.sizes["time"]
        assert all(0 <= i < len(data["frames"]) for i in data["hazard"][vessel])
    assert data["times"][data["start"]]["iso"] == "2026-11-24T06:00:00Z"
    assert data["times"][0]["local"].startswith("02:00 Tripoli")  # UTC+2
    assert data["grid"]["height"] >= risk.sizes["lat"]
    assert set(data["atlas"]["vars"]) >= {"hs", "period", "u10", "v10", "gust", "uo", "vo", "sst"}
    assert [w for _, w in data["flags"]][:3] == [
        "wave height",
        "wind force (Beaufort)",
        "steep waves (+1 level)",
    ]


def test_step_hours_thins_the_frames(risk, settings):
    three = settings.replace(maps=type(settings.maps)(step_hours=3))
    info = forecast_info(risk, NOW, 18)
    data = map_data(risk, None, three, "en", NOW, info)
    assert len(data["times"]) == risk.sizes["time"] // 3
    assert data["times"][1]["iso"] == "2026-11-24T03:00:00Z"


def test_incidents_have_every_field_and_skip_rows_without_position(risk, incidents, settings):
    info = forecast_info(risk, NOW, 18)
    rows = map_data(risk, incidents, settings, "en", NOW, info)["incidents"]["rows"]
    assert len(rows) == len(incidents) - 1
    first = rows[0]
    assert first["time"] == "2026-11-24 04:00 UTC"
    assert first["source"] == "coordinator" and first["source_id"] == "2026.MMP00000"
    assert "persons" not in first  # NA is left out, not shown as "nan"
    assert any(r["status_label"] == "reported" for r in rows)  # unknown status kept as given
    assert rows[1]["notes"] == 'boat "Sara" <engine failure>'  # escaped by the popup, not here


def test_incidents_travel_as_columns_and_come_back_the_same(risk, incidents, settings):
    info = forecast_info(risk, NOW, settings.schedule.stale_after_hours)
    payload = map_data(risk, incidents, settings, "en", NOW, info)["incidents"]
    packed = pack_incidents(payload)
    assert "rows" not in packed and packed["n"] == len(payload["rows"])
    assert packed["derived"] == ["time"] and "time" not in packed["columns"]
    assert isinstance(packed["columns"]["status"], dict)  # few statuses: stored once each
    assert unpack_incidents(packed) == payload
    size = len(json.dumps(packed, ensure_ascii=False))
    assert size < 0.75 * len(json.dumps(payload, ensure_ascii=False))
    # a time text that is not the epoch's travels as it is
    odd = {**payload, "rows": [{**payload["rows"][0], "time": "about noon"}, *payload["rows"][1:]]}
    assert pack_incidents(odd)["derived"] == []
    assert unpack_incidents(pack_incidents(odd)) == odd


def test_text_cannot_break_out_of_the_script(risk, incidents, settings):
    hostile = incidents.copy()
    hostile.loc[0, "notes"] = "</script><script>alert(1)</script>"
    html = build_html(risk, hostile, settings, now=NOW)
    assert "</script><script>alert(1)" not in html
    assert _data(html)["incidents"]["rows"][0]["notes"] == "</script><script>alert(1)</script>"


def test_demo_and_stale_banners(risk, settings):
    fresh = build_html(risk, None, settings, now=NOW)
    assert not _data(fresh)["banners"]
    demo = risk.assign_attrs(demo=1)
    kinds = [b["kind"] for b in _data(build_html(demo, None, settings, now=NOW))["banners"]]
    assert kinds == ["demo"]
    assert "DEMO - synthetic sea state, not a forecast" in build_html(demo, None, settings, now=NOW)
    old = NOW + dt.timedelta(hours=settings.schedule.stale_after_hours + 1)
    stale = _data(build_html(risk, None, settings, now=old))["banners"]
    assert [b["kind"] for b in stale] == ["stale"]
    assert "25 h old" in stale[0]["text"]


def test_arabic_page_is_right_to_left(risk, incidents, settings):
    html = build_html(risk, incidents, settings, lang="ar", now=NOW)
    assert '<html lang="ar" dir="rtl">' in html
    data = _data(html)
    assert data["msgs"]["layer.hazard"] == "خطر الانقلاب"
    assert data["levels"][4]["word"] == "بالغ الشدة"
    assert "طرابلس" in data["times"][0]["local"]


def test_bad_input_keeps_the_last_good_map(tmp_path, risk, settings):
    out = render_interactive(risk, None, tmp_path / "map.html", settings, now=NOW)
    good = out.read_bytes()
    with pytest.raises(DataError, match="no hazard_level"):
        render_interactive(risk.drop_vars("hazard_level"), None, out, settings, now=NOW)
    broken = risk.isel(lat=slice(None, None, -1))
    with pytest.raises(DataError, match="lat is not strictly ascending"):
        render_interactive(broken, None, out, settings, now=NOW)
    assert out.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_land_is_never_drawn(risk, settings):
    import base64
    import io

    from PIL import Image

    data = map_data(risk, None, settings, "en", NOW, forecast_info(risk, NOW, 18))
    uri = data["frames"][data["hazard"]["rubber_dinghy"][24]]
    rgba = np.asarray(
        Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGBA")
    )
    from seawatch.maps.frames import mercator_rows

    rows = mercator_rows(risk["lat"].values)
    land = risk["land"].values[rows.source_rows, :] == 1
    assert (rgba[..., 3][land] == 0).all()
    assert (rgba[..., 3][~land] == 255).all()


def test_reading_aids_data(risk, settings):
    info = forecast_info(risk, NOW, 18)
    en = map_data(risk, None, settings, "en", NOW, info)
    ar = map_data(risk, None, settings, "ar", NOW, info)
    assert [p["name"] for p in en["portLabels"][:3]] == ["Tripoli", "Benghazi", "Misrata"]
    assert ar["portLabels"][0]["name"] == "طرابلس"
    kinds = [p["kind"] for p in en["portLabels"]]
    assert kinds.index("arrival") > max(i for i, k in enumerate(kinds) if k == "departure")
    assert en["portLabelZoom"] == 7
    # 60 % of the level colour over the sea colour, as the browser composites the raster
    assert en["swatchColours"][3] == "#d97a79"  # 0.6 * #d73027 + 0.4 * #dbe9f4
    assert len(en["beaufortMs"]) == 12 and en["beaufortMs"][7] == 17.2


def test_mail_map_coastline_leaves_out_only_islets():
    """The e-mailed map's coastline (LEAN): islands a planner places the sea by stay."""
    import shapely.geometry

    from seawatch.maps.interactive import LEAN, coastline_layer

    bbox = (9.5, 30.0, 25.5, 38.5)  # the default area and LEAN's half degree around it

    def land(min_area_km2: float = 0.0):
        layer = coastline_layer(bbox, min_area_km2=min_area_km2)
        return shapely.geometry.shape(layer.data["features"][0]["geometry"])

    full, lean = land(), land(LEAN.coast_min_area_km2)
    assert len(lean.geoms) < len(full.geoms) / 3  # ~950 islets under 0.1 km2 left out
    km2 = 111.32**2 * np.cos(np.radians(34.25))
    assert min(p.area for p in lean.geoms) * km2 >= LEAN.coast_min_area_km2
    # Lampedusa, Malta, Gavdos (south of Crete), Kerkennah, Djerba and the Libyan coast stay
    for lat, lon in [(35.51, 12.60), (35.88, 14.45), (34.85, 24.08), (34.70, 11.20),
                     (33.80, 10.90), (32.80, 13.20)]:  # fmt: skip
        assert lean.contains(shapely.geometry.Point(lon, lat)), (lat, lon)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_mail_map_popups_leave_out_notes_links_and_ids(risk, incidents, settings, lang):
    """The e-mailed map (LEAN) keeps every incident and what a planner reads in its popup, but
    not the free-text notes, links and identifiers; the full map keeps them."""
    from seawatch.maps.interactive import INCIDENT_FIELDS, LEAN

    full = _data(build_html(risk, incidents, settings, lang=lang, now=NOW))["incidents"]
    lean = _data(build_html(risk, incidents, settings, lang=lang, now=NOW, lean=True))["incidents"]
    assert len(lean["rows"]) == len(full["rows"]) == incidents["lat"].notna().sum()
    dropped = set(LEAN.incident_fields_left_out)
    assert full["fields"] == list(INCIDENT_FIELDS) and "notes" in dropped
    assert lean["fields"] == [f for f in INCIDENT_FIELDS if f not in dropped]
    assert any("notes" in r for r in full["rows"])
    for f, g in zip(full["rows"], lean["rows"], strict=True):
        assert g == {k: v for k, v in f.items() if k not in dropped}
