"""Capsize-risk alerts as CAP 1.2 messages and an RSS feed (docs/alerts.md).

Entry points for the pipeline, the scheduler and the e-mail:

* :func:`issue_alerts` after each build (reads ``risk.nc``, publishes what changed);
* :func:`alerts_in_force` for the morning e-mail;
* :func:`cancel_alert` to withdraw an alert issued by mistake.

Reads the risk file and its summaries; never imports web, schedule, pipeline or cli.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from seawatch.config import Settings
from seawatch.storage import DataPaths


def web_base(settings: Settings) -> str:
    """Base URL of the web service for links (``[alerts] web``, else ``[web] host:port``)."""
    base = settings.alerts.web or f"http://{settings.web.host}:{settings.web.port}"
    return base.rstrip("/")


def issue_alerts(
    settings: Settings,
    paths: DataPaths,
    *,
    risk_path: Path | None = None,
    out_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> list[Any]:
    """Publish the CAP messages the latest risk file calls for; returns what was published.

    Parameters
    ----------
    paths
        Data directory: reads ``paths.risk``; alerts live in ``<data>/cap/``.
    risk_path, out_dir
        Another risk file, and another directory to keep the alerts in (``<out>/cap/``).
    now
        Time the messages are sent (default: now, UTC, whole seconds).

    Returns
    -------
    list of :class:`seawatch.alerts.lifecycle.Issued`
    """
    from seawatch.alerts.build import find_hazards, open_risk
    from seawatch.alerts.feed import write_feed
    from seawatch.alerts.lifecycle import reconcile
    from seawatch.alerts.messages import Context
    from seawatch.alerts.store import AlertStore
    from seawatch.errors import DataError
    from seawatch.geo import regions
    from seawatch.layers.params import LayerParams
    from seawatch.layers.summary import summarize
    from seawatch.schema import is_demo
    from seawatch.timeutil import now_utc

    now = (now or now_utc()).astimezone(dt.UTC).replace(microsecond=0)
    path = Path(risk_path) if risk_path else paths.risk
    risk = open_risk(path, now)
    if not risk.sizes.get("time"):
        # A stale file must not read as "hazard gone": that would all-clear every alert.
        raise DataError(
            f"risk file {path} has no forecast hours from {now:%Y-%m-%d %H:%M} UTC on; "
            "no alerts issued (run `seawatch build` on a current forecast)"
        )
    params = LayerParams.from_settings(settings).summary
    # The same areas as the summaries of the maps and the e-mail, so the levels agree; SAR
    # polygons are clipped to the sea-only regions.
    areas = {"departure": regions.departure_areas(params.radius_nm), "sar": regions.sar_regions()}
    summary = summarize(risk, params, departure_areas=areas["departure"], sar_regions=areas["sar"])
    clip = {"departure": areas["departure"], "sar": regions.sar_regions(sea=True)}
    hazards = find_hazards(risk, summary, areas, now, clip=clip)
    demo = is_demo(risk.attrs) or "synthetic" in str(risk.attrs.get("model", "")).lower()
    ctx = Context(now, _run_label(risk.attrs.get("reference_time")), web_base(settings), demo)
    store = AlertStore(Path(out_dir) / "cap") if out_dir else AlertStore.of(paths.root)
    issued = reconcile(store, settings.alerts, ctx, hazards)
    write_feed(store, ctx.web, now)
    return issued


def _run_label(reference_time: Any) -> str:
    """The model run as people read it (``2026-12-07 00:00``), or ``unknown``."""
    try:
        return dt.datetime.fromisoformat(str(reference_time)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(reference_time or "unknown")


def cancel_alert(
    settings: Settings,
    paths: DataPaths,
    identifier: str,
    *,
    out_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> Any:
    """Withdraw the alert ``identifier`` with a CAP ``Cancel``; returns what was published."""
    from seawatch.alerts.feed import write_feed
    from seawatch.alerts.lifecycle import cancel
    from seawatch.alerts.messages import Context
    from seawatch.alerts.store import AlertStore
    from seawatch.timeutil import now_utc

    now = (now or now_utc()).astimezone(dt.UTC).replace(microsecond=0)
    store = AlertStore(Path(out_dir) / "cap") if out_dir else AlertStore.of(paths.root)
    target = next((r for r in store.records() if r["identifier"] == identifier), {})
    ctx = Context(
        now, str(target.get("run", "")), web_base(settings), target.get("status") == "Exercise"
    )
    issued = cancel(store, settings.alerts, ctx, identifier)
    write_feed(store, ctx.web, now)
    return issued


def alerts_in_force(paths: DataPaths, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The alerts in force (newest per area and vessel, unexpired, not closed), for the e-mail.

    Each item: ``identifier``, ``msg_type``, ``status``, ``kind``, ``area_id``, ``area_name``,
    ``area_name_ar``, ``vessel``, ``level``, ``severity``, ``onset``, ``expires`` (ISO 8601
    UTC), ``headline_en``, ``headline_ar``.
    """
    from seawatch.alerts.store import AlertStore, in_force
    from seawatch.timeutil import now_utc

    now = now or now_utc()
    keep = (
        "identifier", "msg_type", "status", "kind", "area_id", "area_name", "area_name_ar",
        "vessel", "level", "severity", "onset", "expires", "headline_en", "headline_ar",
    )  # fmt: skip
    records = AlertStore.of(paths.root).records()
    current = sorted(in_force(records, now).values(), key=lambda r: (-r["level"], r["onset"]))
    return [{k: r[k] for k in keep} for r in current]
