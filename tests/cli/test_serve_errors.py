"""`seawatch serve` on an address it cannot listen on: one line, before any start-up work."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seawatch", "-q", "--data-dir", str(tmp_path), "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_port_in_use_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        t0 = time.monotonic()
        proc = _serve(tmp_path, "--host", "127.0.0.1", "--port", str(port))
        elapsed = time.monotonic() - t0
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"seawatch: error: cannot listen on 127.0.0.1:{port}: the port is in use (another "
        "seawatch serve?); stop that program, or choose another --port or [web] port"
    ]
    assert elapsed < 30  # refused before the live maps are rendered


@pytest.mark.parametrize(
    ("host", "reason"),
    [("999.1.1.1", "not an address or name known here"), ("192.0.2.1", "not an address of this")],
)
def test_host_that_is_not_here_is_one_line(tmp_path: Path, host: str, reason: str) -> None:
    """Before: uvicorn's '[Errno -2] Name or service not known' among its start-up lines."""
    proc = _serve(tmp_path, "--host", host, "--port", "0")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], proc.stderr
    assert lines[0].endswith(
        "use --host 127.0.0.1 (this machine only) or 0.0.0.0 (every network), or set [web] host"
    )


def test_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    proc = _serve(tmp_path, "--port", "99999")
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--port': 99999 is not in the range 0<=x<=65535."
    )
