"""The one JSON encoder: what every writer gets for values the json module does not know."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from seawatch.jsonutil import dumps


def test_values_from_records_and_frames_are_written_plainly() -> None:
    value = {
        "time": dt.datetime(2026, 11, 24, 6, 0, 30, 999999, tzinfo=dt.UTC),
        "naive": dt.datetime(2026, 11, 24, 6, 0),
        "stamp": pd.Timestamp("2026-11-24T08:00:00+02:00"),
        "persons": np.int64(40),
        "lat": np.float32(33.25),
        "na": pd.NA,
        "nat": pd.NaT,
        "flags": ("on_land",),
        "name": "طرابلس",
    }
    text = dumps(value)
    assert "طرابلس" in text and " " not in text.replace("طرابلس", "")
    assert json.loads(text) == {
        "time": "2026-11-24T06:00:30Z",
        "naive": "2026-11-24T06:00:00Z",
        "stamp": "2026-11-24T06:00:00Z",
        "persons": 40,
        "lat": 33.25,
        "na": None,
        "nat": None,
        "flags": ["on_land"],
        "name": "طرابلس",
    }


def test_indented_for_people() -> None:
    assert dumps({"a": [1]}, indent=2) == '{\n  "a": [\n    1\n  ]\n}'


def test_nan_and_unknown_types_are_refused() -> None:
    with pytest.raises(ValueError):
        dumps({"lat": float("nan")})
    with pytest.raises(TypeError, match="cannot write object as JSON"):
        dumps({"x": object()})
