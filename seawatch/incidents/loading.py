"""The incidents of the data directory's store, as the build and the products read them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seawatch.config import Settings

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)


def load_incidents(settings: Settings) -> gpd.GeoDataFrame | None:
    """Incidents from the store in the data directory, or ``None`` when there is no store yet.

    A missing SQLite file means no incident has been recorded or imported: the risk is built
    without exposure from incidents and the maps and the e-mail show none.
    """
    from seawatch.incidents.frame import incidents_frame
    from seawatch.incidents.store import IncidentStore

    url = settings.store_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        log.info("no incident store at %s yet; building without exposure from incidents", url)
        return None
    with IncidentStore(url) as store:
        return incidents_frame(store)


def load_open_drifts(settings: Settings, limit: int | None = None) -> list[dict[str, Any]]:
    """The newest finished drift of each of the ``limit`` (default
    :data:`~seawatch.incidents.drifts.MAP_DRIFTS`) newest open distress cases, for the maps'
    drift layer (empty when there is no store yet or no drift)."""
    from seawatch.incidents.drifts import MAP_DRIFTS, DriftStore
    from seawatch.incidents.store import IncidentStore

    url = settings.store_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []
    with IncidentStore(url) as store:
        _cases, latest = DriftStore(store).open_cases(limit=MAP_DRIFTS if limit is None else limit)
    return list(latest.values())
