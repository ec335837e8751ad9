"""Screenshots of an interactive map on a phone and a desk, and its A4 print, for review.

    seawatch demo --out /tmp/demo                        # map.html (English) from the demo
    seawatch --data-dir /tmp/demo map --lang ar --out /tmp/demo/ar
    python scripts/map_screenshots.py /tmp/demo/map.html en --out shots/
    python scripts/map_screenshots.py /tmp/demo/ar/map.html ar --out shots/

writes ``shots/<name>-390x844.png`` (a phone, touch), ``shots/<name>-390x844-popup.png`` (after
a tap on the sea), ``shots/<name>-1400x1000.png`` and ``shots/<name>-a4.pdf``. Offline: any
request outside the file is refused and reported, as are console errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from seawatch.maps.printing import CHROMIUM_ARGS, find_chromium, print_map

SIZES = ((390, 844), (1400, 1000))
READY = "document.querySelector('.leaflet-container[data-sw-frame]') !== null"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("name")
    parser.add_argument("--out", type=Path, default=Path("shots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_ARGS))
        for width, height in SIZES:
            phone = width < 600
            context = browser.new_context(
                offline=True,
                viewport={"width": width, "height": height},
                has_touch=phone,
                is_mobile=phone,
            )
            context.route(
                "**/*",
                lambda r: (
                    r.continue_()
                    if r.request.url.startswith(("file:", "data:", "blob:"))
                    else (problems.append("blocked " + r.request.url), r.abort())
                ),
            )
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(args.html.resolve().as_uri())
            page.wait_for_function(READY, timeout=60_000)
            page.wait_for_timeout(500)
            stem = f"{args.name}-{width}x{height}"
            page.screenshot(path=str(args.out / f"{stem}.png"))
            if phone:
                x, y = page.evaluate(
                    "() => { const p = seawatchMap.map.latLngToContainerPoint([34.8, 16.8]);"
                    " return [p.x, p.y]; }"
                )
                page.touchscreen.tap(x, y)
                page.wait_for_timeout(800)
                page.screenshot(path=str(args.out / f"{stem}-popup.png"))
            context.close()
        browser.close()
    print(print_map(args.html, args.out / f"{args.name}-a4.pdf", "a4"))
    for problem in problems:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
