"""The message catalogue: both languages complete, formatting, fallbacks, direction."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from seawatch.errors import ConfigError
from seawatch.i18n import (
    LANGS,
    catalogue_keys,
    check_lang,
    direction,
    messages,
    resolve_lang,
    subset,
    translate,
)

FIELD = re.compile(r"\{(\w+)\}")


def test_every_language_has_every_key():
    english = catalogue_keys("en")
    for lang in LANGS:
        assert catalogue_keys(lang) == english, f"{lang} differs: {catalogue_keys(lang) ^ english}"


def test_translations_use_the_same_fields_as_english():
    for key in catalogue_keys("en"):
        en_fields = set(FIELD.findall(messages("en")[key]))
        ar_fields = set(FIELD.findall(messages("ar")[key]))
        assert en_fields == ar_fields, key


def test_arabic_texts_are_arabic():
    ar = messages("ar")
    for key in ("map.title", "hazard.extreme", "banner.demo", "legend.title"):
        assert re.search("[\u0600-\u06ff]", ar[key]), key
        assert ar[key] != messages("en")[key]


def test_catalogue_files_are_valid_flat_json():
    for lang in LANGS:
        text = (
            resources.files("seawatch.data").joinpath("messages", f"{lang}.json").read_text("utf-8")
        )
        data = json.loads(text)
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in data.items())


def test_translate_fills_fields():
    assert translate("unit.kn", "en", v=12) == "12 kn"
    assert translate("banner.demo", "en") == "DEMO - synthetic sea state, not a forecast"
    assert "12" in translate("unit.kn", "ar", v=12)


def test_unknown_key_is_a_key_error():
    with pytest.raises(KeyError, match="no message"):
        translate("no.such.key", "en")


def test_language_checks_and_defaults():
    assert resolve_lang(None) == "en"
    assert resolve_lang(None, "ar") == "ar"
    assert resolve_lang("en", "ar") == "en"
    with pytest.raises(ConfigError, match="'fr' is not available"):
        check_lang("fr")
    assert direction("ar") == "rtl"
    assert direction("en") == "ltr"


def test_subset_selects_prefixes():
    part = subset(("hazard.",), "en")
    assert part and all(k.startswith("hazard.") for k in part)


def test_every_driver_of_the_risk_model_has_words_in_both_languages():
    from seawatch.i18n import catalogue_keys
    from seawatch.layers.capsize import DRIVER_FLAGS

    for lang in ("en", "ar"):
        keys = catalogue_keys(lang)
        missing = [name for name, _, _ in DRIVER_FLAGS if f"driver.{name}" not in keys]
        assert not missing, (lang, missing)
