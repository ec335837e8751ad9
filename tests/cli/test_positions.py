"""Positions south of the equator or west of Greenwich start with a minus sign on the command line.

click reads a word starting with '-' as an option; every command that takes a position must read
``-5.3, 35.9`` as a position, quoted or not, before or after its options.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import seawatch.cli  # noqa: F401  (registers every command)
from seawatch.cli.root import main, signed_numbers_as_arguments
from seawatch.schema import write_dataset
from tests.drift.conftest import START, require_opendrift, synthetic_forecast

SOUTH_EAST = "-5.3, 35.9"
# A sign and a hemisphere letter contradict each other: the position reader must say so, not
# click ("No such option").
SIGN_AND_LETTER = "-5°18'S 35°54'E"
SIGN_AND_LETTER_ERROR = "has both a sign and a hemisphere letter"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SEAWATCH_CONFIG", "SEAWATCH_DATA_DIR", "SEAWATCH_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> click.testing.Result:
        return runner.invoke(
            main,
            ["--data-dir", str(tmp_path / "data"), *args],
            env={"SEAWATCH_USER": "amina"},
            catch_exceptions=False,
        )

    return invoke


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_command_taking_a_position_is_tested_here():
    taking = {
        " ".join(path)
        for path, command in _commands(main)
        for param in command.params
        if "position" in (param.name or "") or (path[-1] == "position")
    }
    assert taking == {"position", "incidents add", "incidents edit", "drift"}


@pytest.mark.parametrize(
    "args",
    [
        [SOUTH_EAST],
        ["--json", SOUTH_EAST],
        [SOUTH_EAST, "--json"],
        ["-5.3,", "35.9", "--json"],  # unquoted
        ["--json", "--", SOUTH_EAST],
    ],
)
def test_position_command_reads_a_leading_minus(run, args):
    result = run("position", *args)
    assert result.exit_code == 0, result.output
    if "--json" in args:
        data = json.loads(result.stdout)
        assert (data["lat"], data["lon"]) == (-5.3, 35.9)
    else:
        assert result.stdout.splitlines()[0] == "05°18.000'S 035°54.000'E"


def test_position_command_west_longitude_unquoted(run):
    result = run("position", "35.9,", "-5.3")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "35°54.000'N 005°18.000'W"


def test_sign_and_letter_is_the_readers_one_line_error(run):
    result = run("position", SIGN_AND_LETTER)
    assert result.exit_code == 1
    assert SIGN_AND_LETTER_ERROR in result.stderr and "No such option" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_unknown_option_is_still_refused(run):
    result = run("position", "--bogus", SOUTH_EAST)
    assert result.exit_code == 2 and "No such option '--bogus'" in result.stderr


@pytest.mark.parametrize("form", ["--position", "--position="])
def test_incidents_add_and_edit_take_a_leading_minus(run, form):
    def position_args(text: str) -> list[str]:
        return [form + text] if form.endswith("=") else [form, text]

    added = run("incidents", "add", *position_args(SOUTH_EAST), "--json")
    assert added.exit_code == 0, added.output
    rec = json.loads(added.stdout)
    assert (rec["lat"], rec["lon"]) == (-5.3, 35.9)
    edited = run(
        "incidents", "edit", rec["id"], "--version", "1", *position_args("-5.4, -35.8"), "--json"
    )
    assert edited.exit_code == 0, edited.output
    rec = json.loads(edited.stdout)
    assert (rec["lat"], rec["lon"]) == (-5.4, -35.8)
    for command in (["incidents", "add"], ["incidents", "edit", rec["id"], "--version", "2"]):
        result = run(*command, *position_args(SIGN_AND_LETTER))
        assert result.exit_code == 1, result.output
        assert SIGN_AND_LETTER_ERROR in result.stderr and "No such option" not in result.stderr


@pytest.mark.parametrize("form", ["--position", "--position="])
def test_drift_takes_a_leading_minus(run, tmp_path, form):
    """The position reaches the drift as read: its refusal (the start is outside the tiny
    forecast of tests/drift, off Libya) names -5.3, 35.9, before OpenDrift runs anything."""
    require_opendrift()
    forecast = write_dataset(synthetic_forecast(), tmp_path / "forecast.nc")

    def drift(text: str, *extra: str) -> click.testing.Result:
        position = [form + text] if form.endswith("=") else [form, text]
        common = ["--time", f"{START:%Y-%m-%dT%H:%MZ}", "--hours", "2", "--forecast", str(forecast)]
        return run("drift", *extra, *position, *common)

    for extra in ([], ["--json"]):
        result = drift(SOUTH_EAST, *extra)
        assert result.exit_code == 2, result.output  # a refused request, as run_drift says
        assert "the start -5.3000, 35.9000" in result.stderr, result.stderr
        assert "outside the forecast area" in result.stderr
    result = drift(SIGN_AND_LETTER)
    assert result.exit_code == 1, result.output
    assert SIGN_AND_LETTER_ERROR in result.stderr and "No such option" not in result.stderr


def test_negative_option_values_stay_option_values(run):
    result = run("incidents", "add", "--position", "33N 12E", "--dead", "-1")
    assert result.exit_code == 2 and "--dead" in result.stderr  # click's range check, as before


def test_reordering_keeps_options_and_their_values():
    params = main.commands["incidents"].commands["add"].params
    args = ["--position", "-5.3, 35.9", "--dead", "-1", "--json"]
    assert signed_numbers_as_arguments(params, args) == args  # no argument: unchanged
    params = main.commands["position"].params
    assert signed_numbers_as_arguments(params, ["-5.3,", "--json", "-35.9"]) == [
        "--json",
        "--",
        "-5.3,",
        "-35.9",
    ]


def test_installed_entry_point_reads_a_leading_minus(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "position", SOUTH_EAST],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("05°18.000'S 035°54.000'E")
