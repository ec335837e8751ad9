"""The background runner of drifts: time limit, bounded queue, stop, on the real command.

The data directory holds the demo forecast, so ``seawatch drift`` (the real engine) starts a
real drift of tens of seconds; the runner's limits are set far below that to see them act.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from seawatch.config import load_settings
from seawatch.fetchers.demo import demo_forecast
from seawatch.incidents.drifts import INTERRUPTED, DriftStore
from seawatch.incidents.store import IncidentStore
from seawatch.schema import write_dataset
from seawatch.web.drifts import DriftRunner


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("runner")
    settings = load_settings(data_dir=data_dir, environ={"SEAWATCH_GRID_RESOLUTION": "0.25"})
    write_dataset(demo_forecast(settings).load(), data_dir / "forecast.nc")
    return settings


@pytest.fixture
def drifts(data):
    with IncidentStore(data.store_url) as store:
        yield DriftStore(store)


def _queued(drifts, hours=24):
    today = dt.datetime.now(dt.UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    incident = drifts.store.create(
        {"position": "33 52N 12 31E", "time": today, "boat_type": "rubber"}, user="amina"
    )
    return drifts.create(incident["id"], {"hours": hours}, "amina")


def _until(drifts, drift_id, states, timeout=60.0):
    deadline = time.monotonic() + timeout
    while (row := drifts.get(drift_id))["status"] not in states:
        assert time.monotonic() < deadline, row
        time.sleep(0.2)
    return row


def test_a_drift_over_its_time_limit_is_killed_and_says_why(data, drifts):
    runner = DriftRunner(data, drifts, timeout_s=1.5)
    try:
        drift = _queued(drifts)
        started = time.monotonic()
        runner.submit(drift)
        failed = _until(drifts, drift["id"], ("failed", "done"))
        assert failed["status"] == "failed", failed
        assert failed["error"].startswith("the drift took longer than 2 s and was stopped")
        assert time.monotonic() - started < 20  # killed, not waited for
        assert runner.pending() == 0
    finally:
        runner.stop()


def test_the_queue_is_bounded_and_stop_interrupts_what_runs_and_waits(data, drifts):
    runner = DriftRunner(data, drifts, workers=1, max_waiting=1, timeout_s=120)
    first, second = _queued(drifts), _queued(drifts)
    runner.submit(first)
    runner.submit(second)
    assert not runner.has_room()
    _until(drifts, first["id"], ("running",))
    assert drifts.get(second["id"])["status"] == "queued"
    started = time.monotonic()
    runner.stop()
    assert time.monotonic() - started < 15
    for drift in (first, second):
        row = drifts.get(drift["id"])
        assert row["status"] == "failed" and row["error"] == INTERRUPTED
    runner.submit(_queued(drifts))  # a stopped runner takes nothing new
    assert runner.pending() == 0
