"""Soak: reports and edits from the browser while the link keeps dropping; then the store and
what the page said was saved must agree, with no duplicates.

``SEAWATCH_SOAK_SECONDS`` sets the length (default 30 s; issue #15 asks for 30 minutes with a
drop every 2 minutes: ``SEAWATCH_SOAK_SECONDS=1800``). Drops are injected with playwright's
route interception: every third write either never reaches the server or loses its answer
after the server stored it.
"""

from __future__ import annotations

import itertools
import os
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.test_browser import loopback_page, sign_in
from tests.web.test_editor_faults import plain  # noqa: F401  (the live server fixture)

pytestmark = pytest.mark.browser

SECONDS = float(os.environ.get("SEAWATCH_SOAK_SECONDS", "30"))


def test_reports_under_a_dropping_link_are_stored_once_each(plain, browser):  # noqa: F811
    writes = itertools.count(1)
    dropped = {"before": 0, "after": 0}

    def flaky(route: Any) -> None:
        if route.request.method in ("POST", "PATCH", "DELETE"):
            n = next(writes)
            if n % 3 == 1:
                dropped["before"] += 1
                route.abort()  # never reached the server
                return
            if n % 3 == 2:
                dropped["after"] += 1
                route.fetch()  # stored, answer lost
                route.abort()
                return
        route.continue_()

    before = {
        f["id"] for f in plain.session("amina").get(f"{plain.url}/api/incidents").json()["features"]
    }
    saved_in_ui: list[str] = []
    with loopback_page(browser, plain.url) as (page, _record):
        sign_in(page, plain.url, "amina")
        page.route("**/api/incidents**", flaky)
        end = time.monotonic() + SECONDS
        i = 0
        while time.monotonic() < end:
            i += 1
            page.click("#sw-report")
            position = f"{32 + (i % 50) * 0.05:.2f} {11 + (i // 50) * 0.1 + 0.001 * i:.3f}"
            page.fill("#sw-f-position", position)
            expect(page.locator("#sw-parsed")).to_contain_text("°")
            page.fill("#sw-f-persons", str(i))
            page.click("#sw-save")
            for _attempt in range(5):
                expect(page.locator("#sw-write")).not_to_have_attribute("data-state", "pending")
                if page.locator("#sw-write").get_attribute("data-state") == "saved":
                    break
                page.click("#sw-retry")
            expect(page.locator("#sw-write")).to_have_attribute("data-state", "saved")
            saved_in_ui.append(str(i))
    stored = [
        f["properties"]
        for f in plain.session("amina").get(f"{plain.url}/api/incidents").json()["features"]
        if f["id"] not in before
    ]
    persons = sorted(str(r["persons"]) for r in stored)
    print(
        f"soak {SECONDS:.0f} s: {len(saved_in_ui)} reports saved in the page, {len(stored)} "
        f"stored; writes dropped before the server {dropped['before']}, answers lost "
        f"{dropped['after']}"
    )
    assert len(saved_in_ui) >= 3 and dropped["after"] >= 1
    assert persons == sorted(saved_in_ui)  # every saved report stored exactly once
