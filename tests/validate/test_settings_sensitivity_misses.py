"""The stated choices of a run (window, distance), the sensitivity rows and the misses list, on
synthetic hindcasts with known answers."""

import html
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seawatch.errors import DataError
from seawatch.geo.positions import format_ddm
from seawatch.validate.conditions import read_hindcast
from seawatch.validate.report import write_report
from seawatch.validate.run import validate
from tests.validate.synthetic import CALM, LAT, LON, inside, plant, write_hindcast

N_BOOT = 200


@pytest.fixture(scope="module")
def skill(iid):
    """Incidents on days of high index but moderate Hs (the index wins)."""
    path, days, w = iid
    idx = inside(np.flatnonzero((w["wind"] >= 11) & (w["hs"] > 0.6) & (w["hs"] < 1.1)), days)
    return read_hindcast([path]), plant(days, idx, seed=1)


def _nm_to_nearest_cell(incidents: pd.DataFrame) -> np.ndarray:
    """Distance to the nearest grid cell on the local equirectangular plane (docs: 1 NM is one
    minute of latitude; longitude scaled by the cosine of the grid's mean latitude). The plants
    are at most 0.1 degrees from a sea cell, never nearer the land cell."""
    scale = np.cos(np.deg2rad(LAT.mean()))
    lat = incidents["lat"].to_numpy()[:, None]
    lon = incidents["lon"].to_numpy()[:, None]
    glat, glon = np.meshgrid(LAT, LON, indexing="ij")
    d = np.hypot(lat - glat.ravel()[None, :], (lon - glon.ravel()[None, :]) * scale)
    return d.min(axis=1) * 60.0


def _kept(incidents: pd.DataFrame, nm: float) -> int:
    """How many plants a distance of ``nm`` keeps."""
    return int((_nm_to_nearest_cell(incidents) <= nm).sum())


def test_distance_drops_incidents_farther_than_stated_and_says_so(skill):
    hindcast, incidents = skill
    nm = _nm_to_nearest_cell(incidents)
    far = int((nm > 4).sum())
    assert 0 < far < len(incidents)  # the plant has incidents on both sides of 4 NM
    report, _ = validate(hindcast, incidents, n_boot=N_BOOT, max_distance_nm=4,
                         sensitivity=False)  # fmt: skip
    # beyond the grid's edge by more than 4 NM counts as outside the area; the rest of the far
    # ones lie between cells inside it
    margin, lon_margin = 4 / 60, 4 / 60 / np.cos(np.deg2rad(LAT.mean()))
    beyond = int(((incidents["lat"] > LAT.max() + margin) | (incidents["lat"] < LAT.min() - margin)
                  | (incidents["lon"] > LON.max() + lon_margin)
                  | (incidents["lon"] < LON.min() - lon_margin)).sum())  # fmt: skip
    assert 0 < beyond < far
    assert report["dropped"] == {"no sea cell within 4 NM": far - beyond,
                                 "outside the hindcast area": beyond}  # fmt: skip
    assert report["covered"] == len(incidents) - far
    assert report["settings"]["max_distance_nm"] == 4
    assert report["details"]["snap_nm_max"] <= 4
    assert report["details"]["snap_nm_max"] == pytest.approx(
        _nm_to_nearest_cell(incidents)[_nm_to_nearest_cell(incidents) <= 4].max(), abs=0.01
    )
    assert report["sensitivity"] is None


def test_window_is_stated_and_changes_what_is_read(skill):
    hindcast, incidents = skill
    one, _ = validate(hindcast, incidents, n_boot=N_BOOT, window_days=1, sensitivity=False)
    three, _ = validate(hindcast, incidents, n_boot=N_BOOT, window_days=3, sensitivity=False)
    assert one["settings"]["window"] == "max over day D (UTC day)"
    assert three["settings"]["window"] == "max over days D-2..D (UTC days)"
    assert one["details"]["window_days"] == 1 and three["details"]["window_days"] == 3
    # the weather is independent from day to day: a longer window mixes random days into
    # every referent's maximum, so the case days stand out less
    assert one["predictors"]["index"]["auc"] > three["predictors"]["index"]["auc"]


@pytest.mark.parametrize(
    ("window_days", "max_distance_nm", "message"),
    [
        (0, 30, "a window of 0 days: give a whole number of days from 1 to 7"),
        (8, 30, "8 or more would reach the same-weekday referent a week earlier"),
        (2, 0, "a distance of 0 NM: give nautical miles above 0 and at most 300"),
        (2, float("nan"), "a distance of nan NM"),
        (2, 301, "at most 300"),
    ],
)
def test_bad_window_or_distance_is_one_line(skill, window_days, max_distance_nm, message):
    hindcast, incidents = skill
    with pytest.raises(DataError, match=message) as err:
        validate(hindcast, incidents, window_days=window_days, max_distance_nm=max_distance_nm)
    assert "\n" not in str(err.value)


def test_sensitivity_rows_move_in_the_known_directions(skill):
    hindcast, incidents = skill
    report, _ = validate(hindcast, incidents, n_boot=N_BOOT, max_distance_nm=5)
    sens = {s["name"]: s for s in report["sensitivity"]}
    assert list(sens) == ["as run", "shorter window", "longer window", "smaller distance",
                          "larger distance", "unknown boats as wooden boats"]  # fmt: skip
    main = sens["as run"]
    assert main["covered"] == report["covered"]
    assert main["index_auc"] == report["predictors"]["index"]["auc"]
    assert main["delta_auc"] == report["delta_auc_index_minus_hs"]["value"]
    # distance: 2.5 NM drops more incidents, 10 NM keeps all (plants are within 8.5 NM)
    assert sens["smaller distance"]["max_distance_nm"] == 2.5
    assert sens["smaller distance"]["covered"] == _kept(incidents, 2.5) < main["covered"]
    assert main["covered"] == _kept(incidents, 5)
    assert sens["larger distance"]["max_distance_nm"] == 10
    assert sens["larger distance"]["covered"] == len(incidents)
    # window: independent days, so the 1-day window separates best and the 3-day one least
    assert sens["shorter window"]["window_days"] == 1
    assert sens["longer window"]["window_days"] == 3
    assert (
        sens["shorter window"]["index_auc"] > main["index_auc"] > sens["longer window"]["index_auc"]
    )
    for s in sens.values():
        if s["name"] != "smaller distance":
            assert s["delta_ci"][0] > 0, s  # the planted answer holds under every variant
    assert sens["unknown boats as wooden boats"]["unknown_boat_as"] == "wooden_boat"


def test_unknown_boats_as_wooden_gives_the_numbers_of_declaring_them_wooden(calm_case):
    hindcast, incidents, _, _ = calm_case
    report, _ = validate(hindcast, incidents, n_boot=N_BOOT)
    sens = {s["name"]: s for s in report["sensitivity"]}
    wooden, main = sens["unknown boats as wooden boats"], sens["as run"]
    assert wooden["note"] is None
    declared = incidents.assign(boat_type=incidents["boat_type"].replace("unknown", "wooden"))
    as_wooden, _ = validate(hindcast, declared, n_boot=N_BOOT, sensitivity=False)
    assert wooden["index_auc"] == as_wooden["predictors"]["index"]["auc"]
    assert wooden["delta_auc"] == as_wooden["delta_auc_index_minus_hs"]["value"]
    # wooden boats are never below Moderate, so the calm-day wrecks rank differently
    assert wooden["index_auc"] != main["index_auc"]
    assert wooden["hs_auc"] == main["hs_auc"]


def test_wooden_variant_is_not_applicable_when_every_boat_type_is_known(skill):
    hindcast, incidents = skill
    report, _ = validate(hindcast, incidents.assign(boat_type="rubber"), n_boot=N_BOOT)
    wooden = report["sensitivity"][-1]
    assert wooden["name"] == "unknown boats as wooden boats"
    assert wooden["note"] == "not applicable: every covered incident has a known boat type"
    assert wooden["index_auc"] is None


def test_a_variant_that_covers_nothing_says_why_and_the_main_result_stands(skill):
    hindcast, incidents = skill
    # every incident exactly 4.5 NM north of a cell centre: covered at 5 NM, none at 2.5 NM
    moved = incidents.assign(lat=LAT[3] + 4.5 / 60, lon=LON[2])
    report, _ = validate(hindcast, moved, n_boot=N_BOOT, max_distance_nm=5)
    small = next(s for s in report["sensitivity"] if s["name"] == "smaller distance")
    assert small["covered"] == 0 and small["index_auc"] is None
    assert small["note"].startswith("0 incidents covered")
    assert "sea cells within 2.5 NM" in small["note"]
    assert report["covered"] == len(moved)


@pytest.fixture(scope="module")
def calm_case(tmp_path_factory):
    """A hindcast with 12 planted two-day calm spells and big incidents on their second day."""
    days = pd.date_range("2019-01-01", "2021-12-31", freq="D")
    second = np.linspace(40, days.size - 40, 12).astype(int)
    calm = np.sort(np.r_[second - 1, second])
    path = tmp_path_factory.mktemp("hc") / "calm.nc"
    path, days, w = write_hindcast(path, "2019-01-01", "2021-12-31", seed=3, calm=calm)
    stormy = inside(np.flatnonzero((w["wind"] >= 11) & (w["hs"] > 0.6) & (w["hs"] < 1.1)), days)
    small = plant(days, stormy, seed=1)  # 5 dead each, on high-index days
    big = plant(days, second, seed=2).assign(dead=np.arange(30, 42)[::-1])
    big["boat_type"] = ["wooden"] * 3 + ["unknown"] * 9
    storm_big = plant(days, stormy[:1], seed=3).assign(dead=200)  # big but not a miss
    undated_big = plant(days, second[:1], seed=4).assign(dead=300, time=pd.NaT)  # not covered
    incidents = pd.concat([small, big, storm_big, undated_big], ignore_index=True)
    return read_hindcast([path]), incidents, big, w


def test_largest_incidents_scored_low_are_listed_with_what_a_reader_needs(calm_case, tmp_path):
    hindcast, incidents, big, _ = calm_case
    report, rows = validate(hindcast, incidents, n_boot=N_BOOT, sensitivity=False)
    misses = report["misses"]
    listed = misses["incidents"]
    # the three wooden boats (41, 40, 39 dead) are not misses: overloaded wooden boats are never
    # below Moderate (docs/risk-model.md), calm or not
    assert [m["dead_missing"] for m in listed[:9]] == list(range(38, 29, -1))
    assert all(m["dead_missing"] not in (41, 40, 39, 200, 300) for m in listed)
    assert misses["n_low"] >= 9 and misses["dead_missing_low"] >= sum(range(30, 39))
    for m in listed[:9]:
        planted = big[big["dead"] == m["dead_missing"]].iloc[0]
        assert m["time"] == f"{planted['time']:%Y-%m-%d} 10:00"
        assert m["position"] == format_ddm(planted["lat"], planted["lon"])
        assert m["index"] < 1
        assert m["hs"] == pytest.approx(CALM["hs"], rel=0.1)
        assert m["wind"] == pytest.approx(CALM["wind"], rel=0.1)
        assert m["sea_cell_nm"] < 9
        assert m["boat_type"] == "unknown" and m["scored_as"] == "rubber_dinghy"
    # a miss is scored, so its day is a case-day of the rows
    case_days = set(rows.loc[rows["case"] == 1, "day"])
    assert all(pd.Timestamp(m["time"][:10]) in case_days for m in listed)

    fewer, _ = validate(hindcast, incidents, n_boot=N_BOOT, sensitivity=False, misses_top=5)
    assert [m["dead_missing"] for m in fewer["misses"]["incidents"]] == [38, 37, 36, 35, 34]
    assert fewer["misses"]["n_low"] == misses["n_low"]

    page = write_report(report, rows, tmp_path).read_text()
    assert "Largest incidents the index scored Low" in page
    assert page.count("<tr><td>", page.index("Largest incidents")) >= 9
    assert html.escape(format_ddm(big["lat"].iloc[3], big["lon"].iloc[3])) in page
    assert html.escape(format_ddm(big["lat"].iloc[0], big["lon"].iloc[0])) not in page  # wooden


def test_no_misses_when_every_fatal_incident_met_a_high_index(skill, tmp_path):
    hindcast, incidents = skill
    report, rows = validate(hindcast, incidents, n_boot=N_BOOT, sensitivity=False)
    assert report["misses"]["incidents"] == [] and report["misses"]["n_low"] == 0
    assert report["misses"]["n_fatal_covered"] == report["covered"]
    page = write_report(report, rows, Path(tmp_path)).read_text()
    assert "Largest incidents the index scored Low" in page and "<p>None.</p>" in page
    assert "Not computed (<code>--no-sensitivity</code>)" in page


def test_sensitivity_settings_stay_inside_the_limits():
    from seawatch.validate.run import sensitivity_settings

    edge = sensitivity_settings(1, 300, any_unknown_boat=False)
    assert [s["name"] for s in edge] == ["longer window", "smaller distance",
                                         "unknown boats as wooden boats"]  # fmt: skip
    assert edge[0]["window_days"] == 2 and edge[1]["max_distance_nm"] == 150
    assert edge[2]["note"].startswith("not applicable")
    top = sensitivity_settings(7, 200, any_unknown_boat=True)
    assert [s["window_days"] for s in top if "window" in s["name"]] == [6]
    larger = next(s for s in top if s["name"] == "larger distance")
    assert larger["max_distance_nm"] == 300  # doubled, capped at the accepted maximum
    assert "note" not in top[-1]
