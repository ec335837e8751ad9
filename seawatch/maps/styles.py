"""Colours and classes shared by the interactive and the static map (one palette for both).

Hazard levels use a sequential pale-green → yellow → orange → red → maroon ramp (ColorBrewer
RdYlGn ends, darkened at the top) so that "extreme" stays distinguishable from "severe" in
grey-scale print and for the common red-green colour deficiencies (lightness falls at each step).

References
----------
Brewer, C. A. (2003). ColorBrewer, https://colorbrewer2.org (colour ramps, CC-BY-like licence).
"""

from __future__ import annotations

import numpy as np

from seawatch.schema import HAZARD_LEVELS

HAZARD_COLOURS: tuple[str, ...] = ("#d9f0d3", "#fee08b", "#fc8d59", "#d73027", "#67001f")
"""Fill colour of hazard levels 0..4 (low, moderate, high, severe, extreme)."""

HAZARD_TEXT_COLOURS: tuple[str, ...] = ("#000000", "#000000", "#000000", "#ffffff", "#ffffff")
"""Text colour readable on each hazard fill (legends, popups)."""

HAZARD_OPACITY = 0.6
"""Opacity of the hazard raster over the sea on the interactive map (0-1)."""

RISK_BINS: tuple[float, ...] = (0.05, 0.2, 0.4, 0.6, 0.8)
"""Lower edges of the risk classes low..extreme (risk 0-1); below the first: not drawn."""

SURVIVAL_BINS_H: tuple[float, ...] = (1.0, 3.0, 6.0, 12.0)
"""Upper edges (hours) of survival classes <1, 1-3, 3-6, 6-12; the last class is >= 12 h."""

SURVIVAL_COLOURS: tuple[str, ...] = ("#08306b", "#2171b5", "#6baed6", "#c6dbef", "#f7fbff")
"""Dark blue (minutes to live in the water) to white (half a day or more)."""

STATUS_COLOURS: dict[str, str] = {
    "distress": "#e31a1c",
    "intercepted": "#ff7f00",
    "rescued": "#33a02c",
    "capsized": "#000000",
    "sunk": "#6a3d9a",
    "missing": "#b15928",
    "closed": "#808080",
}
"""Incident marker colour by status; anything else is drawn grey."""

UNKNOWN_STATUS_COLOUR = "#999999"

PORT_COLOURS: dict[str, str] = {"departure": "#fdb863", "arrival": "#80cdc1"}
"""Fill of the square port symbols (departure points sand, disembarkation ports teal)."""
SAR_COLOUR = "#1f4e79"
COAST_COLOUR = "#555555"
LAND_COLOUR = "#efe9dc"
SEA_COLOUR = "#dbe9f4"
WIND_COLOUR = "#222222"
CURRENT_COLOUR = "#0b5cad"
CONTOUR_COLOUR = "#3b3b98"

HS_CONTOUR_LEVELS_M: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)
"""Significant wave height contours (m): 0.5 m steps where the hazard thresholds change."""


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` → ``(r, g, b)`` with 0-255 integers."""
    colour = colour.lstrip("#")
    return (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))


def blend_over(colour: str, under: str, opacity: float) -> str:
    """``colour`` drawn at ``opacity`` over ``under``, as the browser composites it (``#rrggbb``)."""
    top, base = hex_to_rgb(colour), hex_to_rgb(under)
    mixed = (round(opacity * t + (1 - opacity) * b) for t, b in zip(top, base, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def status_colour(status: str | None) -> str:
    """Marker colour of an incident status (case-insensitive)."""
    return STATUS_COLOURS.get(str(status or "").strip().lower(), UNKNOWN_STATUS_COLOUR)


def risk_class(risk: np.ndarray) -> np.ndarray:
    """Risk 0-1 → class -1 (not drawn, or NaN), 0..4 (low..extreme), as int8."""
    risk = np.asarray(risk, dtype=float)
    classes = np.digitize(np.nan_to_num(risk, nan=-1.0), RISK_BINS) - 1
    return classes.astype(np.int8)


def survival_class(hours: np.ndarray) -> np.ndarray:
    """Survival hours → class 0..4 (<1, 1-3, 3-6, 6-12, >=12 h); -1 where NaN, as int8."""
    hours = np.asarray(hours, dtype=float)
    classes = np.digitize(np.nan_to_num(hours, nan=np.inf), SURVIVAL_BINS_H).astype(np.int8)
    classes[~np.isfinite(hours)] = -1
    return classes


assert len(HAZARD_COLOURS) == len(HAZARD_LEVELS) == len(RISK_BINS)
assert len(SURVIVAL_COLOURS) == len(SURVIVAL_BINS_H) + 1

DEPARTURE_WINDOW_COLOUR = "#2166ac"
"""Marks a departure window (boats likely to leave): a blue outside the hazard ramp."""

DEPARTURE_TRAP_COLOUR = "#c51b7d"
"""Marks a departure trap (the sea turns deadly on the way): magenta, apart from the hazard reds."""

UNKNOWN_ROUTE_COLOUR = "#8c8c8c"
"""A route whose en-route hazard is unknown (crossing beyond the forecast)."""

DENSITY_COLOURS: tuple[str, ...] = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
"""Incident density classes (ColorBrewer Purples): apart from the hazard and survival ramps."""
