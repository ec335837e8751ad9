"""XML documents in one namespace, written with lxml (KML and GPX of a drift, CAP alerts)."""

from __future__ import annotations

from lxml import etree

__all__ = ["Namespace"]


class Namespace:
    """Elements of the XML namespace ``uri``, which the document declares as its default.

    ``Namespace(KML_NS).root("kml")`` is ``<kml xmlns="http://www.opengis.net/kml/2.2"/>``;
    ``sub(parent, "name", "text", id="x")`` appends ``<name id="x">text</name>`` to ``parent``.
    """

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def tag(self, name: str) -> str:
        """The qualified (Clark) name of ``name``: ``{uri}name``."""
        return f"{{{self.uri}}}{name}"

    def root(self, name: str, **attrib: str) -> etree._Element:
        """The document element, declaring the namespace as the default one."""
        return etree.Element(self.tag(name), nsmap={None: self.uri}, **attrib)

    def sub(
        self, parent: etree._Element, name: str, text: str | None = None, **attrib: str
    ) -> etree._Element:
        """A child element appended to ``parent``, with ``text`` (if given) and attributes."""
        element = etree.SubElement(parent, self.tag(name), **attrib)
        if text is not None:
            element.text = text
        return element
