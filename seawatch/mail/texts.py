"""The e-mail's words in English and Arabic.

Messages are the ``mail.*`` keys of seawatch's one message catalogue (:mod:`seawatch.i18n`,
``seawatch/data/messages/<lang>.json``). A key missing from Arabic falls back to English; an
unknown key is a programming error.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from seawatch.errors import ConfigError

LANGS: tuple[str, ...] = ("en", "ar")
FSI, PDI = "\u2068", "\u2069"  # Unicode first-strong isolate and its closing mark


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All e-mail messages of ``lang`` (English where Arabic lacks a key)."""
    if lang not in LANGS:
        raise ConfigError(f"e-mail language {lang!r} is not available; use one of {LANGS}")
    english = _load("en")
    return english if lang == "en" else {**english, **_load(lang)}


@cache
def _load(lang: str) -> dict[str, str]:
    from seawatch.i18n import _load as load_catalogue

    return {k: v for k, v in load_catalogue(lang).items() if k.startswith("mail.")}


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


def direction(lang: str) -> str:
    """``"rtl"`` for Arabic, ``"ltr"`` otherwise (the HTML ``dir`` attribute)."""
    return "rtl" if lang == "ar" else "ltr"
