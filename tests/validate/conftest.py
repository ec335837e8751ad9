"""Fixtures of the validation tests: synthetic hindcasts (tests/validate/synthetic.py)."""

from __future__ import annotations

import pytest

from tests.validate.synthetic import write_hindcast


@pytest.fixture(scope="module")
def iid(tmp_path_factory):
    """Three years of weather independent from day to day."""
    path = tmp_path_factory.mktemp("hc") / "iid.nc"
    return write_hindcast(path, "2019-01-01", "2021-12-31", persistence=0.0, seed=3)
