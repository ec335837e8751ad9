"""Fixtures for the map tests: settings, a synthetic risk dataset, incidents, the interactive map
rendered in each language, and opening it in the browser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest

from seawatch.config import load_settings
from seawatch.maps.interactive import render_interactive
from tests.maps.departures_fixture import make_departures, make_routes
from tests.maps.risk_fixture import make_incidents, make_risk

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
LANGS = ("en", "ar")


@pytest.fixture(autouse=True)
def _close_figures():
    """Static-map tests draw with matplotlib: its figures are closed after each test."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def long_risk():
    """Four days at 0.1 degrees: long enough for the static map's daily panels."""
    return make_risk(hours=96, resolution=0.1)


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    return load_settings(data_dir=tmp_path_factory.mktemp("data"), environ={})


@pytest.fixture(scope="session")
def risk():
    return make_risk(hours=48)


@pytest.fixture(scope="session")
def incidents():
    return make_incidents(20, now=NOW)


def render_maps(root: Path, risk, incidents, settings, **options: Any) -> dict[str, Path]:
    """The interactive map of ``risk`` and ``incidents`` at :data:`NOW`, per language:
    ``{"en": root/en/map.html, "ar": root/ar/map.html}``."""
    return {
        lang: render_interactive(
            risk, incidents, root / lang / "map.html", settings, lang=lang, now=NOW, **options
        )
        for lang in LANGS
    }


@pytest.fixture(scope="session")
def maps(tmp_path_factory, risk, incidents, settings) -> dict[str, Path]:
    """The fixture's map in English and Arabic (rendered once; tests only read the files)."""
    return render_maps(tmp_path_factory.mktemp("maps"), risk, incidents, settings)


@pytest.fixture(scope="session")
def demo_maps(tmp_path_factory, risk, incidents, settings) -> dict[str, Path]:
    """As :func:`maps`, from a demo forecast (the map shows its demo banner)."""
    root = tmp_path_factory.mktemp("demo-maps")
    return render_maps(root, risk.assign_attrs(demo=1), incidents, settings)


@pytest.fixture(scope="session")
def timeline_maps(tmp_path_factory, risk, incidents, settings) -> dict[str, Path]:
    """As :func:`maps`, with departure windows and routes: the departure timeline shows."""
    routes = make_routes()
    departures = make_departures(risk["time"].values, routes)
    root = tmp_path_factory.mktemp("timeline-maps")
    return render_maps(root, risk, incidents, settings, departures=departures, routes=routes)


def open_map(
    page, path: Path, settle_ms: int = 300, zoomed: bool = False, timeline: bool = False
) -> None:
    """Open a rendered map and wait for its first hazard frame (and, with ``timeline``, for the
    departure timeline); then, if ``zoomed``, for the opening fitBounds animation to end (a view
    set before it ends would be undone), else ``settle_ms`` for the controls to settle."""
    page.goto(path.as_uri())
    page.wait_for_function(
        "document.querySelector('.leaflet-container[data-sw-frame]') !== null", timeout=15000
    )
    if timeline:
        page.wait_for_function("window.seawatchTimeline && seawatchTimeline.ready", timeout=15000)
    if zoomed:
        page.wait_for_function("!seawatchMap.map._animatingZoom", timeout=5000)
    elif settle_ms:
        page.wait_for_timeout(settle_ms)
