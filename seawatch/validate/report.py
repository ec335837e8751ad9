"""Write a validation report: ``report.json``, ``report.html`` and PNG figures.

The report is in English only: it is for analysts checking the method, not for the daily
bilingual products.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seawatch.validate.stats import MIN_CASES

LABELS = {"index": "Capsize index", "hs": "Hs alone", "wind": "Wind alone",
          "placebo": "Placebo: index 3-5 days later"}  # fmt: skip


def _num(value: Any, fmt: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, fmt)


def _ci(ci: list[float] | None, fmt: str = ".2f") -> str:
    return f"{format(ci[0], fmt)} - {format(ci[1], fmt)}" if ci else "-"


def level_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per index level (floor of the daily-max score), case and referent counts and the case
    share: the observed frequency per level, with counts so sparse levels show."""
    level = np.clip(np.floor(rows["index"].to_numpy()), 0, 4).astype(int)
    frame = pd.DataFrame({"level": level, "case": rows["case"].to_numpy()})
    table = frame.groupby("level")["case"].agg(cases="sum", rows="size").reindex(range(5))
    table = table.fillna(0).astype(int)
    table["referents"] = table["rows"] - table["cases"]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["case_share"] = table["cases"] / table["rows"]
    return table.reset_index()


def figures(report: dict[str, Any], rows: pd.DataFrame, out: Path) -> list[str]:
    """The PNG figures; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    # 1. matched AUC with CIs
    keys = ["index", "hs", "wind", "placebo"]
    entries = [report["placebo"] if k == "placebo" else report["predictors"][k] for k in keys]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for i, (k, e) in enumerate(zip(keys, entries, strict=True)):
        if e.get("auc") is None:
            continue
        ci = e.get("auc_ci") or [e["auc"], e["auc"]]
        color = "#b2182b" if k == "index" else ("#777777" if k == "placebo" else "#2166ac")
        ax.errorbar(e["auc"], i, xerr=[[e["auc"] - ci[0]], [ci[1] - e["auc"]]], fmt="o",
                    color=color, capsize=4)  # fmt: skip
    ax.axvline(0.5, color="black", lw=0.8, ls="--")
    ax.set_yticks(range(len(keys)), [LABELS[k] for k in keys])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Matched AUC (0.5 = no separation; 95% CI, bootstrap over months)")
    ax.set_title(f"{report['design']}: {report['n_cases']} case-days, "
                 f"{report['n_referents']} matches")  # fmt: skip
    fig.tight_layout()
    fig.savefig(out / "auc.png", dpi=110)
    plt.close(fig)
    names.append("auc.png")

    # 2. distributions on case vs matched days
    panels = [("index", "Index (daily max score)"), ("hs", "Hs [m] (daily max)"),
              ("wind", "Wind speed [m/s] (daily max)")]  # fmt: skip
    panels = [(k, t) for k, t in panels if k in rows and rows[k].notna().any()]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2))
    for ax, (k, title) in zip(np.atleast_1d(axes), panels, strict=True):
        case = rows.loc[rows["case"] == 1, k].to_numpy()
        ref = rows.loc[rows["case"] == 0, k].to_numpy()
        bins = np.linspace(np.nanmin(rows[k]), np.nanmax(rows[k]) + 1e-6, 21)
        ax.hist(ref, bins=bins, density=True, alpha=0.5, color="#2166ac", label="matched days")
        ax.hist(case, bins=bins, density=True, alpha=0.6, color="#b2182b", label="case days")
        ax.set_title(title, fontsize=10)
        ax.set_yticks([])
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "distributions.png", dpi=110)
    plt.close(fig)
    names.append("distributions.png")

    # 3. case share per index level
    table = level_table(rows)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.bar(table["level"], table["case_share"].fillna(0), color="#b2182b")
    for lv, cases, n, share in table[["level", "cases", "rows", "case_share"]].itertuples(
        index=False
    ):
        y = 0.0 if pd.isna(share) else float(share)
        ax.text(int(lv), y + 0.01, f"{int(cases)}/{int(n)}", ha="center", fontsize=8)  # fmt: skip
    ax.set_xticks(range(5), ["Low", "Moderate", "High", "Severe", "Extreme"])
    ax.set_ylabel("share of rows that are cases")
    ax.set_title("Case share per index level (cases/rows above each bar)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "levels.png", dpi=110)
    plt.close(fig)
    names.append("levels.png")
    return names


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def write_report(report: dict[str, Any], rows: pd.DataFrame, out: str | Path) -> Path:
    """Write ``report.json``, ``report.html`` and the figures into ``out``; returns the HTML."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = figures(report, rows, out)
    report = {**report, "figures": names, "level_table": level_table(rows).to_dict("records")}
    (out / "report.json").write_text(
        json.dumps(report, indent=2, default=_json_default, allow_nan=False)
        if _finite(report)
        else json.dumps(_nan_to_none(report), indent=2, default=_json_default),
        encoding="utf-8",
    )
    page = out / "report.html"
    page.write_text(_html(report, names), encoding="utf-8")
    return page


def _finite(obj: Any) -> bool:
    try:
        json.dumps(obj, allow_nan=False, default=_json_default)
    except ValueError:
        return False
    return True


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_nan_to_none(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


VESSEL_LABELS = {"rubber_dinghy": "rubber dinghy", "wooden_boat": "wooden boat",
                 "small_boat": "small boat"}  # fmt: skip


def _sensitivity_html(sens: list[dict[str, Any]] | None) -> str:
    e = html.escape
    if sens is None:
        return (
            "<h2>Sensitivity</h2><p>Not computed (<code>--no-sensitivity</code>): the result "
            "is shown for the stated window and distance only.</p>"
        )
    rows = []
    for s in sens:
        cls = " class='main'" if s["name"] == "as run" else ""
        changed = s["note"] or ""
        rows.append(
            f"<tr{cls}><td>{e(s['name'])}</td><td>{s['window_days']}</td>"
            f"<td>{s['max_distance_nm']:g}</td><td>{e(VESSEL_LABELS[s['unknown_boat_as']])}</td>"
            f"<td>{s['covered']}</td><td>{s['n_cases']}</td><td>{_num(s['index_auc'])}</td>"
            f"<td>{_num(s['hs_auc'])}</td><td>{_num(s['delta_auc'], '+.3f')}</td>"
            f"<td class='nw'>{_ci(s['delta_ci'], '+.3f')}</td><td>{e(changed)}</td></tr>"
        )
    return (
        "<h2>Sensitivity</h2><p>The main result again under other reasonable choices, on the same "
        "hindcast and incidents. A result that holds only for one window or distance is "
        "fragile. Each row changes one choice from the first row.</p>"
        "<table class='sens'><tr><th>Setting</th><th>Window [days]</th><th>Distance [NM]</th>"
        "<th>Unknown boats scored as</th><th>Incidents covered</th><th>Case-days</th>"
        "<th>AUC index</th><th>AUC Hs</th><th>Index - Hs</th><th>95% CI</th><th>Note</th>"
        f"</tr>{''.join(rows)}</table>"
    )


def _misses_html(misses: dict[str, Any] | None) -> str:
    e = html.escape
    if not misses:
        return ""
    items = misses["incidents"]
    head = (
        "<h2>Largest incidents the index scored Low</h2>"
        f"<p>{e(misses['rule'][0].upper() + misses['rule'][1:])}. "
        f"{misses['n_low']} of {misses['n_fatal_covered']} covered fatal incidents "
        f"({misses['dead_missing_low']:,} of {misses['dead_missing_covered']:,} dead and "
        "missing) were scored Low. Hs and wind are the daily maxima over the same window. "
        "Overloaded wooden boats are never below Moderate in the index (docs/risk-model.md), "
        "so they cannot appear here. Check these against the source: a wrong date or a placeholder position puts a wreck "
        "in calm water; a real calm-weather wreck (overloading, engine failure, a crowd "
        "shifting during a rescue) is one the index cannot see.</p>"
    )
    if not items:
        return head + "<p>None.</p>"
    rows = "".join(
        f"<tr><td>{e(m['id'])}</td><td class='nw'>{e(m['time'])}</td>"
        f"<td class='nw'>{e(m['position'])}</td>"
        f"<td>{m['dead_missing']}</td><td>{e(m['boat_type'])}</td>"
        f"<td>{e(VESSEL_LABELS[m['scored_as']])}</td><td>{_num(m['index'])}</td>"
        f"<td>{_num(m['hs'], '.1f')}</td><td>{_num(m['wind'], '.1f')}</td>"
        f"<td>{_num(m['sea_cell_nm'], '.1f')}</td></tr>"
        for m in items
    )
    return (
        head + "<table class='misses'><tr><th>Incident</th><th>Time (UTC)</th>"
        "<th>Position</th><th>Dead + missing</th><th>Boat type</th><th>Scored as</th>"
        "<th>Index score</th><th>Hs max [m]</th><th>Wind max [m/s]</th><th>Sea cell [NM]</th>"
        "</tr>"
        f"{rows}</table>"
    )


def _html(r: dict[str, Any], figures: list[str]) -> str:
    e = html.escape
    d = r["details"]
    rows_html = []
    for k in ("index", "hs", "wind"):
        p = r["predictors"][k]
        rows_html.append(
            f"<tr><td>{e(LABELS[k])}</td><td>{_num(p['auc'])}</td><td>{_ci(p['auc_ci'])}</td>"
            f"<td>{_num(p['odds_ratio'])}</td><td>{_ci(p['or_ci'])}</td>"
            f"<td>{e(d['units'][k])}{' - ' + e(p['or_note']) if p.get('or_note') else ''}"
            "</td></tr>"
        )
    pl = r["placebo"]
    rows_html.append(
        f"<tr class='placebo'><td>{e(LABELS['placebo'])}</td><td>{_num(pl['auc'])}</td>"
        f"<td>{_ci(pl['auc_ci'])}</td><td colspan='3'>verdict: <b>{e(pl['verdict'])}</b>"
        f" (Hs 3-5 days later: AUC {_num(d['placebo_hs_auc'])})</td></tr>"
    )
    delta = r["delta_auc_index_minus_hs"]
    dropped = (
        "".join(f"<li>{e(str(reason))}: {n}</li>" for reason, n in sorted(r["dropped"].items()))
        or "<li>none</li>"
    )
    files = "".join(
        f"<li><code>{e(Path(f['file']).name)}</code> ({e(f['kind'])}: "
        f"{e(', '.join(f['variables']))}; {e(f['start'][:10])} to {e(f['end'][:10])})</li>"
        for f in d["hindcast_files"]
    )
    levels = "".join(
        f"<tr><td>{lv}</td><td>{row['cases']}</td><td>{row['referents']}</td>"
        f"<td>{_num(row['case_share'])}</td></tr>"
        for lv, row in zip(
            ["Low", "Moderate", "High", "Severe", "Extreme"], r["level_table"], strict=True
        )
    )
    need = d["n_needed"]
    need_text = (
        f"about {need['delta_auc']:,} case-days" if need.get("delta_auc") else "not estimable"
    )
    notes = "".join(f"<li>{e(n)}</li>" for n in d["notes"])
    exposure = ""
    if "exposure" in d:
        x = d["exposure"]
        items = "".join(
            f"<li>{e(LABELS[k])}: OR {_num(v.get('odds_ratio'))} ({_ci(v.get('or_ci'))})</li>"
            for k, v in x.items() if isinstance(v, dict)
        )  # fmt: skip
        exposure = (
            "<h2>Adjusted for boats at sea</h2><p>Conditional logit with log(1 + daily count "
            f"from --exposure) as a second covariate, on {x['rows_with_exposure']} rows:</p>"
            f"<ul>{items}</ul>"
        )
    design_text = (
        "Time-stratified case-crossover: each case-day is compared with the other days of the "
        "same year and month falling on the same weekday, at the same sea cell. Because boats "
        "leave in calm weather, this design compares <em>when boats were at sea</em> as much "
        "as <em>how dangerous the sea was</em>; without an exposure covariate an index that is "
        "right can look wrong (AUC below 0.5)."
        if r["design"] == "case-crossover"
        else "Within-exposed case-control: fatal boats compared with non-fatal boats at sea in "
        "the same year-month and departure region. This conditions on being at sea."
    )
    figs = "".join(f"<figure><img src='{e(n)}' alt='{e(n)}'></figure>" for n in figures)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>seawatch validation report</title>
<style>
body{{font-family:sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#222;
line-height:1.4}}
table{{border-collapse:collapse;margin:.5rem 0}}td,th{{border:1px solid #bbb;padding:.25rem .6rem;
text-align:left}}th{{background:#eee}}.verdict{{border-left:6px solid #b2182b;background:#fbeeee;
padding:.6rem 1rem;font-size:1.05rem}}tr.placebo{{color:#555}}img{{max-width:100%}}
small{{color:#555}}tr.main{{font-weight:bold}}.nw{{white-space:nowrap}}table.sens td,table.misses td{{font-size:.92rem}}
</style></head><body>
<h1>Does the capsize index separate deadly conditions from safe ones?</h1>
<p><small>seawatch {e(d["seawatch_version"])} validation report. {e(d["language"])}.</small></p>
<div class="verdict"><b>Verdict.</b> {e(r["verdict"])}</div>
<h2>What was compared</h2>
<p>{design_text}</p>
<ul>
<li>Incidents read: {d["incidents_read"]}; covered (scored): <b>{r["covered"]}</b>, as
{r["n_cases"]} case-days against {r["n_referents"]} matched days.</li>
<li>Dropped, and why:<ul>{dropped}</ul></li>
<li>Conditions: {e(d["window"])}, a window of {d["window_days"]} day(s)
(<code>--window-days {d["window_days"]}</code>), at the nearest sea cell within
{d["max_distance_nm"]:g} NM (<code>--max-distance-nm {d["max_distance_nm"]:g}</code>; incidents
farther from every sea cell are dropped; median distance {_num(d["snap_nm_median"], ".1f")} NM,
largest {_num(d["snap_nm_max"], ".1f")} NM); the index is computed with seawatch's own layer
code and threshold table at every {d["hindcast_step_hours"]:g} h step, per vessel class (rubber
dinghy when the boat type is unknown: {e(json.dumps(d["vessels"]))}).</li>
<li>Hindcast: {e(d["hindcast"])}<ul>{files}</ul></li>
{notes}
</ul>
<h2>Results</h2>
<table><tr><th>Predictor</th><th>Matched AUC</th><th>95% CI</th><th>Odds ratio</th>
<th>95% CI</th><th>OR unit</th></tr>{"".join(rows_html)}</table>
<p>Index minus Hs, matched AUC: <b>{_num(delta["value"], "+.3f")}</b> (95% CI
{_ci(delta["ci"], "+.3f")}; paired bootstrap, {d["n_boot"]} draws over calendar months).
Cases needed to detect this difference (5% level, 80% power): {need_text}. No statement is
made below {MIN_CASES} case-days.</p>
{exposure}
{_sensitivity_html(r.get("sensitivity"))}
{figs}
<h2>Index level table</h2>
<p>The index gives levels, not probabilities, so there is no reliability diagram; this is the
observed case share per level, with counts.</p>
<table><tr><th>Level</th><th>Case rows</th><th>Matched rows</th><th>Case share</th></tr>
{levels}</table>
{_misses_html(r.get("misses"))}
<h2>How to read this</h2>
<ul>
<li><b>Matched AUC</b>: the chance that conditions on a case day were worse than on one of its
own matched days (ties count half). 0.5 means no separation; above 0.5, the predictor ranks
incident conditions higher.</li>
<li><b>Odds ratio</b> (conditional logistic regression, statsmodels): how the odds of being the
case change per unit of the predictor, within matched sets.</li>
<li><b>Index minus Hs</b>: whether the index adds anything to wave height alone on the same rows.
</li>
<li><b>Placebo</b>: the index 3-5 days <em>after</em> the day cannot have caused the incident.
If it separates cases as well (same side of 0.5), the signal is the choice of departure days
in calm or rough spells, not hazard, and no skill is claimed.</li>
</ul>
<h2>Limitations</h2>
<p>IOM Missing Migrants records deaths, not boats: there is no denominator of boats at sea,
positions are often approximate or placeholders, dates may be the day bodies were found
ashore, and the boat type is unknown. Reanalysis is least accurate near the coast. The
thresholds of the index were set from the literature, not fitted to these incidents. See
docs/validation.md.</p>
</body></html>
"""
