"""The morning e-mail lists the CAP alerts in force, in the reader's language."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from click.testing import CliRunner

from seawatch.alerts import alerts_in_force, issue_alerts
from seawatch.cli import main
from seawatch.config import load_settings
from seawatch.fetchers.demo import demo_forecast
from seawatch.pipeline import compute_risk, write_risk_summary
from seawatch.schema import write_dataset
from seawatch.storage import DataPaths


def _text(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def test_alerts_in_force_are_listed_in_english_and_arabic(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings(data_dir=data, environ={"SEAWATCH_GRID_RESOLUTION": "0.25"})
    paths = DataPaths(data)
    risk = compute_risk(settings, demo_forecast(settings))
    write_dataset(risk, paths.risk)
    write_risk_summary(settings, risk, paths.risk)
    before = {}
    for lang in ("en", "ar"):
        out = tmp_path / f"before-{lang}.eml"
        args = ["email", "--data-dir", str(data), "--to", "x@example.org", "--lang", lang]
        result = CliRunner().invoke(main, [*args, "--dry-run", str(out)])
        assert result.exit_code == 0, result.output
        before[lang] = _text(out)
    assert "No capsize alert is in force." in before["en"]
    assert "لا يوجد تنبيه انقلاب ساري المفعول." in before["ar"]

    assert issue_alerts(settings, paths)  # the demo gale raises alerts
    in_force = alerts_in_force(paths)
    assert in_force
    for lang in ("en", "ar"):
        out = tmp_path / f"after-{lang}.eml"
        args = ["email", "--data-dir", str(data), "--to", "x@example.org", "--lang", lang]
        result = CliRunner().invoke(main, [*args, "--dry-run", str(out)])
        assert result.exit_code == 0, result.output
        text = _text(out)
        key = "headline_ar" if lang == "ar" else "headline_en"
        # the worst alert first, each in the reader's language only
        assert f"- {in_force[0][key]}" in text
        assert all(a[key] in text for a in in_force)
        other = "headline_en" if lang == "ar" else "headline_ar"
        assert not any(a[other] in text for a in in_force)
