"""The stated choices of a validation run and their limits (light: no numpy, for the CLI)."""

from __future__ import annotations

NM_PER_DEGREE = 60.0
"""Nautical miles per degree of latitude (1 NM = 1 minute of arc)."""
MAX_DISTANCE_NM = 30.0
"""Largest distance from an incident to the sea cell read for it [NM]; 0.5 degrees, the ERA5
wave grid spacing (validation.md section 2 row 5). Assumption, to calibrate."""
MAX_DISTANCE_LIMIT_NM = 300.0
"""Largest ``max_distance_nm`` accepted: beyond about 300 NM (5 degrees) the sea cell read is in
another weather regime than the incident; a bound on typing errors, not a calibrated value."""
WINDOW_DAYS = 2
"""UTC days ending on the incident day over which the daily maxima are taken (D-1..D): MMP
dates are often report dates (validation.md section 6)."""
MAX_WINDOW_DAYS = 7
"""Longest window: with 8 or more days the window of a case day would contain its own
same-weekday referent one week earlier, so case and referent would share weather."""


def window_problem(window_days: object) -> str | None:
    """Why ``window_days`` cannot be used (one line), or None."""
    ok = isinstance(window_days, int) and not isinstance(window_days, bool)
    if ok and 1 <= window_days <= MAX_WINDOW_DAYS:  # type: ignore[operator]
        return None
    return (
        f"a window of {window_days} days: give a whole number of days from 1 to "
        f"{MAX_WINDOW_DAYS} (daily maxima over the days ending on the incident day; "
        f"{MAX_WINDOW_DAYS + 1} or more would reach the same-weekday referent a week earlier)"
    )


def distance_problem(max_distance_nm: object) -> str | None:
    """Why ``max_distance_nm`` cannot be used (one line), or None."""
    try:
        nm = float(max_distance_nm)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        nm = float("nan")
    if nm == nm and 0 < nm <= MAX_DISTANCE_LIMIT_NM:
        return None
    return (
        f"a distance of {max_distance_nm} NM: give nautical miles above 0 and at most "
        f"{MAX_DISTANCE_LIMIT_NM:g} (the farthest sea cell read for an incident; default "
        f"{MAX_DISTANCE_NM:g})"
    )
