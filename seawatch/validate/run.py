"""Run a validation: incidents + hindcast -> matched rows -> scores -> report dictionary."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seawatch import __version__
from seawatch.errors import DataError
from seawatch.layers.capsize import Parameter, effective_table
from seawatch.schema import VESSELS
from seawatch.validate import designs
from seawatch.validate.conditions import (
    PLACEBO_DAYS,
    Conditions,
    Hindcast,
    Located,
    conditions,
    locate,
    lookup,
    vessel_of,
)
from seawatch.validate.settings import (
    MAX_DISTANCE_LIMIT_NM,
    MAX_DISTANCE_NM,
    MAX_WINDOW_DAYS,
    WINDOW_DAYS,
    distance_problem,
    window_problem,
)
from seawatch.validate.stats import score

PREDICTORS = {"index": "index", "hs": "hs", "wind": "wind"}
MISSES_TOP = 20
"""How many of the largest incidents scored Low the report lists: a reading list for a sceptical
reader, not a statistic."""
LOW_BELOW = 1.0
"""Index scores below 1 are level Low (floor(score) is the level, seawatch.schema)."""
UNITS = {"index": "per index level", "hs": "per metre of Hs", "wind": "per m/s of wind"}


def read_incidents(path: str | Path) -> pd.DataFrame:
    """Incidents from any file ``seawatch incidents import`` reads (IOM MMP CSV/XLSX)."""
    from seawatch.incidents.iom_mmp import read_mmp

    return read_mmp(path).records


def exposure_series(path: str | Path) -> pd.Series:
    """Daily boats-at-sea proxy from a CSV with a ``date`` column and one count column
    (arrivals + interceptions + deaths per day); returns log(1 + count) by day."""
    frame = pd.read_csv(path)
    cols = {c.lower().strip(): c for c in frame.columns}
    if "date" not in cols or len(frame.columns) < 2:
        raise DataError(
            f"{Path(path).name}: an exposure file needs a 'date' column and a daily count "
            "column (e.g. date,boats)"
        )
    count_col = next(c for c in frame.columns if c != cols["date"])
    days = pd.to_datetime(frame[cols["date"]], errors="coerce").dt.normalize()
    counts = pd.to_numeric(frame[count_col], errors="coerce")
    if days.isna().all() or counts.isna().all():
        raise DataError(f"{Path(path).name}: no readable dates or counts")
    return np.log1p(counts.clip(lower=0)).groupby(days).sum().rename("exposure")


def _departure_region(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Departure area of the nearest departure port (Libya, Tunisia) to each position."""
    from seawatch.geo.regions import ports

    dep = ports("departure")
    plat = dep.geometry.y.to_numpy()
    plon = dep.geometry.x.to_numpy()
    d = (lat[:, None] - plat[None, :]) ** 2 + (
        (lon[:, None] - plon[None, :]) * np.cos(np.deg2rad(lat[:, None]))
    ) ** 2
    area = dep["departure_area"].fillna(dep["country"]).to_numpy()
    return area[d.argmin(axis=1)] if len(dep) else np.full(lat.size, "all")


def _span(times: pd.Series, lat: pd.Series, lon: pd.Series) -> str:
    ok = times.notna() & lat.notna() & lon.notna()
    if not ok.any():
        return "no dated, positioned incidents"
    t, y, x = times[ok], lat[ok], lon[ok]
    return (
        f"{t.min():%Y-%m-%d} to {t.max():%Y-%m-%d}, {y.min():.2f}-{y.max():.2f} N "
        f"{x.min():.2f}-{x.max():.2f} E"
    )


@dataclass
class _Incidents:
    """The incident table with parsed times, positions, tolls and the reasons no setting changes."""

    frame: pd.DataFrame
    times: pd.Series
    lat: pd.Series
    lon: pd.Series
    reason: pd.Series
    toll: pd.Series

    @property
    def day(self) -> pd.Series:
        return self.times.dt.normalize()


def _incidents(incidents: pd.DataFrame) -> _Incidents:
    inc = incidents.reset_index(drop=True).copy()
    n_in = len(inc)
    times = pd.to_datetime(inc.get("time"), utc=True, errors="coerce")
    times = times.dt.tz_convert(None) if times is not None else pd.Series(pd.NaT, index=inc.index)
    lat = pd.to_numeric(inc.get("lat"), errors="coerce")
    lon = pd.to_numeric(inc.get("lon"), errors="coerce")
    reason = pd.Series("", index=inc.index, dtype=object)
    flags = inc["flags"] if "flags" in inc else pd.Series([[]] * n_in)
    cumulative = flags.map(lambda f: "cumulative" in (f if isinstance(f, list | tuple) else []))
    reason[cumulative.to_numpy()] = "cumulative row (no single date or place)"
    reason[(reason == "") & times.isna()] = "undated"
    reason[(reason == "") & (lat.isna() | lon.isna())] = "no position"
    dead = pd.to_numeric(inc.get("dead"), errors="coerce")
    missing = pd.to_numeric(inc.get("missing"), errors="coerce")
    dead = dead.fillna(0) if dead is not None else pd.Series(0, index=inc.index)
    missing = missing.fillna(0) if missing is not None else pd.Series(0, index=inc.index)
    return _Incidents(inc, times, lat, lon, reason, dead + missing)


@dataclass
class _Setup:
    """Which incidents are scored, where and how, under one setting of the stated choices."""

    window_days: int
    max_distance_nm: float
    unknown_boat_as: str
    reason: pd.Series
    usable: np.ndarray
    where: Located
    cases: pd.DataFrame
    rows: pd.DataFrame


def _setup(
    hindcast: Hindcast,
    inc: _Incidents,
    design: str,
    window_days: int,
    max_distance_nm: float,
    unknown_boat_as: str = "rubber_dinghy",
) -> _Setup:
    days_before = window_days - 1
    reason = inc.reason.copy()
    lat, lon = inc.lat, inc.lon
    where = locate(hindcast, lat.fillna(0).to_numpy(), lon.fillna(0).to_numpy(), max_distance_nm)
    pending = (reason == "").to_numpy()
    reason[pending & (where.reason != "")] = where.reason[pending & (where.reason != "")]
    start, end = hindcast.period()
    first_ok = start.normalize() + pd.Timedelta(days=days_before + 1)
    last_ok = end.normalize() - pd.Timedelta(days=PLACEBO_DAYS[1] + 1)
    out_of_time = (inc.day < first_ok) | (inc.day > last_ok)
    reason[(reason == "") & out_of_time] = "outside the hindcast period"

    fatal = inc.toll > 0
    if design == "within-exposed" and not designs.has_both_outcomes(fatal[reason == ""]):
        raise DataError(
            "the within-exposed design needs boats at sea with and without deaths; this "
            "incident file has only "
            + ("fatal" if bool(fatal[reason == ""].all()) else "non-fatal")
            + " ones: use --design case-crossover"
        )
    usable = (reason == "").to_numpy()
    if not usable.any():
        raise DataError(
            f"0 incidents covered: the incidents span {_span(inc.times, lat, lon)}; the "
            f"hindcast covers {hindcast.describe()} (cases need {days_before} day(s) before "
            f"and {PLACEBO_DAYS[1]} after inside it; sea cells within {max_distance_nm:g} NM)"
        )
    n_in = len(inc.frame)
    vessel = vessel_of(inc.frame.get("boat_type"), n_in, unknown_boat_as)
    cases = pd.DataFrame(
        {
            "incident": np.flatnonzero(usable),
            "day": inc.day[usable].to_numpy(),
            "cell": where.cell[usable],
            "vessel": vessel[usable],
        }
    )
    if design == "case-crossover":
        rows = designs.case_crossover(cases)
    else:
        cases["fatal"] = fatal[usable].to_numpy()
        cases["region"] = _departure_region(lat[usable].to_numpy(), lon[usable].to_numpy())
        rows = designs.within_exposed(cases)
    return _Setup(window_days, max_distance_nm, unknown_boat_as, reason, usable, where, cases,
                  rows)  # fmt: skip


def _scored_rows(
    setup: _Setup, cond: Conditions, hindcast: Hindcast
) -> tuple[pd.DataFrame, int, dict[str, int]]:
    """The matched rows with complete conditions, the incidents covered and the drop reasons."""
    rows = lookup(cond, setup.rows, setup.window_days - 1)
    needed = ["index", "hs", "placebo"] + (["wind"] if bool(np.isfinite(cond.wind).any()) else [])
    rows = rows[rows[needed].notna().all(axis=1)]
    both = rows.groupby("stratum")["case"].transform(lambda c: 0 < c.sum() < len(c))
    rows = rows[both.astype(bool)].copy()
    rows["stratum"] = pd.factorize(rows["stratum"], sort=True)[0]
    covered = int(rows.loc[rows["case"] == 1, "incidents"].sum())
    lost = int(setup.usable.sum()) - covered
    dropped = Counter(r for r in setup.reason if r)
    if lost > 0:
        dropped["no complete conditions on the case day or its matches"] += lost
    if rows.empty or rows["case"].sum() == 0:
        raise DataError(
            f"0 incidents covered: {setup.usable.sum()} incidents fall in the hindcast "
            f"({hindcast.describe()}) but none has complete conditions with matches"
        )
    return rows, covered, dict(dropped)


def sensitivity_settings(
    window_days: int, max_distance_nm: float, any_unknown_boat: bool
) -> list[dict[str, Any]]:
    """The alternatives the report scores beside the main setting: one day shorter and longer
    window, half and double the distance, and unknown boats as wooden boats."""
    main = {"window_days": window_days, "max_distance_nm": max_distance_nm,
            "unknown_boat_as": "rubber_dinghy"}  # fmt: skip
    out = []
    if window_days > 1:
        out.append({"name": "shorter window", **main, "window_days": window_days - 1})
    if window_days < MAX_WINDOW_DAYS:
        out.append({"name": "longer window", **main, "window_days": window_days + 1})
    out.append({"name": "smaller distance", **main, "max_distance_nm": max_distance_nm / 2})
    if max_distance_nm < MAX_DISTANCE_LIMIT_NM:
        out.append({"name": "larger distance", **main,
                    "max_distance_nm": min(2 * max_distance_nm, MAX_DISTANCE_LIMIT_NM)})  # fmt: skip
    wooden = {"name": "unknown boats as wooden boats", **main, "unknown_boat_as": "wooden_boat"}
    if not any_unknown_boat:
        wooden["note"] = "not applicable: every covered incident has a known boat type"
    out.append(wooden)
    return out


def _summary(
    setting: Mapping[str, Any], scores: Mapping[str, Any] | None, covered: int, n_cases: int
) -> dict[str, Any]:
    entry = {k: setting[k] for k in ("name", "window_days", "max_distance_nm", "unknown_boat_as")}
    entry.update(covered=covered, n_cases=n_cases, index_auc=None, hs_auc=None,
                 delta_auc=None, delta_ci=None, note=setting.get("note"))  # fmt: skip
    if scores is not None:
        delta = scores["delta_auc_index_minus_hs"]
        entry.update(index_auc=scores["predictors"]["index"]["auc"],
                     hs_auc=scores["predictors"]["hs"]["auc"], delta_auc=delta["value"],
                     delta_ci=delta["ci"])  # fmt: skip
    return entry


def _misses(
    inc: _Incidents, setup: _Setup, cond: Conditions, rows: pd.DataFrame, design: str, top: int
) -> dict[str, Any]:
    """The covered incidents with deaths whose index was Low, largest toll first."""
    from seawatch.geo.positions import format_ddm

    cases = setup.cases[["incident", "day", "cell", "vessel"]]
    scored = rows.loc[rows["case"] == 1, ["day", "cell"]].drop_duplicates()
    cases = cases.merge(scored, on=["day", "cell"], how="inner")
    look = lookup(cond, cases, setup.window_days - 1)
    toll = inc.toll.to_numpy()[look["incident"].to_numpy()]
    low = (look["index"].to_numpy() < LOW_BELOW) & (toll > 0)
    picked = look[low].assign(toll=toll[low])
    picked = picked.sort_values(["toll", "day"], ascending=[False, True], kind="stable")
    frame = inc.frame
    listed = []
    for r in picked.head(top).to_dict("records"):
        i = int(r["incident"])
        lat, lon = float(inc.lat[i]), float(inc.lon[i])
        boat = frame["boat_type"][i] if "boat_type" in frame else None
        listed.append(
            {
                "id": str(frame["source_id"][i]) if "source_id" in frame else str(i + 1),
                "time": f"{inc.times[i]:%Y-%m-%d %H:%M}",
                "lat": lat,
                "lon": lon,
                "position": format_ddm(lat, lon),
                "dead_missing": int(r["toll"]),
                "boat_type": "unknown" if boat is None or pd.isna(boat) else str(boat),
                "scored_as": VESSELS[int(r["vessel"])],
                "index": float(r["index"]),
                "hs": float(r["hs"]),
                "wind": float(r["wind"]) if np.isfinite(r["wind"]) else None,
                "sea_cell_nm": float(setup.where.distance_nm[i]),
            }
        )
    return {
        "rule": f"covered incidents with dead + missing > 0 whose index (max over the "
        f"{setup.window_days}-day window, at their sea cell, for their boat) was Low "
        f"(score below {LOW_BELOW:g}); the {top} with most dead + missing",
        "n_low": int(low.sum()),
        "dead_missing_low": int(toll[low].sum()),
        "n_fatal_covered": int((toll > 0).sum()),
        "dead_missing_covered": int(toll[toll > 0].sum()),
        "incidents": listed,
    }


def validate(
    hindcast: Hindcast,
    incidents: pd.DataFrame,
    design: str = "case-crossover",
    exposure: pd.Series | None = None,
    table: Mapping[str, Parameter] | None = None,
    max_distance_nm: float = MAX_DISTANCE_NM,
    window_days: int = WINDOW_DAYS,
    n_boot: int = 1000,
    seed: int = 1,
    sensitivity: bool = True,
    misses_top: int = MISSES_TOP,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Score the index against incidents; returns the report dictionary and the scored rows.

    ``window_days`` (1..7): UTC days ending on the incident day over which daily maxima are
    taken. ``max_distance_nm``: incidents farther than this from any sea cell are dropped.
    With ``sensitivity`` the main result is scored again under the alternatives of
    :func:`sensitivity_settings`, on the same loaded hindcast (conditions are computed once
    for the union of the cells every setting needs).

    Raises
    ------
    DataError
        ``0 incidents covered ...`` when no incident falls in the hindcast's space and time, an
        unknown design, a window or distance out of range, or a within-exposed design on a
        file without non-fatal boats.
    """
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        raise DataError(
            "seawatch validate needs statsmodels: pip install 'seawatch[validate]'"
        ) from None
    if design not in designs.DESIGNS:
        raise DataError(f"unknown design {design!r}; known: {', '.join(designs.DESIGNS)}")
    check_settings(window_days, max_distance_nm)
    table = table or effective_table()
    inc = _incidents(incidents)
    n_in = len(inc.frame)
    main = _setup(hindcast, inc, design, window_days, max_distance_nm)

    variants: list[tuple[dict[str, Any], _Setup | None]] = []
    if sensitivity:
        boat = inc.frame.get("boat_type")
        unknown = vessel_of(boat, n_in, "wooden_boat") != vessel_of(boat, n_in)
        for setting in sensitivity_settings(
            window_days, max_distance_nm, bool(unknown[main.usable].any())
        ):
            if setting.get("note"):
                variants.append((setting, None))
                continue
            try:
                variants.append((setting, _setup(hindcast, inc, design, setting["window_days"],
                                                  setting["max_distance_nm"],
                                                  setting["unknown_boat_as"])))  # fmt: skip
            except DataError as exc:
                variants.append(({**setting, "note": str(exc)}, None))
    cells = np.unique(
        np.concatenate([main.rows["cell"].to_numpy()]
                       + [s.rows["cell"].to_numpy() for _, s in variants if s is not None])
    )  # fmt: skip
    cond = conditions(hindcast, cells, table)
    rows, covered_incidents, dropped = _scored_rows(main, cond, hindcast)
    if exposure is not None:
        rows["exposure"] = exposure.reindex(pd.DatetimeIndex(rows["day"])).to_numpy()
    has_wind = bool(np.isfinite(cond.wind).any())
    predictors = dict(PREDICTORS) if has_wind else {k: v for k, v in PREDICTORS.items()
                                                    if k != "wind"}  # fmt: skip
    scores = score(rows, predictors, "placebo", design, n_boot=n_boot, seed=seed)
    if not has_wind:
        scores["predictors"]["wind"] = {"auc": None, "auc_ci": None, "odds_ratio": None,
                                        "or_ci": None, "or_note": "no wind in the hindcast"}  # fmt: skip
    placebo_hs = score(rows.assign(index=rows["placebo_hs"]), {"index": "index", "hs": "hs"},
                       "placebo", design, n_boot=min(n_boot, 200), seed=seed,
                       odds_ratios=False)  # fmt: skip
    n_cases = int(rows["case"].sum())

    sens: list[dict[str, Any]] = []
    if sensitivity:
        as_run = {"name": "as run", "window_days": window_days,
                  "max_distance_nm": max_distance_nm, "unknown_boat_as": "rubber_dinghy"}  # fmt: skip
        sens.append(_summary(as_run, scores, covered_incidents, n_cases))
        for setting, setup in variants:
            if setup is None:
                sens.append(_summary(setting, None, 0, 0))
                continue
            try:
                v_rows, v_covered, _ = _scored_rows(setup, cond, hindcast)
                v_scores = score(v_rows, predictors, "placebo", design, n_boot=n_boot, seed=seed,
                                 odds_ratios=False)  # fmt: skip
                sens.append(_summary(setting, v_scores, v_covered, int(v_rows["case"].sum())))
            except DataError as exc:
                sens.append(_summary({**setting, "note": str(exc)}, None, 0, 0))

    window = f"max over days D-{window_days - 1}..D (UTC days)" if window_days > 1 else (
        "max over day D (UTC day)")  # fmt: skip
    settings = {
        "window_days": window_days,
        "window": window,
        "max_distance_nm": max_distance_nm,
        "unknown_boat_as": "rubber_dinghy",
    }
    report: dict[str, Any] = {
        "design": design,
        "n_cases": n_cases,
        "n_referents": int((rows["case"] == 0).sum()),
        "covered": covered_incidents,
        "dropped": dropped,
        "predictors": scores["predictors"],
        "delta_auc_index_minus_hs": scores["delta_auc_index_minus_hs"],
        "placebo": scores["placebo"],
        "verdict": scores["verdict"],
        "settings": settings,
        "sensitivity": sens if sensitivity else None,
        "misses": _misses(inc, main, cond, rows, design, misses_top),
        "details": {
            "incidents_read": n_in,
            "n_needed": scores["n_needed"],
            "placebo_hs_auc": placebo_hs["predictors"]["index"]["auc"],
            "units": UNITS,
            "window": window,
            "window_days": window_days,
            "placebo_window": f"max over days D+{PLACEBO_DAYS[0]}..D+{PLACEBO_DAYS[1]}",
            "max_distance_nm": max_distance_nm,
            "snap_km_median": float(np.nanmedian(main.where.distance_km[main.usable])),
            "snap_km_max": float(np.nanmax(main.where.distance_km[main.usable])),
            "snap_nm_median": float(np.nanmedian(main.where.distance_nm[main.usable])),
            "snap_nm_max": float(np.nanmax(main.where.distance_nm[main.usable])),
            "hindcast": hindcast.describe(),
            "hindcast_step_hours": cond.step_hours,
            "hindcast_files": hindcast.files,
            "notes": cond.notes,
            "vessels": {
                v: int((rows.loc[rows["case"] == 1, "vessel"] == i).sum())
                for i, v in enumerate(VESSELS)
            },
            "n_boot": n_boot,
            "seed": seed,
            "seawatch_version": __version__,
            "language": "English only (this report is for analysts; not translated)",
        },
    }
    if exposure is not None:
        report["details"]["exposure"] = _exposure_adjusted(rows)
    return report, rows


def check_settings(window_days: Any, max_distance_nm: Any) -> None:
    """Raise a one-line :class:`DataError` when the window or the distance is out of range."""
    problem = window_problem(window_days) or distance_problem(max_distance_nm)
    if problem:
        raise DataError(problem)


def _exposure_adjusted(rows: pd.DataFrame) -> dict[str, Any]:
    """Odds ratios of each predictor with log(1 + boats at sea) as a second covariate."""
    import warnings

    from statsmodels.discrete.conditional_models import ConditionalLogit

    ok = rows["exposure"].notna()
    out: dict[str, Any] = {"rows_with_exposure": int(ok.sum())}
    sub = rows[ok]
    for key in PREDICTORS:
        if key not in sub or sub[key].isna().all():
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = ConditionalLogit(
                    sub["case"].to_numpy(float),
                    sub[[key, "exposure"]].to_numpy(float),
                    groups=sub["stratum"].to_numpy(),
                ).fit(disp=0)
            beta = float(np.asarray(fit.params)[0])
            lo, hi = np.asarray(fit.conf_int())[0]
            out[key] = {"odds_ratio": float(np.exp(beta)),
                        "or_ci": [float(np.exp(lo)), float(np.exp(hi))]}  # fmt: skip
        except (np.linalg.LinAlgError, ValueError) as exc:
            out[key] = {"odds_ratio": None, "or_ci": None, "note": str(exc)}
    return out


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file, for the provenance block."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def json_keys(report: Mapping[str, Any]) -> dict[str, Any]:
    """The ``--json`` view: exactly the documented keys."""
    preds = {
        k: {f: report["predictors"][k][f] for f in ("auc", "auc_ci", "odds_ratio", "or_ci")}
        for k in PREDICTORS
    }
    delta = report["delta_auc_index_minus_hs"]
    return {
        "design": report["design"],
        "n_cases": report["n_cases"],
        "n_referents": report["n_referents"],
        "covered": report["covered"],
        "dropped": report["dropped"],
        "predictors": preds,
        "delta_auc_index_minus_hs": {"value": delta["value"], "ci": delta["ci"]},
        "placebo": {"auc": report["placebo"]["auc"], "verdict": report["placebo"]["verdict"]},
        "verdict": report["verdict"],
        "settings": {k: report["settings"][k] for k in ("window_days", "max_distance_nm")},
        "sensitivity": report.get("sensitivity"),
    }


__all__: Sequence[str] = ["exposure_series", "json_keys", "read_incidents", "validate"]
