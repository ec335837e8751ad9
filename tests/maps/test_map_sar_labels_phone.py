"""SAR region labels stay on the screen of a phone (390 x 844), in English and Arabic.

They are centred on their point; the Tunisian SRR's point lies near the left edge of a phone at
the opening zoom, and its Arabic label ran 14 px off the screen.
"""

from __future__ import annotations

import pytest

from tests.browser import offline_page
from tests.maps.conftest import open_map

PHONE = (390, 844)  # a common phone's viewport (iPhone 12 to 14), CSS px

LABELS_JS = """() => Array.from(document.querySelectorAll('.sw-sar-label')).map(l => {
  const r = l.getBoundingClientRect(), icon = l.closest('.sw-sar').getBoundingClientRect();
  const visible = getComputedStyle(l).visibility !== 'hidden' && r.width > 0 &&
    r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight;
  return {text: l.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          visible, pointX: icon.left, pointY: icon.top};
})"""


def _assert_inside(labels, where):
    shown = [lb for lb in labels if lb["visible"]]
    for lb in shown:
        assert lb["left"] >= 0 and lb["right"] <= PHONE[0], (where, lb)
        assert lb["top"] >= 0 and lb["bottom"] <= PHONE[1], (where, lb)
    return shown


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_phone_sar_labels_stay_inside_the_screen(browser, maps, lang):
    with offline_page(browser, viewport=PHONE, touch=True) as (page, record):
        open_map(page, maps[lang])
        shown = _assert_inside(page.evaluate(LABELS_JS), "opening zoom")
        # all four regions are named at the opening zoom, Tunisia's too
        assert len(shown) == 4, shown
        tunisia = next(lb for lb in shown if "Tunisia" in lb["text"] or "التونسية" in lb["text"])
        # moved in no farther than needed: its point stays under the label
        assert tunisia["left"] <= tunisia["pointX"] <= tunisia["right"], tunisia
        # zoomed in on the Tunisian coast, and panned so the Libyan label's point leaves the map
        page.evaluate(
            "seawatchMap.map.setView([34.5, 11.0], seawatchMap.map.getZoom() + 1, {animate: false})"
        )
        page.wait_for_timeout(300)
        _assert_inside(page.evaluate(LABELS_JS), "zoomed in")
        page.evaluate("seawatchMap.map.panBy([150, 0], {animate: false})")
        page.wait_for_timeout(300)
        _assert_inside(page.evaluate(LABELS_JS), "panned")
        assert record.problems() == []
