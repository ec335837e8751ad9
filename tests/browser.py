"""Headless Chromium for tests: Debian's ``/usr/bin/chromium`` driven by playwright.

Playwright never downloads a browser here; the Debian package is used through
``executable_path``. Every request outside ``file://`` (and ``data:``) is aborted and recorded, and
the browser context is offline, so a page that works here works with no network.

When chromium is missing, browser tests *fail* under CI (``CI=true``) and skip elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from seawatch.maps import printing

CHROMIUM_ARGS = list(printing.CHROMIUM_ARGS)  # the flags seawatch prints maps with


def chromium_path() -> str | None:
    """Path of Debian's chromium (or ``$SEAWATCH_CHROMIUM``), or None."""
    try:
        return printing.find_chromium()
    except printing.PrintError:
        return None


def require_chromium() -> str:
    """Chromium's path; fail under CI, skip locally, when it is not installed."""
    path = chromium_path()
    if path:
        return path
    message = "chromium is not installed (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {message}")
    pytest.skip(message)
    raise AssertionError("unreachable")


@dataclass
class PageRecord:
    """What a page did: console errors, page errors, blocked requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *(f"blocked: {u}" for u in self.blocked)]


@contextmanager
def launch_browser() -> Iterator[Any]:
    """A playwright Browser on Debian's chromium (closed on exit)."""
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def offline_page(
    browser: Any,
    viewport: tuple[int, int] = (1280, 860),
    allow: tuple[str, ...] = ("file://",),
    touch: bool = False,
) -> Iterator[tuple[Any, PageRecord]]:
    """A page that may load only from ``allow`` (and data:/blob:), recording what it blocks.

    With the default it is fully offline (a map opened from disk); a page served on loopback
    passes its own origin, e.g. ``allow=("http://127.0.0.1:8123/",)``. ``touch`` emulates a
    phone (touch screen, mobile viewport), so ``page.tap`` works.
    """
    context = browser.new_context(
        offline=allow == ("file://",),
        viewport={"width": viewport[0], "height": viewport[1]},
        has_touch=touch,
        is_mobile=touch,
    )
    record = PageRecord()

    def route(route_: Any) -> None:
        url = route_.request.url
        if url.startswith((*allow, "data:", "blob:", "about:")):
            route_.continue_()
        else:
            record.blocked.append(url)
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console", lambda m: record.console_errors.append(m.text) if m.type == "error" else None
    )
    page.on("pageerror", lambda e: record.page_errors.append(str(e)))
    try:
        yield page, record
    finally:
        context.close()


def map_still(page: Any) -> None:
    """Wait until the map neither pans nor zooms and the next frames are drawn, as a person
    would before tapping.

    A popup slides into view for 250 ms after it opens (Leaflet's autopan): on a loaded machine
    a click aimed during the slide landed on the map beside the button, which closed the popup
    (the soak's "Edit opened no form").
    """
    page.wait_for_function(
        "() => !document.querySelector('.leaflet-pan-anim, .leaflet-zoom-anim, .leaflet-cluster-anim')"
    )
    page.evaluate(
        """() => new Promise((done) => {
          const end = performance.now() + 300;
          const tick = () => (performance.now() > end ? done() : requestAnimationFrame(tick));
          requestAnimationFrame(tick);
        })"""
    )
