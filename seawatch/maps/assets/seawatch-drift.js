/*! seawatch drift layer (AGPL-3.0-or-later). Datum track, 50 % and 90 % search areas of a drift
 * from a last known position, following the map's time control: the areas of the frame's hour.
 * Needs Leaflet and seawatch-map.js (which calls it: new SeawatchDrift(seawatchMap), setTime).
 *
 * A drift is what `seawatch drift --json` prints (drift.json), optionally with its
 * drift.geojson as `geojson` (per-hour areas); the web service hands {result, geojson, id,
 * incident_id} from /api/drifts. Text people typed never reaches this layer: labels come from the
 * message catalogue, numbers and times from the drift. */
(function () {
  "use strict";

  // Magenta: apart from the hazard palette (green..dark red), the incident statuses (sunk is
  // purple), the survival blues, the ports and the SAR lines.
  var COLOUR = "#c51b7d";
  var STYLE_90 = { color: COLOUR, weight: 2, dashArray: "6 4", fillColor: "#f1b6da", fillOpacity: 0.3, interactive: false, className: "sw-drift-area-90" };
  var STYLE_50 = { color: COLOUR, weight: 2, fillColor: COLOUR, fillOpacity: 0.35, interactive: false, className: "sw-drift-area-50" };
  var TRACK = { color: COLOUR, weight: 2, opacity: 0.9, dashArray: "2 5", interactive: false, className: "sw-drift-track" };

  var esc = window.seawatchText.esc; // from seawatch-map.js, loaded first
  var fmt = window.seawatchText.fmt;

  function epoch(iso) {
    var t = Date.parse(iso);
    return isFinite(t) ? t / 1000 : NaN;
  }

  // "2026-11-24 14:00" (UTC; the caller adds "UTC")
  function utc(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ");
  }

  function ddm(lat, lon) {
    var f = window.seawatchDdm;
    return f ? f(lat, "lat", 3) + " " + f(lon, "lon", 3) : lat.toFixed(5) + ", " + lon.toFixed(5);
  }

  function num(x) {
    return x === null || x === undefined || !isFinite(x) ? "\u2013" : x >= 100 ? x.toFixed(0) : x.toFixed(1);
  }

  /** A drift as the layer draws it: times as epoch seconds, areas per output hour. */
  function normalise(input) {
    var r = input.result || input;
    var geo = input.geojson || r.geojson || null;
    var track = (r.datum_track || []).map(function (p) { return { t: epoch(p.time), lat: +p.lat, lon: +p.lon }; })
      .filter(function (p) { return isFinite(p.t); })
      .sort(function (a, b) { return a.t - b.t; });
    var hours = {};
    if (geo && geo.features) {
      geo.features.forEach(function (f) {
        var p = f.properties || {};
        if (p.kind !== "area" || !f.geometry) return;
        var t = epoch(p.time);
        if (!isFinite(t)) return;
        var key = Math.abs(p.probability - 0.5) < 1e-6 ? "a50" : Math.abs(p.probability - 0.9) < 1e-6 ? "a90" : null;
        if (!key) return;
        hours[t] = hours[t] || { t: t };
        hours[t][key] = { geometry: f.geometry, nm2: p.area_nm2 };
      });
    }
    var end = epoch(r.end_time);
    if (!Object.keys(hours).length && isFinite(end)) {
      (r.areas || []).forEach(function (a) {
        var key = Math.abs(a.probability - 0.5) < 1e-6 ? "a50" : Math.abs(a.probability - 0.9) < 1e-6 ? "a90" : null;
        if (!key) return;
        hours[end] = hours[end] || { t: end };
        hours[end][key] = { geometry: a.polygon, nm2: a.area_nm2 };
      });
    }
    var areas = Object.keys(hours).map(function (k) { return hours[k]; }).sort(function (a, b) { return a.t - b.t; });
    var hazard = {};
    (r.hazard_along || []).forEach(function (h) { hazard[epoch(h.time)] = h; });
    var start = r.start || {};
    return {
      id: input.id === undefined ? null : input.id,
      incident: input.incident_id || r.incident_id || null,
      object: r.object,
      start: { t: epoch(start.time), lat: +start.lat, lon: +start.lon },
      end: end,
      track: track,
      areas: areas,
      hazard: hazard,
      survival: r.survival_hours,
      stranded: r.stranded_fraction,
      forcing: r.forcing || {},
    };
  }

  function SeawatchDrift(sm) {
    this.sm = sm;
    this.map = sm.map;
    this.M = sm.M || {};
    this.label = this.msg("drift.ui.layer");
    this.layer = L.layerGroup().addTo(this.map);
    this.drifts = [];
    this.selected = null;
    this.time = null;
    this._buildPanel();
    var self = this;
    (sm.D.drifts || []).forEach(function (d) { self.add(d, true); });
    this.map.on("overlayremove", function (e) { if (e.layer === self.layer) self.panel.hidden = true; });
    this.map.on("overlayadd", function (e) { if (e.layer === self.layer) self._render(); });
  }

  SeawatchDrift.prototype.msg = function (key, fields) {
    var t = this.M[key];
    return t === undefined ? key : fmt(t, fields);
  };

  SeawatchDrift.prototype._objectName = function (o) {
    if (o === undefined || o === null) return "";
    var key = "drift.ui.object." + o;
    return this.M[key] !== undefined ? this.M[key] : this.msg("drift.ui.object.other", { n: o });
  };

  SeawatchDrift.prototype._buildPanel = function () {
    var self = this;
    var Panel = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "sw-panel sw-drift-panel");
        div.setAttribute("dir", document.documentElement.getAttribute("dir") || "ltr");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      },
    });
    this.control = new Panel({ position: "topright" }).addTo(this.map);
    this.panel = this.control.getContainer();
    this.panel.hidden = true;
    // Phones: the panel starts folded so the sea stays visible (a tap opens it).
    this.folded = !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches);
  };

  /** Show one drift (drift.json, or {result, geojson, id, incident_id}); it becomes the one the
   * panel describes. A drift already shown (same id) is replaced. */
  SeawatchDrift.prototype.add = function (input, quiet) {
    var d = normalise(input);
    if (!d.track.length && !d.areas.length) return null;
    var self = this;
    this.drifts = this.drifts.filter(function (x) {
      var same = (d.id !== null && x.d.id === d.id) || (d.incident && x.d.incident === d.incident);
      if (same) self.layer.removeLayer(x.group);
      return !same;
    });
    var group = L.featureGroup();
    var entry = { d: d, group: group };
    entry.a90 = L.geoJSON(null, { style: function () { return STYLE_90; }, interactive: false }).addTo(group);
    entry.a50 = L.geoJSON(null, { style: function () { return STYLE_50; }, interactive: false }).addTo(group);
    if (d.track.length > 1) {
      L.polyline(d.track.map(function (p) { return [p.lat, p.lon]; }), TRACK).addTo(group);
      d.track.forEach(function (p) {
        L.circleMarker([p.lat, p.lon], { radius: 2, color: COLOUR, weight: 1, fillOpacity: 1, interactive: false }).addTo(group);
      });
    }
    if (isFinite(d.start.lat)) {
      // Not clickable: the last known position is the incident's own marker, which must stay
      // clickable under it (the panel says the position and time).
      L.marker([d.start.lat, d.start.lon], { icon: L.divIcon({ className: "sw-drift-lkp", iconSize: [12, 12] }),
        keyboard: false, interactive: false }).addTo(group);
    }
    // A diamond, so the datum is never taken for an incident's round marker.
    entry.datum = L.marker([d.track.length ? d.track[0].lat : d.start.lat, d.track.length ? d.track[0].lon : d.start.lon],
      { icon: L.divIcon({ className: "sw-drift-datum", html: "<div></div>", iconSize: [14, 14] }), keyboard: false,
        interactive: false, zIndexOffset: 500 })
      .addTo(group);
    group.addTo(this.layer);
    this.drifts.push(entry);
    this.selected = entry;
    this._render();
    if (!quiet && this.map.hasLayer(this.layer)) {
      this.map.fitBounds(group.getBounds().pad(0.3), { maxZoom: 10 });
    }
    return entry;
  };

  /** Replace every drift by ``list`` (the live map's periodic refresh). */
  SeawatchDrift.prototype.show = function (list) {
    var self = this;
    var keep = this.selected ? this.selected.d.id : null;
    this.layer.clearLayers();
    this.drifts = [];
    this.selected = null;
    (list || []).forEach(function (x) { self.add(x, true); });
    this.drifts.forEach(function (e) { if (e.d.id === keep && keep !== null) self.selected = e; });
    this._render();
  };

  SeawatchDrift.prototype.zoom = function () {
    if (this.selected) this.map.fitBounds(this.selected.group.getBounds().pad(0.3), { maxZoom: 10 });
  };

  SeawatchDrift.prototype.select = function (entry) {
    this.selected = entry;
    this._render();
  };

  SeawatchDrift.prototype.setTime = function (iso) {
    this.time = epoch(iso);
    this._render();
  };

  // The output hour shown for map time t: the last one at or before t (null before the start).
  function hourIndex(list, t) {
    var k = -1;
    for (var i = 0; i < list.length; i++) if (list[i].t <= t + 1e-6) k = i;
    return k;
  }

  SeawatchDrift.prototype._render = function () {
    var self = this, t = this.time === null ? Infinity : this.time;
    var container = this.map.getContainer();
    this.drifts.forEach(function (e) {
      var d = e.d, k = hourIndex(d.areas, t), area = k >= 0 ? d.areas[k] : null;
      e.a50.clearLayers();
      e.a90.clearLayers();
      if (area && area.a90) e.a90.addData(area.a90.geometry);
      if (area && area.a50) e.a50.addData(area.a50.geometry);
      var j = hourIndex(d.track, t), p = j >= 0 ? d.track[j] : null;
      e.shownArea = area;
      e.shownDatum = p;
      if (p) {
        e.datum.setLatLng([p.lat, p.lon]);
        if (!e.group.hasLayer(e.datum)) e.datum.addTo(e.group);
      } else if (e.group.hasLayer(e.datum)) {
        e.group.removeLayer(e.datum);
      }
    });
    var s = this.selected;
    container.setAttribute("data-sw-drifts", String(this.drifts.length));
    container.setAttribute("data-sw-drift-hour", s && s.shownArea ? new Date(s.shownArea.t * 1000).toISOString().replace(".000Z", "Z") : "");
    container.setAttribute("data-sw-drift-a90", s && s.shownArea && s.shownArea.a90 ? String(s.shownArea.a90.nm2) : "");
    if (!s || !this.map.hasLayer(this.layer)) {
      this.panel.hidden = true;
      return;
    }
    this.panel.hidden = false;
    var d = s.d, area = s.shownArea, p = s.shownDatum;
    var a90 = area && area.a90 ? area.a90.nm2 : null, a50 = area && area.a50 ? area.a50.nm2 : null;
    var title = this.msg("drift.ui.panel_title", { object: this._objectName(d.object) });
    var lines = [];
    lines.push(fmt(esc(this.msg("drift.ui.lkp")), { pos: "<bdi dir='ltr'>" + esc(ddm(d.start.lat, d.start.lon)) + "</bdi>", time: "<bdi dir='ltr'>" + esc(utc(d.start.t)) + "</bdi>" }));
    if (p) {
      lines.push("<b>" + fmt(esc(this.msg("drift.ui.datum_at")), { time: "<bdi dir='ltr'>" + esc(utc(p.t)) + "</bdi>", pos: "<bdi dir='ltr' class='sw-drift-pos'>" + esc(ddm(p.lat, p.lon)) + "</bdi>" }) + "</b>");
    }
    if (area) lines.push("<span class='sw-drift-areas'>" + esc(this.msg("drift.ui.areas_at", { a50: num(a50), a90: num(a90) })) + "</span>");
    var note = "";
    var first = d.track.length ? d.track[0].t : d.start.t;
    var last = d.track.length ? d.track[d.track.length - 1].t : d.end;
    if (isFinite(t) && t < first) note = this.msg("drift.ui.before_start", { time: utc(t) });
    else if (isFinite(t) && isFinite(last) && t > last) note = this.msg("drift.ui.after_end", { time: utc(last) });
    var h = p ? d.hazard[p.t] : null;
    if (h && h.level_name) {
      var levels = this.sm.D.levels || [];
      var word = levels[h.level] ? levels[h.level].word : h.level_name;
      lines.push(esc(this.msg("drift.ui.hazard", { level: word })));
    }
    if (d.survival !== null && d.survival !== undefined && isFinite(d.survival)) lines.push(esc(this.msg("drift.ui.survival", { h: num(d.survival) })));
    if (d.stranded) lines.push(esc(this.msg("drift.ui.stranded", { pct: Math.round(d.stranded * 100) })));
    if (d.forcing && d.forcing.source) {
      lines.push("<span class='sw-note'>" + esc(this.msg("drift.ui.forcing", { source: d.forcing.source, run: d.forcing.reference_time ? utc(epoch(d.forcing.reference_time)) : "?" })) + "</span>");
    }
    var open = this.panel.querySelector("details");
    var isOpen = open ? open.open : !this.folded;
    var html = "<details" + (isOpen ? " open" : "") + "><summary class='sw-drift-title'><span class='sw-drift-key'></span>" + esc(title);
    if (a90 !== null) html += " \u00b7 <bdi dir='ltr' class='sw-drift-sum'>90 %: " + esc(num(a90)) + "</bdi>";
    html += "</summary>";
    if (note) html += "<div class='sw-drift-note' role='status'>" + esc(note) + "</div>";
    html += "<div>" + lines.join("</div><div>") + "</div>";
    html += "<div class='sw-drift-legend'><span class='sw-drift-sw sw-drift-sw-50'></span>" + esc(this.msg("drift.ui.area50_label")) +
      " <span class='sw-drift-sw sw-drift-sw-90'></span>" + esc(this.msg("drift.ui.area90_label")) +
      " <span class='sw-drift-sw sw-drift-sw-track'></span>" + esc(this.msg("drift.ui.track_label")) + "</div>";
    html += "<div class='sw-note'>" + esc(this.msg("drift.ui.utc_note")) +
      " <button type='button' class='sw-drift-zoom'>" + esc(this.msg("drift.ui.zoom")) + "</button></div></details>";
    this.panel.innerHTML = html;
    this.panel.querySelector(".sw-drift-zoom").addEventListener("click", function () { self.zoom(); });
  };

  window.SeawatchDrift = SeawatchDrift;
  window.seawatchDriftNormalise = normalise;
})();
