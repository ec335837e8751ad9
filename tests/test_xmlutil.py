"""One namespace's elements: the document declares it as the default, children carry it."""

from __future__ import annotations

from lxml import etree

from seawatch.xmlutil import Namespace

GPX_NS = "http://www.topografix.com/GPX/1/1"


def test_a_document_in_one_default_namespace_is_written_exactly():
    gpx = Namespace(GPX_NS)
    root = gpx.root("gpx", version="1.1", creator="seawatch")
    wpt = gpx.sub(root, "wpt", lat="35.000000", lon="16.000000")
    gpx.sub(wpt, "name", "LKP & <datum>")
    gpx.sub(wpt, "sym")
    assert etree.tostring(root, xml_declaration=True, encoding="UTF-8") == (
        b"<?xml version='1.0' encoding='UTF-8'?>\n"
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="seawatch">'
        b'<wpt lat="35.000000" lon="16.000000"><name>LKP &amp; &lt;datum&gt;</name><sym/></wpt>'
        b"</gpx>"
    )
    assert wpt.tag == gpx.tag("wpt") == "{http://www.topografix.com/GPX/1/1}wpt"
    assert root.find("g:wpt/g:name", {"g": GPX_NS}).text == "LKP & <datum>"
