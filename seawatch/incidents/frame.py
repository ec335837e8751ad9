"""Incidents as a GeoDataFrame, for the exposure layer and the maps.

Columns are the record fields (:data:`~seawatch.incidents.model.RECORD_FIELDS`) plus
``geometry`` (Points, lon/lat, EPSG:4326): ``time``, ``created_at`` and ``updated_at`` as
``datetime64[ns, UTC]``; ``lat``, ``lon`` float64 degrees; counts and ``source_quality`` as
nullable ``Int64`` (``<NA>`` = unknown); ``flags`` lists of words. An empty selection gives an
empty frame with the same columns and dtypes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from seawatch.incidents.model import RECORD_FIELDS
from seawatch.timeutil import as_utc

if TYPE_CHECKING:
    from seawatch.incidents.store import IncidentStore

__all__ = ["FRAME_COLUMNS", "incidents_frame"]

FRAME_COLUMNS = (*RECORD_FIELDS, "geometry")
_TIME_COLUMNS = ("time", "created_at", "updated_at")
_INT_COLUMNS = ("persons", "dead", "missing", "survivors", "source_quality")
_FLOAT_COLUMNS = ("lat", "lon")


def _typed(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    data: dict[str, Any] = {}
    n = len(frame)
    for name in RECORD_FIELDS:
        values = frame[name] if name in frame.columns else pd.Series([None] * n, index=frame.index)
        if name in _TIME_COLUMNS:
            data[name] = pd.to_datetime(values, utc=True).astype("datetime64[ns, UTC]")
        elif name in _FLOAT_COLUMNS:
            data[name] = pd.to_numeric(values).astype("float64")
        elif name in _INT_COLUMNS:
            data[name] = pd.to_numeric(values).astype("Int64")
        elif name == "version":
            data[name] = pd.to_numeric(values).fillna(1).astype("int64")
        elif name == "flags":
            data[name] = pd.Series(
                [list(v) if isinstance(v, list | tuple | np.ndarray) else [] for v in values],
                index=frame.index,
                dtype=object,
            )
        else:
            data[name] = pd.Series(
                [None if v is None or v is pd.NA or v != v else str(v) for v in values.tolist()],
                index=frame.index,
                dtype=object,
            )
    typed = pd.DataFrame(data, index=frame.index)
    geometry = gpd.points_from_xy(typed["lon"], typed["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(typed, geometry=geometry, crs="EPSG:4326").reset_index(drop=True)


def incidents_frame(
    records_or_store: IncidentStore | Iterable[Mapping[str, Any]] | pd.DataFrame,
    since: dt.datetime | str | None = None,
    until: dt.datetime | str | None = None,
    min_quality: int | None = None,
    statuses: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Incidents as a GeoDataFrame, filtered.

    Parameters
    ----------
    records_or_store
        An :class:`~seawatch.incidents.store.IncidentStore`, record dicts, or a (Geo)DataFrame
        with record columns.
    since, until
        Time window, UTC: ``since <= time < until``.
    min_quality
        Keep records with ``source_quality >= min_quality`` (1-5); unknown quality is dropped.
    statuses
        Keep only these statuses. By default every status except ``retracted``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per incident, columns :data:`FRAME_COLUMNS`, CRS EPSG:4326.
    """
    wanted = None if statuses is None else [s.strip().lower() for s in statuses]
    if hasattr(records_or_store, "list") and hasattr(records_or_store, "history"):
        records = records_or_store.list(
            since=since, until=until, statuses=wanted, min_quality=min_quality
        )
        return _typed(pd.DataFrame.from_records(records, columns=list(RECORD_FIELDS)))
    if isinstance(records_or_store, pd.DataFrame):
        frame = pd.DataFrame(records_or_store.drop(columns="geometry", errors="ignore"))
    else:
        frame = pd.DataFrame.from_records(list(records_or_store), columns=list(RECORD_FIELDS))
    typed = _typed(frame)
    keep = np.ones(len(typed), dtype=bool)
    if since is not None:
        keep &= (typed["time"] >= as_utc(since)).to_numpy()
    if until is not None:
        keep &= (typed["time"] < as_utc(until)).to_numpy()
    if min_quality is not None:
        keep &= (typed["source_quality"] >= int(min_quality)).fillna(False).to_numpy(dtype=bool)
    if wanted is not None:
        keep &= typed["status"].isin(wanted).to_numpy()
    else:
        keep &= (typed["status"] != "retracted").to_numpy()
    return typed[keep].reset_index(drop=True)
