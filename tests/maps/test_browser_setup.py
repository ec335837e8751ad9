"""The browser helpers fail under CI, and skip only locally, when chromium is missing."""

from __future__ import annotations

import pytest

from tests import browser


def test_missing_chromium_fails_under_ci(monkeypatch):
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        browser.require_chromium()


def test_missing_chromium_skips_locally(monkeypatch):
    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        browser.require_chromium()


def test_chromium_flags_never_reach_the_network():
    for flag in ("--disable-background-networking", "--disable-component-update", "--no-first-run"):
        assert flag in browser.CHROMIUM_ARGS
