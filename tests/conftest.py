"""Shared test setup."""

import pytest

import seawatch  # noqa: F401  (loads pyproj before anything can load eccodes)
from tests.browser import launch_browser


@pytest.fixture(scope="session")
def browser():
    """One Debian chromium for the whole run (Playwright's sync API allows one per thread)."""
    with launch_browser() as b:
        yield b
