"""Sea-state physics for small craft: wavelength, steepness, wave-current interaction, wind.

Pure functions on :class:`xarray.DataArray` (numpy- or dask-backed) in SI units; outputs carry
CF ``units`` and ``long_name`` (and ``standard_name`` where CF has one). Each function declares
the units of its inputs (:func:`seawatch.layers.units.declare_units`): an input in another unit
of the same quantity that seawatch knows is converted, any other is refused with one line. The numbers they use come
from :data:`seawatch.layers.capsize.TABLE`.

Each formula is written once, as a numpy kernel (``*_kernel``: plain arrays in, arrays out, the
dtype of the inputs kept); the xarray functions apply it with :func:`xarray.apply_ufunc` and set
the attributes. :mod:`seawatch.layers.index` runs the same kernels on cache-sized tiles when it
builds the whole index.

Which period is used for steepness
    Steepness is meant for the short, steep wind sea that swamps and capsizes small boats, and
    the steepness triggers of the index (1/20, 1/15; API RP 2MET) are defined with the *peak*
    period. So, per cell: the wind-sea partition (``hs_windsea`` with ``tm_windsea`` converted to
    a peak period, JONSWAP ratios of DNV-RP-C205) where the forecast has it, because a long
    swell under the wind sea would otherwise make a dangerous sea look gentle; else the total
    sea with ``tp``; else the total sea with ``tm`` converted to a peak period.

References
----------
.. [LHS1961] Longuet-Higgins, M. S. & Stewart, R. W. (1961): The changes in amplitude of short
   gravity waves on steady non-uniform currents. J. Fluid Mech. 10, 529-549.
.. [Phillips1977] Phillips, O. M. (1977): The Dynamics of the Upper Ocean, 2nd ed., Sec. 3.6
   (blocking where the opposing current reaches the group velocity, c0/4 in deep water).
.. [WMO8] WMO-No. 8, Guide to Meteorological Instruments, Annex: Beaufort scale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from seawatch.geo.regrid import direction_components_kernel  # noqa: F401  (used by the index)
from seawatch.layers.capsize import TABLE, G, Parameter
from seawatch.layers.units import declare_units


def _apply(kernel: Callable[..., Any], *args: xr.DataArray, n_out: int = 1, **kwargs: Any) -> Any:
    """``kernel`` applied elementwise to DataArrays (lazily on dask), without attributes."""
    dtype = np.result_type(*(getattr(a, "dtype", np.float64) for a in args))
    return xr.apply_ufunc(
        kernel,
        *args,
        kwargs=kwargs,
        output_core_dims=[[]] * n_out,
        dask="parallelized",
        output_dtypes=[dtype] * n_out,
        keep_attrs=False,
    )


def _attrs(da: xr.DataArray, **attrs: str) -> xr.DataArray:
    da.attrs = dict(attrs)
    return da


# --- numpy kernels ----------------------------------------------------------------------------


def wind_speed_kernel(u10: np.ndarray, v10: np.ndarray) -> np.ndarray:
    """Wind speed [m s-1] from its components [m s-1]."""
    return np.sqrt(u10 * u10 + v10 * v10)


def wave_steepness_kernel(hs: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Steepness Hs / L0 = 2 pi Hs / (g T^2) [1] of height ``hs`` [m] at period ``period`` [s]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return hs / (period * period * (G / (2 * np.pi)))


def direction_vector_kernel(
    from_sin: np.ndarray, from_cos: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vector (east, north) towards which waves coming *from* an angle travel [1].

    Inputs are the sine and cosine of the "from" angle, possibly interpolated (not unit length);
    where both are about zero or unknown the vector is (0, 0).
    """
    norm = np.sqrt(from_sin * from_sin + from_cos * from_cos)
    ok = norm > 1e-6
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, -from_sin / norm, 0.0), np.where(ok, -from_cos / norm, 0.0)


def opposing_current_kernel(
    uo: np.ndarray, vo: np.ndarray, towards_east: np.ndarray, towards_north: np.ndarray
) -> np.ndarray:
    """Current against the waves, ``-(current . wave unit vector)`` [m s-1]."""
    return -(uo * towards_east + vo * towards_north)


def current_factors_kernel(
    period: np.ndarray, u_opp: np.ndarray, blocking: float, max_height: float
) -> tuple[np.ndarray, np.ndarray]:
    """Longuet-Higgins & Stewart height and steepness factors; see :func:`current_factors`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # fmax turns an unknown ratio (NaN) into 0 (no current) and a following current into 0
        ratio = np.clip(np.fmax(u_opp / (period * (G / (2 * np.pi))), 0.0), 0.0, blocking)
        c_rel = 0.5 * (1.0 + np.sqrt(np.maximum(1.0 - 4.0 * ratio, 0.0)))
        amp = 1.0 / np.sqrt(c_rel * (c_rel - 2.0 * ratio))
        steep = amp / (c_rel * c_rel)
    return np.clip(amp, None, max_height), steep


def effective_sea_state_kernel(
    hs: np.ndarray,
    steepness: np.ndarray,
    height_factor: np.ndarray,
    steepness_factor: np.ndarray,
    cap: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``hs * height_factor`` [m] and ``steepness * steepness_factor`` capped at ``cap`` [1]."""
    with np.errstate(invalid="ignore"):
        # A zero steepness stays zero even where the factor is infinite (blocking).
        raw = np.where(steepness > 0, steepness * steepness_factor, steepness)
    return hs * height_factor, np.minimum(raw, cap)


# --- xarray functions -------------------------------------------------------------------------


@declare_units(u10="m s-1", v10="m s-1")
def wind_speed(u10: xr.DataArray, v10: xr.DataArray) -> xr.DataArray:
    """Wind speed from its components.

    Parameters
    ----------
    u10, v10 : xarray.DataArray
        Eastward and northward wind at 10 m [m s-1].

    Returns
    -------
    xarray.DataArray
        Wind speed at 10 m [m s-1].
    """
    return _attrs(
        _apply(wind_speed_kernel, u10, v10),
        standard_name="wind_speed",
        units="m s-1",
        long_name="wind speed at 10 m",
    )


@declare_units(period="s")
def deep_water_wavelength(period: xr.DataArray) -> xr.DataArray:
    """Deep-water wavelength L0 = g T^2 / (2 pi).

    Parameters
    ----------
    period : xarray.DataArray
        Wave period [s].

    Returns
    -------
    xarray.DataArray
        Wavelength [m]: 25, 56 and 100 m at 4, 6 and 8 s.
    """
    return _attrs(period**2 * (G / (2 * np.pi)), units="m", long_name="deep-water wavelength")


@declare_units(period="s")
def deep_water_phase_speed(period: xr.DataArray) -> xr.DataArray:
    """Deep-water phase speed c0 = g T / (2 pi) [m s-1] of waves of period ``period`` [s]."""
    return _attrs(period * (G / (2 * np.pi)), units="m s-1", long_name="deep-water phase speed")


@declare_units(hs="m", period="s")
def wave_steepness(hs: xr.DataArray, period: xr.DataArray) -> xr.DataArray:
    """Significant steepness s = 2 pi Hs / (g T^2) = Hs / L0.

    Parameters
    ----------
    hs : xarray.DataArray
        Significant wave height [m].
    period : xarray.DataArray
        Peak (or peak-equivalent) period [s].

    Returns
    -------
    xarray.DataArray
        Steepness [1]. At T = 4 s, 1/20 is reached at Hs = 1.25 m.

    References
    ----------
    API RP 2MET (2014): 1/16-1/20 typical of severe sea states.
    """
    return _attrs(
        _apply(wave_steepness_kernel, hs, period),
        units="1",
        long_name="significant wave steepness Hs/L0",
    )


def mean_period_ratio(long_name: str, table: Mapping[str, Parameter] = TABLE) -> float:
    """Peak period / mean period for a mean period described by ``long_name``.

    ``tm02``/``zero-crossing`` -> Tp/Tm02, ``tm10``/``tm-10``/``energy`` -> Tp/Tm-1,0,
    anything else (``tm01``, unlabelled) -> Tp/Tm01; JONSWAP gamma = 3.3 ratios of the table.
    """
    text = long_name.lower().replace(" ", "").replace(",", "")
    if "tm02" in text or "zero-crossing" in text or "zerocrossing" in text:
        return float(table["tp_over_tm02"].value)  # type: ignore[arg-type]
    if "tm10" in text or "tm-10" in text or "tm-1" in text or "energy" in text:
        return float(table["tp_over_tm10"].value)  # type: ignore[arg-type]
    return float(table["tp_over_tm01"].value)  # type: ignore[arg-type]


@declare_units(from_sin="1", from_cos="1")
def direction_vector(from_sin: xr.DataArray, from_cos: xr.DataArray) -> tuple[xr.DataArray, ...]:
    """Unit vector (east, north) the waves travel *towards*, from the "from" direction's sine/cosine.

    The components may come from interpolation (not unit length); where both are about zero the
    direction is undefined and the vector is (0, 0).
    """
    east, north = _apply(direction_vector_kernel, from_sin, from_cos, n_out=2)
    return (
        _attrs(east, units="1", long_name="eastward component of the wave travel direction"),
        _attrs(north, units="1", long_name="northward component of the wave travel direction"),
    )


@declare_units(uo="m s-1", vo="m s-1", towards_east="1", towards_north="1")
def opposing_current(
    uo: xr.DataArray, vo: xr.DataArray, towards_east: xr.DataArray, towards_north: xr.DataArray
) -> xr.DataArray:
    """Current speed against the waves, U_opp = -(current . wave unit vector).

    Parameters
    ----------
    uo, vo : xarray.DataArray
        Eastward and northward surface current [m s-1].
    towards_east, towards_north : xarray.DataArray
        Unit vector of wave propagation [1].

    Returns
    -------
    xarray.DataArray
        Opposing current [m s-1]; positive against the waves, negative with them.
    """
    return _attrs(
        _apply(opposing_current_kernel, uo, vo, towards_east, towards_north),
        units="m s-1",
        long_name="surface current against the direction of wave travel",
    )


@declare_units(period="s", u_opp="m s-1")
def current_factors(
    period: xr.DataArray, u_opp: xr.DataArray, table: Mapping[str, Parameter] = TABLE
) -> tuple[xr.DataArray, xr.DataArray]:
    """Height and steepness amplification of waves meeting an opposing current.

    Longuet-Higgins & Stewart (1961), deep water, current U along the waves (U = -U_opp):

    ``c = c0 (1 + sqrt(1 + 4U/c0)) / 2``,  ``A/A0 = c0 / sqrt(c (c + 2U))``,  ``L/L0 = (c/c0)^2``,

    so the steepness grows by ``(A/A0) / (L/L0)``. At T = 5 s an opposing 0.5 m/s gives height
    x1.16 and steepness x1.33, 1 m/s gives x1.41 and x1.95.

    Parameters
    ----------
    period : xarray.DataArray
        Period of the waves considered [s].
    u_opp : xarray.DataArray
        Opposing current [m s-1]; following currents (negative) are taken as zero, so a current
        never lowers the hazard [A].

    Returns
    -------
    height_factor, steepness_factor : xarray.DataArray
        Factors >= 1 [1]. At blocking (U_opp >= c0/4, table ``current_blocking``) the waves
        cannot travel on and break: the height factor is capped at ``current_max_height_factor``
        and the steepness factor is infinite (the effective steepness is then capped at the
        breaking limit by :func:`effective_sea_state`). Unknown current or period: factor 1.
    """
    height, steep = _apply(
        current_factors_kernel,
        period,
        u_opp,
        n_out=2,
        blocking=float(table["current_blocking"].value),  # type: ignore[arg-type]
        max_height=float(table["current_max_height_factor"].value),  # type: ignore[arg-type]
    )
    return (
        _attrs(height, units="1", long_name="wave height amplification by opposing current"),
        _attrs(steep, units="1", long_name="steepness amplification by opposing current"),
    )


@declare_units(hs="m", steepness="1", height_factor="1", steepness_factor="1")
def effective_sea_state(
    hs: xr.DataArray,
    steepness: xr.DataArray,
    height_factor: xr.DataArray,
    steepness_factor: xr.DataArray,
    table: Mapping[str, Parameter] = TABLE,
) -> tuple[xr.DataArray, xr.DataArray]:
    """Effective wave height and steepness with the current factors.

    Parameters
    ----------
    hs : xarray.DataArray
        Significant wave height of the total sea [m].
    steepness : xarray.DataArray
        Steepness of the sea used for the steepness rule [1].
    height_factor, steepness_factor : xarray.DataArray
        From :func:`current_factors` [1].

    Returns
    -------
    hs_eff, steepness_eff : xarray.DataArray
        ``hs * height_factor`` [m]; ``steepness * steepness_factor`` capped at the breaking limit
        ``steepness_cap`` (Miche 1944) [1].
    """
    hs_eff, s_eff = _apply(
        effective_sea_state_kernel,
        hs,
        steepness,
        height_factor,
        steepness_factor,
        n_out=2,
        cap=float(table["steepness_cap"].value),  # type: ignore[arg-type]
    )
    return (
        _attrs(
            hs_eff,
            units="m",
            long_name="effective significant wave height (with the opposing-current factor)",
        ),
        _attrs(
            s_eff,
            units="1",
            long_name="effective wave steepness Hs/L0 (with the opposing-current factor, "
            "capped at 1/7)",
        ),
    )


@declare_units(speed="m s-1")
def beaufort_force(speed: xr.DataArray, table: Mapping[str, Parameter] = TABLE) -> xr.DataArray:
    """WMO Beaufort force (0-12) of a 10 m wind speed [m s-1]; -1 where the speed is unknown."""
    # float32 limits, so a float32 speed equal to a limit gets that force
    limits = np.asarray(table["beaufort_lower_limits"].value, dtype=np.float32).astype(np.float64)

    def digitize(values: np.ndarray) -> np.ndarray:
        force = np.digitize(values, limits).astype(np.int8)
        return np.where(np.isfinite(values), force, np.int8(-1)).astype(np.int8)

    out = xr.apply_ufunc(digitize, speed, dask="parallelized", output_dtypes=[np.int8])
    return _attrs(out, units="1", long_name="Beaufort force (WMO)")


def wind_rise_kernel(speed: np.ndarray, lags: int, axis: int = 0) -> np.ndarray:
    """``speed - min(speed over the last lags steps and now)`` along ``axis``, NaN-skipping.

    The first ``lags`` steps look back only as far as the array goes. NaN where ``speed`` is.
    """
    speed = np.asarray(speed)
    lowest = speed.copy()
    for lag in range(1, min(lags, speed.shape[axis] - 1) + 1):
        later = [slice(None)] * speed.ndim
        earlier = [slice(None)] * speed.ndim
        later[axis], earlier[axis] = slice(lag, None), slice(None, -lag)
        np.fmin(lowest[tuple(later)], speed[tuple(earlier)], out=lowest[tuple(later)])
    return np.subtract(speed, lowest, out=lowest)


@declare_units(speed="m s-1")
def wind_rise(speed: xr.DataArray, hours: float = 6.0) -> xr.DataArray:
    """How much the wind has risen over the last ``hours``: U(t) - min U over [t - hours, t].

    Parameters
    ----------
    speed : xarray.DataArray
        Wind speed with an evenly spaced ``time`` dimension [m s-1].
    hours : float
        Look-back window [h].

    Returns
    -------
    xarray.DataArray
        Rise [m s-1], >= 0. In the first ``hours`` of the forecast only the available past counts
        (a lower bound). NaN where the speed is unknown. A dask-backed ``speed`` stays lazy
        (each time chunk borrows the ``hours`` before it from its neighbour).
    """
    times = speed["time"].values
    if times.size < 2:
        return _attrs(
            xr.zeros_like(speed).where(speed.notnull()), units="m s-1", long_name="wind rise"
        )
    step_h = float(np.diff(times).max() / np.timedelta64(1, "h"))
    if not np.allclose(np.diff(times) / np.timedelta64(1, "h"), step_h):
        raise ValueError("wind_rise needs evenly spaced time steps")
    lags = round(hours / step_h)
    axis = speed.get_axis_num("time")
    data = speed.data
    if hasattr(data, "map_overlap"):  # dask
        rise = data.map_overlap(
            wind_rise_kernel,
            depth={axis: (lags, 0)},
            boundary="none",
            dtype=data.dtype,
            lags=lags,
            axis=axis,
        )
    else:
        rise = wind_rise_kernel(data, lags, axis)
    return _attrs(
        speed.copy(data=rise),
        units="m s-1",
        long_name=f"rise of the 10 m wind speed over {hours:g} h",
    )
