"""Port names on the static map sit next to their own marker (nearest to it of all markers).

Zawiya's name was drawn 21 pt below its marker, under Sabratha's, on the default area (10-25 E):
names were placed in one pass in gazetteer order, and an early one taking a far place pushed the
next one off its marker.
"""

from __future__ import annotations

import math

import pytest

from seawatch.geo.regions import ports
from seawatch.maps.context import PORT_LABEL_FIRST, forecast_info
from seawatch.maps.static import DPI, PORT_LABEL_PLACES, build_figure, phone_layout
from tests.maps.conftest import NOW
from tests.maps.risk_fixture import make_incidents, make_risk

# The farthest place a name may take (points), as pixels at the map's resolution.
MAX_GAP_PX = max(math.hypot(dx, dy) for dx, dy, _, _ in PORT_LABEL_PLACES) * DPI / 72
NEXT_TO_PX = 9.0  # a name at one of the places touching its marker (6 pt off, 8.3 px)


@pytest.fixture(scope="module")
def areas():
    return {"default": make_risk(east=25.0, resolution=0.1), "central": make_risk(resolution=0.1)}


def _gap(box, x: float, y: float) -> float:
    return math.hypot(max(box.x0 - x, 0.0, x - box.x1), max(box.y0 - y, 0.0, y - box.y1))


def _port_labels(fig) -> dict[str, tuple[float, float, float]]:
    """gid -> (gap to own marker, gap to the nearest other port marker, px) of each drawn name."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    names = [t for t in ax.texts if (t.get_gid() or "").startswith("port-")]
    markers = {t.get_gid(): ax.transData.transform(t.xy) for t in names}
    out = {}
    for text in names:
        if not text.get_visible():
            continue
        box = text.get_window_extent(renderer)
        own = _gap(box, *markers[text.get_gid()])
        others = [_gap(box, *xy) for gid, xy in markers.items() if gid != text.get_gid()]
        out[text.get_gid()] = (own, min(others))
    return out


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("area", ["default", "central"])
@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_every_port_name_sits_next_to_its_own_marker(areas, area, lang, phone):
    risk = areas[area]
    layout = phone_layout() if phone else None
    fig = build_figure(
        risk, make_incidents(20, now=NOW), forecast_info(risk, NOW, 18), lang, NOW, layout=layout
    )
    labels = _port_labels(fig)
    assert len(labels) >= 12, labels
    for gid, (own, other) in labels.items():
        assert own <= MAX_GAP_PX, (gid, own)
        assert own < other, (gid, own, other)
    # The towns readers place the coast by keep their names on every map, the phone's too.
    inside = ports().cx[float(risk.lon.min()) : float(risk.lon.max()), :]
    majors = {f"port-{p}" for p in PORT_LABEL_FIRST if p in set(inside["id"])}
    assert majors and majors <= set(labels), sorted(labels)
    if phone and area == "default":
        # 640 px for 15 degrees: the ten ports from Abu Kammash to Misrata are 8 px apart, and
        # a name that does not fit by its marker is left out rather than put by another one.
        return
    # Zawiya's name right by its marker, and the departure coast named around it
    assert labels["port-zawiya"][0] <= NEXT_TO_PX, labels["port-zawiya"]
    if not phone:
        shown = set(labels)
        assert {"port-zuwara", "port-sabratha", "port-tripoli", "port-tajoura"} <= shown
