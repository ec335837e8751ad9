"""Concurrent writes against a live uvicorn: nothing lost, histories consistent, clean stop."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from seawatch.incidents.store import IncidentStore
from tests.web.conftest import add_accounts, start_server

CLIENTS = 8
POSTS = 200


@pytest.mark.slow
def test_8_clients_x_200_posts_are_all_kept(server):
    users = ["amina", "root"]

    def client(n: int) -> list[str]:
        s = server.session(users[n % 2])
        ids = []
        for i in range(POSTS):
            answer = s.post(
                f"{server.url}/api/incidents",
                json={
                    "lat": 32.0 + n * 0.1,
                    "lon": 12.0 + i * 0.01,
                    "persons": i,
                    "source": "load-test",
                    "source_id": f"c{n}-{i}",
                    "note": f"client {n} post {i}",
                },
                timeout=60,
            )
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        return ids

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    ids = [i for r in results for i in r]
    assert len(ids) == len(set(ids)) == CLIENTS * POSTS

    store = IncidentStore(f"sqlite:///{server.data_dir / 'incidents.sqlite'}")
    try:
        stored = {r["id"]: r for r in store.list(source="load-test")}
        assert set(stored) == set(ids)
        for n in range(CLIENTS):
            for i in (0, POSTS // 2, POSTS - 1):
                record = next(r for r in stored.values() if r["source_id"] == f"c{n}-{i}")
                assert record["notes"] == f"client {n} post {i}" and record["persons"] == i
                assert record["created_by"] == users[n % 2]
        for incident_id in ids[:: CLIENTS * 5]:
            history = store.history(incident_id)
            assert [(h["version"], h["action"]) for h in history] == [(1, "create")]
            assert history[0]["user"] == stored[incident_id]["created_by"]
    finally:
        store.close()


def test_racing_edits_of_one_incident_never_lose_a_change(server):
    """Eight editors race on one incident; each accepted change is one history version."""
    s = server.session("amina")
    record = s.post(f"{server.url}/api/incidents", json={"lat": 33.0, "lon": 13.0}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    accepted: list[int] = []
    lock = threading.Lock()

    def editor(n: int) -> None:
        me = server.session("amina" if n % 2 else "root")
        for _ in range(15):
            current = me.get(url).json()
            answer = me.patch(
                url,
                json={"version": current["version"], "note": f"editor {n} v{current['version']}"},
            )
            assert answer.status_code in (200, 409), answer.text
            if answer.status_code == 200:
                with lock:
                    accepted.append(answer.json()["version"])

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    history = s.get(url + "/history").json()
    assert [h["version"] for h in history] == list(range(1, len(history) + 1))
    assert sorted(accepted) == list(range(2, len(history) + 1))
    final = s.get(url).json()
    assert final["version"] == len(history)
    assert final["notes"] == history[-1]["changes"]["notes"][1]


@pytest.mark.slow
def test_graceful_shutdown_keeps_every_acknowledged_write(tmp_path):
    tokens = add_accounts(tmp_path)
    live = start_server(tmp_path)
    live.tokens = tokens
    acknowledged: list[str] = []
    lock = threading.Lock()
    started = threading.Event()

    def writer(n: int) -> None:
        s = live.session("amina")
        for i in range(1000):
            try:
                answer = s.post(
                    f"{live.url}/api/incidents",
                    json={"lat": 33.0, "lon": 13.0, "note": f"w{n}-{i}"},
                    timeout=30,
                )
            except Exception:
                return  # the server has stopped listening
            if answer.status_code != 201:
                return
            with lock:
                acknowledged.append(answer.json()["id"])
            started.set()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    started.wait(30)
    code = live.stop()
    for t in threads:
        t.join(60)
    assert code in (0, -15), "\n".join(live.log[-20:])
    log = "\n".join(live.log)
    assert "seawatch web service stopped" in log and "Application shutdown complete" in log
    store = IncidentStore(f"sqlite:///{tmp_path / 'incidents.sqlite'}")
    try:
        stored = {r["id"] for r in store.list()}
    finally:
        store.close()
    assert acknowledged and set(acknowledged) <= stored
