"""What both maps say about the data: model run, age, staleness, demo, drivers, time windows.

Pure functions over the risk dataset (see :mod:`seawatch.schema`) and the incidents frame;
times are UTC inside and converted to Africa/Tripoli only for labels.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import xarray as xr

from seawatch.errors import DataError
from seawatch.i18n import direction, translate
from seawatch.schema import HAZARD_LEVELS, VESSELS, forecast_age_hours, is_demo, is_stale
from seawatch.timeutil import as_utc

LOCAL_TZ = ZoneInfo("Africa/Tripoli")

ATTRIBUTION_KEYS: tuple[str, ...] = (
    "attribution.open_meteo",
    "attribution.ecmwf",
    "attribution.copernicus",
    "attribution.iom",
    "attribution.gshhg",
    "attribution.imo",
)
"""Credit lines every map carries, as the data licences ask (catalogue keys)."""

REQUIRED_VARIABLES = ("hazard_level",)


@dataclass(frozen=True)
class ForecastInfo:
    """Provenance of the risk dataset as people read it.

    Attributes
    ----------
    reference_time
        Model run (aware UTC), or None when the dataset does not say.
    source, model
        Fetcher and model names from the dataset attributes.
    age_hours
        Hours from the model run to ``now`` (NaN without a run time).
    stale
        True when ``age_hours`` exceeds the configured limit or the run time is unknown.
    demo
        True for the synthetic demo scenario.
    """

    reference_time: dt.datetime | None
    source: str
    model: str
    age_hours: float
    stale: bool
    demo: bool


def check_risk(risk: xr.Dataset) -> None:
    """Raise :class:`DataError` (one line) if ``risk`` cannot be drawn."""
    missing = [v for v in REQUIRED_VARIABLES if v not in risk.data_vars]
    if missing:
        raise DataError(
            f"risk dataset has no {', '.join(missing)}: rebuild it with `seawatch build`"
        )
    for dim in ("time", "vessel", "lat", "lon"):
        if dim not in risk.dims:
            raise DataError(
                f"risk dataset has no {dim!r} dimension: rebuild it with `seawatch build`"
            )
    if risk.sizes["time"] == 0 or risk.sizes["lat"] < 2 or risk.sizes["lon"] < 2:
        raise DataError("risk dataset is empty (no time steps or fewer than 2x2 cells)")
    for name in ("lat", "lon"):
        values = risk[name].values
        if not np.all(np.diff(values) > 0):
            raise DataError(f"risk dataset {name} is not strictly ascending")


def forecast_info(risk: xr.Dataset, now: dt.datetime, stale_after_hours: float) -> ForecastInfo:
    """Model run, source and age of ``risk`` at ``now``, and whether it is stale or a demo."""
    raw = risk.attrs.get("reference_time")
    reference: dt.datetime | None
    try:
        reference = as_utc(raw) if raw else None
    except (ValueError, TypeError):
        reference = None
    age = forecast_age_hours(reference, now)
    stale = is_stale(reference, now, stale_after_hours)
    demo = is_demo(risk.attrs)
    return ForecastInfo(
        reference_time=reference,
        source=str(risk.attrs.get("source", "")),
        model=str(risk.attrs.get("model", "")),
        age_hours=float("nan") if age is None else age,
        stale=stale,
        demo=demo,
    )


def select_times(times: np.ndarray, step_hours: int) -> np.ndarray:
    """Indices of the forecast steps shown: the first one and every ``step_hours`` after it."""
    stamps = pd.DatetimeIndex(times)
    hours = (stamps - stamps[0]) / pd.Timedelta(hours=1)
    keep = np.isclose(np.mod(hours, step_hours), 0.0)
    return np.flatnonzero(keep)


def first_index_at_or_after(times: np.ndarray, now: dt.datetime) -> int:
    """Index of the first step at or after ``now`` (the last step if all are earlier)."""
    stamps = (
        pd.DatetimeIndex(times).tz_localize("UTC")
        if pd.DatetimeIndex(times).tz is None
        else pd.DatetimeIndex(times)
    )
    after = np.flatnonzero(stamps >= pd.Timestamp(now).floor("h"))
    return int(after[0]) if after.size else len(stamps) - 1


def window_max(
    level: xr.DataArray, start: dt.datetime, hours: float
) -> tuple[xr.DataArray, dt.datetime, dt.datetime]:
    """Worst (maximum) level over ``[start, start + hours)``, land kept as NaN.

    Falls back to the last ``hours`` of the forecast when the window holds no step (an old
    forecast); the returned start and end say which window was used.
    """
    times = pd.DatetimeIndex(level["time"].values)
    begin = (
        pd.Timestamp(start).tz_convert("UTC").tz_localize(None)
        if pd.Timestamp(start).tzinfo
        else pd.Timestamp(start)
    )
    end = begin + pd.Timedelta(hours=hours)
    mask = (times >= begin) & (times < end)
    if not mask.any():
        end = times[-1] + pd.Timedelta(hours=1)
        begin = end - pd.Timedelta(hours=hours)
        mask = (times >= begin) & (times < end)
    worst = level.isel(time=np.flatnonzero(mask)).max("time", skipna=True)
    return worst, as_utc(begin), as_utc(end)


def flag_meanings(drivers: xr.DataArray | None) -> list[tuple[int, str]]:
    """``(mask, meaning)`` pairs of a CF bit-field ``drivers`` variable (empty if absent)."""
    if drivers is None:
        return []
    meanings = str(drivers.attrs.get("flag_meanings", "")).split()
    masks = np.atleast_1d(drivers.attrs.get("flag_masks", [])).astype(np.int64).tolist()
    if len(masks) != len(meanings):
        masks = [1 << i for i in range(len(meanings))]
    return list(zip(masks, meanings, strict=True))


def describe_bits(bits: int, flags: list[tuple[int, str]], lang: str) -> list[str]:
    """Words for the drivers set in ``bits``, from the catalogue (``driver.<meaning>``)."""
    words = []
    for mask, meaning in flags:
        if mask and int(bits) & mask == mask:
            try:
                words.append(translate(f"driver.{meaning}", lang))
            except KeyError:
                words.append(meaning.replace("_", " "))
    return words


def vessels_of(risk: xr.Dataset) -> list[str]:
    """Vessel classes present, in the order of :data:`seawatch.schema.VESSELS` first."""
    present = [str(v) for v in risk["vessel"].values]
    return [v for v in VESSELS if v in present] + [v for v in present if v not in VESSELS]


def format_local(value: dt.datetime, lang: str) -> str:
    """``08:00 Tripoli`` (local clock time, labelled)."""
    local = as_utc(value).astimezone(LOCAL_TZ)
    return translate(
        "time.local", lang, time=local.strftime("%H:%M"), date=local.strftime("%Y-%m-%d")
    )


# Numbers, dates, clock times and signed leads ("2026-11-24 06:00 UTC", "+6"). In an Arabic line
# the bidi algorithm turns digits after Arabic letters into Arabic numbers, so a date's parts are
# laid out right to left ("24-11-2026"; UAX #9 rule W2). Digits inside a word ("ifs025") stay with it.
NUMBER_RUN = re.compile(r"(?<!\w)[+\-]?\d[\d:./\-]*(?: \d[\d:./\-]*)*(?: UTC)?")
LRM, RLM, NBSP = "\u200e", "\u200f", "\u00a0"


def ltr_marked(text: str, lang: str) -> str:
    """``text`` with its number runs held left to right by marks, for right-to-left languages.

    For drawing libraries that lay out one line (matplotlib): a LEFT-TO-RIGHT MARK before a run
    makes its digits follow it (rule W2 sees a strong L, not an Arabic letter); a RIGHT-TO-LEFT
    MARK after it keeps the next Latin word ("ecmwf_ifs025") out of the run, so the parts keep
    their Arabic reading order. The run's spaces become no-break spaces: a wrapped line never
    splits a date from its time. The marks have glyphs (zero width) in DejaVu Sans, unlike the
    isolates U+2066..2069 that web pages use.
    """
    if direction(lang) != "rtl":
        return text
    return NUMBER_RUN.sub(lambda m: LRM + m.group(0).replace(" ", NBSP) + RLM, text)


def format_age(hours: float, lang: str) -> str:
    """``5 h ago`` / ``2 d 3 h ago``, or ``unknown``."""
    if not np.isfinite(hours):
        return translate("age.unknown", lang)
    if hours < 0:
        return translate("age.future", lang, hours=f"{-hours:.0f}")
    if hours < 48:
        return translate("age.hours", lang, hours=f"{hours:.0f}")
    return translate("age.days", lang, days=f"{hours // 24:.0f}", hours=f"{hours % 24:.0f}")


def incidents_since(incidents, now: dt.datetime, days: float | None):
    """Rows of an incidents frame with a position and a time within ``days`` before ``now``.

    ``days=None`` keeps every dated row. Rows without lat/lon are always dropped (they cannot be
    drawn).
    """
    if incidents is None or len(incidents) == 0:
        return incidents.iloc[0:0] if incidents is not None else None
    frame = incidents[
        np.isfinite(incidents["lat"].astype(float)) & np.isfinite(incidents["lon"].astype(float))
    ]
    if days is None:
        return frame
    times = pd.to_datetime(frame["time"], utc=True)
    stamp = pd.Timestamp(now)
    start = stamp - pd.Timedelta(days=days)
    return frame[(times >= start) & (times <= stamp)]


def hazard_words(lang: str) -> list[str]:
    """Names of the hazard levels low..extreme in ``lang``."""
    return [translate(f"hazard.{name}", lang) for name in HAZARD_LEVELS]


# Where names collide the first in this order keeps its place: Libya's three largest cities (the
# towns readers place the coast by), then departure points at exact positions, approximate ones,
# disembarkation ports. Assumption, to calibrate with coordinators.
PORT_LABEL_FIRST = ("tripoli", "benghazi", "misrata")


def ports_by_label_priority() -> list[Any]:
    """The gazetteer's ports (rows of :func:`seawatch.geo.regions.ports`), most important first:
    the order in which the maps give their names room."""
    from seawatch.geo.regions import ports

    def rank(port: Any) -> tuple[int, int]:
        if port.id in PORT_LABEL_FIRST:
            return (0, PORT_LABEL_FIRST.index(port.id))
        return (1 + (port.kind != "departure") * 2 + bool(port.approx), 0)

    return sorted(ports().itertuples(), key=rank)
