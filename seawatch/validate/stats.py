"""Scores of a matched design: conditional odds ratios, matched AUC, placebo and verdict.

Matched AUC (within-stratum concordance)
    The probability that a case scores higher than a referent or control of its own stratum
    (ties count one half), pooled over all case-control pairs. With matched controls the
    unmatched AUC is biased (Janes & Pepe 2008); this is the covariate-adjusted one. 0.5 is a
    useless predictor; below 0.5 cases were calmer than their referents.

Confidence intervals
    Percentile bootstrap over calendar months (all strata of a month are drawn together), since
    daily sea state is autocorrelated (lag-1 r about 0.73 in ERA5 corridor Hs, validation.md
    section 2 row 10) and strata of one month share weather. The paired difference index - Hs
    uses the same draws for both, so it is a paired test.

Conditional logistic regression
    statsmodels ``ConditionalLogit`` with the stratum as group: the odds ratio per unit of the
    predictor (per index level, per metre of Hs, per m/s of wind), 95% Wald interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MIN_CASES = 50
"""Fewest case-days for any skill statement: at 50 cases the 95% CI of a matched AUC is about
+/-0.09 wide (Hanley-McNeil, validation.md section 4.4), too wide to tell a useful index from a
useless one. Assumption, to calibrate."""

Z95 = 1.959964
Z80_POWER = 0.841621


@dataclass(frozen=True)
class Pairs:
    """Per-stratum concordance sums and pair counts of one predictor."""

    concordant: np.ndarray
    pairs: np.ndarray

    def auc(self, draw: np.ndarray | None = None) -> float:
        c = self.concordant if draw is None else self.concordant[draw].sum(axis=-1)
        p = self.pairs if draw is None else self.pairs[draw].sum(axis=-1)
        if draw is None:
            c, p = c.sum(), p.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            return c / p  # type: ignore[no-any-return]


def stratum_pairs(values: np.ndarray, case: np.ndarray, stratum: np.ndarray) -> Pairs:
    """Concordance of ``values`` between cases and non-cases within each stratum.

    ``stratum`` must hold the integers 0..k-1. NaN values take no part in any pair.
    """
    values = np.asarray(values, dtype=float)
    case = np.asarray(case, dtype=bool)
    stratum = np.asarray(stratum, dtype=int)
    k = int(stratum.max()) + 1 if stratum.size else 0
    concordant = np.zeros(k)
    pairs = np.zeros(k)
    order = np.argsort(stratum, kind="stable")
    bounds = np.searchsorted(stratum[order], np.arange(k + 1))
    for s in range(k):
        idx = order[bounds[s] : bounds[s + 1]]
        v, c = values[idx], case[idx]
        ok = ~np.isnan(v)
        a, b = v[c & ok], v[~c & ok]
        if a.size and b.size:
            diff = a[:, None] - b[None, :]
            concordant[s] = (diff > 0).sum() + 0.5 * (diff == 0).sum()
            pairs[s] = diff.size
    return Pairs(concordant, pairs)


def bootstrap_draws(cluster: np.ndarray, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap draws of clusters: ``(draws, members)``.

    ``cluster`` gives the cluster (e.g. calendar month) of each stratum 0..k-1. Returns an
    ``(n_boot, n_clusters)`` array of drawn cluster indices and, per cluster, its strata.
    """
    labels, inverse = np.unique(np.asarray(cluster), return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, labels.size, size=(n_boot, labels.size))
    return draws, inverse


def _cluster_sums(pairs: Pairs, inverse: np.ndarray, n_clusters: int) -> Pairs:
    return Pairs(
        np.bincount(inverse, weights=pairs.concordant, minlength=n_clusters),
        np.bincount(inverse, weights=pairs.pairs, minlength=n_clusters),
    )


def _ci(samples: np.ndarray) -> list[float] | None:
    ok = samples[np.isfinite(samples)]
    if ok.size < 10:
        return None
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return [float(lo), float(hi)]


def conditional_or(
    values: np.ndarray, case: np.ndarray, stratum: np.ndarray
) -> tuple[float | None, list[float] | None, str | None]:
    """Odds ratio per unit of ``values`` from conditional logistic regression, its 95% CI, and
    why it could not be fitted (None when it was)."""
    from statsmodels.discrete.conditional_models import ConditionalLogit

    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values)
    y, x, g = np.asarray(case)[ok].astype(float), values[ok], np.asarray(stratum)[ok]
    frame = pd.DataFrame({"y": y, "g": g})
    informative = frame.groupby("g")["y"].transform(lambda s: 0 < s.sum() < len(s)).to_numpy()
    if informative.sum() < 4 or np.nanstd(x[informative]) == 0:
        return None, None, "too few informative strata or no variation in the predictor"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ConditionalLogit(y[informative], x[informative, None], groups=g[informative])
            fit = model.fit(disp=0)
        beta = float(np.asarray(fit.params)[0])
        lo, hi = np.asarray(fit.conf_int())[0]
    except (np.linalg.LinAlgError, ValueError) as exc:
        return None, None, f"conditional logit did not fit ({exc})"
    if not all(math.isfinite(v) for v in (beta, lo, hi)) or abs(beta) > 50:
        return None, None, "conditional logit did not converge (separation)"
    return math.exp(beta), [math.exp(lo), math.exp(hi)], None


def n_needed(n_cases: int, effect: float, se: float) -> int | None:
    """Cases needed to detect ``effect`` at 5% two-sided with 80% power, scaling the observed
    standard error ``se`` at ``n_cases`` by 1/sqrt(n). None when there is no effect to detect."""
    if not (math.isfinite(effect) and math.isfinite(se)) or effect == 0 or se <= 0:
        return None
    return math.ceil(n_cases * ((Z95 + Z80_POWER) * se / abs(effect)) ** 2)


def score(
    rows: pd.DataFrame,
    predictors: dict[str, str],
    placebo: str,
    design: str,
    n_boot: int = 1000,
    seed: int = 1,
    odds_ratios: bool = True,
) -> dict[str, Any]:
    """Score a matched design.

    Parameters
    ----------
    rows
        ``stratum`` (0..k-1), ``case`` (1/0), ``day`` and one column per predictor and the
        placebo; rows with any of them missing must already be gone (all predictors are
        compared on the same rows).
    predictors
        Report key -> column, e.g. ``{"index": "index", "hs": "hs", "wind": "wind"}``; must
        include ``index`` and ``hs``.
    placebo
        Column of the index 3-5 days after the day.
    design
        Name of the design, for the verdict's wording.
    odds_ratios
        Fit the conditional logit per predictor (most of the time of a score); without it
        ``odds_ratio`` and ``or_ci`` are None, for callers that only need the AUCs.

    Returns
    -------
    dict
        ``predictors`` (auc, auc_ci, odds_ratio, or_ci, or_note), ``delta_auc_index_minus_hs``
        (value, ci, se), ``placebo`` (auc, auc_ci, verdict), ``verdict``, ``n_needed`` and
        ``n_boot``.
    """
    stratum = rows["stratum"].to_numpy()
    case = rows["case"].to_numpy().astype(bool)
    n_cases = int(case.sum())
    month_of_stratum = (
        rows.groupby("stratum")["day"].min().dt.strftime("%Y-%m").reindex(range(stratum.max() + 1))
    )
    draws, inverse = bootstrap_draws(month_of_stratum.to_numpy(), n_boot, seed)
    n_clusters = draws.shape[1]

    out: dict[str, Any] = {"predictors": {}, "n_boot": n_boot}
    boot: dict[str, np.ndarray] = {}
    for key, column in {**predictors, "placebo": placebo}.items():
        values = rows[column].to_numpy(dtype=float)
        pairs = stratum_pairs(values, case, stratum)
        clusters = _cluster_sums(pairs, inverse, n_clusters)
        boot[key] = clusters.auc(draws)
        auc = float(pairs.auc())
        entry: dict[str, Any] = {"auc": auc, "auc_ci": _ci(boot[key])}
        if key != "placebo":
            odds, or_ci, note = (
                conditional_or(values, case, stratum) if odds_ratios else (None, None, "not fitted")
            )
            entry.update(odds_ratio=odds, or_ci=or_ci, or_note=note)
            out["predictors"][key] = entry
        else:
            out["placebo"] = entry
    delta = out["predictors"]["index"]["auc"] - out["predictors"]["hs"]["auc"]
    delta_boot = boot["index"] - boot["hs"]
    finite = delta_boot[np.isfinite(delta_boot)]
    se = float(finite.std(ddof=1)) if finite.size > 1 else float("nan")
    out["delta_auc_index_minus_hs"] = {"value": delta, "ci": _ci(delta_boot), "se": se}
    index = out["predictors"]["index"]
    out["placebo"]["verdict"] = placebo_verdict(out["placebo"]["auc_ci"], index["auc"])

    index_se = float(np.nanstd(boot["index"], ddof=1))
    need_delta = n_needed(n_cases, delta, se)
    need_auc = n_needed(n_cases, index["auc"] - 0.5, index_se)
    out["n_needed"] = {"delta_auc": need_delta, "index_auc": need_auc}
    out["verdict"] = verdict(n_cases, design, index, out["delta_auc_index_minus_hs"],
                             out["placebo"], need_delta, need_auc)  # fmt: skip
    return out


def placebo_verdict(placebo_ci: list[float] | None, index_auc: float) -> str:
    """``"trips"`` when the weather 3-5 days later separates cases from their matches on the
    same side of 0.5 as the index (the same-day signal could then be a weather spell chosen by
    departures, not hazard); ``"clear"`` otherwise."""
    if placebo_ci is None:
        return "clear"
    above, below = placebo_ci[0] > 0.5, placebo_ci[1] < 0.5
    return "trips" if (above and index_auc > 0.5) or (below and index_auc < 0.5) else "clear"


def _fmt_ci(ci: list[float] | None) -> str:
    return f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "[no CI]"


def _need(n: int | None) -> str:
    return f"about {n:,} case-days" if n else "an unknown number of case-days (no effect seen)"


def verdict(
    n_cases: int,
    design: str,
    index: dict[str, Any],
    delta: dict[str, Any],
    placebo: dict[str, Any],
    need_delta: int | None,
    need_auc: int | None,
) -> str:
    """One plain-language paragraph; never claims skill it has not measured."""
    auc, auc_ci = index["auc"], index["auc_ci"]
    d, d_ci = delta["value"], delta["ci"]
    said = (
        f"Index matched AUC {auc:.2f} {_fmt_ci(auc_ci)}; index minus Hs {d:+.3f} "
        f"{_fmt_ci(d_ci)}; placebo (index 3-5 days later) AUC {placebo['auc']:.2f} "
        f"{_fmt_ci(placebo['auc_ci'])}."
    )
    if n_cases < MIN_CASES:
        return (
            f"Not enough cases to judge skill: {n_cases} case-days, fewer than the {MIN_CASES} "
            f"needed for any statement. {said} Detecting the observed difference from Hs "
            f"would take {_need(need_delta)}."
        )
    if placebo["verdict"] == "trips":
        where = "calmer" if placebo["auc"] < 0.5 else "rougher"
        return (
            f"No skill claim: the weather 3-5 days after the case also separates cases from "
            f"referents (cases were followed by {where} days). The association reflects when "
            f"boats were at sea (departures in calm spells), not how dangerous the sea was. "
            f"{said} Use the within-exposed design or an exposure covariate."
        )
    if auc_ci and auc_ci[1] < 0.5:
        return (
            f"Cases fell on calmer days than their referents. With the {design} design this "
            f"is the departure artefact (boats leave in calm weather), not evidence against "
            f"the index; skill cannot be read from it. {said}"
        )
    if d_ci and d_ci[0] > 0 and auc_ci and auc_ci[0] > 0.5:
        return (
            f"The index separates incident conditions from matched conditions better than "
            f"wave height alone, and the placebo is clear. {said}"
        )
    if auc_ci and auc_ci[0] > 0.5:
        return (
            f"The index separates cases from their matches, but not measurably better than "
            f"wave height alone. {said} Detecting the observed difference would take "
            f"{_need(need_delta)}."
        )
    return (
        f"No evidence of skill: the index's matched AUC is compatible with 0.5. {said} "
        f"Detecting the observed effect would take {_need(need_auc)}."
    )
