"""report.html in Debian's chromium: figures load from disk, the sensitivity and misses tables
show, and nothing is fetched from the network. Set ``SEAWATCH_SHOTS=DIR`` to keep screenshots."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seawatch.validate.conditions import read_hindcast
from seawatch.validate.report import write_report
from seawatch.validate.run import validate
from tests.browser import offline_page
from tests.validate.synthetic import plant, write_hindcast


@pytest.fixture(scope="module")
def page_path(tmp_path_factory) -> Path:
    """The known-answer case (incidents on high-index days) plus 12 big wrecks on calm days."""
    tmp = tmp_path_factory.mktemp("browser")
    days = pd.date_range("2019-01-01", "2021-12-31", freq="D")
    second = np.linspace(40, days.size - 40, 12).astype(int)
    path, days, w = write_hindcast(tmp / "hc.nc", "2019-01-01", "2021-12-31", seed=3,
                                   calm=np.sort(np.r_[second - 1, second]))  # fmt: skip
    idx = np.flatnonzero((w["wind"] >= 11) & (w["hs"] > 0.6) & (w["hs"] < 1.1))
    idx = idx[(idx > 5) & (idx < days.size - 10)]
    incidents = pd.concat(
        [plant(days, idx, seed=1), plant(days, second, seed=2).assign(dead=np.arange(30, 42))],
        ignore_index=True,
    )
    report, rows = validate(read_hindcast([path]), incidents, n_boot=200, max_distance_nm=20)
    return write_report(report, rows, tmp / "report")


def test_report_reads_in_chromium_with_sensitivity_and_misses(browser, page_path):
    shots = os.environ.get("SEAWATCH_SHOTS")
    with offline_page(browser, viewport=(1100, 900)) as (page, rec):
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        assert rec.problems() == []
        # every figure decoded (a broken image has naturalWidth 0)
        widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        assert len(widths) == 3 and min(widths) > 400
        sens = page.locator("table.sens tr")
        assert sens.count() == 7  # header + as run + 5 alternatives
        assert sens.nth(1).locator("td").first.inner_text() == "as run"
        assert page.locator("table.sens tr.main").count() == 1
        misses = page.locator("table.misses tr")
        assert misses.count() == 13  # header + the 12 calm-day wrecks
        first = misses.nth(1).locator("td")
        assert first.nth(3).inner_text() == "41"
        assert first.nth(2).inner_text().endswith("E") and "°" in first.nth(2).inner_text()
        # the tables fit the page: no horizontal scrolling on a laptop screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 1100
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / "report_full.png"), full_page=True)
            page.locator("table.sens").screenshot(path=str(Path(shots) / "report_sensitivity.png"))
            page.locator("table.misses").screenshot(path=str(Path(shots) / "report_misses.png"))
