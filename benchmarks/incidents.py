"""Benchmark of the incident store: import the full IOM export, list and export 20,000 incidents.

Usage::

    .venv/bin/python benchmarks/incidents.py [--csv FILE] [--url DATABASE_URL] [--repeat N]

Each step runs ``--repeat`` times (the fastest run is kept) and is compared with a baseline
measured in the same run on the same data, so the ratios hold on a slower or busier machine:

* import: ``pandas.read_csv`` of the same file (reading only: no validation, no database);
* list: a plain ``SELECT *`` of the same rows through the driver (tuples, no conversion);
* export: ``csv.writer`` of those plain tuples.

Wall and CPU seconds are both printed: on a machine shared with other work the CPU time is
what a step costs with a core to itself. Targets (issue 4, on 2 cores): import < 3 s, list and
each export < 1 s. By default the store is a fresh SQLite file in a temporary directory;
``--url`` names another database (use an empty database or schema: 20,000 incidents are added).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared/data/mmp/Missing_Migrants_Global_Figures_allData_2025-06.csv"
TARGET_ROWS = 20_000


def measure(repeat: int, func: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of the fastest of ``repeat`` runs, and its result."""
    best = (float("inf"), 0.0, None)
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if wall < best[0]:
            best = (wall, cpu, result)
    return best


class Report:
    """Prints one line per step: wall s, CPU s, ratio to the baseline, target."""

    def __init__(self) -> None:
        self.missed: list[str] = []
        print(f"  {'step':<44} {'wall s':>7} {'cpu s':>7} {'ratio':>7}  target")

    def line(
        self,
        step: str,
        wall: float,
        cpu: float,
        baseline: float | None = None,
        target: float | None = None,
    ) -> None:
        ratio = f"{wall / baseline:6.1f}x" if baseline else ""
        verdict = ""
        if target is not None:
            met = min(wall, cpu) < target
            verdict = f"< {target:g} s {'ok' if met else 'MISSED'}"
            if not met:
                self.missed.append(step)
        print(f"  {step:<44} {wall:7.3f} {cpu:7.3f} {ratio:>7}  {verdict}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="IOM allData CSV")
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (fastest kept)")
    args = parser.parse_args(argv)

    import pandas as pd

    from seawatch.geo.coastline import land_geometry
    from seawatch.incidents.formats import FORMATS
    from seawatch.incidents.frame import incidents_frame
    from seawatch.incidents.iom_mmp import read_mmp
    from seawatch.incidents.store import IncidentStore

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"seawatch incident benchmark: {os.cpu_count()} CPU(s), load {load:.1f}, {args.csv.name}")
    report = Report()
    land_geometry()  # bundled coastline, loaded once per process by any first user

    wall, cpu, raw = measure(args.repeat, lambda: pd.read_csv(args.csv, dtype=str))
    read_csv_s = wall
    report.line(f"baseline: pandas.read_csv ({len(raw):,} rows)", wall, cpu)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'incidents.sqlite'}"
        IncidentStore(url).close()  # schema creation is not part of an import

        def first_import() -> Any:
            data = read_mmp(args.csv)
            with IncidentStore(url) as store:
                return data, store.import_records(
                    data.import_frame(), source="iom_mmp", user="benchmark"
                )

        # Only the first import inserts; it is timed once (later ones find nothing new).
        wall, cpu, (data, first) = measure(1, first_import)
        report.line("import full file: read + validate + insert", wall, cpu, read_csv_s, 3.0)
        print(f"      {first.summary()}")
        store = IncidentStore(url)
        wall, cpu, again = measure(
            args.repeat,
            lambda: store.import_records(data.import_frame(), source="iom_mmp", user="benchmark"),
        )
        report.line("re-import same rows (all unchanged)", wall, cpu, read_csv_s)
        print(f"      {again.summary()}")

        missing = TARGET_ROWS - store.count()
        if missing > 0:
            store.import_records(
                [
                    {
                        "source_id": f"bench-{i}",
                        "time": f"2025-01-{1 + i % 28:02d}T{i % 24:02d}:00Z",
                        "lat": 33.0 + (i % 100) / 50,
                        "lon": 11.0 + (i % 300) / 40,
                        "persons": 40 + i % 60,
                        "status": "distress",
                        "boat_type": "rubber",
                    }
                    for i in range(missing)
                ],
                source="benchmark",
                user="benchmark",
            )

        def plain_select() -> list[tuple[Any, ...]]:
            with store.engine.connect() as conn:
                return conn.exec_driver_sql("SELECT * FROM incidents").fetchall()

        wall, cpu, plain = measure(args.repeat, plain_select)
        select_s = wall
        report.line(f"baseline: plain SELECT ({len(plain):,} rows)", wall, cpu)
        wall, cpu, records = measure(args.repeat, store.list)
        report.line(f"store.list() ({len(records):,} records)", wall, cpu, select_s, 1.0)

        def plain_csv() -> str:
            buffer = io.StringIO()
            csv.writer(buffer).writerows(plain)
            return buffer.getvalue()

        wall, cpu, _ = measure(args.repeat, plain_csv)
        csv_s = wall
        report.line("baseline: csv.writer of the plain rows", wall, cpu)
        for fmt, (_suffix, writer) in FORMATS.items():
            wall, cpu, text = measure(args.repeat, lambda writer=writer: writer(records))
            report.line(f"export {fmt} ({len(text) / 1e6:.1f} MB)", wall, cpu, csv_s, 1.0)
        wall, cpu, frame = measure(args.repeat, lambda: incidents_frame(store))
        report.line(f"incidents_frame(store) ({len(frame):,} rows)", wall, cpu, select_s)
        wall, cpu, recent = measure(args.repeat, lambda: store.list(since="2024-01-01"))
        report.line(f"store.list(since=2024-01-01) ({len(recent):,})", wall, cpu, select_s)
        backend = store.dialect
        store.close()
    verdict = "all targets met" if not report.missed else f"missed: {', '.join(report.missed)}"
    print(f"backend {backend}; {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
