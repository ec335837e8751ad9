"""The static map's Arabic header reads its dates as the English one does (YYYY-MM-DD HH:MM UTC).

Checked on the strings handed to matplotlib, laid out for display by python-bidi's implementation
of the Unicode bidirectional algorithm (UAX #9, the one matplotlib's own layout follows).
"""

from __future__ import annotations

import re

from bidi import get_display

from seawatch.maps.context import forecast_info
from seawatch.maps.static import build_figure
from tests.maps.conftest import NOW

MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))
DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


def _on_screen(text: str) -> str:
    """``text`` in the order its characters appear left to right, one line per line."""
    return "\n".join(
        get_display(line, base_dir="R").translate(MARKS).replace("\u00a0", " ")
        for line in text.split("\n")
    )


def _header(fig, gid: str) -> str:
    return next(t for t in fig.texts if t.get_gid() == gid).get_text()


def test_arabic_title_and_subtitle_dates_read_left_to_right(long_risk):
    info = forecast_info(long_risk, NOW, 18)
    english = build_figure(long_risk, None, info, "en", NOW)
    arabic = build_figure(long_risk, None, info, "ar", NOW)
    for gid in ("title", "subtitle"):
        wanted = DATE_TIME.findall(_header(english, gid))
        shown = _on_screen(_header(arabic, gid))
        assert wanted and all(stamp in shown for stamp in wanted), (gid, wanted, shown)
    # The window runs from its start to its end: read right to left, the start comes first.
    start, end = DATE_TIME.findall(_header(english, "title"))
    title = _on_screen(_header(arabic, "title"))
    assert title.index(start) > title.index(end), title
    # The parts of the subtitle keep their Arabic order: the model run (first) right of the model.
    subtitle = _on_screen(_header(arabic, "subtitle"))
    run = DATE_TIME.findall(_header(english, "subtitle"))[0]
    assert subtitle.index(run) > subtitle.index(info.model.split()[0]), subtitle


def test_arabic_panel_titles_keep_their_dates(long_risk):
    info = forecast_info(long_risk, NOW, 18)
    fig = build_figure(long_risk, None, info, "ar", NOW, panels=True)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 4
    for title in titles:
        assert DATE_TIME.search(_on_screen(title)), title
