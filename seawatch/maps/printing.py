"""The interactive map printed: a landscape PDF of ``map.html`` sized for A4 or A3 paper.

Chromium (Debian's ``chromium`` package, driven by playwright) lays the page out at the paper's
size in CSS pixels, with the page's print stylesheet (no controls; title, time, legend, scale and
credits kept), and prints it without margins, so the map fills the sheet. The page is offline:
any request outside the file itself is refused.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from seawatch.errors import SeawatchError
from seawatch.storage import atomic_write_bytes

# ISO 216 sizes, landscape (width, height) in mm.
PAPER_MM = {"a4": (297, 210), "a3": (420, 297)}
CSS_PX_PER_MM = 96 / 25.4  # CSS pixels are 1/96 in (CSS Values 4), as Chromium prints them
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
LOAD_TIMEOUT_MS = 60_000


# On paper, the forecast area fills the sheet beside the title and legend (fractional zoom).
FIT_JS = """() => {
  const map = seawatchMap.map, c = map.getContainer();
  const box = (s) => { const el = c.querySelector(s); return el ? el.getBoundingClientRect() : null; };
  const info = box('.sw-info'), legend = box('.sw-legend');
  map.options.zoomSnap = 0.1;
  map.fitBounds(seawatchMap.D.bounds, {
    paddingTopLeft: [0, info ? info.bottom + 4 : 0],
    paddingBottomRight: [legend ? c.clientWidth - legend.left + 4 : 0, 0],
    animate: false,
  });
}"""


class PrintError(SeawatchError):
    """The map could not be printed (no browser to print with, or the page did not load)."""


def find_chromium() -> str:
    """Path of the chromium to print with: ``$SEAWATCH_CHROMIUM``, else Debian's.

    Raises
    ------
    PrintError
        If there is none.
    """
    configured = os.environ.get("SEAWATCH_CHROMIUM")
    if configured:
        if Path(configured).is_file() and os.access(configured, os.X_OK):
            return configured
        raise PrintError(f"SEAWATCH_CHROMIUM={configured} is not an executable chromium")
    for candidate in (*CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise PrintError(
        "printing the map needs chromium: install it (Debian: apt-get install chromium) "
        "or set SEAWATCH_CHROMIUM to its path"
    )


def paper_pixels(paper: str) -> tuple[int, int]:
    """Landscape page size of ``paper`` (``a4``/``a3``) in CSS pixels."""
    width, height = PAPER_MM[paper]
    return round(width * CSS_PX_PER_MM), round(height * CSS_PX_PER_MM)


def print_map(html: Path, out: Path, paper: str = "a4") -> Path:
    """Print the interactive map ``html`` to the landscape PDF ``out`` (written atomically).

    Raises
    ------
    PrintError
        If ``paper`` is unknown, chromium or playwright is missing, or the map did not draw.
    """
    paper = paper.lower()
    if paper not in PAPER_MM:
        raise PrintError(f"paper {paper!r} is not supported: use one of {', '.join(PAPER_MM)}")
    html = Path(html)
    if not html.is_file():
        raise PrintError(f"no map at {html}; render it first (seawatch map)")
    chromium = find_chromium()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise PrintError(
            "printing the map needs playwright: pip install 'seawatch[print]'"
        ) from exc
    # Playwright's sync API refuses a thread that runs an asyncio loop (a web handler, or
    # another sync playwright session): print from a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            pdf = pool.submit(_render_pdf, sync_playwright, html, chromium, paper).result()
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PrintError(f"printing {html} failed in chromium: {first}") from exc
    return atomic_write_bytes(out, pdf)


def _render_pdf(sync_playwright: Any, html: Path, chromium: str, paper: str) -> bytes:
    width, height = paper_pixels(paper)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(offline=True, viewport={"width": width, "height": height})
            context.route("**/*", _local_only)
            page = context.new_page()
            page.goto(html.resolve().as_uri())
            page.wait_for_function(
                "document.querySelector('.leaflet-container[data-sw-frame]') !== null",
                timeout=LOAD_TIMEOUT_MS,
            )
            page.emulate_media(media="print")
            page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
            page.wait_for_timeout(300)  # the map re-lays out for print
            page.evaluate(FIT_JS)
            page.wait_for_timeout(300)
            return page.pdf(
                format=paper.upper(),
                landscape=True,
                print_background=True,
                margin={"top": "0", "right": "0", "bottom": "0", "left": "0"},
            )
        finally:
            browser.close()


def _local_only(route: Any) -> None:
    url = route.request.url
    if url.startswith(("file:", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


__all__ = ["PAPER_MM", "PrintError", "find_chromium", "paper_pixels", "print_map"]
