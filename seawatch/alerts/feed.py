"""The RSS 2.0 feed of the CAP messages: an index that alert hubs poll.

Each item: ``guid`` = CAP identifier, ``link`` = absolute URL of the CAP XML (the Filtered
Alert Hub fetches it from there), ``pubDate`` = sent, ``title``/``description`` = the English
headline and description, ``category`` = the CAP categories. Every message stays in the feed
until it expires (Updates, all-clears and Cancels too); Google asks for feeds of ~100 KB.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import format_datetime
from typing import Any

from lxml import etree

from seawatch.alerts.levels import CATEGORIES
from seawatch.alerts.store import AlertStore, unexpired
from seawatch.i18n import translate
from seawatch.storage import atomic_write_bytes

log = logging.getLogger(__name__)
FEED_TARGET_BYTES = 100_000


def message_url(web: str, identifier: str) -> str:
    return f"{web}/cap/{identifier}.xml"


def feed_xml(records: list[dict[str, Any]], web: str, now: dt.datetime) -> bytes:
    """RSS 2.0 of the unexpired messages, newest first."""
    rss = etree.Element("rss", version="2.0")
    channel = etree.SubElement(rss, "channel")
    for name, text in (
        ("title", translate("alerts.feed.title", "en")),
        ("link", f"{web}/cap/feed.xml"),
        ("description", translate("alerts.feed.description", "en")),
        ("language", "en"),
        ("lastBuildDate", format_datetime(now.astimezone(dt.UTC), usegmt=True)),
    ):
        etree.SubElement(channel, name).text = text
    for record in sorted(unexpired(records, now), key=lambda r: r["sent"], reverse=True):
        item = etree.SubElement(channel, "item")
        sent = dt.datetime.fromisoformat(record["sent"])
        etree.SubElement(item, "title").text = record["headline_en"]
        etree.SubElement(item, "link").text = message_url(web, record["identifier"])
        etree.SubElement(item, "description").text = record["description_en"]
        etree.SubElement(item, "pubDate").text = format_datetime(sent, usegmt=True)
        guid = etree.SubElement(item, "guid", isPermaLink="false")
        guid.text = record["identifier"]
        for category in CATEGORIES:
            etree.SubElement(item, "category").text = category
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_feed(store: AlertStore, web: str, now: dt.datetime) -> bytes:
    """Write ``feed.xml`` of the store; returns its bytes."""
    data = feed_xml(store.records(), web, now)
    if len(data) > FEED_TARGET_BYTES:
        log.warning(
            "CAP feed is %d bytes (target %d); unexpired messages are never dropped",
            len(data),
            FEED_TARGET_BYTES,
        )
    atomic_write_bytes(store.feed_path, data)
    return data
