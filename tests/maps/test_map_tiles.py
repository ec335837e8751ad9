"""Online tiles only when configured: the map opens on the bundled coastline, with no request."""

from __future__ import annotations

from seawatch.config import load_settings
from seawatch.maps.interactive import build_html, render_interactive
from tests.browser import offline_page
from tests.maps.conftest import NOW, open_map

OSM_TEMPLATE = "tile.openstreetmap.org"


def _online(settings):
    return settings.replace(maps=settings.maps.__class__(online_tiles=True))


def test_tiles_are_off_unless_configured(tmp_path, risk, settings):
    assert settings.maps.online_tiles is False
    assert OSM_TEMPLATE not in build_html(risk, None, settings, now=NOW)
    assert OSM_TEMPLATE in build_html(risk, None, _online(settings), now=NOW)


def test_online_tiles_read_from_the_config_file(tmp_path):
    path = tmp_path / "seawatch.toml"
    path.write_text("[maps]\nonline_tiles = true\n", encoding="utf-8")
    assert load_settings(config_file=path, data_dir=tmp_path, environ={}).maps.online_tiles
    env = {"SEAWATCH_MAPS_ONLINE_TILES": "true"}
    assert load_settings(data_dir=tmp_path, environ=env).maps.online_tiles


def test_network_cut_default_map_asks_for_nothing_and_logs_no_error(
    browser, tmp_path, risk, incidents, settings
):
    for lang in ("en", "ar"):
        path = render_interactive(
            risk, incidents, tmp_path / lang / "map.html", settings, lang=lang, now=NOW
        )
        with offline_page(browser) as (page, record):
            open_map(page, path)
            # the bundled coastline is drawn as the base map
            assert page.locator(".leaflet-overlay-pane path").count() > 0
            assert page.locator(".leaflet-tile").count() == 0
            page.evaluate("seawatchMap.pointForecast(L.latLng(35.3, 13.1))")
            page.wait_for_selector(".sw-hazard-table", timeout=5000)
            page.evaluate("seawatchMap.setTime(30)")
            assert record.problems() == [], lang


def test_configured_tiles_load_only_when_picked(browser, tmp_path, risk, settings):
    path = render_interactive(risk, None, tmp_path / "map.html", _online(settings), now=NOW)
    with offline_page(browser) as (page, record):
        open_map(page, path)
        assert record.problems() == []  # opening asks no tile server
        page.hover(".leaflet-control-layers")
        page.get_by_label("OpenStreetMap (online)").check()
        page.wait_for_timeout(300)
        assert any(OSM_TEMPLATE in url for url in record.blocked)
