"""Kept answers of ``GET /api/incidents`` are never stale, on SQLite and PostgreSQL.

The list answers are kept between polls (``seawatch.web.cache``); every change must show in the
next answer, whoever made it (this service or another process), and a moving window such as
``since=7d`` must drop an incident the moment it ages out.
"""

from __future__ import annotations

import datetime as dt
import gzip
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from seawatch.incidents.formats import to_geojson
from seawatch.incidents.store import IncidentStore
from seawatch.web.accounts import AccountStore
from seawatch.web.cache import FeatureTexts, QueryCache
from tests.incidents.conftest import postgres_url, sqlite_url, store_url  # noqa: F401
from tests.web.conftest import PASSWORDS, ROLES, LiveServer, add_accounts, start_server

REPORT = {"position": "33°12.5'N 012°45.3'E", "persons": 60}
LIST = "/api/incidents?since=7d"


@pytest.fixture
def live(store_url: str, tmp_path) -> Iterator[tuple[LiveServer, str]]:  # noqa: F811
    """A live server on ``store_url`` (accounts in the same database) and that URL."""
    accounts = AccountStore(store_url)
    tokens = {}
    for name, role in ROLES.items():
        accounts.add_user(name, role, PASSWORDS[name])
        tokens[name] = accounts.create_token(name)
    accounts.close()
    server = start_server(tmp_path, env={"SEAWATCH_STORE_URL": store_url})
    server.tokens = tokens
    try:
        yield server, store_url
    finally:
        server.stop()


def features(s: requests.Session, server: LiveServer, path: str = LIST) -> dict[str, dict]:
    answer = s.get(server.url + path)
    assert answer.status_code == 200, answer.text
    return {f["id"]: f["properties"] for f in answer.json()["features"]}


def test_every_write_shows_in_the_next_list(live):
    server, _ = live
    amina, victor = server.session("amina"), server.session("victor")
    everything = LIST + "&include_retracted=true"
    assert features(victor, server) == {}
    first = victor.get(server.url + LIST)
    assert victor.get(server.url + LIST).headers["ETag"] == first.headers["ETag"]

    created = amina.post(f"{server.url}/api/incidents", json=REPORT)
    assert created.status_code == 201
    incident = created.json()["id"]
    url = f"{server.url}/api/incidents/{incident}"
    listed = features(victor, server)
    assert listed[incident]["persons"] == 60 and listed[incident]["version"] == 1
    again = victor.get(server.url + LIST, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    features(victor, server, everything)  # both answers kept before each change below

    assert amina.patch(url, json={"version": 1, "persons": 75}).status_code == 200
    assert features(victor, server)[incident]["persons"] == 75
    assert features(victor, server, everything)[incident]["version"] == 2

    assert amina.delete(f"{url}?version=2").status_code == 200
    assert incident not in features(victor, server)
    assert features(victor, server, everything)[incident]["status"] == "retracted"

    assert amina.post(f"{url}/restore?version=3").status_code == 200
    assert features(victor, server)[incident]["status"] == "distress"
    assert features(victor, server, everything)[incident]["version"] == 4


def test_a_change_by_another_process_shows_at_once(live):
    server, url = live
    victor = server.session("victor")
    assert features(victor, server) == {}
    with IncidentStore(url) as store:  # as `seawatch incidents import` or the CLI would
        record = store.create(REPORT, "importer")
        assert set(features(victor, server)) == {record["id"]}
        store.update(record["id"], {"persons": 12}, version=1, user="importer")
        assert features(victor, server)[record["id"]]["persons"] == 12
        store.retract(record["id"], user="importer", version=2)
    assert features(victor, server) == {}


def test_a_moving_window_drops_an_incident_as_it_ages_out(live):
    server, url = live
    victor = server.session("victor")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    with IncidentStore(url) as store:
        edge = store.create({**REPORT, "time": (start + dt.timedelta(seconds=4)).isoformat()}, "x")
        inside = store.create({**REPORT, "time": (start + dt.timedelta(days=1)).isoformat()}, "x")
    assert set(features(victor, server)) == {edge["id"], inside["id"]}
    # nothing changes in the store from here on: only the window moves
    deadline = time.monotonic() + 10
    while edge["id"] in features(victor, server):
        assert time.monotonic() < deadline, "the incident stayed in the 7-day window"
        time.sleep(0.2)
    assert dt.datetime.now(dt.UTC) - dt.timedelta(days=7) > start + dt.timedelta(seconds=3)
    assert set(features(victor, server)) == {inside["id"]}


def test_gzip_and_not_modified_answers_carry_the_same_incidents(live):
    server, _ = live
    amina = server.session("amina")
    for persons in range(10, 20):
        assert amina.post(f"{server.url}/api/incidents", json={**REPORT, "persons": persons}).ok
    plain = amina.get(server.url + LIST, headers={"Accept-Encoding": "identity"})
    packed = amina.get(server.url + LIST, headers={"Accept-Encoding": "gzip"}, stream=True)
    raw = packed.raw.read(decode_content=False)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content) / 3
    assert packed.headers["ETag"] != plain.headers["ETag"]
    for answer, encoding in ((plain, "identity"), (packed, "gzip")):
        tag = answer.headers["ETag"]
        same = amina.get(
            server.url + LIST,
            headers={"If-None-Match": f'"other", W/{tag}', "Accept-Encoding": encoding},
        )
        assert same.status_code == 304 and same.content == b"" and same.headers["ETag"] == tag
    # a change: the old tag no longer matches
    amina.post(f"{server.url}/api/incidents", json=REPORT)
    changed = amina.get(server.url + LIST, headers={"If-None-Match": plain.headers["ETag"]})
    assert changed.status_code == 200 and len(changed.json()["features"]) == 11


def test_polls_during_writes_never_miss_an_acknowledged_change(live):
    server, _ = live
    stop = threading.Event()
    failures: list[str] = []

    def poll() -> None:
        s = server.session("victor")
        while not stop.is_set():
            if s.get(server.url + LIST).status_code != 200:
                failures.append("poll failed")

    pollers = [threading.Thread(target=poll) for _ in range(6)]
    for thread in pollers:
        thread.start()
    try:
        amina, victor = server.session("amina"), server.session("victor")
        for i in range(15):
            record = amina.post(f"{server.url}/api/incidents", json={**REPORT, "persons": i}).json()
            seen = features(victor, server)
            if record["id"] not in seen:
                failures.append(f"created {record['id']} missing from the next list")
            url = f"{server.url}/api/incidents/{record['id']}"
            amina.patch(url, json={"version": 1, "persons": 100 + i})
            if features(victor, server)[record["id"]]["persons"] != 100 + i:
                failures.append(f"change of {record['id']} missing from the next list")
    finally:
        stop.set()
        for thread in pollers:
            thread.join()
    assert failures == []


def test_requests_that_miss_together_build_the_answer_once(store_url):  # noqa: F811
    with IncidentStore(store_url) as store:
        cache = QueryCache(store)
        calls: list[int] = []
        ready = threading.Barrier(8)

        def build() -> tuple[bytes, None]:
            calls.append(1)
            time.sleep(0.3)  # a long build: every other request arrives meanwhile
            return b'{"features":[]}', None

        def ask() -> None:
            ready.wait()
            assert cache.get("all", build).body == b'{"features":[]}'

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(calls) == 1
        # a change in the store (any process) means a new build
        store.create(REPORT, "amina")
        cache.get("all", build)
        assert len(calls) == 2


def test_kept_answers_stay_within_the_byte_limit(sqlite_url):  # noqa: F811
    with IncidentStore(sqlite_url) as store:
        cache = QueryCache(store, max_bytes=10_000)
        for i in range(20):
            cache.get(i, lambda i=i: (bytes([i]) * 3000, None))
        assert sum(a.size for a in cache._entries.values()) <= 10_000
        assert list(cache._entries) == [17, 18, 19]
        assert cache.builds == 20


def test_an_answer_kept_for_a_coordinator_never_reaches_an_anonymous_visitor(tmp_path):
    server = start_server(tmp_path, env={"SEAWATCH_WEB_PUBLIC_MAP": "true"})
    server.tokens = add_accounts(tmp_path)
    try:
        amina, anyone = server.session("amina"), server.session()
        note = {**REPORT, "note": "skipper's phone +218 91 000 0000"}
        assert amina.post(f"{server.url}/api/incidents", json=note).status_code == 201
        mine = amina.get(server.url + LIST)
        assert "+218 91" in mine.text and "amina" in mine.text
        public = anyone.get(server.url + LIST, headers={"If-None-Match": mine.headers["ETag"]})
        assert public.status_code == 200 and len(public.json()["features"]) == 1
        assert "+218 91" not in public.text and "amina" not in public.text
        assert "+218 91" in amina.get(server.url + LIST).text
    finally:
        server.stop()


def test_the_change_marker_moves_with_each_change_in_an_in_memory_store_too():
    with IncidentStore("sqlite://") as store:
        cache = QueryCache(store)
        assert cache.marker() == (-1, "")  # an empty history
        record = store.create(REPORT, "amina")
        created = cache.marker()
        store.update(record["id"], {"persons": 3}, version=1, user="amina")
        assert (-1, "") < created < cache.marker()


def test_a_store_put_back_to_an_older_copy_is_never_answered_from_the_cache(tmp_path):
    """An operator restores yesterday's backup under the running service: the history's
    marker goes down, and the answers kept from the newer store must not be served."""
    path, backup = tmp_path / "incidents.sqlite", tmp_path / "backup.sqlite"
    with IncidentStore(f"sqlite:///{path}") as store:
        cache = QueryCache(store)
        store.create(REPORT, "amina")
        with sqlite3.connect(path) as live, sqlite3.connect(backup) as copy:
            live.backup(copy)
        store.create({**REPORT, "persons": 61}, "amina")
        store.create({**REPORT, "persons": 62}, "amina")

        def build() -> tuple[bytes, None]:
            return str(sorted(r["persons"] for r in store.list())).encode(), None

        assert cache.get("all", build).body == b"[60, 61, 62]"
        with sqlite3.connect(backup) as copy, sqlite3.connect(path) as live:
            copy.backup(live)  # SQLite's online backup, written back
        assert cache.get("all", build).body == b"[60]"


def test_kept_feature_texts_write_only_what_changed_and_match_the_export(store_url):  # noqa: F811
    """After a correction the list is written again from the kept texts with only the corrected
    incident written anew, and it reads exactly as ``seawatch incidents export`` writes it."""
    with IncidentStore(store_url) as store:
        texts = FeatureTexts()
        for persons in range(40, 50):
            store.create({**REPORT, "persons": persons}, "amina")
        assert texts.collection(store.list()) == to_geojson(store.list())
        assert texts.written == 10
        first = store.list()[3]
        store.update(first["id"], {"survivors": 12}, version=1, user="amina")
        again = texts.collection(store.list())
        assert texts.written == 11
        assert again == to_geojson(store.list())
        assert '"survivors":12' in again


def test_a_version_written_again_after_a_restore_is_not_the_kept_one(tmp_path):
    """A store put back to an older copy and corrected again (within the same second) reuses
    the version number: the list shows the new correction, not the text kept from before."""
    path, backup = tmp_path / "incidents.sqlite", tmp_path / "backup.sqlite"
    with IncidentStore(f"sqlite:///{path}") as store:
        cache = QueryCache(store)

        def build() -> tuple[bytes, None]:
            return cache.features.collection(store.list()).encode(), None

        record = store.create(REPORT, "amina")
        with sqlite3.connect(path) as live, sqlite3.connect(backup) as copy:
            live.backup(copy)
        store.update(record["id"], {"survivors": 5}, version=1, user="amina")
        assert b'"survivors":5' in cache.get("all", build).body
        with sqlite3.connect(backup) as copy, sqlite3.connect(path) as live:
            copy.backup(live)
        again = store.update(record["id"], {"survivors": 7}, version=1, user="amina")
        assert again["version"] == 2
        listed = cache.get("all", build).body
        assert b'"survivors":7' in listed and b'"survivors":5' not in listed


def test_kept_feature_texts_stay_within_their_limit(sqlite_url):  # noqa: F811
    with IncidentStore(sqlite_url) as store:
        texts = FeatureTexts(max_entries=6)
        for persons in range(10):
            store.create({**REPORT, "persons": persons}, "amina")
        records = store.list()
        for i in range(10):
            assert texts.collection(records[i : i + 1]) == to_geojson(records[i : i + 1])
        assert len(texts._texts) <= 6
        assert texts.collection(records) == to_geojson(records)
