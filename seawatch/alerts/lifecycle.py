"""Compare a run's hazards with the alerts in force and publish what changed.

* new hazard (no alert in force for that area and vessel) -> ``Alert``;
* same hazard (same level, onset and expires) -> nothing new;
* changed hazard -> ``Update`` referencing every unexpired message it replaces;
* hazard gone -> ``Update`` with responseType ``AllClear``;
* ``seawatch alerts cancel ID`` -> ``Cancel`` referencing the withdrawn message and the
  unexpired rest of its chain.

References are the exact ``sender,identifier,sent`` triples of the earlier messages. Every
message is validated (:mod:`seawatch.alerts.validate`) before it is written; one that fails is
not published and the reason is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from seawatch.alerts import levels
from seawatch.alerts.build import Hazard
from seawatch.alerts.cap import Message, cap_time, to_xml
from seawatch.alerts.messages import Context, closing_infos, hazard_infos
from seawatch.alerts.store import AlertStore, chain, in_force
from seawatch.alerts.validate import problems
from seawatch.config import AlertSettings
from seawatch.errors import DataError
from seawatch.i18n import translate

log = logging.getLogger(__name__)
PROFILE_CODE = "profile:seawatch-cap:0.1"


@dataclass
class Issued:
    """One published message, as ``seawatch alerts --json`` lists it."""

    identifier: str
    msg_type: str
    response: str
    area: str
    vessel: str
    severity: str
    onset: str
    expires: str
    references: list[str]
    path: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _changed(record: dict[str, Any], hazard: Hazard, now: dt.datetime) -> bool:
    """Whether ``hazard`` differs from the alert in force: level, end, or a future onset.

    An onset already past on both sides is not a change: the hazard simply continues (onset is
    written as the send time then, which moves with every run).
    """
    if record["level"] != hazard.level or record["expires"] != hazard.expires.isoformat():
        return True
    old_onset = dt.datetime.fromisoformat(record["onset"])
    if old_onset <= now and hazard.onset <= now:
        return False
    return old_onset != hazard.onset


def _identifier(config: AlertSettings, sent: dt.datetime, key: str, suffix: str = "") -> str:
    stamp = sent.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{config.identifier_prefix}.{stamp}.{key}{suffix}"


def _unique(identifier: str, records: list[dict[str, Any]]) -> str:
    """``identifier``, or with ``-2``, ``-3`` ... when a run in the same second used it."""
    taken = {r["identifier"] for r in records}
    candidate, n = identifier, 1
    while candidate in taken:
        n += 1
        candidate = f"{identifier}-{n}"
    return candidate


def _message(
    config: AlertSettings, ctx: Context, identifier: str, msg_type: str, refs: list[dict]
) -> Message:
    return Message(
        identifier=identifier,
        sender=config.sender,
        sent=ctx.sent,
        status="Exercise" if ctx.demo else "Actual",
        msg_type=msg_type,
        scope=config.scope,
        restriction=config.restriction if config.scope == "Restricted" else "",
        codes=[PROFILE_CODE],
        note=translate("alerts.note.exercise", "en") if ctx.demo else "",
        references=[(r["sender"], r["identifier"], r["sent_cap"]) for r in refs],
    )


def _record(message: Message, key: str, response: str, base: dict[str, Any]) -> dict[str, Any]:
    en = next(i for i in message.infos if i.language == "en")
    ar = next(i for i in message.infos if i.language == "ar")
    return {
        **base,
        "identifier": message.identifier,
        "sender": message.sender,
        "sent": message.sent.astimezone(dt.UTC).isoformat(),
        "sent_cap": cap_time(message.sent),
        "status": message.status,
        "msg_type": message.msg_type,
        "response": response,
        "key": key,
        "severity": en.severity,
        "urgency": en.urgency,
        "certainty": en.certainty,
        "onset": en.onset.astimezone(dt.UTC).isoformat(),
        "expires": en.expires.astimezone(dt.UTC).isoformat(),
        "references": [",".join(t) for t in message.references],
        "headline_en": en.headline,
        "headline_ar": ar.headline,
        "description_en": en.description,
        "area_desc_en": en.areas[0].desc if en.areas else "",
    }


def _publish(
    store: AlertStore, records: list[dict], message: Message, record: dict
) -> Issued | None:
    xml = to_xml(message)
    wrong = problems(xml)
    if wrong:
        log.error("CAP message %s not published: %s", message.identifier, "; ".join(wrong))
        return None
    store.publish(xml, record, records)
    log.info("published CAP %s %s (%s)", message.msg_type, message.identifier, record["key"])
    return Issued(
        identifier=record["identifier"],
        msg_type=record["msg_type"],
        response=record["response"],
        area=record["area_desc_en"],
        vessel=record["vessel"],
        severity=record["severity"],
        onset=record["onset"],
        expires=record["expires"],
        references=record["references"],
        path=str(store.message_path(record["identifier"])),
    )


def _hazard_base(hazard: Hazard, ctx: Context) -> dict[str, Any]:
    return {
        "kind": hazard.kind,
        "area_id": hazard.area_id,
        "area_name": hazard.area_name,
        "area_name_ar": hazard.area_name_ar,
        "vessel": hazard.vessel,
        "level": hazard.level,
        "polygons": [[list(p) for p in ring] for ring in hazard.polygons],
        "run": ctx.run,
    }


def reconcile(
    store: AlertStore, config: AlertSettings, ctx: Context, hazards: list[Hazard]
) -> list[Issued]:
    """Publish the Alerts, Updates and all-clears that ``hazards`` call for (see module doc)."""
    issued: list[Issued] = []
    with store.locked():
        records = store.records()
        open_now = in_force(records, ctx.sent)
        seen: set[str] = set()
        for hazard in hazards:
            key = hazard.key
            seen.add(key)
            current = open_now.get(key)
            if current is not None and not _changed(current, hazard, ctx.sent):
                continue
            refs = chain(records, key, ctx.sent) if current is not None else []
            msg_type = "Update" if refs else "Alert"
            identifier = _unique(_identifier(config, ctx.sent, key), records)
            message = _message(config, ctx, identifier, msg_type, refs)
            message.infos = hazard_infos(hazard, ctx)
            record = _record(
                message, key, message.infos[0].response_type, _hazard_base(hazard, ctx)
            )
            done = _publish(store, records, message, record)
            if done:
                issued.append(done)
        for key, current in open_now.items():
            if key in seen:
                continue
            refs = chain(records, key, ctx.sent)
            identifier = _unique(_identifier(config, ctx.sent, key, ".allclear"), records)
            message = _message(config, ctx, identifier, "Update", refs)
            message.infos = closing_infos(current, ctx, "allclear", levels.HORIZON_HOURS)
            base = {**current, "level": 0, "run": ctx.run}
            done = _publish(store, records, message, _record(message, key, "AllClear", base))
            if done:
                issued.append(done)
    return issued


def cancel(store: AlertStore, config: AlertSettings, ctx: Context, identifier: str) -> Issued:
    """Withdraw the alert ``identifier`` (issued by mistake) with a ``Cancel``."""
    with store.locked():
        records = store.records()
        target = next((r for r in records if r["identifier"] == identifier), None)
        if target is None:
            raise DataError(
                f"no alert {identifier!r} in {store.root}; `seawatch alerts --json` lists them"
            )
        refs = [r for r in chain(records, target["key"], ctx.sent)]
        if target not in refs:
            raise DataError(
                f"alert {identifier} is no longer in force (expired, all-clear or withdrawn)"
            )
        identifier_ = _unique(_identifier(config, ctx.sent, target["key"], ".cancel"), records)
        message = _message(config, ctx, identifier_, "Cancel", refs)
        message.note = (message.note + " " if message.note else "") + (
            f"Withdraws {identifier}, issued in error."
        )
        message.infos = closing_infos(target, ctx, "cancel", levels.HORIZON_HOURS)
        base = {**target, "run": ctx.run}
        done = _publish(store, records, message, _record(message, target["key"], "Cancel", base))
    if done is None:
        raise DataError(f"the Cancel of {identifier} failed validation; see the log")
    return done
