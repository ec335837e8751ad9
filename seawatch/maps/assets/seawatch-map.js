/*! seawatch interactive map (AGPL-3.0-or-later). Time frames, point forecast, arrows,
 * wave-height contours, incidents, nautical-mile ruler. Needs Leaflet and leaflet.markercluster. */
(function () {
  "use strict";

  var KN_PER_MS = 1.943844;
  var NM_M = 1852;

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Text as HTML with each date or time held left to right: a run the page payload isolated
  // (LRI ... PDI, interactive.py) or a bare "2026-11-24 06:00 UTC" becomes a <bdi dir=ltr>
  // that does not wrap, so in Arabic a date neither flips ("24-11-2026") nor breaks at its
  // hyphens on a phone ("2026-" / "11-24").
  function ltrHtml(s) {
    return esc(s).replace(/\u2066([^\u2066\u2069]*)\u2069|(\d{4}-\d\d-\d\d(?: \d\d:\d\d)?(?: UTC)?)/g,
      function (m, isolated, bare) {
        return "<bdi dir='ltr' class='sw-nowrap'>" + (isolated !== undefined ? isolated : bare) + "</bdi>";
      });
  }

  function fmt(template, fields) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) {
      return fields && fields[k] !== undefined ? fields[k] : m;
    });
  }

  // Degrees and decimal minutes, as seawatch.geo.positions.format_lat_ddm / format_lon_ddm.
  function ddm(value, axis, decimals) {
    if (decimals === undefined) decimals = 3;
    var scale = Math.pow(10, decimals);
    var total = Math.round(Math.abs(value) * 60 * scale);
    var deg = Math.floor(total / (60 * scale));
    var min = (total - deg * 60 * scale) / scale;
    var zero = total === 0;
    var hemi = axis === "lat" ? (value < 0 && !zero ? "S" : "N") : value < 0 && !zero ? "W" : "E";
    var degText = String(deg);
    while (degText.length < (axis === "lat" ? 2 : 3)) degText = "0" + degText;
    var minText = min.toFixed(decimals);
    if (min < 10) minText = "0" + minText;
    return degText + "\u00b0" + minText + "'" + hemi;
  }

  function ddmPair(lat, lon, decimals) {
    return ddm(lat, "lat", decimals) + " " + ddm(lon, "lon", decimals);
  }

  function mercY(lat) {
    var phi = (lat * Math.PI) / 180;
    return Math.log(Math.tan(Math.PI / 4 + phi / 2));
  }

  function decodeImage(uri) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        var ctx = canvas.getContext("2d", { willReadFrequently: true });
        ctx.drawImage(img, 0, 0);
        resolve({ w: canvas.width, h: canvas.height, data: ctx.getImageData(0, 0, canvas.width, canvas.height).data });
      };
      img.onerror = reject;
      img.src = uri;
    });
  }

  // A nautical-mile scale bar (Leaflet's own shows only metric and imperial).
  var ScaleNM = L.Control.Scale.extend({
    options: { metric: true, imperial: false, maxWidth: 140, position: "bottomleft", label: "{nm} NM" },
    _updateMetric: function (maxMeters) {
      var nm = maxMeters / NM_M, n = nm >= 1 ? this._getRoundNum(nm) : Math.round(nm * 10) / 10;
      this._updateScale(this._mScale, fmt(this.options.label, { nm: n }), n / nm);
    },
  });

  function SeawatchMap(map, D, layers) {
    this.map = map;
    this.D = D;
    this.M = D.msgs;
    this.t = D.start;
    this.vessel = D.vessels[0];
    this.playing = null;
    this.decoded = {};
    this.decodedOrder = [];
    this.atlas = null;
    this.measuring = false;
    this.frameCount = 0;
    this.firstFrameAt = null;
    this.listeners = [];
    // Called with (t, vessel) after every time or boat-type change (timeline, routes).
    this.timeListeners = [];
    // Frames shown instead of the hourly ones ("worst in the next 24 h"): {hazard: {vessel: i}}.
    this.view = null;
    this.extra = layers || {};
    this._build();
  }

  SeawatchMap.prototype.msg = function (key, fields) {
    var t = this.M[key];
    return t === undefined ? key : fmt(t, fields);
  };

  SeawatchMap.prototype._build = function () {
    var self = this, D = this.D, map = this.map;
    var bounds = L.latLngBounds(D.bounds);
    if (map.options.maxZoom === undefined) map.setMaxZoom(13);
    map.attributionControl.setPrefix(false);
    D.attribution.forEach(function (a) { map.attributionControl.addAttribution(esc(a)); });

    this._buildInfo();
    map.createPane("swRaster").style.zIndex = 350;
    map.createPane("swVectors").style.zIndex = 420;
    var raster = { pane: "swRaster", interactive: false, className: "sw-frame" };

    this.hazardLayer = L.imageOverlay(this._frameUri("hazard"), bounds, L.extend({ opacity: D.opacity }, raster));
    this.hazardLayer.on("load", function () { self._frameLoaded(); });
    var overlays = {};
    overlays[this.msg("layer.hazard")] = this.hazardLayer;
    if (D.risk) {
      this.riskLayer = L.imageOverlay(this._frameUri("risk"), bounds, L.extend({ opacity: 0.75 }, raster));
      overlays[this.msg("layer.risk")] = this.riskLayer;
    }
    if (D.survival) {
      this.survivalLayer = L.imageOverlay(this._frameUri("survival"), bounds, L.extend({ opacity: 0.6 }, raster));
      overlays[this.msg("layer.survival")] = this.survivalLayer;
    }
    var FieldLayer = L.Layer.extend({
      initialize: function (kind) { this.kind = kind; },
      onAdd: function (m) {
        this._canvas = L.DomUtil.create("canvas", "sw-field-canvas");
        m.getPane("swVectors").appendChild(this._canvas);
        m.on("moveend zoomend resize", this._reset, this);
        m.on("zoomstart", this._hide, this);
        this._reset();
      },
      onRemove: function (m) {
        L.DomUtil.remove(this._canvas);
        m.off("moveend zoomend resize", this._reset, this);
        m.off("zoomstart", this._hide, this);
      },
      _hide: function () { this._canvas.style.display = "none"; },
      _reset: function () {
        var m = this._map, size = m.getSize();
        this._canvas.style.display = "";
        this._canvas.width = size.x;
        this._canvas.height = size.y;
        L.DomUtil.setPosition(this._canvas, m.containerPointToLayerPoint([0, 0]));
        var layer = this;
        self._withAtlas(function () { self._drawField(layer.kind, layer._canvas); });
      },
      redraw: function () { if (this._map) this._reset(); },
    });
    if (D.atlas) {
      if (D.atlas.vars.u10 && D.atlas.vars.v10) {
        this.windLayer = new FieldLayer("wind");
        overlays[this.msg("layer.wind")] = this.windLayer;
      }
      if (D.atlas.vars.uo && D.atlas.vars.vo) {
        this.currentLayer = new FieldLayer("current");
        overlays[this.msg("layer.current")] = this.currentLayer;
      }
      if (D.atlas.vars.hs) {
        this.contourLayer = new FieldLayer("contours");
        overlays[this.msg("layer.contours")] = this.contourLayer;
      }
    }
    this.fieldLayers = [this.windLayer, this.currentLayer, this.contourLayer].filter(Boolean);
    if (window.SeawatchDrift) this.drift = new window.SeawatchDrift(this); // seawatch-drift.js

    this.incidentLayer = this._buildIncidents();
    if (this.incidentLayer) overlays[this.msg("layer.incidents")] = this.incidentLayer;
    if (this.drift) overlays[this.drift.label] = this.drift.layer;
    Object.keys(this.extra).forEach(function (k) {
      overlays[self.msg("layer." + k)] = self.extra[k].layer;
    });
    this.graticule = this._buildGraticule(bounds);
    overlays[this.msg("layer.graticule")] = this.graticule;

    var plain = L.layerGroup();
    var bases = {};
    bases[this.msg("layer.base_plain")] = plain;
    if (D.osm) bases[this.msg("layer.base_osm")] = D.osm;
    plain.addTo(map); // the bundled coastline; online tiles only when picked (and configured)

    this.hazardLayer.addTo(map);
    if (this.incidentLayer) this.incidentLayer.addTo(map);
    this.graticule.addTo(map);
    // Zoomed out (a phone showing the whole area): graticule labels every 2 degrees and SAR
    // labels without their RCC line, so they do not run into each other.
    var zoomedOut = function () { map.getContainer().classList.toggle("sw-zoomed-out", map.getZoom() < 6); };
    map.on("zoomend", zoomedOut);
    zoomedOut();
    map.on("zoomend moveend resize", function () { self.keepSarLabelsInside(); });
    Object.keys(this.extra).forEach(function (k) { if (self.extra[k].show) self.extra[k].layer.addTo(map); });
    this.layersControl = L.control.layers(bases, overlays, { collapsed: true, position: "topright" }).addTo(map);

    this._buildLegend();
    this._buildTimeControl();
    this._buildRuler();
    new ScaleNM({ label: this.msg("map.scale_nm") }).addTo(map);
    // claimsClick: a page script (the coordinators' editor placing or moving a report) may take
    // a click on the sea for itself; the point forecast then stays shut.
    map.on("click", function (e) {
      if (!self.measuring && !(self.claimsClick && self.claimsClick(e))) self.pointForecast(e.latlng);
    });
    map.fitBounds(bounds);
    this._localise();
    this._phoneLayout(bounds);
    this._printSupport();
    document.addEventListener("keydown", function (e) { self._onKey(e); });
    this.setTime(this.t);
    this.keepSarLabelsInside();
  };

  // SAR labels are centred on their point; one that would run off the screen (Tunis's on a
  // phone, whose point lies near the left edge) is moved in just enough to be read whole. A
  // label whose point is off the map is hidden: moved in, it would name the wrong waters.
  SeawatchMap.prototype.keepSarLabelsInside = function () {
    var c = this.map.getContainer(), box = c.getBoundingClientRect(), M = 2;
    var left = Math.max(box.left, 0) + M, top = Math.max(box.top, 0) + M;
    var right = Math.min(box.right, window.innerWidth) - M, bottom = Math.min(box.bottom, window.innerHeight) - M;
    c.querySelectorAll(".sw-sar").forEach(function (icon) {
      var label = icon.querySelector(".sw-sar-label");
      if (!label) return;
      label.style.transform = "";
      label.style.visibility = "";
      var at = icon.getBoundingClientRect(), r = label.getBoundingClientRect();
      if (at.left < left || at.left > right || at.top < top || at.top > bottom) {
        label.style.visibility = "hidden";
        return;
      }
      var dx = r.left < left ? left - r.left : (r.right > right ? Math.max(right - r.right, left - r.left) : 0);
      var dy = r.top < top ? top - r.top : (r.bottom > bottom ? Math.max(bottom - r.bottom, top - r.top) : 0);
      if (dx || dy) label.style.transform = "translate(calc(-50% + " + dx + "px), calc(-50% + " + dy + "px))";
      label.setAttribute("data-sw-shift", dx || dy ? Math.round(dx) + "," + Math.round(dy) : "");
    });
  };

  SeawatchMap.prototype.frameIndex = function (kind, vessel, t) {
    var D = this.D;
    if (this.view && this.view[kind]) return this.view[kind][vessel];
    return kind === "survival" ? D.survival[t] : D[kind][vessel][t];
  };

  SeawatchMap.prototype._frameUri = function (kind) {
    return this.D.frames[this.frameIndex(kind, this.vessel, this.t)];
  };

  SeawatchMap.prototype._frameLoaded = function () {
    this.frameCount += 1;
    if (this.firstFrameAt === null) this.firstFrameAt = performance.now();
    var c = this.map.getContainer();
    c.setAttribute("data-sw-frame", String(this.frameCount));
    c.setAttribute("data-sw-shown", this.vessel + "@" + this.t);
    this.listeners.forEach(function (f) { f(); });
  };

  // keepView: stay on the frames of this.view (a boat-type change); otherwise back to hourly.
  SeawatchMap.prototype.setTime = function (t, keepView) {
    var self = this, n = this.D.times.length;
    if (!keepView) this.view = null;
    this.t = Math.max(0, Math.min(n - 1, t));
    this.hazardLayer.setUrl(this._frameUri("hazard"));
    if (this.riskLayer) this.riskLayer.setUrl(this._frameUri("risk"));
    if (this.survivalLayer) this.survivalLayer.setUrl(this._frameUri("survival"));
    var time = this.D.times[this.t];
    if (this.slider) {
      this.slider.value = String(this.t);
      this.timeUtc.textContent = time.utc;
      this.timeLocal.innerHTML = ltrHtml(time.local);
      this.timeLead.textContent = time.lead;
    }
    this.fieldLayers.forEach(function (l) { l.redraw(); });
    this.map.getContainer().setAttribute("data-sw-time", time.iso);
    if (this.drift) this.drift.setTime(time.iso);
    this.timeListeners.forEach(function (f) { f(self.t, self.vessel); });
  };

  SeawatchMap.prototype.setVessel = function (v) {
    this.vessel = v;
    this.setTime(this.t, true);
    if (this.legendVessel) this.legendVessel.textContent = this.D.vesselLabels[v];
  };

  SeawatchMap.prototype.play = function () {
    var self = this;
    if (this.playing) { clearInterval(this.playing); this.playing = null; }
    else {
      this.playing = setInterval(function () {
        self.setTime(self.t + 1 >= self.D.times.length ? 0 : self.t + 1);
      }, 700);
    }
    this.playButton.textContent = this.playing ? "\u23f8" : "\u25b6";
    this.playButton.title = this.msg(this.playing ? "time.pause" : "time.play");
  };

  SeawatchMap.prototype._onKey = function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if ((tag === "INPUT" && e.target.type !== "range") || tag === "TEXTAREA" || tag === "SELECT") return;
    // Right to left, later times lie to the left (as on the slider and the step buttons).
    var rtl = document.documentElement.getAttribute("dir") === "rtl";
    var later = rtl ? "ArrowLeft" : "ArrowRight", earlier = rtl ? "ArrowRight" : "ArrowLeft";
    if (e.key === later || e.key === "PageDown") { this.setTime(this.t + 1); e.preventDefault(); }
    else if (e.key === earlier || e.key === "PageUp") { this.setTime(this.t - 1); e.preventDefault(); }
    else if (e.key === "Home") { this.setTime(0); e.preventDefault(); }
    else if (e.key === "End") { this.setTime(this.D.times.length - 1); e.preventDefault(); }
    else if (e.key === " " && tag !== "BUTTON") { this.play(); e.preventDefault(); }
    else if (e.key === "Escape" && this.measuring) { this._stopMeasure(); }
  };

  SeawatchMap.prototype._panel = function (position, className, build) {
    var Panel = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "sw-panel " + className);
        div.setAttribute("dir", document.documentElement.getAttribute("dir") || "ltr");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        build(div);
        return div;
      },
    });
    new Panel({ position: position }).addTo(this.map);
  };

  SeawatchMap.prototype._buildInfo = function () {
    var self = this, D = this.D;
    this._panel("topleft", "sw-info", function (div) {
      var html = "<div class='sw-title'>" + esc(self.msg("map.title")) + "</div>";
      D.banners.forEach(function (b) {
        html += "<div class='sw-banner sw-banner-" + esc(b.kind) + "' role='alert'>" + esc(b.text) + "</div>";
      });
      html += "<div class='sw-run'>" + esc(D.runText) + "</div>";
      div.innerHTML = html;
    });
  };

  SeawatchMap.prototype._buildLegend = function () {
    var self = this, D = this.D;
    this._panel("bottomright", "sw-legend", function (div) {
      // On a phone the legend starts folded (one tap opens it), so it covers neither the sea
      // nor the time and boat-type controls.
      var folded = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
      var h = "<details" + (folded ? "" : " open") + "><summary>" + esc(self.msg("legend.title")) + "</summary>";
      h += "<div class='sw-legend-sub'>" + esc(self.msg("legend.hazard_for")) + " <b class='sw-legend-vessel'></b></div>";
      D.levels.forEach(function (lv, i) {
        h += "<div class='sw-row'><span class='sw-swatch sw-swatch-hazard' style='background:" + (D.swatchColours || D.colours)[i] + "'></span>" +
          "<b>" + esc(lv.word) + "</b> \u2013 " + esc(lv.meaning) + "</div>";
      });
      if (D.survival) {
        h += "<div class='sw-legend-sub'>" + esc(self.msg("legend.survival")) + "</div>";
        D.survivalClasses.forEach(function (c, i) {
          h += "<div class='sw-row'><span class='sw-swatch' style='background:" + (D.survivalSwatches ? D.survivalSwatches[i] : c.colour) + "'></span>" + esc(c.label) + "</div>";
        });
      }
      h += "<div class='sw-legend-sub'>" + esc(self.msg("legend.ports")) + "</div>";
      D.portKinds.forEach(function (p) {
        h += "<div class='sw-row'><span class='sw-port' style='background:" + p.colour + "'></span>" + esc(p.label) + "</div>";
      });
      h += "<div class='sw-row'><span class='sw-sar-line'></span>" + esc(self.msg("legend.sar")) + "</div>";
      if (D.incidents) {
        h += "<div class='sw-legend-sub'>" + esc(self.msg("legend.incidents")) + "</div>";
        D.statusColours.forEach(function (s) {
          h += "<div class='sw-row'><span class='sw-dot' style='background:" + s.colour + "'></span>" + esc(s.label) + "</div>";
        });
      }
      h += "<div class='sw-note'>" + esc(self.msg("legend.arrows")) + "</div>";
      h += "<div class='sw-note'>" + esc(self.msg("legend.click")) + "</div></details>";
      div.innerHTML = h;
      self.legendVessel = div.querySelector(".sw-legend-vessel");
      self.legendVessel.textContent = D.vesselLabels[self.vessel];
    });
  };

  SeawatchMap.prototype._buildTimeControl = function () {
    var self = this, D = this.D;
    this._panel("bottomleft", "sw-time", function (div) {
      var v = "<fieldset class='sw-vessels'><legend>" + esc(self.msg("time.vessel")) + "</legend>";
      D.vessels.forEach(function (name, i) {
        v += "<label><input type='radio' name='sw-vessel' value='" + esc(name) + "'" + (i === 0 ? " checked" : "") +
          "> " + esc(D.vesselLabels[name]) + "</label>";
      });
      v += "</fieldset>";
      div.innerHTML =
        "<div class='sw-time-row'>" +
        "<button type='button' class='sw-prev' title='" + esc(self.msg("time.previous")) + "'>\u25c0</button>" +
        "<button type='button' class='sw-play' title='" + esc(self.msg("time.play")) + "'>\u25b6</button>" +
        "<button type='button' class='sw-next' title='" + esc(self.msg("time.next")) + "'>\u25b6\u25b6</button>" +
        "<input type='range' class='sw-slider' min='0' max='" + (D.times.length - 1) + "' step='1' aria-label='" +
        esc(self.msg("time.slider")) + "'>" +
        "</div><div class='sw-time-label'><b class='sw-utc'></b> <span class='sw-local'></span> <span class='sw-lead'></span></div>" + v;
      self.slider = div.querySelector(".sw-slider");
      self.timeUtc = div.querySelector(".sw-utc");
      self.timeLocal = div.querySelector(".sw-local");
      self.timeLead = div.querySelector(".sw-lead");
      self.playButton = div.querySelector(".sw-play");
      self.slider.addEventListener("input", function () { self.setTime(parseInt(self.slider.value, 10)); });
      div.querySelector(".sw-prev").addEventListener("click", function () { self.setTime(self.t - 1); });
      div.querySelector(".sw-next").addEventListener("click", function () { self.setTime(self.t + 1); });
      self.playButton.addEventListener("click", function () { self.play(); });
      Array.prototype.forEach.call(div.querySelectorAll("input[name=sw-vessel]"), function (r) {
        r.addEventListener("change", function () { if (r.checked) self.setVessel(r.value); });
      });
    });
  };

  // ---- point forecast ---------------------------------------------------------------------

  SeawatchMap.prototype._decoded = function (idx) {
    var self = this;
    if (this.decoded[idx]) return this.decoded[idx];
    this.decoded[idx] = decodeImage(this.D.frames[idx]);
    this.decodedOrder.push(idx);
    if (this.decodedOrder.length > 24) delete this.decoded[this.decodedOrder.shift()];
    return self.decoded[idx];
  };

  SeawatchMap.prototype._withAtlas = function (callback) {
    var self = this, A = this.D.atlas;
    if (!A) return;
    if (this.atlas) { callback(); return; }
    if (!this._atlasPromise) {
      var names = Object.keys(A.vars);
      this._atlasPromise = Promise.all(names.map(function (n) { return decodeImage(A.vars[n].png); })).then(function (imgs) {
        var out = {};
        names.forEach(function (n, i) { out[n] = imgs[i].data; });
        self.atlas = out;
      });
    }
    this._atlasPromise.then(callback);
  };

  SeawatchMap.prototype.atlasValue = function (name, t, j, i) {
    var A = this.D.atlas, v = A.vars[name];
    if (!v || !this.atlas) return NaN;
    var byte = this.atlas[name][((t * A.ny + j) * A.nx + i) * 4];
    return byte === 255 ? NaN : byte * v.scale + v.offset;
  };

  SeawatchMap.prototype.pointForecast = function (latlng) {
    var self = this, D = this.D, G = D.grid;
    var lat = latlng.lat, lon = latlng.lng;
    if (lon < G.west || lon >= G.east || lat < G.south || lat >= G.north) return;
    var col = Math.floor((lon - G.west) / G.dx);
    var row = Math.floor(((mercY(G.north) - mercY(lat)) / (mercY(G.north) - mercY(G.south))) * G.height);
    var t = this.t;
    var jobs = D.vessels.map(function (v) { return self._decoded(self.frameIndex("hazard", v, t)); });
    Promise.all(jobs).then(function (imgs) {
      var perVessel = imgs.map(function (img) {
        var k = (row * img.w + col) * 4, d = img.data;
        if (d[k + 3] === 0) return null;
        return D.lookup[d[k] + "," + d[k + 1] + "," + d[k + 2]] || null;
      });
      self._withAtlas(function () { self._showPopup(latlng, t, perVessel); });
      if (!D.atlas) self._showPopup(latlng, t, perVessel);
    });
  };

  SeawatchMap.prototype._drivers = function (bits) {
    if (bits === undefined || bits === null || bits < 0) return this.msg("popup.rule_unknown");
    var words = [];
    this.D.flags.forEach(function (f) { if (f[0] && (bits & f[0]) === f[0]) words.push(f[1]); });
    return words.length ? words.join(", ") : this.msg("popup.rule_base");
  };

  SeawatchMap.prototype._showPopup = function (latlng, t, perVessel) {
    var self = this, D = this.D, time = D.times[t];
    var h = "<div class='sw-popup' dir='" + (document.documentElement.getAttribute("dir") || "ltr") + "'>";
    h += "<div class='sw-popup-title'>" + esc(this.msg("popup.title")) + "</div>";
    h += "<div><bdi dir='ltr' class='sw-pos'>" + esc(ddmPair(latlng.lat, latlng.lng, 3)) + "</bdi></div>";
    h += "<div>" + ltrHtml(time.utc) + " \u00b7 " + ltrHtml(time.local) + "</div>";
    if (perVessel.every(function (x) { return x === null; })) {
      h += "<div class='sw-note'>" + esc(this.msg("popup.no_data")) + "</div></div>";
      L.popup({ maxWidth: 360 }).setLatLng(latlng).setContent(h).openOn(this.map);
      return;
    }
    h += "<table class='sw-hazard-table'><tr><th>" + esc(this.msg("popup.vessel")) + "</th><th>" +
      esc(this.msg("popup.hazard")) + "</th><th>" + esc(this.msg("popup.rule")) + "</th></tr>";
    D.vessels.forEach(function (v, i) {
      var x = perVessel[i];
      var cell = x ? "<span class='sw-chip' style='background:" + D.colours[x[0]] + ";color:" + D.textColours[x[0]] + "'>" +
        esc(D.levels[x[0]].word) + "</span>" : "\u2013";
      h += "<tr data-vessel='" + esc(v) + "'><td>" + esc(D.vesselLabels[v]) + "</td><td>" + cell + "</td><td>" +
        esc(x ? self._drivers(x[1]) : "") + "</td></tr>";
    });
    h += "</table>";
    var A = D.atlas;
    if (A && this.atlas) {
      var i = Math.round((latlng.lng - A.lon0) / A.dlon), j = Math.round((latlng.lat - A.lat0) / A.dlat);
      if (i >= 0 && i < A.nx && j >= 0 && j < A.ny) {
        var val = function (n) { return self.atlasValue(n, t, j, i); };
        var rows = [];
        var num = function (x, d) { return isFinite(x) ? x.toFixed(d) : "\u2013"; };
        if (A.vars.hs) rows.push([this.msg("popup.hs"), fmt(this.msg("unit.m"), { v: num(val("hs"), 1) })]);
        if (A.vars.period) rows.push([this.msg("popup.period"), fmt(this.msg("unit.s"), { v: num(val("period"), 1) })]);
        if (A.vars.u10) {
          var u = val("u10"), w = val("v10"), spd = Math.sqrt(u * u + w * w) * KN_PER_MS;
          var from = (Math.atan2(-u, -w) * 180) / Math.PI;
          from = (from + 360) % 360;
          rows.push([this.msg("popup.wind"), isFinite(spd) ? fmt(this.msg("unit.kn_from"), { v: spd.toFixed(0), dir: from.toFixed(0) }) : "\u2013"]);
        }
        if (A.vars.gust) rows.push([this.msg("popup.gust"), fmt(this.msg("unit.kn"), { v: num(val("gust") * KN_PER_MS, 0) })]);
        if (A.vars.uo) {
          var cu = val("uo"), cv = val("vo"), cs = Math.sqrt(cu * cu + cv * cv) * KN_PER_MS;
          var to = ((Math.atan2(cu, cv) * 180) / Math.PI + 360) % 360;
          rows.push([this.msg("popup.current"), isFinite(cs) ? fmt(this.msg("unit.kn_towards"), { v: cs.toFixed(1), dir: to.toFixed(0) }) : "\u2013"]);
        }
        if (A.vars.sst) rows.push([this.msg("popup.sst"), fmt(this.msg("unit.degc"), { v: num(val("sst"), 1) })]);
        if (A.vars.survival_hours) {
          var sh = val("survival_hours");
          rows.push([this.msg("popup.survival"), !isFinite(sh) ? "\u2013" : sh >= 25.4 ? this.msg("unit.h_more") : fmt(this.msg("unit.h"), { v: sh.toFixed(1) })]);
        }
        h += "<table class='sw-values'>";
        rows.forEach(function (r) { h += "<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>"; });
        h += "</table><div class='sw-note'>" + fmt(esc(this.msg("popup.node")), { pos: "<bdi dir='ltr'>" + esc(ddmPair(A.lat0 + j * A.dlat, A.lon0 + i * A.dlon, 1)) + "</bdi>" }) + "</div>";
      }
    }
    if (this._chartFor) h += "<div class='sw-chart' dir='ltr'></div>";
    h += "</div>";
    L.popup({ maxWidth: 380 }).setLatLng(latlng).setContent(h).openOn(this.map);
    if (this._chartFor) this._chartFor(latlng);
  };

  // ---- arrows and contours ----------------------------------------------------------------

  SeawatchMap.prototype._drawField = function (kind, canvas) {
    var A = this.D.atlas, map = this.map, t = this.t, self = this;
    var ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (kind === "contours") { this._drawContours(ctx); return; }
    if (kind === "wind" && this._drawBarbs) { this._drawBarbs(ctx); return; }
    var pts = map.latLngToContainerPoint([A.lat0, A.lon0]);
    var p2 = map.latLngToContainerPoint([A.lat0 + A.dlat, A.lon0 + A.dlon]);
    var spacing = Math.max(1, Math.ceil(36 / Math.max(1, Math.abs(p2.x - pts.x))));
    var uName = kind === "wind" ? "u10" : "uo", vName = kind === "wind" ? "v10" : "vo";
    ctx.strokeStyle = kind === "wind" ? this.D.windColour : this.D.currentColour;
    ctx.fillStyle = ctx.strokeStyle;
    ctx.lineWidth = 1.5;
    for (var j = 0; j < A.ny; j += spacing) {
      for (var i = 0; i < A.nx; i += spacing) {
        var u = self.atlasValue(uName, t, j, i), v = self.atlasValue(vName, t, j, i);
        if (!isFinite(u) || !isFinite(v)) continue;
        var p = map.latLngToContainerPoint([A.lat0 + j * A.dlat, A.lon0 + i * A.dlon]);
        if (p.x < -20 || p.y < -20 || p.x > canvas.width + 20 || p.y > canvas.height + 20) continue;
        var kn = Math.sqrt(u * u + v * v) * KN_PER_MS;
        var len = kind === "wind" ? Math.min(34, 4 + kn * 0.9) : Math.min(34, 4 + kn * 18);
        var ang = Math.atan2(-v, u);
        var x2 = p.x + len * Math.cos(ang), y2 = p.y + len * Math.sin(ang);
        ctx.beginPath(); ctx.moveTo(p.x, p.y); ctx.lineTo(x2, y2); ctx.stroke();
        ctx.beginPath();
        ctx.moveTo(x2, y2);
        ctx.lineTo(x2 - 6 * Math.cos(ang - 0.45), y2 - 6 * Math.sin(ang - 0.45));
        ctx.lineTo(x2 - 6 * Math.cos(ang + 0.45), y2 - 6 * Math.sin(ang + 0.45));
        ctx.closePath(); ctx.fill();
      }
    }
  };

  // Marching squares on the hs node grid, one pass per level; segments are drawn directly.
  SeawatchMap.prototype._drawContours = function (ctx) {
    var A = this.D.atlas, map = this.map, t = this.t, self = this;
    ctx.strokeStyle = this.D.contourColour;
    ctx.fillStyle = this.D.contourColour;
    ctx.lineWidth = 1.2;
    ctx.font = "11px sans-serif";
    var pt = function (j, i) { return map.latLngToContainerPoint([A.lat0 + j * A.dlat, A.lon0 + i * A.dlon]); };
    this.D.contourLevels.forEach(function (level) {
      var labelled = 0;
      for (var j = 0; j < A.ny - 1; j++) {
        for (var i = 0; i < A.nx - 1; i++) {
          var z = [self.atlasValue("hs", t, j, i), self.atlasValue("hs", t, j, i + 1),
            self.atlasValue("hs", t, j + 1, i + 1), self.atlasValue("hs", t, j + 1, i)];
          if (!z.every(isFinite)) continue;
          var corners = [[j, i], [j, i + 1], [j + 1, i + 1], [j + 1, i]];
          var cross = [];
          for (var e = 0; e < 4; e++) {
            var a = z[e], b = z[(e + 1) % 4];
            if ((a < level) !== (b < level)) {
              var f = (level - a) / (b - a), c0 = corners[e], c1 = corners[(e + 1) % 4];
              cross.push([c0[0] + f * (c1[0] - c0[0]), c0[1] + f * (c1[1] - c0[1])]);
            }
          }
          for (var k = 0; k + 1 < cross.length; k += 2) {
            var p = pt(cross[k][0], cross[k][1]), q = pt(cross[k + 1][0], cross[k + 1][1]);
            ctx.beginPath(); ctx.moveTo(p.x, p.y); ctx.lineTo(q.x, q.y); ctx.stroke();
            if ((i * 7 + j * 13) % 29 === 0 && labelled < 12) {
              ctx.fillText(fmt(self.msg("unit.m"), { v: level }), p.x + 2, p.y - 2);
              labelled += 1;
            }
          }
        }
      }
    });
  };

  // ---- incidents --------------------------------------------------------------------------

  SeawatchMap.prototype._buildIncidents = function () {
    var self = this, D = this.D, I = D.incidents;
    if (!I) return null;
    var group = L.markerClusterGroup({
      maxClusterRadius: 40,
      showCoverageOnHover: false,
      // A cluster is a count, not a button: a tap on it goes through to the sea underneath (the
      // point forecast); zooming in (or the whole history's density layer) shows what is there.
      zoomToBoundsOnClick: false,
      spiderfyOnMaxZoom: false,
      disableClusteringAtZoom: 10,
      iconCreateFunction: function (cluster) {
        var n = cluster.getChildCount();
        var size = n < 10 ? 28 : n < 100 ? 34 : 40;
        return L.divIcon({ html: "<div><span>" + n + "</span></div>", className: "sw-cluster", iconSize: L.point(size, size) });
      },
    });
    var markers = I.rows.map(function (r) {
      var m = L.circleMarker([r.lat, r.lon], {
        radius: 6, color: "#ffffff", weight: 1.5, fillColor: r.colour, fillOpacity: 0.95, pane: "markerPane",
      });
      m.swTime = r.epoch;
      m.bindPopup(function () { return self._incidentPopup(r); }, { maxWidth: 380 });
      return m;
    });
    this.incidentMarkers = markers;
    this.incidentGroup = group;
    // Open on the last 7 days only, even when that shows none (the filter says so): the whole
    // history is the density layer, off by default.
    var initial = "7d";
    this._filterIncidents(initial);
    var Filter = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "sw-panel sw-filter");
        div.setAttribute("dir", document.documentElement.getAttribute("dir") || "ltr");
        L.DomEvent.disableClickPropagation(div);
        var h = "<b>" + esc(self.msg("filter.title")) + "</b> ";
        [["24h", "filter.24h"], ["7d", "filter.7d"], ["all", "filter.all"]].forEach(function (f) {
          h += "<label><input type='radio' name='sw-filter' value='" + f[0] + "'" + (f[0] === initial ? " checked" : "") + "> " +
            esc(self.msg(f[1])) + "</label> ";
        });
        h += "<span class='sw-count'></span>";
        div.innerHTML = h;
        self.filterCount = div.querySelector(".sw-count");
        self._updateCount();
        Array.prototype.forEach.call(div.querySelectorAll("input"), function (r) {
          r.addEventListener("change", function () { if (r.checked) self._filterIncidents(r.value); });
        });
        return div;
      },
    });
    new Filter({ position: "topleft" }).addTo(this.map);
    return group;
  };

  SeawatchMap.prototype._filterIncidents = function (which) {
    var now = this.D.incidents.now;
    var span = which === "24h" ? 86400 : which === "7d" ? 7 * 86400 : Infinity;
    var keep = this.incidentMarkers.filter(function (m) { return now - m.swTime <= span && m.swTime <= now + 3600; });
    if (which === "all") keep = this.incidentMarkers;
    this.incidentGroup.clearLayers();
    this.incidentGroup.addLayers(keep);
    this.incidentShown = keep.length;
    this.incidentFilter = which;
    this._updateCount();
    this.map.getContainer().setAttribute("data-sw-incidents", String(keep.length));
  };

  SeawatchMap.prototype._updateCount = function () {
    if (!this.filterCount) return;
    var none = this.incidentShown === 0 && this.incidentFilter !== "all";
    this.filterCount.textContent = none ? this.msg("map.timeline.no_incidents_" + this.incidentFilter)
      : fmt(this.msg("filter.count"), { n: this.incidentShown });
    this.filterCount.classList.toggle("sw-none", none);
  };

  SeawatchMap.prototype._incidentPopup = function (r) {
    var self = this, I = this.D.incidents;
    var h = "<div class='sw-popup' dir='" + (document.documentElement.getAttribute("dir") || "ltr") + "'>";
    h += "<div class='sw-popup-title'><span class='sw-dot' style='background:" + r.colour + "'></span>" + esc(r.status_label) + "</div>";
    h += "<table class='sw-values'>";
    I.fields.forEach(function (f) {
      var v = r[f];
      if (f === "position") v = ddmPair(r.lat, r.lon, 3);
      if (v === null || v === undefined || v === "") return;
      if (f === "url") {
        h += "<tr><th>" + esc(self.msg("incident." + f)) + "</th><td><a href='" + esc(v) + "' target='_blank' rel='noopener'>" + esc(v) + "</a></td></tr>";
        return;
      }
      h += "<tr><th>" + esc(self.msg("incident." + f)) + "</th><td>" + esc(v) + "</td></tr>";
    });
    return h + "</table></div>";
  };

  // ---- graticule and ruler ----------------------------------------------------------------

  SeawatchMap.prototype._buildGraticule = function (bounds) {
    var g = L.layerGroup(), s = Math.floor(bounds.getSouth()), n = Math.ceil(bounds.getNorth());
    var w = Math.floor(bounds.getWest()), e = Math.ceil(bounds.getEast());
    var style = { color: "#5a6b7b", weight: 0.6, opacity: 0.6, interactive: false, dashArray: "2 4" };
    for (var lat = s; lat <= n; lat++) {
      g.addLayer(L.polyline([[lat, w], [lat, e]], style));
      g.addLayer(L.marker([lat, w], { interactive: false, icon: L.divIcon({ className: "sw-grat" + (lat % 2 ? " sw-grat-odd" : ""), html: ddm(lat, "lat", 0).replace("00'", ""), iconSize: null }) }));
    }
    for (var lon = w; lon <= e; lon++) {
      g.addLayer(L.polyline([[s, lon], [n, lon]], style));
      g.addLayer(L.marker([s, lon], { interactive: false, icon: L.divIcon({ className: "sw-grat" + (lon % 2 ? " sw-grat-odd" : ""), html: ddm(lon, "lon", 0).replace("00'", ""), iconSize: null }) }));
    }
    return g;
  };

  SeawatchMap.prototype._buildRuler = function () {
    var self = this;
    var Ruler = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "leaflet-bar sw-ruler");
        var a = L.DomUtil.create("a", "", div);
        a.href = "#";
        a.setAttribute("role", "button");
        a.title = self.msg("ruler.title");
        a.textContent = "NM";
        L.DomEvent.on(a, "click", function (e) {
          L.DomEvent.stop(e);
          if (self.measuring) self._stopMeasure(); else self._startMeasure();
        });
        self.rulerButton = a;
        return div;
      },
    });
    new Ruler({ position: "topleft" }).addTo(this.map);
  };

  SeawatchMap.prototype._startMeasure = function () {
    var self = this;
    this.measuring = true;
    this.rulerButton.classList.add("sw-active");
    if (this.rulerLine) this.map.removeLayer(this.rulerLine);
    this.rulerPoints = [];
    this.rulerLine = L.polyline([], { color: "#d7191c", weight: 2, dashArray: "6 4" }).addTo(this.map);
    this.map.getContainer().style.cursor = "crosshair";
    this._rulerClick = function (e) {
      self.rulerPoints.push(e.latlng);
      self.rulerLine.setLatLngs(self.rulerPoints);
      var total = 0;
      for (var k = 1; k < self.rulerPoints.length; k++) total += self.rulerPoints[k - 1].distanceTo(self.rulerPoints[k]);
      var text = fmt(self.msg("ruler.total"), { nm: (total / NM_M).toFixed(1) });
      if (self.rulerPoints.length > 1) {
        var a = self.rulerPoints[self.rulerPoints.length - 2], b = e.latlng;
        var p1 = (a.lat * Math.PI) / 180, p2 = (b.lat * Math.PI) / 180, dl = ((b.lng - a.lng) * Math.PI) / 180;
        var brg = (Math.atan2(Math.sin(dl) * Math.cos(p2), Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl)) * 180) / Math.PI;
        text += " \u00b7 " + fmt(self.msg("ruler.leg"), { nm: (a.distanceTo(b) / NM_M).toFixed(1), brg: ((brg + 360) % 360).toFixed(0) });
      }
      self.rulerLine.bindTooltip(text, { permanent: true, direction: "right", className: "sw-ruler-tip" }).openTooltip(e.latlng);
      self.map.getContainer().setAttribute("data-sw-ruler-nm", (total / NM_M).toFixed(2));
    };
    this.map.on("click", this._rulerClick);
  };

  SeawatchMap.prototype._stopMeasure = function () {
    this.measuring = false;
    this.rulerButton.classList.remove("sw-active");
    this.map.off("click", this._rulerClick);
    this.map.getContainer().style.cursor = "";
  };

  // ---- language of Leaflet's own controls, and the phone layout ---------------------------
  // (seawatch-map.css "Phones"; every string from the catalogue: map.* keys)

  SeawatchMap.prototype._localise = function () {
    var self = this, c = this.map.getContainer();
    var label = function (selector, key) {
      Array.prototype.forEach.call(c.querySelectorAll(selector), function (el) {
        el.title = self.msg(key);
        el.setAttribute("aria-label", self.msg(key));
      });
    };
    label(".leaflet-control-zoom-in", "map.zoom_in");
    label(".leaflet-control-zoom-out", "map.zoom_out");
    label(".leaflet-control-layers-toggle", "map.layers");
    if (this.rulerButton) this.rulerButton.textContent = this.msg("map.ruler_button");
    this.map.on("popupopen", function (e) {
      var close = e.popup.getElement() && e.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.title = self.msg("map.close_popup"); close.setAttribute("aria-label", self.msg("map.close_popup")); }
    });
    // The last position tapped or clicked stays shown, in DDM (a phone has no pointer to follow).
    var position = c.querySelector(".leaflet-control-mouseposition");
    if (position) {
      this.map.on("click", function (e) {
        position.textContent = ddmPair(e.latlng.lat, e.latlng.lng, 3);
        c.setAttribute("data-sw-tapped", position.textContent);
      });
    }
  };

  SeawatchMap.prototype._phoneLayout = function (bounds) {
    var self = this, map = this.map, c = map.getContainer();
    if (!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches)) return;
    c.classList.add("sw-phone");
    // Small buttons go to one column on the right, under the layers button; the left keeps
    // the forecast run and the incident filter, the bottom the time and boat-type controls.
    var right = map._controlCorners.topright;
    if (map.zoomControl) right.appendChild(map.zoomControl.getContainer());
    if (this.rulerButton) right.appendChild(this.rulerButton.parentNode);
    var position = c.querySelector(".leaflet-control-mouseposition");
    if (position) position.textContent = this.msg("map.position_tap");
    // Short boat-type names (the long one in the tooltip) keep the three buttons on one line.
    Array.prototype.forEach.call(c.querySelectorAll("input[name=sw-vessel]"), function (input) {
      var short = self.D.vesselShort && self.D.vesselShort[input.value], text = input.nextSibling;
      if (!short || !text || text.nodeType !== 3) return;
      input.parentNode.title = self.D.vesselLabels[input.value];
      text.textContent = " " + short;
    });
    // The bottom-right controls (legend, position, credits) sit above the time panel.
    var panel = c.querySelector(".sw-time");
    var lift = function () { if (panel) c.style.setProperty("--sw-bottom", panel.offsetHeight + 10 + "px"); };
    lift();
    if (window.ResizeObserver && panel) new ResizeObserver(lift).observe(panel);
    // Open on the forecast area filling the free band between the top and bottom controls, and
    // keep popups clear of them.
    var below = function (selector) {
      var y = 0;
      Array.prototype.forEach.call(c.querySelectorAll(selector), function (el) { y = Math.max(y, el.offsetTop + el.offsetHeight); });
      return y;
    };
    var top = below(".leaflet-top.leaflet-left .leaflet-control"), bottom = 0;
    if (panel) bottom = c.clientHeight - panel.getBoundingClientRect().top + c.getBoundingClientRect().top;
    map.options.zoomSnap = 0.25;
    map.fitBounds(bounds, { paddingTopLeft: [0, top], paddingBottomRight: [0, bottom] });
    // A popup is as wide as the screen: it also keeps below the right-hand buttons (its close
    // button would be under them).
    var popupTop = Math.max(top, below(".leaflet-top.leaflet-right .leaflet-control"));
    L.Popup.mergeOptions({ autoPanPaddingTopLeft: L.point(8, popupTop + 8), autoPanPaddingBottomRight: L.point(8, bottom + 8) });
    // A popup taller than the free band between the right-hand buttons and the time panel
    // would have its foot (Edit, Retract, the chart) under the panel, out of reach of a tap:
    // it is fitted into the band as it is when the popup opens and its content scrolls.
    map.on("popupopen", function (e) { self._fitPopup(e.popup); });
    c.setAttribute("data-sw-layout", "phone");
  };

  SeawatchMap.prototype._fitPopup = function (popup) {
    var c = this.map.getContainer(), box = c.getBoundingClientRect(), node = popup.getElement();
    var content = node && node.querySelector(".leaflet-popup-content");
    if (!content) return;
    var top = 0, bottom = Math.min(c.clientHeight, window.innerHeight - box.top);
    Array.prototype.forEach.call(c.querySelectorAll(".leaflet-top.leaflet-right .leaflet-control, .leaflet-top.leaflet-left .leaflet-control"), function (el) {
      // only what the popup, as wide as the screen, would run into
      if (el.offsetWidth) top = Math.max(top, el.getBoundingClientRect().bottom - box.top);
    });
    // the time panel and what sits on it (scale, legend)
    Array.prototype.forEach.call(c.querySelectorAll(".leaflet-bottom .leaflet-control"), function (el) {
      if (el.offsetWidth) bottom = Math.min(bottom, el.getBoundingClientRect().top - box.top);
    });
    var margin = 8, chrome = node.offsetHeight - content.offsetHeight;
    if (popup._swOwnMaxHeight === undefined) popup._swOwnMaxHeight = popup.options.maxHeight || Infinity;
    popup.options.autoPanPaddingTopLeft = L.point(margin, top + margin);
    popup.options.autoPanPaddingBottomRight = L.point(margin, c.clientHeight - bottom + margin);
    // 120 px: below that a popup cannot show anything useful; the map pans as far as it can.
    popup.options.maxHeight = Math.max(120, Math.min(popup._swOwnMaxHeight, bottom - top - 2 * margin - chrome));
    popup.update();
  };

  // Printing (seawatch-map.css "Print"; seawatch map --print): the legend opens and the map
  // re-measures the page; afterwards the legend folds back if it was folded.
  SeawatchMap.prototype._printSupport = function () {
    var self = this, wasOpen = null;
    var before = function () {
      var d = self.map.getContainer().querySelector(".sw-legend details");
      if (d && wasOpen === null) { wasOpen = d.open; d.open = true; }
      self.map.invalidateSize({ pan: false });
    };
    var after = function () {
      var d = self.map.getContainer().querySelector(".sw-legend details");
      if (d && wasOpen !== null) d.open = wasOpen;
      wasOpen = null;
      self.map.invalidateSize({ pan: false });
    };
    window.addEventListener("beforeprint", before);
    window.addEventListener("afterprint", after);
    if (window.matchMedia) {
      var print = window.matchMedia("print");
      var change = function (e) { if (e.matches) before(); else after(); };
      if (print.addEventListener) print.addEventListener("change", change);
    }
  };

  window.SeawatchMap = SeawatchMap;
  window.seawatchDdm = ddm;
  // One copy of the small text helpers for the map's other scripts (tools, drift, timeline).
  window.seawatchText = { esc: esc, fmt: fmt, ltrHtml: ltrHtml };
})();
