"""The e-mail's words in English and Arabic.

Messages are the ``mail.*`` keys of seawatch's one message catalogue (:mod:`seawatch.i18n`,
``seawatch/data/messages/<lang>.json``), and the words the e-mail shares with the maps and the
web pages (``status.*``, ``sar.*``, ``incident.*``, ``destination.*``), so each word is translated once. A key missing from Arabic falls back to English; an
unknown key is a programming error.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from seawatch.i18n import LANGS, direction, subset

__all__ = ["LANGS", "catalogue", "direction", "t"]
FSI, PDI = "\u2068", "\u2069"  # Unicode first-strong isolate and its closing mark


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All e-mail messages of ``lang`` (English where Arabic lacks a key)."""
    return subset(("mail.", "status.", "sar.", "incident.", "destination."), lang)


def t(key: str, lang: str, /, **fields: Any) -> str:
    """The message ``key`` in ``lang`` with ``fields`` filled in."""
    template = catalogue(lang).get(key)
    if template is None:
        raise KeyError(f"no e-mail message {key!r}")
    if fields and direction(lang) == "rtl":
        # Isolate each inserted value (dates, positions, names in Latin script) so the bidi
        # algorithm does not reorder it with the Arabic around it.
        fields = {k: f"{FSI}{v}{PDI}" for k, v in fields.items()}
    return template.format(**fields) if fields else template
