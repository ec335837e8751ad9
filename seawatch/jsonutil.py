"""JSON in seawatch: one encoder for every writer (exports, web API, store columns, CLI).

Rules: UTF-8 text as it is (``ensure_ascii=False``: Arabic names stay readable), no NaN or
Infinity (they are not JSON; a writer that may meet them cleans its values first), times as
:func:`seawatch.timeutil.isoformat_utc` (UTC, ``Z``, whole seconds), numpy scalars as plain
numbers, pandas ``NA``/``NaT`` as ``null``, tuples and sets as lists.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from seawatch.timeutil import isoformat_utc

__all__ = ["dumps", "json_default"]


def json_default(value: Any) -> Any:
    """What :mod:`json` calls for a value it does not know; raises TypeError for the rest."""
    if value.__class__.__name__ in ("NAType", "NaTType"):  # NaT is a datetime too
        return None
    if isinstance(value, dt.datetime):
        return isoformat_utc(value)
    if hasattr(value, "item") and not isinstance(value, type):  # numpy scalars
        return value.item()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


_COMPACT = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=json_default
)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text: compact, or indented by ``indent`` spaces for people."""
    if indent is None:
        return _COMPACT.encode(value)
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=indent, default=json_default
    )
