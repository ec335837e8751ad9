"""Check a CAP message before it is published: the OASIS CAP 1.2 XSD, then the rules it misses.

A message conforms only if it is valid against the XSD *and* meets the MUST rules of the
specification's section 3 (CAP 1.2 section 4.2). The extra rules checked here:

* times ``YYYY-MM-DDThh:mm:ss`` with ``-00:00`` for UTC (section 3.2.1: no ``Z``);
* identifier and sender without spaces, commas, ``<`` or ``&`` (section 3.2.1);
* ``restriction`` exactly when scope is Restricted; ``note`` on Exercise (section 3.2.1);
* ``references`` exactly on Update and Cancel, as ``sender,identifier,sent`` triples;
* polygons: at least 4 pairs, closed, lat/lon in range, valid (no self-intersection),
  at most 100 vertices (section 3.2.4; vertex count: WMO CAP Composer's recommendation);
* every ``<info>`` has the same urgency, severity, certainty, onset and expires;
* headline at most 160 characters (section 3.2.2), event under 35 and areaDesc under 50
  (Google public alerts requirements).

The XSD is the official OASIS file, vendored unchanged beside this module (see SOURCE.txt).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lxml import etree

from seawatch.alerts.cap import CAP_NS

XSD_NAME = "CAP-v1.2.xsd"
NS = {"cap": CAP_NS}
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-00:00")
BAD_ID_CHARS = re.compile(r"[\s,<&]")
MAX_VERTICES = 100
HEADLINE_MAX = 160
EVENT_MAX = 34
AREA_DESC_MAX = 49


@cache
def schema() -> etree.XMLSchema:
    """The OASIS CAP 1.2 schema, from the package (no network)."""
    with resources.files("seawatch.alerts").joinpath(XSD_NAME).open("rb") as handle:
        return etree.XMLSchema(etree.parse(handle))


def problems(xml: bytes) -> list[str]:
    """Everything wrong with a CAP message; empty when it may be published."""
    try:
        doc = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    xsd = schema()
    if not xsd.validate(doc):
        return [f"XSD line {e.line}: {e.message}" for e in xsd.error_log]
    return _rules(doc)


def _text(el: etree._Element, path: str) -> str | None:
    found = el.find(path, NS)
    return None if found is None else (found.text or "")


def _rules(alert: etree._Element) -> list[str]:
    out: list[str] = []
    for name in ("identifier", "sender"):
        value = _text(alert, f"cap:{name}") or ""
        if not value or BAD_ID_CHARS.search(value):
            out.append(f"{name} {value!r} is empty or has a space, comma, < or &")
    for el in alert.iter(*(f"{{{CAP_NS}}}{n}" for n in ("sent", "effective", "onset", "expires"))):
        if not TIME_RE.fullmatch(el.text or ""):
            out.append(f"{etree.QName(el).localname} {el.text!r} is not UTC written -00:00")
    scope = _text(alert, "cap:scope")
    restriction = _text(alert, "cap:restriction")
    if (scope == "Restricted") != bool(restriction):
        out.append("restriction must be present exactly when scope is Restricted")
    if _text(alert, "cap:status") == "Exercise" and not _text(alert, "cap:note"):
        out.append("an Exercise needs a note saying so")
    msg_type = _text(alert, "cap:msgType")
    references = _text(alert, "cap:references")
    if msg_type in ("Update", "Cancel"):
        if not references:
            out.append(f"{msg_type} without references")
        else:
            for triple in references.split():
                parts = triple.split(",")
                if len(parts) != 3 or not all(parts) or not TIME_RE.fullmatch(parts[2]):
                    out.append(f"reference {triple!r} is not sender,identifier,sent")
    elif references:
        out.append(f"references on a {msg_type} (only Update and Cancel refer to others)")
    infos = alert.findall("cap:info", NS)
    if msg_type == "Alert" and not infos:
        out.append("an Alert needs at least one info block")
    fields = ("urgency", "severity", "certainty", "onset", "expires")
    seen = {tuple(_text(i, f"cap:{f}") for f in fields) for i in infos}
    if len(seen) > 1:
        out.append("info blocks differ in urgency, severity, certainty, onset or expires")
    for info in infos:
        lang = _text(info, "cap:language") or "en-US"
        if len(_text(info, "cap:headline") or "") > HEADLINE_MAX:
            out.append(f"{lang} headline longer than {HEADLINE_MAX} characters")
        if len(_text(info, "cap:event") or "") > EVENT_MAX:
            out.append(f"{lang} event longer than {EVENT_MAX} characters")
        for area in info.findall("cap:area", NS):
            if len(_text(area, "cap:areaDesc") or "") > AREA_DESC_MAX:
                out.append(f"{lang} areaDesc longer than {AREA_DESC_MAX} characters")
            for polygon in area.findall("cap:polygon", NS):
                out.extend(f"{lang} polygon: {p}" for p in polygon_problems(polygon.text or ""))
    return out


def polygon_problems(text: str) -> list[str]:
    """What is wrong with CAP polygon text (``lat,lon lat,lon ...``)."""
    import shapely

    try:
        pairs = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
    except ValueError:
        return ["not whitespace-separated lat,lon pairs"]
    if any(len(p) != 2 for p in pairs):
        return ["not whitespace-separated lat,lon pairs"]
    out = []
    if len(pairs) < 4:
        out.append(f"{len(pairs)} pairs; at least 4 are needed")
    if pairs and pairs[0] != pairs[-1]:
        out.append("not closed (first and last pairs differ)")
    if len(pairs) - 1 > MAX_VERTICES:
        out.append(f"{len(pairs) - 1} vertices; at most {MAX_VERTICES}")
    if any(not (-90 <= lat <= 90 and -180 <= lon <= 180) for lat, lon in pairs):
        out.append("a pair is outside lat -90..90 or lon -180..180")
    if not out:
        ring = shapely.Polygon([(lon, lat) for lat, lon in pairs])
        if not ring.is_valid:
            out.append(f"invalid ({shapely.is_valid_reason(ring)})")
    return out
