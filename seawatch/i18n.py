"""The one message catalogue for every text a person reads, in English and Arabic.

Messages live in ``seawatch/data/messages/<lang>.json`` as flat ``{"key": "text"}`` objects;
keys are dotted by the place they are read (``map.legend.title``, ``hazard.severe``). Texts are
:meth:`str.format` templates with named fields (``"{hours} h ago"``). Both catalogues carry the
same keys (a test checks it); a key missing from the Arabic catalogue falls back to English so a
new message never breaks a map, and an unknown key is a programming error.

Arabic is written right to left: :func:`direction` gives the ``dir`` attribute for HTML.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from seawatch.errors import ConfigError

LANGS: tuple[str, ...] = ("en", "ar")
DEFAULT_LANG = "en"
_RTL = frozenset({"ar"})


@cache
def messages(lang: str) -> Mapping[str, str]:
    """All messages of one language (English filled in where a key is missing).

    Parameters
    ----------
    lang
        ``"en"`` or ``"ar"``.

    Raises
    ------
    ConfigError
        If ``lang`` is not a supported language.
    """
    lang = check_lang(lang)
    english = _load(DEFAULT_LANG)
    if lang == DEFAULT_LANG:
        return english
    return {**english, **_load(lang)}


@cache
def _load(lang: str) -> dict[str, str]:
    text = (
        resources.files("seawatch.data")
        .joinpath("messages", f"{lang}.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def catalogue_keys(lang: str) -> frozenset[str]:
    """Keys present in one language's own file (no English fallback), for checks."""
    return frozenset(_load(check_lang(lang)))


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`ConfigError` with one line."""
    if lang not in LANGS:
        raise ConfigError(f"language {lang!r} is not available; use one of {', '.join(LANGS)}")
    return lang


def resolve_lang(lang: str | None, default: str | None = None) -> str:
    """The language to use: the explicit one, else ``default`` (the configured one), else English."""
    return check_lang(lang or default or DEFAULT_LANG)


def translate(key: str, lang: str = DEFAULT_LANG, /, **fields: Any) -> str:
    """The message ``key`` in ``lang`` with ``fields`` filled in.

    Raises
    ------
    KeyError
        If no catalogue has ``key``.
    """
    template = messages(lang).get(key)
    if template is None:
        raise KeyError(f"no message {key!r} in the seawatch catalogue")
    return template.format(**fields) if fields else template


def direction(lang: str) -> str:
    """Writing direction for HTML ``dir``: ``"rtl"`` for Arabic, ``"ltr"`` otherwise."""
    return "rtl" if check_lang(lang) in _RTL else "ltr"


def subset(prefixes: tuple[str, ...], lang: str) -> dict[str, str]:
    """Messages whose key starts with one of ``prefixes`` (what a web page's script needs)."""
    return {k: v for k, v in messages(lang).items() if k.startswith(prefixes)}
