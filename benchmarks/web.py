"""Load on the coordinator web service: incident reads and writes against a live ``seawatch serve``.

Starts ``seawatch serve`` on 127.0.0.1 (port chosen by the system) over a fresh data directory
holding 5,000 incidents spread over the past year, then drives it from a bounded pool of client
threads (keep-alive connections), each phase bounded by a request count and a time limit:

1. baseline ``GET /healthz`` (no database, no auth): what the server and this client can do;
2. ``GET /api/incidents?since=7d`` as a viewer (Bearer token), GeoJSON of the last week;
3. ``POST /api/incidents`` as a coordinator; afterwards every acknowledged id must be in the store.

Targets on 2 cores: >= 300 GET/s, >= 100 POST/s, p99 < 100 ms, zero errors, zero lost writes.
The load generator runs on the same machine and takes part of the CPU; the baseline shows how
much. All traffic goes to 127.0.0.1.

Run: ``.venv/bin/python benchmarks/web.py [--clients 8] [--seconds 20] [--requests 4000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SEED_INCIDENTS = 5000
TARGETS = {"get_rps": 300.0, "post_rps": 100.0, "p99_ms": 100.0}
RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    ids: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<34} {len(self.latencies):6d} req  {self.rate:8.1f} req/s  "
            f"p50 {self.percentile(50):6.1f} ms  p99 {self.percentile(99):6.1f} ms  "
            f"errors {self.errors}"
        )


def seed(data_dir: Path, n: int) -> dict[str, str]:
    """Accounts (viewer, coordinator) and ``n`` incidents over the past 365 days."""
    from seawatch.incidents.store import IncidentStore
    from seawatch.web.accounts import AccountStore

    url = f"sqlite:///{data_dir / 'incidents.sqlite'}"
    accounts = AccountStore(url)
    accounts.add_user("bench-viewer", "viewer", "bench-viewer-password")
    accounts.add_user("bench-coordinator", "coordinator", "bench-coordinator-password")
    tokens = {
        "viewer": accounts.create_token("bench-viewer"),
        "coordinator": accounts.create_token("bench-coordinator"),
    }
    accounts.close()
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    records = [
        {
            "source_id": f"seed-{i}",
            "time": (now - dt.timedelta(minutes=rng.uniform(5, 365 * 24 * 60))).isoformat(),
            "lat": rng.uniform(33.2, 35.2),
            "lon": rng.uniform(12.5, 16.0),
            "persons": rng.randint(20, 120),
            "dead": rng.randint(0, 3),
            "missing": rng.randint(0, 5),
            "survivors": rng.randint(0, 9),
            "source_quality": 3,
            "boat_type": rng.choice(["rubber", "wooden", "fibreglass"]),
            "status": rng.choice(["distress", "intercepted", "rescued", "capsized"]),
            "notes": "seeded for the web benchmark",
        }
        for i in range(n)
    ]
    store = IncidentStore(url)
    report = store.import_records(records, source="benchmark", user="benchmark")
    store.close()
    if report.new != n:
        raise SystemExit(f"seeding failed: {report.summary()}: {report.rejected_rows[:3]}")
    return tokens


def start(data_dir: Path) -> tuple[subprocess.Popen, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEAWATCH_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from seawatch.cli.web import main; main()", "serve",
         "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=data_dir,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        match = RUNNING.search(line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, int(match.group(1))
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise SystemExit("seawatch serve did not start")


class Client:
    """One keep-alive HTTP/1.1 connection to the server (``http.client``: cheap per request)."""

    def __init__(self, port: int, token: str | None):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            answer = self.conn.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            raise


def run_phase(
    name: str,
    port: int,
    clients: int,
    total: int,
    seconds: float,
    make_request: Callable[[Client, int], tuple[int, bytes]],
    token: str | None,
    expect: int,
) -> Phase:
    """``total`` requests over ``clients`` threads, stopping early after ``seconds``."""
    phase = Phase(name)
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + seconds

    def client() -> None:
        me = Client(port, token)
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t0 = time.perf_counter()
            try:
                status, body = make_request(me, i)
            except (OSError, http.client.HTTPException):
                status, body = 0, b""
            elapsed = time.perf_counter() - t0
            with lock:
                if status == expect:
                    phase.latencies.append(elapsed)
                    if expect == 201:
                        phase.ids.append(json.loads(body)["id"])
                else:
                    phase.errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    phase.seconds = time.perf_counter() - started
    return phase


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per phase")
    parser.add_argument("--requests", type=int, default=4000, help="request limit per phase")
    parser.add_argument(
        "--dir", help="where the temporary data directory goes (its disk decides POST/s)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="seawatch-bench-web-", dir=args.dir) as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        tokens = seed(data_dir, SEED_INCIDENTS)
        print(f"seeded {SEED_INCIDENTS} incidents in {time.perf_counter() - t0:.1f} s; "
              f"{os.cpu_count()} CPUs; {args.clients} client threads")  # fmt: skip
        proc, port = start(data_dir)
        try:
            _, body = Client(port, tokens["viewer"]).request("GET", "/api/incidents?since=7d")
            print(f"GET /api/incidents?since=7d returns {len(json.loads(body)['features'])} "
                  f"incidents ({len(body) // 1024} kB)")  # fmt: skip

            def post(c: Client, i: int) -> tuple[int, bytes]:
                body = {"lat": 33.0 + (i % 100) / 100, "lon": 13.0, "persons": i % 90,
                        "source": "bench-post", "note": f"benchmark write {i}"}  # fmt: skip
                return c.request("POST", "/api/incidents", body)

            phases = [
                run_phase("baseline GET /healthz", port, args.clients, args.requests,
                          args.seconds, lambda c, i: c.request("GET", "/healthz"), None, 200),
                run_phase("GET /api/incidents?since=7d", port, args.clients, args.requests,
                          args.seconds, lambda c, i: c.request("GET", "/api/incidents?since=7d"),
                          tokens["viewer"], 200),
                run_phase("POST /api/incidents", port, args.clients, args.requests,
                          args.seconds, post, tokens["coordinator"], 201),
            ]  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(30)

        from seawatch.incidents.store import IncidentStore

        store = IncidentStore(f"sqlite:///{data_dir / 'incidents.sqlite'}")
        stored = {r["id"] for r in store.list(source="bench-post")}
        total = store.count()
        store.close()

    baseline, get, post_phase = phases
    lost = len(set(post_phase.ids) - stored)
    print()
    for phase in phases:
        print(phase.line())
    print()
    print(f"GET  {get.rate:7.1f} req/s  = {get.rate / baseline.rate:.2f} x baseline "
          f"(target >= {TARGETS['get_rps']:.0f})")  # fmt: skip
    print(f"POST {post_phase.rate:7.1f} req/s  = {post_phase.rate / baseline.rate:.2f} x baseline "
          f"(target >= {TARGETS['post_rps']:.0f})")  # fmt: skip
    worst_p99 = max(get.percentile(99), post_phase.percentile(99))
    print(f"p99  {worst_p99:7.1f} ms (target < {TARGETS['p99_ms']:.0f})")
    print(f"errors {get.errors + post_phase.errors}; lost writes {lost} of {len(post_phase.ids)} "
          f"acknowledged; store holds {total} incidents")  # fmt: skip
    met = (
        get.rate >= TARGETS["get_rps"]
        and post_phase.rate >= TARGETS["post_rps"]
        and worst_p99 < TARGETS["p99_ms"]
        and get.errors + post_phase.errors == 0
        and lost == 0
    )
    print("targets met" if met else "TARGETS NOT MET")
    return 0 if lost == 0 and get.errors + post_phase.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
