"""The morning e-mail's open distress cases with their latest drift, in English and Arabic.

Incidents and drifts are stored in a real incident store; the drift outputs are hand-made after
the contract (``tests/drift_fixture.py``): after ``h`` hours the datum is ``h`` NM from the
last known position on 120° and the 90 % area a circle of ``1 + 0.5 h`` NM.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import math

import pytest

from seawatch.config import load_settings
from seawatch.incidents.drifts import DriftStore
from seawatch.incidents.store import IncidentStore
from seawatch.mail import MailParts, compose
from seawatch.mail.compose import message_size
from seawatch.mail.report import MAX_DRIFT_CASES, gather_report
from tests.drift_fixture import make_drift


def _clock() -> tuple[dt.datetime, dt.datetime]:
    """The message time a little after the drifts are stored (their finish time is the
    clock's), and a drift start 3 whole hours before the message's hour."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=2)
    return now, now.replace(minute=0) - dt.timedelta(hours=3)


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path / "data", environ={})


def _case(store, when, status="distress", persons=80, position="33 52N 12 31E"):
    record = {"position": position, "time": when, "status": status, "boat_type": "rubber"}
    if persons is not None:
        record["persons"] = persons
    return store.create(record, user="amina")["id"]


def _drift(store, incident_id, start):
    drifts = DriftStore(store)
    drift = drifts.create(incident_id, {"hours": 24}, "amina")
    out = make_drift(start=start, incident_id=incident_id)
    drifts.finish(drift["id"], out["json"], out["geojson"], out["kml"], out["gpx"])
    return out["json"]


def _texts(settings, lang, now):
    report = gather_report(settings, None, now=now)
    msg = compose(report, lang, MailParts(), "seawatch@example.org", "ops@example.org")
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    plain = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    return report, plain, html, msg


def _bare(text: str) -> str:
    """Without the bidi isolates the Arabic message puts around inserted values."""
    return text.replace("\u2068", "").replace("\u2069", "")


def test_open_cases_with_their_current_datum_and_area(settings):
    now, start = _clock()
    with IncidentStore(settings.store_url) as store:
        with_drift = _case(store, start)
        result = _drift(store, with_drift, start)
        _case(store, start - dt.timedelta(hours=5), persons=None, position="33 10N 13 40E")
        rescued = _case(store, start, status="rescued", position="33 30N 13 00E")
        _drift(store, rescued, start)
    report, plain, html, _ = _texts(settings, "en", now)
    assert report.drift_cases[0].incident_id == with_drift
    assert len(report.drift_cases) == 2 and report.problems == []
    # the datum of the message's hour: 3 h into the drift
    datum = result["datum_track"][3]
    case = report.drift_cases[0]
    assert (case.datum_lat, case.datum_lon) == (datum["lat"], datum["lon"])
    assert case.area_90_nm2 == pytest.approx(math.pi * 2.5**2, abs=0.05)
    section = plain.split("== Open distress cases: where are they now? ==")[1].split("==")[0]
    lines = [line for line in section.splitlines() if line.strip()]
    hour = (start + dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    assert (
        lines[0] == f"- {start:%Y-%m-%d %H:%M} UTC, persons on board: 80, "
        "last known position 33°52.000'N 012°31.000'E"
    )
    assert lines[1].startswith(f"  datum {hour} UTC: 33°50.")
    assert "90 % search area 20 NM² (drift computed 0 h ago)" in lines[1]
    assert "persons on board: unknown" in lines[2]
    assert lines[3] == '  no drift computed yet: use "Where is it now?" on the incident'
    assert len(lines) == 4  # the rescued case is not open
    assert html.count('class="drift-case"') == 2 and "NM²" in html

    report, plain, html, _ = _texts(settings, "ar", now)
    assert "حالات الاستغاثة المفتوحة: أين هي الآن؟" in plain
    assert "الموقع المرجّح الساعة" in plain and "ميل بحري مربع" in plain
    assert "لم يُحسب انجراف بعد" in plain
    assert 'dir="rtl"' in html


def test_a_drift_past_its_end_says_so(settings):
    now, start = _clock()
    with IncidentStore(settings.store_url) as store:
        _drift(store, _case(store, start), start)
    later = now + dt.timedelta(hours=30)
    report, plain, _, _ = _texts(settings, "en", now=later)
    assert report.drift_cases[0].ended
    end = (start + dt.timedelta(hours=24)).strftime("%Y-%m-%d %H:%M")
    assert f"datum at the end of the drift, {end} UTC" in plain
    assert f"{math.pi * 13**2:.0f} NM²" in plain and "start a new drift" in plain


def test_no_open_case_says_none_in_both_languages(settings):
    now, start = _clock()
    report, plain, html, _ = _texts(settings, "en", now)  # no store yet
    assert report.drift_cases == [] and "No open distress cases." in plain
    with IncidentStore(settings.store_url) as store:
        _case(store, start, status="closed")
    _, plain, html, _ = _texts(settings, "ar", now)
    assert "لا توجد حالات استغاثة مفتوحة." in plain and "لا توجد حالات استغاثة مفتوحة." in html


def test_many_open_cases_keep_the_message_small(settings):
    now, start = _clock()
    with IncidentStore(settings.store_url) as store:
        for i in range(40):
            incident = _case(
                store, start - dt.timedelta(minutes=i), position=f"33 {10 + i}N 12 {10 + i}E"
            )
            _drift(store, incident, start)
    report, plain, _, msg = _texts(settings, "ar", now)
    assert len(report.drift_cases) == MAX_DRIFT_CASES and report.drift_cases_more == 40 - 12
    assert "و28 حالات مفتوحة أخرى" in _bare(plain)
    with IncidentStore(settings.store_url) as store:
        for case in store.list(statuses=["distress"]):
            store.update(case["id"], {"status": "closed"}, version=case["version"], user="amina")
    *_, without = _texts(settings, "ar", now)
    added = message_size(msg) - message_size(without)
    # 12 cases in both parts, Arabic (2 bytes a letter, quoted-printable or base64)
    assert 0 < added < 20_000, added
    assert message_size(msg) < settings.mail.max_bytes
