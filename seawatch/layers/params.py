"""The parameters of every layer, made from the configuration in one place.

Layer functions take the few numbers they use (:class:`~seawatch.layers.risk.RiskParams`,
:class:`~seawatch.layers.exposure.ExposureParams`, :class:`~seawatch.layers.summary.SummaryParams`),
never the whole configuration; :meth:`LayerParams.from_settings` is the one piece of layer code
that reads :class:`~seawatch.config.Settings`. Callers (pipeline, web, mail) build it once and
pass on the part a layer needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from seawatch.config import Settings
from seawatch.layers.capsize import effective_table, overrides_json
from seawatch.layers.departure import DepartureParams
from seawatch.layers.exposure import ExposureParams
from seawatch.layers.grid import target_grid
from seawatch.layers.risk import RiskParams
from seawatch.layers.summary import SummaryParams
from seawatch.storage import DataPaths


@dataclass(frozen=True, eq=False)
class LayerParams:
    """Parameters of the risk build and of the summaries."""

    risk: RiskParams
    summary: SummaryParams
    departure: DepartureParams

    @classmethod
    def from_settings(cls, settings: Settings) -> LayerParams:
        """The parameters of ``settings``: ``[area]``, ``[grid]``, ``[risk] overrides``,
        ``[exposure]``, ``[compute] chunks``, ``[summary]`` and ``[departure]``.

        Raises
        ------
        ConfigError
            With one line, if ``[risk] overrides`` is invalid.
        """
        e = settings.exposure
        d = settings.departure
        departure = DepartureParams(
            window_level=dict(d.window_level),
            trap_level=dict(d.trap_level),
            speed_kn=dict(d.speed_kn),
            window_min_hours=d.window_min_hours,
            radius_nm=settings.summary.radius_nm,
        )
        return cls(
            risk=RiskParams(
                grid=target_grid(settings),
                table=effective_table(settings.risk.overrides),
                overrides=overrides_json(settings.risk.overrides),
                exposure=ExposureParams(
                    bandwidth_km=e.bandwidth_km,
                    window_days=e.window_days,
                    half_life_days=e.half_life_days,
                    min_source_quality=e.min_source_quality,
                ),
                chunks={k: int(v) for k, v in settings.compute.chunks.items()},
                fetched_forecast=DataPaths(settings.data_dir).forecast,
            ),
            summary=SummaryParams(radius_nm=settings.summary.radius_nm, departure=departure),
            departure=departure,
        )
