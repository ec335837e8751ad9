"""Consequence layer: how long people in the water can survive, and cold shock.

Kept apart from the hazard level (Step 3 of the index): the sea temperature does not change how
likely a capsize is, it changes how much time rescuers have.

Survival time (Hayward, Eckerson & Collis 1975), clothed adults with a life vest::

    t [min] = 15 + 7.2 / (0.0785 - 0.0034 * Tw)

giving 4.6 h at 15 degC, 6.0 h at 17 degC, 11.7 h at 20 degC. The fit diverges at 23.1 degC
and is not used above 20 degC: warmer water keeps the 20 degC value, 11.7 h, which is then a
*lower* bound (in summer exhaustion, dehydration and drowning, not cooling, limit survival).
Without flotation survival after a capsize is minutes at any temperature (an assumption; see
docs/risk-model.md, "How to read a red cell").

References
----------
.. [Hayward1975] Hayward, J. S., Eckerson, J. D. & Collis, M. L. (1975). Thermal balance and
   survival time prediction of man in cold water. Can. J. Physiol. Pharmacol. 53, 21-32.
.. [Tipton2018] Tipton, M. (2018): 50 % survival about 6 h at 15 degC; cold shock, up to 60 %
   of cold-water deaths, matters mainly below about 15 degC.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from seawatch.layers.capsize import TABLE, Parameter
from seawatch.layers.units import declare_units


@declare_units(sst="degC")
def survival_hours(sst: xr.DataArray, table: Mapping[str, Parameter] = TABLE) -> xr.DataArray:
    """Predicted survival time in the water from sea-surface temperature (Hayward 1975).

    Parameters
    ----------
    sst : xarray.DataArray
        Sea-surface temperature [degC]; kelvin is converted.
    table : mapping, optional
        Threshold table (``hayward``, ``hayward_max_sst``, ``hayward_min_sst``).

    Returns
    -------
    xarray.DataArray
        Survival time [h], float32; the temperature is clipped to the valid range first, so
        above ``hayward_max_sst`` (20 degC) the value is 11.7 h. NaN where SST is unknown.
    """
    a, b, c, d = (float(v) for v in table["hayward"].value)  # type: ignore[union-attr]
    lo = float(table["hayward_min_sst"].value)  # type: ignore[arg-type]
    hi = float(table["hayward_max_sst"].value)  # type: ignore[arg-type]
    tw = sst.clip(min=lo, max=hi)
    hours = ((a + b / (c - d * tw)) / 60.0).astype(np.float32, copy=False)
    hours.attrs = {
        "long_name": "predicted survival time in the water (Hayward 1975), clothed adult with "
        "life vest",
        "units": "h",
        "comment": f"Hayward et al. (1975) t = 15 + 7.2/(0.0785 - 0.0034 SST) min for "
        f"{lo:g} <= SST <= {hi:g} degC; warmer water gets the {hi:g} degC value, a lower "
        "bound. Without flotation survival is minutes at any temperature.",
    }
    return hours


@declare_units(sst="degC")
def cold_shock(sst: xr.DataArray, table: Mapping[str, Parameter] = TABLE) -> xr.DataArray:
    """Cold-shock flag: 1 where SST is below ``cold_shock_sst`` (15 degC), 0 above, -1 unknown.

    Parameters
    ----------
    sst : xarray.DataArray
        Sea-surface temperature [degC].

    Returns
    -------
    xarray.DataArray of int8
        With CF ``flag_values``/``flag_meanings`` (``-1`` is the fill value of the written file).
    """
    limit = float(table["cold_shock_sst"].value)  # type: ignore[arg-type]
    flag = xr.apply_ufunc(
        _cold_shock_kernel,
        sst,
        kwargs={"limit": limit},
        dask="parallelized",
        output_dtypes=[np.int8],
        keep_attrs=False,
    )
    flag.attrs = {
        "long_name": f"cold-shock risk: sea surface below {limit:g} degC",
        "flag_values": np.array([0, 1], dtype=np.int8),
        "flag_meanings": "no_cold_shock cold_shock_risk",
        "units": "1",
        "comment": "Tipton (2018): cold shock, up to 60 % of cold-water deaths, matters "
        "mainly below about 15 degC.",
    }
    return flag


def _cold_shock_kernel(sst: np.ndarray, limit: float) -> np.ndarray:
    flag = (sst < limit).astype(np.int8)
    flag[np.isnan(sst)] = -1
    return flag
