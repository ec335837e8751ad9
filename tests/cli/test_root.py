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


def test_day_options_say_how_to_write_a_day():
    help_text = CliRunner().invoke(main, ["fetch", "hindcast", "--help"]).output
    assert "--start YYYY-MM-DD" in help_text and "%Y" not in help_text
    result = CliRunner().invoke(
        main, ["fetch", "hindcast", "--start", "2023/01/01", "--end", "2023-12-31"]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "Error: Invalid value for '--start': '2023/01/01' is not a day written YYYY-MM-DD, "
        "e.g. 2023-01-31"
    )


def test_demo_refuses_a_data_dir_instead_of_ignoring_it(tmp_path):
    """`seawatch --data-dir DIR demo` wrote into ./seawatch-demo and said nothing of DIR."""
    for args in (["--data-dir", str(tmp_path), "demo"], ["demo", "--data-dir", str(tmp_path)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert result.output.strip().splitlines()[-1] == (
            "Error: demo writes into --out DIR (default seawatch-demo), never into a data "
            "directory, so that a real forecast is not replaced by its synthetic gale; use --out DIR"
        )
    assert list(tmp_path.iterdir()) == []


def test_map_of_a_file_that_is_not_a_risk_file_names_it(tmp_path):
    """`seawatch map --risk` given a forecast said 'risk dataset has no hazard_level: rebuild it
    with `seawatch build`', naming neither the file nor what it is."""
    from pathlib import Path

    currents = (
        Path(__file__).resolve().parents[3]
        / "shared/data/marine/medsea_phy_south_sicily_2022/curr_20220427_South_Sicilia.nc"
    )
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path), "map", "--risk", str(currents), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"seawatch: error: {currents} is not a seawatch risk file (no hazard_level; it holds "
        "uo, vo); pass the risk.nc that `seawatch build` wrote (a forecast goes to "
        "`seawatch build --forecast FILE`)"
    ]
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_an_import_says_nothing_was_half_saved(tmp_path):
    """Ctrl-C printed click's bare 'Aborted!'; the store must be as before (one transaction)."""
    import functools
    import os
    import signal
    import time
    from pathlib import Path

    from seawatch.incidents.store import IncidentStore

    csv = (
        Path(__file__).resolve().parents[3]
        / "shared/data/mmp/Missing_Migrants_Global_Figures_allData_2025-06.csv"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "seawatch", "--data-dir", str(tmp_path), "incidents", "import",
         "--all", str(csv)],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        # Ctrl-C reaches it even when the tests run as a background job (which ignores it)
        preexec_fn=functools.partial(signal.signal, signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert "incident store" in first and "schema (new)" in first, first
        time.sleep(0.5)  # reading the 19,255-row file takes seconds
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (out, err)
    assert err.strip().splitlines() == [
        "seawatch: error: interrupted (Ctrl-C): what was finished is kept whole; the step under "
        "way was not saved (run the command again to do it)"
    ]
    with IncidentStore(f"sqlite:///{tmp_path / 'incidents.sqlite'}") as store:
        assert store.count() == 0
