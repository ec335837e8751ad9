"""The static map for the morning e-mail: ``map.png`` (1200 px wide, at most 400 KB) and ``map.pdf``.

matplotlib, no tiles: the bundled GSHHG coastline, SAR regions, ports, the worst capsize hazard
for overloaded rubber dinghies over the next 24 h (or four daily panels, +0-24 h to +72-96 h),
incidents of the last 7 days, a title with the model run and data age, a legend in words, a
scale bar in nautical miles and the data credits. Text is 8 to 15 pt at 100 dpi: on a phone
showing the PNG 390 px wide that is 3.6 to 6.8 px, so it is read zoomed in (9 px at that width
would need 20 pt).

Any area works: the layout is measured with the renderer (texts wrap to the width, the height
follows the content), the graticule steps in degrees and minutes to suit the span, and names on
the map are placed clear of each other and inside the map or left out (:func:`place_labels`).

Arabic: matplotlib's bundled DejaVu Sans has the Arabic letters and their presentation forms;
matplotlib 3.11 shapes and orders Arabic itself. With an older matplotlib that does not,
:func:`display_text` reshapes (arabic-reshaper) and reorders (python-bidi) the text first; which
case applies is found by rendering a lam-alef and comparing it with the ligature glyph.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator, FuncFormatter
from matplotlib.transforms import Bbox
from PIL import Image
from shapely.ops import polylabel

from seawatch.config import Settings
from seawatch.i18n import resolve_lang, translate
from seawatch.maps import styles
from seawatch.maps.context import (
    ATTRIBUTION_KEYS,
    PORT_LABEL_FIRST,
    ForecastInfo,
    check_risk,
    first_index_at_or_after,
    forecast_info,
    format_age,
    incidents_since,
    ltr_marked,
    ports_by_label_priority,
    vessels_of,
    window_max,
)
from seawatch.schema import HAZARD_LEVELS
from seawatch.storage import atomic_path, atomic_write_bytes
from seawatch.timeutil import format_utc, now_utc

WIDTH_PX = 1200
EMAIL_WIDTH_PX = 640
"""Width of the e-mail's image: shown 624 px wide on a desk, scaled down on a phone."""
PHONE_WIDTH_PX = 390
PHONE_MIN_TEXT_PX = 9.0
"""Smallest text on a phone showing the image :data:`PHONE_WIDTH_PX` wide (assumption: about
the smallest size read without zooming)."""
DPI = 100
MAX_PNG_BYTES = 400_000
FONT = "DejaVu Sans"
PANEL_WINDOWS_H: tuple[tuple[int, int], ...] = ((0, 24), (24, 48), (48, 72), (72, 96))
NM_M = 1852.0
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Layout:
    """Image width and the smallest font size of one rendering."""

    width_px: int = WIDTH_PX
    min_text_pt: float = 0.0
    palette: tuple[int, ...] = (256, 128, 64)
    """Palette sizes tried, largest first, until the PNG fits :data:`MAX_PNG_BYTES`."""

    def fs(self, pt: float) -> float:
        """Font size to draw a ``pt``-point text at (never below the minimum)."""
        return max(pt, self.min_text_pt)


def phone_layout(width_px: int = EMAIL_WIDTH_PX) -> Layout:
    """A layout whose text is at least :data:`PHONE_MIN_TEXT_PX` pixels high when the image is
    shown :data:`PHONE_WIDTH_PX` wide (the e-mail's image, read on a phone)."""
    min_px = PHONE_MIN_TEXT_PX * width_px / PHONE_WIDTH_PX
    # 64 colours: the map's own colours stay exact (_exact_colours), anti-aliased edges move
    # to the nearest of the rest; a quarter smaller, which keeps the e-mail under its target.
    return Layout(width_px, min_px * 72 / DPI, palette=(64,))


_LAYOUT: ContextVar[Layout | None] = ContextVar("seawatch_static_layout", default=None)


def _layout() -> Layout:
    return _LAYOUT.get() or Layout()


def _fs(pt: float) -> float:
    return _layout().fs(pt)


def _width_px() -> int:
    return _layout().width_px


@cache
def matplotlib_shapes_arabic() -> bool:
    """True if this matplotlib joins and orders Arabic letters itself (3.11+ text layout)."""

    def ink(text: str) -> np.ndarray:
        fig = Figure(figsize=(1, 0.6), dpi=100)
        FigureCanvasAgg(fig)
        fig.text(0.1, 0.3, text, fontsize=24, family=FONT)
        fig.canvas.draw()
        image = np.asarray(fig.canvas.buffer_rgba())[..., 0]
        return image < 128

    # lam + alef must come out as the lam-alef ligature (U+FEFB) when the text is shaped.
    return bool(np.array_equal(ink("\u0644\u0627"), ink("\ufefb")))


def display_text(text: str, lang: str) -> str:
    """Text as matplotlib must receive it to show correctly (Arabic shaped once, in order)."""
    if lang != "ar" or matplotlib_shapes_arabic():
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(text))


def render_static(
    risk: xr.Dataset,
    incidents: Any | None,
    out_png: Path,
    settings: Settings,
    lang: str | None = None,
    now: dt.datetime | None = None,
    pdf: Path | None = None,
    panels: bool = False,
    departures: xr.Dataset | None = None,
    layout: Layout | None = None,
) -> Path:
    """Draw the static map and write it as PNG (and PDF).

    Parameters
    ----------
    risk
        Risk dataset (see :mod:`seawatch.schema`); uses ``hazard_level`` of ``rubber_dinghy``
        (the first vessel class when absent) and ``land``.
    incidents
        Incidents GeoDataFrame or None; those of the 7 days before ``now`` are drawn.
    out_png
        PNG to write: 1200 px wide, at most 400 KB.
    settings
        Effective settings (``lang``, ``schedule.stale_after_hours``).
    lang
        ``"en"`` or ``"ar"``; default the configured language.
    now
        Reference time (default: the clock): the 24 h window starts at the first step at or after
        it; the data age and the incident window count from it.
    pdf
        Also write the same map as PDF here.
    panels
        Four daily panels (+0-24 h, 24-48 h, 48-72 h, 72-96 h) instead of one 24 h map.
    departures
        The departure dataset of ``risk`` (``departures.nc``, :mod:`seawatch.layers.departure`):
        when given, a timeline strip under the map shows the hazard at each departure area
        hour by hour over the next 72 h with its departure windows and traps, and the usual
        crossings are drawn on the map (those with a trap in the hours shown in magenta).
    layout
        Image width and smallest text; default 1200 px as designed for a desk.
        :func:`phone_layout` gives the e-mail's image, readable on a phone.

    Returns
    -------
    Path
        ``out_png`` (written atomically; a failure leaves the previous file).
    """
    lang = resolve_lang(lang, settings.lang)
    now = now_utc(now)
    check_risk(risk)
    info = forecast_info(risk, now, settings.schedule.stale_after_hours)
    fig = build_figure(risk, incidents, info, lang, now, panels, departures, layout)
    try:
        png = _png_bytes(fig, (layout or Layout()).palette)
        if pdf is not None:
            with atomic_path(pdf) as tmp:
                fig.savefig(tmp, format="pdf", dpi=DPI)
    finally:
        plt.close(fig)
    return atomic_write_bytes(out_png, png)


def _png_bytes(fig: Figure, palette: tuple[int, ...] = (256, 128, 64)) -> bytes:
    """PNG of ``fig`` at 1200 px as a palette image (256 colours, fewer if still over 400 KB).

    A palette PNG of the default map is about 85 KB against 225 KB in RGB (the morning e-mail
    carries one per language); the map's own colours (:func:`_exact_colours`) stay exact, only
    anti-aliased edges move to the nearest palette colour.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    for colours in palette:
        out = io.BytesIO()
        _palette_image(image, colours).save(out, format="PNG", optimize=True)
        if out.tell() <= MAX_PNG_BYTES:
            break
    return out.getvalue()


def _exact_colours() -> list[tuple[int, int, int]]:
    """Colours that carry meaning on the static map: hazard levels, land, sea, markers, text."""
    named = (
        *styles.HAZARD_COLOURS,
        styles.LAND_COLOUR,
        styles.SEA_COLOUR,
        styles.COAST_COLOUR,
        styles.SAR_COLOUR,
        styles.DEPARTURE_WINDOW_COLOUR,
        styles.DEPARTURE_TRAP_COLOUR,
        ROUTE_COLOUR,
        NO_DATA_COLOUR,
        *styles.PORT_COLOURS.values(),
        *styles.STATUS_COLOURS.values(),
        styles.UNKNOWN_STATUS_COLOUR,
        "#6a3d9a",  # demo banner
        "#ffffff",
        "#000000",
        "#222222",
        "#333333",
    )
    return list(dict.fromkeys(styles.hex_to_rgb(c) for c in named))


def _palette_image(image: Image.Image, colours: int) -> Image.Image:
    """``image`` reduced to ``colours`` colours: the exact colours, then median-cut ones.

    Each distinct colour goes to its nearest palette entry, computed here: Pillow's own mapping
    to a given palette looks colours up at reduced precision and can move an exact colour.
    """
    exact = _exact_colours()
    rest = image.quantize(
        colors=colours - len(exact), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    ).getpalette()[: 3 * (colours - len(exact))]
    palette = np.concatenate([np.asarray(exact, dtype=np.int32).ravel(), np.asarray(rest)])
    palette = palette.reshape(-1, 3).astype(np.int32)
    pixels = np.asarray(image, dtype=np.int32)
    keys = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
    unique, inverse = np.unique(keys.ravel(), return_inverse=True)
    rgb = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], axis=1)
    nearest = np.empty(len(unique), dtype=np.uint8)
    for start in range(0, len(unique), 8192):  # bounded memory: 8192 x 256 distances at a time
        chunk = rgb[start : start + 8192]
        distance = ((chunk[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + 8192] = distance.argmin(axis=1)
    out = Image.fromarray(nearest[inverse].reshape(keys.shape), mode="P")
    out.putpalette(palette.astype(np.uint8).ravel().tolist())
    return out


def build_figure(
    risk: xr.Dataset,
    incidents: Any | None,
    info: ForecastInfo,
    lang: str,
    now: dt.datetime,
    panels: bool = False,
    departures: xr.Dataset | None = None,
    layout: Layout | None = None,
) -> Figure:
    """The static map as a matplotlib Figure (1200 px wide at 100 dpi unless ``layout`` says).

    The layout is measured, not guessed: every header and footer text is wrapped to the figure
    width with the renderer's own text extents, the figure height follows from what it holds, and
    the names on the map are placed where they neither overlap nor leave the map (see
    :func:`place_labels`).
    """
    token = _LAYOUT.set(layout or Layout())
    try:
        return _build_figure(risk, incidents, info, lang, now, panels, departures)
    finally:
        _LAYOUT.reset(token)


def _build_figure(
    risk: xr.Dataset,
    incidents: Any | None,
    info: ForecastInfo,
    lang: str,
    now: dt.datetime,
    panels: bool,
    departures: xr.Dataset | None,
) -> Figure:
    tr = lambda key, **f: translate(key, lang, **f)  # noqa: E731
    vessels = vessels_of(risk)
    vessel = "rubber_dinghy" if "rubber_dinghy" in vessels else vessels[0]
    level = _sea_level(risk, vessel)
    times = risk["time"].values
    start_idx = first_index_at_or_after(times, now)
    start = pd.Timestamp(times[start_idx]).tz_localize("UTC").to_pydatetime()
    bounds = map_bounds(risk)
    west, south, east, north = bounds
    aspect = 1.0 / math.cos(math.radians((south + north) / 2))
    map_ratio = (north - south) * aspect / (east - west)

    width_in = _width_px() / DPI
    plt.rcParams["font.family"] = FONT
    fig = plt.figure(figsize=(width_in, 10.0), dpi=DPI)
    fig.patch.set_facecolor("white")
    renderer = fig.canvas.get_renderer()
    text_px = _width_px() - 2 * MARGIN_IN * DPI

    recent = incidents_since(incidents, now, 7) if incidents is not None else None
    vessel_label = tr(f"vessel.{vessel}").lower() if lang == "en" else tr(f"vessel.{vessel}")
    panel_windows = []
    if panels:
        title = tr("map.static_panels_title", vessel=vessel_label)
        title_size = _fs(15.0)
        for h0, h1 in PANEL_WINDOWS_H:
            window_start = start + dt.timedelta(hours=h0)
            worst, begin, _ = window_max(level, window_start, h1 - h0)
            text = tr("map.static_panel", h0=h0, h1=h1, start=format_utc(begin))
            panel_windows.append((h0, h1, window_start, worst, text))
    else:
        worst, begin, end = window_max(level, start, 24)
        title = ltr_marked(
            tr(
                "map.static_title",
                vessel=vessel_label,
                start=format_utc(begin),
                end=format_utc(end),
            ),
            lang,
        )
        title_size = _fs(13.5)
    subtitle = ltr_marked(
        tr(
            "map.static_subtitle",
            run=format_utc(info.reference_time) if info.reference_time else tr("age.unknown"),
            model=info.model or "?",
            source=info.source or "?",
            age=format_age(info.age_hours, lang),
            made=format_utc(now),
        ),
        lang,
    )
    # (artist, extra height in inches beyond the text's own extent, e.g. a banner's box)
    header: list[tuple[Any, float]] = []
    props = {"fontsize": title_size, "fontweight": "bold"}
    header.append((_fitted_text(fig, renderer, title, lang, text_px, gid="title", **props), 0.0))
    header.append(
        (
            _fitted_text(fig, renderer, subtitle, lang, text_px, fontsize=_fs(11), gid="subtitle"),
            0.0,
        )
    )
    for kind, key, colour in (
        ("demo", "banner.demo", "#6a3d9a"),
        ("stale", "banner.stale", "#d73027"),
    ):
        if (kind == "demo" and info.demo) or (kind == "stale" and info.stale):
            text = tr(key, age=format_age(info.age_hours, lang)) if kind == "stale" else tr(key)
            pad_in = 0.3 * 12 / 72  # the box's pad, 0.3 of the font size, on each side
            banner = _fitted_text(
                fig,
                renderer,
                text,
                lang,
                text_px - 2 * pad_in * DPI - 4,
                fontsize=_fs(12),
                color="white",
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.3", "fc": colour, "ec": colour},
                gid=f"banner-{kind}",
            )
            header.append((banner, 2 * pad_in + 0.02))

    strip = _timeline_data(departures, vessel, start)
    legends = _legend(fig, lang, recent, with_departures=departures is not None)
    credits = " · ".join(translate(k, lang) for k in ATTRIBUTION_KEYS)
    credit_text = _fitted_text(
        fig, renderer, credits, lang, text_px, fontsize=_fs(8.5), color="#333333"
    )

    # Heights in inches, measured with the renderer; text extents do not depend on the figure size.
    header_in = MARGIN_IN
    header_tops = []
    for artist, extra in header:
        header_tops.append(header_in + extra / 2)
        header_in += _height_in(artist, renderer) + extra + HEADER_GAP_IN
    rows = _legend_rows(legends, renderer, _width_px() - 2 * MARGIN_IN * DPI)
    credits_in = _height_in(credit_text, renderer)
    footer_in = MARGIN_IN + credits_in + FOOTER_GAP_IN
    row_heights = [max(_extent(lg, renderer).height for lg in row) / DPI for row in rows]
    footer_in += sum(row_heights) + FOOTER_GAP_IN * len(rows)

    strip_in = 0.0
    if strip is not None:
        strip_title = _fitted_text(
            fig,
            renderer,
            tr("map.timeline_title", vessel=vessel_label),
            lang,
            text_px,
            fontsize=_fs(10.5),
            fontweight="bold",
            gid="timeline-title",
        )
        row_in = max(0.2, 1.5 * _fs(9) / 72)
        strip_rows_in = row_in * len(strip.areas)
        strip_tick_in = 2.4 * _fs(9) / 72
        strip_in = strip_tick_in + strip_rows_in + _height_in(strip_title, renderer) + 0.1
        footer_in += strip_in
    avail_w = width_in - TICK_LEFT_IN - TICK_RIGHT_IN
    if panels:
        panel_w = (avail_w - PANEL_WSPACE_IN) / 2
        panel_h = panel_w * map_ratio
        if panel_h > MAX_MAP_HEIGHT_IN / 2:
            panel_h = MAX_MAP_HEIGHT_IN / 2
            panel_w = panel_h / map_ratio
        # a title wider than its panel (a narrow area, the phone's large text) breaks before
        # its date instead of running into the next panel or off the image
        panel_titles = [
            _panel_title(fig, renderer, text, lang, panel_w + PANEL_WSPACE_IN * 0.8)
            for *_, text in panel_windows
        ]
        title_lines = max(t.count("\n") + 1 for t in panel_titles)
        title_in = PANEL_TITLE_IN + (title_lines - 1) * 1.25 * _fs(12) / 72
        row_in = title_in + panel_h + TICK_BOTTOM_IN
        height_in = header_in + 2 * row_in + footer_in
    else:
        map_w = avail_w
        map_h = map_w * map_ratio
        if map_h > MAX_MAP_HEIGHT_IN:
            map_h = MAX_MAP_HEIGHT_IN
            map_w = map_h / map_ratio
        height_in = header_in + map_h + TICK_BOTTOM_IN + footer_in
    fig.set_size_inches(width_in, height_in)

    for (artist, _), top in zip(header, header_tops, strict=True):
        artist.set_position((0.5, 1 - top / height_in))
        artist.set_verticalalignment("top")
    y_in = MARGIN_IN
    credit_text.set_position((0.5, y_in / height_in))
    credit_text.set_verticalalignment("bottom")
    y_in += credits_in + FOOTER_GAP_IN
    for row, row_h in zip(reversed(rows), reversed(row_heights), strict=True):
        _place_legend_row(row, renderer, y_in + row_h, height_in)
        y_in += row_h + FOOTER_GAP_IN
    if strip is not None:
        strip_title.set_position((0.5, (y_in + strip_in - 0.05) / height_in))
        strip_title.set_verticalalignment("top")
        _draw_timeline(
            fig, strip, lang, now, (y_in + strip_tick_in, strip_rows_in), width_in, height_in
        )

    labels: list[MapLabel] = []
    obstacles: list[Any] = []
    if panels:
        left0 = TICK_LEFT_IN + (avail_w - (2 * panel_w + PANEL_WSPACE_IN)) / 2
        for k, (h0, h1, window_start, worst, _) in enumerate(panel_windows):
            row, col = divmod(k, 2)
            left = left0 + col * (panel_w + PANEL_WSPACE_IN)
            bottom = footer_in + (1 - row) * row_in + TICK_BOTTOM_IN
            ax = fig.add_axes(
                (left / width_in, bottom / height_in, panel_w / width_in, panel_h / height_in)
            )
            drawn = _draw_map(ax, risk, bounds, worst, recent, lang, aspect, small=True)
            _draw_routes(ax, departures, vessel, window_start, h1 - h0, small=True)
            labels += drawn[0]
            obstacles += drawn[1]
            ax.set_title(panel_titles[k], fontsize=_fs(12))
    else:
        left = TICK_LEFT_IN + (avail_w - map_w) / 2
        ax = fig.add_axes(
            (
                left / width_in,
                (footer_in + TICK_BOTTOM_IN) / height_in,
                map_w / width_in,
                map_h / height_in,
            )
        )
        labels, obstacles = _draw_map(ax, risk, bounds, worst, recent, lang, aspect, small=False)
        _draw_routes(ax, departures, vessel, start, 24, small=False)
    for ax in fig.axes:
        if ax.get_gid() != "timeline":
            _graticule(ax, renderer)
    place_labels(fig, labels, obstacles)
    return fig


MARGIN_IN = 0.12
"""White margin around the figure's content, inches."""
HEADER_GAP_IN = 0.08
FOOTER_GAP_IN = 0.1
TICK_LEFT_IN = 0.75
"""Room left of a map for latitude labels such as ``35°30′N`` at 9 pt (about 0.55 in)."""
TICK_RIGHT_IN = 0.35
"""Room right of a map for half of its last longitude label."""
TICK_BOTTOM_IN = 0.3
"""Room below a map for the longitude labels."""
PANEL_WSPACE_IN = 0.8
PANEL_TITLE_IN = 0.35
MAX_MAP_HEIGHT_IN = 11.0
"""Tallest map drawn (1100 px): a tall, narrow area is drawn narrower instead. Assumption: a
map taller than about two phone screens is not read as a whole."""
LABEL_PAD_PX = 3.0
"""Clear space kept around every name on the map, pixels."""
GRATICULE_STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200)
"""Graticule spacings in minutes of arc: whole minutes below a degree, round degrees above."""


def map_bounds(risk: xr.Dataset) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the grid cells' outer edges, degrees."""
    lat, lon = risk["lat"].values, risk["lon"].values
    dlat, dlon = float(lat[1] - lat[0]), float(lon[1] - lon[0])
    return (
        float(lon[0] - dlon / 2),
        float(lat[0] - dlat / 2),
        float(lon[-1] + dlon / 2),
        float(lat[-1] + dlat / 2),
    )


def _extent(artist: Any, renderer: Any) -> Any:
    return artist.get_window_extent(renderer)


def _height_in(artist: Any, renderer: Any) -> float:
    return float(_extent(artist, renderer).height) / DPI


def wrap_to_width(
    text: str, lang: str, max_px: float, measure: Any, separator: str = " · "
) -> list[str]:
    """Lines of ``text`` (logical order) each at most ``max_px`` wide as drawn.

    Breaks between the ``separator``-joined parts first (a subtitle's run, model, age), then
    between words; a single word wider than ``max_px`` keeps a line of its own.
    ``measure(line)`` gives the drawn width of a line in pixels.
    """

    def fits(line: str) -> bool:
        return measure(display_text(line, lang)) <= max_px

    if fits(text):
        return [text]
    lines: list[str] = []
    current = ""
    tail = separator.rstrip()  # ends a line broken between parts; counted in its width
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if fits(candidate + tail):
            current = candidate
            continue
        if current:
            lines.append(current + tail)
            current = ""
        if fits(part + tail):
            current = part
            continue
        for word in part.split(" "):
            candidate = f"{current} {word}" if current else word
            if fits(candidate) or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
    if current:
        lines.append(current)
    return lines


def _fitted_text(
    fig: Figure, renderer: Any, text: str, lang: str, max_px: float, **props: Any
) -> Any:
    """A centred figure text wrapped to ``max_px`` (position set later by the layout)."""
    artist = fig.text(0.5, 0.5, "", ha="center", va="top", **props)

    def measure(line: str) -> float:
        artist.set_text(line)
        return float(artist.get_window_extent(renderer).width)

    lines = wrap_to_width(text, lang, max_px, measure)
    artist.set_text("\n".join(display_text(line, lang) for line in lines))
    return artist


def _panel_title(fig: Figure, renderer: Any, text: str, lang: str, max_in: float) -> str:
    """A panel's title as drawn, on two lines (the date on the second) when one is wider
    than ``max_in``."""
    probe = fig.text(0, 0, "", fontsize=_fs(12))

    def width_in(line: str) -> float:
        probe.set_text(display_text(ltr_marked(line, lang), lang))
        return float(probe.get_window_extent(renderer).width) / DPI

    lines = [text]
    if width_in(text) > max_in and " (" in text:
        head, tail = text.split(" (", 1)
        lines = [head, f"({tail}"]
    probe.remove()
    return "\n".join(display_text(ltr_marked(line, lang), lang) for line in lines)


def _legend_rows(legends: list[Any], renderer: Any, max_px: float) -> list[list[Any]]:
    """The legends packed into rows, in order, each row at most ``max_px`` wide."""
    rows: list[list[Any]] = []
    width = 0.0
    for legend in legends:
        w = float(_extent(legend, renderer).width)
        if rows and width + FOOTER_GAP_IN * DPI + w <= max_px:
            rows[-1].append(legend)
            width += FOOTER_GAP_IN * DPI + w
        else:
            rows.append([legend])
            width = w
    return rows


def _place_legend_row(row: list[Any], renderer: Any, top_in: float, height_in: float) -> None:
    """Spread one row of legends across the figure, their tops ``top_in`` above its bottom."""
    widths = [float(_extent(lg, renderer).width) / DPI for lg in row]
    free = _width_px() / DPI - 2 * MARGIN_IN - sum(widths)
    gap = free / (len(row) - 1) if len(row) > 1 else 0.0
    x_in = MARGIN_IN if len(row) > 1 else MARGIN_IN + free / 2
    for legend, w in zip(row, widths, strict=True):
        legend.set_bbox_to_anchor((x_in / (_width_px() / DPI), top_in / height_in))
        x_in += w + gap


def _sea_level(risk: xr.Dataset, vessel: str) -> xr.DataArray:
    """Hazard level of one vessel class as float with land and fill values as NaN."""
    level = risk["hazard_level"].sel(vessel=vessel).astype(float)
    level = level.where((level >= 0) & (level <= len(HAZARD_LEVELS) - 1))
    if "land" in risk:
        level = level.where(risk["land"] != 1)
    return level.transpose("time", "lat", "lon")


def polygon_parts(geometry: shapely.Geometry) -> list[shapely.Polygon]:
    """The non-empty polygons of any geometry (a clip can leave collections, lines, nothing)."""
    parts = shapely.get_parts(geometry)
    out: list[shapely.Polygon] = []
    for part in parts:
        if part.is_empty:
            continue
        if isinstance(part, shapely.Polygon):
            out.append(part)
        elif hasattr(part, "geoms"):
            out += polygon_parts(part)
    return out


def line_parts(geometry: shapely.Geometry) -> list[np.ndarray]:
    """Coordinates (n, 2) of every non-empty line of any geometry (polygons give their rings)."""
    lines: list[np.ndarray] = []
    for part in shapely.get_parts(geometry):
        if part.is_empty:
            continue
        if isinstance(part, shapely.Polygon):
            lines += [np.asarray(r.coords) for r in (part.exterior, *part.interiors)]
        elif isinstance(part, shapely.LineString | shapely.LinearRing):
            lines.append(np.asarray(part.coords))
        elif hasattr(part, "geoms"):
            lines += line_parts(part)
    return lines


@dataclass
class MapLabel:
    """A name on the map and where it may go, best place first; lower ``rank`` wins a conflict."""

    artist: Any
    places: list[tuple[Any, ...]]
    rank: int
    companions: tuple[Any, ...] = ()
    """Artists shown and hidden with the label (the bars of the scale bar)."""
    marker: MarkerBox | None = None
    """The marker the name belongs to: it must be the nearest marker to the name."""
    near: int | None = None
    """How many of ``places`` are next to the marker; the others are tried only once every
    name has had its chance at a place next to its own marker."""


def _draw_map(
    ax: Any,
    risk: xr.Dataset,
    bounds: tuple[float, float, float, float],
    worst: xr.DataArray,
    incidents: Any | None,
    lang: str,
    aspect: float,
    small: bool,
) -> tuple[list[MapLabel], list[Any]]:
    """Draw one map; return its names to place and the artists they must not cover."""
    from seawatch.geo.coastline import coastline_geometry
    from seawatch.geo.regions import sar_regions

    lat, lon = risk["lat"].values, risk["lon"].values
    west, south, east, north = bounds
    dlat, dlon = float(lat[1] - lat[0]), float(lon[1] - lon[0])
    ax.set_facecolor(styles.SEA_COLOUR)
    cmap = ListedColormap(list(styles.HAZARD_COLOURS))
    norm = BoundaryNorm(np.arange(-0.5, len(HAZARD_LEVELS) + 0.5), cmap.N)
    values = np.ma.masked_invalid(worst.transpose("lat", "lon").values)
    lon_edges = np.concatenate([lon - dlon / 2, [lon[-1] + dlon / 2]])
    lat_edges = np.concatenate([lat - dlat / 2, [lat[-1] + dlat / 2]])
    ax.pcolormesh(
        lon_edges,
        lat_edges,
        values,
        cmap=cmap,
        norm=norm,
        shading="flat",
        gid="hazard",
        rasterized=True,
    )

    # Simplify to about half a pixel of the drawn map (the whole Mediterranean holds thousands of
    # islands): never finer than the former fixed 150 m / 300 m.
    map_px = 550.0 if small else 1100.0
    metres_per_px = (east - west) * METRES_PER_DEGREE * math.cos(math.radians(south)) / map_px
    tolerance = max(300.0 if small else 150.0, 0.5 * metres_per_px)
    land = polygon_parts(coastline_geometry((west, south, east, north), tolerance_m=tolerance))
    if land:
        # add_artist, not add_patch: the limits are set below, and fitting them to this path
        # takes seconds for the whole Mediterranean.
        ax.add_artist(
            PathPatch(
                _polygons_path(land),
                facecolor=styles.LAND_COLOUR,
                edgecolor=styles.COAST_COLOUR,
                linewidth=0.6,
                zorder=3,
                gid="land",
            )
        )
    view = shapely.box(west, south, east, north)
    for region in sar_regions().itertuples():
        for xy in line_parts(region.geometry.intersection(view).boundary):
            ax.plot(
                xy[:, 0],
                xy[:, 1],
                color=styles.SAR_COLOUR,
                linewidth=1.3,
                linestyle=(0, (6, 4)),
                zorder=4,
            )
    labels: list[MapLabel] = []
    obstacles: list[Any] = []
    if not small:
        sea = dict(zip(*[sar_regions(sea=True)[c] for c in ("id", "geometry")], strict=True))
        for region in sar_regions().itertuples():
            part = sea.get(region.id, region.geometry).intersection(view)
            places = _region_label_places(part, view)
            if not places:
                continue
            name = _region(region.id, "name", region.name, lang)
            rcc = _region(region.id, "rcc", region.rcc, lang)
            text = ax.text(
                *places[0],
                "\n".join(display_text(t, lang) for t in (name, rcc)),
                ha="center",
                va="center",
                multialignment="center",
                fontsize=_fs(9),
                color=styles.SAR_COLOUR,
                zorder=6,
                gid=f"sar-{region.id}",
                bbox={
                    "boxstyle": "round,pad=0.2",
                    "fc": "white",
                    "ec": styles.SAR_COLOUR,
                    "alpha": 0.8,
                },
            )
            labels.append(MapLabel(text, [(x, y) for x, y in places], rank=0))
    for rank, port in enumerate(ports_by_label_priority(), start=1):
        x, y = port.geometry.x, port.geometry.y
        if not (west <= x <= east and south <= y <= north):
            continue
        size = 30 if not small else 16
        ax.scatter(
            [x],
            [y],
            marker="s",
            s=size,
            c=styles.PORT_COLOURS.get(port.kind, "#444"),
            edgecolors="#222222",
            linewidths=0.8,
            zorder=7,
        )
        obstacles.append(MarkerBox(ax, x, y, math.sqrt(size) + 1.6))
        if not small:
            name = port.name_ar if lang == "ar" and port.name_ar else port.name
            text = ax.annotate(
                display_text(name, lang),
                (x, y),
                xytext=PORT_LABEL_PLACES[0][:2],
                textcoords="offset points",
                ha=PORT_LABEL_PLACES[0][2],
                va=PORT_LABEL_PLACES[0][3],
                fontsize=_fs(8),
                zorder=8,
                color="#222222",
                gid=f"port-{port.id}",
                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
            )
            labels.append(
                MapLabel(
                    text,
                    list(PORT_LABEL_PLACES),
                    # the main towns' names before the SAR labels, which have other places
                    rank=-1 if port.id in PORT_LABEL_FIRST else rank,
                    marker=obstacles[-1],
                    near=PORT_LABEL_NEAR,
                )
            )
    if incidents is not None and len(incidents):
        colours = [styles.status_colour(s) for s in incidents["status"]]
        ax.scatter(
            incidents["lon"].astype(float),
            incidents["lat"].astype(float),
            s=42 if not small else 22,
            c=colours,
            edgecolors="white",
            linewidths=0.9,
            zorder=9,
            gid="incidents",
        )
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect)
    ax.tick_params(labelsize=_fs(8 if small else 9))
    ax.grid(color="#5a6b7b", linewidth=0.4, alpha=0.5, linestyle=":")
    scale_text, bars = _scale_bar(ax, west, south, east, north, lang, small)
    # Placed first: a map too narrow for the scale bar's label goes without the bar.
    labels.append(MapLabel(scale_text, [scale_text.get_position()], rank=-2, companions=bars))
    return labels, obstacles


@dataclass(frozen=True)
class MarkerBox:
    """The square a marker of ``size_pt`` points (edge included) covers at a data point."""

    ax: Any
    x: float
    y: float
    size_pt: float

    def get_window_extent(self, renderer: Any = None) -> Bbox:
        cx, cy = self.ax.transData.transform((self.x, self.y))
        half = self.size_pt * DPI / 72 / 2
        return Bbox.from_extents(cx - half, cy - half, cx + half, cy + half)


PORT_LABEL_PLACES: tuple[tuple[float, float, str, str], ...] = (
    (6, 1, "left", "bottom"),
    (6, -1, "left", "top"),
    (-6, 1, "right", "bottom"),
    (-6, -1, "right", "top"),
    (0, 6, "center", "bottom"),
    (0, -6, "center", "top"),
    (6, 0, "left", "center"),
    (-6, 0, "right", "center"),
    # diagonally, clear of a neighbour's marker at the same latitude (Tajoura, east of Tripoli)
    (4, 5, "left", "bottom"),
    (-4, 5, "right", "bottom"),
    (4, -5, "left", "top"),
    (-4, -5, "right", "top"),
    # farther out, where a crowded stretch of coast (the wider default area) leaves no room
    (4, -9, "left", "top"),
    (-4, -9, "right", "top"),
    (0, -15, "center", "top"),
    (4, 9, "left", "bottom"),
    (-4, 9, "right", "bottom"),
    (0, 15, "center", "bottom"),
)
"""Where a port's name may go: offset from the marker (points) and alignment, best first.

No place is farther than 15 pt: a name farther out reads as its neighbour's (Zawiya's name was
drawn 21 pt below its marker, under Sabratha's, once the coast filled up)."""
PORT_LABEL_NEAR = 12
"""The first places of :data:`PORT_LABEL_PLACES` touch the marker (6 pt off at most)."""


def _region_label_places(
    part: shapely.Geometry, view: shapely.Polygon
) -> list[tuple[float, float]]:
    """Points for a region's name: its pole of inaccessibility, then others by distance."""
    polygons = polygon_parts(part)
    if not polygons:
        return []
    best = polylabel(max(polygons, key=lambda p: p.area), tolerance=0.05)
    # Other candidates: a grid over the region's own extent, so a small region has some too.
    west, south, east, north = shapely.MultiPolygon(polygons).bounds
    xs, ys = np.meshgrid(np.linspace(west, east, 13)[1:-1], np.linspace(south, north, 13)[1:-1])
    inside = shapely.contains_xy(shapely.MultiPolygon(polygons), xs, ys)
    others = sorted(
        zip(xs[inside].tolist(), ys[inside].tolist(), strict=True),
        key=lambda p: math.hypot(p[0] - best.x, p[1] - best.y),
    )
    return [(best.x, best.y), *others]


def place_labels(fig: Figure, labels: list[MapLabel], obstacles: list[Any]) -> None:
    """Put each name at its first place that stays inside its map and clear of names and markers.

    Names are placed by rank (the scale bar, the main towns, SAR regions, then the other ports by
    :func:`ports_by_label_priority`); one with no free place is hidden rather than drawn over another or cut by the map's edge.
    A port's name goes next to its marker first, every port having its turn, and only then
    farther out; its own marker is always the nearest one. Extents come from the renderer, so
    they are the drawn text's own, padded by :data:`LABEL_PAD_PX`.
    """
    placer = _Placer(fig.canvas.get_renderer(), obstacles)
    ranked = sorted(labels, key=lambda lb: lb.rank)
    # Placed in one pass, an early name taking a far place pushed a later one off its marker
    # (Sabratha's name below Zawiya's marker, Zawiya's 21 pt farther down).
    left = [
        lb
        for lb in ranked
        if not placer.put(lb, lb.places[: lb.near]) and not placer.make_room(lb, ranked)
    ]
    for label in left:
        if label.near is None or not placer.put(label, label.places[label.near :]):
            for hidden in (label.artist, *label.companions):
                hidden.set_visible(False)


class _Placer:
    """Boxes taken on a figure (markers, the scale bar, placed names) and where names went."""

    ROOM_PX = 60.0
    """Neighbours within this distance may move aside for a name (assumption, to calibrate:
    about two names' height plus a marker on the 1200 px map)."""

    def __init__(self, renderer: Any, obstacles: list[Any]) -> None:
        self.renderer = renderer
        # Names keep LABEL_PAD_PX from each other and the scale bar, 1 px from port markers.
        self.fixed = [
            _extent(o, renderer).padded(1.0 if isinstance(o, MarkerBox) else LABEL_PAD_PX)
            for o in obstacles
        ]
        self.markers = [o for o in obstacles if isinstance(o, MarkerBox)]
        self.boxes: dict[int, Bbox] = {}
        self.places: dict[int, Any] = {}

    def fits(self, label: MapLabel, place: Any) -> Bbox | None:
        """The padded box of ``label`` at ``place`` if it is free there, else None."""
        artist = label.artist
        _move(artist, place)
        box = _label_extent(artist, self.renderer)
        frame = artist.axes.get_window_extent(self.renderer)
        inside = (
            box.x0 >= frame.x0 + LABEL_PAD_PX
            and box.y0 >= frame.y0 + LABEL_PAD_PX
            and box.x1 <= frame.x1 - LABEL_PAD_PX
            and box.y1 <= frame.y1 - LABEL_PAD_PX
        )
        if (
            inside
            and not any(_overlap(box, other) for other in self.fixed)
            and not any(
                _overlap(box, other) for key, other in self.boxes.items() if key != id(label)
            )
            and _nearest_is_own(box, label.marker, self.markers, self.renderer)
        ):
            return box.padded(LABEL_PAD_PX)
        return None

    def put(self, label: MapLabel, places: list[Any]) -> bool:
        """Put ``label`` at the first free one of ``places``."""
        for place in places:
            box = self.fits(label, place)
            if box is not None:
                self.boxes[id(label)] = box
                self.places[id(label)] = place
                self.fixed += [
                    c.get_window_extent(self.renderer).padded(1.0) for c in label.companions
                ]
                return True
        return False

    def make_room(self, label: MapLabel, ranked: list[MapLabel]) -> bool:
        """Move one neighbouring port name to another place next to its marker, so that
        ``label`` fits next to its own (Tripoli's name to the west, Tajoura's to the east)."""
        if label.marker is None or label.near is None:
            return False
        here = label.marker.get_window_extent(self.renderer)
        for other in ranked:
            key = id(other)
            if (
                key not in self.places
                or other.marker is None
                or other.near is None
                or other.marker.ax is not label.marker.ax
                or _gap(here, other.marker.get_window_extent(self.renderer)) > self.ROOM_PX
            ):
                continue
            old_place, old_box = self.places[key], self.boxes.pop(key)
            for place in other.places[: other.near]:
                if place == old_place:
                    continue
                box = self.fits(other, place)
                if box is None:
                    continue
                self.boxes[key] = box
                if self.put(label, label.places[: label.near]):
                    self.places[key] = place
                    _move(other.artist, place)
                    return True
                del self.boxes[key]
            self.boxes[key] = old_box
            _move(other.artist, old_place)
        return False


def _move(artist: Any, place: tuple[Any, ...]) -> None:
    """Set a name's offset (and alignment, for a port's ``(dx, dy, ha, va)``)."""
    if len(place) == 4:
        artist.set_position(place[:2])
        artist.set_horizontalalignment(place[2])
        artist.set_verticalalignment(place[3])
    else:
        artist.set_position(place)


def _nearest_is_own(
    box: Bbox, own: MarkerBox | None, markers: list[MarkerBox], renderer: Any
) -> bool:
    """True if no other marker on the same map is as near to ``box`` as ``own`` (centres)."""
    if own is None:
        return True
    transform = own.ax.transData.transform
    mine = _gap_to_point(box, *transform((own.x, own.y)))
    return all(
        _gap_to_point(box, *transform((m.x, m.y))) > mine
        for m in markers
        if m is not own and m.ax is own.ax
    )


def _gap_to_point(box: Bbox, x: float, y: float) -> float:
    """Distance from a point to a box in pixels (0 inside)."""
    return math.hypot(max(box.x0 - x, x - box.x1, 0.0), max(box.y0 - y, y - box.y1, 0.0))


def _gap(a: Bbox, b: Bbox) -> float:
    """Distance between two boxes in pixels (0 when they touch or overlap)."""
    dx = max(b.x0 - a.x1, a.x0 - b.x1, 0.0)
    dy = max(b.y0 - a.y1, a.y0 - b.y1, 0.0)
    return math.hypot(dx, dy)


def _overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _label_extent(artist: Any, renderer: Any) -> Any:
    """Window extent of a text including its box, if it has one."""
    box = artist.get_window_extent(renderer)
    patch = artist.get_bbox_patch()
    if patch is None:
        return box
    artist.update_bbox_position_size(renderer)
    return Bbox.union([box, patch.get_window_extent(renderer)])


def _polygons_path(polygons: list[shapely.Polygon]) -> MplPath:
    """One compound path of many polygons (one patch draws far faster than thousands).

    Rings are oriented (exteriors counter-clockwise, holes clockwise) so that the non-zero fill
    leaves lakes and holes open.
    """
    vertices, codes = [], []
    for polygon in polygons:
        polygon = shapely.orient_polygons(polygon)
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)
            if len(coords) < 4:
                continue
            vertices.append(coords)
            ring_codes = np.full(len(coords), MplPath.LINETO, dtype=MplPath.code_type)
            ring_codes[0], ring_codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            codes.append(ring_codes)
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def graticule_ticks(low: float, high: float, max_ticks: int) -> tuple[np.ndarray, int]:
    """Graticule positions (degrees) between ``low`` and ``high`` and their spacing in minutes.

    The spacing is the finest of :data:`GRATICULE_STEPS_MIN` that gives at most ``max_ticks``
    lines, so every label differs from its neighbours once written in degrees and minutes.
    """
    for step in GRATICULE_STEPS_MIN:
        first = math.ceil(low * 60 / step - 1e-9)
        last = math.floor(high * 60 / step + 1e-9)
        if last - first + 1 <= max(max_ticks, 1):
            return np.arange(first, last + 1) * step / 60.0, step
    step = GRATICULE_STEPS_MIN[-1]
    return np.arange(math.ceil(low * 60 / step), math.floor(high * 60 / step) + 1) * step / 60, step


def format_degrees(value: float, hemispheres: str) -> str:
    """``35°N``, ``12°30′E``: whole minutes of arc, shown only when not zero."""
    minutes = round(abs(value) * 60)
    hemi = hemispheres[0] if value >= 0 else hemispheres[1]
    if minutes == 0:
        return "0°"
    degrees, rest = divmod(minutes, 60)
    return f"{degrees}°{rest:02d}′{hemi}" if rest else f"{degrees}°{hemi}"


def _graticule(ax: Any, renderer: Any) -> None:
    """Graticule lines and labels spaced for this map's size (run after the layout is final)."""
    frame = ax.get_window_extent(renderer)
    west, east = ax.get_xlim()
    south, north = ax.get_ylim()
    # Room per label: ~9 characters of 9 pt across, about four text lines up (assumption, checked by
    # the overlap test).
    grow = _fs(9) / 9
    xticks, _ = graticule_ticks(west, east, int(frame.width // (85 * grow)))
    yticks, _ = graticule_ticks(south, north, int(frame.height // (55 * grow)))
    ax.xaxis.set_major_locator(FixedLocator(xticks))
    ax.yaxis.set_major_locator(FixedLocator(yticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_degrees(v, "EW")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_degrees(v, "NS")))


def _region(region_id: str, field: str, fallback: str, lang: str) -> str:
    try:
        return translate(f"sar.{region_id}.{field}", lang)
    except KeyError:
        return fallback


def _scale_bar(
    ax: Any, west: float, south: float, east: float, north: float, lang: str, small: bool
) -> tuple[Any, tuple[Any, ...]]:
    """A bar of a round number of nautical miles in the lower left corner: (label, bars)."""
    y = south + 0.06 * (north - south)
    x0 = west + 0.04 * (east - west)
    nm_per_deg_lon = METRES_PER_DEGREE * math.cos(math.radians(y)) / NM_M
    target = 0.2 * (east - west) * nm_per_deg_lon
    choices = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500)
    nm = max((v for v in choices if v <= target), default=choices[0])
    length = nm / nm_per_deg_lon
    black = ax.add_patch(
        Rectangle(
            (x0, y), length, 0.012 * (north - south), facecolor="black", zorder=10, gid="scalebar"
        )
    )
    white = ax.add_patch(
        Rectangle(
            (x0 + length / 2, y),
            length / 2,
            0.012 * (north - south),
            facecolor="white",
            edgecolor="black",
            zorder=10,
        )
    )
    text = ax.text(
        x0 + length / 2,
        y + 0.022 * (north - south),
        display_text(translate("map.scale_nm", lang, nm=nm), lang),
        ha="center",
        va="bottom",
        fontsize=_fs(8 if small else 10),
        fontweight="bold",
        zorder=10,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )
    return text, (black, white)


def _legend(
    fig: Figure, lang: str, incidents: Any | None, with_departures: bool = False
) -> list[Any]:
    """The three legends (hazard, places, incidents), unplaced: the layout puts them in rows."""
    tr = lambda key, **f: display_text(translate(key, lang, **f), lang)  # noqa: E731
    hazard = [
        Patch(
            facecolor=c,
            edgecolor="#555555",
            label=tr(f"hazard.{n}") + " – " + tr(f"hazard.{n}.meaning"),
        )
        for n, c in zip(HAZARD_LEVELS, styles.HAZARD_COLOURS, strict=True)
    ]
    other = [
        Line2D(
            [],
            [],
            marker="s",
            linestyle="",
            markerfacecolor=c,
            markeredgecolor="#222222",
            markersize=7,
            label=tr(f"port.{k}"),
        )
        for k, c in styles.PORT_COLOURS.items()
    ]
    other.append(
        Line2D([], [], color=styles.SAR_COLOUR, linestyle=(0, (6, 4)), label=tr("legend.sar"))
    )
    if with_departures:
        other += [
            Line2D([], [], color=ROUTE_COLOUR, linewidth=1.0, label=tr("map.legend.route")),
            Line2D(
                [],
                [],
                color=styles.DEPARTURE_TRAP_COLOUR,
                linewidth=2.2,
                label=tr("map.legend.route_trap"),
            ),
            Patch(facecolor=styles.DEPARTURE_WINDOW_COLOUR, label=tr("map.legend.window")),
            Patch(facecolor=styles.DEPARTURE_TRAP_COLOUR, label=tr("map.legend.trap")),
            Patch(facecolor=NO_DATA_COLOUR, edgecolor="#555555", label=tr("map.legend.no_data")),
        ]
    statuses = []
    if incidents is not None and len(incidents):
        present = {str(s).lower() for s in incidents["status"]}
        statuses = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=c,
                markeredgecolor="white",
                markersize=8,
                label=tr(f"status.{s}"),
            )
            for s, c in styles.STATUS_COLOURS.items()
            if s in present
        ]
    common = {"loc": "upper left", "bbox_to_anchor": (0.0, 1.0), "frameon": False}
    legends = [
        fig.legend(
            handles=hazard,
            fontsize=_fs(10),
            title=tr("legend.hazard_for") + " " + tr("vessel.rubber_dinghy"),
            title_fontsize=_fs(10),
            ncols=2 if _width_px() >= WIDTH_PX else 1,
            **common,
        ),
        fig.legend(handles=other, fontsize=_fs(9.5), ncols=1, **common),
    ]
    title = tr("map.incidents_7d") if statuses else tr("map.no_incidents")
    legends.append(
        fig.legend(
            handles=statuses or [Line2D([], [], linestyle="")],
            fontsize=_fs(9.5),
            title=title,
            title_fontsize=_fs(10),
            ncols=2,
            **common,
        )
    )
    return legends


ROUTE_COLOUR = "#3d4f5f"
NO_DATA_COLOUR = "#bdbdbd"
TIMELINE_HOURS = 72
"""Hours the timeline strip shows from the first step at or after the reference time."""


@dataclass(frozen=True)
class Timeline:
    """What the timeline strip draws: departure areas (west to east) by hour."""

    areas: list[str]
    names: list[str]
    names_ar: list[str]
    times: pd.DatetimeIndex
    step: pd.Timedelta
    level: np.ndarray
    """(area, time) departure level, NaN where unknown."""
    window: np.ndarray
    trap: np.ndarray


def _timeline_data(
    departures: xr.Dataset | None, vessel: str, start: dt.datetime
) -> Timeline | None:
    """The strip's data for ``vessel`` over :data:`TIMELINE_HOURS` from ``start``."""
    if departures is None or not departures.sizes.get("area"):
        return None
    vessels = [str(v) for v in departures["vessel"].values]
    if vessel not in vessels:
        return None
    times = pd.DatetimeIndex(departures["time"].values)
    begin = pd.Timestamp(start).tz_convert("UTC").tz_localize(None)
    keep = (times >= begin) & (times < begin + pd.Timedelta(hours=TIMELINE_HOURS))
    if not keep.any():
        return None
    one = departures.sel(vessel=vessel).isel(time=np.flatnonzero(keep))
    order = np.argsort(one["area_lon"].values, kind="stable")
    one = one.isel(area=order)
    from seawatch.geo.regions import departure_areas

    arabic = dict(
        zip(
            departure_areas()["id"].astype(str),
            departure_areas()["name_ar"].astype(str),
            strict=True,
        )
    )
    level = one["departure_level"].transpose("area", "time").values.astype(float)
    level[(level < 0) | ~np.isfinite(level)] = np.nan
    areas = [str(a) for a in one["area"].values]
    names = [str(n) for n in one["area_name"].values]
    step = pd.Timedelta(times[1] - times[0]) if len(times) > 1 else pd.Timedelta(hours=1)
    return Timeline(
        areas=areas,
        names=names,
        names_ar=[arabic.get(a, n) for a, n in zip(areas, names, strict=True)],
        times=pd.DatetimeIndex(one["time"].values),
        step=step,
        level=level,
        window=one["window"].transpose("area", "time").values == 1,
        trap=one["area_trap"].transpose("area", "time").values == 1,
    )


def _draw_timeline(
    fig: Figure,
    strip: Timeline,
    lang: str,
    now: dt.datetime,
    bottom_height_in: tuple[float, float],
    width_in: float,
    height_in: float,
) -> None:
    """The strip: one row per departure area, one column per hour; colour = hazard at the
    departure area; a blue bar under the hours of departure windows and a magenta bar over
    the hours that are traps; day ticks with the weekday and a mark at the reference time."""
    bottom_in, rows_in = bottom_height_in
    names = strip.names_ar if lang == "ar" else strip.names
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, "", fontsize=_fs(9))
    label_in = 0.0
    for name in names:
        probe.set_text(display_text(name, lang))
        label_in = max(label_in, probe.get_window_extent(renderer).width / DPI)
    probe.remove()
    left_in = MARGIN_IN + label_in + 0.08
    right_in = MARGIN_IN + 0.1
    if lang == "ar":  # names on the right, where an Arabic reader starts
        left_in, right_in = right_in, left_in
    ax = fig.add_axes(
        (
            left_in / width_in,
            bottom_in / height_in,
            (width_in - left_in - right_in) / width_in,
            rows_in / height_in,
        ),
        gid="timeline",
    )
    hours = (strip.times - strip.times[0]) / pd.Timedelta(hours=1)
    step_h = strip.step / pd.Timedelta(hours=1)
    x_edges = np.concatenate([hours, [hours[-1] + step_h]])
    y_edges = np.arange(len(names) + 1)
    cmap = ListedColormap(list(styles.HAZARD_COLOURS))
    norm = BoundaryNorm(np.arange(-0.5, len(HAZARD_LEVELS) + 0.5), cmap.N)
    ax.set_facecolor(NO_DATA_COLOUR)
    ax.pcolormesh(
        x_edges, y_edges, np.ma.masked_invalid(strip.level), cmap=cmap, norm=norm,
        edgecolors="none", rasterized=True, gid="timeline-hazard",
    )  # fmt: skip
    for row in range(len(names)):
        for marks, colour, y0, gid in (
            (strip.window[row], styles.DEPARTURE_WINDOW_COLOUR, 0.68, "window"),
            (strip.trap[row], styles.DEPARTURE_TRAP_COLOUR, 0.04, "trap"),
        ):
            for a, b in _true_runs(marks):
                ax.add_patch(
                    Rectangle(
                        (x_edges[a], row + y0), x_edges[b] - x_edges[a], 0.28,
                        facecolor=colour, edgecolor="none", zorder=3, gid=f"timeline-{gid}",
                    )
                )  # fmt: skip
    for y in y_edges[1:-1]:
        ax.axhline(y, color="white", linewidth=0.8, zorder=4)
    ax.set_xlim(x_edges[0], x_edges[-1])
    ax.set_ylim(len(names), 0)
    ax.set_yticks(np.arange(len(names)) + 0.5)
    ax.set_yticklabels([display_text(n, lang) for n in names], fontsize=_fs(9))
    if lang == "ar":
        ax.yaxis.tick_right()
    ax.tick_params(axis="y", length=0)
    first = strip.times[0]
    midnights = [t for t in pd.date_range(first.ceil("D"), strip.times[-1], freq="D")]
    day_x = [(t - first) / pd.Timedelta(hours=1) for t in midnights]
    ax.set_xticks(day_x)
    ax.set_xticklabels(
        [
            display_text(f"{translate(f'mail.weekday.{t.weekday()}', lang)} {t.day}", lang)
            for t in midnights
        ],
        fontsize=_fs(9),
    )
    ax.set_xticks(np.arange(0, x_edges[-1] + 1e-9, 6), minor=True)
    ax.tick_params(axis="x", which="minor", length=3)
    ax.tick_params(axis="x", which="major", length=7)
    for x in day_x:
        ax.axvline(x, color="#222222", linewidth=0.9, zorder=5)
    now_x = (pd.Timestamp(now).tz_convert("UTC").tz_localize(None) - first) / pd.Timedelta(hours=1)
    if x_edges[0] <= now_x <= x_edges[-1]:
        ax.axvline(now_x, color="black", linewidth=1.6, linestyle=(0, (3, 2)), zorder=6)
        # beside the line, towards the middle: centred on a line near the strip's edge it ran
        # into the area names (one row, the phone's large text)
        ax.text(
            now_x, -0.05, display_text(f" {translate('map.timeline_now', lang)} ", lang),
            transform=ax.get_xaxis_transform(), va="bottom",
            ha="left" if now_x <= (x_edges[0] + x_edges[-1]) / 2 else "right",
            fontsize=_fs(8.5), gid="timeline-now", clip_on=False,
        )  # fmt: skip
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _true_runs(marks: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], np.asarray(marks, bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _draw_routes(
    ax: Any,
    departures: xr.Dataset | None,
    vessel: str,
    start: dt.datetime,
    hours: float,
    small: bool,
) -> None:
    """The usual crossings; those with a trap for ``vessel`` in [start, start + hours) in
    magenta and thicker."""
    if departures is None or not departures.sizes.get("route"):
        return
    from seawatch.geo.regions import routes

    times = pd.DatetimeIndex(departures["time"].values)
    begin = pd.Timestamp(start).tz_convert("UTC").tz_localize(None)
    inside = np.flatnonzero((times >= begin) & (times < begin + pd.Timedelta(hours=hours)))
    trapped: set[str] = set()
    if vessel in [str(v) for v in departures["vessel"].values] and inside.size:
        trap = departures["trap"].sel(vessel=vessel).isel(time=inside)
        trapped = {str(r) for r in trap["route"].values[trap.values.any(axis=-1)]}
    known = {str(r) for r in departures["route"].values}
    for route in routes().itertuples():
        if route.id not in known:
            continue
        xy = np.asarray(route.geometry.coords)
        hot = route.id in trapped
        ax.plot(
            xy[:, 0], xy[:, 1],
            color=styles.DEPARTURE_TRAP_COLOUR if hot else ROUTE_COLOUR,
            linewidth=(2.2 if hot else 1.0) * (0.7 if small else 1.0),
            linestyle="-" if hot else (0, (4, 2)),
            zorder=5 if hot else 4.5,
            gid=f"route-{route.id}" + ("-trap" if hot else ""),
        )  # fmt: skip
