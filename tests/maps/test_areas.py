"""Every map output for areas other than the default, through the real pipeline.

Each area goes demo forecast -> risk build -> render (``seawatch.pipeline.render``: map.html,
map.png, map.pdf) on a grid coarse enough to stay fast, then the static map's text is checked
with the renderer's own extents: every visible text inside the figure, no two overlapping, and
graticule labels that differ from each other, in English and in Arabic.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from seawatch.config import load_settings
from seawatch.fetchers.demo import demo_forecast
from seawatch.maps.context import forecast_info
from seawatch.maps.static import MAX_PNG_BYTES, WIDTH_PX, build_figure
from seawatch.pipeline import compute_risk, render
from tests.maps.risk_fixture import make_incidents

START = dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC)
NOW = START + dt.timedelta(hours=6)
HOURS = 30  # the 24 h window of the static map and a little more

# name: (west, east, south, north, grid resolution in degrees)
AREAS = {
    # 0.5° x 0.5° of open sea south of Malta: no coast, no port, one SAR region
    "tiny_sea": (15.0, 15.5, 34.0, 34.5, 0.05),
    # the Tripoli coast from the report: misses the Maltese, Italian and Tunisian regions
    "tripoli_coast": (12.0, 14.0, 32.75, 34.0, 0.05),
    # the Libyan desert south of Misrata: land only, no sea cell at all
    "inland": (13.0, 13.5, 31.0, 31.5, 0.05),
    # Alboran Sea: coast on both sides and no bundled SAR region
    "alboran_no_sar": (-5.0, -1.0, 35.0, 37.0, 0.1),
    # a tall, narrow strip from the Libyan desert to the Alps: the map is drawn narrow
    "narrow_strip": (12.0, 12.5, 30.0, 46.0, 0.1),
    # the whole Mediterranean, coarse
    "whole_med": (-6.0, 36.5, 30.0, 46.0, 0.5),
    # the default area
    "default": (10.0, 25.0, 30.5, 38.0, 0.25),
}


def _settings(area: str, data_dir):
    west, east, south, north, resolution = AREAS[area]
    environ = {
        "SEAWATCH_AREA_WEST": str(west),
        "SEAWATCH_AREA_EAST": str(east),
        "SEAWATCH_AREA_SOUTH": str(south),
        "SEAWATCH_AREA_NORTH": str(north),
        "SEAWATCH_GRID_RESOLUTION": str(resolution),
    }
    return load_settings(data_dir=data_dir, environ=environ)


@pytest.fixture(scope="module", params=list(AREAS))
def built(request, tmp_path_factory):
    """(area name, settings, risk as read back from risk.nc) for one area."""
    settings = _settings(request.param, tmp_path_factory.mktemp(request.param))
    forecast = demo_forecast(settings, start=START).isel(time=slice(0, HOURS))
    risk = xr.decode_cf(compute_risk(settings, forecast))
    return request.param, settings, risk


def test_every_output_is_written(built, tmp_path):
    area, settings, risk = built
    for lang in ("en", "ar"):
        out = tmp_path / lang
        paths = render(settings, risk=risk, out_dir=out, lang=lang, now=NOW)
        with Image.open(paths["png"]) as image:
            image.load()
            assert image.width == WIDTH_PX, area
        assert paths["png"].stat().st_size <= MAX_PNG_BYTES
        pdf = paths["pdf"].read_bytes()
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        html = paths["html"].read_text(encoding="utf-8")
        assert "L.map(" in html or "L.map (" in html
        assert html.rstrip().endswith("</html>")


def drawn_texts(fig) -> list[Text]:
    """Every visible, non-empty text the figure draws: header, credits, legends, names on the
    map, scale bar, panel titles and graticule labels."""
    FigureCanvasAgg(fig).draw()
    texts = list(fig.texts)
    for legend in fig.legends:
        texts += [*legend.get_texts(), legend.get_title()]
    for ax in fig.axes:
        texts += [*ax.texts, ax.title]
        texts += ax.xaxis.get_majorticklabels() + ax.yaxis.get_majorticklabels()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def assert_text_fits(fig) -> None:
    """No visible text leaves the figure and no two visible texts overlap."""
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    boxes = []
    for text in drawn_texts(fig):
        box = text.get_window_extent(renderer)
        patch = text.get_bbox_patch()
        if patch is not None:
            box = Bbox.union([box, patch.get_window_extent(renderer)])
        label = repr(text.get_text())
        assert box.x0 >= 0 and box.y0 >= 0, (label, box)
        assert box.x1 <= width and box.y1 <= height, (label, box, width, height)
        boxes.append((label, box))
    assert len(boxes) > 20
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        assert overlap_x <= 0.5 or overlap_y <= 0.5, (a, b, box_a, box_b)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_static_text_never_overlaps_or_leaves_the_figure(built, lang):
    area, settings, risk = built
    incidents = make_incidents(20, now=NOW)
    info = forecast_info(risk, NOW, settings.schedule.stale_after_hours)
    fig = build_figure(risk, incidents, info, lang, NOW)
    assert_text_fits(fig)
    ax = fig.axes[0]
    for axis in (ax.xaxis, ax.yaxis):
        labels = [t.get_text() for t in axis.get_majorticklabels()]
        assert len(labels) >= (1 if area == "narrow_strip" else 2), (area, labels)
        assert len(set(labels)) == len(labels), (area, labels)
    names = [t for t in ax.texts if (t.get_gid() or "").startswith(("port-", "sar-"))]
    if area == "default":
        # Every SAR region and the ports that collided before (Tripoli/Tajoura,
        # Sabratha/Zawiya) are named on the default map.
        shown = {t.get_gid() for t in names if t.get_visible()}
        assert {"sar-libya", "sar-malta", "sar-italy", "sar-tunisia"} <= shown
        assert {"port-tripoli", "port-tajoura", "port-sabratha", "port-zawiya"} <= shown
    shown_regions = {t.get_gid() for t in names if t.get_visible() and t.get_gid()[:4] == "sar-"}
    expected = {
        "tiny_sea": {"sar-malta", "sar-libya"},  # the two regions overlap there, as published
        "tripoli_coast": {"sar-libya"},
        "inland": set(),  # the Libyan region reaches it only over land
        "alboran_no_sar": set(),
        "whole_med": {"sar-libya", "sar-malta", "sar-italy", "sar-tunisia"},
    }
    if area in expected:
        assert shown_regions == expected[area], area


@pytest.mark.parametrize("built", ["default", "tiny_sea"], indirect=True)
def test_panels_text_fits(built):
    _, settings, risk = built
    info = forecast_info(risk, NOW, settings.schedule.stale_after_hours)
    fig = build_figure(risk, None, info, "ar", NOW, panels=True)
    assert len(fig.axes) == 4
    assert_text_fits(fig)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("built", ["default", "tiny_sea", "tripoli_coast"], indirect=True)
def test_phone_panels_with_departures_text_fits(built, lang):
    # seawatch map --panels --phone: at the phone's text size the panel titles ran off the
    # 640 px image and into each other, and "now" under the departure strip into the names.
    from seawatch.layers.departure import departures
    from seawatch.layers.params import LayerParams
    from seawatch.maps.static import EMAIL_WIDTH_PX, phone_layout

    area, settings, risk = built
    info = forecast_info(risk, NOW, settings.schedule.stale_after_hours)
    departure = departures(risk, LayerParams.from_settings(settings).departure)
    assert (departure.sizes["area"] > 0) == (area != "tiny_sea")
    fig = build_figure(
        risk, None, info, lang, NOW, panels=True, departures=departure, layout=phone_layout()
    )
    assert fig.bbox.width == EMAIL_WIDTH_PX
    assert len([ax for ax in fig.axes if ax.get_gid() != "timeline"]) == 4
    assert_text_fits(fig)
