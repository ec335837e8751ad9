"""Demo incidents: real IOM Missing Migrants Project incidents shipped with seawatch.

``seawatch/data/demo_incidents.csv`` holds the 1,251 Central Mediterranean incidents of the IOM
allData export of June 2025 that lie in the area of interest (lon 10-20 E, lat 30.5-38 N), in
the allData layout with fewer columns (made by ``scripts/make_demo_incidents.py``). They are
read through the real MMP reader. Credit: ``demo_incidents.SOURCE.txt`` beside the CSV, and
:data:`ATTRIBUTION`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from seawatch.incidents.iom_mmp import ATTRIBUTION, SOURCE, MmpData, parse_mmp

if TYPE_CHECKING:
    import geopandas as gpd

    from seawatch.config import Settings
    from seawatch.incidents.store import IncidentStore

__all__ = ["ATTRIBUTION", "DEMO_FILE", "demo_incidents", "demo_mmp", "demo_store"]

DEMO_FILE = "demo_incidents.csv"
SNAPSHOT = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
"""When the IOM export behind the demo file was published (its records' created_at)."""
DEMO_USER = "seawatch demo"


def demo_mmp() -> MmpData:
    """The demo file parsed by :func:`~seawatch.incidents.iom_mmp.parse_mmp`."""
    data = resources.files("seawatch.data").joinpath(DEMO_FILE).read_bytes()
    return parse_mmp(data, name=DEMO_FILE)


def demo_incidents() -> gpd.GeoDataFrame:
    """The demo incidents as an incidents frame (see :mod:`seawatch.incidents.frame`).

    Ids are stable (derived from the IOM ids), ``created_at``/``updated_at`` are the date of the
    IOM export, ``created_by`` is ``seawatch demo``.
    """
    from seawatch.incidents.frame import incidents_frame

    records = demo_mmp().import_frame().drop(columns=["row", "former_source_id"])
    records["source"] = SOURCE
    records["id"] = [
        hashlib.blake2b(f"{SOURCE}:{sid}".encode(), digest_size=8).hexdigest()
        for sid in records["source_id"]
    ]
    for name in ("created_at", "updated_at"):
        records[name] = pd.Timestamp(SNAPSHOT)
    records["created_by"] = records["updated_by"] = DEMO_USER
    records["version"] = 1
    return incidents_frame(records)


def demo_store(
    url: str | None = None, settings: Settings | None = None, user: str = DEMO_USER
) -> IncidentStore:
    """A store holding the demo incidents (imported once; repeating changes nothing).

    Parameters
    ----------
    url
        Store URL, e.g. ``sqlite:///<demo dir>/incidents.sqlite``; default ``settings.store_url``.
    settings
        Used when ``url`` is not given.
    user
        Name in the history rows.
    """
    from seawatch.incidents.store import IncidentStore

    if url is None:
        if settings is None:
            raise ValueError("give a store url or settings")
        url = settings.store_url
    store = IncidentStore(url)
    try:
        store.import_records(demo_mmp().import_frame(), source=SOURCE, user=user, origin=_origin())
    except BaseException:
        store.close()
        raise
    return store


def _origin() -> str:
    return f"seawatch/data/{DEMO_FILE} ({ATTRIBUTION})"


def demo_file() -> Path:
    """Path of the demo CSV inside the installed package."""
    return Path(str(resources.files("seawatch.data").joinpath(DEMO_FILE)))
