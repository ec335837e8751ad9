"""Cost of the map's reading aids, in headless Chromium (Debian's), offline.

Workload as ``benchmarks/maps.py``: 10-20 E, 30.5-38 N at 0.05 degrees, 168 hourly steps, 3 vessel
classes, 1,500 incidents. Reports the page size, the first hazard frame, one redraw of the wind
barbs at the storm's peak (zoom 7, desk window), one port-name declutter pass, and the time from a
click on the sea to the point-forecast chart drawn (every step of every class read at the cell).

Run: ``PYTHONPATH=$PWD .venv/bin/python benchmarks/map_reading.py`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import datetime as dt
import statistics
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
SAMPLES = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = load_settings(data_dir=root / "data", environ={})
        risk = make_risk(resolution=0.05, hours=168)
        path = render_interactive(
            risk, make_incidents(1500, now=NOW), root / "map.html", settings, now=NOW
        )
        with (
            launch_browser() as browser,
            offline_page(browser, viewport=(1400, 1000)) as (
                page,
                record,
            ),
        ):
            page.goto(path.as_uri(), timeout=240_000)
            page.wait_for_function(
                "window.seawatchMap && seawatchMap.firstFrameAt !== null", timeout=240_000
            )
            page.wait_for_function("!seawatchMap.map._animatingZoom")
            first = page.evaluate("seawatchMap.firstFrameAt")
            page.evaluate(
                """() => { seawatchMap.setTime(24); seawatchMap.map.addLayer(seawatchMap.windLayer);
                           seawatchMap.map.setView([34.2, 13.0], 7, {animate: false}); }"""
            )
            page.wait_for_function(
                "+document.querySelector('.leaflet-container').getAttribute('data-sw-barbs') > 0"
            )
            barbs = page.evaluate(
                """(n) => { const out = [], l = seawatchMap.windLayer;
                    for (let k = 0; k < n; k++) { const t0 = performance.now();
                      seawatchMap._drawBarbs(l._canvas.getContext('2d')); out.push(performance.now() - t0); }
                    return out; }""",
                SAMPLES,
            )
            labels = page.evaluate(
                """(n) => { const out = [];
                    for (let k = 0; k < n; k++) { const t0 = performance.now();
                      seawatchMap.declutterPortLabels(); out.push(performance.now() - t0); }
                    return out; }""",
                SAMPLES,
            )
            charts = []
            for k in range(SAMPLES):
                charts.append(
                    page.evaluate(
                        """(k) => new Promise(resolve => {
                            const c = seawatchMap.map.getContainer(); c.removeAttribute('data-sw-chart');
                            const t0 = performance.now();
                            seawatchMap.pointForecast(L.latLng(34.0 + 0.1 * k, 13.0));
                            const poll = () => c.hasAttribute('data-sw-chart') ? resolve(performance.now() - t0)
                                                                                : setTimeout(poll, 5);
                            poll(); })""",
                        k,
                    )
                )
            problems = record.problems()
        size = path.stat().st_size
    print(f"map.html: {size / 1e6:.2f} MB; first frame {first:.0f} ms")
    print(f"wind barbs redraw (median of {SAMPLES}): {statistics.median(barbs):.1f} ms")
    print(f"port names declutter (median of {SAMPLES}): {statistics.median(labels):.2f} ms")
    print(
        f"click to chart, 168 steps x 3 classes (median of {SAMPLES}): "
        f"{statistics.median(charts):.0f} ms (all: {', '.join(f'{c:.0f}' for c in charts)})"
    )
    print(f"console errors / blocked requests: {len(problems)}")


if __name__ == "__main__":
    main()
