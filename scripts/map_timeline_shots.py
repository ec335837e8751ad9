"""Screenshots of the interactive map's departure timeline, routes and worst-hazard view.

Builds the map on the synthetic risk dataset of the map tests (10-25 E, 0.1 degree, 168 h; not a
forecast) with the departures layer and the bundled routes, then photographs it offline in
Debian's chromium at 1400x1000 and 390x844, in English and Arabic: the opening view, a click on
the first trap cell, that route's popup, and on the phone the timeline opened.

Run: ``PYTHONPATH=$PWD .venv/bin/python scripts/map_timeline_shots.py OUT_DIR``
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seawatch.config import load_settings  # noqa: E402
from seawatch.geo.regions import routes as bundled_routes  # noqa: E402
from seawatch.layers.departure import DepartureParams, departures  # noqa: E402
from seawatch.maps.interactive import render_interactive  # noqa: E402
from tests.browser import launch_browser, offline_page  # noqa: E402
from tests.maps.risk_fixture import make_incidents, make_risk  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
READY = "window.seawatchTimeline && seawatchTimeline.ready"
OPEN_TRAP_ROUTE = """() => { const T = seawatchTimeline;
  const k = T.routeLines.findIndex(r => r && r.line.getElement()
    && r.line.getElement().getAttribute('data-sw-trap') === '1');
  if (k >= 0) T.routeLines[k].line.openPopup(); return k; }"""


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    settings = load_settings(environ={})
    risk = make_risk(west=10.0, east=25.0, resolution=0.1, hours=168)
    routes = bundled_routes()
    dep = departures(risk, DepartureParams(), routes=routes)
    incidents = make_incidents(200, now=NOW)
    with tempfile.TemporaryDirectory() as tmp, launch_browser() as browser:
        for lang in ("en", "ar"):
            page_file = render_interactive(
                risk,
                incidents,
                Path(tmp) / lang,
                settings,
                lang=lang,
                now=NOW,
                departures=dep,
                routes=routes,
            )
            with offline_page(browser, viewport=(1400, 1000)) as (page, record):
                page.goto(page_file.as_uri())
                page.wait_for_function(READY, timeout=30000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(out / f"desk-{lang}.png"))
                trap = page.locator(".sw-tl-c.x").first
                if trap.count():
                    trap.click()
                    page.wait_for_timeout(1000)
                    page.screenshot(path=str(out / f"desk-{lang}-trap-click.png"))
                    page.evaluate(OPEN_TRAP_ROUTE)
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(out / f"desk-{lang}-route-popup.png"))
                print(lang, "desk, page errors:", record.problems())
            with offline_page(browser, viewport=(390, 844)) as (page, record):
                page.goto(page_file.as_uri())
                page.wait_for_function(READY, timeout=30000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(out / f"phone-{lang}.png"))
                page.click(".sw-tl-toggle")
                page.wait_for_timeout(400)
                page.screenshot(path=str(out / f"phone-{lang}-open.png"))
                print(lang, "phone, page errors:", record.problems())
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("map-shots"))
