"""CAP 1.2 messages as data, written as XML in the schema's element order (lxml).

Times are UTC and written ``YYYY-MM-DDThh:mm:ss-00:00`` (CAP 1.2 section 3.2.1: no ``Z``, UTC
as ``-00:00``; the XSD rejects fractional seconds). Polygons are ``lat,lon`` pairs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from seawatch.xmlutil import Namespace

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
_CAP = Namespace(CAP_NS)
_sub = _CAP.sub


def cap_time(value: dt.datetime) -> str:
    """``value`` (aware, or naive UTC) as CAP text: ``2026-07-09T12:00:00-00:00``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S-00:00")


def parse_cap_time(text: str) -> dt.datetime:
    """CAP time text (``-00:00``, ``+00:00`` or any offset) as an aware UTC datetime."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


@dataclass
class Area:
    desc: str
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)
    """Rings of (lat, lon) pairs, closed (first pair repeated last)."""
    geocodes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Info:
    language: str
    event: str
    response_type: str
    urgency: str
    severity: str
    certainty: str
    onset: dt.datetime
    expires: dt.datetime
    headline: str
    description: str
    instruction: str
    web: str
    sender_name: str
    categories: tuple[str, ...] = ("Safety", "Met")
    event_codes: list[tuple[str, str]] = field(default_factory=list)
    parameters: list[tuple[str, str]] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)


@dataclass
class Message:
    identifier: str
    sender: str
    sent: dt.datetime
    status: str
    msg_type: str
    scope: str
    restriction: str = ""
    codes: list[str] = field(default_factory=list)
    note: str = ""
    references: list[tuple[str, str, str]] = field(default_factory=list)
    """(sender, identifier, sent as CAP text) of each earlier message."""
    infos: list[Info] = field(default_factory=list)


def _pairs(ring: list[tuple[float, float]]) -> str:
    # Six decimals at most (Google's requirement); about 0.1 m.
    return " ".join(f"{_num(lat)},{_num(lon)}" for lat, lon in ring)


def _num(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def to_element(message: Message) -> etree._Element:
    """The ``<alert>`` element, children in the order of the XSD's sequences."""
    alert = _CAP.root("alert")
    _sub(alert, "identifier", message.identifier)
    _sub(alert, "sender", message.sender)
    _sub(alert, "sent", cap_time(message.sent))
    _sub(alert, "status", message.status)
    _sub(alert, "msgType", message.msg_type)
    _sub(alert, "scope", message.scope)
    if message.restriction:
        _sub(alert, "restriction", message.restriction)
    for code in message.codes:
        _sub(alert, "code", code)
    if message.note:
        _sub(alert, "note", message.note)
    if message.references:
        _sub(alert, "references", " ".join(",".join(t) for t in message.references))
    for info in message.infos:
        _info(alert, info)
    return alert


def _info(alert: etree._Element, info: Info) -> None:
    el = _sub(alert, "info")
    _sub(el, "language", info.language)
    for category in info.categories:
        _sub(el, "category", category)
    _sub(el, "event", info.event)
    _sub(el, "responseType", info.response_type)
    _sub(el, "urgency", info.urgency)
    _sub(el, "severity", info.severity)
    _sub(el, "certainty", info.certainty)
    for name, value in info.event_codes:
        _named(el, "eventCode", name, value)
    _sub(el, "onset", cap_time(info.onset))
    _sub(el, "expires", cap_time(info.expires))
    _sub(el, "senderName", info.sender_name)
    _sub(el, "headline", info.headline)
    _sub(el, "description", info.description)
    if info.instruction:
        _sub(el, "instruction", info.instruction)
    if info.web:
        _sub(el, "web", info.web)
    for name, value in info.parameters:
        _named(el, "parameter", name, value)
    for area in info.areas:
        area_el = _sub(el, "area")
        _sub(area_el, "areaDesc", area.desc)
        for ring in area.polygons:
            _sub(area_el, "polygon", _pairs(ring))
        for name, value in area.geocodes:
            _named(area_el, "geocode", name, value)


def _named(parent: etree._Element, tag: str, name: str, value: str) -> None:
    """A CAP ``valueName``/``value`` pair (eventCode, parameter, geocode)."""
    element = _sub(parent, tag)
    _sub(element, "valueName", name)
    _sub(element, "value", value)


def to_xml(message: Message) -> bytes:
    """The message as UTF-8 XML bytes with an XML declaration."""
    return etree.tostring(
        to_element(message), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
