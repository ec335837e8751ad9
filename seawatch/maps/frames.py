"""Raster frames for the interactive map: class grids → paletted PNGs in Web Mercator rows.

Leaflet stretches an image overlay linearly between its corners in projected (Web Mercator)
coordinates, so a frame's rows must be spaced evenly in Mercator y, not in latitude. Each grid is
resampled (nearest cell) onto rows evenly spaced in Mercator y; columns stay the grid's
longitudes. Frames are 8-bit paletted PNGs: a handful of classes compress to a few kB.

Hazard frames also carry *which rule set the level*: every (level, drivers) pair present gets its
own palette entry whose colour differs from the level colour only in the two lowest bits of each
channel (invisible), so the map's click handler reads level and drivers back from one pixel.

Point data for popups, arrows and contours travel as *field atlases*: one 8-bit grey PNG per
variable holding every time step on a coarser node grid, quantized with a scale and offset.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from seawatch.maps.styles import hex_to_rgb

EARTH_RADIUS_M = 6378137.0  # WGS84 / Web Mercator sphere radius
MISSING = 255  # atlas byte for "no value"


def mercator_y(lat: np.ndarray | float) -> np.ndarray:
    """Web Mercator northing (m) of latitudes (degrees), EPSG:3857."""
    phi = np.radians(np.asarray(lat, dtype=float))
    return EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + phi / 2))


def cell_edges(centres: np.ndarray) -> tuple[float, float]:
    """Outer edges (degrees) of a regular ascending axis of cell centres."""
    step = float(centres[1] - centres[0])
    return float(centres[0] - step / 2), float(centres[-1] + step / 2)


@dataclass(frozen=True)
class MercatorRows:
    """Row resampling of a latitude axis onto rows evenly spaced in Mercator y.

    Attributes
    ----------
    source_rows
        For each output row, top (north) first, the index of the grid row it shows.
    south, north
        Latitude (degrees) of the image's bottom and top edges.
    """

    source_rows: np.ndarray
    south: float
    north: float

    @property
    def height(self) -> int:
        return int(self.source_rows.size)


def mercator_rows(lat: np.ndarray, oversample: float = 1.3) -> MercatorRows:
    """Output rows for a regular ascending latitude axis.

    Parameters
    ----------
    lat
        Cell-centre latitudes (degrees, ascending, evenly spaced).
    oversample
        Output rows per grid row; above the largest Mercator stretch ratio inside the grid so
        that no grid row is skipped (1.3 covers 0-60 degrees N/S).
    """
    south, north = cell_edges(lat)
    height = max(2, int(np.ceil(lat.size * oversample)))
    y_top, y_bottom = mercator_y(north), mercator_y(south)
    centres_y = y_top - (np.arange(height) + 0.5) * (y_top - y_bottom) / height
    centres_lat = np.degrees(2 * np.arctan(np.exp(centres_y / EARTH_RADIUS_M)) - np.pi / 2)
    step = float(lat[1] - lat[0])
    rows = np.clip(np.floor((centres_lat - south) / step).astype(int), 0, lat.size - 1)
    return MercatorRows(rows, south, north)


def row_of_lat(rows: MercatorRows, lat: float) -> int:
    """Image row (top = 0) that shows latitude ``lat`` (degrees)."""
    y_top, y_bottom = mercator_y(rows.north), mercator_y(rows.south)
    frac = (y_top - float(mercator_y(lat))) / (y_top - y_bottom)
    return int(np.clip(np.floor(frac * rows.height), 0, rows.height - 1))


# zlib level 6: frames about 10 % larger than at level 9 (or optimize=True), but the demo's
# 663 frames encode in 0.4 s instead of 3.7 s (measured); the wall time of a build counts more.
PNG_LEVEL = 6


def encode_png(
    indices: np.ndarray, palette: Sequence[tuple[int, int, int, int]], level: int = PNG_LEVEL
) -> bytes:
    """Paletted PNG of an index image (uint8, top row first); palette entries are RGBA.

    ``level`` is the zlib level (:data:`PNG_LEVEL`; 9 where bytes count more than time).
    """
    image = Image.fromarray(np.ascontiguousarray(indices, dtype=np.uint8), mode="P")
    flat_rgb = [c for rgba in palette for c in rgba[:3]]
    image.putpalette(flat_rgb, rawmode="RGB")
    alpha = bytes(rgba[3] for rgba in palette)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=level, transparency=alpha)
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for embedding."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def class_frame(
    classes: np.ndarray,
    rows: MercatorRows,
    colours: Sequence[str],
    alpha: int = 255,
    level: int = PNG_LEVEL,
) -> bytes:
    """PNG of a class grid ``(lat, lon)`` (ascending lat; -1 = not drawn) in Mercator rows."""
    image = np.asarray(classes)[rows.source_rows[::1], :]
    indices = np.where(image < 0, 0, image + 1).astype(np.uint8)
    palette = [(0, 0, 0, 0)] + [(*hex_to_rgb(c), alpha) for c in colours]
    return encode_png(indices, palette, level)


@dataclass
class HazardPalette:
    """Palette of hazard frames: entry → (level, driver bits), shared by every frame.

    Entry 0 is transparent (land or no data). Each (level, bits) pair seen gets the level's colour
    with the pair's serial number hidden in the two low bits of R, G and B (64 pairs per level).
    """

    colours: Sequence[str]
    entries: dict[tuple[int, int], int]
    rgba: list[tuple[int, int, int, int]]

    @classmethod
    def empty(cls, colours: Sequence[str]) -> HazardPalette:
        palette = cls(colours=colours, entries={}, rgba=[(0, 0, 0, 0)])
        for level in range(len(colours)):
            palette.index(level, -1)  # "rule not recorded": the fallback of every level
        return palette

    def index(self, level: int, bits: int) -> int:
        key = (int(level), int(bits))
        found = self.entries.get(key)
        if found is not None:
            return found
        serial = sum(1 for lv, _ in self.entries if lv == level)
        if serial >= 64 or len(self.rgba) >= 256:
            # Out of hidden codes: keep the colour right, lose the rule (shown as "not recorded").
            return self.entries[(int(level), -1)]
        r, g, b = hex_to_rgb(self.colours[level])
        code = (
            (r & ~3) | (serial & 3),
            (g & ~3) | ((serial >> 2) & 3),
            (b & ~3) | ((serial >> 4) & 3),
        )
        self.rgba.append((*code, 255))
        self.entries[key] = len(self.rgba) - 1
        return self.entries[key]

    def lookup(self) -> dict[str, list[int]]:
        """``"r,g,b"`` → ``[level, bits]`` for the map's click handler (bits -1 = unknown)."""
        return {
            f"{self.rgba[i][0]},{self.rgba[i][1]},{self.rgba[i][2]}": [lv, bits]
            for (lv, bits), i in self.entries.items()
        }


def hazard_indices(
    level: np.ndarray, drivers: np.ndarray | None, rows: MercatorRows, palette: HazardPalette
) -> np.ndarray:
    """Palette indices of one hazard grid ``(lat, lon)`` in Mercator rows (top row first)."""
    lv = np.asarray(level, dtype=float)[rows.source_rows, :]
    valid = np.isfinite(lv) & (lv >= 0) & (lv <= len(palette.colours) - 1)
    lv_int = np.where(valid, lv, 0).astype(np.int64)
    if drivers is None:
        bits = np.full(lv_int.shape, -1, dtype=np.int64)
    else:
        raw = np.asarray(drivers, dtype=float)[rows.source_rows, :]
        bits = np.where(np.isfinite(raw), raw, -1).astype(np.int64)
    keys = lv_int * (1 << 32) + (bits + 1)
    out = np.zeros(lv_int.shape, dtype=np.uint8)
    for key in np.unique(keys[valid]):
        level_value, bit_value = int(key >> 32), int(key & 0xFFFFFFFF) - 1
        out[valid & (keys == key)] = palette.index(level_value, bit_value)
    return out


@dataclass(frozen=True)
class Quantizer:
    """Linear 8-bit coding of one variable: ``byte = round((value - offset) / scale)``."""

    scale: float
    offset: float

    def encode(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        coded = np.round((values - self.offset) / self.scale)
        coded = np.clip(coded, 0, MISSING - 1)
        coded[~np.isfinite(values)] = MISSING
        return coded.astype(np.uint8)

    def decode(self, coded: np.ndarray) -> np.ndarray:
        coded = np.asarray(coded)
        out = coded.astype(float) * self.scale + self.offset
        out[coded == MISSING] = np.nan
        return out


# Scale/offset of each context variable in the field atlases (units as in the risk dataset).
QUANTIZERS: dict[str, Quantizer] = {
    "hs": Quantizer(0.1, 0.0),  # m, 0-25.4
    "period": Quantizer(0.1, 0.0),  # s, 0-25.4
    "u10": Quantizer(0.5, -63.5),  # m/s, +-63.5
    "v10": Quantizer(0.5, -63.5),
    "gust": Quantizer(0.5, 0.0),  # m/s, 0-127
    "uo": Quantizer(0.02, -2.54),  # m/s, +-2.54
    "vo": Quantizer(0.02, -2.54),
    "sst": Quantizer(0.2, -5.0),  # degC, -5 to 45.8
    "survival_hours": Quantizer(0.1, 0.0),  # h, 0-25.4 (longer shown as "> 25 h")
}


def atlas_png(field: np.ndarray, quantizer: Quantizer) -> bytes:
    """Grey PNG of a ``(time, lat, lon)`` field: row ``t * nlat + j`` (j south→north), column i."""
    coded = quantizer.encode(field)
    nt, ny, nx = coded.shape
    image = Image.fromarray(coded.reshape(nt * ny, nx), mode="L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def node_stride(resolution_deg: float, target_deg: float = 0.25) -> int:
    """Integer subsampling of the risk grid for atlas nodes (about ``target_deg`` apart)."""
    return max(1, round(target_deg / resolution_deg))
