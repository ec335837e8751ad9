"""Make a rendered folium page self-contained: every script and stylesheet inline, no CDN.

folium pages load Leaflet and plugin files from CDNs. The third-party files (Leaflet, its
marker-cluster, full-screen and mouse-position plugins, with their licence headers and with the
images their CSS needs as ``data:`` URIs) come from the ``folium-offline`` package, which embeds
them keyed by their CDN address; seawatch's own map code is in ``seawatch/maps/assets/``
(referenced as ``seawatch:NAME``). :func:`inline_assets` replaces each ``<script src=...>`` and
``<link rel="stylesheet" href=...>`` by the file's contents. A reference to a file that neither
provides is an error, so a page can never silently depend on the network.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_SCRIPT = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_STYLESHEET = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)
_EXTERNAL = re.compile(
    r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*"([^"]*)"', re.IGNORECASE
)

ASSET_PACKAGE = "seawatch.maps.assets"


class AssetMissingError(RuntimeError):
    """A page references a script or stylesheet seawatch does not ship."""


# The third-party files the maps use, by the address folium-offline files them under.
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
MARKERCLUSTER_JS = (
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js"
)
MARKERCLUSTER_CSS = (
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css",
)


@cache
def asset_text(name: str) -> str:
    """Contents of one of seawatch's own map files (``seawatch-map.js``, ``seawatch-map.css``)."""
    return resources.files(ASSET_PACKAGE).joinpath(name).read_text(encoding="utf-8")


@cache
def _embedded() -> dict[str, str]:
    from offlinefolium.elements import _res  # CDN address -> file contents

    return dict(_res)


def _load(url: str) -> str:
    if url.startswith("seawatch:"):
        try:
            return asset_text(url.removeprefix("seawatch:"))
        except (FileNotFoundError, OSError):
            raise AssetMissingError(f"map page needs {url}, which seawatch does not ship") from None
    text = _embedded().get(url)
    if text is None:
        raise AssetMissingError(
            f"map page needs {url}, which neither seawatch nor folium-offline provides"
        )
    return text


def inline_script(js: str) -> str:
    """A ``<script>`` element holding ``js`` (``</script`` inside is escaped)."""
    return "<script>" + js.replace("</script", "<\\/script") + "</script>"


def inline_style(css: str) -> str:
    """A ``<style>`` element holding ``css``."""
    return "<style>" + css.replace("</style", "<\\/style") + "</style>"


def inline_assets(html: str) -> str:
    """Replace every external script and stylesheet reference in ``html`` by its contents.

    Raises
    ------
    AssetMissingError
        If a referenced file is provided neither by seawatch nor by folium-offline.
    """
    html = _SCRIPT.sub(lambda m: inline_script(_load(m.group(1))), html)
    return _STYLESHEET.sub(lambda m: inline_style(_load(m.group(1))), html)


def external_references(html: str) -> list[str]:
    """``src``/``href`` values of script, link, img and iframe tags that are not ``data:``/``#``.

    An offline page returns an empty list (links in ``<a>`` are for people to follow, not loads).
    """
    return [
        url
        for url in _EXTERNAL.findall(html)
        if url and not url.startswith(("data:", "#", "javascript:"))
    ]
