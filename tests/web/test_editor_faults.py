"""The coordinators' editor under real conditions: failed requests, lost links, slips of the finger.

A live ``seawatch serve`` on loopback and Debian's chromium through playwright; network faults are
injected with playwright's route interception (``route.abort()``), so the server and the page
are real and only the link between them fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import LiveServer, add_accounts, start_server
from tests.web.test_browser import (
    cluster_of,
    loopback_page,
    marker,
    open_popup,
    shown,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with no risk map yet: the editor runs on the plain map (fast to start)."""
    data_dir = tmp_path_factory.mktemp("editor")
    tokens = add_accounts(data_dir)
    server = start_server(data_dir)
    server.tokens = tokens
    try:
        yield server
    finally:
        server.stop()


def create(server: LiveServer, **fields: Any) -> dict[str, Any]:
    answer = server.session("amina").post(
        f"{server.url}/api/incidents", json={"lat": 33.2, "lon": 12.7, **fields}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def centre(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page: Any, locator: Any, dx: float, dy: float) -> None:
    x, y = centre(locator)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=6)
    page.mouse.move(x + dx, y + dy, steps=6)
    page.mouse.up()


def abort_patches(route: Any) -> None:
    if route.request.method == "PATCH":
        route.abort()
    else:
        route.continue_()


def test_failed_move_puts_the_marker_back_and_the_map_keeps_updating(plain, browser):
    created = create(plain, persons=40)
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        dot = shown(page, created["id"])
        before = centre(dot)
        page.route("**/api/incidents/*", abort_patches)
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-move")
        drag(page, dot, 80, 50)
        page.click("#sw-move-confirm")
        # the coordinator is told, and the marker shows where the server still has it
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "failed")
        expect(page.locator("#sw-write")).to_contain_text("could not be reached")
        after = centre(dot)
        assert abs(after[0] - before[0]) < 2 and abs(after[1] - before[1]) < 2
        page.unroute("**/api/incidents/*")
        stored = plain.session("amina").get(f"{plain.url}/api/incidents/{created['id']}").json()
        assert (stored["version"], stored["lat"], stored["lon"]) == (1, 33.2, 12.7)
        # the live picture still updates: a new incident reported elsewhere appears
        later = create(plain, lat=33.5, lon=13.1)
        page.select_option("#sw-period", "24h")
        shown(page, later["id"], timeout=10)


def test_a_pan_that_starts_on_a_marker_never_moves_it(plain, browser):
    created = create(plain, persons=70, lat=34.6, lon=16.8)  # alone: never in a cluster
    patches: list[str] = []
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        page.on("request", lambda r: patches.append(r.url) if r.method == "PATCH" else None)
        dot = shown(page, created["id"])
        drag(page, dot, 120, 90)  # a pan on a phone that happens to start on the boat
        page.wait_for_timeout(500)
        assert patches == []
        assert page.locator("#sw-move").is_hidden()

        # move mode: drag, read old and new in DDM, confirm, then undo
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-move")
        expect(page.locator("#sw-move-from")).to_have_text(created["position_ddm"])
        expect(page.locator("#sw-move-confirm")).to_be_disabled()
        drag(page, dot, 60, 40)
        expect(page.locator("#sw-move-to")).to_contain_text("°")
        new_ddm = page.locator("#sw-move-to").inner_text()
        assert new_ddm != created["position_ddm"]
        assert patches == []  # nothing is saved before the confirm
        with page.expect_response(lambda r: r.request.method == "PATCH") as moved:
            page.click("#sw-move-confirm")
        assert moved.value.json()["position_ddm"] == new_ddm
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        with page.expect_response(lambda r: r.request.method == "PATCH") as undone:
            page.click("#sw-undo")
        back = undone.value.json()
        assert (back["lat"], back["lon"], back["version"]) == (34.6, 16.8, 3)

        # Escape leaves move mode and puts the marker back
        dot = shown(page, created["id"])
        before = centre(dot)
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-move")
        drag(page, dot, 50, 50)
        page.keyboard.press("Escape")
        assert page.locator("#sw-move").is_hidden()
        after = centre(dot)
        assert abs(after[0] - before[0]) < 2 and abs(after[1] - before[1]) < 2
    assert len(patches) == 2


def test_report_whose_answer_was_lost_is_retried_without_a_duplicate(plain, browser):
    stored: list[dict[str, Any]] = []

    def lose_first_answer(route: Any) -> None:
        if route.request.method == "POST" and not stored:
            # the server stores the report; its answer never reaches the browser
            answer = route.fetch()
            stored.append(answer.json())
            route.abort()
        else:
            route.continue_()

    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        page.route("**/api/incidents", lose_first_answer)
        page.click("#sw-report")
        page.fill("#sw-f-position", "33 40.0N 013 10.0E")
        expect(page.locator("#sw-parsed")).to_contain_text("33°40.000'N")
        page.fill("#sw-f-persons", "55")
        page.click("#sw-save")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "failed")
        expect(page.locator("#sw-write")).to_contain_text("Not saved")
        assert page.locator("#sw-incident-form").is_visible()  # what was typed is still there
        with page.expect_response(lambda r: r.request.method == "POST") as retried:
            page.click("#sw-retry")
        assert retried.value.headers.get("idempotent-replayed") == "true"
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        assert retried.value.json()["id"] == stored[0]["id"]
        shown(page, stored[0]["id"])
    mine = [
        f
        for f in plain.session("amina").get(f"{plain.url}/api/incidents").json()["features"]
        if f["properties"]["persons"] == 55
    ]
    assert [f["id"] for f in mine] == [stored[0]["id"]]


def test_failed_edit_and_retract_say_so_and_can_be_retried(plain, browser):
    created = create(plain, persons=30, lat=33.0, lon=12.2)
    failures = {"PATCH": 1, "DELETE": 1}

    def fail_once(route: Any) -> None:
        method = route.request.method
        if failures.get(method):
            failures[method] -= 1
            if method == "PATCH":
                route.fulfill(status=500, body="")
            else:
                route.fetch()  # stored, answer lost
                route.abort()
        else:
            route.continue_()

    with loopback_page(browser, plain.url) as (page, _record):
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, plain.url, "amina")
        page.route("**/api/incidents/*", fail_once)
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-edit")
        page.fill("#sw-f-survivors", "28")
        page.click("#sw-save")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "failed")
        expect(page.locator("#sw-write")).to_contain_text("500")
        assert page.input_value("#sw-f-survivors") == "28"
        page.click("#sw-retry")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        assert page.locator("#sw-incident-form").is_hidden()

        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-retract")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "failed")
        page.click("#sw-retry")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        expect(marker(page, created["id"])).to_have_count(0)
        expect(cluster_of(page, created["id"])).to_have_count(0)
    stored = plain.session("amina").get(f"{plain.url}/api/incidents/{created['id']}").json()
    assert (stored["survivors"], stored["status"]) == (28, "retracted")


def abort_lists(route: Any) -> None:
    if route.request.method == "GET":
        route.abort()
    else:
        route.continue_()


def test_lost_connection_is_shown_reconnects_by_itself_and_keeps_the_form(plain, browser):
    with loopback_page(browser, plain.url) as (page, _record):
        page.clock.install()
        sign_in(page, plain.url, "amina")
        expect(page.locator("#sw-updated")).to_have_text(re.compile(r"^Updated \d\d:\d\d UTC$"))
        updated = page.locator("#sw-updated").inner_text()
        assert page.locator("#sw-conn").is_hidden()

        # a report is being typed when the link drops
        page.click("#sw-report")
        page.fill("#sw-f-position", "33 20N 12 30E")
        page.fill("#sw-f-note", "seen by fishermen, 60 on board")
        page.route("**/api/incidents?*", abort_lists)
        page.clock.run_for(61_000)
        expect(page.locator("#sw-conn")).to_be_visible()
        expect(page.locator("#sw-conn")).to_have_attribute("data-state", "lost")
        expect(page.locator("#sw-conn")).to_contain_text("Connection lost")
        assert updated.removeprefix("Updated ") in page.locator("#sw-conn").inner_text()

        # the link comes back; meanwhile someone else reported an incident
        page.unroute("**/api/incidents?*")
        other = create(plain, lat=32.9, lon=13.4, persons=12)
        page.clock.run_for(11_000)  # the retry after 5 s, then after 10 s at most
        expect(page.locator("#sw-conn")).to_be_hidden()
        shown(page, other["id"])
        # the open form kept what was typed
        assert page.input_value("#sw-f-note") == "seen by fishermen, 60 on board"
        assert page.input_value("#sw-f-position") == "33 20N 12 30E"
        assert page.locator("#sw-incident-form").is_visible()


def test_edit_conflict_keeps_what_was_typed_and_merges_field_by_field(plain, browser):
    created = create(plain, persons=90, lat=33.1, lon=12.1, note="first sighting")
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-edit")
        page.fill("#sw-f-survivors", "50")
        page.fill("#sw-f-note", "mine: 50 picked up by MV Aurora")
        # meanwhile another coordinator saves a change to the same incident
        theirs = plain.session("root").patch(
            f"{plain.url}/api/incidents/{created['id']}",
            json={"version": 1, "status": "rescued", "note": "theirs: rescue under way"},
        )
        assert theirs.status_code == 200
        page.click("#sw-save")
        conflict = page.locator("#sw-conflict")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text("root")
        rows = conflict.locator("tr[data-field]")
        assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.field)")) == [
            "note",
            "status",
            "survivors",
        ]
        note = conflict.locator("tr[data-field=note]")
        assert "mine: 50 picked up" in note.locator(".sw-c-mine").inner_text()
        assert "theirs: rescue under way" in note.locator(".sw-c-theirs").inner_text()
        # what was typed is still in the form
        assert page.input_value("#sw-f-survivors") == "50"
        # the coordinator's own changes are chosen, the other change is kept; take their note
        assert conflict.locator("tr[data-field=survivors] input[value=mine]").is_checked()
        assert conflict.locator("tr[data-field=status] input[value=theirs]").is_checked()
        note.locator("input[value=theirs]").check()
        with page.expect_response(lambda r: r.request.method == "PATCH") as saved:
            page.click("#sw-conflict-save")
        assert saved.value.status == 200
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
    stored = plain.session("amina").get(f"{plain.url}/api/incidents/{created['id']}").json()
    assert (stored["survivors"], stored["status"], stored["notes"], stored["version"]) == (
        50,
        "rescued",
        "theirs: rescue under way",
        3,
    )


def test_sign_in_limit_shows_the_wait_in_the_page(plain, browser):
    with loopback_page(browser, plain.url) as (page, _record):
        page.goto(plain.url + "/login")
        for _ in range(4):
            page.fill("input[name=name]", "root")
            page.fill("input[name=password]", "not-the-password")
            page.click("button[type=submit]")
        wait = page.locator("#sw-login-wait")
        expect(wait).to_be_visible()
        seconds = int(wait.get_attribute("data-wait"))
        assert seconds > 0
        expect(wait).to_contain_text(f"Wait {seconds} seconds")
        assert "HTTP ERROR" not in page.content()
        assert page.locator("input[name=password]").is_visible()


def test_time_field_is_24_hour_iso_utc(plain, browser):
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        page.click("#sw-report")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", page.input_value("#sw-f-time"))
        page.fill("#sw-f-position", "33 05N 12 55E")
        expect(page.locator("#sw-parsed")).to_contain_text("33°05.000'N")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.fill("#sw-f-time", "12/07/2026 3:15 PM")
        page.click("#sw-save")
        expect(page.locator("#sw-form-error")).to_contain_text("YYYY-MM-DD HH:MM")
        assert posts == []
        page.fill("#sw-f-time", "2026-12-01 15:15")
        with page.expect_response(lambda r: r.request.method == "POST") as saved:
            page.click("#sw-save")
        assert saved.value.request.post_data_json["time"] == "2026-12-01T15:15:00Z"
        assert saved.value.json()["time"].startswith("2026-12-01T15:15:00")


def test_history_reads_in_words_with_positions_in_ddm(plain, browser):
    created = create(plain, lat=33.25, lon=12.5, persons=44, status="distress")
    moved = plain.session("amina").patch(
        f"{plain.url}/api/incidents/{created['id']}",
        json={"version": 1, "lat": 33.5, "lon": 12.75, "status": "rescued"},
    )
    assert moved.status_code == 200
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-show-history")
        page.wait_for_selector("#sw-history li[data-version='2']")
        text = page.locator("#sw-history li[data-version='2']").inner_text()
        assert "Position: 33°15.000'N 012°30.000'E → 33°30.000'N 012°45.000'E" in text
        assert "Status: distress → rescued" in text
        assert "33.25" not in text and "[" not in text
        page.goto(f"{plain.url}/incidents/{created['id']}")
        table = page.locator("table").last.inner_text()
        assert "33°15.000'N 012°30.000'E" in table and "33°30.000'N 012°45.000'E" in table
        assert "33.25" not in table and "['" not in table


def test_map_page_has_navigation_and_sign_out(plain, browser):
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        assert page.locator("#sw-editor a[href^='/incidents']").is_visible()
        assert page.locator("#sw-editor a[href^='/maps']").is_visible()
        page.click("#sw-logout")
        page.wait_for_url("**/login")
        assert page.context.request.get(plain.url + "/api/me").status == 401


def test_a_position_outside_the_area_is_saved_only_when_confirmed(plain, browser):
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.click("#sw-report")
        page.fill("#sw-f-position", "0 0")
        expect(page.locator("#sw-parsed")).to_contain_text("outside the area")
        page.click("#sw-save")
        expect(page.locator("#sw-form-error")).to_contain_text("outside the area")
        expect(page.locator("#sw-save")).to_have_text("Save anyway")
        assert posts == []
        with page.expect_response(lambda r: r.request.method == "POST") as saved:
            page.click("#sw-save")
        assert saved.value.status == 201 and saved.value.json()["lat"] == 0


def test_coordinator_restores_a_retracted_incident_from_the_map(plain, browser):
    created = create(plain, lat=34.2, lon=18.4, status="rescued", note="restore me")
    amina = plain.session("amina")
    assert amina.delete(f"{plain.url}/api/incidents/{created['id']}?version=1").status_code == 200
    held: list[Any] = []

    def fail_then_hold(route: Any) -> None:
        if not held and not getattr(fail_then_hold, "failed", False):
            fail_then_hold.failed = True  # type: ignore[attr-defined]
            route.abort()  # the link drops: nothing reached the server
        else:
            held.append(route)  # answered by the test, so "pending" can be seen

    with loopback_page(browser, plain.url) as (page, _record):
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, plain.url, "amina")
        # retracted incidents are off the map until asked for
        expect(marker(page, created["id"])).to_have_count(0)
        page.check("#sw-show-retracted")
        dot = shown(page, created["id"])
        assert "sw-inc-retracted" in dot.get_attribute("class")

        page.route("**/api/incidents/*/restore*", fail_then_hold)
        open_popup(page, created["id"])
        assert page.locator(".leaflet-popup .sw-edit").count() == 0
        page.click(".leaflet-popup .sw-restore")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "failed")
        expect(page.locator("#sw-write")).to_contain_text("could not be reached")
        assert amina.get(f"{plain.url}/api/incidents/{created['id']}").json()["version"] == 2
        page.click("#sw-retry")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "pending")
        while not held:
            page.wait_for_timeout(50)
        held[0].continue_()
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        expect(page.locator("#sw-write")).to_contain_text("rescued")
        page.unroute("**/api/incidents/*/restore*")
        expect(marker(page, created["id"])).not_to_have_class(re.compile("sw-inc-retracted"))

        # retracting from the map offers to undo it at once, retracted incidents shown or not
        page.uncheck("#sw-show-retracted")
        open_popup(page, created["id"])
        page.click(".leaflet-popup .sw-retract")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        with page.expect_response(lambda r: r.url.split("?")[0].endswith("/restore")) as undone:
            page.click("#sw-undo")
        assert undone.value.status == 200
        expect(page.locator("#sw-write")).to_contain_text("rescued")
        expect(marker(page, created["id"]).or_(cluster_of(page, created["id"]))).to_have_count(1)
    stored = amina.get(f"{plain.url}/api/incidents/{created['id']}").json()
    assert (stored["status"], stored["version"]) == ("rescued", 5)
    history = amina.get(f"{plain.url}/api/incidents/{created['id']}/history").json()
    assert [h["action"] for h in history] == ["create", "retract", "update", "retract", "update"]


# A busy phone: timers run late. Leaflet removes a closed popup with a 200 ms timer.
LATE_TIMERS = """(() => { const later = window.setTimeout;
  window.setTimeout = (f, ms, ...rest) => later(f, ms === 200 ? 4000 : ms, ...rest); })()"""


def test_a_closed_popup_never_swallows_the_next_tap_and_a_second_tap_keeps_it_open(plain, browser):
    first = create(plain, lat=35.6, lon=15.0, note="first")
    second = create(plain, lat=35.9, lon=16.2, note="second")
    with loopback_page(browser, plain.url) as (page, _record):
        page.add_init_script(LATE_TIMERS)
        sign_in(page, plain.url, "amina")
        open_popup(page, first["id"])
        page.locator(".leaflet-popup-close-button").click()
        # gone at once, not left invisible over the map until a late timer removes it
        assert page.locator(".leaflet-popup").count() == 0
        open_popup(page, second["id"])
        assert page.locator(".leaflet-popup").count() == 1
        page.locator(".leaflet-popup-close-button").click()
        # a second tap (a slow phone, an impatient finger) leaves the popup open
        dot = shown(page, first["id"])
        dot.click()
        dot.click()
        page.wait_for_timeout(300)
        expect(page.locator(f".leaflet-popup .sw-popup[data-id='{first['id']}']")).to_be_visible()


ON_MAP = """(id) => !!document.querySelector(
  `.sw-inc[data-id='${id}'], .sw-ed-cluster span[data-ids~='${id}']`)"""


def refreshed(page: Any, action: Any) -> None:
    """Do ``action`` (a callable that makes the map refresh, or a held-back refresh from
    :func:`refresh_held_back` to deliver now) and wait until the page has drawn the list."""
    page.evaluate("delete document.documentElement.dataset.swIncidents")
    if callable(action):
        action()
    else:
        route, answer = action
        route.fulfill(response=answer)
    page.wait_for_selector("html[data-sw-incidents=loaded]")


def refresh_held_back(page: Any) -> tuple[Any, Any]:
    """Make the map refresh (the period set to 24 h) and hold the answer back on a slow link:
    its route and the list as the server had it then, for :func:`refreshed` to deliver."""
    held: list[tuple[Any, Any]] = []

    def hold_first_list(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))

    page.route("**/api/incidents?*", hold_first_list)
    page.select_option("#sw-period", "24h")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the refresh never went out"
    return held[0]


def test_a_refresh_answered_after_saves_keeps_what_was_saved(plain, browser):
    """A slow link answers a refresh after the coordinator has saved: the list it brings is older
    than the saves and must neither take the new report off the map nor put the old version of
    the corrected one back (its next Save would then be refused as a conflict)."""
    created = create(plain, persons=61)
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        late = refresh_held_back(page)  # a refresh goes out ...
        # ... and while it is on its way, a report and a correction are saved
        page.click("#sw-report")
        page.fill("#sw-f-position", "33 41.0N 013 11.0E")
        expect(page.locator("#sw-parsed")).to_contain_text("33°41.000'N")
        page.fill("#sw-f-persons", "62")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.click("#sw-save")
        new_id = posted.value.json()["id"]
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        open_popup(page, created["id"])
        page.locator(f".leaflet-popup .sw-popup[data-id='{created['id']}'] .sw-edit").click()
        page.fill("#sw-f-survivors", "5")
        page.click("#sw-save")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")

        refreshed(page, late)
        assert page.evaluate(ON_MAP, new_id), "the saved report went off the map"
        # the correction is still the version shown: a second correction saves without conflict
        open_popup(page, created["id"])
        page.locator(f".leaflet-popup .sw-popup[data-id='{created['id']}'] .sw-edit").click()
        assert page.input_value("#sw-f-survivors") == "5"
        page.fill("#sw-f-survivors", "6")
        page.click("#sw-save")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
    stored = plain.session("amina").get(f"{plain.url}/api/incidents/{created['id']}").json()
    assert stored["survivors"] == 6 and stored["version"] == 3


def test_an_open_popup_stays_open_while_the_map_refreshes(plain, browser):
    """Reports that come and go while a coordinator reads a popup wait until it is closed:
    re-forming the clusters closed the popup under the coordinator's finger (the soak's Edit
    then opened nothing)."""
    a = create(plain, lat=34.5, lon=16.5, persons=71)
    create(plain, lat=34.5003, lon=16.5003, persons=72)  # together at every zoom: spread out
    gone = create(plain, lat=34.4997, lon=16.5004, persons=73)
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        open_popup(page, a["id"])
        # meanwhile a colleague reports a boat right beside it and retracts another one
        new = create(plain, lat=34.5006, lon=16.4997, persons=74)
        answer = plain.session("amina").delete(
            f"{plain.url}/api/incidents/{gone['id']}", params={"version": gone["version"]}
        )
        assert answer.status_code == 200, answer.text
        refreshed(page, lambda: page.select_option("#sw-period", "24h"))  # the map refreshes
        popup = page.locator(f".leaflet-popup .sw-popup[data-id='{a['id']}']")
        expect(popup).to_be_visible()
        popup.locator(".sw-edit").click()
        expect(page.locator("#sw-f-survivors")).to_be_visible()
        page.click("#sw-cancel")
        # the popup closed, the map shows what changed
        shown(page, new["id"])
        assert not page.evaluate(ON_MAP, gone["id"])


def test_an_unchanged_list_is_not_sent_again(plain, browser):
    """A refresh that finds nothing changed gets "304 Not Modified" (no list over a poor link);
    the picture still counts as up to date. Another period is another list: going back to one
    shown before fetches it whole (its incidents were taken off meanwhile)."""
    three_days = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = create(plain, lat=34.3, lon=16.1, persons=82, time=three_days)
    with loopback_page(browser, plain.url) as (page, _record):
        page.clock.install()
        sign_in(page, plain.url, "amina")
        answers: list[tuple[int, str | None]] = []
        page.on(
            "response",
            lambda r: (
                "/api/incidents?" in r.url
                and answers.append((r.status, r.request.headers.get("if-none-match")))
            ),
        )

        refreshed(page, lambda: page.select_option("#sw-period", "24h"))
        assert not page.evaluate(ON_MAP, old["id"])
        refreshed(page, lambda: page.select_option("#sw-period", "7d"))  # the period it opened on
        assert [status for status, _ in answers] == [200, 200], answers
        shown(page, old["id"])
        # the minute's refresh: nothing changed
        refreshed(page, lambda: page.clock.run_for(61_000))
        assert answers[-1][0] == 304 and answers[-1][1], answers
        shown(page, old["id"])
        assert page.evaluate("document.documentElement.dataset.swConnection") != "lost"
        # a change by a colleague: the next refresh gets the whole list, with the new report
        created = create(plain, lat=34.2, lon=15.9, persons=81)
        refreshed(page, lambda: page.clock.run_for(61_000))
        assert answers[-1][0] == 200, answers
        shown(page, created["id"])


def test_a_refresh_answered_after_a_retraction_does_not_bring_it_back(plain, browser):
    """A refresh asked for before a retraction and answered after it carries the incident as it
    was: it must not come back on the map (its Undo would then fail on a stale version)."""
    created = create(plain, lat=34.1, lon=16.3, persons=83)
    with loopback_page(browser, plain.url) as (page, _record):
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, plain.url, "amina")
        open_popup(page, created["id"])
        late = refresh_held_back(page)  # a refresh goes out ...
        # ... the coordinator retracts the incident while it is on its way
        page.locator(f".leaflet-popup .sw-popup[data-id='{created['id']}'] .sw-retract").click()
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
        refreshed(page, late)
        assert not page.evaluate(ON_MAP, created["id"]), "the retracted incident came back"
        page.click("#sw-undo")
        expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
    stored = plain.session("amina").get(f"{plain.url}/api/incidents/{created['id']}").json()
    assert stored["status"] == "distress" and stored["version"] == 3


def test_move_and_retract_in_a_popup_whose_incident_left_the_list(plain, browser):
    """A colleague moves an incident's time out of the period shown while its popup is open:
    Retract and Move say what happened instead of doing nothing, and nothing is written over
    the colleague's change."""
    two_days = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    moved, retracted = (create(plain, lat=33.9, lon=16.7 + 0.2 * k, persons=85 + k) for k in (0, 1))
    amina = plain.session("amina")
    with loopback_page(browser, plain.url) as (page, _record):
        page.on("dialog", lambda dialog: dialog.accept())
        page.clock.install()
        sign_in(page, plain.url, "amina")
        page.select_option("#sw-period", "24h")
        for record, button in ((moved, ".sw-move"), (retracted, ".sw-retract")):
            open_popup(page, record["id"])
            answer = amina.patch(
                f"{plain.url}/api/incidents/{record['id']}",
                json={"version": record["version"], "time": two_days},
            )
            assert answer.status_code == 200, answer.text
            # the minute's refresh no longer lists it
            refreshed(page, lambda: page.clock.run_for(61_000))
            popup = page.locator(f".leaflet-popup .sw-popup[data-id='{record['id']}']")
            popup.locator(button).click()
            if button == ".sw-move":
                expect(page.locator(".sw-ed-message")).to_contain_text("no longer in the list")
                assert page.locator("#sw-move-confirm").count() == 0
            else:  # asked on the version the popup shows: refused as changed meanwhile
                expect(page.locator("#sw-write")).to_have_attribute("data-state", "failed")
                expect(page.locator("#sw-write")).to_contain_text("changed")
    stored = amina.get(f"{plain.url}/api/incidents/{retracted['id']}").json()
    assert stored["status"] == "distress" and stored["version"] == 2


def test_a_tap_on_a_marker_at_the_edge_opens_it_without_moving_the_map(plain, browser):
    """A tap focuses the marker; Leaflet's pan on focus moved the map under the finger when
    the marker sat at the screen's edge, and the tap missed. The keyboard still pans to it."""
    created = create(plain, lat=31.2, lon=19.0, persons=91)
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        dot = shown(page, created["id"])
        # the marker's lower half below the map's bottom edge
        page.evaluate(
            """([lat, lon]) => {
              const map = window.swFallbackMap, at = map.latLngToContainerPoint([lat, lon]);
              map.panBy([0, at.y - map.getSize().y + 4], {animate: false});
            }""",
            [created["lat"], created["lon"]],
        )
        # the map may move to fit the popup once it is open (Leaflet's autopan), never before
        page.evaluate(
            """() => { window.__swEarly = 0; window.swFallbackMap.on("movestart", () => {
              if (!document.querySelector(".leaflet-popup")) window.__swEarly += 1; }); }"""
        )
        before = page.evaluate("() => window.swFallbackMap.getCenter()")
        dot.click()
        popup = page.locator(f".leaflet-popup .sw-popup[data-id='{created['id']}']")
        expect(popup).to_be_visible()
        assert page.evaluate("window.__swEarly") == 0, "the map moved under the tap"
        page.locator(".leaflet-popup-close-button").click()
        before = page.evaluate("() => window.swFallbackMap.getCenter()")
        # from the keyboard: focused with Tab, the map brings it in
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.dataset.id") == created["id"]:
                break
        else:
            raise AssertionError("the marker is not reached with Tab")
        page.wait_for_function(
            "(c) => { const n = window.swFallbackMap.getCenter(); return n.lat !== c.lat; }",
            arg=before,
        )
