"""Fixtures of the weather fetcher tests: settings pointing at local servers, GRIB files."""

from __future__ import annotations

from pathlib import Path

import pytest

from seawatch.config import Settings, load_settings
from seawatch.fetchers.base import make_session
from tests.fetchers.fakes import CLOSED_PORT, source_env

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "weather"
# the real sample files of the project, in shared/ beside the repository
SHARED_MARINE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "marine"


def settings_for(tmp_path: Path, base_url: str = CLOSED_PORT, **env: str) -> Settings:
    """Settings with a data dir under ``tmp_path`` and every source URL at ``base_url``.

    Extra ``SEAWATCH_*`` variables (without the prefix) go in ``env``, as an operator would set
    them.
    """
    environ = {
        **source_env(base_url),  # no Copernicus credentials unless a test sets them
        "SEAWATCH_SOURCES_OPEN_METEO_SPACING": "0.5",
        "SEAWATCH_SOURCES_OPEN_METEO_FORECAST_DAYS": "2",
        "SEAWATCH_SOURCES_OPEN_METEO_TIMEOUT": "5",
        "SEAWATCH_SOURCES_ECMWF_HORIZON_HOURS": "12",
        "SEAWATCH_SOURCES_ECMWF_TIMEOUT": "5",
    }
    environ.update({f"SEAWATCH_{k}": v for k, v in env.items()})
    return load_settings(data_dir=tmp_path / "data", environ=environ)


@pytest.fixture
def settings(tmp_path: Path, httpserver) -> Settings:
    return settings_for(tmp_path, httpserver.url_for("").rstrip("/"))


@pytest.fixture
def fast_session():
    """A session that retries like production but waits milliseconds, with a 1 s read timeout."""
    return make_session(timeout=1.0, retries=3, backoff=0.01, backoff_max=2.0)
