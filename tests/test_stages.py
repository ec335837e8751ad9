"""One list of pipeline stages: the command line and the scheduler take theirs from it."""

from __future__ import annotations

from click.testing import CliRunner

from seawatch.cli import main
from seawatch.pipeline import BUILD_STAGES, FETCH_STAGES, STAGES


def test_stage_order() -> None:
    assert STAGES == ("weather", "incidents", "build", "maps", "alerts")
    assert (*FETCH_STAGES, *BUILD_STAGES) == STAGES


def test_run_only_offers_the_stages_in_order() -> None:
    result = CliRunner().invoke(main, ["run", "--help"])
    assert result.exit_code == 0, result.output
    assert "[" + "|".join(STAGES) + "]" in result.output
