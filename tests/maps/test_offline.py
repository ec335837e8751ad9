"""Inlining of scripts and stylesheets; nothing may load from the network."""

from __future__ import annotations

import re

import pytest

from seawatch.maps.offline import (
    LEAFLET_CSS,
    LEAFLET_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_JS,
    AssetMissingError,
    _load,
    external_references,
    inline_assets,
)

FULLSCREEN_CSS = "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css"


def test_inline_replaces_scripts_and_styles():
    html = (
        f'<script src="{LEAFLET_JS}"></script>'
        f'<link rel="stylesheet" href="{LEAFLET_CSS}"/>'
        '<script src="seawatch:seawatch-map.js"></script>'
    )
    out = inline_assets(html)
    assert external_references(out) == []
    assert "Leaflet 1.9.3" in out and "<style>" in out
    assert "SeawatchMap" in out


def test_every_library_the_map_uses_is_provided():
    for url in (LEAFLET_JS, LEAFLET_CSS, MARKERCLUSTER_JS, *MARKERCLUSTER_CSS, FULLSCREEN_CSS):
        assert len(_load(url)) > 100, url


def test_unknown_asset_is_an_error():
    with pytest.raises(AssetMissingError, match="neither seawatch nor folium-offline"):
        inline_assets('<script src="https://example.org/jquery.min.js"></script>')
    with pytest.raises(AssetMissingError, match="does not ship"):
        inline_assets('<script src="seawatch:nothing.js"></script>')


def test_inlined_css_has_no_relative_urls():
    for url in (LEAFLET_CSS, FULLSCREEN_CSS, *MARKERCLUSTER_CSS, "seawatch:seawatch-map.css"):
        for target in re.findall(r"url\(([^)]*)\)", _load(url)):
            target = target.strip("\"'")
            assert target.startswith(("data:", "#")), (url, target[:40])


def test_licence_headers_travel_with_the_libraries():
    assert "Leaflet 1.9.3" in _load(LEAFLET_JS)[:200]
    assert "Leaflet.markercluster" in _load(MARKERCLUSTER_JS)[:200]


def test_external_references_finds_loads_not_links():
    html = '<img src="https://tile.example/1.png"><a href="https://iom.int">x</a><script src="data:,"></script>'
    assert external_references(html) == ["https://tile.example/1.png"]
