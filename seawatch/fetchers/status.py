"""Per-source fetch state: last success, model run, last error; read by ``seawatch status``.

Kept in ``<data>/state/sources.json`` (written atomically)::

    {"open_meteo": {"last_success": "2026-08-20T07:31:02Z", "run": "2026-08-20T07:00:00Z",
                    "model": "...", "path": ".../forecast/open_meteo.nc",
                    "last_attempt": "...", "last_error": null, "last_error_at": null,
                    "points": 910, "variables": ["hs", ...], "seconds": 4.2}, ...}

A failure keeps the fields of the last success, so an operator sees both how old the good data
is and why the newest attempt failed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from seawatch.config import Settings
from seawatch.storage import DataPaths, atomic_write_text
from seawatch.timeutil import isoformat_utc, now_utc

STATUS_FILE = "sources.json"


def status_path(data_dir: Path) -> Path:
    """``<data>/state/sources.json``."""
    return DataPaths(Path(data_dir)).state_dir / STATUS_FILE


def _load(data_dir: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(status_path(data_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(data_dir: Path, data: Mapping[str, Any]) -> None:
    atomic_write_text(status_path(data_dir), json.dumps(data, indent=2, sort_keys=True))


def record_success(
    data_dir: Path,
    source: str,
    *,
    run: str,
    model: str = "",
    path: Path | str | None = None,
    when: dt.datetime | None = None,
    **details: Any,
) -> dict[str, Any]:
    """Record that ``source`` delivered model run ``run`` (ISO 8601 UTC); clears the last error.

    ``details`` (e.g. ``points``, ``variables``, ``seconds``) are stored as given (JSON values).
    Returns the new entry.
    """
    now = isoformat_utc(when or now_utc())
    data = _load(data_dir)
    entry = data.get(source, {})
    entry.update(
        last_success=now,
        last_attempt=now,
        run=run,
        model=model,
        path=str(path) if path is not None else None,
        last_error=None,
        last_error_at=None,
        **details,
    )
    data[source] = entry
    _save(data_dir, data)
    return entry


def record_failure(
    data_dir: Path, source: str, reason: str, *, when: dt.datetime | None = None
) -> dict[str, Any]:
    """Record a failed attempt of ``source`` with its one-line ``reason``; keeps the last success."""
    now = isoformat_utc(when or now_utc())
    data = _load(data_dir)
    entry = data.get(source, {})
    entry.setdefault("last_success", None)
    entry.setdefault("run", None)
    entry.update(last_attempt=now, last_error=reason, last_error_at=now)
    data[source] = entry
    _save(data_dir, data)
    return entry


def read_status(settings: Settings, now: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per-source state with ``age_hours`` (since the last success) added.

    Sources of ``settings.weather.chain`` that never ran appear with empty fields, so the
    operator sees them too.
    """
    now = now or now_utc()
    data = _load(settings.data_dir)
    for name in settings.weather.chain:
        data.setdefault(name, {"last_success": None, "run": None, "last_error": None})
    for entry in data.values():
        entry["age_hours"] = _age_hours(entry.get("last_success"), now)
    return data


def _age_hours(stamp: str | None, now: dt.datetime) -> float | None:
    if not stamp:
        return None
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return round((now - when).total_seconds() / 3600.0, 1)


def format_status(status: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Lines for a person: one per source, times in UTC, age in hours."""
    lines = []
    for name in sorted(status):
        entry = status[name]
        success = _short_time(entry.get("last_success")) or "never"
        run = _short_time(entry.get("run")) or "-"
        age = entry.get("age_hours")
        age_txt = f"{age:.1f} h" if age is not None else "-"
        error = entry.get("last_error") or "none"
        lines.append(
            f"{name}: last success {success}, model run {run}, age {age_txt}, last error: {error}"
        )
    return lines


def _short_time(stamp: str | None) -> str:
    """``2026-08-20 07:31 UTC`` from an ISO stamp."""
    if not stamp:
        return ""
    return stamp.replace("T", " ")[:16] + " UTC"
