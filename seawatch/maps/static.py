"""The static map for the morning e-mail: ``map.png`` (1200 px wide, at most 400 KB) and ``map.pdf``.

matplotlib, no tiles: the bundled GSHHG coastline, SAR regions, ports, the worst capsize hazard
for overloaded rubber dinghies over the next 24 h (or four daily panels, +0-24 h to +72-96 h),
incidents of the last 7 days, a title with the model run and data age, a legend in words, a
scale bar in nautical miles and the data credits. Readable on a phone.

Arabic: matplotlib's bundled DejaVu Sans has the Arabic letters and their presentation forms;
matplotlib 3.11 shapes and orders Arabic itself. With an older matplotlib that does not,
:func:`display_text` reshapes (arabic-reshaper) and reorders (python-bidi) the text first; which
case applies is found by rendering a lam-alef and comparing it with the ligature glyph.
"""

from __future__ import annotations

import datetime as dt
import io
import math
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
from PIL import Image

from seawatch.config import Settings
from seawatch.i18n import resolve_lang, translate
from seawatch.maps import styles
from seawatch.maps.context import (
    ATTRIBUTION_KEYS,
    ForecastInfo,
    check_risk,
    first_index_at_or_after,
    forecast_info,
    format_age,
    format_utc,
    incidents_since,
    now_utc,
    vessels_of,
    window_max,
)
from seawatch.schema import HAZARD_LEVELS
from seawatch.storage import atomic_path, atomic_write_bytes

WIDTH_PX = 1200
DPI = 100
MAX_PNG_BYTES = 400_000
FONT = "DejaVu Sans"
PANEL_WINDOWS_H: tuple[tuple[int, int], ...] = ((0, 24), (24, 48), (48, 72), (72, 96))
NM_M = 1852.0
METRES_PER_DEGREE = 111_320.0


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

    Returns
    -------
    Path
        ``out_png`` (written atomically; a failure leaves the previous file).
    """
    lang = resolve_lang(lang, settings.lang)
    now = now_utc(now)
    check_risk(risk)
    info = forecast_info(risk, now, settings.schedule.stale_after_hours)
    fig = build_figure(risk, incidents, info, lang, now, panels)
    try:
        png = _png_bytes(fig)
        if pdf is not None:
            with atomic_path(pdf) as tmp:
                fig.savefig(tmp, format="pdf", dpi=DPI)
    finally:
        plt.close(fig)
    return atomic_write_bytes(out_png, png)


def _png_bytes(fig: Figure) -> bytes:
    """PNG of ``fig`` at 1200 px, quantized to a palette so it stays well under 400 KB."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    if out.tell() <= MAX_PNG_BYTES:
        return out.getvalue()
    for colours in (256, 128, 64):
        out = io.BytesIO()
        image.quantize(
            colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        ).save(out, format="PNG", optimize=True)
        if out.tell() <= MAX_PNG_BYTES:
            break
    return out.getvalue()


def build_figure(
    risk: xr.Dataset,
    incidents: Any | None,
    info: ForecastInfo,
    lang: str,
    now: dt.datetime,
    panels: bool = False,
) -> Figure:
    """The static map as a matplotlib Figure (1200 px wide at 100 dpi)."""
    tr = lambda key, **f: display_text(translate(key, lang, **f), lang)  # noqa: E731
    vessels = vessels_of(risk)
    vessel = "rubber_dinghy" if "rubber_dinghy" in vessels else vessels[0]
    level = _sea_level(risk, vessel)
    times = risk["time"].values
    start_idx = first_index_at_or_after(times, now)
    start = pd.Timestamp(times[start_idx]).tz_localize("UTC").to_pydatetime()

    lat, lon = risk["lat"].values, risk["lon"].values
    west, east = float(lon[0]), float(lon[-1])
    south, north = float(lat[0]), float(lat[-1])
    aspect = 1.0 / math.cos(math.radians((south + north) / 2))
    map_ratio = (north - south) * aspect / (east - west)
    width_in = WIDTH_PX / DPI
    height_in = width_in * map_ratio / 2 * 2 + 3.4 if panels else width_in * 0.78 * map_ratio + 3.2
    fig = plt.figure(figsize=(width_in, height_in), dpi=DPI)
    fig.patch.set_facecolor("white")
    plt.rcParams["font.family"] = FONT

    recent = incidents_since(incidents, now, 7) if incidents is not None else None
    vessel_label = (
        translate(f"vessel.{vessel}", lang).lower()
        if lang == "en"
        else translate(f"vessel.{vessel}", lang)
    )
    top = 1.0 - 1.05 / height_in
    if panels:
        fig.suptitle(
            tr("map.static_panels_title", vessel=vessel_label),
            x=0.5,
            y=1 - 0.25 / height_in,
            fontsize=15,
            fontweight="bold",
        )
        grid = fig.add_gridspec(
            2, 2, left=0.05, right=0.99, top=top, bottom=2.1 / height_in, wspace=0.08, hspace=0.16
        )
        for k, (h0, h1) in enumerate(PANEL_WINDOWS_H):
            ax = fig.add_subplot(grid[k // 2, k % 2])
            window_start = start + dt.timedelta(hours=h0)
            worst, begin, _ = window_max(level, window_start, h1 - h0)
            _draw_map(ax, risk, worst, recent, lang, aspect, small=True)
            ax.set_title(tr("map.static_panel", h0=h0, h1=h1, start=format_utc(begin)), fontsize=12)
    else:
        worst, begin, end = window_max(level, start, 24)
        fig.suptitle(
            tr(
                "map.static_title",
                vessel=vessel_label,
                start=format_utc(begin),
                end=format_utc(end),
            ),
            x=0.5,
            y=1 - 0.25 / height_in,
            fontsize=13.5,
            fontweight="bold",
        )
        ax = fig.add_axes((0.06, 2.1 / height_in, 0.92, top - 2.1 / height_in))
        _draw_map(ax, risk, worst, recent, lang, aspect, small=False)

    subtitle = tr(
        "map.static_subtitle",
        run=format_utc(info.reference_time)
        if info.reference_time
        else translate("age.unknown", lang),
        model=info.model or "?",
        source=info.source or "?",
        age=format_age(info.age_hours, lang),
        made=format_utc(now),
    )
    fig.text(0.5, 1 - 0.62 / height_in, subtitle, ha="center", va="center", fontsize=11)
    banner_y = 1 - 0.92 / height_in
    for kind, key, colour in (
        ("demo", "banner.demo", "#6a3d9a"),
        ("stale", "banner.stale", "#d73027"),
    ):
        if (kind == "demo" and info.demo) or (kind == "stale" and info.stale):
            text = tr(key, age=format_age(info.age_hours, lang)) if kind == "stale" else tr(key)
            fig.text(
                0.5,
                banner_y,
                text,
                ha="center",
                va="center",
                fontsize=12,
                color="white",
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.3", "fc": colour, "ec": colour},
                gid=f"banner-{kind}",
            )
            banner_y -= 0.32 / height_in
    _legend(fig, lang, recent, height_in)
    credits = " · ".join(translate(k, lang) for k in ATTRIBUTION_KEYS)
    fig.text(
        0.5,
        0.18 / height_in,
        display_text(credits, lang),
        ha="center",
        va="center",
        fontsize=8.5,
        color="#333333",
        wrap=True,
    )
    return fig


def _sea_level(risk: xr.Dataset, vessel: str) -> xr.DataArray:
    """Hazard level of one vessel class as float with land and fill values as NaN."""
    level = risk["hazard_level"].sel(vessel=vessel).astype(float)
    level = level.where((level >= 0) & (level <= len(HAZARD_LEVELS) - 1))
    if "land" in risk:
        level = level.where(risk["land"] != 1)
    return level.transpose("time", "lat", "lon")


def _draw_map(
    ax: Any,
    risk: xr.Dataset,
    worst: xr.DataArray,
    incidents: Any | None,
    lang: str,
    aspect: float,
    small: bool,
) -> None:
    from seawatch.geo.coastline import coastline_geometry
    from seawatch.geo.regions import ports, sar_regions

    lat, lon = risk["lat"].values, risk["lon"].values
    dlat, dlon = float(lat[1] - lat[0]), float(lon[1] - lon[0])
    west, east = float(lon[0] - dlon / 2), float(lon[-1] + dlon / 2)
    south, north = float(lat[0] - dlat / 2), float(lat[-1] + dlat / 2)
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

    land = coastline_geometry((west, south, east, north), tolerance_m=300.0 if small else 150.0)
    for polygon in shapely.get_parts(land):
        ax.add_patch(
            PathPatch(
                _polygon_path(polygon),
                facecolor=styles.LAND_COLOUR,
                edgecolor=styles.COAST_COLOUR,
                linewidth=0.6,
                zorder=3,
            )
        )
    view = shapely.box(west, south, east, north)
    for region in sar_regions().itertuples():
        part = region.geometry.intersection(view)
        for line in shapely.get_parts(part.boundary if not part.is_empty else part):
            xs, ys = line.xy
            ax.plot(xs, ys, color=styles.SAR_COLOUR, linewidth=1.3, linestyle=(0, (6, 4)), zorder=4)
    if not small:
        sea = dict(zip(*[sar_regions(sea=True)[c] for c in ("id", "geometry")], strict=True))
        for region in sar_regions().itertuples():
            part = sea.get(region.id, region.geometry).intersection(view.buffer(-0.2))
            if part.is_empty:
                continue
            from seawatch.maps.interactive import label_point

            point = label_point(part)
            name = _region(region.id, "name", region.name, lang)
            rcc = _region(region.id, "rcc", region.rcc, lang)
            ax.text(
                point.x,
                point.y,
                display_text(f"{name}\n{rcc}", lang),
                ha="center",
                va="center",
                fontsize=9,
                color=styles.SAR_COLOUR,
                zorder=6,
                bbox={
                    "boxstyle": "round,pad=0.2",
                    "fc": "white",
                    "ec": styles.SAR_COLOUR,
                    "alpha": 0.8,
                },
            )
    for port in ports().itertuples():
        x, y = port.geometry.x, port.geometry.y
        if not (west <= x <= east and south <= y <= north):
            continue
        ax.scatter(
            [x],
            [y],
            marker="s",
            s=30 if not small else 16,
            c=styles.PORT_COLOURS.get(port.kind, "#444"),
            edgecolors="#222222",
            linewidths=0.8,
            zorder=7,
        )
        if not small:
            name = port.name_ar if lang == "ar" and port.name_ar else port.name
            ax.annotate(
                display_text(name, lang),
                (x, y),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8,
                zorder=8,
                color="#222222",
                path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
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
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: _deg(v, "EW")))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: _deg(v, "NS")))
    ax.tick_params(labelsize=8 if small else 9)
    ax.grid(color="#5a6b7b", linewidth=0.4, alpha=0.5, linestyle=":")
    _scale_bar(ax, west, south, east, north, lang, small)


def _polygon_path(polygon: shapely.Polygon) -> MplPath:
    vertices, codes = [], []
    for ring in (polygon.exterior, *polygon.interiors):
        coords = np.asarray(ring.coords)
        vertices.append(coords)
        codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _deg(value: float, hemispheres: str) -> str:
    hemi = hemispheres[0] if value >= 0 else hemispheres[1]
    return f"{abs(value):.0f}°{hemi}"


def _region(region_id: str, field: str, fallback: str, lang: str) -> str:
    try:
        return translate(f"sar.{region_id}.{field}", lang)
    except KeyError:
        return fallback


def _scale_bar(
    ax: Any, west: float, south: float, east: float, north: float, lang: str, small: bool
) -> None:
    """A bar of a round number of nautical miles in the lower left corner."""
    y = south + 0.06 * (north - south)
    x0 = west + 0.04 * (east - west)
    nm_per_deg_lon = METRES_PER_DEGREE * math.cos(math.radians(y)) / NM_M
    target = 0.2 * (east - west) * nm_per_deg_lon
    nm = max(v for v in (10, 20, 25, 50, 100, 200, 500) if v <= max(target, 10))
    length = nm / nm_per_deg_lon
    ax.add_patch(
        Rectangle(
            (x0, y), length, 0.012 * (north - south), facecolor="black", zorder=10, gid="scalebar"
        )
    )
    ax.add_patch(
        Rectangle(
            (x0 + length / 2, y),
            length / 2,
            0.012 * (north - south),
            facecolor="white",
            edgecolor="black",
            zorder=10,
        )
    )
    ax.text(
        x0 + length / 2,
        y + 0.022 * (north - south),
        display_text(translate("map.scale_nm", lang, nm=nm), lang),
        ha="center",
        va="bottom",
        fontsize=8 if small else 10,
        fontweight="bold",
        zorder=10,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )


def _legend(fig: Figure, lang: str, incidents: Any | None, height_in: float) -> None:
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
    y = 1.2 / height_in
    fig.legend(
        handles=hazard,
        loc="center left",
        bbox_to_anchor=(0.02, y),
        fontsize=10,
        frameon=False,
        title=tr("legend.hazard_for") + " " + tr("vessel.rubber_dinghy"),
        title_fontsize=10,
        ncols=2,
    )
    fig.legend(
        handles=other, loc="center", bbox_to_anchor=(0.62, y), fontsize=9.5, frameon=False, ncols=1
    )
    title = tr("map.incidents_7d") if statuses else tr("map.no_incidents")
    fig.legend(
        handles=statuses or [Line2D([], [], linestyle="")],
        loc="center right",
        bbox_to_anchor=(0.99, y),
        fontsize=9.5,
        frameon=False,
        title=title,
        title_fontsize=10,
        ncols=2,
    )
