"""Fixtures for the map tests: settings, a synthetic risk dataset, incidents, a browser."""

from __future__ import annotations

import datetime as dt

import pytest

from seawatch.config import load_settings
from tests.maps.risk_fixture import make_incidents, make_risk

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    return load_settings(data_dir=tmp_path_factory.mktemp("data"), environ={})


@pytest.fixture(scope="session")
def risk():
    return make_risk(hours=48)


@pytest.fixture(scope="session")
def incidents():
    return make_incidents(20, now=NOW)
