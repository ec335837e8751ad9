"""The command line: version, config show, exit codes and one-line errors."""

import os
import subprocess
import sys

from click.testing import CliRunner

from seawatch import __version__
from seawatch.cli import main


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_config_show_masks_secrets(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[store]\nurl = 'postgresql://ops:hunter2@db/seawatch'\n")
    result = CliRunner().invoke(
        main, ["config", "show", "--config", str(cfg), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    assert "[area]" in result.output and "west = 10.0" in result.output
    assert str(tmp_path) in result.output


def test_bad_config_is_one_line_and_nonzero(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[area]\nwest = 30\n")
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "config", "show", "--config", str(cfg)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("seawatch: error: area: west (30.0) must be less than east")
    assert "Traceback" not in proc.stderr


def test_demo_on_an_area_under_one_grid_cell_says_what_to_change(tmp_path):
    # 0.02° x 0.02° at the default 0.05° grid: one cell; the demo used to die in an IndexError
    environ = {
        "SEAWATCH_AREA_WEST": "12.0",
        "SEAWATCH_AREA_EAST": "12.02",
        "SEAWATCH_AREA_SOUTH": "33.0",
        "SEAWATCH_AREA_NORTH": "33.02",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "demo", "--out", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        env={**os.environ, **environ},
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert proc.stderr.startswith("seawatch: error: area is 0.02° wide"), proc.stderr
    assert "widen the area" in proc.stderr and "internal error" not in proc.stderr
    assert not (tmp_path / "demo" / "risk.nc").exists()


def test_missing_input_file_names_what_to_do(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "build", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "no forecast at" in proc.stderr and "seawatch fetch weather" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_debug_shows_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "seawatch", "--debug", "map", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr
    assert "no risk file at" in proc.stderr


def test_every_command_has_help_and_common_options():
    runner = CliRunner()
    for command in (["demo"], ["build"], ["map"], ["config", "show"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "--config" in result.output and "--data-dir" in result.output
