"""Shared test setup."""

import pytest

from tests.browser import launch_browser


@pytest.fixture(scope="session")
def browser():
    """One Debian chromium per test process (Playwright's sync API allows one per thread).

    Under pytest-xdist each worker is its own process; the browser tests share one xdist group,
    so with ``--dist loadgroup`` a single worker starts chromium.
    """
    with launch_browser() as b:
        yield b


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by what they need, so ``-m "not browser"`` and friends select correctly."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "browser" in names:
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        if "postgres_url" in names:
            item.add_marker(pytest.mark.postgres)
