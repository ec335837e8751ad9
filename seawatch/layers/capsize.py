"""Capsize hazard per boat type: the threshold table and the rules of the index.

The index is Steps 1 and 2 of the seawatch risk model (``docs/risk-model.md``):

Step 1, base level
    The worse of the band of the effective significant wave height ``hs_eff`` and the band of
    the Beaufort force of the 10 m wind, per vessel class (``<vessel>.hs``,
    ``<vessel>.beaufort``: lower bounds of Moderate, High, Severe, Extreme).
Step 2, modifiers
    * steep sea: +1 level when the effective steepness ``s_eff >= steepness_1``, +2 when
      ``s_eff >= steepness_2`` (only where ``hs_eff >= steepness_min_hs``);
    * rising wind: +1 level when the wind rose by ``wind_rise`` or more within
      ``wind_rise_hours``;
    * gusts: at least ``gust_floor_level`` where the gust reaches ``gust_floor``;
    * the vessel's ``minimum_level`` (overloaded wooden boats are never below Moderate).

  The modifiers add up and the level stops at Extreme. An opposing current acts through
  ``hs_eff`` and ``s_eff`` (Longuet-Higgins & Stewart 1961; see :mod:`seawatch.layers.seastate`).

Every threshold and coefficient of seawatch's risk model is in :data:`TABLE`, each with its
tag: **C** cited (the reference is given), **D** derived from physics or a standard,
**A** assumption, to calibrate. The table can be changed without code through
``[risk] overrides`` in the configuration (see :func:`effective_table`); the risk dataset records
the overrides it was built with.

The continuous ``hazard_score`` is the level plus the fraction of the way to the next band
(0.0-1.0 Low, 1.0-2.0 Moderate, ... 4.0-5.0 Extreme, capped at 5), so ``floor(score)`` is the
level (Extreme for 5.0), and it never decreases when any driver worsens.

References
----------
.. [Douglas] WMO/Douglas state-of-sea scale, as given by the RNLI (completeguide.rnli.org/sea-state.html).
.. [RCD] Directive 2013/53/EU (Recreational Craft), Annex I, design categories B, C, D.
.. [MSF2016] MSF coordinator quoted by Reuters, 31 Aug 2016: "1 metre to 1 1/2 metre waves. The
   rubber boats won't come out in those conditions."
.. [API2MET] API RP 2MET (2014), wave steepness 1/16-1/20 for severe sea states.
.. [Miche1944] Miche, R. (1944), limiting steepness of a single wave H/L ~ 1/7.
.. [WMO8] WMO-No. 8 / WMO-No. 306, Beaufort scale, wind speed equivalents at 10 m.
.. [Georgiou2017] Georgiou et al. (2017), arXiv: deadliest Aegean capsizes as winds rose.
.. [LHS1961] Longuet-Higgins, M. S. & Stewart, R. W. (1961), J. Fluid Mech. 10:529-549.
.. [DNV-C205] DNV-RP-C205 (2010), Sec. 3.5.5: JONSWAP gamma = 3.3, T1 = 0.834 Tp, Tz = 0.777 Tp.
.. [IEC62600] IEC TS 62600-101 (2015): energy period Te = Tm-1,0 ~ 0.9 Tp (JONSWAP gamma 3.3).
.. [Hayward1975] Hayward, J. S., Eckerson, J. D. & Collis, M. L. (1975), Can. J. Physiol.
   Pharmacol. 53:21-32: t (min) = 15 + 7.2 / (0.0785 - 0.0034 Tw).
.. [Tipton2018] Tipton, M. (2018), cold shock below about 15 degC.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from seawatch.errors import ConfigError
from seawatch.schema import HAZARD_LEVELS, VESSELS

RISK_MODEL_VERSION = "seawatch-capsize-1.0"
"""Name and version of the index; goes into the ``risk_model_version`` attribute."""

N_LEVELS = len(HAZARD_LEVELS)
MAX_LEVEL = N_LEVELS - 1
G = 9.80665
"""Standard acceleration of gravity, m s-2 (CGPM 1901)."""


@dataclass(frozen=True)
class Parameter:
    """One number (or tuple of numbers) of the risk model, with its units, tag and source."""

    value: float | tuple[float, ...]
    units: str
    tag: str
    source: str
    meaning: str


# fmt: off
TABLE: dict[str, Parameter] = {
    # --- Step 1: base level, lower bounds of Moderate, High, Severe, Extreme --------------------
    "rubber_dinghy.hs": Parameter(
        (0.5, 1.0, 1.5, 2.5), "m", "A",
        "risk-model.md Step 1; anchors [C]: RCD cat. D Hs <= 0.3-0.5 m, Douglas slight/moderate, "
        "MSF 2016 '1-1.5 m waves: rubber boats won't come out'",
        "overloaded inflatable: Hs_eff at which each level starts"),
    "rubber_dinghy.beaufort": Parameter(
        (4, 5, 6, 7), "Beaufort force", "A",
        "risk-model.md Step 1; RCD cat. D is <= F4 [C]", "inflatable: wind force of each level"),
    "rubber_dinghy.minimum_level": Parameter(
        0, "level", "A", "risk-model.md Step 1", "inflatable: lowest level at any sea state"),
    "wooden_boat.hs": Parameter(
        (1.0, 1.5, 2.5, 4.0), "m", "A",
        "risk-model.md Step 1; RCD cat. C (Hs <= 2 m) and B (Hs <= 4 m) [C], one level lower "
        "for overloading", "overloaded wooden boat: Hs_eff at which each level starts"),
    "wooden_boat.beaufort": Parameter(
        (5, 6, 7, 8), "Beaufort force", "A",
        "risk-model.md Step 1; RCD cat. C <= F6, B <= F8 [C]",
        "wooden boat: wind force of each level"),
    "wooden_boat.minimum_level": Parameter(
        1, "level", "A", "risk-model.md Step 1: crowd shifts capsize boats even in calm seas",
        "wooden boat: never below Moderate"),
    "small_boat.hs": Parameter(
        (0.5, 1.25, 2.0, 2.5), "m", "A",
        "risk-model.md Step 1; Douglas slight/moderate at 1.25 m [C], RCD cat. C Hs <= 2 m [C]",
        "small fibreglass/iron boat 5-8 m: Hs_eff at which each level starts"),
    "small_boat.beaufort": Parameter(
        (4, 5, 6, 7), "Beaufort force", "A", "risk-model.md Step 1",
        "small boat: wind force of each level"),
    "small_boat.minimum_level": Parameter(
        0, "level", "A", "risk-model.md Step 1", "small boat: lowest level at any sea state"),
    # --- Step 2: modifiers ------------------------------------------------------------------
    "steepness_1": Parameter(
        1 / 20, "1", "A",
        "trigger [A]; API RP 2MET: 1/16-1/20 is typical of severe sea states [C]",
        "effective steepness Hs/L0 that raises the level by one"),
    "steepness_2": Parameter(
        1 / 15, "1", "A", "trigger [A], between API RP 2MET 1/16 [C] and breaking 1/7 [C]",
        "effective steepness that raises the level by two"),
    "steepness_min_hs": Parameter(
        0.5, "m", "A", "Douglas smooth/slight boundary 0.5 m [C]",
        "height of the measured wave system (the wind sea when the forecast has it) below which "
        "steepness does not raise the level (ripples are steep too)"),
    "steepness_cap": Parameter(
        1 / 7, "1", "C", "Miche (1944): a wave breaks near H/L = 1/7",
        "effective steepness is capped here (waves break, they get no steeper)"),
    "wind_rise": Parameter(
        5.0, "m s-1", "A", "risk-model.md Step 2; Georgiou et al. 2017: capsizes as winds rose [C]",
        "rise of the 10 m wind speed that raises the level by one"),
    "wind_rise_hours": Parameter(
        6, "h", "A", "risk-model.md Step 2", "window over which the wind rise is measured"),
    "gust_floor": Parameter(
        17.0, "m s-1", "A", "risk-model.md Step 2 (17 m/s = 33 kn, gale F8 begins at 17.2)",
        "gust speed that sets the minimum level below"),
    "gust_floor_level": Parameter(
        3, "level", "A", "risk-model.md Step 2", "minimum level where gusts reach gust_floor"),
    # --- Sea-state physics -------------------------------------------------------------------
    "beaufort_lower_limits": Parameter(
        (0.3, 1.6, 3.4, 5.5, 8.0, 10.8, 13.9, 17.2, 20.8, 24.5, 28.5, 32.7), "m s-1", "C",
        "WMO-No. 8 / WMO-No. 306 Beaufort scale (10 m wind)",
        "lowest wind speed of Beaufort force 1, 2, ... 12"),
    "current_blocking": Parameter(
        0.25, "1", "D",
        "Shyu & Phillips / ISOPE 1992: blocking where the opposing current reaches the group "
        "velocity, U = c0/4 in deep water", "opposing current / deep-water phase speed at blocking"),
    "current_max_height_factor": Parameter(
        2.0, "1", "A", "Hmax ~ 2 Hs [C]; near blocking waves break instead of growing",
        "largest height amplification by an opposing current"),
    "tp_over_tm01": Parameter(
        1 / 0.834, "1", "C", "DNV-RP-C205 (2010) 3.5.5, JONSWAP gamma = 3.3: T1 = 0.834 Tp",
        "peak period / mean period Tm01 (wind-sea mean periods, tm labelled tm01)"),
    "tp_over_tm02": Parameter(
        1 / 0.777, "1", "C", "DNV-RP-C205 (2010) 3.5.5, JONSWAP gamma = 3.3: Tz = 0.777 Tp",
        "peak period / zero-crossing period Tm02 (tm labelled tm02)"),
    "tp_over_tm10": Parameter(
        1 / 0.9, "1", "C", "IEC TS 62600-101 (2015): Te = 0.9 Tp for JONSWAP gamma = 3.3",
        "peak period / energy period Tm-1,0 (tm labelled tm10 or energy period)"),
    # --- Consequence layer (Step 3) ----------------------------------------------------------
    "hayward": Parameter(
        (15.0, 7.2, 0.0785, 0.0034), "min, min, 1/min, 1/(min degC)", "C",
        "Hayward, Eckerson & Collis (1975): t = 15 + 7.2 / (0.0785 - 0.0034 Tw), clothed adults "
        "with a life vest", "predicted survival time in water"),
    "hayward_max_sst": Parameter(
        20.0, "degC", "C",
        "Hayward et al. (1975): the fit diverges at 0.0785/0.0034 = 23.1 degC [D], so it is not "
        "used above about 20 degC (docs/risk-model.md, 'How to read a red cell')",
        "above this SST the survival time is held at its 20 degC value (11.7 h, a lower bound)"),
    "hayward_min_sst": Parameter(
        0.0, "degC", "A", "edge of the Hayward data", "below this SST the 0 degC value is used"),
    "cold_shock_sst": Parameter(
        15.0, "degC", "C", "Tipton (2018): cold shock matters mainly below about 15 degC",
        "SST below which the cold-shock flag is set"),
    # --- Exposure and risk -------------------------------------------------------------------
    "exposure_floor": Parameter(
        0.2, "1", "A",
        "incident history is incomplete and routes move; hazard away from past incidents keeps "
        "this share of its weight", "risk weight of a sea cell with no incident nearby"),
    "source_quality_weights": Parameter(
        (0.2, 0.4, 0.6, 0.8, 1.0), "1", "A",
        "IOM MMP Source Quality 1 (single media) .. 5 (official / several actors) [C]",
        "kernel weight of an incident by its source quality 1..5"),
    "source_quality_unknown": Parameter(
        4, "1", "A", "entries without a grade come from coordinators or partners with direct "
        "knowledge, like IOM quality 4", "source quality assumed when none is given"),
}
# fmt: on

_VESSEL_KEYS = ("hs", "beaufort", "minimum_level")
_TUPLE_LENGTHS = {
    "hs": N_LEVELS - 1,
    "beaufort": N_LEVELS - 1,
    "beaufort_lower_limits": 12,
    "hayward": 4,
    "source_quality_weights": 5,
}

DRIVER_FLAGS: tuple[tuple[str, int, str], ...] = (
    ("hs_band", 1, "wave height band (effective Hs)"),
    ("wind_band", 2, "wind force band (Beaufort)"),
    ("steepness_1", 4, "steep waves: +1 level"),
    ("steepness_2", 8, "very steep waves: +2 levels"),
    ("wind_rise", 16, "wind rising fast: +1 level"),
    ("gust_floor", 32, "strong gusts: at least Severe"),
    ("opposing_current", 64, "current against the waves makes them higher and steeper"),
    ("minimum_level", 128, "boat type is never safer than this"),
    ("no_wave_data", 256, "no wave data here: level from wind only"),
)
"""``(meaning, mask, words)`` of each bit of the ``drivers`` variable."""


def effective_table(overrides: Mapping[str, Any] | None = None) -> dict[str, Parameter]:
    """The threshold table with ``[risk] overrides`` applied.

    Parameters
    ----------
    overrides
        Either dotted keys (``{"rubber_dinghy.hs": [0.4, 0.9, 1.4, 2.2]}``) or nested tables
        (``{"rubber_dinghy": {"hs": [...]}}``), values in the units of :data:`TABLE`.

    Returns
    -------
    dict
        A copy of :data:`TABLE`; overridden entries get tag ``"override"``.

    Raises
    ------
    ConfigError
        With one line naming the key, for an unknown key or a value of the wrong shape or order.
    """
    table = dict(TABLE)
    for key, value in flatten_overrides(overrides).items():
        if key not in TABLE:
            raise ConfigError(
                f"risk.overrides: unknown key {key!r}; known keys: {', '.join(sorted(TABLE))}"
            )
        table[key] = replace(
            TABLE[key],
            value=_checked_value(key, value),
            tag="override",
            source=f"[risk] overrides in the configuration (was {TABLE[key].value!r})",
        )
    for vessel in VESSELS:
        for kind in ("hs", "beaufort"):
            values = table[f"{vessel}.{kind}"].value
            if any(b <= a for a, b in itertools.pairwise(values)):  # type: ignore[arg-type]
                raise ConfigError(f"risk.overrides: {vessel}.{kind} must be strictly increasing")
    if not table["steepness_1"].value < table["steepness_2"].value:  # type: ignore[operator]
        raise ConfigError("risk.overrides: steepness_1 must be below steepness_2")
    return table


def flatten_overrides(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Nested override tables as dotted keys (``{"a": {"b": 1}} -> {"a.b": 1}``)."""
    flat: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping):
            for sub, inner in flatten_overrides(value).items():
                flat[f"{key}.{sub}"] = inner
        else:
            flat[str(key)] = value
    return flat


def overrides_json(overrides: Mapping[str, Any] | None) -> str:
    """Overrides as canonical JSON text (``"{}"`` when none), for the dataset attributes."""
    return json.dumps(flatten_overrides(overrides), sort_keys=True)


def _checked_value(key: str, value: Any) -> float | tuple[float, ...]:
    default = TABLE[key].value
    short = key.rsplit(".", 1)[-1]
    if isinstance(default, tuple):
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise ConfigError(f"risk.overrides.{key} must be a list of {len(default)} numbers")
        if len(value) != _TUPLE_LENGTHS.get(short, len(default)):
            raise ConfigError(
                f"risk.overrides.{key} must have {len(default)} numbers, not {len(value)}"
            )
        out = tuple(_number(key, v) for v in value)
        if any(not math.isfinite(v) or v < 0 for v in out):
            raise ConfigError(f"risk.overrides.{key} must hold finite numbers >= 0")
        return out
    number = _number(key, value)
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"risk.overrides.{key} must be a finite number >= 0, not {value!r}")
    if short in ("minimum_level", "gust_floor_level") and (
        number != int(number) or not 0 <= number <= MAX_LEVEL
    ):
        raise ConfigError(f"risk.overrides.{key} must be a level 0..{MAX_LEVEL}, not {value!r}")
    return number


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"risk.overrides.{key}: {value!r} is not a number")
    return float(value)


def table_rows(table: Mapping[str, Parameter] | None = None) -> list[dict[str, Any]]:
    """The table as rows (key, value, units, tag, source, meaning) for docs and reports."""
    table = TABLE if table is None else table
    return [
        {"key": key, "value": p.value, "units": p.units, "tag": p.tag, "source": p.source,
         "meaning": p.meaning}
        for key, p in table.items()
    ]  # fmt: skip


# --- continuous band positions --------------------------------------------------------------


class Ramp:
    """Piecewise-linear ramps through knots ``x0 < x1 < ... < xn``: 0 at ``x0``, ``k`` at ``xk``.

    Constant below ``x0`` (0) and above ``xn`` (n); NaN stays NaN. ``knots`` may hold one ramp
    (shape ``(n + 1,)``) or several (shape ``(m, n + 1)``, one per vessel class), which are then
    evaluated together and stacked along a new first axis of the result.

    Evaluated in float32 as a sum of clipped segments: exact at every knot (a float32 input
    equal to knot ``xk`` gives exactly ``k``, so its integer part is the band it starts) and
    about ten times faster than :func:`numpy.interp` on float32 arrays.
    """

    def __init__(self, knots: Sequence[float] | Sequence[Sequence[float]]) -> None:
        # Knots rounded to float32, so float32 inputs equal to a threshold reach its band.
        self.knots = np.asarray(knots, dtype=np.float32)
        self.widths = np.diff(self.knots, axis=-1)
        if not (self.widths > 0).all():
            raise ValueError(f"ramp knots must increase strictly: {self.knots.tolist()}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        lead = self.knots.shape[:-1]
        starts = self.knots[..., :-1].reshape(lead + (1,) * x.ndim + (-1,))
        widths = self.widths.reshape(lead + (1,) * x.ndim + (-1,))
        out = np.zeros(lead + x.shape, dtype=np.float32)
        part = np.empty_like(out)
        zero, one = np.float32(0.0), np.float32(1.0)
        with np.errstate(invalid="ignore"):
            for k in range(widths.shape[-1]):
                np.subtract(x, starts[..., k], out=part)
                np.divide(part, widths[..., k], out=part)
                np.clip(part, zero, one, out=part)  # faster than maximum/minimum here
                out += part
        return out

    def count(self, x: np.ndarray) -> np.ndarray:
        """``floor`` of the ramp without the fraction: how many knots after ``x0`` are <= x (int8)."""
        x = np.asarray(x, dtype=np.float32)
        lead = self.knots.shape[:-1]
        knots = self.knots.reshape(lead + (1,) * x.ndim + (-1,))
        out = np.zeros(lead + x.shape, dtype=np.int8)
        for k in range(1, knots.shape[-1]):
            out += (x >= knots[..., k]).view(np.int8)
        return out


def band_knots(thresholds: Sequence[float]) -> list[float]:
    """Knots of the band position for thresholds ``t1 < t2 < t3 < t4`` (see :class:`Ramp`).

    The position is 0 at 0, ``k`` at ``t_k`` and 5 at ``t4 + (t4 - t3)``, so its integer part
    is the band (0 Low .. 4 Extreme) and the fraction is the way to the next band.
    """
    t = [float(v) for v in thresholds]
    return [0.0, *t, t[-1] + (t[-1] - t[-2])]


def beaufort_ramp(table: Mapping[str, Parameter] = TABLE) -> Ramp:
    """The continuous Beaufort number as a :class:`Ramp` over the WMO lower limits [m s-1]."""
    return Ramp([0.0, *table["beaufort_lower_limits"].value])  # type: ignore[misc]


def beaufort_number(wind_speed: np.ndarray, table: Mapping[str, Parameter] = TABLE) -> np.ndarray:
    """Continuous Beaufort number of a 10 m wind speed [m s-1], float32.

    Piecewise linear between the WMO lower limits, so ``floor`` gives the WMO force exactly
    (force 4 from 5.5 m/s, force 7 from 13.9 m/s); 12 at and above 32.7 m/s.
    """
    return beaufort_ramp(table)(wind_speed)


@dataclass(frozen=True)
class VesselRules:
    """The numbers of the table for one vessel class, or several stacked, for :func:`hazard`.

    Built by :meth:`from_table` (one class: results have the shape of the inputs) or
    :meth:`for_vessels` (several: results get a first axis, one entry per class).
    """

    vessels: tuple[str, ...]
    hs_band: Ramp
    """Band position (0-5) of the effective wave height [m]."""
    wind_band: Ramp
    """Band position (0-5) of the continuous Beaufort number."""
    beaufort: Ramp
    """Continuous Beaufort number of the 10 m wind speed [m s-1], up to the top of the bands."""
    minimum_level: np.ndarray
    """Lowest level of each class (shape ``()`` for one class, ``(m,)`` for several)."""
    steepness_1: np.float32
    steepness_2: np.float32
    steepness_min_hs: np.float32
    wind_rise: np.float32
    gust_floor: np.float32
    gust_floor_level: np.float32

    @classmethod
    def from_table(cls, vessel: str, table: Mapping[str, Parameter]) -> VesselRules:
        """The rules of one vessel class."""
        return cls._build((vessel,), table, stacked=False)

    @classmethod
    def for_vessels(cls, vessels: Sequence[str], table: Mapping[str, Parameter]) -> VesselRules:
        """The rules of several vessel classes, evaluated together."""
        return cls._build(tuple(vessels), table, stacked=True)

    @classmethod
    def _build(
        cls, vessels: tuple[str, ...], table: Mapping[str, Parameter], stacked: bool
    ) -> VesselRules:
        unknown = [v for v in vessels if v not in VESSELS]
        if unknown:
            raise ValueError(f"unknown vessel class {unknown[0]!r}; known: {', '.join(VESSELS)}")

        def number(key: str) -> np.float32:
            return np.float32(table[key].value)  # type: ignore[arg-type]

        def per_vessel(kind: str) -> list[Any]:
            values = [table[f"{v}.{kind}"].value for v in vessels]
            return values if stacked else values[0]

        hs = per_vessel("hs")
        wind = per_vessel("beaufort")
        wind_band = Ramp([band_knots(t) for t in wind] if stacked else band_knots(wind))
        # Above the last knot of every wind band the bands are all at the top: the Beaufort
        # number is not needed beyond it (fewer segments to evaluate on every cell).
        top = int(np.ceil(wind_band.knots[..., -1].max()))
        beaufort = beaufort_ramp(table)
        return cls(
            vessels=vessels,
            hs_band=Ramp([band_knots(t) for t in hs] if stacked else band_knots(hs)),
            wind_band=wind_band,
            beaufort=Ramp(beaufort.knots[: top + 1]) if top < beaufort.knots.size - 1 else beaufort,
            minimum_level=np.asarray(per_vessel("minimum_level"), dtype=np.float32),
            steepness_1=number("steepness_1"),
            steepness_2=number("steepness_2"),
            steepness_min_hs=number("steepness_min_hs"),
            wind_rise=number("wind_rise"),
            gust_floor=number("gust_floor"),
            gust_floor_level=number("gust_floor_level"),
        )


def _raises(hs_eff: np.ndarray, steep: np.ndarray, rules: VesselRules) -> np.ndarray:
    """Levels added by the steepness rule (0, 1 or 2, int8); NaN inputs add nothing."""
    big_enough = hs_eff >= rules.steepness_min_hs
    one = (steep >= rules.steepness_1) & big_enough
    two = (steep >= rules.steepness_2) & big_enough
    return one.view(np.int8) + two.view(np.int8)


def hazard(
    hs_eff: np.ndarray,
    steepness: np.ndarray,
    wind_speed: np.ndarray,
    wind_rise: np.ndarray,
    gust: np.ndarray,
    rules: VesselRules,
    hs_still: np.ndarray | None = None,
    steepness_still: np.ndarray | None = None,
    beaufort: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hazard level, score and drivers (Steps 1 and 2 of the index).

    All inputs broadcast together; NaN means "not known" (a rule whose input is unknown does not
    fire; where neither wave height nor wind is known the level is -1 and the score NaN).

    Parameters
    ----------
    hs_eff : numpy.ndarray
        Effective significant wave height, with the opposing-current factor [m].
    steepness : numpy.ndarray
        Effective wave steepness Hs/L0, with the current factor and the breaking cap [1].
    wind_speed : numpy.ndarray
        10 m wind speed [m s-1].
    wind_rise : numpy.ndarray
        Rise of the 10 m wind speed over the rule's window [m s-1].
    gust : numpy.ndarray
        Gust speed [m s-1].
    rules : VesselRules
        The numbers of one vessel class (:meth:`VesselRules.from_table`) or of several
        (:meth:`VesselRules.for_vessels`; the results then have one more, first, axis).
    hs_still, steepness_still : numpy.ndarray, optional
        The same without the current; when given, the ``opposing_current`` bit marks cells whose
        level the current raised.
    beaufort : numpy.ndarray, optional
        Continuous Beaufort number of ``wind_speed`` (:func:`beaufort_number`), when the caller
        already has it.

    Returns
    -------
    level : numpy.ndarray of int8
        0 Low .. 4 Extreme; -1 where nothing is known.
    score : numpy.ndarray of float32
        Continuous hazard in [0, 5]; ``floor(score) == level`` (Extreme for 5).
    drivers : numpy.ndarray of int16
        Bit field of :data:`DRIVER_FLAGS`.
    """
    shape = np.broadcast_shapes(*(np.shape(a) for a in (hs_eff, steepness, wind_speed,
                                                          wind_rise, gust)))  # fmt: skip
    hs_eff = np.broadcast_to(np.asarray(hs_eff, dtype=np.float32), shape)
    steepness = np.broadcast_to(np.asarray(steepness, dtype=np.float32), shape)

    def per_vessel(values: np.ndarray) -> np.ndarray:
        return values.reshape(values.shape + (1,) * len(shape))

    # numpy's clip is much faster than maximum/minimum against a scalar, and arithmetic on
    # masks faster than where: this runs on every sea cell of every hour.
    top, max_level = np.float32(N_LEVELS), np.float32(MAX_LEVEL)
    with np.errstate(invalid="ignore"):
        # The modifiers are the same for every vessel class.
        if beaufort is None:
            beaufort = rules.beaufort(wind_speed)
        beaufort = np.broadcast_to(beaufort, shape)
        steep_raise = _raises(hs_eff, steepness, rules)
        rise_up = np.broadcast_to(wind_rise >= rules.wind_rise, shape)
        gusty = np.broadcast_to(gust >= rules.gust_floor, shape)
        modifiers = steep_raise + rise_up.view(np.int8)
        shared_bits = (steep_raise == 1).astype(np.int16) << 2
        shared_bits |= (steep_raise == 2).astype(np.int16) << 3
        shared_bits |= rise_up.astype(np.int16) << 4
        no_waves = np.isnan(hs_eff)
        no_wind = np.isnan(beaufort)
        shared_bits |= (no_waves & ~no_wind).astype(np.int16) << 8

        # Step 1 and the levels, per vessel class.
        pos_hs = rules.hs_band(hs_eff)
        pos_wind = rules.wind_band(beaufort)
        base = np.fmax(pos_hs, pos_wind)
        raised = base + modifiers
        minimum = per_vessel(rules.minimum_level)
        gust_level = np.maximum(minimum, rules.gust_floor_level)
        floors = gusty * (gust_level - minimum) + minimum
        score = np.maximum(raised, floors)
        np.clip(score, np.float32(0.0), top, out=score)
        level = np.clip(score, np.float32(0.0), max_level).astype(np.int8)  # floor, as >= 0

        base_level = np.clip(base, np.float32(0.0), max_level).astype(np.int8)
        raised_level = np.clip(raised, np.float32(0.0), max_level).astype(np.int8)
        hs_level = pos_hs.astype(np.int8)
        wind_level = pos_wind.astype(np.int8)
        bits = ((hs_level >= 1) & (hs_level >= base_level)).astype(np.int16)
        bits |= ((wind_level >= 1) & (wind_level >= base_level)).astype(np.int16) << 1
        bits |= shared_bits
        lifted = floors > raised_level
        gust_sets = gusty & (gust_level > minimum)
        bits |= (lifted & gust_sets).astype(np.int16) << 5
        bits |= (lifted & ~gust_sets & (minimum > 0)).astype(np.int16) << 7
        if hs_still is not None and steepness_still is not None:
            hs_still = np.broadcast_to(np.asarray(hs_still, dtype=np.float32), shape)
            steepness_still = np.broadcast_to(np.asarray(steepness_still, np.float32), shape)
            # Only cells the current changed can owe their level to it; only levels matter, so
            # the band is counted instead of placed.
            changed = (hs_still < hs_eff) | (steepness_still < steepness)
            if changed.any():
                still = rules.hs_band.count(hs_still)
                np.maximum(still, wind_level, out=still)
                still += _raises(hs_still, steepness_still, rules) + rise_up.view(np.int8)
                still_level = np.clip(np.maximum(still, floors), np.float32(0.0), max_level)
                bits |= (changed & (level > still_level)).astype(np.int16) << 6
        unknown = no_waves & no_wind
        if unknown.any():
            np.copyto(level, np.int8(-1), where=unknown)
            np.copyto(bits, np.int16(-1), where=unknown)
    return level, score, bits


def describe_drivers(
    bits: int | float | np.integer, table: Mapping[str, Parameter] | None = None
) -> list[str]:
    """Words saying why a cell has its level, from its ``drivers`` bit field.

    Parameters
    ----------
    bits
        One value of the ``drivers`` variable (NaN or negative: no data).
    table
        Threshold table for the numbers quoted (default :data:`TABLE`).

    Returns
    -------
    list of str
        One phrase per rule that set or raised the level; ``["calm: no rule raised the level"]``
        when none did, ``["no data (land or outside the forecast)"]`` for fill values.

    Examples
    --------
    >>> describe_drivers(1 | 4)
    ['wave height band (effective Hs)', 'steep waves: +1 level (steepness at least 1/20)']
    """
    table = TABLE if table is None else table
    if bits is None or (isinstance(bits, float) and not math.isfinite(bits)) or int(bits) < 0:
        return ["no data (land or outside the forecast)"]
    value = int(bits)
    detail = {
        "steepness_1": f" (steepness at least 1/{1 / float(table['steepness_1'].value):.0f})",  # type: ignore[arg-type]
        "steepness_2": f" (steepness at least 1/{1 / float(table['steepness_2'].value):.0f})",  # type: ignore[arg-type]
        "wind_rise": (
            f" ({_knots(float(table['wind_rise'].value))} kn or more within "  # type: ignore[arg-type]
            f"{int(table['wind_rise_hours'].value)} h)"  # type: ignore[arg-type]
        ),
        "gust_floor": f" (gusts of {_knots(float(table['gust_floor'].value))} kn or more)",  # type: ignore[arg-type]
    }
    words = [text + detail.get(name, "") for name, mask, text in DRIVER_FLAGS if value & mask]
    return words or ["calm: no rule raised the level"]


def _knots(speed_ms: float) -> str:
    return f"{speed_ms * 3600 / 1852:.0f}"


def drivers_attrs() -> dict[str, Any]:
    """CF attributes of the ``drivers`` bit field."""
    return {
        "long_name": "rules that set or raised the capsize hazard level",
        "flag_masks": np.array([mask for _, mask, _ in DRIVER_FLAGS], dtype=np.int16),
        "flag_meanings": " ".join(name for name, _, _ in DRIVER_FLAGS),
        "comment": "Bit field; 0 means no rule raised the level (Low). "
        "seawatch.layers.capsize.describe_drivers(value) gives the words.",
    }
