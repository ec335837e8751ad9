"""Many drifts as independent tasks: an ensemble over the proxy categories, locally or on dask."""

from __future__ import annotations

import dataclasses
import sys

import pytest

from seawatch.config import ComputeSettings
from seawatch.drift import DriftRefusalError, DriftRequest, ensemble_requests, run_many
from tests.drift.conftest import LKP, START, require_opendrift

pytestmark = pytest.mark.slow


def _request(forecast, **kw) -> DriftRequest:
    base = dict(lat=LKP[0], lon=LKP[1], time=START, hours=3, elements=200, forecast=forecast)
    return DriftRequest(**{**base, **kw})


def test_ensemble_over_proxies_runs_each_and_keeps_refusals_apart(
    settings, forecast_file, tmp_path
):
    require_opendrift()
    requests = ensemble_requests(_request(forecast_file, object="rubber_dinghy"))
    assert [r.object for r in requests] == ["rubber_dinghy", 26]
    requests.append(_request(forecast_file, hours=48))  # beyond the forecast: refused alone
    outs = [tmp_path / f"d{i}" for i in range(len(requests))]
    results = run_many(requests, settings, outs)
    assert [r["leeway_category"] for r in results[:2]] == [27, 26]
    assert isinstance(results[2], DriftRefusalError) and not outs[2].exists()
    # category 26 (no ballast, mean values) drifts slower than 27 (no canopy, no drogue)
    assert results[1]["datum"]["lon"] < results[0]["datum"]["lon"]
    assert "opendrift" not in sys.modules  # OpenDrift ran in the workers only


def test_drifts_go_to_the_dask_cluster_when_a_scheduler_is_set(settings, forecast_file, tmp_path):
    require_opendrift()
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_cluster = dataclasses.replace(
            settings, compute=ComputeSettings(scheduler=cluster.scheduler_address)
        )
        results = run_many([_request(forecast_file)], on_cluster, [tmp_path / "d"])
        assert results[0]["leeway_category"] == 27
        assert (tmp_path / "d" / "drift.geojson").is_file()
        ran_there = client.run(lambda: "opendrift.models.leeway" in sys.modules)
        assert list(ran_there.values()) == [True]
    assert "opendrift" not in sys.modules
