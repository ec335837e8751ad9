"""A live ``seawatch serve`` on loopback with three accounts, for the web service tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from seawatch.web.accounts import AccountStore
from tests.incidents.conftest import postgres_url  # noqa: F401 (fixture)

PASSWORDS = {
    "amina": "sea-coordinator-pw",
    "victor": "sea-viewer-pw-123",
    "root": "sea-admin-pw-4567",
}
ROLES = {"amina": "coordinator", "victor": "viewer", "root": "admin"}
RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class LiveServer:
    """A ``seawatch serve`` subprocess and what tests need to talk to it."""

    url: str
    data_dir: Path
    proc: subprocess.Popen
    tokens: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def session(self, user: str | None = None) -> requests.Session:
        s = requests.Session()
        s.trust_env = False  # loopback only; never a proxy from the environment
        if user:
            s.headers.update(self.headers(user))
        return s

    def stop(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def add_accounts(data_dir: Path) -> dict[str, str]:
    """Create amina (coordinator), victor (viewer), root (admin); return an API token each."""
    accounts = AccountStore(f"sqlite:///{data_dir / 'incidents.sqlite'}")
    try:
        tokens = {}
        for name, role in ROLES.items():
            accounts.add_user(name, role, PASSWORDS[name])
            tokens[name] = accounts.create_token(name)
        return tokens
    finally:
        accounts.close()


def start_server(
    data_dir: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> LiveServer:
    """Start ``seawatch serve --port 0`` on 127.0.0.1 and wait until it answers."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SEAWATCH_") or k == "SEAWATCH_CHROMIUM"
    }
    environ.update({"SEAWATCH_WEB_HOST": "127.0.0.1", **(env or {})})
    environ.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from seawatch.cli.web import main; main()",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ,
        cwd=data_dir,
    )
    log: list[str] = []
    found = threading.Event()
    port: list[int] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line.rstrip("\n"))
            match = RUNNING.search(line)
            if match and not port:
                port.append(int(match.group(1)))
                found.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 60
    while not found.wait(0.1):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("seawatch serve did not start:\n" + "\n".join(log))
    return LiveServer(url=f"http://127.0.0.1:{port[0]}", data_dir=data_dir, proc=proc, log=log)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server per test module, with three accounts and their tokens."""
    data_dir = tmp_path_factory.mktemp("web")
    tokens = add_accounts(data_dir)
    live = start_server(data_dir)
    live.tokens = tokens
    try:
        yield live
    finally:
        live.stop()


def login(live: LiveServer, name: str, password: str | None = None) -> requests.Session:
    """A browser-like session signed in through the form (cookie + CSRF token)."""
    s = live.session()
    form = s.get(f"{live.url}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = s.post(
        f"{live.url}/login",
        data={
            "name": name,
            "password": password or PASSWORDS[name],
            "csrf_token": token,
            "next": "/",
        },
        allow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/"
    return s


def csrf_of(s: requests.Session, live: LiveServer) -> str:
    return s.get(f"{live.url}/api/me").json()["csrf_token"]
