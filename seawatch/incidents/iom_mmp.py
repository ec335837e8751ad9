"""IOM Missing Migrants Project (MMP): download, read and normalise incident exports.

Data: IOM Missing Migrants Project, https://missingmigrants.iom.int, CC BY 4.0; credit
"IOM Missing Migrants Project" wherever the data is shown.

Three functions, in the style of pvlib's ``get_`` / ``read_`` / ``parse_``:

* :func:`get_mmp` downloads the CSV export and keeps the raw file with its provenance under
  ``<data_dir>/raw/iom_mmp/<YYYYMMDDTHHMMSS>/``;
* :func:`read_mmp` reads a CSV or XLSX file;
* :func:`parse_mmp` parses CSV text or bytes.

Every known layout is accepted: the current "allData" export (``Main ID``, ``Incident Date``,
``Number of Dead``, ``Coordinates``...), IOM's per-year export (``Region``, ``Incident Date``
like ``Thu, 01/01/2026 - 12:00`` (month/day/year), ``Number Dead``, ``Location of death``...) and
the pre-2021 export (``Web ID``, ``Reported Date`` like ``January 6, 2014``, ``Location
Coordinates``...). Coordinates come as ``"lat, lon"``, ``POINT (lon lat)`` or, rarely, text any
:func:`~seawatch.geo.positions.parse_position` form reads. Blank counts are unknown (``<NA>``,
never 0). Multi-valued cells (``"4,5"``, ``"Incident,Split Incident"``) are kept as text, except
source quality, which becomes the highest value given.

The result is one normalised record per row (:attr:`MmpData.records`) plus the rows that
could not be read, each with its reason (:attr:`MmpData.rejected`). Suspicious positions are
flagged (``on_land``, ``far_from_country``), never dropped; cumulative and split incidents carry
the flags ``cumulative`` and ``split`` so totals can leave cumulative rows out.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests

from seawatch.errors import DataError, FetchError, PositionError
from seawatch.http import make_session, request, save_raw
from seawatch.incidents.checks import far_from_country, on_land
from seawatch.incidents.model import EDITABLE_FIELDS

__all__ = [
    "ATTRIBUTION",
    "SOURCE",
    "MmpData",
    "get_mmp",
    "parse_mmp",
    "read_mmp",
]

log = logging.getLogger(__name__)

SOURCE = "iom_mmp"
ATTRIBUTION = "IOM Missing Migrants Project (CC BY 4.0), https://missingmigrants.iom.int"
LABEL = "IOM Missing Migrants"

# Canonical column -> header names seen in IOM exports and in files people re-save from them,
# compared after _header_key: case, spaces, punctuation, "of"/"the" ignored, "No."/"Nr."/"#" read
# as "number" (so "No. dead", "Number of Dead" and "Number Dead" are one header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("main id", "web id", "id"),
    "incident_id": ("incident id",),
    "incident_type": ("incident type",),
    "region": ("region of incident", "region"),
    "date": ("incident date", "reported date", "website date", "date"),
    "year": ("incident year", "year", "reported year"),
    "month": ("month", "reported month"),
    "dead": ("number of dead", "number dead", "dead", "deaths", "number of deaths"),
    "missing": (
        "minimum estimated number of missing",
        "minimum number of missing",
        "estimated number of missing",
        "number of missing",
        "number missing",
        "missing",
    ),
    "total": ("total number of dead and missing", "total dead and missing"),
    "survivors": ("number of survivors", "number survivors", "survivors"),
    "cause": ("cause of death",),
    "country": ("country of incident",),
    "route": ("migration route", "migrantion route", "route"),
    "location": ("location of incident", "location of death", "location description"),
    "coordinates": ("coordinates", "location coordinates"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "long"),
    "information_source": ("information source",),
    "url": ("url", "link"),
    "quality": ("source quality",),
}

# Record fields filled from columns; when none of their columns is in a file, the import leaves
# the stored value alone instead of blanking it (persons: IOM exports never carry it).
_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": (),
    "dead": ("dead",),
    "missing": ("missing",),
    "survivors": ("survivors",),
    "source_quality": ("quality",),
    "cause": ("cause",),
    "route": ("route",),
    "location": ("location",),
    "url": ("url",),
    "notes": ("information_source", "country"),
}
_ABBREVIATIONS = {
    "no": "number",
    "nr": "number",
    "nb": "number",
    "num": "number",
    "min": "minimum",
    "est": "estimated",
}

LAYOUTS = {
    "alldata": "current allData export (Main ID, Incident Type, Country of Incident)",
    "per_year": "per-year export (Region, Year, Reported Month, Number Dead)",
    "legacy": "pre-2021 export (Web ID, Reported Date, Location Coordinates)",
}

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_NUMBER = r"[-+]?\d+(?:\.\d*)?"
_LAT_LON = re.compile(rf"^\(?\s*({_NUMBER})\s*[,;]\s*({_NUMBER})\s*\)?$")
_WKT = re.compile(rf"^POINT\s*\(\s*({_NUMBER})[\s,]+({_NUMBER})\s*\)$", re.IGNORECASE)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30, tzinfo=dt.UTC)
_BLANKS = " \t\r\n\ufeff\u00a0\u200b"  # stripped from every cell (IOM ids carry BOMs)


@dataclass
class MmpData:
    """Normalised MMP rows.

    Attributes
    ----------
    records
        One row per readable input row. Columns: ``row`` (spreadsheet row number, header = 1),
        the incident record fields (``source_id``, ``time`` as UTC timestamps, ``lat``, ``lon``,
        ``position_text`` (the raw coordinates), ``former_source_id`` (the Main ID or Web ID
        when the row is keyed on another id), ``part_ids`` (the parts' ids of a split incident
        summed up on this row, else None), counts as nullable ``Int64``, ``status``
        ``closed``, ``boat_type`` ``unknown``, ``source_quality``, ``cause``, ``route``,
        ``location``, ``url``, ``notes``, ``flags``) and, for reference, ``region``,
        ``country`` and ``incident_type``.
    rejected
        ``row``, ``source_id``, ``reason`` of rows that could not be read, with ``lat`` and
        ``lon`` where the position was readable (NaN otherwise).
    layout
        ``alldata``, ``per_year`` or ``legacy``.
    rows
        Data rows in the input.
    path, provenance
        File read, and for downloads the provenance record.
    absent
        Record fields none of whose columns is in the file (e.g. ``dead`` for a file without a
        dead column): an import leaves the stored values of these fields alone.
    """

    records: pd.DataFrame
    rejected: pd.DataFrame
    layout: str
    rows: int
    path: Path | None = None
    provenance: dict[str, Any] | None = field(default=None)
    absent: tuple[str, ...] = ()

    def inside(self, bbox: tuple[float, float, float, float]) -> MmpData:
        """Only the rows inside ``(west, south, east, north)`` (degrees, edges included).

        Rejected rows are kept unless their position is known and outside.
        """
        west, south, east, north = bbox
        r = self.records
        keep = r["lon"].between(west, east) & r["lat"].between(south, north)
        x = self.rejected
        outside = x["lat"].notna() & ~(
            x["lon"].between(west, east) & x["lat"].between(south, north)
        )
        return MmpData(
            r[keep].reset_index(drop=True),
            x[~outside].reset_index(drop=True),
            self.layout,
            self.rows,
            self.path,
            self.provenance,
            self.absent,
        )

    def _import_columns(self) -> list[str]:
        fields = [c for c in EDITABLE_FIELDS if c in self.records.columns and c not in self.absent]
        return ["row", *fields, "former_source_id"]

    def import_frame(self) -> pd.DataFrame:
        """The input of :meth:`IncidentStore.import_records`.

        ``row``, the record fields the file has columns for (see :attr:`absent`) and
        ``former_source_id``, the id older seawatch versions stored the row under (its Main ID
        or Web ID), so a store keyed that way is taken over, not duplicated.
        """
        return self.records[self._import_columns()]

    def to_records(self) -> list[dict[str, Any]]:
        """Record dicts for :meth:`IncidentStore.import_records` (see :meth:`import_frame`)."""
        frame = self.records[self._import_columns()].astype(object)
        frame = frame.where(frame.notna(), None)
        out = frame.to_dict("records")
        for rec in out:
            time = rec["time"]
            if time is not None:
                rec["time"] = time.to_pydatetime()
        return out


# ------------------------------------------------------------------------------------ download


def get_mmp(
    url: str,
    data_dir: str | Path,
    timeout: float = 120.0,
    session: requests.Session | None = None,
) -> MmpData:
    """Download the MMP CSV export, keep it with its provenance, and parse it.

    Parameters
    ----------
    url
        Export URL (``[sources.iom_mmp] url``).
    data_dir
        seawatch data directory; the file goes to ``raw/iom_mmp/<YYYYMMDDTHHMMSS>/`` with
        ``<file>.provenance.json`` (url, status, headers, sha256, fetched_at), as every
        download does (:func:`seawatch.http.save_raw`).
    timeout
        Seconds to wait for the server to send each chunk (connecting: at most 10 s).
    session
        HTTP session (default :func:`seawatch.http.make_session`: retries with backoff on 5xx,
        429, timeouts and connection errors).

    Raises
    ------
    FetchError
        One line, once retries are exhausted: HTTP error, rate limit (429), timeout,
        connection failure, or an empty or HTML answer.
    DataError
        The file is not an MMP export.
    """
    from seawatch import __version__

    http = session or make_session(timeout=timeout)
    fetched_at = dt.datetime.now(dt.UTC)
    response = request(http, "GET", url, source=LABEL)
    content = response.content
    if not content.strip():
        raise FetchError(f"{LABEL}: {url} returned an empty file")
    if content.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
        raise FetchError(
            f"{LABEL}: {url} returned a web page, not the CSV export; check [sources.iom_mmp] url"
        )
    run = fetched_at.strftime("%Y%m%dT%H%M%S")
    name = Path(url.split("?")[0]).name or "mmp.csv"
    path = save_raw(
        Path(data_dir),
        SOURCE,
        run,
        name,
        content,
        url=url,
        status=response.status_code,
        headers=response.headers,
        extra={"file": name, "attribution": ATTRIBUTION, "seawatch_version": __version__},
    )
    data = read_mmp(path)
    data.provenance = json.loads(
        path.with_name(path.name + ".provenance.json").read_text(encoding="utf-8")
    )
    return data


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ------------------------------------------------------------------------------------ reading


def read_mmp(path: str | Path) -> MmpData:
    """Read an MMP export from a CSV or XLSX file.

    Raises
    ------
    DataError
        Unreadable file, or no MMP columns in it.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None
    if magic.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
        data = _parse_frame(frame, name=path.name)
    else:
        data = parse_mmp(path.read_bytes(), name=path.name)
    data.path = path
    return data


def _read_xlsx(path: Path) -> pd.DataFrame:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise DataError(
            f"{path.name} is not a readable XLSX workbook ({_first_line(exc)}): it may be cut "
            "short; download it again, or open it in Excel and save it again"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DataError(f"{path.name}: the first sheet is empty")
        names = [_cell_text(h) for h in header]
        width = len(names)
        data = [
            [_cell_text(v) for v in row[:width]] + [""] * (width - len(row))
            for row in rows
            if any(v is not None and v != "" for v in row)
        ]
    finally:
        workbook.close()
    return pd.DataFrame(data, columns=names, dtype=object)


def _cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def parse_mmp(buffer: bytes | str | io.IOBase, name: str | None = None) -> MmpData:
    """Parse an MMP CSV export.

    Parameters
    ----------
    buffer
        CSV as bytes (UTF-8 with or without BOM; Windows-1252 accepted), text, or a file object.
    name
        Shown in error messages.

    Returns
    -------
    MmpData
        Normalised records and rejected rows.
    """
    label = name or "MMP file"
    if hasattr(buffer, "read"):
        buffer = buffer.read()
    text = _decode(buffer, label) if isinstance(buffer, bytes) else buffer.removeprefix("\ufeff")
    if not text.strip():
        raise DataError(f"{label} is empty")
    sep = _separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False, sep=sep
        )
    except (pd.errors.ParserError, ValueError) as exc:
        names = {",": "commas", ";": "semicolons", "\t": "tabs"}
        raise DataError(
            f"{label} is not a readable CSV file ({_first_line(exc)}; read with {names[sep]} "
            "between columns); export it again from IOM or save it from Excel as "
            "'CSV UTF-8', then import it again"
        ) from None
    return _parse_frame(frame, name=label)


_LEGACY_ENCODINGS = {"cp1252": "Windows-1252 (Latin)", "cp1256": "Windows-1256 (Arabic)"}
"""Encodings of a CSV saved by Excel on a Western or an Arabic Windows; IOM's own exports are
UTF-8, partners' re-saved copies often are one of these."""


def _decode(data: bytes, label: str) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), UTF-16 with BOM (Excel "Unicode Text"), or
    Windows-1252 / Windows-1256 as told apart by charset_normalizer on the non-ASCII words.

    Reading Arabic Windows-1256 as Windows-1252 would store names as 'ÞÈÇáÉ ÒæÇÑÉ'; the choice
    is logged so an operator can check the names.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(
                f"{label} starts as UTF-16 text but is damaged; save it again as 'CSV UTF-8'"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:  # no text encoding above has NUL bytes: NetCDF, PDF, images...
        raise DataError(
            f"{label} is not a CSV or XLSX file (its content is binary); import the IOM "
            "Missing Migrants export itself (.csv or .xlsx)"
        )
    import charset_normalizer

    words = b" ".join(re.findall(rb'[^\s,;\t"]*[\x80-\xff][^\s,;\t"]*', data))
    best = charset_normalizer.from_bytes(words, cp_isolation=list(_LEGACY_ENCODINGS)).best()
    # Arabic only when told so: a few short non-ASCII words ("33°12.5'N", curly quotes, "–")
    # leave the detector undecided, and those files are Western Excel's, as they always were.
    encoding = "cp1256" if best is not None and best.encoding == "cp1256" else "cp1252"
    log.warning(
        "%s is not UTF-8: read as %s; if names look wrong, save it as 'CSV UTF-8' and import "
        "it again",
        label,
        _LEGACY_ENCODINGS[encoding],
    )
    return data.decode(encoding, errors="replace")


def _separator(text: str) -> str:
    """The column separator of a CSV: comma, semicolon (European Excel) or tab, by the header."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


# ------------------------------------------------------------------------------------ parsing


def _header_key(name: Any) -> str:
    """``"No. of Dead"`` -> ``"number dead"``: the form headers and aliases are compared in."""
    words = re.sub(r"[\W_]+", " ", str(name).replace("\ufeff", "").casefold()).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words if w not in ("of", "the"))


def _map_columns(columns: Iterable[Any], label: str) -> tuple[dict[str, Any], str]:
    by_key: dict[str, Any] = {}
    for column in columns:
        by_key.setdefault(_header_key(column), column)
    mapping: dict[str, Any] = {}
    for canonical, aliases in COLUMNS.items():
        for alias in map(_header_key, aliases):
            if alias in by_key:
                mapping[canonical] = by_key[alias]
                break
    if "id" not in mapping and "incident_id" in mapping:
        mapping["id"] = mapping["incident_id"]
    missing = [
        what
        for what, keys in (
            ("id column (Main ID or Web ID)", ("id",)),
            ("date column (Incident Date or Reported Date)", ("date", "year")),
            (
                "coordinates column (Coordinates or Location Coordinates)",
                ("coordinates", "latitude"),
            ),
        )
        if not any(k in mapping for k in keys)
    ]
    if missing:
        names = list(map(str, columns))
        found = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        raise DataError(
            f"{label} is not an IOM Missing Migrants export: it has no {', no '.join(missing)} "
            f"(its columns: {found}); import the file as downloaded from IOM, with its header row"
        )
    keys = set(by_key)
    if "web id" in keys or "reported date" in keys or "location coordinates" in keys:
        layout = "legacy"
    elif "incident type" in keys or "country of incident" in keys:
        layout = "alldata"
    else:
        layout = "per_year"
    return mapping, layout


def _clean_column(series: pd.Series) -> pd.Series:
    """Cells as stripped text ("" for empty), BOMs included; plain lists beat ``.str`` here."""
    values = [("" if v is None else str(v)).strip(_BLANKS) for v in series.tolist()]
    return pd.Series(values, index=series.index, dtype=object)


def _parse_frame(frame: pd.DataFrame, name: str) -> MmpData:
    mapping, layout = _map_columns(frame.columns, name)
    n = len(frame)
    index = pd.RangeIndex(n)
    frame = frame.reset_index(drop=True)

    cache: dict[str, pd.Series] = {}

    def col(key: str) -> pd.Series:
        if key not in cache:
            if key in mapping:
                cache[key] = _clean_column(frame[mapping[key]])
            else:
                cache[key] = pd.Series([""] * n, index=index, dtype=object)
        return cache[key]

    rows = pd.Series(np.arange(2, n + 2), index=index)
    reasons = pd.Series([None] * n, index=index, dtype=object)
    flags: list[list[str]] = [[] for _ in range(n)]

    def flag(mask: pd.Series | np.ndarray, name: str) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            flags[i].append(name)

    def reject(mask: pd.Series | np.ndarray, reason: pd.Series | str) -> None:
        mask = pd.Series(np.asarray(mask, dtype=bool), index=index) & reasons.isna()
        if isinstance(reason, str):
            reasons[mask] = reason
        else:
            reasons[mask] = reason[mask]

    # The most specific id: per-year exports give each part of a split incident its own row,
    # with the same Main ID and its own Incident ID; allData gives the whole split incident one
    # row, whose Incident ID lists the parts ("2014.MMP00129133,2014.MMP00129134"), so there
    # the Main ID names the row.
    main_id = col("id")
    source_id = main_id
    if "incident_id" in mapping and mapping["incident_id"] != mapping["id"]:
        part = col("incident_id")
        single = (part != "") & ~part.str.contains(",", regex=False)
        source_id = part.where(single, main_id)
        source_id = source_id.where(source_id != "", part)
    reject(source_id == "", "no IOM id (Main ID, Incident ID and Web ID are empty)")

    time, month_only, date_reason = _parse_dates(col("date"), col("year"), col("month"))
    reject(time.isna(), date_reason)
    flag(month_only, "date_month_only")

    lat, lon, coord_reason = _parse_coordinates(
        col("coordinates"), col("latitude"), col("longitude")
    )
    reject(lat.isna(), coord_reason)

    counts = {}
    for key in ("dead", "missing", "survivors"):
        counts[key], invalid = _parse_counts(col(key))
        flag(invalid, "invalid_count")

    quality = _parse_quality(col("quality"))
    incident_type = col("incident_type")
    kinds = [v.casefold() for v in incident_type]
    flag(np.array(["cumulative" in v for v in kinds], dtype=bool), "cumulative")
    # Split incidents: said so by the type, several ids joined in "Incident ID", or (per-year
    # exports) one Main ID on rows with different ids.
    joined_ids = np.array(["," in v for v in col("incident_id")], dtype=bool)
    ids = pd.DataFrame({"main": main_id, "own": source_id})
    ids = ids[ids["main"] != ""]
    parts = ids.groupby("main")["own"].transform("nunique").reindex(index, fill_value=1) > 1
    flag(np.array(["split" in v for v in kinds], dtype=bool) | joined_ids | parts, "split")

    country = col("country")

    ok = lat.notna().to_numpy()
    land = np.zeros(n, dtype=bool)
    far = np.zeros(n, dtype=bool)
    if ok.any():
        land[ok] = on_land(lat[ok].to_numpy(float), lon[ok].to_numpy(float))
        far[ok] = far_from_country(
            lat[ok].to_numpy(float), lon[ok].to_numpy(float), country[ok].to_numpy(object)
        )
    flag(land, "on_land")
    flag(far, "far_from_country")

    info = col("information_source")
    notes = pd.Series(
        [
            "; ".join(
                part
                for part in (
                    f"Information source: {i}" if i else "",
                    f"Country of incident: {c}" if c else "",
                )
                if part
            )
            or None
            for i, c in zip(info, country, strict=True)
        ],
        index=index,
        dtype=object,
    )

    def text(key: str) -> pd.Series:
        return pd.Series([v or None for v in col(key)], index=index, dtype=object)

    records = pd.DataFrame(
        {
            "row": rows,
            "source_id": source_id,
            "part_ids": pd.Series(
                [
                    [p.strip(_BLANKS) for p in v.split(",") if p.strip(_BLANKS)]
                    if "," in v
                    else None
                    for v in col("incident_id")
                ],
                index=index,
                dtype=object,
            ),
            "former_source_id": pd.Series(
                [m if m and m != s else None for m, s in zip(main_id, source_id, strict=True)],
                index=index,
                dtype=object,
            ),
            "time": time,
            "lat": lat,
            "lon": lon,
            "position_text": text("coordinates")
            if "coordinates" in mapping
            else pd.Series(
                [
                    f"{a}, {b}" if a and b else None
                    for a, b in zip(col("latitude"), col("longitude"), strict=True)
                ],
                index=index,
                dtype=object,
            ),
            "position_accuracy": "estimated",
            "persons": pd.array([pd.NA] * n, dtype="Int64"),
            "dead": counts["dead"],
            "missing": counts["missing"],
            "survivors": counts["survivors"],
            "boat_type": "unknown",
            "status": "closed",
            "source_quality": quality,
            "cause": text("cause"),
            "route": text("route"),
            "location": text("location"),
            "url": text("url"),
            "notes": notes,
            "flags": pd.Series([sorted(set(f)) for f in flags], index=index, dtype=object),
            "region": text("region"),
            "country": text("country"),
            "incident_type": text("incident_type"),
        },
        index=index,
    )
    bad = reasons.notna()
    rejected = pd.DataFrame(
        {
            "row": rows[bad].to_numpy(),
            "source_id": np.array([v or None for v in source_id[bad]], dtype=object),
            "reason": reasons[bad].to_numpy(dtype=object),
            "lat": lat[bad].to_numpy(),
            "lon": lon[bad].to_numpy(),
        }
    )
    good = records[~bad].reset_index(drop=True)
    log.debug("%s: %s layout, %d rows, %d rejected", name, layout, n, int(bad.sum()))
    absent = tuple(
        name for name, keys in _FIELD_COLUMNS.items() if not any(key in mapping for key in keys)
    )
    return MmpData(records=good, rejected=rejected, layout=layout, rows=n, absent=absent)


def _parse_counts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Counts as nullable Int64: blank -> <NA>; negative or unreadable -> <NA> plus a flag."""
    numbers = pd.to_numeric(values.where(values != "", None), errors="coerce")
    whole = numbers.notna() & (numbers >= 0) & (numbers == np.floor(numbers))
    invalid = (values != "") & ~whole
    result = numbers.where(whole).astype("Float64").astype("Int64")
    return result, invalid


def _parse_quality(values: pd.Series) -> pd.Series:
    """Source quality 1-5; multi-valued cells ("4,5") give the highest value."""
    out = []
    for value in values:
        levels = [int(v) for v in re.findall(r"\d+", value) if 1 <= int(v) <= 5]
        out.append(max(levels) if levels else pd.NA)
    return pd.Series(pd.array(out, dtype="Int64"), index=values.index)


def _parse_coordinates(
    coordinates: pd.Series, latitude: pd.Series, longitude: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Latitude, longitude (float, NaN when unreadable) and the reason for each failure."""
    index = coordinates.index
    lat = pd.Series(np.nan, index=index)
    lon = pd.Series(np.nan, index=index)
    reason = pd.Series("no coordinates", index=index, dtype=object)
    separate = (coordinates == "") & (latitude != "") & (longitude != "")
    if separate.any():
        coordinates = coordinates.where(~separate, latitude + ", " + longitude)
    pairs = coordinates.str.extract(_LAT_LON)
    found = pairs[0].notna()
    lat[found] = pairs.loc[found, 0].astype(float)
    lon[found] = pairs.loc[found, 1].astype(float)
    wkt = coordinates.str.extract(_WKT)
    found_wkt = wkt[0].notna() & ~found
    lon[found_wkt] = wkt.loc[found_wkt, 0].astype(float)
    lat[found_wkt] = wkt.loc[found_wkt, 1].astype(float)
    other = (coordinates != "") & lat.isna()
    if other.any():
        from seawatch.geo.positions import parse_position

        parsed: dict[str, tuple[float, float] | str] = {}
        for text in coordinates[other].unique():
            try:
                position = parse_position(text)
                parsed[text] = (position.lat, position.lon)
            except PositionError as exc:
                parsed[text] = f"unreadable coordinates: {exc}"
        for i in np.flatnonzero(other.to_numpy()):
            value = parsed[coordinates.iat[i]]
            if isinstance(value, tuple):
                lat.iat[i], lon.iat[i] = value
            else:
                reason.iat[i] = value
    bad_lat = lat.abs() > 90
    bad_lon = lon.abs() > 180
    for mask, values, label, limit in (
        (bad_lat, lat, "latitude", 90),
        (bad_lon, lon, "longitude", 180),
    ):
        if mask.any():
            reason[mask] = [
                f"{label} {v:g} is out of range (-{limit} to {limit})" for v in values[mask]
            ]
    invalid = bad_lat | bad_lon
    lat[invalid] = np.nan
    lon[invalid] = np.nan
    return lat, lon, reason


def _parse_dates(
    dates: pd.Series, years: pd.Series, months: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Incident times (UTC), whether only the month is known, and reasons for failures."""
    index = dates.index
    iso = dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?Z?")
    time = pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    if iso.any():
        time[iso] = pd.to_datetime(dates[iso], format="ISO8601", utc=True, errors="coerce")
    month_only = pd.Series(False, index=index)
    reason = pd.Series(None, index=index, dtype=object)
    rest = time.isna() & (dates != "")
    if rest.any():
        parsed = {text: _parse_date_text(text) for text in dates[rest].unique()}
        for i in np.flatnonzero(rest.to_numpy()):
            value = parsed[dates.iat[i]]
            if value is None or value[0] is None:
                reason.iat[i] = f"unreadable incident date {dates.iat[i]!r}"
            else:
                time.iat[i], month_only.iat[i] = value
    fallback = time.isna()
    if fallback.any():
        for i in np.flatnonzero(fallback.to_numpy()):
            value = _from_year_month(years.iat[i], months.iat[i])
            if value is not None:
                time.iat[i] = value
                month_only.iat[i] = True
                reason.iat[i] = None
            elif pd.isna(reason.iat[i]):
                reason.iat[i] = "no incident date (date, year and month are empty)"
    return time, month_only, reason


def _parse_date_text(text: str) -> tuple[pd.Timestamp, bool] | None:
    """One date as IOM has written it; returns (UTC timestamp, month only) or None."""
    text = text.strip()
    # Per-year export: "Thu, 01/01/2026 - 12:00" (month/day/year), also without weekday/time.
    m = re.fullmatch(
        r"(?:[A-Za-z]{3,9},?\s*)?(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*-?\s*(\d{1,2}):(\d{2}))?", text
    )
    if m:
        month, day, year = int(m[1]), int(m[2]), int(m[3])
        hour, minute = int(m[4] or 0), int(m[5] or 0)
        return _timestamp(year, month, day, hour, minute), False
    # Pre-2021 export: "January 6, 2014"; also "6 January 2014".
    m = re.fullmatch(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", text)
    if m and m[1].casefold() in _MONTHS:
        return _timestamp(int(m[3]), _MONTHS[m[1].casefold()], int(m[2])), False
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", text)
    if m and m[2].casefold() in _MONTHS:
        return _timestamp(int(m[3]), _MONTHS[m[2].casefold()], int(m[1])), False
    # XLSX quirks: DD.MM.YYYY, YYYY-MM-?? (day unknown), Excel serial day numbers.
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        return _timestamp(int(m[3]), int(m[2]), int(m[1])), False
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\?\?|-00|-xx)?", text, re.IGNORECASE)
    if m:
        return _timestamp(int(m[1]), int(m[2]), 1), True
    m = re.fullmatch(r"(\d{5})(?:\.\d+)?", text)
    if m and 20000 < float(text) < 80000:
        return pd.Timestamp(_EXCEL_EPOCH + dt.timedelta(days=int(float(text)))), False
    return None


def _timestamp(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> pd.Timestamp:
    try:
        return pd.Timestamp(dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC))
    except ValueError:
        return None  # type: ignore[return-value]


def _from_year_month(year: str, month: str) -> pd.Timestamp | None:
    if not year.isdigit() or not 1900 < int(year) < 2200:
        return None
    month_key = month.strip().casefold()
    number = _MONTHS.get(month_key) or (int(month_key) if month_key.isdigit() else None)
    if number is None or not 1 <= number <= 12:
        return None
    return _timestamp(int(year), number, 1)
