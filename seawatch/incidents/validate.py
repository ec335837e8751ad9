"""Validation of incident fields: one clear line per problem, nothing written on failure.

Used by the store for creates, edits and imports. Counts of people are whole numbers >= 0 or
``None`` (unknown; never turned into 0). Times become timezone-aware UTC datetimes. Positions come
either as ``lat``/``lon`` (decimal degrees) or as text in any form :func:`parse_position` reads.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Mapping
from typing import Any, overload

from seawatch.errors import DataError, PositionError
from seawatch.geo.positions import parse_position
from seawatch.incidents.model import BOAT_TYPES, EDITABLE_FIELDS, STATUSES
from seawatch.timeutil import now_utc

__all__ = ["clean_changes", "clean_new", "parse_since", "parse_time"]

COUNT_FIELDS = ("persons", "dead", "missing", "survivors")
TEXT_LIMITS = {
    "position_text": 500,
    "position_accuracy": 200,
    "source": 64,
    "source_id": 200,
    "cause": 2000,
    "route": 2000,
    "location": 5000,
    "url": 5000,
    "notes": 20000,
}
FUTURE_TOLERANCE = dt.timedelta(days=1)
_POSITION_ALIASES = ("position",)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:  # pandas.NA, pandas.NaT
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


def parse_time(value: Any, name: str = "time", now: dt.datetime | None = None) -> dt.datetime:
    """A datetime or ISO 8601 text as aware UTC; naive values are taken as UTC.

    Raises
    ------
    DataError
        Unreadable text, a year before 1900, or more than one day in the future.
    """
    if isinstance(value, dt.datetime):
        result = value
        if hasattr(result, "to_pydatetime"):
            result = result.to_pydatetime()
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            result = dt.datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise DataError(
                f"{name} {value!r} is not a date and time; use ISO 8601 like "
                "2025-04-05T06:30Z or 2025-04-05 08:30+02:00"
            ) from None
    else:
        raise DataError(f"{name} must be a date and time, got {type(value).__name__}")
    result = result.replace(tzinfo=dt.UTC) if result.tzinfo is None else result.astimezone(dt.UTC)
    if result.year < 1900:
        raise DataError(f"{name} {result:%Y-%m-%d} is before 1900")
    now = now or now_utc()
    if result > now + FUTURE_TOLERANCE:
        raise DataError(f"{name} {result:%Y-%m-%d %H:%M}Z is in the future")
    return result


def _coordinate(name: str, value: Any) -> float:
    limit = 90.0 if name == "lat" else 180.0
    label = "latitude" if name == "lat" else "longitude"
    if isinstance(value, bool):
        raise DataError(f"{label} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{label} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise DataError(f"{label} {value!r} is not a finite number")
    if abs(number) > limit:
        raise PositionError(f"{label} {number:g} is out of range (-{limit:g} to {limit:g})")
    return number


def _count(name: str, value: Any) -> int | None:
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise DataError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and float(value).is_integer()
    ):
        number = int(value)
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        number = int(value.strip())
    else:
        raise DataError(f"{name} {value!r} is not a whole number (leave it empty if unknown)")
    if number < 0:
        raise DataError(f"{name} {number} must be 0 or more (leave it empty if unknown)")
    if number > 100_000:
        raise DataError(f"{name} {number} is not plausible for one incident")
    return number


def _quality(value: Any) -> int | None:
    number = _count("source_quality", value)
    if number is not None and not 1 <= number <= 5:
        raise DataError(f"source_quality {number} must be 1 to 5")
    return number


def _text(name: str, value: Any) -> str | None:
    if _is_missing(value):
        return None
    if not isinstance(value, str | numbers.Number):
        raise DataError(f"{name} must be text, got {type(value).__name__}")
    text = str(value).strip()
    limit = TEXT_LIMITS.get(name, 2000)
    if len(text) > limit:
        raise DataError(f"{name} is {len(text)} characters long; the limit is {limit}")
    return text


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    text = _text(name, value)
    key = text.casefold() if text else text
    if key == "fiberglass":
        key = "fibreglass"
    if key not in choices:
        raise DataError(f"{name} {value!r} must be one of {', '.join(choices)}")
    return key


def clean_flags(value: Any) -> list[str]:
    """Flag words from a list or a comma/semicolon-separated text; DataError otherwise."""
    if _is_missing(value):
        return []
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",")]
    try:
        items = [str(v).strip() for v in value]
    except TypeError:
        raise DataError(f"flags must be a list of words, got {value!r}") from None
    return sorted({v for v in items if v})


_CLEANERS = {
    "time": lambda v, now: parse_time(v, now=now),
    "lat": lambda v, now: _coordinate("lat", v),
    "lon": lambda v, now: _coordinate("lon", v),
    "boat_type": lambda v, now: _choice("boat_type", v, BOAT_TYPES),
    "status": lambda v, now: _choice("status", v, STATUSES),
    "source_quality": lambda v, now: _quality(v),
    "flags": lambda v, now: clean_flags(v),
}
_CLEANERS |= {name: (lambda n: lambda v, now: _count(n, v))(name) for name in COUNT_FIELDS}


def _clean_value(name: str, value: Any, now: dt.datetime) -> Any:
    cleaner = _CLEANERS.get(name)
    if cleaner is not None:
        if name in ("time", "lat", "lon", "boat_type", "status") and _is_missing(value):
            raise DataError(f"{name} is required")
        return cleaner(value, now)
    return _text(name, value)


def _check_keys(fields: Mapping[str, Any]) -> None:
    unknown = [k for k in fields if k not in EDITABLE_FIELDS and k not in _POSITION_ALIASES]
    if unknown:
        raise DataError(
            f"unknown field {', '.join(map(repr, sorted(unknown)))}; "
            f"fields are {', '.join(EDITABLE_FIELDS)}"
        )


def _position_text(fields: Mapping[str, Any]) -> tuple[bool, str | None]:
    for key in ("position_text", *_POSITION_ALIASES):
        if key in fields:
            return True, _text("position_text", fields[key])
    return False, None


def _check_counts(record: Mapping[str, Any]) -> None:
    persons = record.get("persons")
    if persons is None:
        return
    parts = {k: record.get(k) for k in ("dead", "missing", "survivors")}
    known = sum(v for v in parts.values() if v is not None)
    if known > persons:
        raise DataError(
            f"dead + missing + survivors ({known}) is more than persons on board ({persons})"
        )


def clean_new(fields: Mapping[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """Validate the fields of a new incident; return every editable field, with defaults.

    A position is required: ``lat`` and ``lon``, or ``position_text`` (alias ``position``) in
    any form :func:`~seawatch.geo.positions.parse_position` reads. When both are given the
    numbers win and the text is kept as entered.

    Raises
    ------
    DataError, PositionError
        The first problem found, in one line.
    """
    now = now or now_utc()
    _check_keys(fields)
    has_text, text = _position_text(fields)
    record: dict[str, Any] = {
        name: _clean_value(name, fields[name], now)
        for name in EDITABLE_FIELDS
        if name in fields
        and name not in ("lat", "lon", "position_text")
        and not (name in ("time", "boat_type", "status", "source") and _is_missing(fields[name]))
    }
    record.setdefault("boat_type", "unknown")
    record.setdefault("source", "coordinator")
    if "status" not in record:
        record["status"] = "distress" if record["source"] == "coordinator" else "closed"
    if "time" not in record:
        record["time"] = now
    lat_given = not _is_missing(fields.get("lat"))
    lon_given = not _is_missing(fields.get("lon"))
    if lat_given != lon_given:
        raise DataError("give both lat and lon, or a position text")
    if lat_given:
        record["lat"] = _coordinate("lat", fields["lat"])
        record["lon"] = _coordinate("lon", fields["lon"])
    elif has_text and text:
        position = parse_position(text)
        record["lat"], record["lon"] = position.lat, position.lon
    else:
        raise DataError("a position is required: give the position text, or lat and lon")
    record["position_text"] = text
    for name in EDITABLE_FIELDS:
        record.setdefault(name, [] if name == "flags" else None)
    _check_counts(record)
    return record


def clean_changes(
    current: Mapping[str, Any], changes: Mapping[str, Any], now: dt.datetime | None = None
) -> dict[str, Any]:
    """Apply ``changes`` to ``current`` and validate; return the full new editable fields.

    A new ``position_text`` without ``lat``/``lon`` is parsed; new ``lat``/``lon`` without text
    clear the old text (it no longer describes the position).
    """
    now = now or now_utc()
    _check_keys(changes)
    record = {name: current.get(name) for name in EDITABLE_FIELDS}
    for name, value in changes.items():
        if name in ("lat", "lon", "position_text", *_POSITION_ALIASES):
            continue
        if name in ("boat_type", "status", "source") and _is_missing(value):
            raise DataError(f"{name} cannot be empty")
        record[name] = _clean_value(name, value, now)
    has_text, text = _position_text(changes)
    lat_given = "lat" in changes and not _is_missing(changes["lat"])
    lon_given = "lon" in changes and not _is_missing(changes["lon"])
    if ("lat" in changes or "lon" in changes) and not (lat_given and lon_given):
        raise DataError("give both lat and lon, or a position text")
    if lat_given:
        record["lat"] = _coordinate("lat", changes["lat"])
        record["lon"] = _coordinate("lon", changes["lon"])
        record["position_text"] = text if has_text else None
    elif has_text:
        if not text:
            raise DataError("the position cannot be empty")
        position = parse_position(text)
        record["lat"], record["lon"] = position.lat, position.lon
        record["position_text"] = text
    _check_counts(record)
    return record


_PERIOD = re.compile(r"^\s*(\d{1,6}(?:\.\d+)?)\s*([mhdw])\s*$", re.IGNORECASE)
_PERIOD_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@overload
def parse_since(text: str, name: str = ..., now: dt.datetime | None = ...) -> dt.datetime: ...
@overload
def parse_since(text: None, name: str = ..., now: dt.datetime | None = ...) -> None: ...
def parse_since(
    text: str | None, name: str = "since", now: dt.datetime | None = None
) -> dt.datetime | None:
    """``24h``, ``7d``, ``30m``, ``2w`` before ``now`` (decimals allowed) or an ISO 8601
    date/time, as aware UTC; None for None. Used by the CLI and the web API alike.

    Raises
    ------
    DataError
        One line naming ``name`` for anything else.
    """
    if text is None:
        return None
    now = now or now_utc()
    match = _PERIOD.match(text)
    try:
        if match:
            return now - dt.timedelta(**{_PERIOD_UNITS[match[2].lower()]: float(match[1])})
        return parse_time(text, name, now=dt.datetime(9000, 1, 1, tzinfo=dt.UTC))
    except OverflowError:
        raise DataError(f"{name} {text!r} is out of range") from None
    except DataError:
        raise DataError(
            f"{name} {text!r} is neither a period like 24h, 7d, 2w nor a date like 2025-04-05 "
            "or 2025-04-05T06:00Z"
        ) from None
