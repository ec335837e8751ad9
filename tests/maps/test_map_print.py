"""``seawatch map --print a4|a3``: the interactive map as a landscape PDF sized for the paper."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from seawatch.cli import main
from seawatch.maps import printing
from seawatch.maps.interactive import render_interactive
from seawatch.maps.printing import PrintError, paper_pixels, print_map
from seawatch.schema import write_dataset
from tests.browser import offline_page, require_chromium
from tests.maps.conftest import NOW

# ISO 216 landscape in PostScript points (1/72 in): A4 297 x 210 mm, A3 420 x 297 mm.
POINTS = {"a4": (841.89, 595.28), "a3": (1190.55, 841.89)}
CONTROLS = (
    ".leaflet-control-zoom",
    ".leaflet-control-layers",
    ".sw-ruler",
    ".sw-filter",
    ".sw-time-row",
    ".sw-vessels",
    ".leaflet-control-mouseposition",
)
KEPT = (".sw-info", ".sw-legend", ".sw-time-label", ".leaflet-control-attribution")


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height (points) of each page, from the PDF's MediaBox entries.

    pypdf is not a dependency; Chromium (Skia) writes one uncompressed ``/MediaBox [...]`` per
    page object, which is all this needs.
    """
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


@pytest.fixture(scope="module")
def map_html(tmp_path_factory, risk, incidents, settings) -> Path:
    root = tmp_path_factory.mktemp("print")
    return render_interactive(
        risk.assign_attrs(demo=1), incidents, root / "map.html", settings, now=NOW
    )


def test_cli_prints_a4_landscape(tmp_path, monkeypatch, risk):
    require_chromium()
    monkeypatch.chdir(tmp_path)
    for name in ("SEAWATCH_CONFIG", "SEAWATCH_DATA_DIR", "SEAWATCH_CHROMIUM"):
        monkeypatch.delenv(name, raising=False)
    risk_path = write_dataset(risk, tmp_path / "risk.nc")
    out = tmp_path / "maps"
    args = ["map", "--risk", str(risk_path), "--out", str(out), "--print", "A4"]
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "data"), *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    pdf = out / "map-a4.pdf"
    assert str(pdf) in result.output
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) == 1, pages  # one sheet: the map does not spill onto a second page
    width, height = pages[0]
    assert width == pytest.approx(POINTS["a4"][0], abs=1.5)
    assert height == pytest.approx(POINTS["a4"][1], abs=1.5)
    assert (out / "map.html").is_file() and (out / "map.pdf").is_file()  # as without --print


def test_a3_is_a3_landscape(tmp_path, map_html):
    require_chromium()
    pdf = print_map(map_html, tmp_path / "map-a3.pdf", "a3")
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) == 1
    assert pages[0] == pytest.approx(POINTS["a3"], abs=1.5)


def test_missing_chromium_is_one_clear_line(tmp_path, monkeypatch, map_html):
    """A machine without chromium (no candidate path, none on PATH) gets one line to act on."""
    monkeypatch.delenv("SEAWATCH_CHROMIUM", raising=False)
    monkeypatch.setattr(printing, "CHROMIUM_CANDIDATES", ())
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrintError) as err:
        print_map(map_html, tmp_path / "map-a4.pdf", "a4")
    message = str(err.value)
    assert "\n" not in message and "apt-get install chromium" in message
    assert not (tmp_path / "map-a4.pdf").exists()
    monkeypatch.setenv("SEAWATCH_CHROMIUM", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path), "map", "--print", "a3"], catch_exceptions=False
    )
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "SEAWATCH_CHROMIUM" in lines[0], result.output


def test_print_media_hides_controls_and_keeps_the_legend(browser, map_html):
    width, height = paper_pixels("a4")
    with offline_page(browser, viewport=(width, height)) as (page, record):
        page.goto(map_html.as_uri())
        page.wait_for_function(
            "document.querySelector('.leaflet-container[data-sw-frame]') !== null", timeout=15000
        )
        page.emulate_media(media="print")
        page.wait_for_timeout(300)
        shown = page.evaluate(
            """(selectors) => Object.fromEntries(selectors.map(s => {
                 const el = document.querySelector(s);
                 return [s, !!el && el.getClientRects().length > 0]; }))""",
            list(CONTROLS + KEPT),
        )
        assert not any(shown[s] for s in CONTROLS), shown
        assert all(shown[s] for s in KEPT), shown
        assert page.evaluate("document.querySelector('.sw-legend details').open")
        kept = [
            page.locator(s).bounding_box() for s in (".sw-time", ".leaflet-control-attribution")
        ]
        time_box, credits = kept
        assert time_box["x"] + time_box["width"] <= credits["x"], kept  # side by side, no overlap
        box = page.locator(".leaflet-container").bounding_box()
        assert (box["width"], box["height"]) == (width, height)  # the map fills the sheet
        assert page.is_visible(".sw-banner-demo")  # a demo print still says so
        assert record.problems() == []
