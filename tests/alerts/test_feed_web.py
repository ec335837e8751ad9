"""The feed as an alert hub reads it (feedparser), and the web routes of ``seawatch serve``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import feedparser
import pytest
import requests

from seawatch.alerts import issue_alerts
from seawatch.alerts.store import AlertStore
from seawatch.alerts.validate import problems
from seawatch.config import load_settings
from seawatch.storage import DataPaths
from tests.alerts.conftest import NOW
from tests.web.conftest import LiveServer, add_accounts, start_server


def _client() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only, never a proxy
    return session


@pytest.fixture(scope="module")
def live(builds, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server, and alerts published into its data directory with links to it."""
    data = tmp_path_factory.mktemp("cap-web")
    add_accounts(data)
    server = start_server(data)
    try:
        settings = load_settings(data_dir=data, environ={"SEAWATCH_ALERTS_WEB": server.url})
        server.issued = issue_alerts(settings, DataPaths(data), risk_path=builds[0], now=NOW)
        # A second build so the feed also carries Updates.
        later = NOW + dt.timedelta(hours=2)
        server.issued += issue_alerts(settings, DataPaths(data), risk_path=builds[1], now=later)
        yield server
    finally:
        server.stop()


def test_feed_reader_finds_every_alert_by_its_link(live):
    http = _client()
    response = http.get(f"{live.url}/cap/feed.xml", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    assert len(response.content) < 100_000
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    by_link = {entry.link: entry for entry in feed.entries}
    records = AlertStore.of(live.data_dir).records()
    assert {r["identifier"] for r in records} == {i.identifier for i in live.issued}
    assert len(by_link) == len(records)
    for record in records:
        link = f"{live.url}/cap/{record['identifier']}.xml"
        entry = by_link[link]
        assert entry.id == record["identifier"]
        assert entry.published_parsed is not None
        assert entry.title == record["headline_en"]
        message = http.get(link, timeout=30)
        assert message.status_code == 200
        assert message.headers["content-type"].startswith("application/cap+xml")
        assert problems(message.content) == []


@pytest.mark.parametrize("path", ["feed.xml", "message"])
def test_repeated_conditional_get_answers_304(live, path):
    http = _client()
    name = f"{live.issued[0].identifier}.xml" if path == "message" else "feed.xml"
    url = f"{live.url}/cap/{name}"
    first = http.get(url, timeout=30)
    assert first.status_code == 200 and first.content
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for _ in range(2):
        again = http.get(url, headers={"If-None-Match": etag}, timeout=30)
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
    since = http.get(url, headers={"If-Modified-Since": modified}, timeout=30)
    assert since.status_code == 304
    stale = http.get(url, headers={"If-None-Match": '"something-else"'}, timeout=30)
    assert stale.status_code == 200 and stale.content == first.content


def test_unknown_or_malicious_names_are_404(live):
    http = _client()
    for name in ("nope.xml", "..%2Findex.json", "index.json", "%2E%2E%2Fincidents.sqlite"):
        assert http.get(f"{live.url}/cap/{name}", timeout=30).status_code == 404


def test_restricted_alerts_need_a_signed_in_user(builds, tmp_path):
    tokens = add_accounts(tmp_path)
    env = {"SEAWATCH_ALERTS_SCOPE": "Restricted", "SEAWATCH_ALERTS_RESTRICTION": "RCC use"}
    server = start_server(tmp_path, env=env)
    try:
        settings = load_settings(data_dir=tmp_path, environ=env)
        issue_alerts(settings, DataPaths(tmp_path), risk_path=builds[0], now=NOW)
        http = _client()
        assert http.get(f"{server.url}/cap/feed.xml", timeout=30).status_code == 401
        signed = {"Authorization": f"Bearer {tokens['victor']}"}
        assert http.get(f"{server.url}/cap/feed.xml", headers=signed, timeout=30).status_code == 200
    finally:
        server.stop()
