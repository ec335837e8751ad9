"""Run a validation: incidents + hindcast -> matched rows -> scores -> report dictionary."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
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
    DAYS_BEFORE,
    PLACEBO_DAYS,
    TOLERANCE_DEG,
    Hindcast,
    conditions,
    locate,
    lookup,
    vessel_of,
)
from seawatch.validate.stats import score

PREDICTORS = {"index": "index", "hs": "hs", "wind": "wind"}
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


def validate(
    hindcast: Hindcast,
    incidents: pd.DataFrame,
    design: str = "case-crossover",
    exposure: pd.Series | None = None,
    table: Mapping[str, Parameter] | None = None,
    tolerance_deg: float = TOLERANCE_DEG,
    days_before: int = DAYS_BEFORE,
    n_boot: int = 1000,
    seed: int = 1,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Score the index against incidents; returns the report dictionary and the scored rows.

    Raises
    ------
    DataError
        ``0 incidents covered ...`` when no incident falls in the hindcast's space and time, an
        unknown design, or a within-exposed design on a file without non-fatal boats.
    """
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        raise DataError(
            "seawatch validate needs statsmodels: pip install 'seawatch[validate]'"
        ) from None
    if design not in designs.DESIGNS:
        raise DataError(f"unknown design {design!r}; known: {', '.join(designs.DESIGNS)}")
    table = table or effective_table()
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

    where = locate(hindcast, lat.fillna(0).to_numpy(), lon.fillna(0).to_numpy(), tolerance_deg)
    pending = (reason == "").to_numpy()
    reason[pending & (where.reason != "")] = where.reason[pending & (where.reason != "")]
    start, end = hindcast.period()
    day = times.dt.normalize()
    first_ok = start.normalize() + pd.Timedelta(days=days_before + 1)
    last_ok = end.normalize() - pd.Timedelta(days=PLACEBO_DAYS[1] + 1)
    out_of_time = (day < first_ok) | (day > last_ok)
    reason[(reason == "") & out_of_time] = "outside the hindcast period"

    fatal = None
    if design == "within-exposed":
        dead = pd.to_numeric(inc.get("dead"), errors="coerce").fillna(0)
        missing = pd.to_numeric(inc.get("missing"), errors="coerce").fillna(0)
        fatal = (dead + missing) > 0
        if not designs.has_both_outcomes(fatal[reason == ""]):
            raise DataError(
                "the within-exposed design needs boats at sea with and without deaths; this "
                "incident file has only "
                + ("fatal" if bool(fatal[reason == ""].all()) else "non-fatal")
                + " ones: use --design case-crossover"
            )

    usable = (reason == "").to_numpy()
    if not usable.any():
        raise DataError(
            f"0 incidents covered: the incidents span {_span(times, lat, lon)}; the hindcast "
            f"covers {hindcast.describe()} (cases need {days_before} day(s) before and "
            f"{PLACEBO_DAYS[1]} after inside it)"
        )
    cases = pd.DataFrame(
        {
            "incident": np.flatnonzero(usable),
            "day": day[usable].to_numpy(),
            "cell": where.cell[usable],
            "vessel": vessel_of(inc.get("boat_type"), n_in)[usable],
        }
    )
    if design == "case-crossover":
        rows = designs.case_crossover(cases)
    else:
        assert fatal is not None
        cases["fatal"] = fatal[usable].to_numpy()
        cases["region"] = _departure_region(lat[usable].to_numpy(), lon[usable].to_numpy())
        rows = designs.within_exposed(cases)

    cond = conditions(hindcast, np.unique(rows["cell"]), table)
    rows = lookup(cond, rows, days_before)
    has_wind = bool(np.isfinite(cond.wind).any())
    needed = ["index", "hs", "placebo"] + (["wind"] if has_wind else [])
    complete = rows[needed].notna().all(axis=1)
    rows = rows[complete]
    both = rows.groupby("stratum")["case"].transform(lambda c: 0 < c.sum() < len(c))
    rows = rows[both.astype(bool)].copy()
    rows["stratum"] = pd.factorize(rows["stratum"], sort=True)[0]
    if exposure is not None:
        rows["exposure"] = exposure.reindex(pd.DatetimeIndex(rows["day"])).to_numpy()

    covered_incidents = int(rows.loc[rows["case"] == 1, "incidents"].sum())
    lost = usable.sum() - covered_incidents
    dropped = Counter(r for r in reason if r)
    if lost > 0:
        dropped["no complete conditions on the case day or its matches"] += int(lost)
    if rows.empty or rows["case"].sum() == 0:
        raise DataError(
            f"0 incidents covered: {usable.sum()} incidents fall in the hindcast "
            f"({hindcast.describe()}) but none has complete conditions with matches"
        )
    predictors = dict(PREDICTORS) if has_wind else {k: v for k, v in PREDICTORS.items()
                                                    if k != "wind"}  # fmt: skip
    scores = score(rows, predictors, "placebo", design, n_boot=n_boot, seed=seed)
    if not has_wind:
        scores["predictors"]["wind"] = {"auc": None, "auc_ci": None, "odds_ratio": None,
                                        "or_ci": None, "or_note": "no wind in the hindcast"}  # fmt: skip
    placebo_hs = score(rows.assign(index=rows["placebo_hs"]), {"index": "index", "hs": "hs"},
                       "placebo", design, n_boot=min(n_boot, 200), seed=seed)  # fmt: skip
    n_cases = int(rows["case"].sum())
    report: dict[str, Any] = {
        "design": design,
        "n_cases": n_cases,
        "n_referents": int((rows["case"] == 0).sum()),
        "covered": covered_incidents,
        "dropped": dict(dropped),
        "predictors": scores["predictors"],
        "delta_auc_index_minus_hs": scores["delta_auc_index_minus_hs"],
        "placebo": scores["placebo"],
        "verdict": scores["verdict"],
        "details": {
            "incidents_read": n_in,
            "n_needed": scores["n_needed"],
            "placebo_hs_auc": placebo_hs["predictors"]["index"]["auc"],
            "units": UNITS,
            "window": f"max over days D-{days_before}..D (UTC days)",
            "placebo_window": f"max over days D+{PLACEBO_DAYS[0]}..D+{PLACEBO_DAYS[1]}",
            "tolerance_deg": tolerance_deg,
            "snap_km_median": float(np.nanmedian(where.distance_km[usable])),
            "snap_km_max": float(np.nanmax(where.distance_km[usable])),
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
    }


__all__: Sequence[str] = ["exposure_series", "json_keys", "read_incidents", "validate"]
