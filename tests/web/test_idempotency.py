"""Idempotency-Key on reports: a retried report never stores a second incident."""

from __future__ import annotations

import threading
import uuid

from seawatch.incidents.store import IncidentStore
from tests.incidents.conftest import postgres_url, sqlite_url, store_url  # noqa: F401
from tests.web.conftest import add_accounts, start_server

REPORT = {"position": "33°12.5'N 012°45.3'E", "persons": 60}


def test_same_key_same_user_returns_the_first_incident_even_after_a_restart(tmp_path):
    tokens = add_accounts(tmp_path)
    server = start_server(tmp_path)
    server.tokens = tokens
    key = str(uuid.uuid4())
    try:
        s = server.session("amina")
        first = s.post(f"{server.url}/api/incidents", json=REPORT, headers={"Idempotency-Key": key})
        again = s.post(f"{server.url}/api/incidents", json=REPORT, headers={"Idempotency-Key": key})
        assert first.status_code == again.status_code == 201, again.text
        assert "Idempotent-Replayed" not in first.headers
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        # another user's key is their own
        other = server.session("root").post(
            f"{server.url}/api/incidents", json=REPORT, headers={"Idempotency-Key": key}
        )
        assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
        # a key that is no key is refused, and nothing is stored
        bad = s.post(f"{server.url}/api/incidents", json=REPORT, headers={"Idempotency-Key": "x"})
        assert bad.status_code == 422 and "Idempotency-Key" in bad.text
    finally:
        server.stop()
    server = start_server(tmp_path)
    server.tokens = tokens
    try:
        s = server.session("amina")
        after = s.post(f"{server.url}/api/incidents", json=REPORT, headers={"Idempotency-Key": key})
        assert after.status_code == 201 and after.json()["id"] == first.json()["id"]
        listed = s.get(f"{server.url}/api/incidents").json()["features"]
        assert sorted(f["properties"]["created_by"] for f in listed) == ["amina", "root"]
    finally:
        server.stop()


def test_concurrent_creates_with_one_key_store_one_incident(store_url):  # noqa: F811
    with IncidentStore(store_url) as store:
        answers: list[tuple[str, bool]] = []
        lock = threading.Lock()

        def report() -> None:
            record, created = store.create_once(REPORT, "amina", "retry-key-0001")
            with lock:
                answers.append((record["id"], created))

        threads = [threading.Thread(target=report) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len({incident for incident, _ in answers}) == 1
        assert sum(created for _, created in answers) == 1
        assert len(store.list()) == 1
