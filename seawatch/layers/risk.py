"""Build the risk dataset from a canonical forecast and the incident history.

:func:`build_risk` regrids the forecast onto the target grid, computes the sea state
(:mod:`~seawatch.layers.seastate`), the capsize hazard per boat type
(:mod:`~seawatch.layers.capsize`), the survival layer (:mod:`~seawatch.layers.survival`) and the
exposure (:mod:`~seawatch.layers.exposure`), and assembles the risk dataset (its variables are
listed under :func:`build_risk`; the model behind them is docs/risk-model.md, and where the
dataset sits among seawatch's parts is docs/architecture.md).

The forecast's units are checked first (:func:`seawatch.layers.units.check_forecast_units`):
a variable in another unit of the same quantity that seawatch knows (K, km/h, cm ...) is
converted, any other is refused with one line.

Risk
    ``risk = (hazard_score / 5) * (exposure_floor + (1 - exposure_floor) * exposure)``, in
    [0, 1]: the continuous hazard (0-5) scaled to 0-1, weighted by how likely boats are there.
    ``exposure_floor`` (0.2, an assumption in the table) keeps hazard on cells far from past
    incidents visible, because incident history is incomplete and routes move. With no incident
    history exposure is 1 everywhere at sea and risk is ``hazard_score / 5``.

With ``[compute] chunks`` set the whole build is lazy (dask); the caller chooses the scheduler
(``[compute] scheduler``) and nothing here starts a dask client. The numbers are identical to
the in-memory build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from seawatch import __version__
from seawatch.errors import DataError
from seawatch.layers import seastate
from seawatch.layers.capsize import (
    RISK_MODEL_VERSION,
    TABLE,
    Parameter,
    drivers_attrs,
)
from seawatch.layers.exposure import ExposureParams
from seawatch.layers.exposure import exposure as exposure_layer
from seawatch.layers.grid import TIME_ATTRS, regrid
from seawatch.layers.index import INT_FILL, SeaChoice, index_block, sea_state_block
from seawatch.layers.survival import cold_shock, survival_hours
from seawatch.layers.units import check_forecast_units
from seawatch.schema import (
    CONVENTIONS,
    FORECAST_VARIABLES,
    VESSEL_LABELS,
    VESSELS,
    hazard_level_attrs,
)
from seawatch.timeutil import isoformat_utc, naive_utc64, now_utc

DEMO_SOURCE = "demo-scenario"
_USED = (
    "hs", "tp", "tm", "wave_dir", "hs_windsea", "tm_windsea", "dir_windsea",
    "u10", "v10", "gust", "uo", "vo", "sst",
)  # fmt: skip
_CONTEXT = ("hs", "period", "hs_eff", "steepness", "u10", "v10", "gust", "uo", "vo", "sst")


@dataclass(frozen=True, eq=False)
class RiskParams:
    """What :func:`build_risk` needs besides the forecast and the incidents.

    Built by :meth:`seawatch.layers.params.LayerParams.from_settings`.
    """

    grid: xr.Dataset
    """Target grid (:func:`seawatch.layers.grid.target_grid`): ``lat``, ``lon``, ``land``."""
    table: Mapping[str, Parameter]
    """Threshold table with ``[risk] overrides`` applied
    (:func:`seawatch.layers.capsize.effective_table`)."""
    overrides: str
    """The overrides as canonical JSON (``"{}"`` when none), recorded in the dataset."""
    exposure: ExposureParams
    """Parameters of the exposure layer."""
    chunks: Mapping[str, int] = field(default_factory=dict)
    """Dask chunk sizes by dimension (``[compute] chunks``); empty: in memory."""
    fetched_forecast: Path | None = None
    """Where ``seawatch fetch weather`` writes the forecast; names the user's path in refusals."""


def risk_formula(table: Mapping[str, Parameter] = TABLE) -> str:
    """The risk formula with the exposure floor of ``table`` filled in."""
    floor = float(table["exposure_floor"].value)  # type: ignore[arg-type]
    return f"risk = hazard_score / 5 * ({floor:g} + {1 - floor:g} * exposure)"


def _sea_choice(
    sea: xr.Dataset, forecast: xr.Dataset, table: Mapping[str, Parameter]
) -> tuple[SeaChoice, str]:
    """The period conversions the forecast needs, and the words saying which period is used."""
    notes, tm_ratio, windsea_ratio = [], None, None
    if "tp" in sea:
        notes.append("peak period tp of the total sea")
    elif "tm" in sea:
        tm_ratio = seastate.mean_period_ratio(forecast["tm"].attrs.get("long_name", "tm"), table)
        notes.append(f"{tm_ratio:.2f} x mean period tm of the total sea")
    if "hs_windsea" in sea and "tm_windsea" in sea:
        windsea_ratio = seastate.mean_period_ratio(
            forecast["tm_windsea"].attrs.get("long_name", "tm01"), table
        )
        notes.insert(0, f"wind-sea peak period ({windsea_ratio:.2f} x wind-sea mean period) "
                     "where the wind-sea partition is known, else")  # fmt: skip
    description = " ".join(notes) if notes else "no wave period in the forecast"
    return SeaChoice.from_table(VESSELS, table, tm_ratio, windsea_ratio), description


def _no_hazard_message(forecast: xr.Dataset, fetched: Path | None) -> str:
    """Why a forecast gives no hazard, and what to do next on the path the user took.

    The path is read from the forecast itself: an ingested file says ``source = ingest``; a
    file that is not ``<data>/forecast.nc`` came with ``--forecast FILE``; otherwise it is the
    forecast ``seawatch fetch weather`` wrote.
    """
    has = ", ".join(sorted(map(str, forecast.data_vars))) or "no variables"
    if "u10" in forecast and "v10" not in forecast:
        has += " (u10 without v10)"
    opened = forecast.encoding.get("source")
    path = Path(opened) if opened else None
    named = path is not None and (fetched is None or path.resolve() != fetched.resolve())
    what = f"{path.name if named else 'the forecast'} has only {has}"
    reason = (
        f"{what}: neither wave height (hs) nor wind (u10, v10), so no capsize hazard can be "
        "computed"
    )
    sources = str(forecast.attrs.get("source", "")).split("+")
    if "ingest" in sources:
        ingested = [Path(p).name for p in str(forecast.attrs.get("provenance", "")).splitlines()]
        given = " ".join(ingested[:2]) or "FILE"
        out = f" --out {path}" if named and path else ""
        return (
            f"{reason}; ingest a file with waves or wind too, e.g. `seawatch ingest {given} "
            f"era5_wind.grib{out}` (Copernicus MEDSEA waves, ECMWF/ERA5 10 m wind)"
        )
    if named and path:
        return (
            f"{reason}; pass a forecast with waves or wind: --forecast {path} is not enough "
            "(or leave --forecast out to use the fetched one)"
        )
    return f"{reason}; fetch the weather again (`seawatch fetch weather`)"


def build_risk(
    forecast: xr.Dataset, incidents: pd.DataFrame | None, params: RiskParams
) -> xr.Dataset:
    """The risk dataset: hazard per boat type, drivers, exposure, risk, survival, sea state.

    Parameters
    ----------
    forecast
        Canonical forecast (:mod:`seawatch.schema`), any grid that covers the area; 1-hourly
        or coarser (interpolated to hourly).
    incidents
        Incident frame (``time``, ``lat``, ``lon``, ``source_quality`` ...) or None.
    params
        Target grid, threshold table, exposure parameters and chunks
        (:meth:`seawatch.layers.params.LayerParams.from_settings`).

    Returns
    -------
    xarray.Dataset
        Dims (time, vessel, lat, lon), vessel one of :data:`seawatch.schema.VESSELS`:
        ``hazard_level`` (int8 0-4, CF flags), ``hazard_score`` (0-5), ``drivers`` (bit field of
        :data:`seawatch.layers.capsize.DRIVER_FLAGS`), ``exposure`` (lat, lon; 0-1), ``risk``
        (0-1), ``survival_hours`` and ``cold_shock`` when the forecast has SST, the sea state
        behind the hazard (``hs``, ``period``, ``hs_eff``, ``steepness``, wind, gust, current,
        SST) and ``land``. Lazy (dask) when ``params.chunks`` is set or the forecast is
        dask-backed.

    Raises
    ------
    DataError
        If the forecast has neither wave height nor wind, does not cover the area, or has a
        variable in units seawatch does not know.
    """
    table = params.table
    if not ({"hs", "u10"} & set(forecast.data_vars)) or (
        "u10" in forecast and "v10" not in forecast
    ):
        raise DataError(_no_hazard_message(forecast, params.fetched_forecast))
    forecast = check_forecast_units(forecast, _USED)
    grid = params.grid
    chunks = {k: int(v) for k, v in params.chunks.items()}
    if chunks:
        forecast = forecast.chunk({k: v for k, v in chunks.items() if k == "time"})
    sea = regrid(forecast, grid, _USED)
    if chunks:
        sea = sea.chunk({k: v for k, v in chunks.items() if k in sea.dims})
    land = grid["land"].values.astype(bool)
    land_da = xr.DataArray(land, dims=("lat", "lon"))
    if "u10" in sea and "v10" in sea:
        rise_hours = float(table["wind_rise_hours"].value)  # type: ignore[arg-type]
        speed = seastate.wind_speed(sea["u10"], sea["v10"])
        sea["wind_rise"] = seastate.wind_rise(speed, rise_hours).astype(np.float32, copy=False)
    choice, period_note = _sea_choice(sea, forecast, table)
    names = choice.inputs(sea.data_vars)
    inputs = [sea[name] for name in names] + [land_da]
    kwargs = {"names": names, "choice": choice}
    hazard_level, hazard_score, driver_bits = (
        da.transpose("time", "vessel", "lat", "lon")
        for da in xr.apply_ufunc(
            index_block,
            *inputs,
            kwargs=kwargs,
            output_core_dims=[["vessel"]] * 3,
            dask="parallelized",
            output_dtypes=[np.int8, np.float32, np.int16],
            dask_gufunc_kwargs={"output_sizes": {"vessel": len(VESSELS)}},
            keep_attrs=False,
        )
    )
    # The sea state behind the hazard, for the map popups: computed again, apart, so a caller
    # that needs only the hazard does not pay for it.
    period, hs_eff, s_eff = xr.apply_ufunc(
        sea_state_block,
        *inputs,
        kwargs=kwargs,
        output_core_dims=[[]] * 3,
        dask="parallelized",
        output_dtypes=[np.float32] * 3,
        keep_attrs=False,
    )
    hs = sea.get("hs")

    reference = forecast.attrs.get("reference_time")
    times = sea["time"].values
    ref_time = naive_utc64(reference) if reference else times[0]
    exp = exposure_layer(incidents, grid, params.exposure, ref_time, times[-1], table)
    floor = float(table["exposure_floor"].value)  # type: ignore[arg-type]
    weight = (floor + (1.0 - floor) * exp).astype(np.float32)
    risk = (hazard_score / np.float32(5.0) * weight).astype(np.float32)

    out = xr.Dataset(coords={"time": ("time", times, dict(TIME_ATTRS))})
    out = out.assign_coords(vessel=("vessel", list(VESSELS), _vessel_attrs()))
    out = out.assign_coords(lat=grid["lat"], lon=grid["lon"])
    out["hazard_level"] = hazard_level.assign_attrs(
        {
            **hazard_level_attrs(),
            "_FillValue": np.int8(INT_FILL),
            "comment": "0 low, 1 moderate, 2 high, 3 severe, 4 extreme; see drivers for why. "
            "Land and cells without data are missing.",
        }
    )
    out["hazard_score"] = hazard_score.assign_attrs(
        long_name="capsize hazard score (level plus fraction towards the next level)",
        units="1",
        valid_range=np.array([0.0, 5.0], dtype=np.float32),
        comment="floor(score) is the level (5.0 is extreme); never decreases when a driver "
        "worsens.",
    )
    out["drivers"] = driver_bits.assign_attrs({**drivers_attrs(), "_FillValue": np.int16(INT_FILL)})
    out["exposure"] = exp
    out["risk"] = risk.assign_attrs(
        long_name=f"capsize risk: {risk_formula(table)}",
        units="1",
        valid_range=np.array([0.0, 1.0], dtype=np.float32),
        comment="Hazard weighted by exposure (where boats have been reported). "
        + exp.attrs["comment"],
    )
    if "sst" in sea:
        survival = survival_hours(sea["sst"], table)
        out["survival_hours"] = _on_sea(survival, land_da, np.nan).assign_attrs(survival.attrs)
        shock = cold_shock(sea["sst"], table)
        out["cold_shock"] = _on_sea(shock, land_da, INT_FILL).assign_attrs(
            {**shock.attrs, "_FillValue": np.int8(INT_FILL)}
        )
    context = {
        "hs": hs,
        "period": period if "hs" in sea or "hs_windsea" in sea else None,
        "hs_eff": hs_eff if "hs" in sea else None,
        "steepness": s_eff if "hs" in sea or "hs_windsea" in sea else None,
        **{name: sea[name] for name in ("u10", "v10", "gust", "uo", "vo", "sst") if name in sea},
    }
    for name in _CONTEXT:
        da = context.get(name)
        if da is None:
            continue
        if name not in ("period", "hs_eff", "steepness"):  # those are NaN on land already
            da = _on_sea(da.astype(np.float32, copy=False), land_da, np.nan)
        da.attrs = _context_attrs(name, period_note)
        out[name] = da
    out["land"] = grid["land"]
    out["vessel"].attrs = _vessel_attrs()
    out["time"].attrs = dict(TIME_ATTRS)  # assigning the layers above dropped them
    # CF coordinate variables must be numeric: the vessel names are written as a character
    # label variable (CF 6.1), which xarray reads back as strings.
    out["vessel"].encoding = {"dtype": "S1"}
    out.attrs = _global_attrs(forecast, incidents, params.overrides, exp)
    return out


def _fill_land(values: np.ndarray, land: np.ndarray, fill: float) -> np.ndarray:
    out = np.array(values, copy=True)
    out[np.broadcast_to(land, out.shape)] = fill
    return out


def _on_sea(da: xr.DataArray, land: xr.DataArray, fill: float) -> xr.DataArray:
    """``da`` (time, lat, lon) with ``fill`` on land cells; cheaper than ``where`` on big grids."""
    return xr.apply_ufunc(
        _fill_land,
        da,
        land,
        kwargs={"fill": fill},
        dask="parallelized",
        output_dtypes=[da.dtype],
        keep_attrs=False,
    ).transpose(*da.dims)


def _vessel_attrs() -> dict[str, str]:
    return {
        "long_name": "vessel class",
        "comment": "; ".join(f"{k}: {v}" for k, v in VESSEL_LABELS.items()),
    }


def _context_attrs(name: str, period_note: str) -> dict[str, Any]:
    if name in FORECAST_VARIABLES:
        spec = FORECAST_VARIABLES[name]
        return {
            "standard_name": spec.standard_name,
            "units": spec.units,
            "long_name": spec.long_name,
        }
    if name == "period":
        return {"units": "s", "long_name": f"wave period used for steepness: {period_note}"}
    if name == "hs_eff":
        return {
            "units": "m",
            "long_name": "effective significant wave height (with the opposing-current factor, "
            "Longuet-Higgins & Stewart 1961)",
        }
    return {
        "units": "1",
        "long_name": "effective wave steepness Hs/L0 of the sea used for the steepness rule "
        "(with the opposing-current factor, capped at 1/7)",
    }


def _global_attrs(
    forecast: xr.Dataset,
    incidents: pd.DataFrame | None,
    overrides: str,
    exp: xr.DataArray,
) -> dict[str, Any]:
    source = str(forecast.attrs.get("source", "unknown"))
    provenance = [f"forecast: {source}: {forecast.attrs.get('provenance', '')}".rstrip(": ")]
    provenance.append(
        f"incidents: {exp.attrs['exposure_incidents_used']} used of "
        f"{0 if incidents is None else len(incidents)} given"
    )
    attrs: dict[str, Any] = {
        "Conventions": CONVENTIONS,
        "title": "seawatch capsize risk for overloaded migrant boats",
        "institution": "seawatch",
        "source": source,
        "model": str(forecast.attrs.get("model", "")),
        "reference_time": str(forecast.attrs.get("reference_time", "")),
        "risk_model_version": RISK_MODEL_VERSION,
        "risk_overrides": overrides,
        "created_at": isoformat_utc(now_utc()),
        "provenance": "\n".join(provenance),
        "seawatch_version": __version__,
        "references": "seawatch docs/risk-model.md; Longuet-Higgins & Stewart 1961; "
        "Hayward et al. 1975; WMO-No. 8 Beaufort scale; Directive 2013/53/EU",
        "comment": "Capsize hazard index for overloaded boats, not a validated probability. "
        "Times are UTC.",
    }
    if source == DEMO_SOURCE:
        attrs["demo"] = np.int8(1)
    return attrs
