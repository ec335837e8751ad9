"""Load on the coordinator web service: incident reads and writes against a live ``seawatch serve``.

Starts ``seawatch serve`` on 127.0.0.1 (port chosen by the system) over a fresh data directory
holding 5,000 incidents spread over the past year, then drives it from a bounded pool of client
threads (keep-alive connections), each phase bounded by a request count and a time limit:

1. baseline ``GET /healthz`` (no database, no auth): what the server and this client can do;
2. ``GET /api/incidents?since=7d`` as a viewer (Bearer token), GeoJSON of the last week (about
   100 incidents), as a script asks it (no compression); then ``since=110d`` (about 1,500
   incidents, a long period of the live map) as a browser asks it (``Accept-Encoding: gzip``);
3. phase 2 again while 50 clients, each from its own loopback address (127.0.0.10 ... 59), keep
   signing in with wrong passwords (a new name each time, as a password sprayer would): every
   attempt that gets past the per-address limit costs an argon2 check. Once with clients that
   wait as each answer says (``Retry-After``), once with clients that never wait;
4. ``POST /api/incidents`` as a coordinator; afterwards every acknowledged id must be in the store.

Targets on 2 cores: >= 300 GET/s, >= 100 POST/s, p99 < 100 ms, zero errors, zero lost writes;
during the sign-in flood (issue #15) the API's p99 < 150 ms and the server's resident memory
grows < 200 MB (the server and its password-checking process). Phase 3 is also printed as ratios
to phase 2 of the same run, which shows the flood's own cost apart from how busy the machine was.
The load generator runs on the same machine and takes part of the CPU; the baseline shows how
much. On a shared machine the rates move with the other work; each phase also shows the
server's own CPU time per request, which does not, and the load average is printed at the
start and the end. All traffic goes to 127.0.0.1.

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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.procmem import memory_kib  # noqa: E402

SEED_INCIDENTS = 5000
TARGETS = {"get_rps": 300.0, "post_rps": 100.0, "p99_ms": 100.0}
FLOOD = 50
WEEK = "/api/incidents?since=7d"
LONG = "/api/incidents?since=110d"
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
WRITE_EVERY = 1.0
FLOOD_TARGETS = {"p99_ms": 150.0, "rss_growth_mb": 200.0}
RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    ids: list[str] = field(default_factory=list)
    rss_growth_mb: float = 0.0
    cpu_seconds: float = 0.0

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
            f"errors {self.errors}  server CPU {self.cpu_ms:5.2f} ms/req"
        )

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / len(self.latencies) if self.latencies else float("nan")


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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg()) + " (1, 5, 15 min)"


class RssWatch:
    """The server's resident memory, sampled every 20 ms: growth over the value at the start."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = memory_kib(pid)
        self.peak = self.start
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, memory_kib(self.pid))

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return (max(self.peak, memory_kib(self.pid)) - self.start) / 1024


def _flood(port: int, n: int, polite: bool, stop: Any, counts: Any) -> None:
    """``n`` threads, each from its own loopback address, signing in with wrong passwords.

    Polite clients wait as the answer says (``Retry-After``, as the page tells a person);
    the others come back at once. Runs in its own process, so the flood's Python threads do
    not slow the client that measures the API.
    """

    # A real flood comes from other machines: its clients' own CPU must not count against the
    # server, so here they take only what the server leaves.
    os.nice(19)

    def client(i: int) -> None:
        attempt = 0
        while not stop.is_set():
            attempt += 1
            wait = 0.0
            # a new connection each time: a wait as told outlasts the server's keep-alive
            conn = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=30, source_address=(f"127.0.0.{10 + i}", 0)
            )
            try:
                conn.request("GET", "/login")
                page = conn.getresponse()
                html = page.read().decode()
                cookie = page.getheader("Set-Cookie", "").split(";")[0]
                token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
                form = (f"name=sprayed-{i}-{attempt}&password=wrong-password-{attempt}"
                        f"&csrf_token={token}&next=%2F")  # fmt: skip
                conn.request("POST", "/login", body=form, headers={
                    "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})  # fmt: skip
                answer = conn.getresponse()
                answer.read()
                status = answer.status
                if polite:
                    wait = float(answer.getheader("Retry-After") or 0)
            except (OSError, http.client.HTTPException, AttributeError):
                status = 0
            conn.close()
            counts.put(status)
            if wait:
                stop.wait(wait)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class SignInFlood:
    """A sign-in flood in a child process (see :func:`_flood`), for a ``with`` block."""

    def __init__(self, port: int, n: int, polite: bool) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.counts = ctx.Queue()
        self.proc = ctx.Process(target=_flood, args=(port, n, polite, self.stop, self.counts))
        self.statuses: dict[int, int] = {}

    def __enter__(self) -> SignInFlood:
        self.proc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        while self.proc.is_alive() or not self.counts.empty():
            try:
                status = self.counts.get(timeout=0.2)
            except Exception:  # queue.Empty
                continue
            self.statuses[status] = self.statuses.get(status, 0) + 1
        self.proc.join()

    def summary(self) -> str:
        names = {
            0: "with no page back (connection error)",
            303: "checked and refused",
            429: "told to wait",
            503: "told the server is busy",
        }
        return ", ".join(
            f"{count} {names.get(status, f'HTTP {status}')}"
            for status, count in sorted(self.statuses.items())
        )


class Client:
    """One keep-alive HTTP/1.1 connection to the server (``http.client``: cheap per request)."""

    def __init__(self, port: int, token: str | None, headers: dict[str, str] | None = None):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.headers.update(headers or {})
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


class Writer:
    """A coordinator saving a report every ``every`` seconds, for a ``with`` block."""

    def __init__(self, port: int, token: str, every: float) -> None:
        self.client = Client(port, token)
        self.every = every
        self.stop = threading.Event()
        self.ids: list[str] = []
        self.errors = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            body = {"lat": 34.0, "lon": 12.9, "persons": 40, "source": "bench-post"}
            try:
                status, answer = self.client.request("POST", "/api/incidents", body)
            except (OSError, http.client.HTTPException):
                status, answer = 0, b""
            if status == 201:
                self.ids.append(json.loads(answer)["id"])
            else:
                self.errors += 1

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def run_phase(
    name: str,
    port: int,
    clients: int,
    total: int,
    seconds: float,
    make_request: Callable[[Client, int], tuple[int, bytes]],
    token: str | None,
    expect: int,
    pid: int,
    headers: dict[str, str] | None = None,
) -> Phase:
    """``total`` requests over ``clients`` threads, stopping early after ``seconds``."""
    phase = Phase(name)
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + seconds

    def client() -> None:
        me = Client(port, token, headers)
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
    cpu = cpu_seconds(pid)
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    phase.seconds = time.perf_counter() - started
    phase.cpu_seconds = cpu_seconds(pid) - cpu
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
              f"{os.cpu_count()} CPUs; {args.clients} client threads; {load_average()}")  # fmt: skip
        proc, port = start(data_dir)
        pid = proc.pid
        try:
            for query in (WEEK, LONG):
                _, body = Client(port, tokens["viewer"]).request("GET", query)
                print(f"GET {query} returns {len(json.loads(body)['features'])} "
                      f"incidents ({len(body) // 1024} kB)")  # fmt: skip

            def post(c: Client, i: int) -> tuple[int, bytes]:
                body = {"lat": 33.0 + (i % 100) / 100, "lon": 13.0, "persons": i % 90,
                        "source": "bench-post", "note": f"benchmark write {i}"}  # fmt: skip
                return c.request("POST", "/api/incidents", body)

            def get(c: Client, i: int) -> tuple[int, bytes]:
                return c.request("GET", WEEK)

            def get_long(c: Client, i: int) -> tuple[int, bytes]:
                return c.request("GET", LONG)

            baseline = run_phase("baseline GET /healthz", port, args.clients, args.requests,
                                 args.seconds, lambda c, i: c.request("GET", "/healthz"), None,
                                 200, pid)  # fmt: skip
            watch = RssWatch(proc.pid)
            get_phase = run_phase(f"GET {WEEK}", port, args.clients,
                                  args.requests, args.seconds, get, tokens["viewer"], 200, pid)  # fmt: skip
            get_phase.rss_growth_mb = watch.stop()
            long_phase = run_phase(f"GET {LONG} (gzip)", port, args.clients, args.requests,
                                   args.seconds, get_long, tokens["viewer"], 200, pid,
                                   BROWSER)  # fmt: skip
            floods = {}
            for polite in (True, False):
                watch = RssWatch(proc.pid)
                with SignInFlood(port, FLOOD, polite) as flood:
                    time.sleep(1.0)  # the flood is under way before the API is measured
                    how = "waiting as told" if polite else "never waiting"
                    phase = run_phase(f"  same, {FLOOD} sign-in guessers {how}", port,
                                      args.clients, args.requests, args.seconds, get,
                                      tokens["viewer"], 200, pid)  # fmt: skip
                phase.rss_growth_mb = watch.stop()
                floods[polite] = (phase, flood)
            flood_phase, flood = floods[True]
            rude_phase, rude = floods[False]
            # a coordinator saving a report every second while the maps poll: each save
            # changes the answer, which is then built again
            with Writer(port, tokens["coordinator"], WRITE_EVERY) as writer:
                live_phase = run_phase(f"  same, a report saved every {WRITE_EVERY:g} s", port,
                                       args.clients, args.requests, args.seconds, get_long,
                                       tokens["viewer"], 200, pid, BROWSER)  # fmt: skip
            # last: the reports it adds are in the last 7 days, so they would grow the answers
            # of the phases above
            post_phase = run_phase("POST /api/incidents", port, args.clients, args.requests,
                                   args.seconds, post, tokens["coordinator"], 201, pid)  # fmt: skip
            phases = [baseline, get_phase, long_phase, live_phase, flood_phase, rude_phase,
                      post_phase]  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(30)

        from seawatch.incidents.store import IncidentStore

        store = IncidentStore(f"sqlite:///{data_dir / 'incidents.sqlite'}")
        stored = {r["id"] for r in store.list(source="bench-post")}
        total = store.count()
        store.close()

    get = get_phase
    acknowledged = set(post_phase.ids) | set(writer.ids)
    lost = len(acknowledged - stored)
    print()
    for phase in phases:
        print(phase.line())
    print()
    reads = [get_phase, long_phase, live_phase]
    for phase in reads:
        print(f"GET  {phase.rate:7.1f} req/s  = {phase.rate / baseline.rate:.2f} x baseline, "
              f"p99 {phase.percentile(99):6.1f} ms  ({phase.name.strip()})")  # fmt: skip
    print(f"POST {post_phase.rate:7.1f} req/s  = {post_phase.rate / baseline.rate:.2f} x baseline, "
          f"p99 {post_phase.percentile(99):6.1f} ms")  # fmt: skip
    print(f"targets: >= {TARGETS['get_rps']:.0f} GET/s, >= {TARGETS['post_rps']:.0f} POST/s, "
          f"p99 < {TARGETS['p99_ms']:.0f} ms in each of these phases")  # fmt: skip
    errors = sum(phase.errors for phase in [*reads, post_phase]) + writer.errors
    print(f"errors {errors}; lost writes {lost} of {len(acknowledged)} acknowledged; "
          f"store holds {total} incidents; {load_average()}")  # fmt: skip
    met = (
        all(phase.rate >= TARGETS["get_rps"] for phase in reads)
        and post_phase.rate >= TARGETS["post_rps"]
        and all(phase.percentile(99) < TARGETS["p99_ms"] for phase in [*reads, post_phase])
        and errors == 0
        and lost == 0
    )
    print("targets met" if met else "TARGETS NOT MET")
    print()
    quiet_p99 = get.percentile(99)
    for phase, guessers, how in ((flood_phase, flood, "waiting as told (Retry-After)"),
                                 (rude_phase, rude, "never waiting")):  # fmt: skip
        p99 = phase.percentile(99)
        print(f"sign-in flood, {FLOOD} clients each from its own address, {how}: "
              f"{guessers.summary()}")  # fmt: skip
        print(f"  API p99 {p99:7.1f} ms, {quiet_p99:.1f} ms without: x{p99 / quiet_p99:.2f}; "
              f"rate {phase.rate:.1f} req/s, {get.rate:.1f} without: "
              f"x{phase.rate / get.rate:.2f}")  # fmt: skip
        print(f"  server memory +{phase.rss_growth_mb:.0f} MB, +{get.rss_growth_mb:.0f} MB in "
              f"the same phase without")  # fmt: skip
    print(f"targets for the flood of people waiting as told: API p99 < "
          f"{FLOOD_TARGETS['p99_ms']:.0f} ms, memory < +{FLOOD_TARGETS['rss_growth_mb']:.0f} MB; "
          f"memory only for the other (its request rate is a proxy's to limit)")  # fmt: skip
    flood_met = (
        flood_phase.percentile(99) < FLOOD_TARGETS["p99_ms"]
        and max(flood_phase.rss_growth_mb, rude_phase.rss_growth_mb)
        < FLOOD_TARGETS["rss_growth_mb"]
        and flood_phase.errors + rude_phase.errors == 0
    )
    print("flood targets met" if flood_met else "FLOOD TARGETS NOT MET")
    failed = errors + flood_phase.errors + rude_phase.errors
    return 0 if lost == 0 and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
