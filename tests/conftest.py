"""Shared test setup."""

import os

import pytest

from tests.browser import launch_browser


@pytest.fixture(scope="session")
def browser():
    """One Debian chromium per test process (Playwright's sync API allows one per thread).

    Under pytest-xdist each worker is its own process and starts its own chromium when it runs
    a browser test.
    """
    with launch_browser() as b:
        yield b


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by what they need; under xdist, hand out slow modules first.

    ``make test`` runs ``-n auto --dist loadscope``: each module goes to one worker whole, so a
    module-scoped fixture (the demo run of test_pipeline, a live server) is built once. Modules
    holding slow or browser tests are collected first, so no long module starts last.
    """
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "browser" in names:
            item.add_marker(pytest.mark.browser)
        if "postgres_url" in names:
            item.add_marker(pytest.mark.postgres)
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    heavy = {
        _module(item)
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("browser")
    }
    items.sort(key=lambda item: _module(item) not in heavy)  # stable: heavy modules first
