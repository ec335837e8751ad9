"""``seawatch run``, ``seawatch email`` and ``seawatch schedule`` from the command line."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from seawatch.cli import main
from seawatch.pipeline import StageResult
from seawatch.schedule import stored_next_runs
from seawatch.storage import DataPaths
from tests.fetchers.fakes import source_env
from tests.test_mail import fake_renderers, smtp_server  # noqa: F401  (fixture)

LAUNCH = "import seawatch.cli.schedule; from seawatch.cli import main; main()"


def _fake_run_once(failing: set[str]):
    def run_once(settings, stages=None):
        return [
            StageResult(
                s, s not in failing, 0.5, message="HTTP 503 from upstream" if s in failing else ""
            )
            for s in stages
        ]

    return run_once


def test_run_prints_a_line_per_stage_and_fails_if_one_failed(tmp_path, monkeypatch):
    monkeypatch.setattr("seawatch.pipeline.run_once", _fake_run_once({"weather"}))
    result = CliRunner().invoke(main, ["run", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [
        "weather",
        "incidents",
        "build",
        "maps",
        "alerts",
    ]
    assert "FAILED" in lines[0] and "HTTP 503" in lines[0]
    assert "seawatch: error: 1 of 5 stages failed: weather" in result.stderr


def test_run_succeeds_with_only(tmp_path, monkeypatch):
    monkeypatch.setattr("seawatch.pipeline.run_once", _fake_run_once(set()))
    result = CliRunner().invoke(main, ["run", "--only", "build", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.split()[0:2] == ["build", "ok"]


def _config(tmp_path, port: int) -> str:
    cfg = tmp_path / "seawatch.toml"
    cfg.write_text(
        f"""
[mail]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "seawatch@example.org"
[[mail.recipients]]
address = "ops@example.org"
lang = "en"
[[mail.recipients]]
address = "lcg@example.ly"
lang = "ar"
"""
    )
    return str(cfg)


@pytest.fixture
def fakes(monkeypatch):
    monkeypatch.setattr("seawatch.mail.daily.Renderers.default", staticmethod(fake_renderers))


def test_email_sends_once_per_day(tmp_path, smtp_server, fakes):  # noqa: F811
    handler, port = smtp_server
    args = ["email", "--config", _config(tmp_path, port), "--data-dir", str(tmp_path)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "ops@example.org: sent" in first.stdout and "lcg@example.ly: sent" in first.stdout
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0
    assert "already sent" in second.stdout and len(handler.messages) == 2
    forced = CliRunner().invoke(main, [*args, "--to", "ops@example.org", "--force"])
    assert forced.exit_code == 0 and len(handler.messages) == 3


def test_email_dry_run_writes_eml(tmp_path, fakes):
    out = tmp_path / "morning.eml"
    result = CliRunner().invoke(
        main,
        ["email", "--config", _config(tmp_path, 25), "--data-dir", str(tmp_path), "--lang", "ar",
         "--dry-run", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    msg = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert msg["Content-Language"] == "ar" and msg["To"] == "ops@example.org"


def test_email_refuses_bad_address(tmp_path, fakes):
    result = CliRunner().invoke(
        main, ["email", "--data-dir", str(tmp_path), "--to", "a@example.org\nBcc: b@example.org"]
    )
    assert result.exit_code == 2
    assert "line break" in result.stderr


def _daemon(tmp_path, log_name: str) -> tuple[subprocess.Popen, object]:
    log = open(tmp_path / log_name, "w")  # noqa: SIM115
    # Default settings but every provider on loopback: a job that falls due while the daemon
    # runs (a weather time, say 07:30 UTC) fails at once instead of fetching from the providers.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAWATCH_")} | source_env()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "schedule", "--data-dir", str(tmp_path / "data")],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env=env,
    )
    return proc, log


def _wait_for_text(path, text: str, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_daemon_lock_kill_and_restart(tmp_path):
    """A second daemon refuses; SIGKILL frees the lock; the restart keeps the stored jobs."""
    data = tmp_path / "data"
    DataPaths(data).root.mkdir()
    DataPaths(data).forecast.touch()  # not a first start: nothing fetched at once
    proc, log = _daemon(tmp_path, "first.log")
    try:
        assert _wait_for_text(tmp_path / "first.log", "daemon started"), (
            tmp_path / "first.log"
        ).read_text()
        second = subprocess.run(
            [sys.executable, "-c", LAUNCH, "schedule", "--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tmp_path,
        )
        assert second.returncode != 0
        assert f"another seawatch daemon (pid {proc.pid}) is already running" in second.stderr
        from seawatch.config import Settings

        stored = stored_next_runs(Settings(data_dir=data))
        assert set(stored) == {"weather", "incidents", "email"}
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    restarted, log = _daemon(tmp_path, "second.log")
    try:
        assert _wait_for_text(tmp_path / "second.log", "daemon started")
        text = (tmp_path / "second.log").read_text()
        assert "added" not in text and "updated" not in text  # jobs kept as stored
        assert stored_next_runs(Settings(data_dir=data)) == stored
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(10) == 0
        assert "seawatch daemon stopped" in (tmp_path / "second.log").read_text()
    finally:
        if restarted.poll() is None:
            restarted.kill()
        log.close()
