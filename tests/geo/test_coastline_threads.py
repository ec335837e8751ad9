"""Land checks from many threads at once never crash the process.

GEOS builds a prepared geometry's indexes lazily and not thread-safely. Before on_land took a
lock, eight threads testing points against the shared land aborted the process in about half of
fresh runs (SIGABRT inside shapely.intersects_xy), which the web service or the incident store
would do when several coordinators report at the same moment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_HAMMER = """
import threading
import numpy as np
from seawatch.geo import coastline

barrier = threading.Barrier(8)
results = []

def work(seed):
    rng = np.random.default_rng(seed)
    barrier.wait()
    for _ in range(50):
        lat, lon = rng.uniform(30.5, 34.5, 20), rng.uniform(10.0, 25.0, 20)
        results.append(coastline.on_land(lat, lon))

threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert len(results) == 400
assert np.array_equal(coastline.on_land([31.5, 33.5], [13.0, 13.2]), [True, False])  # inland, sea
print("ok")
"""


def test_eight_threads_check_land_at_once_in_fresh_processes() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(4):  # each run starts with the land not yet prepared
        proc = subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", _HAMMER],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-3000:]
