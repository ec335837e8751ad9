"""Store fixtures: every store test runs on a SQLite file and on PostgreSQL.

PostgreSQL comes from ``SEAWATCH_TEST_POSTGRES_URL`` (e.g.
``postgresql://postgres@127.0.0.1:5432/seawatch_test``); each test gets its own schema, dropped
afterwards. Without the variable those tests are skipped locally and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from seawatch.incidents.store import IncidentStore, normalize_url

MMP_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mmp"
MMP_CSV = MMP_DIR / "Missing_Migrants_Global_Figures_allData_2025-06.csv"
MMP_XLSX = MMP_DIR / "Missing_Migrants_Global_Figures_allData_2025-06.xlsx"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mmp"
AREA = (10.0, 30.5, 20.0, 38.0)


def postgres_base_url() -> str:
    url = os.environ.get("SEAWATCH_TEST_POSTGRES_URL", "").strip()
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("SEAWATCH_TEST_POSTGRES_URL is not set; CI must test PostgreSQL")
        pytest.skip("no PostgreSQL server configured (set SEAWATCH_TEST_POSTGRES_URL)")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema."""
    base = postgres_base_url()
    schema = f"seawatch_test_{secrets.token_hex(6)}"
    engine = sa.create_engine(normalize_url(base))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.engine.make_url(normalize_url(base)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'incidents.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Store URL on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str) -> Iterator[IncidentStore]:
    with IncidentStore(store_url) as opened:
        yield opened


@pytest.fixture(scope="session")
def mmp_csv() -> Path:
    if not MMP_CSV.is_file():
        pytest.fail(f"{MMP_CSV} is missing: the real IOM files are part of the test data")
    return MMP_CSV


@pytest.fixture(scope="session")
def mmp_data(mmp_csv: Path):
    """The real 2025-06 allData CSV, parsed once per session."""
    from seawatch.incidents.iom_mmp import read_mmp

    return read_mmp(mmp_csv)
