"""Screenshots of the map's reading aids, desk (1400x1000) and phone (390x844), English and Arabic.

Opens the interactive map of the synthetic storm (``tests/maps/risk_fixture.py``, 0.05 degrees,
48 h) offline in Debian's chromium and saves, per language and window: the opening view, port
names at zoom 7, wind barbs at the storm's peak, the coast at zoom 9, the point-forecast popup with
its chart, a typed position, and the NM ruler started from it.

Run: ``PYTHONPATH=$PWD .venv/bin/python scripts/map_reading_shots.py OUT_DIR``
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seawatch.config import load_settings  # noqa: E402
from seawatch.maps.interactive import render_interactive  # noqa: E402
from tests.browser import launch_browser, offline_page  # noqa: E402
from tests.maps.risk_fixture import make_incidents, make_risk  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
VIEWS = [
    ("ports-z7", "seawatchMap.map.setView([33.1, 13.0], 7, {animate: false})", 400),
    (
        "barbs",
        "seawatchMap.setTime(24); seawatchMap.map.addLayer(seawatchMap.windLayer);"
        "seawatchMap.map.setView([35.2, 12.6], 7, {animate: false})",
        600,
    ),
    (
        "coast",
        "seawatchMap.map.removeLayer(seawatchMap.windLayer); seawatchMap.setTime(18);"
        "seawatchMap.map.setView([32.85, 12.5], 9, {animate: false})",
        500,
    ),
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = load_settings(data_dir=root / "data", environ={})
        risk = make_risk(hours=48, resolution=0.05)
        incidents = make_incidents(20, now=NOW)
        files = {
            lang: render_interactive(risk, incidents, root / lang, settings, lang=lang, now=NOW)
            for lang in ("en", "ar")
        }
        with launch_browser() as browser:
            for lang, path in files.items():
                for size in ((1400, 1000), (390, 844)):
                    tag = f"{lang}-{size[0]}"
                    with offline_page(browser, viewport=size) as (page, record):
                        page.goto(path.as_uri())
                        page.wait_for_function(
                            "document.querySelector('.leaflet-container[data-sw-frame]')",
                            timeout=20000,
                        )
                        page.wait_for_function("!seawatchMap.map._animatingZoom")
                        page.screenshot(path=str(out / f"open-{tag}.png"))
                        for name, script, wait in VIEWS:
                            page.evaluate(script)
                            page.wait_for_timeout(wait)
                            page.screenshot(path=str(out / f"{name}-{tag}.png"))
                        page.evaluate(
                            "seawatchMap.map.setView([34.6, 12.6], 7, {animate: false});"
                            "seawatchMap.pointForecast(L.latLng(35.0, 12.6))"
                        )
                        page.wait_for_selector(".sw-chart svg", timeout=15000)
                        page.wait_for_timeout(400)
                        page.screenshot(path=str(out / f"popup-{tag}.png"))
                        page.evaluate(
                            "seawatchMap.map.closePopup();"
                            """seawatchMap.gotoPosition("33°12.5'N 012°45.3'E")"""
                        )
                        page.wait_for_timeout(400)
                        page.screenshot(path=str(out / f"goto-{tag}.png"))
                        page.click(".sw-goto-measure")
                        page.evaluate(
                            "seawatchMap.map.fire('click', {latlng: L.latLng(33.9, 13.3)})"
                        )
                        page.wait_for_timeout(300)
                        page.screenshot(path=str(out / f"ruler-from-typed-{tag}.png"))
                        print(tag, "problems:", record.problems())


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "shots"))
