"""The static e-mail map: size, colours over sea and land, text, Arabic, bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from seawatch.errors import DataError
from seawatch.i18n import translate
from seawatch.maps.context import forecast_info
from seawatch.maps.static import (
    FONT,
    MAX_PNG_BYTES,
    build_figure,
    display_text,
    format_degrees,
    graticule_ticks,
    matplotlib_shapes_arabic,
    render_static,
    wrap_to_width,
)
from seawatch.maps.styles import HAZARD_COLOURS, LAND_COLOUR, hex_to_rgb
from tests.maps.conftest import NOW


def test_png_and_pdf_for_a_phone(tmp_path, long_risk, incidents, settings):
    png = render_static(
        long_risk, incidents, tmp_path / "map.png", settings, now=NOW, pdf=tmp_path / "map.pdf"
    )
    image = Image.open(png)
    assert image.size[0] == 1200
    assert 800 < image.size[1] < 1600
    assert png.stat().st_size <= MAX_PNG_BYTES
    assert (tmp_path / "map.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_four_panels(tmp_path, long_risk, incidents, settings):
    png = render_static(long_risk, incidents, tmp_path / "p.png", settings, now=NOW, panels=True)
    assert Image.open(png).size[0] == 1200 and png.stat().st_size <= MAX_PNG_BYTES
    info = forecast_info(long_risk, NOW, 18)
    fig = build_figure(long_risk, incidents, info, "en", NOW, panels=True)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "+0 to +24 h (2026-11-24 06:00 UTC)",
        "+24 to +48 h (2026-11-25 06:00 UTC)",
        "+48 to +72 h (2026-11-26 06:00 UTC)",
        "+72 to +96 h (2026-11-27 06:00 UTC)",
    ]


def _pixel(fig, ax, lon, lat) -> tuple[int, int, int]:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())
    x, y = ax.transData.transform((lon, lat))
    row = round(image.shape[0] - y)
    return tuple(int(v) for v in image[row, round(x), :3])


def _near(colour, target, tol=6):
    return all(abs(a - b) <= tol for a, b in zip(colour, target, strict=True))


def test_hazard_colour_over_sea_and_none_over_land(long_risk, settings):
    info = forecast_info(long_risk, NOW, 18)
    fig = build_figure(long_risk, None, info, "en", NOW)
    ax = fig.axes[0]
    # Worst rubber-dinghy level over the next 24 h at an open-sea cell south of Malta.
    level = (
        long_risk["hazard_level"]
        .sel(vessel="rubber_dinghy")
        .sel(time=slice("2026-11-24T06", "2026-11-25T05"))
    )
    worst = int(level.sel(lat=35.05, lon=14.95, method="nearest").max())
    sea = _pixel(fig, ax, 14.95, 35.05)
    assert _near(sea, hex_to_rgb(HAZARD_COLOURS[worst])), (sea, worst)
    inland = _pixel(fig, ax, 13.0, 31.0)  # Libyan desert
    assert _near(inland, hex_to_rgb(LAND_COLOUR)), inland
    assert not any(_near(inland, hex_to_rgb(c), 10) for c in HAZARD_COLOURS)


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]


def test_title_run_age_scale_and_credits(long_risk, incidents, settings):
    info = forecast_info(long_risk, NOW, 18)
    texts = " | ".join(_texts(build_figure(long_risk, incidents, info, "en", NOW)))
    assert (
        "Worst capsize hazard for overloaded rubber dinghy, 2026-11-24 06:00 UTC to 2026-11-25 06:00 UTC"
        in texts
    )
    assert "Model run 2026-11-24 00:00 UTC" in texts and "data 6 h old" in texts
    assert " NM" in texts
    for key in (
        "attribution.open_meteo",
        "attribution.ecmwf",
        "attribution.copernicus",
        "attribution.iom",
        "attribution.gshhg",
    ):
        assert translate(key, "en") in texts
    assert "Incidents, last 7 days" in texts and "Low – calm for this boat" in texts


def test_demo_and_stale_banners(long_risk, settings):
    demo = long_risk.assign_attrs(demo=1)
    late = NOW + dt.timedelta(hours=30)
    fig = build_figure(demo, None, forecast_info(demo, late, 18), "en", late)
    gids = {t.get_gid() for t in fig.texts}
    assert {"banner-demo", "banner-stale"} <= gids
    assert "DEMO - synthetic sea state, not a forecast" in _texts(fig)
    from tests.maps.test_areas import assert_text_fits

    assert_text_fits(fig)  # the long stale banner wraps inside the figure
    assert_text_fits(build_figure(demo, None, forecast_info(demo, late, 18), "ar", late))
    fresh = build_figure(long_risk, None, forecast_info(long_risk, NOW, 18), "en", NOW)
    assert not {"banner-demo", "banner-stale"} & {t.get_gid() for t in fresh.texts}


def test_arabic_title_has_real_glyphs_and_is_shaped(long_risk, settings):
    info = forecast_info(long_risk, NOW, 18)
    fig = build_figure(long_risk, None, info, "ar", NOW)
    title = next(t for t in fig.texts if t.get_gid() == "title").get_text().replace("\n", " ")
    assert "أسوأ خطر انقلاب" in title or "أسوأ خطر انقلاب" in display_text(title, "ar")
    # Every character of the title has a glyph in the font (no empty boxes).
    font = TTFont(font_manager.findfont(FONT))
    cmap = font.getBestCmap()
    missing = {c for c in title if not c.isspace() and ord(c) not in cmap}
    assert not missing, missing
    # Letters are joined: a word differs from its letters kept apart by zero-width non-joiners.
    word = display_text("خطر", "ar")
    apart = display_text("\u200c".join("خطر"), "ar")

    def ink(text):
        from matplotlib.figure import Figure

        f = Figure(figsize=(2, 1), dpi=100)
        FigureCanvasAgg(f)
        f.text(0.1, 0.3, text, fontsize=30, family=FONT)
        f.canvas.draw()
        return np.asarray(f.canvas.buffer_rgba())[..., 0] < 128

    assert ink(word).any()
    assert not np.array_equal(ink(word), ink(apart))
    assert isinstance(matplotlib_shapes_arabic(), bool)


def test_arabic_png(tmp_path, long_risk, incidents, settings):
    png = render_static(long_risk, incidents, tmp_path / "ar.png", settings, lang="ar", now=NOW)
    assert Image.open(png).size[0] == 1200 and png.stat().st_size <= MAX_PNG_BYTES


def test_bad_input_keeps_the_last_good_png(tmp_path, long_risk, settings):
    out = render_static(long_risk, None, tmp_path / "map.png", settings, now=NOW)
    good = out.read_bytes()
    with pytest.raises(DataError, match="no 'vessel' dimension"):
        render_static(long_risk.isel(vessel=0), None, out, settings, now=NOW)
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]


def test_graticule_steps_in_degrees_and_minutes():
    # The Tripoli coast (1.25° of latitude) at up to 14 lines: every 10 minutes, no repeats.
    ticks, step = graticule_ticks(32.725, 34.025, 14)
    labels = [format_degrees(v, "NS") for v in ticks]
    assert step == 10 and labels[:3] == ["32°50′N", "33°N", "33°10′N"]
    assert len(set(labels)) == len(labels)
    # Half a degree at sea: 5 minutes.
    ticks, step = graticule_ticks(15.0, 15.5, 12)
    assert step == 5 and format_degrees(ticks[1], "EW") == "15°05′E"
    # The whole Mediterranean across 1100 px: 5 degrees, west of Greenwich marked W.
    ticks, step = graticule_ticks(-6.0, 36.5, 12)
    assert step == 300 and [format_degrees(v, "EW") for v in ticks[:3]] == ["5°W", "0°", "5°E"]


def test_wrap_keeps_every_word_and_breaks_between_parts():
    text = "Model run 2026-11-24 00:00 UTC · a long model name · data 6 h old · made now"
    lines = wrap_to_width(text, "en", 250, lambda line: 7.0 * len(line))
    assert len(lines) > 1 and all(7.0 * len(line) <= 250 for line in lines)
    assert " ".join(lines) == text
    assert lines[0].endswith("·")


LONG_MODEL = (
    "open_meteo: Open-Meteo Marine (Meteo-France MFWAM waves) and ECMWF IFS 0.25 wind; "
    "copernicus: Mediterranean Sea Physics Analysis and Forecast "
    "(MEDSEA_ANALYSISFORECAST_PHY_006_013)"
)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_long_subtitle_wraps_inside_the_figure(long_risk, incidents, lang):
    from tests.maps.test_areas import assert_text_fits

    merged = long_risk.assign_attrs(source="open_meteo+copernicus", model=LONG_MODEL)
    fig = build_figure(merged, incidents, forecast_info(merged, NOW, 18), lang, NOW)
    subtitle = next(t for t in fig.texts if t.get_gid() == "subtitle").get_text()
    assert subtitle.count("\n") >= 1
    if lang == "en":
        assert LONG_MODEL in subtitle.replace("\n", " ")
    assert_text_fits(fig)


def test_png_palette_keeps_the_map_colours_exact(long_risk, incidents):
    import io

    from seawatch.maps.static import DPI, _exact_colours, _png_bytes

    fig = build_figure(long_risk, incidents, forecast_info(long_risk, NOW, 18), "en", NOW)
    rgb = io.BytesIO()
    fig.savefig(rgb, format="png", dpi=DPI)
    full = np.asarray(Image.open(rgb).convert("RGB")).astype(int)
    png = _png_bytes(fig)
    assert len(png) <= MAX_PNG_BYTES // 2  # a palette image, far below the limit
    palette = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert palette.shape == full.shape
    for colour in _exact_colours():
        where = (full == colour).all(axis=2)
        assert (palette[where] == colour).all(), colour
    # every hazard colour drawn over the sea is among them
    for colour in HAZARD_COLOURS[1:]:
        assert (full == hex_to_rgb(colour)).all(axis=2).any(), colour
    # anti-aliased edges move a little, nothing more
    assert np.abs(palette - full).max() <= 64
