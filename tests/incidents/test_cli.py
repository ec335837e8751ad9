"""``seawatch position``, ``seawatch incidents ...`` and ``seawatch fetch incidents``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import seawatch.cli.incidents  # noqa: F401  (registers the commands)
from seawatch.cli.root import main
from seawatch.errors import DataError
from seawatch.incidents.validate import parse_since

from .conftest import FIXTURES

UTC = dt.UTC


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SEAWATCH_CONFIG", "SEAWATCH_DATA_DIR", "SEAWATCH_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    data_dir = tmp_path / "data"

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(
            main,
            ["--data-dir", str(data_dir), *args],
            env={"SEAWATCH_USER": "amina", **(env or {})},
            catch_exceptions=False,
        )

    invoke.data_dir = data_dir  # type: ignore[attr-defined]
    return invoke


def test_position(run) -> None:
    result = run("position", "3312.5N 01245.3E")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "33°12.500'N 012°45.300'E"
    result = run("position", "--json", "٣٣ ١٢٫٥ شمال ١٢ ٤٥٫٣ شرق")
    data = json.loads(result.stdout)
    assert data["ddm"] == "33°12.500'N 012°45.300'E"
    assert data["lat"] == pytest.approx(33 + 12.5 / 60)


def test_position_error_is_one_line(run) -> None:
    result = run("position", "33 61N 12 45E")
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        "seawatch: error: '33 61N': minutes 61 must be less than 60"
    ]


def test_add_edit_show_retract(run) -> None:
    result = run(
        "incidents", "add", "--position", "N33 12.500 E012 45.300", "--time",
        "2025-04-05T08:30+02:00", "--persons", "80", "--dead", "2", "--boat", "rubber",
        "--note", "engine failure", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)
    assert rec["time"] == "2025-04-05T06:30:00Z"
    assert rec["created_by"] == "amina" and rec["boat_type"] == "rubber"
    short = rec["id"][:6]

    result = run(
        "incidents", "edit", short, "--version", "1", "--survivors", "70", "--user", "omar"
    )
    assert result.exit_code == 0 and "version 2" in result.stdout

    result = run("incidents", "edit", rec["id"], "--version", "1", "--survivors", "71")
    assert result.exit_code != 0
    assert "was changed by omar" in result.stderr and "version 2" in result.stderr

    result = run("incidents", "edit", rec["id"], "--version", "2", "--clear", "persons")
    assert result.exit_code == 0

    result = run("incidents", "show", rec["id"])
    assert "33°12.500'N 012°45.300'E" in result.stdout
    assert "survivors: None -> 70" in result.stdout
    assert "persons: 80 -> None" in result.stdout
    history = json.loads(run("incidents", "show", "--json", short).stdout)["history"]
    assert [h["user"] for h in history] == ["amina", "omar", "amina"]

    result = run("incidents", "retract", rec["id"], "--reason", "duplicate")
    assert result.exit_code == 0 and "retracted" in result.stdout
    assert json.loads(run("incidents", "list", "--json").stdout) == []
    listed = json.loads(run("incidents", "list", "--json", "--include-retracted").stdout)
    assert [r["status"] for r in listed] == ["retracted"]


def test_add_warns_about_land_and_rejects_bad_input(run) -> None:
    result = run("incidents", "add", "--position", "32.895, 13.18")
    assert result.exit_code == 0 and "on land" in result.stderr
    result = run("incidents", "add", "--position", "95, 12")
    assert result.exit_code != 0
    assert "latitude 95 is out of range" in result.stderr
    result = run("incidents", "add", "--position", "33N 12E", "--dead", "-1")
    assert result.exit_code != 0  # click refuses negative counts


def test_import_list_export(run, tmp_path: Path) -> None:
    result = run("incidents", "import", str(FIXTURES / "per_year_2025.csv"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "3 new, 0 updated, 0 unchanged, 1 rejected, 1 outside the area of interest"
    )
    assert "rejected rows and reasons" in result.stderr
    rejected = list((run.data_dir / "imports").glob("*-iom_mmp-*rejected.csv"))
    assert len(rejected) == 1 and "no coordinates" in rejected[0].read_text()

    again = json.loads(
        run("incidents", "import", str(FIXTURES / "per_year_2025.csv"), "--json").stdout
    )
    assert (again["new"], again["unchanged"], again["rejected"]) == (0, 3, 1)

    everything = run("incidents", "import", "--all", str(FIXTURES / "per_year_2025.csv"))
    assert everything.stdout.startswith("1 new, 0 updated, 3 unchanged")

    listed = run("incidents", "list", "--since", "2025-04-01")
    assert listed.exit_code == 0
    assert len(listed.stdout.strip().splitlines()) == 1 + 3  # header + April and May rows

    out = tmp_path / "x.gpx"
    result = run("incidents", "export", "--format", "gpx", "--out", str(out))
    assert result.exit_code == 0 and out.read_text().count("<wpt ") == 4
    csv_text = run("incidents", "export", "--format", "csv", "--since", "2025-05-01").stdout
    assert csv_text.count("\n") == 1 + 2


def test_fetch_incidents(run, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/mmp.csv").respond_with_data(
        (FIXTURES / "per_year_2025.csv").read_bytes(), content_type="text/csv"
    )
    env = {"SEAWATCH_SOURCES_IOM_MMP_URL": httpserver.url_for("/mmp.csv")}
    result = run("fetch", "incidents", "--json", env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["new"] == 3
    assert list((run.data_dir / "raw" / "iom_mmp").glob("*/*.provenance.json"))


def test_fetch_incidents_http_error(run, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/mmp.csv").respond_with_data("gone", status=404)
    env = {"SEAWATCH_SOURCES_IOM_MMP_URL": httpserver.url_for("/mmp.csv")}
    result = run("fetch", "incidents", env=env)
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        f"seawatch: error: IOM Missing Migrants: HTTP 404 from {env['SEAWATCH_SOURCES_IOM_MMP_URL']}: gone"
    ]


def test_parse_since() -> None:
    now = dt.datetime(2025, 4, 5, 12, tzinfo=UTC)
    assert parse_since("24h", now=now) == dt.datetime(2025, 4, 4, 12, tzinfo=UTC)
    assert parse_since("7d", now=now) == dt.datetime(2025, 3, 29, 12, tzinfo=UTC)
    assert parse_since("1.5d", now=now) == dt.datetime(2025, 4, 4, 0, tzinfo=UTC)
    assert parse_since("2w", now=now) == dt.datetime(2025, 3, 22, 12, tzinfo=UTC)
    assert parse_since("2025-04-01", now=now) == dt.datetime(2025, 4, 1, tzinfo=UTC)
    assert parse_since("2025-04-01T06:00+02:00", now=now) == dt.datetime(2025, 4, 1, 4, tzinfo=UTC)
    assert parse_since(None, now=now) is None
    with pytest.raises(DataError, match="until 'last week' is neither a period like 24h"):
        parse_since("last week", "until", now=now)
    with pytest.raises(DataError, match="out of range"):
        parse_since("999999w", now=now)  # one line, not an overflow traceback


@pytest.mark.parametrize(
    "command",
    [
        ("incidents", "list"),
        ("incidents", "export", "--format", "gpx"),
        ("incidents", "show", "3f2a"),
    ],
)
def test_reading_from_a_mistyped_data_dir_does_not_look_like_lost_incidents(run, command) -> None:
    """`incidents list` on a data directory that was never used answered "no incidents" (and
    left a new empty store there), as if every incident were gone."""
    result = run(*command)
    assert result.exit_code == 1
    data_dir = run.data_dir
    assert result.stderr.strip().splitlines() == [
        f"seawatch: error: no incident store at {data_dir / 'incidents.sqlite'}: nothing was "
        f"ever added or imported with data directory {data_dir}; check --data-dir, "
        "SEAWATCH_DATA_DIR or [store] url (`seawatch incidents add` or `import` starts a new store)"
    ]
    assert not data_dir.exists()
    added = run("incidents", "add", "--position", "33 12.5N 012 45.3E", "--persons", "80")
    assert added.exit_code == 0, added.output
    assert run("incidents", "list").exit_code == 0


def test_list_status_typo_is_an_error_not_an_empty_list(run) -> None:
    """`--status Distress` or a typo matched nothing and answered "no incidents" while a
    distress case was open."""
    added = run("incidents", "add", "--position", "33 12.5N 012 45.3E", "--status", "distress")
    assert added.exit_code == 0, added.output
    listed = run("incidents", "list", "--status", "Distress, capsized", "--json")
    assert listed.exit_code == 0, listed.output
    assert [r["status"] for r in json.loads(listed.stdout)] == ["distress"]
    wrong = run("incidents", "list", "--status", "distres")
    assert wrong.exit_code == 2
    assert wrong.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--status': unknown status 'distres'; use one or more of "
        "distress, intercepted, rescued, capsized, sunk, missing, closed, retracted, "
        "separated by commas"
    )


def test_list_help_names_every_status(run) -> None:
    from seawatch.incidents.model import STATUSES

    text = " ".join(run("incidents", "list", "--help").stdout.split())
    assert ", ".join(STATUSES) + "." in text


def test_add_help_examples_run_as_written(run) -> None:
    """The examples in `incidents add --help` are accepted as printed."""
    import shlex

    text = run("incidents", "add", "--help").stdout.replace("\\\n", " ")
    examples = [
        shlex.split(line.strip())[1:]
        for line in text.splitlines()
        if line.strip().startswith("seawatch incidents add")
    ]
    assert len(examples) == 2
    for argv in examples:
        result = run(*argv, "--json")
        assert result.exit_code == 0, (argv, result.output)
    stored = json.loads(run("incidents", "list", "--json").stdout)
    assert sorted(r["persons"] for r in stored) == [80, 120]
    assert {r["time"] for r in stored} >= {"2026-12-07T03:10:00Z"}
