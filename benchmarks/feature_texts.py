"""The incident list written again after one save: kept feature texts against writing all.

After a save, the next poll of ``/api/incidents`` rebuilds its answer. The service keeps each
incident version's GeoJSON Feature text (``seawatch.web.cache.FeatureTexts``), so the rebuild
writes the one incident that changed; the baseline, measured in the same run, writes them all
with the export's writer (``seawatch.incidents.formats.to_geojson``). CPU time, best of 5.

    .venv/bin/python benchmarks/feature_texts.py [--incidents 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from web import seed

from seawatch.incidents.formats import to_geojson
from seawatch.incidents.store import IncidentStore
from seawatch.web.cache import FeatureTexts


def best_ms(run, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return 1000 * min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000, help="incidents in the store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seed(Path(tmp), args.incidents)
        with IncidentStore(f"sqlite:///{Path(tmp) / 'incidents.sqlite'}") as store:
            since = dt.datetime.now(dt.UTC) - dt.timedelta(days=110)
            records = store.list(since=since)
            texts = FeatureTexts()
            assert texts.collection(records) == to_geojson(records)
            changed = store.update(
                records[0]["id"], {"survivors": 1}, records[0]["version"], "bench"
            )
            records = store.list(since=since)
            assert changed["version"] == records[0]["version"]

            def kept() -> None:
                texts._texts.pop((changed["id"], changed["version"], changed["updated_at"]), None)
                texts.collection(records)

            baseline = best_ms(lambda: to_geojson(records))
            after = best_ms(kept)
            assert texts.collection(records) == to_geojson(records)
    print(f"{len(records)} incidents in the list (since=110d)")
    print(f"all written (baseline, to_geojson)  {baseline:6.1f} ms CPU")
    print(
        f"one written, the rest kept          {after:6.1f} ms CPU  = {after / baseline:.2f} x baseline"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
