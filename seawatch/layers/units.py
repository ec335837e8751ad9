"""Units at the layer boundary: every input is checked against the unit its layer declares.

Modelled on xclim's ``declare_units``: :func:`declare_units` wraps a layer function, reads the
``units`` attribute of each declared :class:`xarray.DataArray` argument and either passes it on
(already in the declared unit), converts it (a unit of the same quantity seawatch knows, e.g.
km/h -> m s-1, K -> degC, cm -> m) or refuses it with one line saying what is wrong::

    hs has units 'ft'; expected 'm' (sea_surface_wave_significant_height); seawatch converts
    only m, meter, metre, meters, metres, cm: convert the input or fix the reader that made it

:func:`check_forecast_units` does the same for the variables of a canonical forecast
(:data:`seawatch.schema.FORECAST_VARIABLES` gives each one's unit and standard name); it is what
:func:`seawatch.layers.risk.build_risk` runs first.

Which units are accepted
    A small table (:data:`ACCEPTED`) of the spellings of the six units the layers use, and of the
    few other units of the same quantities that forecast sources deliver: Open-Meteo (km/h,
    kn, degC), ECMWF GRIB through cfgrib (``m s**-1``, K), CF/UDUNITS names. Every factor is an
    exact definition, with its source next to it. Anything else is refused rather than parsed:
    a general parser guesses where a forecast needs a person to look, for example UDUNITS-2
    reads ``mph`` as milliphot (10 lx) and does not know Open-Meteo's ``kn``. The table is
    checked against UDUNITS-2 (through cfunits) in ``tests/layers/test_units.py``.

Missing ``units`` attribute
    Refused for a dimensional input: canonical datasets always carry units
    (:func:`seawatch.schema.make_canonical` sets them), so an input without them was not made by
    a seawatch reader and nobody can tell metres from feet. A dimensionless input (declared
    ``"1"``) may omit it: CF 1.10 section 3.1, "a variable with no units attribute is assumed to
    be dimensionless".

Where the checks are
    On the public xarray functions of :mod:`~seawatch.layers.seastate` and
    :mod:`~seawatch.layers.survival`, and on the forecast entering
    :func:`~seawatch.layers.risk.build_risk`. The numpy kernels, :mod:`~seawatch.layers.index`
    and :func:`seawatch.layers.capsize.hazard` run behind that door on plain arrays;
    :func:`~seawatch.layers.summary.summarize` reads levels and scores that ``build_risk`` made;
    exposure takes incident positions in degrees from a table, not DataArrays.

An input already in its declared unit is passed on as it is (the same object, so the numbers of
the layers are untouched); a converted one is a new DataArray of the same dtype (the arithmetic
is done in float64) with the declared ``units``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import xarray as xr

from seawatch.errors import DataError
from seawatch.schema import FORECAST_VARIABLES

F = TypeVar("F", bound=Callable[..., Any])

_SAME = (1.0, 0.0)

ACCEPTED: dict[str, dict[str, tuple[float, float]]] = {
    # declared unit -> {spelling: (scale, offset)}; value in the declared unit = v * scale + offset
    "m": {
        "m": _SAME, "meter": _SAME, "metre": _SAME, "meters": _SAME, "metres": _SAME,
        "cm": (0.01, 0.0),  # SI prefix centi = 1e-2 (SI Brochure, 9th ed., Table 7)
    },
    "s": {"s": _SAME, "sec": _SAME, "second": _SAME, "seconds": _SAME},
    "m s-1": {
        "m s-1": _SAME, "m/s": _SAME, "m s**-1": _SAME, "m.s-1": _SAME, "m s^-1": _SAME,
        "meter second-1": _SAME, "metre second-1": _SAME,
        # 1 km/h = 1000 m / 3600 s, exact (SI Brochure, 9th ed., Table 8: hour = 3600 s)
        "km/h": (1 / 3.6, 0.0), "km h-1": (1 / 3.6, 0.0), "km h**-1": (1 / 3.6, 0.0),
        # 1 knot = 1852 m / 3600 s, exact (international nautical mile, IHB 1929; NIST SP 811
        # B.8). Not "kt": WMO codes use it for knots, SI prefixes read it as kilotonne.
        "kn": (1852 / 3600, 0.0), "knot": (1852 / 3600, 0.0), "knots": (1852 / 3600, 0.0),
    },
    "degC": {
        "degC": _SAME, "°C": _SAME, "degree_Celsius": _SAME, "degrees_Celsius": _SAME,
        "celsius": _SAME, "deg_C": _SAME, "degrees_C": _SAME,
        # t / degC = T / K - 273.15, exact (SI Brochure, 9th ed., 2.3.1)
        "K": (1.0, -273.15), "kelvin": (1.0, -273.15),
    },
    "degree": {"degree": _SAME, "degrees": _SAME, "°": _SAME, "Degree true": _SAME},
    "1": {"1": _SAME, "": _SAME, "dimensionless": _SAME},
}  # fmt: skip
"""Accepted spellings of each declared unit, with the conversion to it."""


def to_units(value: Any, units: str, name: str, standard_name: str | None = None) -> xr.DataArray:
    """``value`` in ``units``: as it is, converted, or refused.

    Parameters
    ----------
    value
        The input; must be a :class:`xarray.DataArray`.
    units
        Declared unit, a key of :data:`ACCEPTED`.
    name
        Name of the input, for the message.
    standard_name
        CF standard name of the quantity, for the message (default: the input's own).

    Raises
    ------
    DataError
        With one line, when the input is not a DataArray, has no units and is dimensional, or
        has units not in :data:`ACCEPTED` for ``units``.
    """
    accepted = ACCEPTED[units]
    if not isinstance(value, xr.DataArray):
        raise DataError(
            f"{name} is a {type(value).__name__}, not an xarray.DataArray with a units "
            f"attribute; expected {units!r}"
        )
    what = standard_name or value.attrs.get("standard_name")
    about = f" ({what})" if what else ""
    given = value.attrs.get("units")
    if given is None:
        if units == "1":
            return value
        raise DataError(
            f"{name} has no units attribute; expected {units!r}{about}: set units on the input "
            "(canonical forecasts always carry them)"
        )
    spelled = str(given).strip()
    if spelled not in accepted:
        raise DataError(
            f"{name} has units {given!r}; expected {units!r}{about}; seawatch converts only "
            f"{', '.join(repr(s) for s in accepted)}: convert the input or fix the reader "
            "that made it"
        )
    scale, offset = accepted[spelled]
    if spelled == units:
        return value
    if (scale, offset) == _SAME:
        out = value.copy(deep=False)
    else:
        dtype = value.dtype if value.dtype.kind == "f" else np.dtype(np.float64)
        out = (value.astype(np.float64) * scale + offset).astype(dtype)
    out.attrs = {**value.attrs, "units": units}
    return out


def declare_units(**declared: str) -> Callable[[F], F]:
    """Decorator: check (and convert) the units of the named DataArray arguments.

    ``@declare_units(hs="m", period="s")`` makes ``hs`` arrive in metres and ``period`` in
    seconds, or raises :class:`~seawatch.errors.DataError` with one line (see :func:`to_units`).
    The declaration is kept as ``func.declared_units``.
    """
    for units in declared.values():
        if units not in ACCEPTED:
            raise ValueError(f"no accepted spellings for units {units!r}; add them to ACCEPTED")

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        missing = set(declared) - set(signature.parameters)
        if missing:
            raise TypeError(f"{func.__name__} has no argument {sorted(missing)[0]!r}")

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            for name, units in declared.items():
                if name in bound.arguments:
                    bound.arguments[name] = to_units(bound.arguments[name], units, name)
            return func(*bound.args, **bound.kwargs)

        checked.declared_units = dict(declared)  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def check_forecast_units(forecast: xr.Dataset, names: Iterable[str]) -> xr.Dataset:
    """``forecast`` with the variables ``names`` (those it has) in their canonical units.

    Units and standard names come from :data:`seawatch.schema.FORECAST_VARIABLES`. Returns the
    same object when nothing needed converting.

    Raises
    ------
    DataError
        With one line, for the first variable with missing or unknown units.
    """
    converted = {}
    for name in names:
        if name not in forecast.data_vars:
            continue
        spec = FORECAST_VARIABLES[name]
        da = forecast[name]
        out = to_units(da, spec.units, name, spec.standard_name)
        if out is not da:
            converted[name] = out
    return forecast.assign(converted) if converted else forecast
