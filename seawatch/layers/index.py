"""The capsize index of every vessel class on one block of the regridded forecast.

:func:`index_block` is what :func:`seawatch.layers.risk.build_risk` applies to each block
(all of an in-memory forecast, or one time chunk of a dask-backed one). It chains the sea-state
kernels of :mod:`seawatch.layers.seastate` and the rules of
:func:`seawatch.layers.capsize.hazard` on tiles of :data:`TILE` cells, so the two dozen
intermediate arrays of one tile stay in the processor cache instead of each making a pass over
the whole block through memory; that is what lets the whole-Mediterranean build keep up with
reading its inputs.

Which sea the steepness rule measures (:class:`SeaChoice`)
    The wind-sea partition (``hs_windsea``, peak period from ``tm_windsea``, direction
    ``dir_windsea``) where it is known and not zero, else the total sea (``hs``; ``tp``, else
    ``tm`` converted to a peak period; ``wave_dir``). Waves without a known direction travel
    with the wind. See :mod:`seawatch.layers.seastate` for why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from seawatch.layers import seastate
from seawatch.layers.capsize import Parameter, VesselRules, hazard

TILE = 1 << 17
"""Sea cells per tile: the tile's few dozen float32 arrays stay in the processor cache."""

INT_FILL = -1

INPUTS = (
    "hs", "tp", "tm", "hs_windsea", "tm_windsea", "wave_dir", "wave_dir_sin", "wave_dir_cos",
    "dir_windsea", "dir_windsea_sin", "dir_windsea_cos", "u10", "v10", "gust", "uo", "vo",
    "wind_rise",
)  # fmt: skip
"""Inputs :func:`index_block` understands: the regridded forecast (directions as angles in
degrees or as the sine and cosine of the angle) and the wind rise."""


@dataclass(frozen=True)
class SeaChoice:
    """Which forecast variables the steepness and current rules use, and the numbers they need.

    ``tm_ratio`` converts ``tm`` to a peak period when the forecast has no ``tp`` (None: use
    ``tp``, or no period at all); ``windsea_ratio`` converts ``tm_windsea`` (None: no wind-sea
    partition).
    """

    rules: VesselRules
    tm_ratio: float | None
    windsea_ratio: float | None
    steepness_min_hs: float
    blocking: float
    max_height_factor: float
    steepness_cap: float

    def inputs(self, available: Iterable[str]) -> list[str]:
        """The names of :data:`INPUTS` among ``available`` that the rules use, in order."""
        present = set(available)
        unused = set()
        if "tp" in present or self.tm_ratio is None:
            unused.add("tm")
        if self.windsea_ratio is None:
            unused |= {"hs_windsea", "tm_windsea", "dir_windsea", "dir_windsea_sin",
                       "dir_windsea_cos"}  # fmt: skip
        return [name for name in INPUTS if name in present and name not in unused]

    @classmethod
    def from_table(
        cls,
        vessels: Sequence[str],
        table: Mapping[str, Parameter],
        tm_ratio: float | None,
        windsea_ratio: float | None,
    ) -> SeaChoice:
        def number(key: str) -> float:
            return float(table[key].value)  # type: ignore[arg-type]

        return cls(
            rules=VesselRules.for_vessels(vessels, table),
            tm_ratio=tm_ratio,
            windsea_ratio=windsea_ratio,
            steepness_min_hs=number("steepness_min_hs"),
            blocking=number("current_blocking"),
            max_height_factor=number("current_max_height_factor"),
            steepness_cap=number("steepness_cap"),
        )


def index_block(
    *arrays: np.ndarray, names: Sequence[str], choice: SeaChoice
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hazard of every vessel class, for one block.

    Parameters
    ----------
    *arrays : numpy.ndarray
        The inputs named by ``names`` (float32, broadcastable to one shape ``(..., lat, lon)``,
        SI units as in the canonical forecast; ``wind_rise`` in m s-1) and, last, the land mask
        over (lat, lon), True on land. Only sea cells are computed.
    names : sequence of str
        Names of ``arrays`` but the last, from :data:`INPUTS`; missing ones are unknown
        (NaN), except a missing current, which is no current.
    choice : SeaChoice
        The table's numbers and the period conversions.

    Returns
    -------
    level, score, drivers : numpy.ndarray
        int8, float32 and int16, each with a last axis of one entry per vessel class of
        ``choice``. Land and cells without data have level and drivers -1 and score NaN.
    """

    def tile_hazard(tile: Mapping[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        _, hs, hs_eff, s_eff, s_still, speed, beaufort = _sea_state(tile, choice)
        rise, gust = _get(tile, "wind_rise"), _get(tile, "gust")
        return hazard(hs_eff, s_eff, speed, rise, gust, choice.rules, hs, s_still, beaufort)

    n = len(choice.rules.vessels)
    level, score, bits = _over_sea_tiles(
        arrays, names, tile_hazard, [(n, np.int8, INT_FILL), (n, np.float32, np.nan),
                                     (n, np.int16, INT_FILL)],
    )  # fmt: skip
    return level, score, bits


def sea_state_block(
    *arrays: np.ndarray, names: Sequence[str], choice: SeaChoice
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sea state the rules of :func:`index_block` judge, for one block.

    Same inputs as :func:`index_block`. Returns ``period`` [s] (peak period of the sea used for
    steepness), ``hs_eff`` [m] and ``steepness`` [1] (effective, capped), float32, NaN on land.
    """

    def tile_sea(tile: Mapping[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        period, _, hs_eff, s_eff, *_ = _sea_state(tile, choice)
        return period, hs_eff, s_eff

    out = _over_sea_tiles(arrays, names, tile_sea, [(0, np.float32, np.nan)] * 3)
    return out[0], out[1], out[2]


def _over_sea_tiles(
    arrays: Sequence[np.ndarray],
    names: Sequence[str],
    compute: Callable[[Mapping[str, np.ndarray]], Sequence[np.ndarray]],
    outputs: Sequence[tuple[int, type, float]],
) -> list[np.ndarray]:
    """Run ``compute`` on tiles of sea cells and put its results back on the grid.

    ``outputs`` gives, per result, the number of vessel classes (0: no vessel axis), the dtype
    and the fill value of land cells. A tile is the sea cells of a few rows (time steps),
    gathered into contiguous buffers, about :data:`TILE` cells in all.
    """
    *values, land = arrays
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    rows, plane = int(np.prod(shape[:-2])), int(np.prod(shape[-2:]))
    inputs = {
        name: np.broadcast_to(np.asarray(a, dtype=np.float32), shape).reshape(rows, plane)
        for name, a in zip(names, values, strict=True)
    }
    sea = np.flatnonzero(~np.broadcast_to(land, shape[-2:]).reshape(-1))
    results = [np.full((max(n, 1), rows, plane), fill, dtype) for n, dtype, fill in outputs]
    cells = max(1, min(sea.size, TILE))
    step = max(1, TILE // cells)
    buffers = {name: np.empty(step * cells, np.float32) for name in inputs}
    for r0 in range(0, rows, step):
        tile_rows = range(r0, min(r0 + step, rows))
        for c0 in range(0, sea.size, cells):
            where = sea[c0 : c0 + cells]
            k = where.size
            tile = {}
            for name, a in inputs.items():
                tile[name] = buffers[name][: k * len(tile_rows)]
                for i, row in enumerate(tile_rows):
                    np.take(a[row], where, out=tile[name][i * k : (i + 1) * k], mode="wrap")
            for result, value in zip(results, compute(tile), strict=True):
                value = value.reshape(-1, len(tile_rows), k)
                for v in range(result.shape[0]):
                    for i, row in enumerate(tile_rows):
                        result[v, row][where] = value[v, i]
    return [
        np.moveaxis(r.reshape(r.shape[0], *shape), 0, -1) if n else r.reshape(shape)
        for r, (n, _, _) in zip(results, outputs, strict=True)
    ]


def _unknown(tile: Mapping[str, np.ndarray]) -> np.ndarray:
    """NaN for every cell of ``tile``: an input the forecast does not have."""
    size = next(iter(tile.values())).size if tile else 0
    return np.full(size, np.nan, np.float32)


def _get(tile: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    return tile[name] if name in tile else _unknown(tile)


def _direction(tile: Mapping[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of the "from" direction ``name``, given as an angle or as components."""
    if name in tile:
        return seastate.direction_components_kernel(tile[name])
    return _get(tile, f"{name}_sin"), _get(tile, f"{name}_cos")


def _wave_direction(
    tile: Mapping[str, np.ndarray], wind_sea: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of where the judged sea comes from: the wind sea's where it is known."""
    windsea_dir = "dir_windsea" in tile or "dir_windsea_sin" in tile
    if wind_sea is None or not windsea_dir:
        return _direction(tile, "wave_dir")
    if "dir_windsea" in tile and "wave_dir" in tile:  # both angles: choose, then one sin/cos
        return seastate.direction_components_kernel(
            np.where(wind_sea, tile["dir_windsea"], tile["wave_dir"])
        )
    from_sin, from_cos = _direction(tile, "wave_dir")
    ws_sin, ws_cos = _direction(tile, "dir_windsea")
    return np.where(wind_sea, ws_sin, from_sin), np.where(wind_sea, ws_cos, from_cos)


def _sea_state(tile: Mapping[str, np.ndarray], choice: SeaChoice) -> tuple[np.ndarray, ...]:
    """Period, hs, hs_eff, s_eff, steepness without current, wind speed and Beaufort number."""
    hs = _get(tile, "hs")
    if "tp" in tile:
        period = tile["tp"]
    elif "tm" in tile and choice.tm_ratio is not None:
        period = tile["tm"] * np.float32(choice.tm_ratio)
    else:
        period = _unknown(tile)
    hs_sea, wind_sea = hs, None
    if choice.windsea_ratio is not None and "hs_windsea" in tile and "tm_windsea" in tile:
        hs_ws, tm_ws = tile["hs_windsea"], tile["tm_windsea"]
        wind_sea = (hs_ws > 0) & (tm_ws > 0)
        period = np.where(wind_sea, tm_ws * np.float32(choice.windsea_ratio), period)
        hs_sea = np.where(wind_sea, hs_ws, hs)
    from_sin, from_cos = _wave_direction(tile, wind_sea)
    if "u10" in tile and "v10" in tile:
        u10, v10 = tile["u10"], tile["v10"]
        speed = seastate.wind_speed_kernel(u10, v10)
        # Waves without a direction travel with the wind ("from" where the wind comes from).
        unknown = np.isnan(from_sin) | np.isnan(from_cos)
        if unknown.any():
            from_sin, from_cos = from_sin.copy(), from_cos.copy()
            with np.errstate(divide="ignore", invalid="ignore"):
                blows = speed[unknown] > 1e-3
                from_sin[unknown] = np.where(blows, -u10[unknown] / speed[unknown], 0.0)
                from_cos[unknown] = np.where(blows, -v10[unknown] / speed[unknown], 0.0)
    else:
        speed = _unknown(tile)
    beaufort = choice.rules.beaufort(speed)
    steep = seastate.wave_steepness_kernel(hs_sea, period)
    # The steepness rule judges the wave system whose steepness it measured: centimetre ripples
    # of a young wind sea on a swell are steep but harmless (NaN heights keep NaN).
    np.putmask(steep, hs_sea < choice.steepness_min_hs, np.float32(0.0))
    if "uo" in tile and "vo" in tile:
        east, north = seastate.direction_vector_kernel(from_sin, from_cos)
        u_opp = seastate.opposing_current_kernel(tile["uo"], tile["vo"], east, north)
    else:
        u_opp = np.zeros_like(hs)
    h_factor, s_factor = seastate.current_factors_kernel(
        period, u_opp, choice.blocking, choice.max_height_factor
    )
    hs_eff, s_eff = seastate.effective_sea_state_kernel(
        hs, steep, h_factor, s_factor, choice.steepness_cap
    )
    s_still = np.clip(steep, None, np.float32(choice.steepness_cap))
    return period, hs, hs_eff, s_eff, s_still, speed, beaufort
