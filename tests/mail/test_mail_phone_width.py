"""The morning e-mail fits a phone's screen (390 CSS px) in English and Arabic, as drawn by
chromium: no table wider than the screen, nothing to scroll sideways.

It must fit with its <style> block too and without it (many e-mail clients drop <style>; inline
styles are what they keep), so the layout that fits is the inline one.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from seawatch.config import load_settings
from seawatch.mail import MailParts, compose
from seawatch.mail.report import IncidentLine, gather_report
from seawatch.pipeline import write_risk_summary
from tests.browser import offline_page
from tests.maps.risk_fixture import make_risk

NOW = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
PHONE_PX = 390  # a common phone's viewport (iPhone 12 to 14), CSS px
SMALL_PHONE_PX = 320  # the narrowest phones still in use (iPhone SE 1st gen), CSS px

WIDTHS_JS = """() => ({page: document.documentElement.scrollWidth,
  tables: Array.from(document.querySelectorAll('table'), t => t.getBoundingClientRect().right)})"""


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> dict[str, str]:
    """The HTML part of a full morning e-mail: every departure area of the bundled list over
    72 h for three boat classes, SAR regions, and incidents with long source names."""
    data = tmp_path_factory.mktemp("mail-data")
    settings = load_settings(data_dir=data, environ={})
    risk = make_risk(hours=96)
    write_risk_summary(settings, risk, data / "risk.nc")
    report = gather_report(settings, risk, NOW)
    assert len(report.areas) >= 10 and len(report.windows) >= 12, report.areas
    for k, (status, source) in enumerate(
        [("distress", "alarm_phone"), ("intercepted", "iom"), ("capsized", "coordinator")]
    ):
        report.incidents.append(
            IncidentLine(
                NOW - dt.timedelta(hours=5 * k), 33.5 + k / 7, 12.25 + k / 3, 40, status, source
            )
        )
    out = {}
    for lang in ("en", "ar"):
        msg = compose(report, lang, MailParts(), "s@example.org", "o@example.org")
        out[lang] = msg.get_body(("html",)).get_content()
    return out


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("style", [True, False], ids=["with-style", "inline-only"])
def test_mail_fits_a_phone(browser, tmp_path, html, lang, style):
    text = html[lang] if style else re.sub(r"<style>.*?</style>", "", html[lang], flags=re.S)
    assert ("@media" in text) == style
    path = tmp_path / f"{lang}.html"
    path.write_text(text, encoding="utf-8")
    widths = [PHONE_PX, SMALL_PHONE_PX] if style else [PHONE_PX]
    for width in widths:
        with offline_page(browser, viewport=(width, 844)) as (page, record):
            page.goto(path.as_uri())
            found = page.evaluate(WIDTHS_JS)
            assert found["page"] <= width, (lang, style, width, found)
            assert len(found["tables"]) >= 5 and max(found["tables"]) <= width, found
            assert record.problems() == []
