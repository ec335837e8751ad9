"""Shared test setup."""

import os
import sys

import pytest

import seawatch  # noqa: F401  (loads pyproj before anything can load eccodes)
from tests.browser import launch_browser


@pytest.fixture(scope="session")
def browser():
    """One Debian chromium for the whole run (Playwright's sync API allows one per thread)."""
    with launch_browser() as b:
        yield b


# The test process is the only one that loads every natively bundled stack at once (eccodes with
# its own PROJ, two GDAL copies in rasterio and pyogrio, HDF5, the browser driver). After a full
# run, with every result reported, one of their C-level destructors crashes during interpreter
# teardown (SIGSEGV, no Python frame to report); each test directory alone exits cleanly, and
# the seawatch commands the tests run as subprocesses exit 0. Until that teardown is untangled,
# the test process ends with pytest's own exit status right after its summary.
_exit_status: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if _exit_status:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
