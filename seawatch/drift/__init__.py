"""Drift and search areas from a last known position, with OpenDrift's Leeway model.

Entry points: :class:`DriftRequest`, :func:`run_drift` (one drift, in a worker process),
:func:`run_many` (an ensemble or several drifts as independent tasks, on the dask cluster when
``[compute] scheduler`` is set) and :func:`read_result`. OpenDrift (GPL-2.0-only, the optional
extra ``seawatch[drift]``) is imported only inside the worker (:mod:`seawatch.drift.engine`).
"""

from seawatch.drift.run import (
    DriftRefusalError,
    DriftRequest,
    ensemble_requests,
    read_result,
    run_drift,
    run_many,
)

__all__ = [
    "DriftRefusalError",
    "DriftRequest",
    "ensemble_requests",
    "read_result",
    "run_drift",
    "run_many",
]
