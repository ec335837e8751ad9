"""Bulk paths of the store: column-wise validation of imports and driver-level inserts.

Validating and inserting tens of thousands of rows one dict at a time through the ORM costs
seconds; here each rule runs once over a column, and rows go to the driver's ``executemany``
with values already in the database's form. The rules and messages are those of
:mod:`seawatch.incidents.validate`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from seawatch.errors import DataError, PositionError
from seawatch.incidents.model import (
    BOAT_TYPES,
    EDITABLE_FIELDS,
    SOURCE_FIELDS,
    STATUSES,
    UTCDateTime,
)
from seawatch.incidents.validate import COUNT_FIELDS, FUTURE_TOLERANCE, TEXT_LIMITS, clean_flags
from seawatch.jsonutil import dumps

__all__ = [
    "creation_changes",
    "db_datetime",
    "db_datetimes",
    "hash_values",
    "insert_rows",
    "prepare_frame",
    "python_columns",
    "source_hashes",
    "source_values",
]

_META = ("row", "position", "former_source_id")
_TEXT_FIELDS = (
    "position_text",
    "position_accuracy",
    "source_id",
    "cause",
    "route",
    "location",
    "url",
    "notes",
)


def _as_frame(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(records, pd.DataFrame):
        return records.reset_index(drop=True)
    return pd.DataFrame.from_records(list(records))


def _missing(values: pd.Series) -> np.ndarray:
    out = values.isna().to_numpy(dtype=bool, copy=True)
    if values.dtype == object:
        out |= np.array([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
    return out


def _text_column(values: pd.Series) -> list[str | None]:
    return [
        (v.strip() or None) if isinstance(v, str) else None if _is_na(v) else str(v).strip() or None
        for v in values.tolist()
    ]


def _is_na(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def prepare_frame(
    records: Iterable[Mapping[str, Any]] | pd.DataFrame,
    source: str,
    now: dt.datetime,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Validate import records column by column.

    Parameters
    ----------
    records
        Record dicts or a DataFrame with record columns, plus optional ``row`` and
        ``former_source_id`` (an id the source used for the record before; see
        :meth:`IncidentStore.import_records`).
    source
        Source name; overrides any ``source`` column.
    now
        Reference time for the "in the future" check.

    Returns
    -------
    frame
        Accepted rows: ``row``, every editable field and ``former_source_id``, normalised
        (times UTC, counts as nullable integers, text stripped or None, flags as sorted lists).
    rejected
        ``{"row", "source_id", "reason"}`` per rejected record, first problem only.

    Raises
    ------
    DataError
        A column that is not a record field (a programming error, not a data error).
    """
    frame = _as_frame(records)
    unknown = [c for c in frame.columns if c not in EDITABLE_FIELDS and c not in _META]
    if unknown:
        raise DataError(f"unknown field {', '.join(map(repr, sorted(map(str, unknown))))}")
    n = len(frame)
    index = pd.RangeIndex(n)
    reasons = pd.Series([None] * n, index=index, dtype=object)

    def reject(mask: np.ndarray | pd.Series, reason: str | Callable[[int], str]) -> None:
        """Give rows in ``mask`` that have no reason yet this one (messages built lazily)."""
        mask = np.asarray(mask, dtype=bool) & reasons.isna().to_numpy()
        for i in np.flatnonzero(mask):
            reasons.iat[i] = reason if isinstance(reason, str) else reason(i)

    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name]
        return pd.Series([None] * n, index=index, dtype=object)

    out = pd.DataFrame(index=index)
    row_numbers = column("row")
    out["row"] = np.where(row_numbers.isna(), np.arange(1, n + 1), row_numbers).astype(int)

    for name in _TEXT_FIELDS:
        out[name] = pd.Series(_text_column(column(name)), index=index, dtype=object)
    if "position" in frame.columns:
        alias = pd.Series(_text_column(frame["position"]), index=index, dtype=object)
        out["position_text"] = out["position_text"].where(out["position_text"].notna(), alias)
    out["former_source_id"] = pd.Series(
        _text_column(column("former_source_id")), index=index, dtype=object
    )
    out["source"] = source
    source_id = out["source_id"]
    reject(source_id.isna(), "no source id")
    first_row = out["row"].groupby(source_id).transform("first")
    duplicate = source_id.notna() & source_id.duplicated(keep="first")
    reject(duplicate, lambda i: f"same id as row {int(first_row.iat[i])}; kept the first")

    for name, limit in TEXT_LIMITS.items():
        if name in out.columns:
            lengths = np.array([len(v) if v else 0 for v in out[name]])
            reject(
                lengths > limit,
                lambda i, name=name, limit=limit, lengths=lengths: (
                    f"{name} is {lengths[i]} characters long; the limit is {limit}"
                ),
            )

    raw_time = column("time")
    time = pd.to_datetime(raw_time, utc=True, errors="coerce", format="mixed")
    missing_time = _missing(raw_time)
    reject(missing_time, "time is required")
    reject(time.isna().to_numpy(), lambda i: f"time {raw_time.iat[i]!r} is not a date and time")
    reject((time > now + FUTURE_TOLERANCE).to_numpy(), "time is in the future")
    reject((time.dt.year < 1900).to_numpy(), "time is before 1900")
    out["time"] = time

    lat = pd.to_numeric(column("lat"), errors="coerce").astype(float)
    lon = pd.to_numeric(column("lon"), errors="coerce").astype(float)
    need_parse = (lat.isna() | lon.isna()) & out["position_text"].notna()
    if need_parse.any():
        from seawatch.geo.positions import parse_position

        for i in np.flatnonzero(need_parse.to_numpy()):
            try:
                position = parse_position(out["position_text"].iat[i])
            except PositionError as exc:
                reasons.iat[i] = reasons.iat[i] or str(exc)
                continue
            lat.iat[i], lon.iat[i] = position.lat, position.lon
    reject(
        (lat.isna() | lon.isna()).to_numpy(),
        "a position is required: give the position text, or lat and lon",
    )
    for values, label, limit in ((lat, "latitude", 90), (lon, "longitude", 180)):
        reject(
            (values.abs() > limit).to_numpy(),
            lambda i, values=values, label=label, limit=limit: (
                f"{label} {values.iat[i]:g} is out of range (-{limit} to {limit})"
            ),
        )
    out["lat"], out["lon"] = lat, lon

    for name in (*COUNT_FIELDS, "source_quality"):
        raw = column(name)
        numbers = pd.to_numeric(raw, errors="coerce").astype(float)
        unreadable = numbers.isna().to_numpy() & ~_missing(raw)

        def message(template: str, values: pd.Series, name: str = name) -> Callable[[int], str]:
            return lambda i: template.format(name=name, v=values.iat[i])

        reject(unreadable, message("{name} {v!r} is not a whole number", raw))
        fractional = numbers.notna() & (numbers != np.floor(numbers))
        reject(fractional.to_numpy(), message("{name} {v} is not a whole number", raw))
        if name == "source_quality":
            bad = numbers.notna() & ~numbers.between(1, 5)
            reject(bad.to_numpy(), message("{name} {v:g} must be 1 to 5", numbers))
        else:
            reject(
                (numbers < 0).to_numpy(),
                message("{name} {v:g} must be 0 or more (leave it empty if unknown)", numbers),
            )
            reject(
                (numbers > 100_000).to_numpy(),
                message("{name} {v:g} is not plausible for one incident", numbers),
            )
        out[name] = numbers.where(numbers.notna() & (numbers == np.floor(numbers))).astype("Int64")

    for name, choices, default in (
        ("boat_type", BOAT_TYPES, "unknown"),
        ("status", STATUSES, "closed"),
    ):
        values = [
            (v.strip().casefold() or default) if isinstance(v, str) else default
            for v in column(name).where(column(name).notna(), None).tolist()
        ]
        values = ["fibreglass" if v == "fiberglass" else v for v in values]
        reject(
            np.array([v not in choices for v in values]),
            lambda i, name=name, values=values, choices=choices: (
                f"{name} {values[i]!r} must be one of {', '.join(choices)}"
            ),
        )
        out[name] = pd.Series(values, index=index, dtype=object)

    raw_flags = column("flags")
    flags, bad_flags = [], []
    for value in raw_flags.tolist():
        try:
            flags.append(clean_flags(value))
            bad_flags.append(False)
        except DataError:
            flags.append([])
            bad_flags.append(True)
    reject(np.array(bad_flags), lambda i: f"flags must be a list of words, got {raw_flags.iat[i]}")
    out["flags"] = pd.Series(flags, index=index, dtype=object)

    persons = out["persons"]
    known = out[["dead", "missing", "survivors"]].fillna(0).sum(axis=1)
    too_many = (persons.notna() & (known > persons.fillna(0))).to_numpy(dtype=bool)
    reject(
        too_many,
        lambda i: (
            f"dead + missing + survivors ({known.iat[i]}) is more than persons on board "
            f"({persons.iat[i]})"
        ),
    )

    bad = reasons.notna().to_numpy()
    rejected = [
        {"row": int(r), "source_id": s, "reason": reason}
        for r, s, reason in zip(out["row"][bad], source_id[bad], reasons[bad], strict=True)
    ]
    accepted = out[~bad].reset_index(drop=True)
    return accepted[["row", *EDITABLE_FIELDS, "former_source_id"]], rejected


def python_columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Columns as lists of plain Python values (None for missing, aware datetimes)."""
    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        series = frame[name]
        if name == "time":
            columns[name] = list(series.array.to_pydatetime())
            naive = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
            text = np.datetime_as_string(naive, unit="us").tolist()  # 2025-04-05T06:30:00.000000
            columns["time_iso"] = [t[:-7] + "Z" if t.endswith(".000000") else t + "Z" for t in text]
            columns["time_sqlite"] = [f"{t[:10]} {t[11:]}" for t in text]
        elif name == "flags":
            columns[name] = list(series)
        elif str(series.dtype) == "Int64":
            columns[name] = [None if v is pd.NA else int(v) for v in series.astype(object)]
        elif series.dtype.kind == "f":
            columns[name] = [float(v) for v in series]
        else:
            columns[name] = [None if v is None or v is pd.NA else v for v in series.astype(object)]
    return columns


def _json_lists(columns: Mapping[str, list[Any]], names: Sequence[str]) -> list[list[Any]]:
    return [columns["time_iso"] if n == "time" else columns[n] for n in names]


def source_hashes(columns: Mapping[str, list[Any]]) -> list[str]:
    """Hash of the fields an import sets, per row (stable across runs and processes)."""
    blake2b = hashlib.blake2b
    return [
        blake2b(repr(values).encode("utf-8"), digest_size=16).hexdigest()
        for values in zip(*_json_lists(columns, SOURCE_FIELDS), strict=True)
    ]


def hash_values(values: Mapping[str, Any]) -> str:
    """:func:`source_hashes` of one row given as :func:`source_values` returns it."""
    row = tuple(values.get(name) for name in SOURCE_FIELDS)
    return hashlib.blake2b(repr(row).encode("utf-8"), digest_size=16).hexdigest()


def source_values(columns: Mapping[str, list[Any]], i: int) -> dict[str, Any]:
    """JSON-ready values of the fields an import sets, for row ``i``."""
    lists = _json_lists(columns, SOURCE_FIELDS)
    return {name: values[i] for name, values in zip(SOURCE_FIELDS, lists, strict=True)}


def creation_changes(columns: Mapping[str, list[Any]]) -> list[str]:
    """History ``changes`` JSON of newly created records: ``{field: [null, value]}``."""
    empty = (None, "")
    return [
        dumps(
            {
                name: [None, value]
                for name, value in zip(EDITABLE_FIELDS, values, strict=True)
                if value not in empty and value != []
            }
        )
        for values in zip(*_json_lists(columns, EDITABLE_FIELDS), strict=True)
    ]


def db_datetimes(conn: sa.Connection, columns: Mapping[str, list[Any]]) -> list[Any]:
    """The ``time`` column in the form the database stores.

    SQLite keeps naive UTC text and compares it as text, so the format must be exactly the one
    SQLAlchemy writes (``YYYY-MM-DD HH:MM:SS.ffffff``); other databases take datetimes.
    """
    if conn.dialect.name == "sqlite":
        return columns["time_sqlite"]
    return columns["time"]


def db_datetime(conn: sa.Connection, value: dt.datetime) -> Any:
    """One datetime in the form the database stores (see :func:`db_datetimes`)."""
    processor = UTCDateTime().bind_processor(conn.dialect)
    return processor(value) if processor else value


def insert_rows(
    conn: sa.Connection, table: sa.Table, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """``executemany`` straight to the driver (``COPY`` on PostgreSQL with psycopg).

    Values must already be in the database's form: JSON as text and datetimes through
    :func:`db_datetimes` (SQLite compares times as text, so the format must be SQLAlchemy's).
    """
    if not rows:
        return
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        # COPY is several times faster than executemany, inside the same transaction.
        driver = conn.connection.driver_connection
        columns = ", ".join(quote(n) for n in names)
        statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([placeholder] * len(names))})"
    )
    conn.exec_driver_sql(sql, rows)
