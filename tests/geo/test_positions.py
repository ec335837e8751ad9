"""Position parsing and formatting: a corpus of what coordinators type, and round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawatch.errors import PositionError
from seawatch.geo.positions import (
    Position,
    format_ddm,
    format_decimal,
    format_dms,
    format_lat_ddm,
    format_lat_ddm_array,
    format_lat_dms,
    format_lon_ddm,
    format_lon_ddm_array,
    format_lon_dms,
    parse_position,
)

# 33°12.5'N 012°45.3'E, the position most of the corpus writes in different ways.
LAT = 33 + 12.5 / 60
LON = 12 + 45.3 / 60

VALID = [
    # decimal degrees
    ("33.2083, 12.755", 33.2083, 12.755, "decimal"),
    ("33.2083,12.755", 33.2083, 12.755, "decimal"),
    ("33.2083 12.755", 33.2083, 12.755, "decimal"),
    ("33.2083; 12.755", 33.2083, 12.755, "decimal"),
    ("33.2083 / 12.755", 33.2083, 12.755, "decimal"),
    ("-5.3, 35.9", -5.3, 35.9, "decimal"),
    ("-33.5, -70.25", -33.5, -70.25, "decimal"),
    ("+33.5, +12.25", 33.5, 12.25, "decimal"),
    ("33.2083N 12.755E", 33.2083, 12.755, "decimal"),
    ("33.2083 N, 12.755 E", 33.2083, 12.755, "decimal"),
    ("N33.2083 E12.755", 33.2083, 12.755, "decimal"),
    ("12.755E 33.2083N", 33.2083, 12.755, "decimal"),
    ("33.5°N, 12.25°E", 33.5, 12.25, "decimal"),
    ("33.5S 12.25W", -33.5, -12.25, "decimal"),
    ("Lat 33.2083 Lon 12.755", 33.2083, 12.755, "decimal"),
    ("lat: 33.2083, long: 12.755", 33.2083, 12.755, "decimal"),
    ("Long. 12.755, Lat. 33.2083", 33.2083, 12.755, "decimal"),
    ("33.2083 North 12.755 East", 33.2083, 12.755, "decimal"),
    ("33.2N12.7E", 33.2, 12.7, "decimal"),
    ("(33.2083, 12.755)", 33.2083, 12.755, "decimal"),
    ("33,12", 33.0, 12.0, "decimal"),
    # comma decimal separators
    ("33,2083 12,755", 33.2083, 12.755, "decimal"),
    ("33,2083; 12,755", 33.2083, 12.755, "decimal"),
    ("33,5, 12,25", 33.5, 12.25, "decimal"),
    ("33,2083N 12,755E", 33.2083, 12.755, "decimal"),
    # degrees and decimal minutes
    ("33°12.5'N 012°45.3'E", LAT, LON, "ddm"),
    ("33°12.500'N 012°45.300'E", LAT, LON, "ddm"),
    ("33° 12.5' N, 12° 45.3' E", LAT, LON, "ddm"),
    ("33 12.5N 12 45.3E", LAT, LON, "ddm"),
    ("33 12.5 N 12 45.3 E", LAT, LON, "ddm"),
    ("N33 12.500 E012 45.300", LAT, LON, "ddm"),
    ("N 33 12.5 E 12 45.3", LAT, LON, "ddm"),
    ("N33°12.5' E12°45.3'", LAT, LON, "ddm"),
    ("012°45.3'E 33°12.5'N", LAT, LON, "ddm"),
    ("33°12,5'N 012°45,3'E", LAT, LON, "ddm"),
    ("33d 12.5m N 12d 45.3m E", LAT, LON, "ddm"),
    ("S 5 18.0 W 035 54.0", -5.3, -35.9, "ddm"),
    ("34°36.0' N 014°31.8' E", 34.6, 14 + 31.8 / 60, "ddm"),
    ("34°32’ N, 011°57’E", 34 + 32 / 60, 11 + 57 / 60, "ddm"),
    # compact DDMM.m / DDDMM.m and DDMMSS
    ("3312.5N 01245.3E", LAT, LON, "compact"),
    ("3312.500N 01245.300E", LAT, LON, "compact"),
    ("N3312.5 E01245.3", LAT, LON, "compact"),
    ("3312.5N 1245.3E", LAT, LON, "compact"),
    ("331230N 0124518E", LAT, LON, "compact"),
    # degrees, minutes, seconds
    ("33°12'30\"N 12°45'18\"E", LAT, LON, "dms"),
    ("33°12'30''N 12°45'18''E", LAT, LON, "dms"),
    ("33 12 30 N 12 45 18 E", LAT, LON, "dms"),
    ("N 33 12 30 E 12 45 18", LAT, LON, "dms"),
    ("33°12'30.0\"N 012°45'18.0\"E", LAT, LON, "dms"),
    # Unicode primes, curly quotes, degree look-alikes
    ("33°12′30″N 12°45′18″E", LAT, LON, "dms"),
    ("33º12.5'N 012º45.3'E", LAT, LON, "ddm"),
    ("33˚12.5’N 012˚45.3’E", LAT, LON, "ddm"),
    ("33°12‘30“N 12°45‘18“E", LAT, LON, "dms"),
    ("33ᵒ12.5′N 012ᵒ45.3′E", LAT, LON, "ddm"),
    # SITREP style and colon separators
    ("54-37 N 008-18 E", 54 + 37 / 60, 8.3, "sitrep"),
    ("54-37.5N 008-18.25E", 54.625, 8 + 18.25 / 60, "sitrep"),
    ("54-37-30N 008-18-15E", 54.625, 8 + 18.25 / 60, "sitrep"),
    ("33–12.5 N 012–45.3 E", LAT, LON, "sitrep"),
    ("33:12:30N 012:45:18E", LAT, LON, "sitrep"),
    # Arabic-Indic digits, Arabic separators and hemisphere words, full-width characters
    ("٣٣٫٢٠٨٣، ١٢٫٧٥٥", 33.2083, 12.755, "decimal"),
    ("٣٣ ١٢٫٥ شمال ١٢ ٤٥٫٣ شرق", LAT, LON, "ddm"),
    ("۳۳٫۵ ش ۱۲٫۲۵ ق", 33.5, 12.25, "decimal"),
    ("خط العرض ٣٣٫٥ خط الطول ١٢٫٢٥", 33.5, 12.25, "decimal"),
    ("\u200f٣٣٫٥ شمالا ١٢٫٢٥ شرقا\u200f", 33.5, 12.25, "decimal"),
    ("３３．２ Ｎ　１２．７ Ｅ", 33.2, 12.7, "decimal"),
    # WKT as some IOM exports write it (lon first)
    ("POINT (12.755 33.2083)", 33.2083, 12.755, "wkt"),
    ("POINT(-2.92 35.27)", 35.27, -2.92, "wkt"),
    # edges of the ranges
    ("90, 180", 90.0, 180.0, "decimal"),
    ("-90, -180", -90.0, -180.0, "decimal"),
    ("0°0.0'N 0°0.0'E", 0.0, 0.0, "ddm"),
    ("33°12.5'N 12.755E", LAT, 12.755, "mixed"),
    # what else arrives by text message
    ("33°12.5'N - 012°45.3'E", LAT, LON, "ddm"),
    ("Lat 33°12.5'N Long 012°45.3'E", LAT, LON, "ddm"),
    ("33.2083n 12.755e", 33.2083, 12.755, "decimal"),
    ("33 12,5 N / 012 45,3 E", LAT, LON, "ddm"),
    ("33 deg 12.5 min N, 12 deg 45.3 min E", LAT, LON, "ddm"),
]

INVALID = [
    ("", "empty"),
    ("   ", "empty"),
    ("33.2083", "only one coordinate"),
    ("33.2N", "only one coordinate"),
    ("N 33.2", "only one coordinate"),
    ("abc", "cannot read 'abc'"),
    ("33.2 12.7 hello", "cannot read 'hello'"),
    ("33.2, 12.7 @", "cannot read '@'"),
    ("95, 12", "latitude 95 is out of range"),
    ("-91.5, 12", "latitude -91.5 is out of range"),
    ("33, 181", "longitude 181 is out of range"),
    ("120.5, 33.2", "first number is read as the latitude"),
    ("95N 12E", "latitude 95 is out of range"),
    ("33 61N 12 45E", "minutes 61 must be less than 60"),
    ("33 60.0N 12 45E", "minutes 60.0 must be less than 60"),
    ("33°12'75\"N 12°45'18\"E", "seconds 75 must be less than 60"),
    ("33.2 12.5N 12 45E", "degrees 33.2 must be whole"),
    ("33 12.5 30N 12 45 18E", "minutes 12.5 must be whole"),
    ("33 12.5 12 45.3", "no hemisphere letters"),
    ("33°12.5' 12°45.3'", "no hemisphere letters"),
    ("54-37 008-18", "no hemisphere letters"),
    ("3312.5 01245.3", "no hemisphere letters"),
    ("33N 12N", "both coordinates"),
    ("12E 33W", "both coordinates"),
    ("N33 12.5 12 45.3E", "all come before the numbers or all after"),
    ("33.2 N 12.7 E W", "all come before the numbers or all after"),
    ("-33.2N, 12E", "both a sign and a hemisphere letter"),
    ("33.2N -12.7E", "both a sign and a hemisphere letter"),
    ("33.2, 12.7, 5", "3 parts"),
    ("33.2 12.7 5", "cannot tell latitude from longitude"),
    ("Lat 12.7E, 33.2", "labelled latitude but has hemisphere E"),
    ("33°12.5°N 12E", "degrees given after degrees"),
    ("'12.5 N 12 E", "unit mark without a number"),
    ("33 12 30 15N 12E", "4 numbers"),
    ("331N 12E", "latitude 331 is out of range"),
    ("33125N 12E", "cannot read the 5-digit number as a latitude"),
    ("POINT (12.7)", "must be POINT (lon lat)"),
    ("POINT (12.7 95)", "latitude 95 is out of range"),
]


def test_corpus_is_large_enough() -> None:
    assert len(VALID) + len(INVALID) >= 60


@pytest.mark.parametrize(("text", "lat", "lon", "form"), VALID, ids=[v[0] for v in VALID])
def test_valid_positions(text: str, lat: float, lon: float, form: str) -> None:
    position = parse_position(text)
    assert position.lat == pytest.approx(lat, abs=1e-9)
    assert position.lon == pytest.approx(lon, abs=1e-9)
    assert position.format == form
    assert position.text == text


@pytest.mark.parametrize(("text", "message"), INVALID, ids=[v[0] or "empty" for v in INVALID])
def test_invalid_positions(text: str, message: str) -> None:
    with pytest.raises(PositionError) as info:
        parse_position(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_not_text() -> None:
    with pytest.raises(PositionError, match="must be text"):
        parse_position(33.2)  # type: ignore[arg-type]


def test_position_dict() -> None:
    data = parse_position("N33 12.500 E012 45.300").to_dict()
    assert data["ddm"] == "33°12.500'N 012°45.300'E"
    assert data["dms"] == "33°12'30.0\"N 012°45'18.0\"E"
    assert data["decimal"] == "33.20833, 12.75500"
    assert data["format"] == "ddm"


# ----------------------------------------------------------------------------- formatting


def test_format_examples() -> None:
    assert format_ddm(LAT, LON) == "33°12.500'N 012°45.300'E"
    assert format_dms(LAT, LON) == "33°12'30.0\"N 012°45'18.0\"E"
    assert format_decimal(LAT, LON) == "33.20833, 12.75500"
    assert format_decimal(-5.3, -35.9, hemispheres=True) == "5.30000°S 35.90000°W"
    assert format_lat_ddm(-5.3) == "05°18.000'S"
    assert format_lon_ddm(-35.9, decimals=1) == "035°54.0'W"
    assert format_lat_dms(0.5, decimals=0) == "00°30'00\"N"
    assert format_lon_dms(179.5) == "179°30'00.0\"E"


def test_format_rounding_carries_into_degrees() -> None:
    assert format_lat_ddm(33.99999999) == "34°00.000'N"
    assert format_lon_dms(12.9999999999, decimals=0) == "013°00'00\"E"
    assert format_lat_dms(-89.9999999999, decimals=0) == "90°00'00\"S"


def test_format_negative_zero_is_north_east() -> None:
    assert format_ddm(-0.0000001, -0.0000001) == "00°00.000'N 000°00.000'E"
    assert format_decimal(-0.0000001, 12.7) == "0.00000, 12.70000"


@pytest.mark.parametrize("bad", [(91, 0), (0, 181), (math.nan, 0), (0, math.inf)])
def test_format_refuses_out_of_range(bad: tuple[float, float]) -> None:
    with pytest.raises(PositionError):
        format_ddm(*bad)


# ----------------------------------------------------------------------------- round trips

lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lons = st.floats(min_value=-180, max_value=180, allow_nan=False)
TOLERANCE = 1e-6  # degrees, about 0.1 m


def _close(position: Position, lat: float, lon: float) -> None:
    assert abs(position.lat - lat) <= TOLERANCE
    assert abs(position.lon - lon) <= TOLERANCE


def _ddm_parts(value: float, decimals: int) -> tuple[int, str]:
    scaled = round(abs(value) * 60 * 10**decimals)
    degrees, minutes = divmod(scaled, 60 * 10**decimals)
    return degrees, f"{minutes / 10**decimals:0{3 + decimals}.{decimals}f}"


def _hemi(value: float, axis: str) -> str:
    return ("S" if value < 0 else "N") if axis == "lat" else ("W" if value < 0 else "E")


def _compact(lat: float, lon: float) -> str:
    lat_deg, lat_min = _ddm_parts(lat, 5)
    lon_deg, lon_min = _ddm_parts(lon, 5)
    return f"{lat_deg:02d}{lat_min}{_hemi(lat, 'lat')} {lon_deg:03d}{lon_min}{_hemi(lon, 'lon')}"


def _sitrep(lat: float, lon: float) -> str:
    lat_deg, lat_min = _ddm_parts(lat, 5)
    lon_deg, lon_min = _ddm_parts(lon, 5)
    return (
        f"{lat_deg:02d}-{lat_min} {_hemi(lat, 'lat')} {lon_deg:03d}-{lon_min} {_hemi(lon, 'lon')}"
    )


def _prefix(lat: float, lon: float) -> str:
    lat_deg, lat_min = _ddm_parts(lat, 5)
    lon_deg, lon_min = _ddm_parts(lon, 5)
    return f"{_hemi(lat, 'lat')}{lat_deg:02d} {lat_min} {_hemi(lon, 'lon')}{lon_deg:03d} {lon_min}"


_ARABIC = str.maketrans("0123456789.,", "٠١٢٣٤٥٦٧٨٩٫،")

FORMATTERS = {
    "ddm": lambda lat, lon: format_ddm(lat, lon, decimals=5),
    "dms": lambda lat, lon: format_dms(lat, lon, decimals=3),
    "decimal": lambda lat, lon: format_decimal(lat, lon, decimals=7),
    "decimal_hemispheres": lambda lat, lon: format_decimal(lat, lon, 7, hemispheres=True),
    "decimal_lon_first": lambda lat, lon: " ".join(
        reversed(format_decimal(lat, lon, 7, hemispheres=True).split(" "))
    ),
    "decimal_comma": lambda lat, lon: (
        format_decimal(lat, lon, 7).replace(", ", "; ").replace(".", ",")
    ),
    "arabic": lambda lat, lon: format_decimal(lat, lon, 7).translate(_ARABIC),
    "compact": _compact,
    "sitrep": _sitrep,
    "prefix_hemispheres": _prefix,
    "wkt": lambda lat, lon: f"POINT ({lon:.7f} {lat:.7f})",
}


@pytest.mark.parametrize("name", sorted(FORMATTERS))
@settings(max_examples=150, deadline=None)
@given(lat=lats, lon=lons)
def test_round_trip(name: str, lat: float, lon: float) -> None:
    _close(parse_position(FORMATTERS[name](lat, lon)), lat, lon)


@settings(max_examples=200, deadline=None)
@given(lat=lats, lon=lons)
def test_default_display_round_trip_within_display_precision(lat: float, lon: float) -> None:
    # 3 decimals of a minute is 1/60000 degree: what a coordinator reads back is that close.
    position = parse_position(format_ddm(lat, lon))
    assert abs(position.lat - lat) <= 0.5 / 60000 + 1e-12
    assert abs(position.lon - lon) <= 0.5 / 60000 + 1e-12


@settings(max_examples=100, deadline=None)
@given(
    lat=st.lists(lats, min_size=1, max_size=40),
    lon=st.lists(lons, min_size=1, max_size=40),
    decimals=st.integers(0, 6),
)
def test_array_formatting_matches_scalar(lat: list[float], lon: list[float], decimals: int) -> None:
    assert format_lat_ddm_array(lat, decimals) == [format_lat_ddm(v, decimals) for v in lat]
    assert format_lon_ddm_array(lon, decimals) == [format_lon_ddm(v, decimals) for v in lon]


def test_array_formatting_refuses_out_of_range() -> None:
    with pytest.raises(PositionError, match="latitude 91"):
        format_lat_ddm_array([33.0, 91.0])
