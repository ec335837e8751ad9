"""Answers to incident list queries, reused until any incident changes.

Planners' maps poll ``/api/incidents`` far more often than incidents change. Every change to an
incident, by this service or any other process (imports, the command line), appends a row to
the store's append-only history in the same transaction, so the history's highest id (and, on
PostgreSQL, where ids may commit out of order, its row count) is a marker that moves with every
committed change. A cached answer is served only while the marker is unchanged.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa

from seawatch.incidents.model import history_table


class QueryCache:
    """A small LRU of serialized answers, checked against the store's change marker.

    Parameters
    ----------
    store
        The incident store (its ``engine`` is read).
    max_entries
        How many different queries to keep.
    """

    def __init__(self, store: Any, max_entries: int = 64):
        self.engine: sa.Engine = store.engine
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[tuple, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        h = history_table
        if self.engine.dialect.name == "sqlite":
            # One writer at a time: ids are assigned in commit order.
            self._query = sa.select(sa.func.max(h.c.id))
        else:
            self._query = sa.select(sa.func.max(h.c.id), sa.func.count(h.c.id))

    def marker(self) -> tuple:
        """What changes whenever any incident changes."""
        with self.engine.connect() as conn:
            return tuple(conn.execute(self._query).one())

    def get(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """The cached answer for ``key`` if nothing changed since, else ``build()`` (kept)."""
        marker = self.marker()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == marker:
                self._entries.move_to_end(key)
                return hit[1]
        body = build()
        with self._lock:
            self._entries[key] = (marker, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return body
