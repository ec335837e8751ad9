"""IOM Missing Migrants reader: the real 2025-06 export, every layout, quirks, downloads."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from seawatch.errors import DataError, FetchError
from seawatch.http import USER_AGENT, make_session
from seawatch.incidents.iom_mmp import get_mmp, parse_mmp, read_mmp

ROOT = Path(__file__).resolve().parents[2]
MMP_DIR = ROOT.parent / "shared" / "data" / "mmp"
MMP_CSV = MMP_DIR / "Missing_Migrants_Global_Figures_allData_2025-06.csv"
MMP_XLSX = MMP_DIR / "Missing_Migrants_Global_Figures_allData_2025-06.xlsx"
FIXTURES = ROOT / "tests" / "fixtures" / "mmp"
AREA = (10.0, 30.5, 20.0, 38.0)
UTC = dt.UTC


def _central(records: pd.DataFrame) -> pd.DataFrame:
    return records[records["route"].fillna("").str.contains("Central Mediterranean")]


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The real CSV as plain text cells, for counts computed independently of the reader."""
    return pd.read_csv(MMP_CSV, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def real() -> object:
    return read_mmp(MMP_CSV)


# ------------------------------------------------------------------------- the real export


def test_real_csv_no_row_lost_or_duplicated(real, raw: pd.DataFrame) -> None:
    assert real.layout == "alldata"
    assert real.rows == len(raw) == 19_255
    assert len(real.records) + len(real.rejected) == 19_255
    ids = pd.concat([real.records["source_id"], real.rejected["source_id"].dropna()])
    assert ids.is_unique
    # Keyed on the most specific id: the Incident ID when it names one incident, else (a split
    # incident summed up on one row, "a,b,c") the Main ID.
    main = raw["Main ID"].str.replace("\ufeff", "", regex=False).str.strip()
    part = raw["Incident ID"].str.replace("\ufeff", "", regex=False).str.strip()
    expected = main.where(part.str.contains(",", regex=False), part)
    assert set(ids) == set(expected)
    # the 5 real rows whose key is not their Main ID carry it, for stores keyed on it before
    moved = real.records[real.records["former_source_id"].notna()]
    assert sorted(moved["source_id"]) == sorted(expected[expected != main])
    assert set(moved["former_source_id"]) == {
        "2020.MMP01370",
        "2021.MMP0246",
        "2021.MMP0247",
        "2022.MMP00057",
        "2022.MMP00058",
    }


def test_real_csv_rejects_only_rows_without_any_date(real, raw: pd.DataFrame) -> None:
    no_date = raw[(raw["Incident Date"] == "") & (raw["Incident Year"] == "")]
    assert len(no_date) == 13
    assert set(real.rejected["source_id"]) == set(no_date["Main ID"])
    assert set(real.rejected["reason"]) == {"no incident date (date, year and month are empty)"}
    # The row dated "0" falls back to its year and month, flagged.
    zero = raw.loc[raw["Incident Date"] == "0", "Main ID"].item()
    rec = real.records.set_index("source_id").loc[zero]
    assert rec["time"] == pd.Timestamp("2020-09-01", tz="UTC")
    assert "date_month_only" in rec["flags"]


def test_real_csv_central_mediterranean_counts(real, raw: pd.DataFrame) -> None:
    raw_central = raw[raw["Migration Route"].str.contains("Central Mediterranean")]
    central = _central(real.records)
    assert len(central) == len(raw_central) == 1_434
    assert central["time"].min() == pd.Timestamp("2014-02-17", tz="UTC")
    assert central["time"].max() == pd.Timestamp("2025-04-29", tz="UTC")
    inside = _central(real.inside(AREA).records)
    assert len(inside) == 1_251
    # IOM's total is dead + missing; one row says "-1 missing", which seawatch reads as
    # unknown (flagged), so the sum of what seawatch keeps is one higher than IOM's total.
    assert pd.to_numeric(raw_central["Total Number of Dead and Missing"]).sum() == 24_813
    kept = central["dead"].fillna(0).sum() + central["missing"].fillna(0).sum()
    assert kept == 24_814
    assert central["flags"].map(lambda f: "invalid_count" in f).sum() == 1


def test_real_csv_values(real, raw: pd.DataFrame) -> None:
    records = real.records.set_index("source_id")
    rec = records.loc["2025.MMP0202"]
    assert rec["time"] == pd.Timestamp("2025-04-05", tz="UTC")
    assert (rec["lat"], rec["lon"]) == (32.95697594, 12.06632757)
    assert (rec["dead"], rec["missing"], rec["survivors"]) == (2, 19, 9)
    assert rec["source_quality"] == 4
    assert rec["cause"] == "Drowning"
    assert rec["location"] == "Unspecified location near Zuwara, Libya"
    assert rec["position_text"] == "32.95697594, 12.06632757"
    assert pd.isna(rec["url"])
    # blank = unknown, never 0
    blank_dead = raw["Number of Dead"] == ""
    assert records["dead"].isna().sum() == blank_dead[raw["Incident Date"] != ""].sum() == 756
    assert str(records["dead"].dtype) == "Int64"


def test_real_csv_quirks(real, raw: pd.DataFrame) -> None:
    bom_ids = raw.loc[raw["Main ID"].str.startswith("\ufeff"), "Main ID"].str.lstrip("\ufeff")
    assert len(bom_ids) == 9
    assert set(bom_ids) <= set(real.records["source_id"])
    assert not real.records["source_id"].str.contains("\ufeff").any()
    flags = Counter(f for fl in real.records["flags"] for f in fl)
    types = raw.loc[raw["Incident Date"] != "", "Incident Type"]
    assert flags["cumulative"] == types.str.contains("Cumulative").sum() == 93
    assert flags["split"] >= types.str.contains("Split").sum()
    # Multi-valued source quality keeps the highest value.
    multi = raw.loc[raw["Source Quality"] == "1,3,4", "Main ID"].item()
    assert real.records.set_index("source_id").loc[multi, "source_quality"] == 4


def test_real_csv_suspicious_positions_are_flagged_not_dropped(real) -> None:
    records = real.records.set_index("source_id")
    # "Remains washed ashore at Sealine beach, Khums" placed in Qatar.
    assert "far_from_country" in records.loc["2022.MMP0765", "flags"]
    # "Off the coast of Zliten, Libya" at 36.81 N 27.27 E.
    zliten = records[records["location"] == "Off the coast of Zliten, Libya"]
    assert any("far_from_country" in f for f in zliten["flags"])
    # Sabratha beach is on land.
    inside = real.inside(AREA).records
    on_land = inside[inside["flags"].map(lambda f: "on_land" in f)]
    assert on_land["location"].str.contains("washed ashore", case=False).any()
    assert len(on_land) < len(inside) / 2


@pytest.mark.slow
def test_real_xlsx_matches_csv(real) -> None:
    xlsx = read_mmp(MMP_XLSX)
    assert xlsx.rows == 19_255
    assert len(xlsx.records) == len(real.records)
    assert len(xlsx.rejected) == len(real.rejected)
    columns = ["source_id", "time", "lat", "lon", "dead", "missing", "survivors", "source_quality"]
    pd.testing.assert_frame_equal(
        xlsx.records[columns].reset_index(drop=True),
        real.records[columns].reset_index(drop=True),
    )
    assert len(_central(xlsx.inside(AREA).records)) == 1_251


# ------------------------------------------------------------------------- other layouts


def test_per_year_layout() -> None:
    data = read_mmp(FIXTURES / "per_year_2025.csv")
    assert data.layout == "per_year"
    records = data.records.set_index("source_id")
    first = records.loc["2025.MMP0101"]
    # "Fri, 03/07/2025 - 12:00" is month/day/year
    assert first["time"] == pd.Timestamp("2025-03-07 12:00", tz="UTC")
    assert (first["dead"], first["missing"], first["survivors"]) == (2, 19, 9)
    assert first["location"] == "Unspecified location off Zuwara, Libya"
    split = records.loc["2025.MMP0102"]
    assert (split["lat"], split["lon"]) == (34.1, 12.5)  # POINT (lon lat)
    assert split["source_quality"] == 4  # "1,4"
    assert pd.isna(split["dead"]) and split["missing"] == 30
    assert "split" in split["flags"]
    assert records.loc["2025.MMP0103", "flags"] == ["on_land"]
    assert list(data.rejected["source_id"]) == ["2025.MMP0105"]
    assert list(data.rejected["reason"]) == ["no coordinates"]
    assert list(data.rejected["row"]) == [6]
    assert len(data.inside(AREA).records) == 3


def test_legacy_layout_windows_1252() -> None:
    data = read_mmp(FIXTURES / "legacy_2017.csv")
    assert data.layout == "legacy"
    records = data.records.set_index("source_id")
    assert records.loc["40123", "time"] == pd.Timestamp("2014-01-06", tz="UTC")
    assert records.loc["40124", "time"] == pd.Timestamp("2017-02-16 12:00", tz="UTC")
    assert records.loc["40123", "notes"].startswith("Information source: Sos Méditerranée")
    assert pd.isna(records.loc["40123", "dead"]) and records.loc["40123", "missing"] == 12
    assert records.loc["40125", "route"] == "Sahara Desert crossing"
    # "June 31, 2017" does not exist: the reported month is used, and flagged
    assert records.loc["40126", "time"] == pd.Timestamp("2017-06-01", tz="UTC")
    assert "date_month_only" in records.loc["40126", "flags"]
    assert data.rejected.empty


def test_quirks() -> None:
    data = read_mmp(FIXTURES / "quirks_alldata.csv")
    records = data.records.set_index("source_id")
    assert "2019.MMP00001" in records.index  # BOM stripped
    assert records.loc["2019.MMP00001", "lon"] == 15.0  # truncated "33.1597, 15"
    two = records.loc["2019.MMP00002"]
    assert two["time"] == pd.Timestamp("2019-03-01", tz="UTC")  # 2019-03-??
    assert sorted(two["flags"]) == ["date_month_only", "split"]
    assert two["source_quality"] == 5
    three = records.loc["2019.MMP00003"]
    assert three["time"] == pd.Timestamp("2019-03-04", tz="UTC")  # 04.03.2019
    assert pd.isna(three["missing"]) and three["flags"] == ["invalid_count"]  # "-1"
    assert records.loc["2019.MMP00004", "time"] == pd.Timestamp("2019-09-01", tz="UTC")  # "0"
    six = records.loc["2019.MMP00006"]
    assert six["time"] == pd.Timestamp("2019-02-04", tz="UTC")  # Excel serial 43500
    assert six["flags"] == ["cumulative"]
    eight = records.loc["2019.MMP00008"]
    assert eight["lat"] == pytest.approx(33 + 12.5 / 60) and eight["missing"] == 0
    assert records.loc["2019.MMP00009", "flags"] == ["far_from_country"]
    assert records.loc["2019.MMP00010", "flags"] == ["on_land"]
    reasons = dict(zip(data.rejected["row"], data.rejected["reason"], strict=True))
    assert reasons[6] == "no incident date (date, year and month are empty)"
    assert reasons[8] == "latitude 95.1 is out of range (-90 to 90)"
    assert reasons[12] == "no IOM id (Main ID, Incident ID and Web ID are empty)"
    assert reasons[13].startswith("unreadable coordinates: cannot read 'somewhere'")
    assert len(records) + len(data.rejected) == data.rows == 12


def test_xlsx_with_dates_and_numbers(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Worksheet"
    sheet.append(["Main ID", "Incident Date", "Number of Dead", "Coordinates", "Source Quality"])
    sheet.append(["2024.MMP1", dt.datetime(2024, 5, 6), 3, "33.5, 12.5", 4])
    sheet.append(["2024.MMP2", 45420, 2.0, "POINT (13.0 34.0)", "4,5"])
    sheet.append(["2024.MMP3", "06.05.2024", None, "34.0, 14.0", None])
    path = tmp_path / "export.xlsx"
    book.save(path)
    records = read_mmp(path).records.set_index("source_id")
    assert records.loc["2024.MMP1", "time"] == pd.Timestamp("2024-05-06", tz="UTC")
    assert records.loc["2024.MMP2", "time"] == pd.Timestamp("2024-05-08", tz="UTC")  # serial
    assert records.loc["2024.MMP2", "dead"] == 2
    assert records.loc["2024.MMP3", "time"] == pd.Timestamp("2024-05-06", tz="UTC")
    assert pd.isna(records.loc["2024.MMP3", "dead"])
    assert pd.isna(records.loc["2024.MMP3", "source_quality"])


def test_parse_text_and_semicolons() -> None:
    text = "Main ID;Incident Date;Coordinates;Number of Dead\nX1;2024-01-02;33,5 12,5;1\n"
    data = parse_mmp(text)
    assert data.records.loc[0, "lat"] == 33.5 and data.records.loc[0, "lon"] == 12.5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"a,b,c\n1,2,3\n", "not an IOM Missing Migrants export"),
        (b'Main ID,Coordinates\nX,"1, 2"\n', "it has no date column"),
    ],
)
def test_not_an_mmp_file(content: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_mmp(content, name="upload.csv")


def test_not_an_mmp_file_says_what_to_do() -> None:
    with pytest.raises(DataError) as err:
        parse_mmp(b"a,b\n1,2\n", name="upload.csv")
    message = str(err.value)
    assert "no id column (Main ID or Web ID), no date column" in message
    assert "(its columns: a, b)" in message
    assert message.endswith("import the file as downloaded from IOM, with its header row")


# A partner's copy of the real export, re-saved by Excel: its first Central Mediterranean rows,
# one location written in Arabic (or with Latin accents), in each encoding Excel offers.
ARABIC = "قبالة زوارة، ليبيا"
LATIN = "Au large de Zouara, Libye – bateau chaviré"


@pytest.fixture(scope="module")
def excel_copy(raw: pd.DataFrame) -> pd.DataFrame:
    rows = raw[raw["Migration Route"].str.contains("Central Mediterranean")].head(30).copy()
    rows.iloc[0, rows.columns.get_loc("Location of Incident")] = ARABIC
    rows.iloc[1, rows.columns.get_loc("Location of Incident")] = LATIN
    return rows


def _locations(data) -> list[str]:
    return list(data.records["location"].iloc[:2])


def test_arabic_windows_1256_csv_keeps_arabic_names(excel_copy: pd.DataFrame) -> None:
    """Arabic Windows Excel saves 'CSV' as Windows-1256; read as Windows-1252 it became
    'ÞÈÇáÉ ÒæÇÑÉ' in the store."""
    arabic = excel_copy.iloc[[0, 2, 3]]
    data = parse_mmp(arabic.to_csv(index=False).encode("cp1256"), name="partner.csv")
    assert data.records["location"].iloc[0] == ARABIC
    assert len(data.records) + len(data.rejected) == 3


def test_latin_windows_1252_csv_still_reads_accents(excel_copy: pd.DataFrame) -> None:
    latin = excel_copy.iloc[[1, 2, 3]]
    data = parse_mmp(latin.to_csv(index=False).encode("cp1252"), name="partner.csv")
    assert data.records["location"].iloc[0] == LATIN


@pytest.mark.parametrize("text", ["33°12.5'N 012°45.3'E", "boat’s engine", "5–6 days"])
def test_latin_windows_1252_csv_with_few_accents_is_read_as_before(
    excel_copy: pd.DataFrame, text: str
) -> None:
    """Only a degree sign, a curly quote or a dash outside ASCII left the encoding detector
    undecided, and the file was refused; Western Excel's files read as Windows-1252."""
    rows = excel_copy.iloc[[2, 3, 4]].copy()
    rows.iloc[0, rows.columns.get_loc("Location of Incident")] = text
    data = parse_mmp(rows.to_csv(index=False).encode("cp1252"), name="partner.csv")
    assert data.records["location"].iloc[0] == text


@pytest.mark.parametrize(
    ("encoding", "sep"),
    [("utf-16", "\t"), ("utf-16", ","), ("utf-8-sig", "\t"), ("utf-8-sig", ";")],
    ids=["excel-unicode-text", "utf16-commas", "tabs", "semicolons-bom"],
)
def test_excel_unicode_text_and_tab_separated(
    excel_copy: pd.DataFrame, encoding: str, sep: str
) -> None:
    """Excel's "Unicode Text" is UTF-16 with tabs; before, it was 'not a readable CSV file'."""
    data = parse_mmp(excel_copy.to_csv(index=False, sep=sep).encode(encoding), name="partner.txt")
    assert _locations(data) == [ARABIC, LATIN]
    assert len(data.records) + len(data.rejected) == len(excel_copy)
    assert set(data.records["source_id"]) <= set(excel_copy["Main ID"])


def test_broken_csv_says_what_to_do() -> None:
    text = 'Main ID,Incident Date,Coordinates\nX1,2024-01-02,"33.5, 12.5\n'  # quote never closed
    with pytest.raises(DataError) as err:
        parse_mmp(text.encode(), name="cut.csv")
    assert "cut.csv is not a readable CSV file" in str(err.value)
    assert "'CSV UTF-8'" in str(err.value)


def test_a_forecast_file_given_as_incidents_is_named_binary() -> None:
    netcdf = ROOT.parent / "shared/data/marine/medsea_phy_south_sicily_2022"
    path = sorted(netcdf.glob("*.nc"))[0]
    with pytest.raises(DataError) as err:
        read_mmp(path)
    assert str(err.value) == (
        f"{path.name} is not a CSV or XLSX file (its content is binary); import the IOM "
        "Missing Migrants export itself (.csv or .xlsx)"
    )


def test_cut_short_xlsx_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "Missing_Migrants.xlsx"
    path.write_bytes(MMP_XLSX.read_bytes()[:100_000])
    with pytest.raises(DataError) as err:
        read_mmp(path)
    assert str(err.value) == (
        "Missing_Migrants.xlsx is not a readable XLSX workbook (File is not a zip file): it may "
        "be cut short; download it again, or open it in Excel and save it again"
    )


def test_unreadable_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DataError, match="not a readable XLSX workbook"):
        read_mmp(path)


def test_to_records_are_plain_python() -> None:
    rec = read_mmp(FIXTURES / "per_year_2025.csv").to_records()[1]
    assert rec["dead"] is None and rec["missing"] == 30
    assert isinstance(rec["time"], dt.datetime) and rec["time"].tzinfo is not None
    assert rec["row"] == 3


# ------------------------------------------------------------------------- downloads

SAMPLE = (FIXTURES / "per_year_2025.csv").read_bytes()


def fast_session(timeout: float = 5.0, retries: int = 2):
    """The production session recipe, waiting milliseconds between attempts."""
    return make_session(timeout=timeout, retries=retries, backoff=0.01, backoff_max=0.05)


def test_get_mmp_keeps_raw_file_and_provenance(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/export.csv").respond_with_data(SAMPLE, content_type="text/csv")
    data = get_mmp(httpserver.url_for("/export.csv"), tmp_path, timeout=5)
    assert len(data.records) == 4
    runs = list((tmp_path / "raw" / "iom_mmp").iterdir())
    assert len(runs) == 1 and len(runs[0].name) == len("20250101T000000")
    assert (runs[0] / "export.csv").read_bytes() == SAMPLE
    provenance = json.loads((runs[0] / "export.csv.provenance.json").read_text())
    assert provenance["url"] == httpserver.url_for("/export.csv")
    assert provenance["status"] == 200
    assert provenance["headers"]["Content-Type"].startswith("text/csv")
    assert len(provenance["sha256"]) == 64
    assert provenance["fetched_at"].endswith("Z")
    assert provenance["attribution"].startswith("IOM Missing Migrants Project")
    assert data.provenance == provenance
    assert httpserver.log[0][0].headers["User-Agent"] == USER_AGENT


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_mmp_retries_server_errors(httpserver: HTTPServer, tmp_path: Path, status: int) -> None:
    """A 5xx answer is retried; the export arrives on the second attempt."""
    url = httpserver.url_for("/export.csv")
    httpserver.expect_ordered_request("/export.csv").respond_with_data("busy", status=status)
    httpserver.expect_ordered_request("/export.csv").respond_with_data(
        SAMPLE, content_type="text/csv"
    )
    data = get_mmp(url, tmp_path, session=fast_session())
    assert len(data.records) == 4
    assert len(httpserver.log) == 2
    httpserver.check_assertions()


def test_get_mmp_retries_a_timeout(httpserver: HTTPServer, tmp_path: Path) -> None:
    """A server that does not answer in time is asked again; the second answer is used."""
    calls = []

    def first_slow(_request: object) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:  # longer than the 0.5 s read timeout; the server answers one at a time
            time.sleep(0.8)
        return Response(SAMPLE, content_type="text/csv")

    httpserver.expect_request("/export.csv").respond_with_handler(first_slow)
    data = get_mmp(httpserver.url_for("/export.csv"), tmp_path, session=fast_session(0.5))
    assert len(data.records) == 4
    assert len(calls) == 2


def test_get_mmp_gives_up_after_retries_with_one_line(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    url = httpserver.url_for("/export.csv")
    httpserver.expect_request("/export.csv").respond_with_data("down for maintenance", status=503)
    with pytest.raises(FetchError) as caught:
        get_mmp(url, tmp_path, session=fast_session(retries=2))
    message = str(caught.value)
    assert "\n" not in message
    assert message == (
        f"IOM Missing Migrants: HTTP 503 from {url} after retries: down for maintenance"
    )
    assert len(httpserver.log) == 3  # the first attempt and two retries
    assert not (tmp_path / "raw").exists()


def test_get_mmp_timeout_after_retries_is_one_line(httpserver: HTTPServer, tmp_path: Path) -> None:
    def slow(_request: object) -> Response:
        time.sleep(1.0)
        return Response(SAMPLE)

    httpserver.expect_request("/export.csv").respond_with_handler(slow)
    with pytest.raises(
        FetchError,
        match=r"^IOM Missing Migrants: .* did not answer in time after retries; try later",
    ) as caught:
        get_mmp(httpserver.url_for("/export.csv"), tmp_path, session=fast_session(0.3, 1))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "headers", "message"),
    [
        (404, {}, r"HTTP 404 from \S+: nope$"),
        (429, {"Retry-After": "120"}, r"rate limit reached .*asks to wait 120 s"),
    ],
)
def test_get_mmp_http_errors(
    httpserver: HTTPServer, tmp_path: Path, status: int, headers: dict, message: str
) -> None:
    httpserver.expect_request("/export.csv").respond_with_data(
        "nope", status=status, headers=headers
    )
    with pytest.raises(FetchError, match=message):
        get_mmp(httpserver.url_for("/export.csv"), tmp_path, session=fast_session(retries=1))
    assert not (tmp_path / "raw").exists()


def test_get_mmp_html_page(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/export.csv").respond_with_data(
        "<!DOCTYPE html><html>Access denied</html>", content_type="text/html"
    )
    with pytest.raises(FetchError, match="returned a web page"):
        get_mmp(httpserver.url_for("/export.csv"), tmp_path, timeout=5)


def test_get_mmp_unreachable(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="cannot reach"):
        get_mmp("http://127.0.0.1:9/export.csv", tmp_path, session=fast_session(2, 1))


def test_counts_are_nullable_integers() -> None:
    records = read_mmp(FIXTURES / "quirks_alldata.csv").records
    for name in ("dead", "missing", "survivors", "persons", "source_quality"):
        assert str(records[name].dtype) == "Int64"
    assert records["lat"].dtype == np.float64
    assert str(records["time"].dtype) == "datetime64[ns, UTC]"


def test_fetch_and_import(httpserver: HTTPServer, tmp_path: Path) -> None:
    from seawatch.config import load_settings
    from seawatch.incidents.imports import fetch_and_import_mmp

    httpserver.expect_request("/export.csv").respond_with_data(SAMPLE, content_type="text/csv")
    settings = load_settings(
        data_dir=tmp_path,
        environ={"SEAWATCH_SOURCES_IOM_MMP_URL": httpserver.url_for("/export.csv")},
    )
    report = fetch_and_import_mmp(settings)
    assert (
        str(report) == "3 new, 0 updated, 0 unchanged, 1 rejected, 1 outside the area of interest"
    )
    assert fetch_and_import_mmp(settings).unchanged == 3
    assert (tmp_path / "incidents.sqlite").is_file()
    assert len(list((tmp_path / "imports").glob("*-iom_mmp-*rejected.csv"))) == 2
