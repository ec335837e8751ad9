"""Matched AUC, conditional odds ratios, sample size and the refusal to claim skill."""

import math

import numpy as np
import pandas as pd

from seawatch.validate.stats import (
    MIN_CASES,
    conditional_or,
    n_needed,
    placebo_verdict,
    score,
    stratum_pairs,
)


def test_matched_auc_by_hand():
    # stratum 0: case 3 vs 1, 2, 3 -> 1 + 1 + 0.5; stratum 1: case 0 vs 5 -> 0
    values = np.array([3, 1, 2, 3, 0, 5.0])
    case = np.array([1, 0, 0, 0, 1, 0])
    stratum = np.array([0, 0, 0, 0, 1, 1])
    pairs = stratum_pairs(values, case, stratum)
    assert pairs.concordant.tolist() == [2.5, 0.0]
    assert pairs.pairs.tolist() == [3.0, 1.0]
    assert pairs.auc() == 2.5 / 4


def test_nan_takes_no_part_in_any_pair():
    pairs = stratum_pairs(np.array([3, np.nan, 1.0]), np.array([1, 0, 0]), np.array([0, 0, 0]))
    assert pairs.pairs.tolist() == [1.0]


def test_conditional_logit_recovers_a_known_odds_ratio():
    # one case among 4 per stratum, chosen with probability proportional to exp(beta * x)
    rng = np.random.default_rng(7)
    beta, k, m = math.log(2.0), 1500, 4
    x = rng.normal(0, 1, (k, m))
    p = np.exp(beta * x)
    p /= p.sum(axis=1, keepdims=True)
    chosen = np.array([rng.choice(m, p=row) for row in p])
    case = np.zeros((k, m), int)
    case[np.arange(k), chosen] = 1
    odds, ci, note = conditional_or(x.ravel(), case.ravel(), np.repeat(np.arange(k), m))
    assert note is None
    assert ci[0] < 2.0 < ci[1]
    assert 1.7 < odds < 2.35


def test_n_needed_scales_with_the_square_of_se_over_effect():
    assert n_needed(100, 0.05, 0.05) == math.ceil(100 * (1.959964 + 0.841621) ** 2)
    assert n_needed(100, 0.0, 0.05) is None


def test_placebo_trips_only_on_the_index_side():
    assert placebo_verdict([0.30, 0.45], index_auc=0.40) == "trips"
    assert placebo_verdict([0.55, 0.65], index_auc=0.70) == "trips"
    assert placebo_verdict([0.30, 0.45], index_auc=0.70) == "clear"
    assert placebo_verdict([0.45, 0.55], index_auc=0.40) == "clear"


def test_too_few_cases_refuses_to_claim_skill_and_says_how_many_are_needed():
    rng = np.random.default_rng(1)
    k = 20  # a perfect index, but only 20 cases
    rows = []
    for s in range(k):
        day = pd.Timestamp("2020-01-01") + pd.Timedelta(days=31 * (s % 12))
        for j in range(4):
            rows.append((s, int(j == 0), day, 3.0 - j + rng.uniform(0, 0.1),
                         rng.uniform(0, 2), rng.uniform(0, 5)))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["stratum", "case", "day", "index", "hs", "placebo"])
    result = score(frame, {"index": "index", "hs": "hs"}, "placebo", "case-crossover", 200)
    assert result["predictors"]["index"]["auc"] == 1.0
    assert k < MIN_CASES
    assert result["verdict"].startswith("Not enough cases to judge skill: 20 case-days")
    assert "would take about" in result["verdict"]
    assert "better than wave height" not in result["verdict"]


def test_scoring_without_odds_ratios_gives_the_same_aucs():
    """The sensitivity rows skip the conditional logit (most of the scoring time); their AUCs,
    CIs and differences must be those of a full score."""
    rng = np.random.default_rng(2)
    rows = []
    for s in range(80):
        day = pd.Timestamp("2020-01-01") + pd.Timedelta(days=s * 9)
        for j in range(4):
            rows.append((s, int(j == 0), day, rng.uniform(0, 4) + (j == 0),
                         rng.uniform(0, 2), rng.uniform(0, 5)))  # fmt: skip
    frame = pd.DataFrame(rows, columns=["stratum", "case", "day", "index", "hs", "placebo"])
    preds = {"index": "index", "hs": "hs"}
    full = score(frame, preds, "placebo", "case-crossover", 200, seed=3)
    quick = score(frame, preds, "placebo", "case-crossover", 200, seed=3, odds_ratios=False)
    assert full["predictors"]["index"]["odds_ratio"] > 1
    for key in preds:
        assert quick["predictors"][key]["auc"] == full["predictors"][key]["auc"]
        assert quick["predictors"][key]["auc_ci"] == full["predictors"][key]["auc_ci"]
        assert quick["predictors"][key]["odds_ratio"] is None
        assert quick["predictors"][key]["or_note"] == "not fitted"
    assert quick["delta_auc_index_minus_hs"] == full["delta_auc_index_minus_hs"]
    assert quick["placebo"] == full["placebo"]
