"""Many writers at once: nothing lost, history consistent, stale edits refused."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from seawatch.errors import ConflictError
from seawatch.incidents.model import history_table, incidents_table
from seawatch.incidents.store import IncidentStore

THREADS = 8
INSERTS = 200


def _history_versions(store: IncidentStore) -> dict[str, list[int]]:
    h = history_table
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(h.c.incident_id, h.c.version).order_by(h.c.id)).all()
    out: dict[str, list[int]] = {}
    for incident_id, version in rows:
        out.setdefault(incident_id, []).append(version)
    return out


@pytest.mark.slow
def test_threads_insert_concurrently(store: IncidentStore) -> None:
    barrier = threading.Barrier(THREADS)

    def work(worker: int) -> list[str]:
        barrier.wait()
        ids = []
        for i in range(INSERTS):
            rec = store.create(
                {"lat": 33.0 + worker / 100, "lon": 12.0 + i / 1000, "notes": f"{worker}-{i}"},
                user=f"worker{worker}",
            )
            ids.append(rec["id"])
        return ids

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    ids = [i for chunk in results for i in chunk]
    assert len(ids) == len(set(ids)) == THREADS * INSERTS
    assert store.count() == THREADS * INSERTS
    records = store.list(limit=None)
    assert {r["id"] for r in records} == set(ids)
    assert Counter(r["notes"] for r in records) == Counter(
        f"{w}-{i}" for w in range(THREADS) for i in range(INSERTS)
    )
    versions = _history_versions(store)
    assert set(versions) == set(ids)
    assert all(v == [1] for v in versions.values())


@pytest.mark.slow
def test_threads_edit_the_same_incident(store: IncidentStore) -> None:
    """Each version is won by exactly one editor; the losers get ConflictError."""
    rec = store.create({"lat": 33.0, "lon": 12.0, "dead": 0}, user="u")
    rounds = 25
    wins: Counter[int] = Counter()
    conflicts = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        barrier.wait()
        for _ in range(rounds):
            current = store.get(rec["id"])
            try:
                store.update(
                    rec["id"],
                    {"dead": current["dead"] + 1, "notes": f"worker {worker}"},
                    version=current["version"],
                    user=f"w{worker}",
                )
            except ConflictError as exc:
                assert exc.current["version"] > current["version"]
                with lock:
                    conflicts[worker] += 1
            else:
                with lock:
                    wins[worker] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    final = store.get(rec["id"])
    total_wins = sum(wins.values())
    assert total_wins + sum(conflicts.values()) == THREADS * rounds
    # No lost update: every successful edit added exactly one, and made one version.
    assert final["dead"] == total_wins
    assert final["version"] == total_wins + 1
    history = store.history(rec["id"])
    assert [h["version"] for h in history] == list(range(1, total_wins + 2))
    assert [h["changes"]["dead"][1] for h in history[1:]] == list(range(1, total_wins + 1))


def test_stale_edit_conflicts(store: IncidentStore) -> None:
    rec = store.create({"lat": 33.0, "lon": 12.0}, user="a")
    store.update(rec["id"], {"dead": 1}, version=1, user="a")
    with pytest.raises(ConflictError) as info:
        store.update(rec["id"], {"dead": 5}, version=1, user="b")
    assert info.value.current["dead"] == 1
    assert store.get(rec["id"])["dead"] == 1


def _process_worker(url: str, worker: int, count: int) -> None:
    with IncidentStore(url) as store:
        for i in range(count):
            store.create({"lat": 33.0, "lon": 12.0, "notes": f"p{worker}-{i}"}, user=f"p{worker}")


@pytest.mark.slow
def test_processes_insert_concurrently(sqlite_url: str) -> None:
    IncidentStore(sqlite_url).close()  # create the schema first, as `seawatch` would
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_worker, args=(sqlite_url, w, 50)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    with IncidentStore(sqlite_url) as store:
        assert store.count() == 200
        notes = {r["notes"] for r in store.list()}
        assert notes == {f"p{w}-{i}" for w in range(4) for i in range(50)}
        with store.engine.connect() as conn:
            n_history = conn.execute(sa.select(sa.func.count()).select_from(history_table)).scalar()
            n_incidents = conn.execute(
                sa.select(sa.func.count()).select_from(incidents_table)
            ).scalar()
        assert n_history == n_incidents == 200


@pytest.mark.slow
def test_processes_open_a_new_database_at_once(sqlite_url: str) -> None:
    """Schema creation is serialised: several processes may open a fresh store together."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_worker, args=(sqlite_url, w, 5)) for w in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    with IncidentStore(sqlite_url) as store:
        assert store.count() == 20
