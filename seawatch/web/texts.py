"""Texts of the web pages in English and Arabic.

They are the ``web.*`` keys of seawatch's one message catalogue (:mod:`seawatch.i18n`,
``seawatch/data/messages/<lang>.json``). A key missing in Arabic falls back to English; an
unknown key is a programming error.
Hazard names and meanings come from the main catalogue.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from seawatch.i18n import LANGS, direction, subset

__all__ = ["LANGS", "direction", "pick_lang", "texts", "translate"]


@cache
def texts(lang: str) -> dict[str, str]:
    """Every web text in ``lang`` (English where the language has no text yet)."""
    return subset(("web.", "drift.ui."), lang)


def translate(key: str, lang: str = "en", /, **fields: Any) -> str:
    """The text ``key`` in ``lang`` with ``fields`` filled in."""
    template = texts(lang)[key]
    return template.format(**fields) if fields else template


def pick_lang(requested: str | None, default: str) -> str:
    """The language of a page: ``?lang=`` when supported, else the configured one."""
    return requested if requested in LANGS else default
