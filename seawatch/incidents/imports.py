"""Import incident files into the store: IOM Missing Migrants exports, downloaded or on disk.

Used by ``seawatch incidents import``, ``seawatch fetch incidents`` and the scheduler. By
default only incidents inside the area of interest are kept (``keep_all=True`` keeps every
row); the rows left out are counted as ``skipped``. Rejected rows, with their reasons, are
written to ``<data_dir>/imports/<YYYYMMDDTHHMMSS>-<source>-import<run>-rejected.csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from seawatch.errors import DataError
from seawatch.incidents.iom_mmp import SOURCE, MmpData, get_mmp, read_mmp
from seawatch.storage import atomic_write_text

if TYPE_CHECKING:
    from seawatch.config import Settings
    from seawatch.incidents.store import ImportReport, IncidentStore

__all__ = ["SOURCES", "fetch_and_import_mmp", "import_file", "import_mmp", "write_rejected"]

log = logging.getLogger(__name__)

SOURCES = ("iom_mmp",)
"""File formats ``seawatch incidents import --source`` reads."""


def import_mmp(
    store: IncidentStore,
    data: MmpData,
    user: str,
    bbox: tuple[float, float, float, float] | None = None,
    origin: str | None = None,
) -> ImportReport:
    """Import parsed MMP rows into the store.

    Parameters
    ----------
    store
        Target store.
    data
        Output of :func:`~seawatch.incidents.iom_mmp.read_mmp` or ``get_mmp``.
    user
        Who runs the import (history rows name them).
    bbox
        ``(west, south, east, north)`` degrees: keep only rows inside; None keeps all.
    origin
        File name or URL recorded with the import run.
    """
    selected = data.inside(bbox) if bbox is not None else data
    frame = selected.import_frame()
    stored_as_parts = _stored_as_parts(store, selected)
    report = store.import_records(
        frame[~frame["source_id"].isin(stored_as_parts)],
        source=SOURCE,
        user=user,
        origin=origin or _origin(data),
    )
    report.skipped = len(data.records) - len(selected.records)
    report.skipped += len(data.rejected) - len(selected.rejected)
    parser_rejects = [
        {"row": int(row), "source_id": None if pd.isna(sid) else sid, "reason": reason}
        for row, sid, reason in zip(
            selected.rejected["row"],
            selected.rejected["source_id"],
            selected.rejected["reason"],
            strict=True,
        )
    ]
    parser_rejects += [
        {
            "row": int(row),
            "source_id": sid,
            "reason": (
                f"split incident already stored as its parts ({', '.join(parts)}, from a "
                "per-year export); its summed-up row is left out so nothing is counted twice"
            ),
        }
        for row, sid, parts in zip(
            frame["row"], frame["source_id"], selected.records["part_ids"], strict=True
        )
        if sid in stored_as_parts
    ]
    report.rejected_rows = sorted(
        parser_rejects + report.rejected_rows, key=lambda item: item["row"] or 0
    )
    return report


def _stored_as_parts(store: IncidentStore, data: MmpData) -> set[str]:
    """Ids of summed-up split rows (allData) whose parts, and not the row itself, are stored."""
    rows = [
        (sid, parts)
        for sid, parts in zip(data.records["source_id"], data.records["part_ids"], strict=True)
        if parts
    ]
    if not rows:
        return set()
    stored = store.stored_source_ids(
        SOURCE, [sid for sid, _ in rows] + [p for _, parts in rows for p in parts]
    )
    return {sid for sid, parts in rows if sid not in stored and stored.intersection(parts)}


def _origin(data: MmpData) -> str | None:
    if data.provenance:
        return str(data.provenance.get("url"))
    return str(data.path) if data.path else None


def import_file(
    store: IncidentStore,
    path: str | Path,
    user: str,
    source: str = "iom_mmp",
    bbox: tuple[float, float, float, float] | None = None,
    rejected_dir: str | Path | None = None,
) -> ImportReport:
    """Read a file of ``source`` format and import it (see :func:`import_mmp`).

    Rejected rows are written to ``rejected_dir`` when given (``report.rejected_file``).
    """
    if source not in SOURCES:
        raise DataError(f"unknown import source {source!r}; known: {', '.join(SOURCES)}")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist or is not a file")
    data = read_mmp(path)
    report = import_mmp(store, data, user=user, bbox=bbox, origin=str(path))
    if rejected_dir is not None and report.rejected_rows:
        report.rejected_file = write_rejected(report, rejected_dir)
    return report


def fetch_and_import_mmp(
    settings: Settings,
    user: str = "seawatch",
    keep_all: bool = False,
    store: IncidentStore | None = None,
) -> ImportReport:
    """Download the MMP export from ``[sources.iom_mmp] url`` and import it.

    The raw file is kept under ``<data_dir>/raw/iom_mmp/``; rejected rows go to
    ``<data_dir>/imports/``.
    """
    from seawatch.incidents.store import IncidentStore

    source = settings.sources.iom_mmp
    data = get_mmp(source.url, settings.data_dir, timeout=source.timeout)
    own_store = store is None
    store = store or IncidentStore.from_settings(settings)
    try:
        report = import_mmp(
            store, data, user=user, bbox=None if keep_all else settings.area.bbox, origin=source.url
        )
    finally:
        if own_store:
            store.close()
    if report.rejected_rows:
        report.rejected_file = write_rejected(report, Path(settings.data_dir) / "imports")
    # Lowered or blanked counts are worth an operator's look in the daemon's log.
    level = logging.WARNING if report.decreased or report.kept else logging.INFO
    log.log(level, "IOM Missing Migrants import: %s", report.summary())
    return report


def write_rejected(report: ImportReport, directory: str | Path) -> Path:
    """Write the rejected rows of an import as CSV (row, source_id, reason); return the path."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    run = f"-import{report.run_id}" if report.run_id is not None else ""
    path = Path(directory) / f"{stamp}-{report.source}{run}-rejected.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["row", "source_id", "reason"], lineterminator="\n")
    writer.writeheader()
    for item in report.rejected_rows:
        writer.writerow({k: item.get(k) for k in ("row", "source_id", "reason")})
    return atomic_write_text(path, buffer.getvalue())
