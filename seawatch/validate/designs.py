"""Matched designs: which day and place each case is compared with.

Time-stratified case-crossover (Janes, Sheppard & Lumley 2005; Lumley & Levy 2000)
    Each case day is compared with every other day of the same year and month that falls on the
    same weekday, at the same sea cell: 3 or 4 referents. Strata never cross a month edge, so
    seasonality and slow trends are removed by construction; the case day itself is never a
    referent.

Within-exposed case-control (Wu, Pelot & Hilliard 2005 template)
    When the incident file holds boats at sea both with and without deaths, fatal boats are
    compared with non-fatal boats of the same year-month and departure region, each at its own
    position and day. This conditions on being at sea, which the case-crossover cannot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DESIGNS = ("case-crossover", "within-exposed")


def referent_days(day: pd.Timestamp | str) -> list[pd.Timestamp]:
    """Other days of the same year and month on the same weekday as ``day`` (never ``day``)."""
    day = pd.Timestamp(day).normalize()
    first = day.replace(day=1)
    last = first + pd.offsets.MonthEnd(0)
    days = pd.date_range(first, last, freq="D")
    return [d for d in days if d.weekday() == day.weekday() and d != day]


def case_crossover(cases: pd.DataFrame) -> pd.DataFrame:
    """Rows to score for a time-stratified case-crossover.

    Parameters
    ----------
    cases
        One row per incident with ``day`` (normalised timestamp) and ``cell`` (an integer
        naming the sea cell the conditions are read at). Incidents on the same day and cell are
        one case-day (several boats on one day share one exposure).

    Returns
    -------
    pandas.DataFrame
        ``stratum``, ``case`` (1 for the case day, 0 for a referent), ``day``, ``cell`` and
        ``incidents`` (how many incidents the case-day stands for; 0 on referents) and
        ``vessel`` (the ``vessel`` column of the cases, lowest of a case-day; 0 without one).
    """
    frame = cases.assign(vessel=cases.get("vessel", 0))
    grouped = frame.groupby(["day", "cell"], sort=True).agg(
        incidents=("vessel", "size"), vessel=("vessel", "min")
    )
    rows: list[tuple[int, int, pd.Timestamp, int, int, int]] = []
    for stratum, ((day, cell), n, vessel) in enumerate(
        zip(grouped.index, grouped["incidents"], grouped["vessel"], strict=True)
    ):
        rows.append((stratum, 1, day, int(cell), int(n), int(vessel)))
        rows.extend((stratum, 0, ref, int(cell), 0, int(vessel)) for ref in referent_days(day))
    return pd.DataFrame(rows, columns=["stratum", "case", "day", "cell", "incidents", "vessel"])


def within_exposed(boats: pd.DataFrame) -> pd.DataFrame:
    """Rows to score for the within-exposed case-control.

    Parameters
    ----------
    boats
        One row per boat at sea with ``day``, ``cell``, ``fatal`` (bool) and ``region`` (the
        departure region).

    Returns
    -------
    pandas.DataFrame
        ``stratum`` (year-month x region), ``case`` (1 fatal, 0 not), ``day``, ``cell``,
        ``incidents`` (1 per row), ``vessel``. Strata without both a fatal and a non-fatal boat are left
        out: they carry no information in a matched analysis.
    """
    frame = boats.copy()
    month = frame["day"].dt.strftime("%Y-%m")
    key = month + "|" + frame["region"].astype(str)
    frame["stratum"] = pd.factorize(key, sort=True)[0]
    frame["case"] = frame["fatal"].astype(int)
    both = frame.groupby("stratum")["case"].transform(lambda c: 0 < c.sum() < len(c))
    out = frame[both.astype(bool)]
    out = out.assign(incidents=1, vessel=out.get("vessel", 0))
    out = out[["stratum", "case", "day", "cell", "incidents", "vessel"]]
    out["stratum"] = pd.factorize(out["stratum"], sort=True)[0]
    return out.reset_index(drop=True)


def has_both_outcomes(fatal: pd.Series) -> bool:
    """True when the incident file holds fatal and non-fatal boats (within-exposed possible)."""
    values = np.asarray(fatal, dtype=bool)
    return bool(values.any() and (~values).any())
