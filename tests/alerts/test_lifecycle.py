"""Three consecutive builds (new, changed, gone), and withdrawing an alert."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from seawatch.alerts import alerts_in_force, cancel_alert, issue_alerts
from seawatch.alerts.cap import CAP_NS
from seawatch.alerts.validate import problems
from seawatch.errors import DataError
from seawatch.storage import DataPaths
from tests.alerts.conftest import NOW

NS = {"c": CAP_NS}


def _alert(path: str) -> etree._Element:
    xml = Path(path).read_bytes()
    assert problems(xml) == []
    return etree.fromstring(xml)


def _triple(alert: etree._Element) -> str:
    return ",".join(
        alert.findtext(f"c:{n}", namespaces=NS) for n in ("sender", "identifier", "sent")
    )


def _key(identifier: str) -> str:
    return identifier.split(".", 2)[2].removesuffix(".allclear").removesuffix(".cancel")


def test_three_builds_new_changed_gone(builds, settings):
    paths = DataPaths(settings.data_dir)
    first = issue_alerts(settings, paths, risk_path=builds[0], now=NOW)
    assert first and {i.msg_type for i in first} == {"Alert"}
    by_key = {_key(i.identifier): _alert(i.path) for i in first}

    # The same build again: nothing new.
    assert issue_alerts(settings, paths, risk_path=builds[0], now=NOW + dt.timedelta(hours=1)) == []

    # Weaker for rubber dinghies: Severe or worse becomes High -> Update; the rest is as it was.
    later = NOW + dt.timedelta(hours=2)
    second = issue_alerts(settings, paths, risk_path=builds[1], now=later)
    assert second and {i.msg_type for i in second} == {"Update"}
    assert {i.severity for i in second} == {"Severe"}
    unchanged = set(by_key) - {_key(i.identifier) for i in second}
    assert unchanged, "alerts that did not change must not be re-sent"
    assert all("rubber_dinghy" in i.identifier for i in second)
    for item in second:
        update = _alert(item.path)
        earlier = by_key[_key(item.identifier)]
        assert update.findtext("c:references", namespaces=NS) == _triple(earlier)
        assert item.references == [_triple(earlier)]
        by_key[_key(item.identifier)] = update

    # Calm: every alert in force gets an all-clear Update referencing its whole chain.
    calm = issue_alerts(settings, paths, risk_path=builds[2], now=later + dt.timedelta(hours=1))
    assert {_key(i.identifier) for i in calm} == set(by_key)
    for item in calm:
        clear = _alert(item.path)
        assert clear.findtext("c:msgType", namespaces=NS) == "Update"
        assert {r.text for r in clear.iterfind(".//c:responseType", NS)} == {"AllClear"}
        assert {s.text for s in clear.iterfind(".//c:severity", NS)} == {"Minor"}
        headlines = [h.text for h in clear.iterfind(".//c:headline", NS)]
        assert headlines[0].startswith("زوال الإنذار") and headlines[1].startswith("All clear")
        refs = clear.findtext("c:references", namespaces=NS).split()
        key = _key(item.identifier)
        chain = [_triple(a) for i, a in _history(first, second, key)]
        assert refs == chain
    assert alerts_in_force(paths, now=later + dt.timedelta(hours=1)) == []
    # Nothing left to clear: a fourth calm build publishes nothing.
    assert (
        issue_alerts(settings, paths, risk_path=builds[2], now=later + dt.timedelta(hours=2)) == []
    )


def _history(first, second, key):
    for batch in (first, second):
        for item in batch:
            if _key(item.identifier) == key:
                yield item, _alert(item.path)


def test_cancel_withdraws_an_alert_and_closes_it(builds, settings):
    paths = DataPaths(settings.data_dir)
    issued = issue_alerts(settings, paths, risk_path=builds[0], now=NOW)
    target = issued[0]
    assert target.identifier in {a["identifier"] for a in alerts_in_force(paths, now=NOW)}
    done = cancel_alert(settings, paths, target.identifier, now=NOW + dt.timedelta(minutes=5))
    cancel = _alert(done.path)
    assert cancel.findtext("c:msgType", namespaces=NS) == "Cancel"
    assert cancel.findtext("c:references", namespaces=NS) == _triple(_alert(target.path))
    assert target.identifier in cancel.findtext("c:note", namespaces=NS)
    in_force = {a["identifier"] for a in alerts_in_force(paths, now=NOW + dt.timedelta(minutes=6))}
    assert target.identifier not in in_force and len(in_force) == len(issued) - 1
    with pytest.raises(DataError, match="no longer in force"):
        cancel_alert(settings, paths, target.identifier, now=NOW + dt.timedelta(minutes=7))
    with pytest.raises(DataError, match="no alert 'nope'"):
        cancel_alert(settings, paths, "nope")
    # The withdrawn message stays in the feed until it expires.
    feed = (settings.data_dir / "cap" / "feed.xml").read_text(encoding="utf-8")
    assert target.identifier in feed and done.identifier in feed


def test_restricted_scope_carries_the_restriction(builds, tmp_path):
    from seawatch.config import load_settings

    env = {"SEAWATCH_ALERTS_SCOPE": "Restricted", "SEAWATCH_ALERTS_RESTRICTION": "RCC and NGO use"}
    settings = load_settings(data_dir=tmp_path, environ=env)
    issued = issue_alerts(settings, DataPaths(tmp_path), risk_path=builds[0], now=NOW)
    alert = _alert(issued[0].path)
    assert alert.findtext("c:scope", namespaces=NS) == "Restricted"
    assert alert.findtext("c:restriction", namespaces=NS) == "RCC and NGO use"


def test_a_message_that_fails_validation_is_not_published(builds, tmp_path, caplog):
    """A headline over 160 characters would break the rules: logged, not written."""
    from seawatch.config import load_settings

    settings = load_settings(data_dir=tmp_path, environ={})
    import seawatch.alerts.lifecycle as lifecycle

    original = lifecycle.hazard_infos

    def long_headline(hazard, ctx):
        infos = original(hazard, ctx)
        for info in infos:
            info.headline = "x" * 200
        return infos

    lifecycle.hazard_infos = long_headline
    try:
        issued = issue_alerts(settings, DataPaths(tmp_path), risk_path=builds[0], now=NOW)
    finally:
        lifecycle.hazard_infos = original
    assert issued == []
    assert "not published" in caplog.text and "headline longer than 160" in caplog.text
    assert list((tmp_path / "cap").glob("seawatch.*.xml")) == []


def test_two_runs_in_the_same_second_never_overwrite_a_message(builds, settings):
    paths = DataPaths(settings.data_dir)
    first = issue_alerts(settings, paths, risk_path=builds[0], now=NOW)
    before = {i.identifier: Path(i.path).read_bytes() for i in first}
    second = issue_alerts(settings, paths, risk_path=builds[1], now=NOW)
    assert second and all(i.identifier.endswith("-2") for i in second)
    for identifier, xml in before.items():
        assert (settings.data_dir / "cap" / f"{identifier}.xml").read_bytes() == xml


def test_alerts_in_force_names_areas_in_both_languages(builds, settings):
    paths = DataPaths(settings.data_dir)
    issue_alerts(settings, paths, risk_path=builds[0], now=NOW)
    current = alerts_in_force(paths, now=NOW)
    assert current and [a["level"] for a in current] == sorted(
        (a["level"] for a in current), reverse=True
    )
    libya = next(a for a in current if a["area_id"] == "libya")
    assert libya["area_name_ar"] == "منطقة البحث والإنقاذ الليبية"
    assert libya["headline_ar"] and libya["headline_en"].endswith("UTC")
