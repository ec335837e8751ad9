"""Alerts kept in the data directory: ``<data>/cap/<identifier>.xml``, an index and the feed.

``index.json`` lists every message ever published (newest last) with what the life cycle and
the feed need; a message file is never removed, and the feed lists every message until it
expires. Writes are atomic (:mod:`seawatch.storage`) and one run at a time holds ``.lock``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from seawatch.errors import DataError
from seawatch.storage import atomic_write_bytes, atomic_write_text

INDEX = "index.json"
FEED = "feed.xml"


class AlertStore:
    """The published CAP messages of one data (or ``--out``) directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @classmethod
    def of(cls, data_dir: str | Path) -> AlertStore:
        return cls(Path(data_dir) / "cap")

    @property
    def feed_path(self) -> Path:
        return self.root / FEED

    def message_path(self, identifier: str) -> Path:
        return self.root / f"{identifier}.xml"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store for one run (the scheduler and ``alerts cancel`` may overlap)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def records(self) -> list[dict[str, Any]]:
        path = self.root / INDEX
        if not path.exists():
            return []
        try:
            return list(json.loads(path.read_text(encoding="utf-8"))["messages"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(
                f"alert index {path} is damaged ({exc}); restore it from a backup, or move it "
                "aside to start a new alert history"
            ) from None

    def publish(self, xml: bytes, record: dict[str, Any], records: list[dict[str, Any]]) -> None:
        """Write the message file, then the index with ``record`` appended (``records`` updated)."""
        atomic_write_bytes(self.message_path(record["identifier"]), xml)
        records.append(record)
        self.save(records)

    def save(self, records: list[dict[str, Any]]) -> None:
        text = json.dumps({"messages": records}, ensure_ascii=False, indent=1)
        atomic_write_text(self.root / INDEX, text + "\n")


def expires_of(record: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(record["expires"])


def unexpired(records: list[dict[str, Any]], now: dt.datetime) -> list[dict[str, Any]]:
    return [r for r in records if expires_of(r) > now]


def chain(records: list[dict[str, Any]], key: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The unexpired messages of ``key`` since it was last closed (all-clear or withdrawn)."""
    mine = [r for r in records if r["key"] == key]
    start = 0
    for i, r in enumerate(mine):
        if r["response"] in ("AllClear", "Cancel"):
            start = i + 1
    return [r for r in mine[start:] if expires_of(r) > now]


def in_force(records: list[dict[str, Any]], now: dt.datetime) -> dict[str, dict[str, Any]]:
    """The newest open alert of each key, if it has not expired."""
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        latest[r["key"]] = r
    return {
        key: r
        for key, r in latest.items()
        if r["response"] not in ("AllClear", "Cancel") and expires_of(r) > now
    }
