"""IOM imports keep every part of a split incident and never blank or silently lower counts.

Inputs are real IOM rows: the 2025-06 allData export and a per-year-layout sample made from it
(tests/data/mmp/per_year_2025_sample.csv, see tests/data/SOURCES.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from seawatch.config import AreaSettings
from seawatch.incidents.imports import import_file, import_mmp
from seawatch.incidents.iom_mmp import SOURCE, parse_mmp, read_mmp
from seawatch.incidents.store import IncidentStore

from .conftest import AREA

PER_YEAR = Path(__file__).resolve().parents[1] / "data" / "mmp" / "per_year_2025_sample.csv"
COUNTS = ("dead", "missing", "survivors")


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """The per-year sample as plain text cells, for expectations computed without the reader."""
    return pd.read_csv(PER_YEAR, dtype=str, keep_default_na=False)


def _in_area(frame: pd.DataFrame, bbox: tuple[float, float, float, float] = AREA) -> pd.DataFrame:
    lat = frame["Coordinates"].str.split(",").str[0].astype(float)
    lon = frame["Coordinates"].str.split(",").str[1].astype(float)
    return frame[lat.between(bbox[1], bbox[3]) & lon.between(bbox[0], bbox[2])]


def _outside_text(frame: pd.DataFrame, bbox: tuple[float, float, float, float]) -> str:
    """The summary's ", N outside the area of interest" part (absent when none is outside)."""
    outside = len(frame) - len(_in_area(frame, bbox))
    return f", {outside} outside the area of interest" if outside else ""


def _total(frame: pd.DataFrame, column: str) -> int:
    return int(pd.to_numeric(frame[column].replace("", None)).fillna(0).sum())


def _stored(store: IncidentStore) -> pd.DataFrame:
    frame = pd.DataFrame(store.list(source=SOURCE)).set_index("source_id")
    for name in ("persons", *COUNTS):
        frame[name] = frame[name].astype("Int64")
    return frame


def _csv(frame: pd.DataFrame, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _old_key_frame(data) -> pd.DataFrame:
    """What seawatch stored before keying on the most specific id: the Main ID for every row."""
    frame = data.import_frame().copy()
    old = frame["former_source_id"].notna()
    frame.loc[old, "source_id"] = frame.loc[old, "former_source_id"]
    return frame.drop(columns="former_source_id")


# ------------------------------------------------------------------ split incidents (#13 item 5)


def test_per_year_split_incident_keeps_every_part(store: IncidentStore, sample) -> None:
    inside = _in_area(sample)
    assert len(sample) == 8 and len(inside) == 7
    report = import_file(store, PER_YEAR, user="u", bbox=AREA)
    assert (report.new, report.rejected, report.skipped) == (7, 0, 1)
    stored = _stored(store)
    assert len(stored) == 7
    parts = stored.loc[["2025.MMP003539", "2025.MMP003540"]]
    assert all("split" in flags for flags in parts["flags"])
    assert parts["missing"].tolist() == [pd.NA, 2]  # the second part's missing are not lost
    for column, field in (
        ("Number Dead", "dead"),
        ("Minimum Estimated Number of Missing", "missing"),
        ("Number of Survivors", "survivors"),
    ):
        assert int(stored[field].fillna(0).sum()) == _total(inside, column)


def test_per_year_reimport_is_idempotent(store: IncidentStore) -> None:
    import_file(store, PER_YEAR, user="u", bbox=AREA)
    again = import_file(store, PER_YEAR, user="u", bbox=AREA)
    assert (again.new, again.updated, again.unchanged, again.rekeyed) == (0, 0, 7, [])
    assert store.count() == 7


def test_store_keyed_on_main_id_is_taken_over_not_duplicated(store: IncidentStore) -> None:
    data = read_mmp(PER_YEAR).inside(AREA)
    # the old key: both parts named 2025.MMP0035, so the second part was refused as a duplicate
    old = store.import_records(_old_key_frame(data), source=SOURCE, user="old")
    assert old.new == 6 and [r["source_id"] for r in old.rejected_rows] == ["2025.MMP0035"]
    first = _stored(store).loc["2025.MMP0035"]

    report = import_mmp(store, data, user="u")
    assert report.rekeyed == [
        {"id": first["id"], "before": "2025.MMP0035", "after": "2025.MMP003539"}
    ]
    assert (report.new, report.rejected) == (1, 0)
    stored = _stored(store)
    assert len(stored) == 7 and "2025.MMP0035" not in stored.index
    assert stored.loc["2025.MMP003539", "id"] == first["id"]
    history = store.history(first["id"])
    assert history[-1]["changes"] == {"source_id": ["2025.MMP0035", "2025.MMP003539"]}
    assert "now keyed on their incident id" in report.summary()

    again = import_mmp(store, data, user="u")
    assert (again.new, again.updated, again.unchanged, again.rekeyed) == (0, 0, 7, [])


def test_real_alldata_reimport_over_main_id_store_duplicates_nothing(
    sqlite_url: str, mmp_data
) -> None:
    inside = mmp_data.inside(AREA)
    moved = inside.records[inside.records["former_source_id"].notna()]
    # real rows whose Incident ID names one incident but is not their Main ID
    assert set(moved["source_id"]) == {"2022.MMP000571708", "2022.MMP000581709"}
    with IncidentStore(sqlite_url) as store:
        old = store.import_records(_old_key_frame(inside), source=SOURCE, user="old")
        assert old.rejected == 0
        before = store.count()
        report = import_mmp(store, inside, user="u")
        assert report.new == 0 and report.rejected == 0
        assert sorted(c["after"] for c in report.rekeyed) == sorted(moved["source_id"])
        assert report.unchanged == before
        assert store.count() == before == len(inside.records)
        stored = _stored(store)
        assert set(stored.index) == set(inside.records["source_id"])


# ------------------------------------------------------------------ counts (#13 item 6)


@pytest.mark.parametrize(
    ("dead", "missing", "survivors"),
    [
        ("No. dead", "Number of missing", "No. of survivors"),
        ("Number of Dead", "Minimum Estimated Number of Missing", "Number of Survivors"),
        ("Dead", "Missing", "Survivors"),
        ("Nr. Dead", "Min. estimated number of missing", "# survivors"),
        ("number_dead", "number_missing", "number_of_survivors"),
    ],
)
def test_count_header_variants(sample, dead: str, missing: str, survivors: str) -> None:
    renamed = sample.rename(
        columns={
            "Number Dead": dead,
            "Minimum Estimated Number of Missing": missing,
            "Number of Survivors": survivors,
        }
    )
    data = parse_mmp(renamed.to_csv(index=False), name="renamed.csv")
    assert data.absent == ("persons",)
    reference = read_mmp(PER_YEAR).records
    for field in COUNTS:
        assert data.records[field].equals(reference[field])
    assert int(data.records["dead"].sum()) == _total(sample, "Number Dead")


def test_file_without_count_columns_keeps_stored_counts(
    store: IncidentStore, sample, tmp_path: Path
) -> None:
    import_file(store, PER_YEAR, user="u", bbox=AREA)
    before = _stored(store)[list(COUNTS)]
    no_counts = sample.drop(
        columns=["Number Dead", "Minimum Estimated Number of Missing", "Number of Survivors"]
    )
    report = import_file(store, _csv(no_counts, tmp_path, "no_counts.csv"), user="u", bbox=AREA)
    assert {"dead", "missing", "survivors"} <= set(report.absent)
    assert (report.new, report.updated, report.unchanged) == (0, 0, 7)
    assert "no dead, missing, survivors column in the file: stored values kept" in str(report)
    assert _stored(store)[list(COUNTS)].equals(before)
    # and the full file afterwards changes nothing either
    again = import_file(store, PER_YEAR, user="u", bbox=AREA)
    assert (again.updated, again.unchanged) == (0, 7)


def test_lower_or_blank_counts_are_reported(store: IncidentStore, sample, tmp_path: Path) -> None:
    import_file(store, PER_YEAR, user="u", bbox=AREA)
    revised = sample.copy()
    row = revised["Incident ID"] == "2025.MMP0075"
    assert revised.loc[row, "Minimum Estimated Number of Missing"].item() == "10"
    revised.loc[row, "Minimum Estimated Number of Missing"] = "7"
    blank = revised["Incident ID"] == "2025.MMP0002"
    assert revised.loc[blank, "Number Dead"].item() == "28"
    revised.loc[blank, "Number Dead"] = ""
    report = import_file(store, _csv(revised, tmp_path, "revised.csv"), user="u", bbox=AREA)

    stored = _stored(store)
    lowered = stored.loc["2025.MMP0075"]
    assert lowered["missing"] == 7
    assert report.decreased == [
        {
            "id": lowered["id"],
            "source_id": "2025.MMP0075",
            "field": "missing",
            "before": 10,
            "after": 7,
        }
    ]
    assert store.history(lowered["id"])[-1]["changes"]["missing"] == [10, 7]
    assert stored.loc["2025.MMP0002", "dead"] == 28  # a blank never erases a known count
    assert [(c["source_id"], c["field"], c["before"]) for c in report.kept] == [
        ("2025.MMP0002", "dead", 28)
    ]
    text = str(report)
    assert "1 count(s) lower than stored: 2025.MMP0075 missing 10 -> 7" in text
    assert "1 count(s) blank in the file, stored value kept: 2025.MMP0002 dead 28 -> blank" in text
    # reported once: the same file again changes and reports nothing
    again = import_file(store, _csv(revised, tmp_path, "revised.csv"), user="u", bbox=AREA)
    assert (again.updated, again.decreased, again.kept) == (0, [], [])


def test_cli_import_reports_lower_counts(tmp_path: Path, sample, monkeypatch) -> None:
    from click.testing import CliRunner

    import seawatch.cli.incidents  # noqa: F401  (registers the commands)
    from seawatch.cli.root import main

    monkeypatch.chdir(tmp_path)
    for name in ("SEAWATCH_CONFIG", "SEAWATCH_DATA_DIR", "SEAWATCH_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(
            main,
            ["--data-dir", str(tmp_path / "data"), "incidents", "import", *args],
            env={"SEAWATCH_USER": "amina"},
            catch_exceptions=False,
        )

    assert run(str(PER_YEAR)).exit_code == 0
    revised = sample.copy()
    revised.loc[revised["Incident ID"] == "2025.MMP0075", "Number of Survivors"] = "30"
    path = _csv(revised, tmp_path, "revised.csv")
    result = run(str(path))
    assert result.exit_code == 0, result.output
    # the CLI keeps what lies inside the default [area]
    area = AreaSettings().bbox
    inside = len(_in_area(sample, area))
    assert result.stdout.strip() == (
        f"0 new, 1 updated, {inside - 1} unchanged, 0 rejected{_outside_text(sample, area)}; "
        "1 count(s) lower than stored: 2025.MMP0075 survivors 37 -> 30 (old values in the history)"
    )
    assert "lower than stored: 2025.MMP0075 survivors 37 -> 30 (incident " in result.stderr

    revised.loc[revised["Incident ID"] == "2025.MMP0075", "Number of Survivors"] = "29"
    data = json.loads(run(str(_csv(revised, tmp_path, "again.csv")), "--json").stdout)
    assert [(c["field"], c["before"], c["after"]) for c in data["decreased"]] == [
        ("survivors", 30, 29)
    ]
    assert data["kept"] == [] and "persons" in data["absent"]
    assert data["summary"].startswith(f"0 new, 1 updated, {inside - 1} unchanged")


def test_alldata_and_per_year_in_one_store_count_nothing_twice(
    store: IncidentStore, sample, mmp_csv: Path, tmp_path: Path
) -> None:
    """allData sums a split incident up on one row; per-year gives its parts. Mixed: no double."""
    raw = pd.read_csv(mmp_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw["Main ID"] = raw["Main ID"].str.replace("\ufeff", "", regex=False)
    alldata = _csv(raw[raw["Main ID"].isin(sample["Main ID"])], tmp_path, "alldata_subset.csv")
    inside = _in_area(sample)

    first = import_file(store, alldata, user="u", bbox=AREA)
    assert first.new == 6 and store.count() == 6
    summed = _stored(store).loc["2025.MMP0035"]
    assert (summed["dead"], summed["missing"], summed["survivors"]) == (2, 2, 17)

    parts = import_file(store, PER_YEAR, user="u", bbox=AREA)
    assert [c["after"] for c in parts.rekeyed] == ["2025.MMP003539"]
    assert parts.new == 1 and store.count() == 7
    # the taken-over record now holds its own part: the summed-up missing moved to part two
    assert [(c["field"], c["before"], c["after"]) for c in parts.decreased] == [
        ("missing", 2, None)
    ]
    assert parts.kept == []

    again = import_file(store, alldata, user="u", bbox=AREA)
    assert again.new == 0 and store.count() == 7
    assert [(r["source_id"], r["reason"].split(" (")[0]) for r in again.rejected_rows] == [
        ("2025.MMP0035", "split incident already stored as its parts")
    ]
    stored = _stored(store)
    for column, field in (
        ("Number Dead", "dead"),
        ("Minimum Estimated Number of Missing", "missing"),
        ("Number of Survivors", "survivors"),
    ):
        assert int(stored[field].fillna(0).sum()) == _total(inside, column)


def test_scheduled_fetch_warns_about_lower_counts(
    httpserver, tmp_path: Path, sample, caplog: pytest.LogCaptureFixture
) -> None:
    from seawatch.config import load_settings
    from seawatch.incidents.imports import fetch_and_import_mmp

    settings = load_settings(
        data_dir=tmp_path,
        environ={"SEAWATCH_SOURCES_IOM_MMP_URL": httpserver.url_for("/export.csv")},
    )
    httpserver.expect_request("/export.csv").respond_with_data(PER_YEAR.read_bytes())
    assert fetch_and_import_mmp(settings).new == len(_in_area(sample, settings.area.bbox))
    revised = sample.copy()
    revised.loc[revised["Incident ID"] == "2025.MMP0048", "Number of Survivors"] = "90"
    httpserver.clear()
    httpserver.expect_request("/export.csv").respond_with_data(revised.to_csv(index=False))
    with caplog.at_level("INFO", logger="seawatch.incidents.imports"):
        report = fetch_and_import_mmp(settings)
    assert [(c["source_id"], c["before"], c["after"]) for c in report.decreased] == [
        ("2025.MMP0048", 91, 90)
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "2025.MMP0048 survivors 91 -> 90" in warnings[0]
