"""The words and values of each message, in Arabic and English, from the message catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from seawatch.alerts import levels
from seawatch.alerts.build import Hazard
from seawatch.alerts.cap import Area, Info
from seawatch.i18n import translate

LANGS = ("ar", "en")


@dataclass(frozen=True)
class Context:
    """What every message of one run shares."""

    sent: dt.datetime
    run: str
    web: str  # base URL of the web service, no trailing slash
    demo: bool


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def area_name(kind: str, area_id: str, name: str, name_ar: str, lang: str) -> str:
    if kind == "sar":
        try:
            return translate(f"sar.{area_id}.name", lang)
        except KeyError:
            return name
    return name_ar if lang == "ar" else name


def _common(kind: str, area_id: str, name: str, name_ar: str, vessel: str, lang: str) -> dict:
    area = area_name(kind, area_id, name, name_ar, lang)
    return {
        "area": area,
        "where": translate(f"alerts.where.{kind}", lang, area=area),
        "vessel": translate(f"mail.vessel.{vessel}", lang),
        "vessels": translate(f"alerts.vessel.{vessel}", lang),
        "vessel_long": translate(f"alerts.vessel_long.{vessel}", lang),
    }


def hazard_infos(hazard: Hazard, ctx: Context) -> list[Info]:
    """The ``ar`` and ``en`` info blocks of an alert (or Update) about ``hazard``."""
    m = levels.mapping(hazard.level)
    urgency = levels.urgency(ctx.sent, hazard.onset)
    certainty = levels.certainty(ctx.sent, hazard.onset)
    infos = []
    for lang in LANGS:
        words = _common(
            hazard.kind, hazard.area_id, hazard.area_name, hazard.area_name_ar, hazard.vessel, lang
        )
        level = translate(f"hazard.{m.name}", lang)
        separator = "؛ " if lang == "ar" else "; "
        drivers = separator.join(translate(f"driver.{d}", lang) for d in hazard.drivers)
        survival = (
            translate("alerts.survival.hours", lang, hours=f"{hazard.survival_hours:.1f}")
            if hazard.survival_hours is not None
            else translate("alerts.survival.unknown", lang)
        )
        high = translate(f"hazard.{levels.mapping(levels.PUBLISH_FROM).name}", lang)
        infos.append(
            Info(
                language=lang,
                event=translate("alerts.event", lang, vessel=words["vessel"]),
                response_type=m.response_type,
                urgency=urgency,
                severity=m.severity,
                certainty=certainty,
                onset=hazard.onset,
                expires=hazard.expires,
                headline=translate(
                    "alerts.headline",
                    lang,
                    level=level,
                    n=hazard.level + 1,
                    vessel=words["vessels"],
                    where=words["where"],
                    onset=_when(hazard.onset),
                ),
                description=translate(
                    "alerts.description",
                    lang,
                    vessel_long=words["vessel_long"],
                    where=words["where"],
                    level=level,
                    n=hazard.level + 1,
                    meaning=translate(f"hazard.{m.name}.meaning", lang),
                    onset=_when(hazard.onset),
                    expires=_when(hazard.expires),
                    run=ctx.run,
                    worst_time=_when(hazard.worst_time),
                    drivers=drivers or translate("alerts.drivers.none", lang),
                    survival=survival,
                ),
                instruction=translate("alerts.instruction", lang, level=high),
                web=f"{ctx.web}/",
                sender_name=translate("alerts.sender_name", lang),
                categories=levels.CATEGORIES,
                event_codes=[levels.OET_CODE, (levels.SEAWATCH_EVENT_CODE, _event(hazard.vessel))],
                parameters=[
                    ("awareness_level", m.awareness_level),
                    ("awareness_type", levels.AWARENESS_TYPE),
                    ("seawatch_hazard_level", f"{hazard.level}; {m.name}"),
                    ("seawatch_boat_type", hazard.vessel),
                ],
                areas=[_area(hazard.kind, hazard.area_id, words["area"], hazard.polygons, lang)],
            )
        )
    return infos


def _event(vessel: str) -> str:
    return f"capsizeRisk.{vessel}"


def _area(kind: str, area_id: str, name: str, polygons: list, lang: str) -> Area:
    desc = translate(f"alerts.area.{kind}", lang, area=name)[:49]
    geocodes = [("SRR" if kind == "sar" else "seawatch_departure_area", area_id)]
    return Area(desc=desc, polygons=polygons, geocodes=geocodes)


def closing_infos(record: dict, ctx: Context, kind: str, hours: int) -> list[Info]:
    """``ar`` and ``en`` info blocks of an all-clear (``kind="allclear"``) or a withdrawal.

    ``record`` is the stored entry of the alert being closed (see :mod:`seawatch.alerts.store`).
    """
    expires = max(dt.datetime.fromisoformat(record["expires"]), ctx.sent + dt.timedelta(hours=1))
    m = levels.ALL_CLEAR
    infos = []
    for lang in LANGS:
        words = _common(
            record["kind"],
            record["area_id"],
            record["area_name"],
            record["area_name_ar"],
            record["vessel"],
            lang,
        )
        infos.append(
            Info(
                language=lang,
                event=translate("alerts.event", lang, vessel=words["vessel"]),
                response_type="AllClear" if kind == "allclear" else "None",
                urgency="Past",
                severity=m.severity,
                certainty="Likely" if kind == "allclear" else "Unlikely",
                onset=ctx.sent,
                expires=expires,
                headline=translate(
                    f"alerts.{kind}.headline", lang, vessel=words["vessels"], where=words["where"]
                ),
                description=translate(
                    f"alerts.{kind}.description",
                    lang,
                    run=ctx.run,
                    vessel_long=words["vessel_long"],
                    where=words["where"],
                    hours=hours,
                ),
                instruction=translate(f"alerts.{kind}.instruction", lang),
                web=f"{ctx.web}/",
                sender_name=translate("alerts.sender_name", lang),
                categories=levels.CATEGORIES,
                event_codes=[
                    levels.OET_CODE,
                    (levels.SEAWATCH_EVENT_CODE, _event(record["vessel"])),
                ],
                parameters=[
                    ("awareness_level", m.awareness_level),
                    ("awareness_type", levels.AWARENESS_TYPE),
                    ("seawatch_hazard_level", "0; low" if kind == "allclear" else "withdrawn"),
                    ("seawatch_boat_type", record["vessel"]),
                ],
                areas=[
                    _area(
                        record["kind"], record["area_id"], words["area"], record["polygons"], lang
                    )
                ],
            )
        )
    return infos
