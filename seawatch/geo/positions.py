"""Positions: read what coordinators type, write what people and chart plotters read.

:func:`parse_position` accepts the forms positions arrive in by phone, e-mail, NGO reports and
IOM files, and returns WGS84 decimal degrees plus the text as typed:

* decimal degrees, signed or with hemisphere letters: ``33.2083, 12.755``, ``33.2083N 12.755E``,
  ``-5.3, 35.9``, ``Lat 33.2083 Lon 12.755``;
* degrees and decimal minutes: ``33°12.5'N 012°45.3'E``, ``33 12.5N 12 45.3E``,
  ``N33 12.500 E012 45.300``, compact ``3312.5N 01245.3E``;
* degrees, minutes and seconds: ``33°12'30"N 12°45'18"E``, compact ``331230N 0124518E``;
* SAR SITREP style: ``54-37 N 008-18 E`` (also ``54-37-30N``);
* WKT ``POINT (lon lat)`` as in some IOM exports.

Hemisphere letters may come before or after the numbers (``N``/``S``/``E``/``W``, the English
words, or Arabic ``شمال``/``جنوب``/``شرق``/``غرب``); when they are given they decide which number is
the latitude, in any order. Without them, only decimal degrees are accepted and are read as
``latitude, longitude`` (the IOM and CAP convention). Unicode primes, curly quotes and degree
look-alikes, comma decimal separators (``33,2083 12,755``), Arabic-Indic digits and full-width
characters are understood.

Every failure is a :class:`~seawatch.errors.PositionError` whose message names the part that is
wrong and why (out of range, minutes >= 60, no hemisphere letters where the order is ambiguous,
an unreadable word).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from seawatch.errors import PositionError

__all__ = [
    "Position",
    "format_ddm",
    "format_decimal",
    "format_dms",
    "format_lat_ddm",
    "format_lat_ddm_array",
    "format_lat_dms",
    "format_lon_ddm",
    "format_lon_ddm_array",
    "format_lon_dms",
    "parse_position",
]


@dataclass(frozen=True)
class Position:
    """A parsed position.

    Attributes
    ----------
    lat, lon
        WGS84 latitude and longitude, decimal degrees (north and east positive).
    text
        The text exactly as given.
    format
        How it was written: ``decimal``, ``ddm``, ``dms``, ``sitrep``, ``compact``, ``wkt``, or
        ``mixed`` when latitude and longitude were written differently.
    """

    lat: float
    lon: float
    text: str
    format: str

    @property
    def ddm(self) -> str:
        """Degrees and decimal minutes, ``33°12.500'N 012°45.300'E``."""
        return format_ddm(self.lat, self.lon)

    def to_dict(self) -> dict[str, object]:
        """Plain data: lat, lon, ddm, dms, decimal, format, text."""
        return {
            "lat": self.lat,
            "lon": self.lon,
            "ddm": self.ddm,
            "dms": format_dms(self.lat, self.lon),
            "decimal": format_decimal(self.lat, self.lon),
            "format": self.format,
            "text": self.text,
        }


# --------------------------------------------------------------------------------------------
# Normalization: one canonical character per meaning, so the tokenizer stays small.

_DEGREE_LOOKALIKES = "°º˚ᵒ⁰∘"
_MINUTE_LOOKALIKES = "'′’‘´`ʹʼ‛＇"
_SECOND_LOOKALIKES = '"″”“ʺ‟＂〃'
_DASHES = "−‐‑‒–—﹣－"

_TRANSLATE = {ord(c): "°" for c in _DEGREE_LOOKALIKES}
_TRANSLATE |= {ord(c): "'" for c in _MINUTE_LOOKALIKES}
_TRANSLATE |= {ord(c): '"' for c in _SECOND_LOOKALIKES}
_TRANSLATE |= {ord(c): "-" for c in _DASHES}
_TRANSLATE |= {0x0660 + i: str(i) for i in range(10)}  # Arabic-Indic digits
_TRANSLATE |= {0x06F0 + i: str(i) for i in range(10)}  # Extended Arabic-Indic (Persian, Urdu)
_TRANSLATE |= {ord("٫"): ".", ord("٬"): ",", ord("،"): ",", ord("؛"): ";"}
# Bidi controls, zero-width characters, BOM, Arabic tashkeel and tatweel carry no meaning here.
_INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u061c\ufeff\u2060\u0640"
    + "".join(chr(c) for c in range(0x202A, 0x202F))
    + "".join(chr(c) for c in range(0x2066, 0x206A))
    + "".join(chr(c) for c in range(0x064B, 0x0653))
    + "\u0670"
)
_TRANSLATE |= {ord(c): None for c in _INVISIBLE}


def _normalize(text: str) -> str:
    # Look-alikes first: NFKC would turn "º" and "ᵒ" into "o" and "⁰" into "0".
    return unicodedata.normalize("NFKC", text.translate(_TRANSLATE)).translate(_TRANSLATE)


# --------------------------------------------------------------------------------------------
# Tokenizer

_HEMISPHERES = {
    "n": "N", "north": "N", "nord": "N", "شمال": "N", "ش": "N",
    "s": "S", "south": "S", "sud": "S", "جنوب": "S", "ج": "S",
    "e": "E", "east": "E", "est": "E", "شرق": "E", "ق": "E",
    "w": "W", "west": "W", "غرب": "W", "غ": "W",
}  # fmt: skip
_UNIT_WORDS = {
    "d": "deg", "deg": "deg", "degs": "deg", "degree": "deg", "degrees": "deg", "درجة": "deg",
    "m": "min", "min": "min", "mins": "min", "minute": "min", "minutes": "min", "دقيقة": "min",
    "sec": "sec", "secs": "sec", "second": "sec", "seconds": "sec", "ثانية": "sec",
}  # fmt: skip
_LABELS = {
    "lat": "lat", "latitude": "lat", "عرض": "lat",
    "lon": "lon", "long": "lon", "lng": "lon", "longitude": "lon", "طول": "lon",
}  # fmt: skip
_IGNORED_WORDS = {"خط"}  # "line" in "خط العرض" / "خط الطول"

_NUMBER_DOT = r"\d+(?:\.\d*)?|\.\d+"
_NUMBER_COMMA = r"\d+(?:,\d+)?"
_REST = r"""
 |(?P<deg>°)
 |(?P<sec>"|'')
 |(?P<min>')
 |(?P<word>[^\W\d_]+\.?)
 |(?P<sep>[,;/|])
 |(?P<dash>[-+])
 |(?P<colon>:)
 |(?P<space>[\s()\[\]{}]+)
"""
_TOKEN_DOT = re.compile(rf"(?P<num>{_NUMBER_DOT}){_REST}", re.VERBOSE)
_TOKEN_COMMA = re.compile(rf"(?P<num>{_NUMBER_COMMA}){_REST}", re.VERBOSE)


@dataclass
class _Token:
    kind: str  # num, unit, hemi, label, sep, sign, join, point
    value: str
    start: int
    end: int


def _tokenize(s: str, decimal_comma: bool, original: str) -> list[_Token]:
    pattern = _TOKEN_COMMA if decimal_comma else _TOKEN_DOT
    tokens: list[_Token] = []
    pos = 0
    while pos < len(s):
        m = pattern.match(s, pos)
        if m is None:
            raise PositionError(
                f"cannot read {s[pos]!r} at character {pos + 1} of position {original!r}"
            )
        kind = m.lastgroup
        raw = m.group()
        start, end = m.span()
        pos = end
        if kind == "space":
            continue
        if kind == "num":
            tokens.append(_Token("num", raw.replace(",", "."), start, end))
        elif kind in ("deg", "min", "sec"):
            tokens.append(_Token("unit", kind, start, end))
        elif kind == "sep":
            tokens.append(_Token("sep", raw, start, end))
        elif kind == "dash":
            between_digits = (
                raw == "-"
                and tokens
                and tokens[-1].kind == "num"
                and tokens[-1].end == start
                and end < len(s)
                and s[end].isdigit()
            )
            tokens.append(_Token("join" if between_digits else "sign", raw, start, end))
        elif kind == "colon":
            if tokens and tokens[-1].kind == "num" and end < len(s) and s[end].isdigit():
                tokens.append(_Token("join", ":", start, end))
        else:  # word
            tokens.append(_classify_word(raw, start, end, original))
    return [t for t in tokens if t.kind != "ignored"]


def _classify_word(raw: str, start: int, end: int, original: str) -> _Token:
    word = raw.rstrip(".").casefold()
    if word in _HEMISPHERES:
        return _Token("hemi", _HEMISPHERES[word], start, end)
    stripped = word.removesuffix("ا")  # Arabic adverbial form: شمالا, شرقا
    if stripped in _HEMISPHERES and len(stripped) > 1:
        return _Token("hemi", _HEMISPHERES[stripped], start, end)
    if word in _UNIT_WORDS:
        return _Token("unit", _UNIT_WORDS[word], start, end)
    if word in _LABELS:
        return _Token("label", _LABELS[word], start, end)
    if word.removeprefix("ال") in _LABELS:
        return _Token("label", _LABELS[word.removeprefix("ال")], start, end)
    if word == "point":
        return _Token("point", "POINT", start, end)
    if word in _IGNORED_WORDS:
        return _Token("ignored", word, start, end)
    raise PositionError(
        f"cannot read {raw!r} in position {original!r}: expected a hemisphere letter "
        "(N, S, E, W) or a unit (°, ', \")"
    )


# --------------------------------------------------------------------------------------------
# Parts: one coordinate each


@dataclass
class _Part:
    tokens: list[_Token]
    text: str
    hemi: str | None = None
    label: str | None = None
    sign: int = 1
    numbers: list[tuple[str, int]] = field(default_factory=list)  # (number text, slot 0/1/2)
    degree_mark: bool = False
    joined: bool = False

    @property
    def axis(self) -> str | None:
        if self.hemi is not None:
            return "lat" if self.hemi in "NS" else "lon"
        return self.label


_SLOTS = {"deg": 0, "min": 1, "sec": 2}
_SLOT_NAMES = ("degrees", "minutes", "seconds")


def _span_text(s: str, tokens: list[_Token]) -> str:
    return s[tokens[0].start : tokens[-1].end].strip() if tokens else ""


def _build_part(s: str, tokens: list[_Token], original: str) -> _Part:
    part = _Part(tokens=tokens, text=_span_text(s, tokens))
    where = f"{part.text!r}"
    hemis = [t for t in tokens if t.kind == "hemi"]
    labels = [t for t in tokens if t.kind == "label"]
    signs = [t for t in tokens if t.kind == "sign"]
    if len(hemis) > 1:
        raise PositionError(
            f"{where} has more than one hemisphere letter; write one of N/S and one of E/W"
        )
    if len(labels) > 1:
        raise PositionError(f"{where} is labelled both latitude and longitude")
    if len(signs) > 1:
        raise PositionError(f"{where} has more than one sign")
    if hemis:
        part.hemi = hemis[0].value
    if labels:
        part.label = labels[0].value
    if part.hemi and part.label and part.axis != part.label:
        axis_name = "latitude" if part.label == "lat" else "longitude"
        raise PositionError(f"{where} is labelled {axis_name} but has hemisphere {part.hemi}")
    if signs:
        if hemis:
            raise PositionError(
                f"{where} has both a sign and a hemisphere letter; use one or the other"
            )
        part.sign = -1 if signs[0].value == "-" else 1
    slot = -1
    pending: _Token | None = None
    for tok in tokens:
        if tok.kind == "num":
            if pending is not None:
                slot += 1
                part.numbers.append((pending.value, slot))
            pending = tok
        elif tok.kind == "unit":
            if pending is None:
                raise PositionError(f"{where}: unit mark without a number before it")
            marked = _SLOTS[tok.value]
            if marked <= slot:
                raise PositionError(
                    f"{where}: {_SLOT_NAMES[marked]} given after {_SLOT_NAMES[slot]}"
                )
            if marked > slot + 1:
                raise PositionError(
                    f"{where}: {_SLOT_NAMES[marked]} given without {_SLOT_NAMES[slot + 1]}"
                )
            slot = marked
            part.numbers.append((pending.value, slot))
            part.degree_mark |= marked == 0
            pending = None
        elif tok.kind == "join":
            part.joined = True
        elif tok.kind == "sign" and (part.numbers or pending is not None):
            raise PositionError(f"{where}: sign in the middle of a coordinate")
    if pending is not None:
        slot += 1
        part.numbers.append((pending.value, slot))
    if not part.numbers:
        raise PositionError(f"{where} has no number in position {original!r}")
    if len(part.numbers) > 3:
        raise PositionError(
            f"{where} has {len(part.numbers)} numbers; a coordinate has at most degrees, "
            "minutes and seconds"
        )
    return part


def _split_parts(s: str, tokens: list[_Token], original: str) -> list[list[_Token]]:
    if any(t.kind == "sep" for t in tokens):
        chunks: list[list[_Token]] = [[]]
        for tok in tokens:
            if tok.kind == "sep":
                chunks.append([])
            else:
                chunks[-1].append(tok)
        chunks = [c for c in chunks if c]
        if len(chunks) != 2:
            raise PositionError(
                f"position {original!r} has {len(chunks)} parts separated by ',' ';' or '/'; "
                "expected latitude and longitude"
            )
        return chunks

    markers = [t for t in tokens if t.kind in ("hemi", "label")]
    if markers:
        kinds = [t.kind for t in tokens]
        first_hemi = kinds.index("hemi") if "hemi" in kinds else len(kinds)
        parts: list[list[_Token]] = [[]]
        if first_hemi < kinds.index("num") or "hemi" not in kinds:
            # letters before the numbers: N33 12.5 E012 45.3 (labels always come first)
            for tok in tokens:
                if tok.kind in ("hemi", "label") and any(t.kind == "num" for t in parts[-1]):
                    parts.append([])
                parts[-1].append(tok)
        else:  # letters after the numbers: 33 12.5N 12 45.3E
            for tok in tokens:
                if tok.kind == "label" and any(t.kind == "num" for t in parts[-1]):
                    parts.append([])
                parts[-1].append(tok)
                if tok.kind == "hemi":
                    parts.append([])
        parts = [p for p in parts if p]
        if any(not any(t.kind == "num" for t in p) for p in parts) or (
            len(parts) == 1 and sum(t.kind == "hemi" for t in parts[0]) > 1
        ):
            raise PositionError(
                f"position {original!r}: hemisphere letters must all come before the numbers "
                "or all after them"
            )
        if len(parts) == 2:
            return parts
        if len(parts) > 2:
            raise PositionError(
                f"position {original!r} has {len(parts)} coordinates; "
                "expected latitude and longitude"
            )
        tokens = parts[0]  # one marked part holding everything: fall through to structure

    # No separators or letters that split: use the structure of the numbers.
    groups: list[list[_Token]] = [[]]
    has_degree_marks = any(t.kind == "unit" and t.value == "deg" for t in tokens)
    for i, tok in enumerate(tokens):
        current = groups[-1]
        starts_group = (
            tok.kind in ("sign", "num")
            and any(t.kind == "num" for t in current)
            and current[-1].kind not in ("join", "sign")
            and (
                tok.kind == "sign"
                # 33°12.5' 12°45.3': only a number with a degree mark starts a coordinate
                or not has_degree_marks
                or (
                    i + 1 < len(tokens)
                    and tokens[i + 1].kind == "unit"
                    and tokens[i + 1].value == "deg"
                )
            )
        )
        if starts_group:
            groups.append([])
        groups[-1].append(tok)
    if len(groups) == 2:
        return groups
    plain = all(sum(t.kind == "num" for t in g) == 1 for g in groups)
    if plain and len(groups) in (4, 6):
        half = len(groups) // 2
        return [[t for g in groups[:half] for t in g], [t for g in groups[half:] for t in g]]
    n_numbers = sum(t.kind == "num" for t in tokens)
    if n_numbers <= 1:
        raise PositionError(
            f"position {original!r} has only one coordinate; give latitude and longitude"
        )
    raise PositionError(
        f"cannot tell latitude from longitude in {original!r}: separate them with a comma "
        "or add hemisphere letters (N/S, E/W)"
    )


# --------------------------------------------------------------------------------------------
# Values


def _form(part: _Part, axis: str) -> str:
    if len(part.numbers) == 1 and _is_compact(part, axis):
        return "compact"
    if part.joined:
        return "sitrep"
    return ("decimal", "ddm", "dms")[len(part.numbers) - 1]


def _is_compact(part: _Part, axis: str) -> bool:
    number = part.numbers[0][0]
    int_digits = len(number.split(".")[0])
    return not part.degree_mark and int_digits >= 4


def _compact_components(part: _Part, axis: str) -> list[str]:
    number = part.numbers[0][0]
    whole, _, frac = number.partition(".")
    frac = f".{frac}" if frac else ""
    n = len(whole)
    if axis == "lat":
        deg_digits = {4: 2, 6: 2, 5: 3, 7: 3}.get(n)
        if n in (5, 7) and not whole.startswith("0"):
            deg_digits = None
    else:
        deg_digits = {4: 2, 5: 3, 6: 2, 7: 3}.get(n)
    if deg_digits is None:
        axis_name = "latitude" if axis == "lat" else "longitude"
        raise PositionError(
            f"{part.text!r}: cannot read the {n}-digit number as a {axis_name} "
            "(compact forms are DDMM.m / DDMMSS for latitude, DDDMM.m / DDDMMSS for longitude)"
        )
    rest = whole[deg_digits:]
    components = [whole[:deg_digits], rest[:2]]
    if len(rest) == 4:
        components.append(rest[2:])
    components[-1] += frac
    return components


def _value(part: _Part, axis: str) -> float:
    axis_name = "latitude" if axis == "lat" else "longitude"
    if len(part.numbers) == 1 and _is_compact(part, axis):
        if part.hemi is None:
            raise PositionError(
                f"{part.text!r}: a compact position (DDMM.m) needs a hemisphere letter"
            )
        components = _compact_components(part, axis)
    else:
        components = [n for n, _ in part.numbers]
    for i, number in enumerate(components[:-1]):
        if "." in number and number.split(".")[1].strip("0"):
            raise PositionError(
                f"{part.text!r}: {_SLOT_NAMES[i]} {number} must be whole when "
                f"{_SLOT_NAMES[i + 1]} follow"
            )
    values = [float(n) for n in components]
    for i in (1, 2):
        if len(values) > i and values[i] >= 60:
            raise PositionError(
                f"{part.text!r}: {_SLOT_NAMES[i]} {components[i]} must be less than 60"
            )
    magnitude = values[0] + sum(v / 60**i for i, v in enumerate(values[1:], start=1))
    negative = part.sign < 0 or part.hemi in ("S", "W")
    value = -magnitude if negative else magnitude
    limit = 90.0 if axis == "lat" else 180.0
    if magnitude > limit or not math.isfinite(magnitude):
        raise PositionError(
            f"{axis_name} {_show(value)} is out of range (-{limit:g} to {limit:g}) in {part.text!r}"
        )
    return value


def _show(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------------------------
# Public parser


def parse_position(text: str) -> Position:
    """Parse a position typed by a person or read from a file.

    Parameters
    ----------
    text
        The position in any of the forms in the module docstring.

    Returns
    -------
    Position
        Latitude and longitude in decimal degrees (WGS84), the text as given and its form.

    Raises
    ------
    PositionError
        With one line naming the part that is wrong and why.

    Examples
    --------
    >>> parse_position("33°12.5'N 012°45.3'E").lat
    33.208333333333336
    >>> parse_position("54-37 N 008-18 E").format
    'sitrep'
    """
    if not isinstance(text, str):
        raise PositionError(f"position must be text, got {type(text).__name__}")
    s = _normalize(text).strip()
    if not s:
        raise PositionError("position is empty")
    decimal_comma = bool(re.search(r"\d,\d", s)) and not re.search(r"\d\.\d", s)
    tokens = _tokenize(s, decimal_comma, text)
    if decimal_comma and sum(t.kind == "num" for t in tokens) == 1:
        # "33,12": a comma between two whole numbers separates them (CAP "lat,lon").
        tokens = _tokenize(s, False, text)
    if not any(t.kind == "num" for t in tokens):
        raise PositionError(f"position {text!r} has no numbers")
    _dash_between_coordinates(s, tokens)
    if any(t.kind == "point" for t in tokens):
        return _parse_wkt(s, tokens, text)

    raw_parts = _split_parts(s, tokens, text)
    parts = [_build_part(s, p, text) for p in raw_parts]
    first, second = parts
    axes = (first.axis, second.axis)
    if axes[0] is not None and axes[0] == axes[1]:
        name = "latitudes (N/S)" if axes[0] == "lat" else "longitudes (E/W)"
        raise PositionError(
            f"both coordinates in {text!r} are {name}; give one latitude and one longitude"
        )
    if axes == (None, None):
        forms = {_form(p, "lat") for p in parts}
        if forms != {"decimal"}:
            raise PositionError(
                f"no hemisphere letters in {text!r}: cannot tell latitude from longitude; "
                "write N/S and E/W (33°12.5'N 012°45.3'E) or decimal degrees 'lat, lon'"
            )
        lat_part, lon_part = first, second
    elif axes[0] == "lat" or axes[1] == "lon":
        lat_part, lon_part = first, second
    else:
        lat_part, lon_part = second, first
    implicit = axes == (None, None)
    try:
        lat = _value(lat_part, "lat")
    except PositionError as exc:
        if implicit and "out of range" in str(exc):
            raise PositionError(
                f"{exc}; without N/S/E/W the first number is read as the latitude"
            ) from None
        raise
    lon = _value(lon_part, "lon")
    forms = {_form(lat_part, "lat"), _form(lon_part, "lon")}
    return Position(lat=lat, lon=lon, text=text, format=forms.pop() if len(forms) == 1 else "mixed")


def _dash_between_coordinates(s: str, tokens: list[_Token]) -> None:
    """``33°12.5'N - 012°45.3'E``: a free-standing dash after a hemisphere letter, with another
    letter to come, separates the coordinates; it is not a minus sign."""
    for i, tok in enumerate(tokens):
        if (
            tok.kind == "sign"
            and tok.value == "-"
            and i > 0
            and (tok.end >= len(s) or s[tok.end].isspace())
            and tokens[i - 1].kind == "hemi"
            and any(t.kind == "hemi" for t in tokens[i + 1 :])
        ):
            tokens[i] = _Token("sep", "-", tok.start, tok.end)


def _parse_wkt(s: str, tokens: list[_Token], original: str) -> Position:
    rest = [t for t in tokens if t.kind != "point"]
    values: list[float] = []
    sign = 1
    for tok in rest:
        if tok.kind == "sign":
            sign = -1 if tok.value == "-" else 1
        elif tok.kind == "num":
            values.append(sign * float(tok.value))
            sign = 1
        else:
            raise PositionError(f"cannot read {tok.value!r} in WKT position {original!r}")
    if len(values) != 2:
        raise PositionError(f"WKT position {original!r} must be POINT (lon lat)")
    lon, lat = values
    if abs(lat) > 90:
        raise PositionError(f"latitude {_show(lat)} is out of range (-90 to 90) in {original!r}")
    if abs(lon) > 180:
        raise PositionError(f"longitude {_show(lon)} is out of range (-180 to 180) in {original!r}")
    return Position(lat=lat, lon=lon, text=original, format="wkt")


# --------------------------------------------------------------------------------------------
# Formatting


def _check(value: float, axis: str) -> float:
    limit = 90.0 if axis == "lat" else 180.0
    name = "latitude" if axis == "lat" else "longitude"
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise PositionError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise PositionError(f"{name} {value} is out of range (-{limit:g} to {limit:g})")
    return value


def _sexagesimal(value: float, decimals: int, fields: int) -> tuple[int, int, float, bool]:
    """Split ``abs(value)`` into whole degrees, whole minutes and the last field, rounded once.

    Rounding happens on an integer count of the smallest unit shown, so 59.9996' never prints
    as 60.000'. Returns (degrees, minutes, last, is_zero).
    """
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    per_degree = 60 ** (fields - 1) * 10**decimals
    total = round(abs(value) * per_degree)
    scale = 10**decimals
    if fields == 2:
        degrees, rest = divmod(total, 60 * scale)
        return degrees, rest, 0.0, total == 0
    degrees, rest = divmod(total, 3600 * scale)
    minutes, seconds = divmod(rest, 60 * scale)
    return degrees, minutes, seconds, total == 0


def _hemisphere(value: float, zero: bool, axis: str) -> str:
    if axis == "lat":
        return "S" if value < 0 and not zero else "N"
    return "W" if value < 0 and not zero else "E"


def _ddm(value: float, axis: str, decimals: int) -> str:
    value = _check(value, axis)
    degrees, minutes_scaled, _, zero = _sexagesimal(value, decimals, 2)
    width = 3 + decimals if decimals else 2
    minutes = f"{minutes_scaled / 10**decimals:0{width}.{decimals}f}"
    deg_width = 2 if axis == "lat" else 3
    return f"{degrees:0{deg_width}d}°{minutes}'{_hemisphere(value, zero, axis)}"


def _dms(value: float, axis: str, decimals: int) -> str:
    value = _check(value, axis)
    degrees, minutes, seconds_scaled, zero = _sexagesimal(value, decimals, 3)
    width = 3 + decimals if decimals else 2
    seconds = f"{seconds_scaled / 10**decimals:0{width}.{decimals}f}"
    deg_width = 2 if axis == "lat" else 3
    return f"{degrees:0{deg_width}d}°{minutes:02d}'{seconds}\"{_hemisphere(value, zero, axis)}"


def format_lat_ddm(lat: float, decimals: int = 3) -> str:
    """Latitude as degrees and decimal minutes: ``33°12.500'N``.

    Parameters
    ----------
    lat
        Latitude, decimal degrees.
    decimals
        Decimals of the minutes (3 = 1/1000 minute, about 1.9 m).
    """
    return _ddm(lat, "lat", decimals)


def format_lon_ddm(lon: float, decimals: int = 3) -> str:
    """Longitude as degrees (three digits) and decimal minutes: ``012°45.300'E``."""
    return _ddm(lon, "lon", decimals)


def format_lat_dms(lat: float, decimals: int = 1) -> str:
    """Latitude as degrees, minutes, seconds: ``33°12'30.0"N`` (``decimals`` of the seconds)."""
    return _dms(lat, "lat", decimals)


def format_lon_dms(lon: float, decimals: int = 1) -> str:
    """Longitude as degrees, minutes, seconds: ``012°45'18.0"E``."""
    return _dms(lon, "lon", decimals)


def _ddm_array(values: Iterable[float], axis: str, decimals: int) -> list[str]:
    v = np.asarray(values, dtype=float).ravel()
    limit = 90.0 if axis == "lat" else 180.0
    bad = ~np.isfinite(v) | (np.abs(v) > limit)
    if bad.any():
        _check(float(v[np.flatnonzero(bad)[0]]), axis)
    scale = 10**decimals
    total = np.rint(np.abs(v) * 60 * scale).astype(np.int64)  # ties to even, like round()
    degrees, minutes = np.divmod(total, 60 * scale)
    negative = (v < 0) & (total != 0)
    letters = ("S", "N") if axis == "lat" else ("W", "E")
    hemi = np.where(negative, letters[0], letters[1])
    deg_width = 2 if axis == "lat" else 3
    width = 3 + decimals if decimals else 2
    return [
        f"{d:0{deg_width}d}°{m / scale:0{width}.{decimals}f}'{h}"
        for d, m, h in zip(degrees.tolist(), minutes.tolist(), hemi.tolist(), strict=True)
    ]


def format_lat_ddm_array(lat: Iterable[float], decimals: int = 3) -> list[str]:
    """:func:`format_lat_ddm` for many latitudes at once (same text, vectorised arithmetic)."""
    return _ddm_array(lat, "lat", decimals)


def format_lon_ddm_array(lon: Iterable[float], decimals: int = 3) -> list[str]:
    """:func:`format_lon_ddm` for many longitudes at once."""
    return _ddm_array(lon, "lon", decimals)


def format_ddm(lat: float, lon: float, decimals: int = 3) -> str:
    """Position as degrees and decimal minutes: ``33°12.500'N 012°45.300'E``.

    Parameters
    ----------
    lat, lon
        Decimal degrees, WGS84.
    decimals
        Decimals of the minutes; 3 (about 1.9 m) is the seawatch display standard.
    """
    return f"{format_lat_ddm(lat, decimals)} {format_lon_ddm(lon, decimals)}"


def format_dms(lat: float, lon: float, decimals: int = 1) -> str:
    """Position as degrees, minutes and seconds: ``33°12'30.0"N 012°45'18.0"E``.

    ``decimals`` are those of the seconds (1 = 0.1", about 3 m).
    """
    return f"{format_lat_dms(lat, decimals)} {format_lon_dms(lon, decimals)}"


def format_decimal(lat: float, lon: float, decimals: int = 5, hemispheres: bool = False) -> str:
    """Position as decimal degrees.

    Parameters
    ----------
    lat, lon
        Decimal degrees, WGS84.
    decimals
        Decimals of the degrees (5 = about 1.1 m).
    hemispheres
        ``False``: signed ``lat, lon`` (``33.20833, 12.75500``, the IOM and CAP order);
        ``True``: ``33.20833°N 12.75500°E``.
    """
    lat = _check(lat, "lat")
    lon = _check(lon, "lon")
    if not hemispheres:
        return f"{_signed(lat, decimals)}, {_signed(lon, decimals)}"
    lat_text = f"{abs(lat):.{decimals}f}"
    lon_text = f"{abs(lon):.{decimals}f}"
    lat_zero = float(lat_text) == 0
    lon_zero = float(lon_text) == 0
    return (
        f"{lat_text}°{_hemisphere(lat, lat_zero, 'lat')} "
        f"{lon_text}°{_hemisphere(lon, lon_zero, 'lon')}"
    )


def _signed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text
