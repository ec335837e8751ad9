"""The incident API against a live ``seawatch serve`` on loopback."""

from __future__ import annotations

import datetime as dt

import pytest

from seawatch.incidents.store import IncidentStore

DDM = "33°12.5'N 012°45.3'E"


def post(server, body, user="amina"):
    return server.session(user).post(f"{server.url}/api/incidents", json=body)


def test_health_needs_no_account(server):
    answer = server.session().get(f"{server.url}/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_report_by_position_text_answers_201_with_id_and_version(server):
    answer = post(
        server,
        {
            "position": DDM,
            "time": "2026-08-20T04:30:00Z",
            "persons": 80,
            "dead": 2,
            "missing": 5,
            "survivors": 73,
            "boat_type": "rubber",
            "status": "distress",
            "source": "alarm_phone",
            "note": "engine failure",
        },
    )
    assert answer.status_code == 201, answer.text
    record = answer.json()
    assert answer.headers["location"] == f"/api/incidents/{record['id']}"
    assert record["version"] == 1
    assert record["lat"] == pytest.approx(33 + 12.5 / 60)
    assert record["lon"] == pytest.approx(12 + 45.3 / 60)
    assert record["position_ddm"] == "33°12.500'N 012°45.300'E"
    assert record["position_text"] == DDM
    assert record["notes"] == "engine failure"
    assert record["created_by"] == "amina" and record["time"] == "2026-08-20T04:30:00Z"


def test_report_by_lat_lon(server):
    answer = post(server, {"lat": 33.1, "lon": 13.2, "persons": 40})
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "distress" and answer.json()["source"] == "coordinator"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"lat": 95, "lon": 12}, "latitude 95 is out of range"),
        ({"lat": 33, "lon": 200}, "longitude 200 is out of range"),
        ({"position": "95°N 12°E"}, "out of range"),
        ({"position": "hello there"}, "hello there"),
        ({"persons": 10}, "a position is required"),
        ({"position": DDM, "persons": -1}, "persons -1 must be 0 or more"),
        ({"position": DDM, "persons": "many"}, "persons 'many' is not a whole number"),
        ({"position": DDM, "boat_type": "yacht"}, "boat_type 'yacht' must be one of"),
        ({"position": DDM, "time": "yesterday"}, "time 'yesterday' is not a date and time"),
        ({"position": DDM, "time": "2099-01-01T00:00Z"}, "is in the future"),
        ({"position": DDM, "colour": "red"}, "colour is not a field seawatch knows"),
        ({"position": DDM, "persons": 10, "dead": 8, "survivors": 5}, "more than persons"),
        ({"position": DDM, "note": "a\x00b"}, "cannot be stored"),
        # strict types: nothing is guessed
        ({"position": DDM, "persons": True}, "persons"),
        ({"position": DDM, "persons": "12"}, "persons"),
        ({"lat": "33.1", "lon": 12.5}, "lat"),
        ({"position": DDM, "time": "-1"}, "time"),
        ({"position": DDM, "time": 1787200000}, "time"),
    ],
)
def test_invalid_input_answers_422_in_words_and_writes_nothing(server, body, message):
    before = server.session("amina").get(f"{server.url}/api/incidents?include_retracted=true")
    answer = post(server, body)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"]
    after = server.session("amina").get(f"{server.url}/api/incidents?include_retracted=true")
    assert len(after.json()["features"]) == len(before.json()["features"])


def test_body_that_is_not_json_is_422(server):
    answer = server.session("amina").post(
        f"{server.url}/api/incidents",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert "not valid JSON" in answer.json()["detail"]


def test_patch_needs_the_current_version_and_409_carries_the_record(server):
    record = post(server, {"position": DDM, "persons": 50}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    s = server.session("amina")
    assert s.patch(url, json={"persons": 51}).status_code == 422  # no version
    first = s.patch(url, json={"version": 1, "persons": 51, "note": "counted again"})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = s.patch(url, json={"version": 1, "persons": 99})
    assert stale.status_code == 409
    assert stale.json()["current"]["persons"] == 51
    assert stale.json()["current"]["version"] == 2
    assert "version" in stale.json()["detail"]
    assert s.get(url).json()["persons"] == 51


def test_invalid_patch_changes_nothing(server):
    record = post(server, {"position": DDM, "persons": 50}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    s = server.session("amina")
    answer = s.patch(url, json={"version": 1, "persons": 60, "lat": 91, "lon": 12})
    assert answer.status_code == 422 and "latitude 91" in answer.json()["detail"]
    now = s.get(url).json()
    assert now["version"] == 1 and now["persons"] == 50
    assert len(s.get(f"{url}/history").json()) == 1


def test_move_by_lat_lon_and_clear_a_field(server):
    record = post(server, {"position": DDM, "persons": 50, "dead": 1}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    s = server.session("root")
    moved = s.patch(url, json={"version": 1, "lat": 33.3, "lon": 12.9, "dead": None}).json()
    assert (moved["lat"], moved["lon"], moved["dead"]) == (33.3, 12.9, None)
    assert moved["updated_by"] == "root"


def test_delete_retracts_and_keeps_record_and_history(server):
    record = post(server, {"position": DDM}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    s = server.session("amina")
    assert s.delete(url + "?version=7").status_code == 409
    answer = s.delete(url + "?version=1&reason=duplicate of another report")
    assert answer.status_code == 200 and answer.json()["status"] == "retracted"
    assert s.get(url).json()["status"] == "retracted"
    ids = [f["id"] for f in s.get(f"{server.url}/api/incidents").json()["features"]]
    assert record["id"] not in ids
    with_retracted = s.get(f"{server.url}/api/incidents?include_retracted=true").json()
    assert record["id"] in [f["id"] for f in with_retracted["features"]]
    history = s.get(url + "/history").json()
    assert [h["action"] for h in history] == ["create", "retract"]
    assert history[-1]["user"] == "amina"


def test_history_records_every_change_with_its_user(server):
    record = post(server, {"position": DDM, "persons": 30}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    server.session("root").patch(url, json={"version": 1, "persons": 31})
    server.session("amina").patch(url, json={"version": 2, "status": "rescued"})
    history = server.session("victor").get(url + "/history").json()
    assert [(h["version"], h["user"], h["action"]) for h in history] == [
        (1, "amina", "create"),
        (2, "root", "update"),
        (3, "amina", "update"),
    ]
    assert history[1]["changes"] == {"persons": [30, 31]}
    assert history[2]["changes"] == {"status": ["distress", "rescued"]}


def test_geojson_with_filters(server):
    s = server.session("victor")
    now = dt.datetime.now(dt.UTC)
    old = post(
        server, {"lat": 34.0, "lon": 11.0, "time": (now - dt.timedelta(days=20)).isoformat()}
    )
    new = post(server, {"lat": 32.9, "lon": 13.1, "status": "rescued"})
    collection = s.get(f"{server.url}/api/incidents?since=7d").json()
    assert collection["type"] == "FeatureCollection"
    ids = {f["id"] for f in collection["features"]}
    assert new.json()["id"] in ids and old.json()["id"] not in ids
    feature = next(f for f in collection["features"] if f["id"] == new.json()["id"])
    assert feature["geometry"] == {"type": "Point", "coordinates": [13.1, 32.9]}
    rescued = s.get(f"{server.url}/api/incidents?status=rescued,capsized").json()["features"]
    assert rescued and all(f["properties"]["status"] in ("rescued", "capsized") for f in rescued)
    boxed = s.get(f"{server.url}/api/incidents?bbox=10.5,33.5,11.5,34.5").json()["features"]
    assert {f["id"] for f in boxed} == {old.json()["id"]}
    answer = s.get(f"{server.url}/api/incidents", headers={"Accept": "application/json"})
    assert answer.headers["content-type"].startswith("application/geo+json")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "since 'yesterday' is neither"),
        ("bbox=1,2,3", "bbox '1,2,3' must be four numbers"),
        ("status=lost", "status 'lost' must be one of"),
        ("limit=0", "limit 0 must be 1 or more"),
    ],
)
def test_bad_filters_answer_422(server, query, message):
    answer = server.session("victor").get(f"{server.url}/api/incidents?{query}")
    assert answer.status_code == 422 and message in answer.json()["detail"]


def test_position_parser_endpoint(server):
    s = server.session("victor")
    answer = s.get(f"{server.url}/api/positions/parse", params={"text": DDM})
    assert answer.json()["ddm"] == "33°12.500'N 012°45.300'E"
    bad = s.get(f"{server.url}/api/positions/parse", params={"text": "33°12.5' 012°45.3'"})
    assert bad.status_code == 422 and bad.json()["detail"]


def test_unknown_incident_is_404(server):
    s = server.session("amina")
    assert s.get(f"{server.url}/api/incidents/0000000000000000").status_code == 404
    answer = s.patch(f"{server.url}/api/incidents/0000000000000000", json={"version": 1})
    assert answer.status_code == 404 and "no incident" in answer.json()["detail"]


def test_risk_endpoints_say_when_nothing_is_built(server):
    s = server.session("victor")
    for path in ("/api/risk/point?lat=33&lon=13", "/api/summary"):
        answer = s.get(server.url + path)
        assert answer.status_code == 404 and "seawatch run" in answer.json()["detail"]
    status = s.get(f"{server.url}/api/status").json()
    assert status["risk_built_at"] is None and "open_meteo" in status["sources"]


def test_writes_are_in_the_store(server):
    record = post(server, {"position": DDM, "note": "check the store"}).json()
    store = IncidentStore(f"sqlite:///{server.data_dir / 'incidents.sqlite'}")
    try:
        assert store.get(record["id"])["notes"] == "check the store"
    finally:
        store.close()


def test_geojson_download_is_the_export_to_the_byte(server):
    """The web download and `seawatch incidents export --format geojson` write the same file."""
    from seawatch.incidents.formats import to_geojson

    made = post(server, {"position": DDM, "time": "2026-08-21T04:30:59.987654Z", "persons": 12})
    assert made.status_code == 201, made.text
    query = "include_retracted=true&limit=100000"
    answer = server.session("victor").get(f"{server.url}/api/incidents?{query}")
    store = IncidentStore(f"sqlite:///{server.data_dir / 'incidents.sqlite'}")
    try:
        exported = to_geojson(store.list(include_retracted=True, limit=100_000))
    finally:
        store.close()
    assert answer.text == exported
    feature = next(f for f in answer.json()["features"] if f["id"] == made.json()["id"])
    # one rule for times: UTC, Z, whole seconds; the same in the record and the download
    assert feature["properties"]["time"] == made.json()["time"] == "2026-08-21T04:30:59Z"


@pytest.mark.parametrize("source", [None, "coordinator", "alarm phone relay", "IOM"])
def test_report_without_status_is_distress_whatever_its_source(server, source):
    body = {"lat": 33.4, "lon": 12.9, "persons": 20}
    if source:
        body["source"] = source
    for sent in (body, {**body, "status": None}):
        answer = post(server, sent)
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "distress"


def test_a_body_of_many_unknown_keys_gets_a_short_answer(server):
    body = {f"k{i:06d}": i for i in range(50_000)}
    body["position"] = DDM
    answer = post(server, body)
    assert answer.status_code == 422
    assert len(answer.content) < 10_000, len(answer.content)
    assert len(answer.json()["errors"]) == 20
    assert "and 49980 more problems" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://missingmigrants.iom.int/incident/2026-0001", True),
        ("javascript:alert(document.cookie)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_http_links_are_rendered_as_links(server, url, linked):
    from lxml import html as lxml_html

    from seawatch.incidents.store import IncidentStore

    with IncidentStore(f"sqlite:///{server.data_dir / 'incidents.sqlite'}") as store:
        record = store.create(
            {"lat": 33.0, "lon": 12.0, "url": url, "source": "IOM"}, user="import"
        )
    page = server.session("amina").get(f"{server.url}/incidents/{record['id']}")
    assert page.status_code == 200
    tree = lxml_html.fromstring(page.text)
    hrefs = [a.get("href") for a in tree.iter("a")]
    assert (url.strip() in hrefs) is linked
    assert not any(h and not h.startswith(("/", "http://", "https://", "?", "#")) for h in hrefs)
    assert url.strip() in page.text or "&lt;script&gt;" in page.text


@pytest.mark.parametrize(
    ("text", "outside"),
    [("33°12.5'N 012°45.3'E", False), ("0 0", True), ("33 12.5S 12 45.3E", True)],
)
def test_position_parser_says_when_a_position_is_outside_the_area(server, text, outside):
    answer = server.session("amina").get(f"{server.url}/api/positions/parse", params={"text": text})
    assert answer.status_code == 200
    assert answer.json()["outside_area"] is outside
    assert len(answer.json()["area"]) == 4


def test_restore_gives_back_the_status_before_the_retraction(server):
    record = post(server, {"position": DDM, "status": "intercepted"}).json()
    url = f"{server.url}/api/incidents/{record['id']}"
    amina = server.session("amina")
    amina.patch(url, json={"version": 1, "persons": 20})
    assert amina.delete(f"{url}?version=2").json()["status"] == "retracted"
    # viewers may not; a stale version is a 409 carrying the record; a version is required
    assert server.session("victor").post(f"{url}/restore?version=3").status_code == 403
    stale = amina.post(f"{url}/restore?version=2")
    assert stale.status_code == 409 and stale.json()["current"]["status"] == "retracted"
    assert amina.post(f"{url}/restore").status_code == 422
    answer = amina.post(f"{url}/restore?version=3")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["version"], answer.json()["persons"]) == (
        "intercepted",
        4,
        20,
    )
    # a retry after a lost answer changes nothing and says how the incident is now
    again = amina.post(f"{url}/restore?version=3")
    assert again.status_code == 200 and again.json()["version"] == 4
    history = amina.get(f"{url}/history").json()
    assert [(h["action"], h["user"]) for h in history][-1] == ("update", "amina")
    assert history[-1]["changes"]["status"] == ["retracted", "intercepted"]
    assert server.session().post(f"{url}/restore?version=4").status_code == 401
