"""Answers to incident list queries, reused until any incident changes.

Planners' maps poll ``/api/incidents`` far more often than incidents change. Every change to an
incident, by this service or any other process (imports, the command line), appends a row to
the store's append-only history in the same transaction, so the history's highest id (and, on
PostgreSQL, where ids may commit out of order, its row count), with the time of that newest
change (a store put back to an older copy and written again reaches the same id), is a marker
that moves with every committed change. A cached answer is served only while the marker is
unchanged, so an answer is never older than the last change committed before the request came
in.

Two more things keep the polls cheap:

- a window such as ``since=7d`` moves every second, but its answer changes only when the oldest
  incident in it drops out: an answer for an earlier start is reused as long as every incident
  in it is still inside the window (newer incidents can only come with a change, which moves
  the marker);
- when several requests miss at once, one builds the answer and the others wait for it, rather
  than all building the same answer at once (measured: 1,585 incidents, 8 polling clients, p99
  700-850 ms when each built its own).

Each answer keeps a strong ``ETag`` (a hash of its bytes, so it cannot name stale content) and,
once asked for, its gzip form.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from seawatch.incidents.formats import geojson_collection, geojson_features
from seawatch.incidents.model import history_table

GZIP_LEVEL = 6
"""zlib's default: 1.1 MB of GeoJSON (1,585 incidents) to 123 kB in 13 ms, once per answer."""


@dataclass
class Answer:
    """One serialized answer and what it was built from.

    Attributes
    ----------
    body
        The answer's bytes.
    marker
        The store's change marker read before the answer was built.
    since
        Start of the time window it was built for (None: no window).
    oldest
        Earliest incident time in it (None: no incident), which decides how far ``since`` may
        move before the answer changes.
    etag
        Strong validator of ``body``: ``"<hash>"``.
    """

    body: bytes
    marker: tuple
    since: dt.datetime | None
    oldest: dt.datetime | None
    etag: str = field(init=False)
    _gzip: bytes | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.etag = '"' + hashlib.blake2b(self.body, digest_size=16).hexdigest() + '"'

    @property
    def gzip_etag(self) -> str:
        """The validator of the gzip form (another representation needs another tag)."""
        return self.etag[:-1] + '-gzip"'

    def gzipped(self) -> bytes:
        """The body compressed with gzip, made on first use and kept."""
        with self._lock:
            if self._gzip is None:
                self._gzip = gzip.compress(self.body, GZIP_LEVEL, mtime=0)
            return self._gzip

    @property
    def size(self) -> int:
        return len(self.body) + len(self._gzip or b"")

    def serves(self, marker: tuple, since: dt.datetime | None) -> bool:
        """Whether this answer is the answer now, for a request that read ``marker``.

        Markers only grow, so one at least as high in every part was read no earlier (or
        nothing changed in between); the data read after it holds every change before ours.
        """
        if len(marker) != len(self.marker) or any(
            mine < theirs for mine, theirs in zip(self.marker, marker, strict=True)
        ):
            return False
        if since is None or self.since is None:
            return since is None and self.since is None
        if since < self.since:
            return False
        return self.oldest is None or self.oldest >= since


class QueryCache:
    """A small LRU of serialized answers, checked against the store's change marker.

    Parameters
    ----------
    store
        The incident store (its ``engine`` is read).
    max_entries
        How many different queries to keep.
    max_bytes
        How many bytes of answers (and their gzip forms) to keep at most. Assumption, to
        calibrate: 64 MB holds the whole store of 5,000 incidents (3.5 MB) many times over,
        while many viewers asking for different boxes cannot grow the service without end.
    """

    def __init__(self, store: Any, max_entries: int = 64, max_bytes: int = 64 * 2**20):
        self.engine: sa.Engine = store.engine
        # an in-memory store is one shared connection, used under the store's own lock
        self._guard = getattr(store, "_lock", None) or contextlib.nullcontext()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.builds = 0
        self._last_marker: tuple | None = None
        self._marker_lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self.features = FeatureTexts()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        h = history_table
        self._sqlite = self.engine.dialect.name == "sqlite"
        # The time of the newest change too: a store put back to an older copy and written
        # again reaches the same highest id, never at the same time.
        newest = sa.select(h.c.at).order_by(h.c.id.desc()).limit(1).scalar_subquery()
        if self._sqlite:
            # One writer at a time: ids are assigned in commit order.
            query = sa.select(sa.func.max(h.c.id), newest)
        else:
            query = sa.select(sa.func.max(h.c.id), sa.func.count(h.c.id), newest)
        self._query = query
        self._sql = str(query.compile(self.engine, compile_kwargs={"literal_binds": True}))

    def marker(self) -> tuple:
        """What changes whenever any incident changes: the history's highest id (and row count
        on PostgreSQL), then the time of the newest change as text."""
        with self._guard:
            *counts, at = self._read_marker()
        # an empty history has no highest id
        return (*(-1 if value is None else int(value) for value in counts), str(at or ""))

    def _read_marker(self) -> Any:
        if self._sqlite:
            # One statement on the driver's connection (autocommit, see seawatch.db): SQLite
            # reads it in a snapshot of its own, without the BEGIN and ROLLBACK round trips.
            conn = self.engine.raw_connection()
            try:
                cursor = conn.cursor()
                try:
                    cursor.execute(self._sql)
                    return cursor.fetchone()
                finally:
                    cursor.close()
            finally:
                conn.close()
        with self.engine.connect() as conn:
            return conn.execute(self._query).one()

    def get(
        self,
        key: Hashable,
        build: Callable[[], tuple[bytes, dt.datetime | None]],
        since: dt.datetime | None = None,
    ) -> Answer:
        """The answer for ``key`` and window start ``since`` as the store holds it now.

        ``build()`` returns the body and the earliest incident time in it; it is called when no
        kept answer serves, by one request at a time per key.
        """
        # Read one at a time, markers only grow, unless the store was put back to an older copy
        # under the running service (a restored backup): then no kept answer can be trusted.
        with self._marker_lock:
            marker = self.marker()
            if self._last_marker is not None and any(
                now < seen for now, seen in zip(marker, self._last_marker, strict=False)
            ):
                with self._lock:
                    self._entries.clear()
                self.features.clear()
            self._last_marker = marker
        hit = self._hit(key, marker, since)
        if hit is not None:
            return hit
        with self._lock:
            if len(self._building) > 4 * self.max_entries:
                self._forget_idle_builders()
            building = self._building.setdefault(key, threading.Lock())
        with building:
            # another request may have built it while this one waited
            hit = self._hit(key, marker, since)
            if hit is not None:
                return hit
            body, oldest = build()
            answer = Answer(body, marker, since, oldest)
            with self._lock:
                self.builds += 1
                self._entries[key] = answer
                self._entries.move_to_end(key)
                self._evict()
        return answer

    def _hit(self, key: Hashable, marker: tuple, since: dt.datetime | None) -> Answer | None:
        with self._lock:
            answer = self._entries.get(key)
            if answer is None or not answer.serves(marker, since):
                return None
            self._entries.move_to_end(key)
            return answer

    def _evict(self) -> None:
        """Drop the least recently used answers beyond the limits (the newest one stays)."""
        total = sum(answer.size for answer in self._entries.values())
        while len(self._entries) > 1 and (
            len(self._entries) > self.max_entries or total > self.max_bytes
        ):
            key, answer = self._entries.popitem(last=False)
            total -= answer.size
            with_lock = self._building.get(key)
            if with_lock is not None and not with_lock.locked():
                del self._building[key]

    def _forget_idle_builders(self) -> None:
        """Drop the build locks nobody holds of keys no longer kept (bounded memory)."""
        for key in [k for k, lock in self._building.items() if not lock.locked()]:
            if key not in self._entries:
                del self._building[key]


class FeatureTexts:
    """Each incident version's GeoJSON Feature text, kept between list answers.

    After a save, the next poll rebuilds its whole list; with the texts kept it writes only the
    incident that changed, not all of them (1,585 incidents: 3 ms of CPU instead of 29 ms,
    benchmarks/feature_texts.py). The texts come from the export's own writer
    (:func:`seawatch.incidents.formats.geojson_features`), so the API and
    ``seawatch incidents export`` cannot drift apart.

    Keyed by id, version and time of the change: a store put back to an older copy and then
    written again reuses version numbers (and :class:`QueryCache`, which holds these texts,
    empties them when it sees the store go back).

    Parameters
    ----------
    max_entries
        How many texts to keep (about 700 bytes each). Assumption, to calibrate: 20,000 is
        several years of Central Mediterranean incidents, about 15 MB.
    """

    def __init__(self, max_entries: int = 20_000):
        self.max_entries = max_entries
        self.written = 0  # texts written (not found kept), for tests and benchmarks
        self._texts: dict[tuple, str] = {}
        self._lock = threading.Lock()

    def collection(self, records: list[dict[str, Any]]) -> str:
        """The FeatureCollection of ``records`` (store records), as ``to_geojson`` writes it."""
        keys = [(r["id"], r["version"], r["updated_at"]) for r in records]
        with self._lock:
            texts = [self._texts.get(k) for k in keys]
        missing = [i for i, text in enumerate(texts) if text is None]
        if missing:
            written = geojson_features([records[i] for i in missing])
            with self._lock:
                for i, text in zip(missing, written, strict=True):
                    texts[i] = self._texts[keys[i]] = text
                self.written += len(missing)
                if len(self._texts) > self.max_entries:
                    # the oldest written half goes (dicts keep insertion order)
                    for key in list(self._texts)[: len(self._texts) - self.max_entries // 2]:
                        del self._texts[key]
        return geojson_collection(texts)  # type: ignore[arg-type]

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()
