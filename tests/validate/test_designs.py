"""Referent rules of the time-stratified case-crossover and the within-exposed strata."""

import pandas as pd
import pytest

from seawatch.validate.designs import case_crossover, referent_days, within_exposed


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # month edges: the last day of a 31-day month, the leap day, the first of a month
        ("2021-01-31", ["2021-01-03", "2021-01-10", "2021-01-17", "2021-01-24"]),
        ("2020-02-29", ["2020-02-01", "2020-02-08", "2020-02-15", "2020-02-22"]),
        ("2021-03-01", ["2021-03-08", "2021-03-15", "2021-03-22", "2021-03-29"]),
        ("2021-02-15", ["2021-02-01", "2021-02-08", "2021-02-22"]),
        ("2021-12-31", ["2021-12-03", "2021-12-10", "2021-12-17", "2021-12-24"]),
    ],
)
def test_referents_same_year_month_weekday_never_the_case_day(day, expected):
    refs = referent_days(day)
    assert [d.strftime("%Y-%m-%d") for d in refs] == expected
    case = pd.Timestamp(day)
    assert case not in refs
    assert all(d.weekday() == case.weekday() and (d.year, d.month) == (case.year, case.month)
               for d in refs)  # fmt: skip


def test_every_day_of_a_year_has_3_or_4_referents_none_equal_to_it():
    for day in pd.date_range("2019-01-01", "2020-12-31"):
        refs = referent_days(day)
        assert 3 <= len(refs) <= 4
        assert day not in refs


def test_case_crossover_one_stratum_per_case_day_and_cell():
    cases = pd.DataFrame(
        {
            "day": pd.to_datetime(["2021-05-05", "2021-05-05", "2021-05-05", "2021-05-19"]),
            "cell": [3, 3, 4, 3],
            "vessel": [0, 1, 0, 0],
        }
    )
    rows = case_crossover(cases)
    strata = rows.groupby("stratum")
    assert strata.ngroups == 3
    assert (strata["case"].sum() == 1).all()
    first = rows[(rows["case"] == 1) & (rows["cell"] == 3)].iloc[0]
    assert first["incidents"] == 2  # two boats on one day and cell are one case-day
    assert first["vessel"] == 0
    # the referents of 2021-05-19 include 2021-05-05, a case day of another stratum; that is
    # the design (referents are not excluded for being another case's day)
    refs = rows[(rows["stratum"] == 2) & (rows["case"] == 0)]["day"]
    assert pd.Timestamp("2021-05-19") not in set(refs)


def test_within_exposed_keeps_only_strata_with_both_outcomes():
    boats = pd.DataFrame(
        {
            "day": pd.to_datetime(["2021-05-01", "2021-05-09", "2021-05-20", "2021-06-02"]),
            "cell": [1, 2, 3, 4],
            "fatal": [True, False, False, True],
            "region": ["tripoli", "tripoli", "sfax", "tripoli"],
        }
    )
    rows = within_exposed(boats)
    assert sorted(rows["cell"]) == [1, 2]  # May/sfax has no fatal boat, June no non-fatal
    assert rows["stratum"].nunique() == 1
    assert rows["case"].tolist() == [1, 0]
