"""The planners' interactive map: one self-contained, offline ``map.html``.

Design (measured with ``benchmarks/maps.py``): the hazard of every forecast step and vessel class
is a small paletted PNG in Web Mercator rows (a few kB each, identical frames stored once), all
embedded in the page and swapped into one Leaflet image overlay by a small time control (slider,
play/pause, arrow keys, Home/End). Vector alternatives (folium ``TimeSliderChoropleth`` of grid
cells or class polygons) carry every cell's colour per step in JSON and SVG/DOM nodes, and are an
order of magnitude larger and slower to load at 0.05 degrees x 168 h x 3 classes.

Point values for the click popup, wind and current arrows and the wave-height contours come from
*field atlases* (one grey PNG per variable on nodes about 0.25 degrees apart, all steps), decoded
in the browser only when first needed. Which rule set a cell's hazard level is hidden in the low
bits of the hazard frame's colours (see :mod:`seawatch.maps.frames`), so the popup reads level and
rule at the full grid resolution.

folium builds the page skeleton, static vector layers (coastline, SAR regions, ports, tiles) and
plugins (fullscreen, mouse position); ``assets/seawatch-map.js`` does the time control, frames,
popups, arrows, contours, incidents with their filter, legend, graticule and the nautical-mile
ruler. :mod:`seawatch.maps.offline` inlines every script and stylesheet.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import folium
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from folium import plugins
from folium.elements import JSCSSMixin
from folium.template import Template
from shapely.ops import polylabel

from seawatch.config import Settings
from seawatch.i18n import direction, resolve_lang, subset, translate
from seawatch.incidents.drifts import map_payload as drifts_payload
from seawatch.maps import frames as fr
from seawatch.maps import styles
from seawatch.maps import timeline as tl
from seawatch.maps.context import (
    ATTRIBUTION_KEYS,
    NUMBER_RUN,
    ForecastInfo,
    check_risk,
    first_index_at_or_after,
    flag_meanings,
    forecast_info,
    format_age,
    format_local,
    ports_by_label_priority,
    select_times,
    vessels_of,
)
from seawatch.maps.offline import (
    LEAFLET_CSS,
    LEAFLET_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_JS,
    inline_assets,
)
from seawatch.schema import HAZARD_LEVELS
from seawatch.storage import atomic_write_text
from seawatch.timeutil import as_utc, format_utc, now_utc

ATLAS_VARIABLES = ("hs", "period", "u10", "v10", "gust", "uo", "vo", "sst", "survival_hours")
INCIDENT_FIELDS = (
    "time",
    "position",
    "position_text",
    "status",
    "persons",
    "dead",
    "missing",
    "survivors",
    "boat_type",
    "cause",
    "route",
    "location",
    "source",
    "source_id",
    "source_quality",
    "notes",
    "flags",
    "url",
    "id",
)
MESSAGE_PREFIXES = (
    "map.",
    "layer.",
    "legend.",
    "time.",
    "popup.",
    "unit.",
    "filter.",
    "incident.",
    "ruler.",
    "goto.",
    "chart.",
    "drift.ui.",
)


class SeawatchLeafletMap(folium.Map):
    """folium Map loading only Leaflet (no jQuery, Bootstrap or icon fonts: unused here)."""

    default_js: ClassVar = [("leaflet", LEAFLET_JS)]
    default_css: ClassVar = [("leaflet_css", LEAFLET_CSS)]


# A column whose values repeat this much (distinct values per row) is stored as a list of the
# distinct values and one small index per row: statuses, routes, causes, sources and flags.
DICTIONARY_SHARE = 0.5


def pack_incidents(payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """Incident rows as columns for the page: each field once, repeated values once.

    Row objects repeat every field name for each of thousands of incidents and most values
    (status, colour, route, source) are shared; columns cut the incidents' share of the page
    to less than half. ``seawatchUnpackIncidents`` in the page (and :func:`unpack_incidents`)
    rebuild exactly the rows of :func:`incidents_payload`. The UTC time text is left out and
    rebuilt from the epoch seconds when it is exactly that for every row.
    """
    if payload is None:
        return None
    rows = payload["rows"]
    names = list(dict.fromkeys(name for row in rows for name in row))
    derived = []
    if all(row.get("time") == _epoch_utc_text(row.get("epoch")) for row in rows):
        names = [n for n in names if n != "time"]
        derived.append("time")
    columns: dict[str, Any] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        keys = [json.dumps(v, ensure_ascii=False, sort_keys=True) for v in values]
        distinct = list(dict.fromkeys(keys))
        if len(distinct) <= DICTIONARY_SHARE * len(values):
            position = {k: i for i, k in enumerate(distinct)}
            columns[name] = {
                "dict": [json.loads(k) for k in distinct],
                "index": [position[k] for k in keys],
            }
        else:
            columns[name] = values
    rest = {k: v for k, v in payload.items() if k != "rows"}
    return {**rest, "n": len(rows), "columns": columns, "derived": derived}


def _epoch_utc_text(epoch: Any) -> str | None:
    """``format_utc`` of epoch seconds, as the page's script rebuilds it (ISO text, minutes)."""
    if not isinstance(epoch, int):
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def unpack_incidents(packed: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rows of :func:`pack_incidents` output (what the page's script does, in Python)."""
    if packed is None or "rows" in packed:
        return packed
    rows: list[dict[str, Any]] = [{} for _ in range(packed["n"])]
    for name, column in packed["columns"].items():
        if isinstance(column, dict):
            column = [column["dict"][i] for i in column["index"]]
        for row, value in zip(rows, column, strict=True):
            if value is not None:
                row[name] = value
    if "time" in packed.get("derived", ()):
        for row in rows:
            row["time"] = _epoch_utc_text(row["epoch"])
    rest = {k: v for k, v in packed.items() if k not in ("n", "columns", "derived")}
    return {**rest, "rows": rows}


UNPACK_INCIDENTS_JS = """
function seawatchUnpackIncidents(I) {
  if (!I || I.rows) return I;
  var rows = [], names = Object.keys(I.columns), i, j;
  for (i = 0; i < I.n; i++) rows.push({});
  for (j = 0; j < names.length; j++) {
    var c = I.columns[names[j]], values = Array.isArray(c) ? c : null;
    for (i = 0; i < I.n; i++) {
      var v = values ? values[i] : c.dict[c.index[i]];
      if (v !== null && v !== undefined) rows[i][names[j]] = v;
    }
  }
  if ((I.derived || []).indexOf("time") >= 0) {
    rows.forEach(function (r) {
      r.time = new Date(r.epoch * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
    });
  }
  I.rows = rows;
  delete I.columns;
  delete I.derived;
  return I;
}
"""


class SeawatchLayers(JSCSSMixin, folium.MacroElement):
    """Hands the map data and folium-made layers to ``assets/seawatch-map.js``."""

    default_js: ClassVar = [
        ("markercluster", MARKERCLUSTER_JS),
        ("seawatch_map", "seawatch:seawatch-map.js"),
        ("seawatch_tools", "seawatch:seawatch-tools.js"),
        ("seawatch_drift", "seawatch:seawatch-drift.js"),
    ]
    default_css: ClassVar = [
        ("markercluster_css", MARKERCLUSTER_CSS[0]),
        ("markercluster_default_css", MARKERCLUSTER_CSS[1]),
        ("seawatch_map_css", "seawatch:seawatch-map.css"),
        ("seawatch_tools_css", "seawatch:seawatch-tools.css"),
        ("seawatch_drift_css", "seawatch:seawatch-drift.css"),
    ]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.unpack_js }}
        var {{ this.get_name() }}_data = {{ this.data_json }};
        seawatchUnpackIncidents({{ this.get_name() }}_data.incidents);
        {%- if this.osm %}
        {{ this.get_name() }}_data.osm = {{ this.osm.get_name() }};
        {%- endif %}
        var {{ this.get_name() }} = new SeawatchMap({{ this._parent.get_name() }},
            {{ this.get_name() }}_data, {
            {%- for key, item in this.extra.items() %}
            {{ key|tojson }}: {layer: {{ item[0].get_name() }}, show: {{ item[1]|tojson }}},
            {%- endfor %}
        });
        window.seawatchMap = {{ this.get_name() }};
        seawatchReadingAids({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], osm: folium.TileLayer | None, extra: dict):
        super().__init__()
        self._name = "SeawatchLayers"
        packed = {**data, "incidents": pack_incidents(data.get("incidents"))}
        self.data_json = json.dumps(packed, ensure_ascii=False, separators=(",", ":")).replace(
            "</", "<\\/"
        )
        self.unpack_js = UNPACK_INCIDENTS_JS
        self.osm = osm
        self.extra = extra


def render_interactive(
    risk: xr.Dataset,
    incidents: Any | None,
    out: Path,
    settings: Settings,
    lang: str | None = None,
    now: dt.datetime | None = None,
    drifts: list[dict[str, Any]] | None = None,
    lean: bool = False,
    departures: xr.Dataset | None = None,
    routes: Any | None = None,
) -> Path:
    """Write the interactive map as one self-contained offline HTML file.

    Parameters
    ----------
    risk
        Risk dataset (see :mod:`seawatch.schema`): ``hazard_level`` (time, vessel, lat, lon)
        and whatever of ``drivers``, ``risk``, ``survival_hours``, ``hs``, ``period``,
        ``u10``/``v10``, ``gust`` [m s-1], ``uo``/``vo`` [m s-1], ``sst`` [degC], ``land`` it has.
    incidents
        Incidents GeoDataFrame (columns of :func:`seawatch.incidents.frame.incidents_frame`), or
        None for none.
    out
        File to write (``map.html``); a directory gets ``map.html`` inside it.
    settings
        Effective settings (``maps.step_hours``, ``schedule.stale_after_hours``, ``lang``).
    lang
        ``"en"`` or ``"ar"``; default the configured language.
    now
        Reference time for data age, staleness and incident filters (default: the clock).
    drifts
        Drifts to draw (``drift.json`` dicts of ``seawatch drift``; with their
        ``drift.geojson`` under ``"geojson"`` the areas follow the time control hour by hour,
        without it only the end-of-drift areas are drawn), or None for no drift layer content.
    lean
        The lighter map attached to the e-mail (see :data:`LEAN`): frames compressed harder,
        islets and the land far beyond the grid left out of the coastline.
    departures
        Departures dataset (:mod:`seawatch.layers.departure`): when given, the map shows the
        departure timeline, the "worst in the next 24 / 48 / 72 h" frames and the routes layer.
        None: the map computes nothing of it.
    routes
        Routes GeoDataFrame (``id``, ``name``, ``name_ar``, LineString ``geometry``) for the
        routes layer; default the bundled routes. Used only with ``departures``.

    Returns
    -------
    Path
        The file written (atomically: a failed render leaves the previous map in place).

    Raises
    ------
    seawatch.errors.DataError
        If ``risk`` is not a drawable risk dataset.
    """
    out = Path(out)
    if out.is_dir() or not out.suffix:
        out = out / "map.html"
    html = build_html(
        risk,
        incidents,
        settings,
        lang=lang,
        now=now,
        drifts=drifts,
        lean=lean,
        departures=departures,
        routes=routes,
    )
    return atomic_write_text(out, html)


@dataclass(frozen=True)
class MapStyle:
    """What may differ between the full interactive map and the one attached to the e-mail."""

    png_level: int  # zlib level of the PNG frames
    coast_margin_deg: float  # land drawn this far beyond the grid
    coast_min_area_km2: float  # land polygons smaller than this are left out
    incident_fields_left_out: tuple[str, ...] = ()  # incident fields not carried


FULL = MapStyle(png_level=fr.PNG_LEVEL, coast_margin_deg=1.0, coast_min_area_km2=0.0)
# The e-mail's map (#13): level 9 frames are about 10 % smaller for about a second more; the
# islets under 0.1 km2 (about 950 in 10-25 E, most in the Aegean and off Tunisia) are a pixel or
# less up to zoom 9 but cost ~60 kB of coordinates; half a degree of land around the grid is
# enough to place it. Demo e-mail with the area at 10-25 E: see tests/mail/test_size.py.
# Its incident popups leave out the free-text notes, links and identifiers (154 of the demo's
# 319 kB of incidents; the full map and the web service keep them): the departure timeline,
# routes and worst frames it gained cost ~140 kB of the message.
LEAN = MapStyle(
    png_level=9,
    coast_margin_deg=0.5,
    coast_min_area_km2=0.1,
    incident_fields_left_out=("notes", "url", "id", "source_id", "position_text"),
)


def build_html(
    risk: xr.Dataset,
    incidents: Any | None,
    settings: Settings,
    lang: str | None = None,
    now: dt.datetime | None = None,
    drifts: list[dict[str, Any]] | None = None,
    lean: bool = False,
    departures: xr.Dataset | None = None,
    routes: Any | None = None,
) -> str:
    """The interactive map page as a string (see :func:`render_interactive`)."""
    style = LEAN if lean else FULL
    lang = resolve_lang(lang, settings.lang)
    now = now_utc(now)
    check_risk(risk)
    info = forecast_info(risk, now, settings.schedule.stale_after_hours)
    data = map_data(
        risk,
        incidents,
        settings,
        lang,
        now,
        info,
        departures,
        routes,
        png_level=style.png_level,
        incident_fields=tuple(
            f for f in INCIDENT_FIELDS if f not in style.incident_fields_left_out
        ),
    )
    data["drifts"] = drifts_payload(drifts)

    lat, lon = risk["lat"].values, risk["lon"].values
    fmap = SeawatchLeafletMap(
        location=[float(lat.mean()), float(lon.mean())],
        zoom_start=6,
        tiles=None,
        control_scale=False,
        zoom_control=True,
    )
    fmap.get_root().title = translate("map.page_title", lang)
    # Tile requests tell the tile server which sea area is being watched: only when configured.
    osm = None
    if settings.maps.online_tiles:
        osm = folium.TileLayer(
            "OpenStreetMap", name="osm", control=False, show=False, attr="&copy; OpenStreetMap"
        )
        osm.add_to(fmap)
    extra = {}
    bbox = (float(lon[0]) - 1, float(lat[0]) - 1, float(lon[-1]) + 1, float(lat[-1]) + 1)
    m = style.coast_margin_deg
    coast = coastline_layer(
        (float(lon[0]) - m, float(lat[0]) - m, float(lon[-1]) + m, float(lat[-1]) + m),
        min_area_km2=style.coast_min_area_km2,
    )
    if coast is not None:
        coast.add_to(fmap)
        extra["coastline"] = (coast, True)
    # outlines a degree beyond the area; names inside it, where the map opens (on a small area
    # a name placed in the wider box lay off the screen and was hidden)
    sar = sar_layer(
        lang, bbox, label_box=(float(lon[0]), float(lat[0]), float(lon[-1]), float(lat[-1]))
    )
    sar.add_to(fmap)
    extra["sar"] = (sar, True)
    ports = ports_layer(lang)
    ports.add_to(fmap)
    extra["ports"] = (ports, True)

    plugins.Fullscreen(
        position="topleft",
        title=translate("tool.fullscreen", lang),
        title_cancel=translate("tool.fullscreen_exit", lang),
    ).add_to(fmap)
    plugins.MousePosition(
        position="bottomright",
        separator=" ",
        empty_string=translate("tool.position_empty", lang),
        prefix="",
        lat_formatter="function(v){return seawatchDdm(v,'lat',3);}",
        lng_formatter="function(v){return seawatchDdm(v,'lon',3);}",
    ).add_to(fmap)
    fmap.add_child(SeawatchLayers(data, osm, extra))
    fmap.add_child(tl.SeawatchTimeline())
    html = fmap.get_root().render()
    html = inline_assets(html)
    html = html.replace("<html>", f'<html lang="{lang}" dir="{direction(lang)}">', 1)
    return html


def map_data(
    risk: xr.Dataset,
    incidents: Any | None,
    settings: Settings,
    lang: str,
    now: dt.datetime,
    info: ForecastInfo,
    departures: xr.Dataset | None = None,
    routes: Any | None = None,
    png_level: int = fr.PNG_LEVEL,
    incident_fields: tuple[str, ...] = INCIDENT_FIELDS,
) -> dict[str, Any]:
    """Everything ``seawatch-map.js`` draws, as one JSON-able dict (frames as data URIs).

    ``png_level`` is the zlib level of the frames; ``incident_fields`` are the incident fields
    carried to the popups.
    """
    lat = risk["lat"].values.astype(float)
    lon = risk["lon"].values.astype(float)
    times = risk["time"].values
    shown = select_times(times, settings.maps.step_hours)
    vessels = vessels_of(risk)
    rows = fr.mercator_rows(lat)
    west, east = fr.cell_edges(lon)
    land = _land(risk)

    store = _FrameStore()
    palette = fr.HazardPalette.empty(styles.HAZARD_COLOURS)
    hazard: dict[str, list[int]] = {}
    level = risk["hazard_level"]
    drivers = risk.get("drivers", None)
    for vessel in vessels:
        lv = level.sel(vessel=vessel).transpose("time", "lat", "lon").values
        dv = (
            drivers.sel(vessel=vessel).transpose("time", "lat", "lon").values
            if drivers is not None
            else None
        )
        indices = []
        for t in shown:
            grid = lv[t].astype(float)
            if land is not None:
                grid = np.where(land, np.nan, grid)
            idx = fr.hazard_indices(grid, dv[t] if dv is not None else None, rows, palette)
            indices.append(idx)
        # Encode after the palette is complete, so every frame shares it.
        hazard[vessel] = [store.add(fr.encode_png(i, palette.rgba, png_level)) for i in indices]

    risk_frames = None
    if "risk" in risk:
        risk_frames = {}
        rv = risk["risk"]
        for vessel in vessels:
            values = rv.sel(vessel=vessel).transpose("time", "lat", "lon").values
            frames_v = []
            for t in shown:
                classes = styles.risk_class(values[t])
                if land is not None:
                    classes[land] = -1
                frames_v.append(
                    store.add(fr.class_frame(classes, rows, styles.HAZARD_COLOURS, level=png_level))
                )
            risk_frames[vessel] = frames_v

    survival = None
    if "survival_hours" in risk:
        sv = risk["survival_hours"].transpose("time", "lat", "lon").values
        survival = []
        for t in shown:
            classes = styles.survival_class(sv[t])
            if land is not None:
                classes[land] = -1
            survival.append(
                store.add(fr.class_frame(classes, rows, styles.SURVIVAL_COLOURS, level=png_level))
            )

    flags = flag_meanings(drivers)
    flag_words = [[mask, translate(f"driver.{meaning}", lang)] for mask, meaning in flags]

    start = first_index_at_or_after(times[shown], now)
    timeline = worst = None
    if departures is not None:
        worst = tl.worst_frames(
            risk, vessels, as_utc(times[shown][start]), rows, land, palette, store.add, lang
        )
        timeline = tl.timeline_payload(
            departures,
            routes if routes is not None else tl.default_routes(),
            times,
            shown,
            vessels,
            lang,
            now,
        )
    return {
        "lang": lang,
        "msgs": subset(MESSAGE_PREFIXES, lang),
        "bounds": [[rows.south, west], [rows.north, east]],
        "grid": {
            "west": west,
            "east": east,
            "dx": float(lon[1] - lon[0]),
            "south": rows.south,
            "north": rows.north,
            "height": rows.height,
        },
        "times": [_isolated(_time_labels(times[i], info, lang), lang) for i in shown],
        "start": start,
        "vessels": vessels,
        "vesselLabels": {v: _vessel_label(v, lang) for v in vessels},
        "vesselShort": {v: _short_vessel_label(v, lang) for v in vessels},
        "frames": store.uris,
        "hazard": hazard,
        "risk": risk_frames,
        "survival": survival,
        "lookup": palette.lookup(),
        "flags": flag_words,
        "levels": [
            {
                "word": translate(f"hazard.{name}", lang),
                "meaning": translate(f"hazard.{name}.meaning", lang),
            }
            for name in HAZARD_LEVELS
        ],
        "colours": list(styles.HAZARD_COLOURS),
        "textColours": list(styles.HAZARD_TEXT_COLOURS),
        "opacity": styles.HAZARD_OPACITY,
        "survivalClasses": [
            {"colour": c, "label": translate(f"survival.class{i}", lang)}
            for i, c in enumerate(styles.SURVIVAL_COLOURS)
        ],
        "statusColours": [
            {"colour": c, "label": _status_label(s, lang)} for s, c in styles.STATUS_COLOURS.items()
        ],
        "portKinds": [
            {"colour": c, "label": translate(f"port.{k}", lang)}
            for k, c in styles.PORT_COLOURS.items()
        ],
        "windColour": styles.WIND_COLOUR,
        "currentColour": styles.CURRENT_COLOUR,
        "contourColour": styles.CONTOUR_COLOUR,
        "contourLevels": list(styles.HS_CONTOUR_LEVELS_M),
        "atlas": field_atlas(risk, shown, settings.grid.resolution, land),
        "incidents": incidents_payload(incidents, now, lang, fields=incident_fields),
        "density": tl.density_payload(incidents, (west, rows.south, east, rows.north), lang),
        "timeline": timeline,
        "worst": worst,
        "banners": [{**b, "text": _isolated(b["text"], lang)} for b in banners(info, lang)],
        "runText": _isolated(run_text(info, lang), lang),
        "attribution": [translate(k, lang) for k in ATTRIBUTION_KEYS],
        **reading_aids(lang),
    }


class _FrameStore:
    """PNG frames stored once each (identical frames, e.g. calm nights, share one entry)."""

    def __init__(self) -> None:
        self.uris: list[str] = []
        self._index: dict[bytes, int] = {}

    def add(self, png: bytes) -> int:
        found = self._index.get(png)
        if found is None:
            found = self._index[png] = len(self.uris)
            self.uris.append(fr.data_uri(png))
        return found


# Zoom from which port names show without hovering (zoom 7: about 1.2 km a pixel at 33 N, the
# coast from Zuwara to Tripoli spans ~100 px, so the names there still fit once decluttered).
PORT_LABEL_ZOOM = 7
# Opacity of the survival-time raster (``seawatch-map.js`` draws it at this opacity).
SURVIVAL_OPACITY = 0.6


def reading_aids(lang: str) -> dict[str, Any]:
    """Data of ``assets/seawatch-tools.js``: port labels, legend swatches as drawn, Beaufort.

    The hazard raster is drawn at :data:`styles.HAZARD_OPACITY` over the sea colour, so the
    legend shows each level's colour blended the same way (what the eye compares).
    """
    from seawatch.layers.capsize import TABLE

    port_rows = [
        {
            "name": port.name_ar if lang == "ar" and port.name_ar else port.name,
            "lat": round(float(port.geometry.y), 5),
            "lon": round(float(port.geometry.x), 5),
            "kind": port.kind,
        }
        for port in ports_by_label_priority()
    ]
    return {
        "portLabels": port_rows,  # in label priority order
        "portLabelZoom": PORT_LABEL_ZOOM,
        "seaColour": styles.SEA_COLOUR,
        "swatchColours": [
            styles.blend_over(c, styles.SEA_COLOUR, styles.HAZARD_OPACITY)
            for c in styles.HAZARD_COLOURS
        ],
        "survivalSwatches": [
            styles.blend_over(c, styles.SEA_COLOUR, SURVIVAL_OPACITY)
            for c in styles.SURVIVAL_COLOURS
        ],
        "beaufortMs": list(TABLE["beaufort_lower_limits"].value),  # type: ignore[arg-type]
    }


def _land(risk: xr.Dataset) -> np.ndarray | None:
    if "land" not in risk:
        return None
    return np.asarray(risk["land"].transpose("lat", "lon").values == 1)


def field_atlas(
    risk: xr.Dataset, shown: np.ndarray, resolution: float, land: np.ndarray | None
) -> dict[str, Any] | None:
    """Context variables on nodes about 0.25 degrees apart, every shown step, as grey PNGs."""
    present = [v for v in ATLAS_VARIABLES if v in risk]
    if not present:
        return None
    lat, lon = risk["lat"].values, risk["lon"].values
    step = float(lat[1] - lat[0])
    stride = fr.node_stride(step if step > 0 else resolution)
    sub = {"lat": slice(None, None, stride), "lon": slice(None, None, stride)}
    node_land = land[::stride, ::stride] if land is not None else None
    out: dict[str, Any] = {
        "lat0": float(lat[0]),
        "lon0": float(lon[0]),
        "dlat": float(lat[stride] - lat[0]) if lat.size > stride else step,
        "dlon": float(lon[stride] - lon[0]) if lon.size > stride else float(lon[1] - lon[0]),
        "ny": int(lat[::stride].size),
        "nx": int(lon[::stride].size),
        "vars": {},
    }
    for name in present:
        values = risk[name].isel(time=shown, **sub).transpose("time", "lat", "lon").values
        values = values.astype(float)
        if node_land is not None:
            values[:, node_land] = np.nan
        quantizer = fr.QUANTIZERS[name]
        out["vars"][name] = {
            "png": fr.data_uri(fr.atlas_png(values, quantizer)),
            "scale": quantizer.scale,
            "offset": quantizer.offset,
        }
    return out


def _time_labels(value: np.datetime64, info: ForecastInfo, lang: str) -> dict[str, str]:
    stamp = as_utc(value)
    lead = ""
    if info.reference_time is not None:
        hours = (stamp - info.reference_time).total_seconds() / 3600
        lead = translate("time.lead", lang, hours=f"{hours:+.0f}")
    return {
        "iso": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "utc": format_utc(stamp),
        "local": format_local(stamp, lang),
        "lead": lead,
    }


def _vessel_label(vessel: str, lang: str) -> str:
    try:
        return translate(f"vessel.{vessel}", lang)
    except KeyError:
        return vessel.replace("_", " ")


def _short_vessel_label(vessel: str, lang: str) -> str:
    try:
        return translate(f"map.vessel_short.{vessel}", lang)
    except KeyError:
        return _vessel_label(vessel, lang)


# Numbers, dates, clock times and signed leads ("2026-11-24 06:00 UTC", "+6"), which an
# Arabic line would otherwise reorder ("24-11-2026"), are wrapped in LEFT-TO-RIGHT ISOLATE ...
# POP DIRECTIONAL ISOLATE (Unicode UAX #9), so they read the same in every language.
# Digits inside a word ("ifs025", "v1") stay with it: an isolate would split them off.
_LTR_RUN = NUMBER_RUN
LRI, PDI = "\u2066", "\u2069"


def _isolated(value: Any, lang: str) -> Any:
    """``value`` (text, or a dict of texts) with its number runs isolated, in right-to-left pages."""
    if direction(lang) != "rtl":
        return value
    if isinstance(value, dict):
        return {k: _isolated(v, lang) if k != "iso" else v for k, v in value.items()}
    return _LTR_RUN.sub(lambda m: LRI + m.group(0) + PDI, value)


# IOM Missing Migrants Project values (their English categories) -> catalogue keys, so the
# Arabic map names causes and routes in Arabic. Several values are joined by "," without a
# space (one category itself holds ", ").
IOM_VALUE_KEYS = {
    "cause": {
        "Drowning": "map.iom.cause.drowning",
        "Mixed or unknown": "map.iom.cause.mixed_unknown",
        "Harsh environmental conditions / lack of adequate shelter, food, water": (
            "map.iom.cause.harsh_conditions"
        ),
        "Vehicle accident / death linked to hazardous transport": "map.iom.cause.vehicle",
        "Sickness / lack of access to adequate healthcare": "map.iom.cause.sickness",
        "Violence": "map.iom.cause.violence",
        "Accidental death": "map.iom.cause.accidental",
    },
    "route": {
        "Central Mediterranean": "map.iom.route.central_med",
        "Western Mediterranean": "map.iom.route.western_med",
        "Eastern Mediterranean": "map.iom.route.eastern_med",
        "Sahara Desert crossing": "map.iom.route.sahara",
    },
}
VALUE_PREFIXES = {"boat_type": "web.boat.", "source": "map.source.", "flags": "map.flag."}
_IOM_JOIN = re.compile(r",(?! )")


def _value_text(field: str, value: Any, lang: str) -> Any:
    """An incident's value as the map shows it: known categories in the page's language."""
    if field in IOM_VALUE_KEYS and isinstance(value, str):
        keys = IOM_VALUE_KEYS[field]
        parts = [p.strip() for p in _IOM_JOIN.split(value)]
        words = [translate(keys[p], lang) if p in keys else p for p in parts]
        return ("، " if lang == "ar" else ", ").join(words)
    prefix = VALUE_PREFIXES.get(field)
    if prefix is None:
        return value
    items = value if isinstance(value, list | tuple) else [value]
    words = []
    for item in items:
        try:
            words.append(translate(f"{prefix}{item}", lang))
        except KeyError:
            words.append(str(item))
    return ("، " if lang == "ar" else ", ").join(words) if words else None


def _status_label(status: str, lang: str) -> str:
    try:
        return translate(f"status.{status}", lang)
    except KeyError:
        return status


def run_text(info: ForecastInfo, lang: str) -> str:
    """``Model run 2026-11-24 00:00 UTC · ECMWF IFS via open_meteo · data 6 h old``."""
    run = format_utc(info.reference_time) if info.reference_time else translate("age.unknown", lang)
    return translate(
        "map.run",
        lang,
        run=run,
        model=info.model or "?",
        source=info.source or "?",
        age=format_age(info.age_hours, lang),
    )


def banners(info: ForecastInfo, lang: str) -> list[dict[str, str]]:
    """Warnings shown above the map: demo data, stale data."""
    out = []
    if info.demo:
        out.append({"kind": "demo", "text": translate("banner.demo", lang)})
    if info.stale:
        out.append(
            {
                "kind": "stale",
                "text": translate("banner.stale", lang, age=format_age(info.age_hours, lang)),
            }
        )
    return out


def _plain(value: Any) -> Any:
    """JSON-able scalar: NA/NaN → None, numpy → Python."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return value


def incidents_payload(
    incidents: Any | None,
    now: dt.datetime,
    lang: str,
    fields: tuple[str, ...] = INCIDENT_FIELDS,
) -> dict[str, Any] | None:
    """Incidents with a position, as rows for the map (time as UTC text and epoch seconds),
    with the popup ``fields`` among :data:`INCIDENT_FIELDS`."""
    if incidents is None:
        return None
    rows = []
    frame = incidents
    if len(frame):
        lat = pd.to_numeric(frame["lat"], errors="coerce")
        lon = pd.to_numeric(frame["lon"], errors="coerce")
        frame = frame[np.isfinite(lat) & np.isfinite(lon)]
    for record in frame.to_dict("records"):
        stamp = pd.Timestamp(record.get("time")) if record.get("time") is not None else pd.NaT
        if pd.isna(stamp):
            continue
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        status = str(_plain(record.get("status")) or "").lower()
        row: dict[str, Any] = {
            "lat": round(float(record["lat"]), 5),
            "lon": round(float(record["lon"]), 5),
            "epoch": int(stamp.timestamp()),
            "colour": styles.status_colour(status),
            "status_label": _status_label(status, lang)
            if status
            else translate("status.unknown", lang),
            "time": format_utc(stamp.floor("s").to_pydatetime()),
        }
        for field in fields:
            if field in ("time", "position"):
                continue
            raw = record.get(field)
            if field in VALUE_PREFIXES and isinstance(raw, list | tuple | np.ndarray):
                value = list(raw) or None  # each flag translated, then joined
            else:
                value = _plain(raw)
            if field == "status" and value:
                value = _status_label(str(value).lower(), lang)
            elif value is not None and value != "":
                value = _value_text(field, value, lang)
            if value is not None and value != "":
                row[field] = value
        rows.append(row)
    return {"now": int(now.timestamp()), "rows": rows, "fields": list(fields)}


def coastline_layer(
    bbox: tuple[float, float, float, float], min_area_km2: float = 0.0
) -> folium.GeoJson | None:
    """Bundled GSHHG land as a filled, non-interactive layer (useful without tiles).

    Land polygons smaller than ``min_area_km2`` are left out (0 keeps all).
    """
    from seawatch.geo.coastline import coastline_geometry

    west, south, east, north = bbox
    land = coastline_geometry(
        (max(west, -180), max(south, -90), min(east, 180), min(north, 90)), tolerance_m=400.0
    )
    if land.is_empty:
        return None
    geometry = shapely.set_precision(land, 0.001)
    if min_area_km2 > 0:
        # degrees squared to km2 at the box's middle latitude (a few per cent off at its edges)
        km2 = 111.32**2 * np.cos(np.radians((south + north) / 2))
        parts = shapely.get_parts(geometry)
        geometry = shapely.MultiPolygon(
            [p for p in parts if isinstance(p, shapely.Polygon) and p.area * km2 >= min_area_km2]
        )
        if geometry.is_empty:
            return None
    return folium.GeoJson(
        shapely.geometry.mapping(geometry),
        name="coastline",
        control=False,
        show=False,
        style_function=lambda _: {
            "color": styles.COAST_COLOUR,
            "weight": 0.8,
            "fillColor": styles.LAND_COLOUR,
            "fillOpacity": 0.85,
            "interactive": False,
        },
        interactive=False,
        smooth_factor=1.0,
    )


def sar_layer(
    lang: str,
    bbox: tuple[float, float, float, float],
    label_box: tuple[float, float, float, float] | None = None,
) -> folium.FeatureGroup:
    """SAR region outlines within ``bbox``, each labelled with its name and rescue coordination
    centre at a point of its sea within ``label_box`` (default ``bbox``), else within ``bbox``."""
    from seawatch.geo.regions import sar_regions

    group = folium.FeatureGroup(name="sar", control=False, show=False)
    view = shapely.box(*bbox)
    inner = shapely.box(*(label_box or bbox))
    sea_parts = dict(zip(*[sar_regions(sea=True)[c] for c in ("id", "geometry")], strict=True))
    for region in sar_regions().itertuples():
        geometry = region.geometry
        if not geometry.intersects(view):
            continue
        name = _region_text(region.id, "name", region.name, lang)
        rcc = _region_text(region.id, "rcc", region.rcc, lang)
        folium.GeoJson(
            shapely.geometry.mapping(shapely.set_precision(geometry, 0.0001)),
            style_function=lambda _: {
                "color": styles.SAR_COLOUR,
                "weight": 2,
                "dashArray": "8 6",
                "fill": False,
            },
            tooltip=f"{name} — {rcc}",
        ).add_to(group)
        sea = sea_parts.get(region.id, geometry)
        point = label_point(sea.intersection(inner)) or label_point(sea.intersection(view))
        if point is None:  # the region reaches the view only over land: outline, no label
            continue
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(
                html=(
                    f'<div class="sw-label sw-sar-label">{_html(name)}'
                    f'<span class="sw-sar-rcc"><br>{_html(rcc)}</span></div>'
                ),
                icon_size=(0, 0),
                icon_anchor=(0, 0),
                class_name="sw-sar",
            ),
            interactive=False,
        ).add_to(group)
    return group


def label_point(geometry: shapely.Geometry) -> shapely.Point | None:
    """A point well inside the largest part of ``geometry`` (pole of inaccessibility).

    None when ``geometry`` is empty (a clip that kept nothing).
    """
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type == "Polygon" and not g.is_empty]
    if not parts:
        return None if geometry.is_empty else geometry.representative_point()
    return polylabel(max(parts, key=lambda g: g.area), tolerance=0.05)


def _region_text(region_id: str, field: str, fallback: str, lang: str) -> str:
    try:
        return translate(f"sar.{region_id}.{field}", lang)
    except KeyError:
        return fallback


def ports_layer(lang: str) -> folium.FeatureGroup:
    """Departure points and disembarkation ports with their names (Arabic names in Arabic)."""
    from seawatch.geo.positions import format_ddm
    from seawatch.geo.regions import ports

    group = folium.FeatureGroup(name="ports", control=False, show=False)
    for port in ports().itertuples():
        name = port.name_ar if lang == "ar" and port.name_ar else port.name
        kind = translate(f"port.{port.kind}", lang)
        position = format_ddm(port.geometry.y, port.geometry.x, decimals=1)
        approx = f" ({translate('port.approx', lang)})" if port.approx else ""
        colour = styles.PORT_COLOURS.get(port.kind, "#444444")
        folium.Marker(
            [port.geometry.y, port.geometry.x],
            icon=folium.DivIcon(
                html=f'<span class="sw-port" style="background:{colour}"></span>',
                icon_size=(12, 12),
                icon_anchor=(6, 6),
                class_name="sw-port-icon",
            ),
            # A tooltip, not a folium Popup: folium popups need jQuery, which the page omits.
            tooltip=folium.Tooltip(
                f"<b>{_html(name)}</b><br>{_html(kind)}<br>{_html(position)}{_html(approx)}"
            ),
        ).add_to(group)
    return group


def _html(text: str) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


__all__ = ["build_html", "drifts_payload", "map_data", "render_interactive"]
