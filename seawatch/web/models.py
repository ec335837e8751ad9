"""Request bodies of the incident API, JSON of records, and 422 messages a person understands.

The models describe the API in the OpenAPI schema and catch wrong types early; the incident
store then checks the values (ranges, the position text, counts against persons on board) and
its one-line messages are passed on as they are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from seawatch.geo.positions import format_ddm
from seawatch.timeutil import as_utc, isoformat_utc

BoatType = Literal["rubber", "wooden", "fibreglass", "iron", "other", "unknown"]
EditableStatus = Literal[
    "distress", "intercepted", "rescued", "capsized", "sunk", "missing", "closed"
]
MAX_COUNT = 100_000
# PostgreSQL cannot store NUL, and lone surrogates cannot be encoded as UTF-8.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _text_field(max_length: int, description: str) -> Any:
    return Field(None, max_length=max_length, description=description)


def _count_field(description: str) -> Any:
    # strict: true or "12" is a mistake to report, not a count to guess
    return Field(
        None, ge=0, le=MAX_COUNT, strict=True, description=f"{description}; null when unknown"
    )


class IncidentFields(BaseModel):
    """Fields a coordinator may set; every one optional here."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    position: str | None = Field(
        None,
        max_length=500,
        description="Position as typed, in any format seawatch reads "
        "(33°12.5'N 012°45.3'E, 33.2083 12.755, N33 12.500 E012 45.300, ...). "
        "Give either this or lat and lon.",
        examples=["33°12.5'N 012°45.3'E"],
    )
    lat: float | None = Field(None, strict=True, description="Latitude, decimal degrees (WGS84)")
    lon: float | None = Field(None, strict=True, description="Longitude, decimal degrees (WGS84)")
    time: dt.datetime | None = Field(
        None, description="When it was reported, ISO 8601; without an offset it is UTC"
    )
    persons: int | None = _count_field("Persons on board")
    dead: int | None = _count_field("Dead")
    missing: int | None = _count_field("Missing")
    survivors: int | None = _count_field("Survivors")
    boat_type: BoatType | None = None
    status: EditableStatus | None = None
    source: str | None = _text_field(64, "Who reported it (default: coordinator)")
    source_id: str | None = _text_field(200, "The source's own reference")
    position_accuracy: str | None = _text_field(200, "How exact the position is")
    note: str | None = Field(
        None,
        max_length=20_000,
        validation_alias=AliasChoices("note", "notes"),
        description="Free text (also accepted as 'notes')",
    )

    @field_validator("position", "source", "source_id", "position_accuracy", "note")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        if value is not None and _UNSTORABLE.search(value):
            raise ValueError("contains a character that cannot be stored (NUL or a lone surrogate)")
        return value

    @field_validator("time", mode="before")
    @classmethod
    def _iso_text(cls, value: Any) -> Any:
        # Numbers (Unix seconds?) and bare numbers as text are not read as times.
        if value is not None and (
            not isinstance(value, str) or re.fullmatch(r"\s*[+-]?\d+(\.\d*)?\s*", value)
        ):
            raise ValueError("must be an ISO 8601 time such as 2026-08-20T04:30:00Z")
        return value

    @field_validator("time")
    @classmethod
    def _time_in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        try:
            return as_utc(value)
        except OverflowError:
            raise ValueError("is too far from today to be an incident time") from None

    def store_fields(self) -> dict[str, Any]:
        """The fields that were sent, named as the store names them."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            key = {"note": "notes", "position": "position_text"}.get(name, name)
            out[key] = value
        return out


class IncidentCreate(IncidentFields):
    """A new incident: a position (text, or lat and lon) and whatever else is known."""

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {
                    "position": "33°12.5'N 012°45.3'E",
                    "time": "2026-08-20T04:30:00Z",
                    "persons": 80,
                    "boat_type": "rubber",
                    "status": "distress",
                    "source": "coordinator",
                    "note": "engine failure, taking water",
                }
            ]
        },
    )


class IncidentPatch(IncidentFields):
    """Changes to an incident, based on the version the editor saw; null clears a field."""

    version: int = Field(..., ge=1, le=2**31 - 1, description="The version your change is based on")

    def store_fields(self) -> dict[str, Any]:
        fields = super().store_fields()
        fields.pop("version", None)
        return fields


# -------------------------------------------------------------------------------- output


def _plain_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Times as text by the seawatch.timeutil rule (the 409 answer goes out through FastAPI)."""
    return {k: isoformat_utc(v) if isinstance(v, dt.datetime) else v for k, v in row.items()}


def record_json(record: Mapping[str, Any]) -> dict[str, Any]:
    """A store record as JSON values, with the position in degrees and decimal minutes added."""
    out = _plain_row(record)
    out["position_ddm"] = format_ddm(record["lat"], record["lon"])
    return out


def history_json(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """History rows as JSON values."""
    return [_plain_row(row) for row in rows]


# -------------------------------------------------------------------------------- 422 messages

_FIELD_NAMES = {"lat": "latitude", "lon": "longitude", "note": "note", "notes": "note"}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    if not parts:
        return "the request"
    name = ".".join(parts)
    return _FIELD_NAMES.get(name, name)


def describe_error(error: Mapping[str, Any]) -> str:
    """One line for one pydantic/FastAPI validation error."""
    field = _field(tuple(error.get("loc", ())))
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"{field} is not a field seawatch knows"
    if kind == "json_invalid":
        return f"the body is not valid JSON ({ctx.get('error', 'syntax error')})"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "the body must be a JSON object"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{field} {given!r} is not a whole number (leave it empty if unknown)"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"{field} {given!r} is not a number"
    if kind in ("bool_parsing", "bool_type"):
        return f"{field} {given!r} must be true or false"
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return f"{field} {given} must be {limit} or more"
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return f"{field} {given} is too large (at most {limit})"
    if kind == "string_too_long":
        return f"{field} is too long; the limit is {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return f"{field} is too short"
    if kind in ("string_type", "string_pattern_mismatch"):
        return f"{field} {given!r} is not acceptable text"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"{field} {given!r} must be one of {expected}"
    if kind.startswith(("datetime", "date", "timezone")):
        return f"{field} {given!r} is not a date and time; use ISO 8601 like 2026-08-20T04:30Z"
    if kind == "value_error":
        reason = str(ctx.get("error", error.get("msg", "")))
        return f"{field} {reason}"
    return f"{field}: {error.get('msg', 'is not valid')}"


def describe_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """``[{"field", "message"}]`` for a list of validation errors."""
    return [
        {"field": _field(tuple(e.get("loc", ()))), "message": describe_error(e)} for e in errors
    ]
