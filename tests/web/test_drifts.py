"""Drifts in the web service: who may see and start them, downloads, failures, restarts.

Drifts that ran are stored with hand-made outputs following the contract
(``tests/drift_fixture.py``) straight into the live server's database, so these tests do not
depend on the drift engine. Starting a drift runs the real ``seawatch drift`` command in the
server; this data directory holds no forecast, so the command refuses and the drift must end
``failed`` with that one line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
from lxml import etree

from seawatch.incidents.drifts import INTERRUPTED, DriftStore
from seawatch.incidents.store import IncidentStore
from tests.drift_fixture import make_drift
from tests.web.conftest import add_accounts, csrf_of, login, start_server


def _incident(server, user: str = "amina") -> dict:
    answer = server.session(user).post(
        f"{server.url}/api/incidents",
        json={"position": "33°52'N 012°31'E", "persons": 80, "boat_type": "rubber"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _stored_drift(
    data_dir: Path, incident_id: str, status: str = "done", start: dt.datetime | None = None
) -> int:
    """A drift written as the runner would, in the server's own database."""
    with IncidentStore(f"sqlite:///{data_dir / 'incidents.sqlite'}") as store:
        drifts = DriftStore(store)
        drift = drifts.create(incident_id, {"hours": 24}, "amina")
        if status in ("running", "done"):
            drifts.start(drift["id"])
        if status == "done":
            out = make_drift(incident_id=incident_id, **({"start": start} if start else {}))
            drifts.finish(drift["id"], out["json"], out["geojson"], out["kml"], out["gpx"])
        return drift["id"]


def _wait(server, drift_id: int, user: str = "victor", timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = server.session(user).get(f"{server.url}/api/drifts/{drift_id}").json()
        if data["status"] in ("done", "failed"):
            return data
        assert time.monotonic() < deadline, f"drift {drift_id} still {data['status']}"
        time.sleep(0.5)


def test_readers_see_and_download_drifts(server):
    incident = _incident(server)
    drift_id = _stored_drift(server.data_dir, incident["id"])
    viewer = server.session("victor")

    listed = viewer.get(f"{server.url}/api/incidents/{incident['id']}/drifts")
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["id"] == drift_id and row["status"] == "done" and row["created_by"] == "amina"
    end = row["summary"]["end"]
    assert end["time"] == "2026-11-25T03:00:00Z" and end["ended"] is True
    assert re.fullmatch(r"\d\d°\d\d\.\d{3}'N \d{3}°\d\d\.\d{3}'E", end["ddm"])
    assert end["area_90_nm2"] == pytest.approx(3.1416 * 13**2, abs=0.1)
    assert end["area_50_nm2"] == pytest.approx(3.1416 * 6.5**2, abs=0.1)

    full = viewer.get(f"{server.url}/api/drifts/{drift_id}").json()
    assert (
        full["result"]["leeway_category"] == 26 and full["geojson"]["type"] == "FeatureCollection"
    )

    geojson = viewer.get(f"{server.url}{row['links']['geojson']}")
    assert geojson.headers["content-type"].startswith("application/geo+json")
    assert "attachment" in geojson.headers["content-disposition"]
    kinds = {f["properties"]["kind"] for f in json.loads(geojson.content)["features"]}
    assert kinds == {"start", "datum_track", "datum", "area"}
    kml = etree.fromstring(viewer.get(f"{server.url}{row['links']['kml']}").content)
    assert kml.tag == "{http://www.opengis.net/kml/2.2}kml"
    gpx = etree.fromstring(viewer.get(f"{server.url}{row['links']['gpx']}").content)
    assert len(gpx.findall("{http://www.topografix.com/GPX/1/1}wpt")) == 25
    assert viewer.get(f"{server.url}/api/drifts/{drift_id}/drift.exe").status_code == 404
    assert viewer.get(f"{server.url}/api/drifts/999999").status_code == 404

    # the live map's list: the newest finished drift of each open distress case
    latest = viewer.get(f"{server.url}/api/drifts").json()
    (drawn,) = [d for d in latest if d["id"] == drift_id]
    assert drawn["summary"]["end"]["ddm"] == end["ddm"]
    assert {f["properties"]["kind"] for f in drawn["geojson"]["features"]} == {"area"}
    assert len(drawn["geojson"]["features"]) == 50  # 25 hours x (50 %, 90 %)


def test_only_coordinators_start_drifts_and_anonymous_sees_nothing(server):
    incident = _incident(server)
    drift_id = _stored_drift(server.data_dir, incident["id"])
    url = f"{server.url}/api/incidents/{incident['id']}/drifts"
    anonymous = server.session()
    assert anonymous.get(url).status_code == 401
    assert anonymous.get(f"{server.url}/api/drifts/{drift_id}").status_code == 401
    assert anonymous.get(f"{server.url}/api/drifts/{drift_id}/drift.kml").status_code == 401
    assert anonymous.post(url, json={}).status_code == 401
    refused = server.session("victor").post(url, json={})
    assert refused.status_code == 403 and "viewer" in refused.json()["detail"]
    # a browser session needs the CSRF token for a write
    browser = login(server, "amina")
    assert browser.post(url, json={}).status_code == 403
    assert server.session("amina").post(url, json={"hours": 0}).status_code == 422
    assert server.session("amina").post(url, json={"object": "x;rm"}).status_code == 422
    missing = server.session("amina").post(
        f"{server.url}/api/incidents/0123456789abcdef/drifts", json={}
    )
    assert missing.status_code == 404
    # nothing was queued by the refused requests
    listed = server.session("victor").get(url).json()
    assert [d["id"] for d in listed] == [drift_id]


def test_a_failed_drift_shows_its_one_line_error(server):
    """No forecast in this data directory: the real command refuses and the drift says why."""
    incident = _incident(server)
    s = login(server, "amina")
    started = s.post(
        f"{server.url}/api/incidents/{incident['id']}/drifts",
        json={"hours": 6},
        headers={"X-CSRF-Token": csrf_of(s, server)},
    )
    assert started.status_code == 202, started.text
    assert started.json()["status"] in ("queued", "running")
    assert started.headers["location"] == f"/api/drifts/{started.json()['id']}"
    # a second click while it runs answers the same drift (the command takes seconds to start)
    again = server.session("amina").post(f"{server.url}/api/incidents/{incident['id']}/drifts")
    assert again.status_code == 202 and again.json()["id"] == started.json()["id"]
    failed = _wait(server, started.json()["id"])
    assert failed["status"] == "failed" and failed["summary"] is None
    assert failed["error"] and "\n" not in failed["error"] and len(failed["error"]) <= 500
    assert "Traceback" not in failed["error"]
    page = s.get(f"{server.url}/incidents/{incident['id']}")
    assert failed["error"] in page.text.replace("&#39;", "'").replace("&quot;", '"')


def test_incident_page_lists_drifts_and_starts_one_by_form(server):
    incident = _incident(server)
    # a drift that started 3 h ago: "now" is its fourth hour, 90 % area pi * 2.5² NM²
    start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    _stored_drift(server.data_dir, incident["id"], start=start - dt.timedelta(hours=3))
    listed = server.session("victor").get(f"{server.url}/api/incidents/{incident['id']}/drifts")
    now = listed.json()[0]["summary"]["now"]
    assert now["time"] == start.strftime("%Y-%m-%dT%H:%M:%SZ") and not now["ended"]
    assert now["area_90_nm2"] == pytest.approx(19.6, abs=0.05)
    viewer = login(server, "victor")
    page = viewer.get(f"{server.url}/incidents/{incident['id']}")
    assert page.status_code == 200
    assert 'class="sw-drift-row sw-drift-done"' in page.text
    assert '<span class="sw-drift-area90">20 NM²</span>' in page.text
    assert "NM²" in page.text and "drift.kml" in page.text and "drift.gpx" in page.text
    assert 'id="sw-drift-start"' not in page.text  # viewers cannot start one
    arabic = viewer.get(f"{server.url}/incidents/{incident['id']}?lang=ar")
    assert "الانجراف ومنطقة البحث" in arabic.text and "ميل بحري مربع" in arabic.text

    coordinator = login(server, "amina")
    page = coordinator.get(f"{server.url}/incidents/{incident['id']}")
    assert 'id="sw-drift-start"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form_url = f"{server.url}/incidents/{incident['id']}/drifts"
    refused = coordinator.post(form_url, data={"hours": "6"}, allow_redirects=False)
    assert refused.status_code == 403
    answer = coordinator.post(
        form_url, data={"hours": "6", "csrf_token": token}, allow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("#drifts")
    drifts = coordinator.get(f"{server.url}/api/incidents/{incident['id']}/drifts").json()
    assert len(drifts) == 2 and drifts[0]["request"]["hours"] == 6
    assert drifts[0]["request"]["incident"] == {
        "lat": incident["lat"],
        "lon": incident["lon"],
        "time": incident["time"],
        "boat_type": "rubber",
        "version": 1,
    }
    _wait(server, drifts[0]["id"])


def test_a_drift_running_at_restart_becomes_failed_interrupted(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    tokens = add_accounts(data_dir)
    with IncidentStore(f"sqlite:///{data_dir / 'incidents.sqlite'}") as store:
        incident = store.create({"position": "33 52N 12 31E", "status": "distress"}, user="amina")
    running = _stored_drift(data_dir, incident["id"], status="running")
    queued = _stored_drift(data_dir, incident["id"], status="queued")
    done = _stored_drift(data_dir, incident["id"], status="done")
    live = start_server(data_dir)
    live.tokens = tokens
    try:
        s = live.session("victor")
        for drift_id in (running, queued):
            data = s.get(f"{live.url}/api/drifts/{drift_id}").json()
            assert data["status"] == "failed" and data["error"] == INTERRUPTED
        assert s.get(f"{live.url}/api/drifts/{done}").json()["status"] == "done"
    finally:
        live.stop()
