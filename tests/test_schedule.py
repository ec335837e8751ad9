"""The daemon's timetable, job store, run records, failure streaks and lock (no sleeping)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from pathlib import Path

import pytest

from seawatch import schedule
from seawatch.config import ScheduleSettings, Settings
from seawatch.pipeline import StageResult
from seawatch.schedule import (
    DaemonRunningError,
    RunLog,
    build_scheduler,
    daemon_lock,
    daemon_pid,
    failing_jobs,
    next_runs,
    recorded,
    schedule_status,
    stored_next_runs,
    sync_jobs,
)
from seawatch.storage import DataPaths

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def make_settings(tmp_path, **sched) -> Settings:
    return Settings(data_dir=tmp_path, schedule=dataclasses.replace(ScheduleSettings(), **sched))


def poll(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# -- timetable ------------------------------------------------------------------------------


def test_default_weather_times_follow_the_model_runs(tmp_path):
    runs = next_runs(make_settings(tmp_path), at(2026, 11, 24, 2, 0), count=5)
    assert runs["weather"] == [
        at(2026, 11, 24, 7, 30),
        at(2026, 11, 24, 13, 30),
        at(2026, 11, 24, 19, 30),
        at(2026, 11, 25, 1, 30),
        at(2026, 11, 25, 7, 30),
    ]


def test_weather_times_with_different_minutes(tmp_path):
    settings = make_settings(tmp_path, weather_times=("23:50", "05:10", "11:40"))
    runs = next_runs(settings, at(2026, 11, 24, 6, 0), count=4)
    assert runs["weather"] == [
        at(2026, 11, 24, 11, 40),
        at(2026, 11, 24, 23, 50),
        at(2026, 11, 25, 5, 10),
        at(2026, 11, 25, 11, 40),
    ]


def test_incidents_every_interval(tmp_path):
    settings = make_settings(tmp_path, incidents_every_minutes=45)
    runs = next_runs(settings, at(2026, 11, 24, 6, 0), count=3)
    assert runs["incidents"] == [
        at(2026, 11, 24, 6, 45),
        at(2026, 11, 24, 7, 30),
        at(2026, 11, 24, 8, 15),
    ]


def test_email_at_six_in_tripoli_is_four_utc(tmp_path):
    runs = next_runs(make_settings(tmp_path), at(2026, 11, 24, 3, 59), count=2)
    assert runs["email"] == [at(2026, 11, 24, 4, 0), at(2026, 11, 25, 4, 0)]
    after = next_runs(make_settings(tmp_path), at(2026, 11, 24, 4, 0, 1))["email"]
    assert after == [at(2026, 11, 25, 4, 0)]


def test_email_follows_daylight_saving_in_the_configured_zone(tmp_path):
    settings = make_settings(tmp_path, timezone="Europe/Rome", email_time="07:15")
    winter = next_runs(settings, at(2026, 1, 10, 0, 0))["email"][0]
    summer = next_runs(settings, at(2026, 7, 10, 0, 0))["email"][0]
    assert winter == at(2026, 1, 10, 6, 15) and summer == at(2026, 7, 10, 5, 15)
    # the night the clocks go forward (29 March 2026) still has its e-mail
    spring = next_runs(settings, at(2026, 3, 28, 12, 0), count=2)["email"]
    assert spring == [at(2026, 3, 29, 5, 15), at(2026, 3, 30, 5, 15)]


# -- job store ------------------------------------------------------------------------------


def _start(settings):
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    return scheduler, sync_jobs(scheduler, settings)


def test_restart_keeps_jobs_and_their_next_run_times(tmp_path):
    settings = make_settings(tmp_path)
    DataPaths(tmp_path).forecast.touch()  # not a first start: no immediate fetch
    scheduler, changes = _start(settings)
    assert sorted(line.split(":")[0] for line in changes) == ["email", "incidents", "weather"]
    before = {j.id: j.next_run_time for j in scheduler.get_jobs()}
    scheduler.shutdown()
    assert stored_next_runs(settings) == before

    scheduler, changes = _start(settings)  # a restart
    try:
        assert changes == []
        assert {j.id: j.next_run_time for j in scheduler.get_jobs()} == before
        assert len(scheduler.get_jobs()) == 3
    finally:
        scheduler.shutdown()


def test_changed_timetable_replaces_only_that_job(tmp_path):
    DataPaths(tmp_path).forecast.touch()
    scheduler, _ = _start(make_settings(tmp_path))
    scheduler.shutdown()
    scheduler, changes = _start(make_settings(tmp_path, email_time="05:30"))
    try:
        assert len(changes) == 1 and changes[0].startswith("email: updated")
        assert scheduler.get_job("email").next_run_time.astimezone(UTC).strftime("%H:%M") == "03:30"
    finally:
        scheduler.shutdown()


def test_first_start_without_forecast_fetches_at_once(tmp_path):
    scheduler, _ = _start(make_settings(tmp_path))
    try:
        due = scheduler.get_job("weather").next_run_time
        assert due <= dt.datetime.now(UTC)
    finally:
        scheduler.shutdown()


def test_killed_daemon_resumes_a_missed_run_once(tmp_path, monkeypatch):
    """A run missed while the daemon was down runs once on restart, and not again after."""
    settings = make_settings(tmp_path)
    DataPaths(tmp_path).forecast.touch()
    calls: list[str] = []
    monkeypatch.setitem(schedule.JOB_FUNCS, "weather", lambda cfg, data: calls.append(data))

    scheduler, _ = _start(settings)
    missed = dt.datetime.now(UTC) - dt.timedelta(minutes=20)  # within the grace time
    scheduler.modify_job("weather", next_run_time=missed)
    scheduler.shutdown()  # the daemon "dies" before the run

    scheduler, changes = _start(settings)
    assert changes == []  # unchanged job kept with its (missed) next run time
    scheduler.resume()
    try:
        assert poll(lambda: len(calls) == 1)
        assert poll(lambda: stored_next_runs(settings)["weather"] > dt.datetime.now(UTC))
    finally:
        scheduler.shutdown(wait=True)
    assert calls == [str(tmp_path)]

    # restarted again: the next run is in the future, nothing is due now
    scheduler, _ = _start(settings)
    try:
        assert scheduler.get_job("weather").next_run_time > dt.datetime.now(UTC)
    finally:
        scheduler.shutdown()
    assert len(calls) == 1


def test_daemon_stops_gracefully(tmp_path, monkeypatch):
    settings = make_settings(tmp_path)
    DataPaths(tmp_path).forecast.touch()
    stop = threading.Event()
    started = threading.Event()
    thread = threading.Thread(
        target=schedule.run_daemon,
        kwargs={
            "settings": settings,
            "stop": stop,
            "install_signals": False,
            "on_started": lambda d: started.set(),
        },
    )
    thread.start()
    try:
        assert started.wait(5)
        assert daemon_pid(settings) is not None
        with pytest.raises(DaemonRunningError, match="already running"):
            schedule.run_daemon(settings, install_signals=False)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert daemon_pid(settings) is None


# -- lock -----------------------------------------------------------------------------------


def test_lock_refuses_a_second_daemon(tmp_path):
    settings = make_settings(tmp_path)
    with daemon_lock(settings):
        with pytest.raises(DaemonRunningError) as err, daemon_lock(settings):
            pass
        assert str(tmp_path) in str(err.value) and "stop it first" in str(err.value)
    with daemon_lock(settings):  # released
        pass


# -- run records and health ---------------------------------------------------------------------


def test_three_failures_in_a_row_are_reported(tmp_path, caplog):
    settings = make_settings(tmp_path)
    for _ in range(2):
        with recorded(settings, "weather") as outcome:
            outcome.update(ok=False, error="weather: HTTP 503")
    assert failing_jobs(settings) == []
    with (
        caplog.at_level(logging.ERROR, logger="seawatch.schedule"),
        recorded(settings, "weather") as outcome,
    ):
        outcome.update(ok=False, error="weather: HTTP 503")
    assert "job weather failed 3 times in a row" in caplog.text
    [streak] = failing_jobs(settings)
    assert streak["job"] == "weather" and streak["count"] == 3
    assert streak["error"] == "weather: HTTP 503"
    with recorded(settings, "weather"):
        pass  # success ends the streak
    assert failing_jobs(settings) == []


def test_exception_in_a_job_is_recorded(tmp_path):
    settings = make_settings(tmp_path)
    with pytest.raises(RuntimeError), recorded(settings, "email"):
        raise RuntimeError("boom")
    [run] = RunLog.for_settings(settings).last("email")
    assert run["outcome"] == "failed" and run["error"] == "RuntimeError: boom"
    assert run["ended_at"] >= run["started_at"]


def test_runs_of_a_dead_process_are_marked_interrupted(tmp_path):
    runs = RunLog.for_settings(make_settings(tmp_path))
    run_id = runs.start("weather")
    with runs.engine.begin() as conn:
        conn.execute(schedule.RUNS.update().values(pid=2**22 + 12345))  # no such process
    assert runs.mark_interrupted() == 1
    assert runs.last("weather")[0]["id"] == run_id
    assert runs.last("weather")[0]["outcome"] == "interrupted"


def _fake_run_once(outcomes: dict[str, bool], calls: list[tuple[str, ...]]):
    def run_once(settings, stages=None):
        calls.append(tuple(stages))
        return [
            StageResult(
                s, outcomes.get(s, True), 0.1, message="" if outcomes.get(s, True) else "down"
            )
            for s in stages
        ]

    return run_once


def test_weather_job_chains_build_and_maps_after_success(tmp_path, monkeypatch):
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr("seawatch.pipeline.run_once", _fake_run_once({}, calls))
    schedule.weather_job(None, str(tmp_path))
    assert calls == [("weather",), ("build", "maps", "alerts")]
    assert RunLog.for_settings(make_settings(tmp_path)).last("weather")[0]["outcome"] == "ok"


def test_failed_fetch_does_not_rebuild(tmp_path, monkeypatch):
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr("seawatch.pipeline.run_once", _fake_run_once({"incidents": False}, calls))
    schedule.incidents_job(None, str(tmp_path))
    assert calls == [("incidents",)]
    [run] = RunLog.for_settings(make_settings(tmp_path)).last("incidents")
    assert run["outcome"] == "failed" and run["error"] == "incidents: down"


def test_status_lines(tmp_path):
    settings = make_settings(tmp_path)
    assert schedule_status(settings)[0] == "daemon: not running"
    DataPaths(tmp_path).forecast.touch()
    scheduler, _ = _start(settings)
    scheduler.shutdown()
    with recorded(settings, "weather") as outcome:
        outcome.update(ok=False, error="weather: HTTP 503")
    lines = schedule_status(settings, now=at(2026, 11, 24, 5, 0))
    weather = next(line for line in lines if line.startswith("weather:"))
    assert "next " in weather and "FAILED" in weather and "HTTP 503" in weather
    assert any(line.startswith("email: next") for line in lines)
    assert "forecast: no risk file yet" in lines
    assert lines[-1] == "e-mail: never sent"


def test_email_job_records_failed_recipients(tmp_path, monkeypatch):
    from seawatch.mail.daily import DailyResult
    from seawatch.mail.smtp import Delivery

    result = DailyResult(
        "2026-11-24",
        [Delivery("a@example.org", True, 1), Delivery("b@example.org", False, 1, True, "550 no")],
    )
    monkeypatch.setattr("seawatch.mail.send_daily", lambda settings: result)
    schedule.email_job(None, str(tmp_path))
    [run] = RunLog.for_settings(make_settings(tmp_path)).last("email")
    assert run["outcome"] == "failed"
    assert run["error"] == "b@example.org: refused: 550 no"
    assert "a@example.org: sent" in run["detail"]


def test_status_of_a_run_whose_process_was_killed_is_interrupted_not_running(tmp_path):
    """After a kill -9 or a power cut, `seawatch status` said RUNNING until the daemon's next start."""
    settings = make_settings(tmp_path)
    runs = RunLog.for_settings(settings)
    runs.start("weather")
    weather = [line for line in schedule.schedule_status(settings) if line.startswith("weather:")]
    assert "RUNNING" in weather[0]  # this process is alive: it is running
    with runs.engine.begin() as conn:
        conn.execute(schedule.RUNS.update().values(pid=2**22 + 12345))  # no such process
    weather = [line for line in schedule.schedule_status(settings) if line.startswith("weather:")]
    assert "RUNNING" not in weather[0]
    assert "INTERRUPTED: the process stopped during the run" in weather[0]
    assert runs.last("weather")[0]["outcome"] == "running"  # status only reads


def test_status_of_a_cut_short_risk_file_says_stale_and_what_to_do(tmp_path):
    settings = make_settings(tmp_path)
    risk = settings.data_dir / "risk.nc"
    risk.parent.mkdir(parents=True, exist_ok=True)
    sample = (
        Path(__file__).resolve().parents[2]
        / "shared/data/marine/medsea_phy_south_sicily_2022/curr_20220427_South_Sicilia.nc"
    )
    risk.write_bytes(sample.read_bytes()[:50_000])
    [line] = [x for x in schedule.schedule_status(settings) if x.startswith("forecast:")]
    assert line.startswith(f"forecast: STALE: risk file {risk} is cut short or damaged (")
    assert line.endswith("run `seawatch run` (or `seawatch build`) to make a new one")
    assert line.count(str(risk)) == 1
