"""The one table that maps seawatch hazard levels and lead times onto CAP 1.2 values.

Sources (see docs/alerts.md and ../shared/docs/cap-alerts.md):

* severity and Meteoalarm ``awareness_level``: colour-to-severity is 1:1 in FMI's profile
  (``fmidev/fmi-cap-profile``) and MET Norway's (``metno/farekart``
  ``etc/eventSeverityParameters.json``): yellow Moderate, orange Severe, red Extreme. seawatch
  levels keep the colour they have on the map (``seawatch.maps.styles.HAZARD_COLOURS``):
  moderate yellow, high orange, severe red; extreme (maroon) has no darker CAP step and is
  Extreme/red too. The raw level is kept in the ``seawatch_hazard_level`` parameter.
* publication threshold: High ("capsize likely") or worse, as issue #17 asks.
* urgency from lead time sent -> onset: FMI thresholds (< 1 h Immediate, 1-6 h Expected,
  >= 6 h Future).
* certainty: the risk dataset is deterministic (no ensemble probability, so the FMI/CAP
  "p > 50 %" rule cannot be applied). Likely within 24 h of sent, Possible beyond:
  assumption, to calibrate against hindcast skill (docs/validation.md).
* awareness_type ``7; coastalevent``: the only marine Meteoalarm type (MET Norway).
* eventCode OET-096 "hazardous seas" (OASIS Event Terms List v1.2); OET has no capsize term.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from seawatch.schema import HAZARD_LEVELS


@dataclass(frozen=True)
class LevelMapping:
    level: int
    name: str
    severity: str
    awareness_level: str
    response_type: str
    publish: bool


LEVELS: tuple[LevelMapping, ...] = (
    LevelMapping(0, "low", "Minor", "1; green; Minor", "None", False),
    LevelMapping(1, "moderate", "Moderate", "2; yellow; Moderate", "Monitor", False),
    LevelMapping(2, "high", "Severe", "3; orange; Severe", "Avoid", True),
    LevelMapping(3, "severe", "Extreme", "4; red; Extreme", "Avoid", True),
    LevelMapping(4, "extreme", "Extreme", "4; red; Extreme", "Avoid", True),
)
assert tuple(m.name for m in LEVELS) == HAZARD_LEVELS

PUBLISH_FROM = min(m.level for m in LEVELS if m.publish)
"""Lowest level that raises an alert (High)."""

HORIZON_HOURS = 72
"""Alerts look this far ahead of the time they are sent (issue #17)."""

ALL_CLEAR = LevelMapping(0, "low", "Minor", "1; green; Minor", "AllClear", False)
"""What an all-clear Update says (MET Norway: AllClear with Minor on a downgrade)."""

URGENCY_HOURS: tuple[tuple[float, str], ...] = ((1.0, "Immediate"), (6.0, "Expected"))
"""Lead time below which each urgency applies (FMI profile); later onsets are Future."""

LIKELY_WITHIN_HOURS = 24.0
"""Onsets within this lead time are Likely, later ones Possible (assumption, to calibrate)."""

AWARENESS_TYPE = "7; coastalevent"
OET_CODE = ("OET:v1.2", "OET-096")
SEAWATCH_EVENT_CODE = "profile:seawatch-cap:0.1"
CATEGORIES = ("Safety", "Met")


def mapping(level: int) -> LevelMapping:
    """The CAP values of a seawatch hazard level (0..4)."""
    return LEVELS[int(level)]


def urgency(sent: dt.datetime, onset: dt.datetime) -> str:
    lead = (onset - sent).total_seconds() / 3600.0
    for below, value in URGENCY_HOURS:
        if lead < below:
            return value
    return "Future"


def certainty(sent: dt.datetime, onset: dt.datetime) -> str:
    lead = (onset - sent).total_seconds() / 3600.0
    return "Likely" if lead <= LIKELY_WITHIN_HOURS else "Possible"
