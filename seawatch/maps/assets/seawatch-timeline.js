/*! seawatch departure timeline, routes and incident density (AGPL-3.0-or-later).
 * Runs after seawatch-map.js on window.seawatchMap; reads D.timeline, D.worst and D.density
 * (made by seawatch.maps.timeline) and draws nothing of what is absent. */
(function () {
  "use strict";

  var NO_DATA = "#e3e3e3";
  var ROUTE_CASING = "#333333";
  var UNKNOWN_ROUTE = "#8c8c8c";
  var THUMB_INSET = 8; // half of Chrome's range thumb (px): where the slider's first step sits
  var FSI = "\u2068", PDI = "\u2069"; // bidi isolation in plain text (tooltips)

  var esc = window.seawatchText.esc; // from seawatch-map.js, loaded first
  var fmt = window.seawatchText.fmt;

  function utcText(ms) {
    return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function phone() {
    return !!(window.matchMedia && window.matchMedia("(max-width: 600px)").matches);
  }

  function SeawatchTimeline(m) {
    this.m = m;
    if (!m) return;
    var D = m.D;
    this.D = D;
    this.T = D.timeline;
    this.W = D.worst;
    this.rtl = (document.documentElement.getAttribute("dir") || "ltr") === "rtl";
    if (D.density) this._buildDensity();
    this.ready = !this.T;
    if (!this.T) return;
    this.n = D.times.length;
    this.area = null; // selected departure area (index), for the slider marks
    this.period = null; // index of the "worst in the next" period shown, or null (hourly)
    this.shownVessel = null; // boat type the grid is painted for
    this.marksVessel = null; // ... and the slider marks
    // Built once the first hazard frame is on screen: the sea first, then the timeline.
    var self = this, started = false;
    var start = function () {
      if (started) return;
      started = true;
      requestAnimationFrame(function () { setTimeout(function () { self._start(); }, 0); });
    };
    if (m.firstFrameAt !== null) start();
    else m.listeners.push(start);
  }

  SeawatchTimeline.prototype._start = function () {
    var self = this, m = this.m, root = document.documentElement.style;
    root.setProperty("--sw-tl-win", this.T.colours.window);
    root.setProperty("--sw-tl-trap", this.T.colours.trap);
    UNKNOWN_ROUTE = this.T.colours.unknown || UNKNOWN_ROUTE;
    this._buildRoutes();
    this._buildPanel();
    this._buildSliderMarks();
    m.timeListeners.push(function (t, vessel) { self._onTime(t, vessel); });
    m.map.on("popupopen", function (e) { self._notePopup(e.popup); });
    window.addEventListener("resize", function () { self._layout(); });
    this._onTime(m.t, m.vessel);
    this.ready = true;
    m.map.getContainer().setAttribute("data-sw-timeline-ready", "1");
  };

  SeawatchTimeline.prototype.msg = function (key, fields) { return this.m.msg(key, fields); };

  SeawatchTimeline.prototype._levelWord = function (ch) {
    return ch === "-" || ch === undefined ? this.msg("map.timeline.no_data") : this.D.levels[+ch].word;
  };

  // ---- panel ------------------------------------------------------------------------------

  SeawatchTimeline.prototype._buildPanel = function () {
    var self = this, D = this.D;
    var el = document.createElement("div");
    el.className = "sw-timeline";
    el.setAttribute("dir", this.rtl ? "rtl" : "ltr");
    el.setAttribute("role", "region");
    el.setAttribute("aria-label", this.msg("map.timeline.title"));
    var h = "<div class='sw-tl-bar'>";
    h += "<button type='button' class='sw-tl-toggle' aria-expanded='true'><span class='sw-tl-arrow'>\u25be</span> " +
      esc(this.msg("map.timeline.open")) + "</button>";
    h += "<span class='sw-tl-extra'><span class='sw-tl-for'></span>";
    h += "<span class='sw-tl-views' role='group'><span>" + esc(this.msg("map.timeline.worst")) + "</span>";
    (this.W ? this.W.periods : []).forEach(function (p, i) {
      h += "<button type='button' class='sw-tl-view' data-p='" + i + "' title='" + esc(p.title) + "' aria-pressed='false'>" +
        esc(p.label) + "</button>";
    });
    h += "<button type='button' class='sw-tl-view sw-tl-hourly' aria-pressed='true'>" + esc(this.msg("map.timeline.hourly")) + "</button></span>";
    h += "<span class='sw-tl-key'><span class='sw-tl-k sw-tl-k-win'></span>" + esc(this.msg("map.timeline.window")) +
      " <span class='sw-tl-k sw-tl-k-trap'></span>" + esc(this.msg("map.timeline.trap")) +
      " <span class='sw-tl-k sw-tl-k-now'></span>" + esc(this.msg("map.timeline.now")) + "</span>";
    h += "<span class='sw-tl-viewtitle' role='status'></span>" +
      "<span class='sw-tl-picked' role='status' aria-live='polite' hidden></span></span></div><div class='sw-tl-body'></div>";
    el.innerHTML = h;
    document.body.appendChild(el);
    this.el = el;
    this.body = el.querySelector(".sw-tl-body");
    this.viewTitle = el.querySelector(".sw-tl-viewtitle");
    this.picked = el.querySelector(".sw-tl-picked");
    this.forText = el.querySelector(".sw-tl-for");
    this.forText.textContent = D.vesselLabels[this.m.vessel];
    Array.prototype.forEach.call(el.querySelectorAll(".sw-tl-view"), function (b) {
      b.addEventListener("click", function () {
        if (b.hasAttribute("data-p")) self.showWorst(+b.getAttribute("data-p"), null);
        else self.m.setTime(self.m.t);
      });
    });
    var toggle = el.querySelector(".sw-tl-toggle");
    toggle.addEventListener("click", function () { self.setOpen(el.classList.contains("sw-tl-collapsed")); });
    // A phone opens on the map: the timeline is one button until tapped (and built then).
    this.setOpen(!phone());
    if (window.ResizeObserver) new ResizeObserver(function () { self._dock(); }).observe(el);
    this._dock();
  };

  // The grid: label, three "worst in the next" columns, one column per step.
  SeawatchTimeline.prototype._buildGrid = function () {
    if (this.grid) return;
    var self = this, T = this.T, n = this.n, el = this.el;
    var g = "<div class='sw-tl-corner' title='" + esc(this.msg("map.timeline.title")) + "'>" + esc(this.msg("map.timeline.area")) + "</div>";
    g += "<div class='sw-tl-sumhead' style='grid-column: span " + (this.W ? this.W.periods.length : 0) + "'></div>";
    T.days.forEach(function (d) {
      g += "<div class='sw-tl-day' style='grid-column: span " + d.n + "'><bdi>" + esc(d.weekday) + "</bdi> <bdi dir='ltr'>" +
        esc(d.date) + "</bdi></div>";
    });
    g += "<div class='sw-tl-corner sw-tl-hint'>UTC</div>";
    (this.W ? this.W.periods : []).forEach(function (p, i) {
      g += "<div class='sw-tl-sumh' data-p='" + i + "' title='" + esc(p.title) + "'><bdi>" + esc(p.hours) + "</bdi></div>";
    });
    var dayStart = {};
    T.days.forEach(function (d) { dayStart[d.start] = true; });
    for (var t = 0; t < n; t++) {
      var hr = T.hours[t];
      g += "<div class='sw-tl-hour" + (dayStart[t] ? " d" : "") + "'>" + (hr % 6 === 0 ? "<span>" + (hr < 10 ? "0" : "") + hr + "</span>" : "") + "</div>";
    }
    T.areas.forEach(function (a, k) {
      g += "<div class='sw-tl-label' data-a='" + k + "' title='" + esc(a.name) + "' role='button' tabindex='0'>" + esc(a.name) + "</div>";
      (self.W ? self.W.periods : []).forEach(function (p, i) {
        g += "<div class='sw-tl-sum' data-a='" + k + "' data-p='" + i + "'></div>";
      });
      var cells = "";
      for (var s = 0; s < n; s++) {
        cells += "<div class='sw-tl-c" + (dayStart[s] ? " d" : "") + "' data-a='" + k + "' data-t='" + s +
          "' role='button' tabindex='-1' aria-describedby='sw-tl-keys'></div>";
      }
      g += cells;
    });
    if (!T.areas.length) {
      // an area of interest that holds no departure area: say so rather than show empty rows
      g += "<div class='sw-tl-none' style='grid-column: 1 / -1; padding: 4px 6px; position: relative; z-index: 5; background: #fff;'>" + esc(this.msg("map.timeline.no_area")) + "</div>";
    }
    g += "<div class='sw-tl-period' hidden></div><div class='sw-tl-cursor'></div>";
    if (T.now !== null && T.now !== undefined) {
      g += "<div class='sw-tl-nowline' title='" + esc(this.msg("map.timeline.now")) + "'></div>";
    }
    this.body.innerHTML = "<div class='sw-tl-grid' title='" + esc(this.msg("map.timeline.cell_hint")) + "'>" + g + "</div>" +
      "<span id='sw-tl-keys' hidden>" + esc(this.msg("map.timeline.cell_keys")) + "</span>";
    this.grid = el.querySelector(".sw-tl-grid");
    this.grid.style.setProperty("--sw-tl-n", String(n));
    this.grid.style.setProperty("--sw-tl-sums", String(this.W ? this.W.periods.length : 0));
    if (T.now !== null && T.now !== undefined) this.grid.style.setProperty("--sw-tl-now", String(T.now));
    this.cursor = el.querySelector(".sw-tl-cursor");
    this.periodBox = el.querySelector(".sw-tl-period");
    this.cells = T.areas.map(function () { return new Array(n); });
    Array.prototype.forEach.call(el.querySelectorAll(".sw-tl-c"), function (c) {
      self.cells[+c.getAttribute("data-a")][+c.getAttribute("data-t")] = c;
    });
    this.sums = Array.prototype.slice.call(el.querySelectorAll(".sw-tl-sum"));
    this.labels = Array.prototype.slice.call(el.querySelectorAll(".sw-tl-label"));

    this.grid.addEventListener("click", function (e) {
      var c = e.target.closest("[data-a], .sw-tl-sumh") || self._cellAt(e.clientX, e.clientY);
      if (!c) return;
      var a = c.hasAttribute("data-a") ? +c.getAttribute("data-a") : null;
      if (c.hasAttribute("data-t")) {
        self.select(a, +c.getAttribute("data-t"));
        self._showPicked(a, +c.getAttribute("data-t"));
      }
      else if (c.hasAttribute("data-p")) self.showWorst(+c.getAttribute("data-p"), a);
      else self.select(a, null);
    });
    // Keyboard: Enter or Space on an area name zooms to it. Each row's hours are one stop in
    // the tab order (the hour shown); in a row the arrow keys move the hour (later is to the
    // left right to left, as on the slider) and the area, Home / End go to the first / last
    // hour, Enter or Space shows that hour zoomed to the area, as a click does.
    this.grid.addEventListener("keydown", function (e) {
      var c = e.target.closest(".sw-tl-label");
      if (c) {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        e.stopPropagation();
        self.select(+c.getAttribute("data-a"), null);
        return;
      }
      c = e.target.closest(".sw-tl-c");
      if (!c) return;
      var a = +c.getAttribute("data-a"), t = +c.getAttribute("data-t"), na = a, nt = t;
      var later = self.rtl ? "ArrowLeft" : "ArrowRight", earlier = self.rtl ? "ArrowRight" : "ArrowLeft";
      if (e.key === later) nt = Math.min(self.n - 1, t + 1);
      else if (e.key === earlier) nt = Math.max(0, t - 1);
      else if (e.key === "ArrowDown") na = Math.min(self.cells.length - 1, a + 1);
      else if (e.key === "ArrowUp") na = Math.max(0, a - 1);
      else if (e.key === "Home") nt = 0;
      else if (e.key === "End") nt = self.n - 1;
      else if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      e.stopPropagation(); // the page's own arrow keys would move the hour a second time
      if (e.key === "Enter" || e.key === " ") {
        self.select(a, t);
        self._showPicked(a, t);
        return;
      }
      if (nt !== self.m.t) self.m.setTime(nt);
      self._focusCell(na, nt);
    });
    this.grid.addEventListener("mouseover", function (e) {
      var c = e.target.closest(".sw-tl-c");
      if (c) c.title = self._cellText(+c.getAttribute("data-a"), +c.getAttribute("data-t"));
    });
    this.shownVessel = null;
    this._markRow(this.area);
    this._layout();
    this._onTime(this.m.t, this.m.vessel);
  };

  SeawatchTimeline.prototype.setOpen = function (open) {
    var el = this.el, toggle = el.querySelector(".sw-tl-toggle");
    el.classList.toggle("sw-tl-collapsed", !open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.title = this.msg(open ? "map.timeline.close" : "map.timeline.open");
    el.querySelector(".sw-tl-arrow").textContent = open ? "\u25be" : "\u25b4";
    this.m.map.getContainer().setAttribute("data-sw-timeline", open ? "open" : "closed");
    if (open) this._buildGrid();
    this._layout();
    if (open) this._scrollToCursor();
  };

  // The map keeps the screen above the timeline (nothing of the sea hides under it).
  SeawatchTimeline.prototype._dock = function () {
    var c = this.m.map.getContainer(), h = this.el.offsetHeight;
    var want = "calc(100% - " + h + "px)";
    if (c.style.height !== want) {
      c.style.height = want;
      this.m.map.invalidateSize({ pan: false });
      this._layoutMarks();
    }
  };

  SeawatchTimeline.prototype._layout = function () {
    if (!this.grid) { this._dock(); return; }
    var label = phone() ? 84 : 124, sum = phone() ? 22 : 26;
    var periods = this.W ? this.W.periods.length : 0;
    var avail = this.body.clientWidth - label - periods * sum - 6;
    var cell = phone() ? 7 : Math.max(4, Math.min(18, Math.floor(avail / this.n)));
    this.grid.style.setProperty("--sw-tl-label", label + "px");
    this.grid.style.setProperty("--sw-tl-sum", sum + "px");
    this.grid.style.setProperty("--sw-tl-cell", cell + "px");
    this._placeCursor();
    this._dock();
    this._layoutMarks();
  };

  SeawatchTimeline.prototype._scrollToCursor = function () {
    if (!this.cells || !this.cells.length || this.el.classList.contains("sw-tl-collapsed")) return;
    var body = this.body, cell = this.cells[0][this.m.t];
    if (!cell || body.scrollWidth <= body.clientWidth) return;
    var br = body.getBoundingClientRect(), cr = cell.getBoundingClientRect();
    body.scrollLeft += cr.left + cr.width / 2 - (br.left + br.width / 2);
  };

  SeawatchTimeline.prototype._paint = function (vessel) {
    var T = this.T, D = this.D, self = this;
    var lv = T.level[vessel], win = T.window[vessel], trap = T.trap[vessel];
    T.areas.forEach(function (a, k) {
      var row = self.cells[k], L = lv[k], Wn = win[k], X = trap[k];
      for (var t = 0; t < self.n; t++) {
        var ch = L.charAt(t), c = row[t];
        c.style.backgroundColor = ch === "-" ? NO_DATA : D.colours[+ch];
        c.classList.toggle("w", Wn.charAt(t) === "1");
        c.classList.toggle("x", X.charAt(t) === "1");
      }
    });
    var periods = this.W ? this.W.periods.length : 0;
    this.sums.forEach(function (c) {
      var k = +c.getAttribute("data-a"), p = +c.getAttribute("data-p");
      var v = T.worst[vessel] ? T.worst[vessel][k][p] : -1;
      c.style.backgroundColor = v < 0 ? NO_DATA : D.colours[v];
      c.title = T.areas[k].name + " \u00b7 " + self.W.periods[p].title + ": " + (v < 0 ? self.msg("map.timeline.no_data") : D.levels[v].word);
    });
  };

  SeawatchTimeline.prototype._cellText = function (a, t) {
    var T = this.T, v = this.m.vessel, time = this.D.times[t], day = null;
    T.days.forEach(function (d) { if (t >= d.start && t < d.start + d.n) day = d; });
    var parts = [T.areas[a].name, (day ? day.weekday + " " : "") + FSI + time.utc + PDI, this._levelWord(T.level[v][a].charAt(t))];
    if (T.window[v][a].charAt(t) === "1") parts.push(this.msg("map.timeline.window"));
    if (T.trap[v][a].charAt(t) === "1") parts.push(this.msg("map.timeline.trap"));
    return parts.join(" \u00b7 ");
  };

  // A timeline cell: the map at that hour, zoomed to the area and its routes.
  SeawatchTimeline.prototype.select = function (a, t) {
    var again = (t === null || t === undefined) && a !== null && a === this.area;
    if (again) a = null; // a second click on the selected name: all areas again
    this.area = a;
    var c = this.m.map.getContainer();
    c.setAttribute("data-sw-area", a === null ? "" : this.T.areas[a].id);
    this._markRow(a);
    this._drawMarks();
    this._styleRoutes(this.m.t, this.m.vessel);
    if (t !== null && t !== undefined) {
      this.m.setTime(t);
      if (a !== null) this._afterFrame(function (self) { self._zoomTo(a); });
    } else if (a !== null) {
      this._zoomTo(a);
    }
  };

  SeawatchTimeline.prototype._markRow = function (a) {
    (this.labels || []).forEach(function (l, k) { l.classList.toggle("sw-tl-sel", k === a); });
  };

  // Run after the new frame is painted (the hour first, then the flight to the area).
  SeawatchTimeline.prototype._afterFrame = function (callback) {
    var self = this, done = false;
    var go = function () {
      if (done) return;
      done = true;
      requestAnimationFrame(function () { setTimeout(function () { callback(self); }, 0); });
    };
    this.m.hazardLayer.once("load", go);
    setTimeout(go, 120); // same frame again: no load event
  };

  SeawatchTimeline.prototype._zoomTo = function (a) {
    var area = this.T.areas[a], pts = [];
    if (area.lat !== null && area.lon !== null) pts.push([area.lat, area.lon]);
    var self = this;
    area.routes.forEach(function (r) { (self.T.routes[r] ? self.T.routes[r].coords : []).forEach(function (p) { pts.push(p); }); });
    if (!pts.length) return;
    // Keep the area and its routes clear of the panels over the map's corners (time, info).
    var map = this.m.map, c = map.getContainer(), size = map.getSize();
    var stack = function (sel) {
      var el = c.querySelector(sel);
      return el ? Math.min(el.offsetHeight, size.y * 0.45) : 0;
    };
    var top = Math.max(stack(".leaflet-top.leaflet-left"), 0) * 0.5 + 16;
    var bottom = stack(".leaflet-bottom.leaflet-left") + 16;
    if (top + bottom > size.y - 120) { top = 16; bottom = Math.max(16, size.y - 136); }
    var opts = { paddingTopLeft: [16, top], paddingBottomRight: [16, bottom], maxZoom: 9 };
    if (pts.length === 1) pts.push([pts[0][0] + 0.3, pts[0][1] + 0.3], [pts[0][0] - 0.3, pts[0][1] - 0.3]);
    map.fitBounds(L.latLngBounds(pts), opts);
  };

  // "Worst in the next 24 / 48 / 72 h": the maximum hazard of the period, same colours.
  SeawatchTimeline.prototype.showWorst = function (p, a) {
    var W = this.W, m = this.m;
    if (!W) return;
    var view = { hazard: {} };
    m.D.vessels.forEach(function (v) { view.hazard[v] = W.hazard[v][p]; });
    if (a !== null && a !== undefined) {
      this.area = a;
      m.map.getContainer().setAttribute("data-sw-area", this.T.areas[a].id);
      this._markRow(a);
      this._styleRoutes(m.t, m.vessel);
    }
    this.period = p;
    m.view = view;
    m.setTime(m.t, true);
    if (a !== null && a !== undefined) this._afterFrame(function (self) { self._zoomTo(a); });
  };

  SeawatchTimeline.prototype._onTime = function (t, vessel) {
    var m = this.m, c = m.map.getContainer();
    if (!m.view) this.period = null;
    if (this.grid && vessel !== this.shownVessel) {
      this._paint(vessel);
      this.shownVessel = vessel;
    }
    if (vessel !== this.marksVessel) {
      this.marksVessel = vessel;
      this.forText.textContent = this.D.vesselLabels[vessel];
      this._drawMarks();
    }
    var p = this.period, W = this.W;
    c.setAttribute("data-sw-view", p === null ? "hourly" : "worst" + W.periods[p].hours);
    Array.prototype.forEach.call(this.el.querySelectorAll(".sw-tl-view"), function (b) {
      var on = b.hasAttribute("data-p") ? +b.getAttribute("data-p") === p : p === null;
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    this.viewTitle.textContent = p === null ? "" : W.periods[p].title;
    if (this.viewNote) {
      this.viewNote.textContent = p === null ? "" : W.periods[p].title;
      this.viewNote.hidden = p === null;
    }
    this._placeCursor();
    this._rove(t);
    this._styleRoutes(t, vessel);
    this._moveMarkCursor();
  };

  // The cell of the hour shown is its row's stop in the tab order.
  SeawatchTimeline.prototype._rove = function (t) {
    if (!this.cells) return;
    var last = this.roved;
    this.cells.forEach(function (row) {
      if (last !== undefined && row[last]) row[last].tabIndex = -1;
      if (row[t]) row[t].tabIndex = 0;
    });
    this.roved = t;
  };

  SeawatchTimeline.prototype._focusCell = function (a, t) {
    this._rove(t);
    var c = this.cells[a][t];
    c.setAttribute("aria-label", this._cellText(a, t));
    c.focus();
  };

  // A tap on a phone (cells 7 px wide) names what it picked: area, day, hour, level.
  SeawatchTimeline.prototype._showPicked = function (a, t) {
    if (!this.picked || a === null || a === undefined) return;
    this.picked.textContent = this.msg("map.timeline.picked", { cell: this._cellText(a, t) });
    this.picked.hidden = false;
    this.picked.setAttribute("data-a", String(a));
    this.picked.setAttribute("data-t", String(t));
  };

  // The cell of the row under (x, y) nearest to x: a tap between two cells, or on a row's
  // margin, still picks an hour of that row.
  SeawatchTimeline.prototype._cellAt = function (x, y) {
    if (!this.cells) return null;
    for (var a = 0; a < this.cells.length; a++) {
      var row = this.cells[a], first = row[0].getBoundingClientRect(), lastR = row[this.n - 1].getBoundingClientRect();
      if (y < first.top - 1 || y > first.bottom + 1) continue;
      var lo = Math.min(first.left, lastR.left), hi = Math.max(first.right, lastR.right);
      if (x < lo || x > hi) return null;
      var w = (hi - lo) / this.n, k = Math.floor((this.rtl ? hi - x : x - lo) / w);
      return row[Math.max(0, Math.min(this.n - 1, k))];
    }
    return null;
  };

  // Offset of step t in the grid (CSS, resolved against the grid's column sizes).
  function column(t) {
    return "calc(var(--sw-tl-label) + var(--sw-tl-sums) * var(--sw-tl-sum) + " + t + " * var(--sw-tl-cell))";
  }

  // The cursor and the period's shade are placed on their own elements: a variable on the grid
  // would restyle all its cells at every slider step.
  SeawatchTimeline.prototype._placeCursor = function () {
    if (!this.grid) return;
    this.cursor.style.insetInlineStart = column(this.m.t);
    var p = this.period, W = this.W;
    this.periodBox.hidden = p === null;
    if (p === null) return;
    // The steps the period covers (from now, or the forecast's last hours).
    var start = this.T.now !== null ? Math.max(0, Math.floor(this.T.now)) : 0;
    var stepH = this.n > 1 ? (Date.parse(this.D.times[1].iso) - Date.parse(this.D.times[0].iso)) / 3600000 : 1;
    var count = Math.min(this.n - start, Math.round(W.periods[p].hours / stepH));
    this.periodBox.style.insetInlineStart = column(start);
    this.periodBox.style.width = "calc(" + count + " * var(--sw-tl-cell))";
  };

  SeawatchTimeline.prototype._notePopup = function (popup) {
    var p = this.period, el = popup.getElement();
    if (p === null || !el || !el.querySelector(".sw-hazard-table")) return;
    var box = el.querySelector(".sw-popup");
    if (!box || box.querySelector(".sw-tl-popnote")) return;
    var note = document.createElement("div");
    note.className = "sw-note sw-tl-popnote";
    note.textContent = this.msg("map.timeline.worst_popup", { h: this.W.periods[p].hours, time: FSI + this.D.times[this.m.t].utc + PDI });
    box.insertBefore(note, box.children[1] || null);
  };

  // ---- slider marks -----------------------------------------------------------------------

  SeawatchTimeline.prototype._buildSliderMarks = function () {
    var m = this.m, self = this;
    if (!m.slider) return;
    var row = m.slider.closest(".sw-time-row") || m.slider.parentNode;
    var box = document.createElement("div");
    box.className = "sw-tl-marks";
    box.setAttribute("aria-hidden", "true");
    box.innerHTML = "<canvas class='sw-tl-markbar' height='6'></canvas><div class='sw-tl-ticks'></div><div class='sw-tl-thumbmark'></div>";
    row.parentNode.insertBefore(box, row.nextSibling);
    var note = document.createElement("div");
    note.className = "sw-tl-viewnote";
    note.hidden = true;
    box.parentNode.insertBefore(note, box.nextSibling);
    this.viewNote = note;
    this.marks = box;
    this.markBar = box.querySelector("canvas");
    this.ticks = box.querySelector(".sw-tl-ticks");
    this.thumbMark = box.querySelector(".sw-tl-thumbmark");
    if (window.ResizeObserver) new ResizeObserver(function () { self._layoutMarks(); }).observe(m.slider);
    this._layoutMarks();
  };

  // x (px, from the marks box's left edge) of step t on the slider, either direction.
  SeawatchTimeline.prototype._stepX = function (t) {
    var g = this.markGeom;
    var f = this.n > 1 ? t / (this.n - 1) : 0;
    return g.rtl ? g.right - f * g.width : g.left + f * g.width;
  };

  SeawatchTimeline.prototype._layoutMarks = function () {
    if (!this.marks || !this.m.slider) return;
    var s = this.m.slider.getBoundingClientRect(), b = this.marks.getBoundingClientRect();
    if (!s.width) return;
    this.markGeom = {
      left: s.left - b.left + THUMB_INSET,
      right: s.right - b.left - THUMB_INSET,
      width: s.width - 2 * THUMB_INSET,
      rtl: getComputedStyle(this.m.slider).direction === "rtl",
    };
    var self = this, T = this.T, h = "";
    T.days.forEach(function (d) {
      var x = self._stepX(d.start);
      h += "<span class='sw-tl-tick' style='left:" + x.toFixed(1) + "px'></span>";
      // Weekday and day where a day is wide enough on the slider, the day alone where narrower.
      var wide = (d.n / Math.max(1, self.n - 1)) * self.markGeom.width;
      if (wide >= 18) {
        var mid = self._stepX(d.start + d.n / 2 - 0.5);
        var text = (wide >= 52 ? "<bdi>" + esc(d.weekday) + "</bdi> " : "") + "<bdi dir='ltr'>" + esc(d.date.slice(0, 2)) + "</bdi>";
        h += "<span class='sw-tl-ticklabel' style='left:" + mid.toFixed(1) + "px'>" + text + "</span>";
      }
    });
    if (T.now !== null && T.now !== undefined && T.now <= this.n - 1) {
      h += "<span class='sw-tl-nowmark' style='left:" + this._stepX(T.now).toFixed(1) + "px' title='" + esc(this.msg("map.timeline.now")) + "'></span>";
    }
    this.ticks.innerHTML = h;
    this._drawMarks();
    this._moveMarkCursor();
  };

  // Window and trap hours on the slider: of the selected area, else of any area.
  SeawatchTimeline.prototype._drawMarks = function () {
    if (!this.markBar || !this.markGeom) return;
    var T = this.T, v = this.m.vessel, cv = this.markBar, g = this.markGeom, n = this.n, self = this;
    var w = Math.round(this.marks.clientWidth);
    if (cv.width !== w) cv.width = w;
    var ctx = cv.getContext("2d");
    ctx.clearRect(0, 0, cv.width, cv.height);
    var areas = this.area !== null ? [this.area] : T.areas.map(function (a, k) { return k; });
    var step = n > 1 ? g.width / (n - 1) : g.width;
    var any = function (rows, t) { return areas.some(function (k) { return rows[k].charAt(t) === "1"; }); };
    var wins = 0, traps = 0;
    for (var t = 0; t < n; t++) {
      var x = self._stepX(t) - step / 2;
      if (any(T.trap[v], t)) { ctx.fillStyle = T.colours.trap; ctx.fillRect(x, 0, step + 0.5, 6); traps++; }
      else if (any(T.window[v], t)) { ctx.fillStyle = T.colours.window; ctx.fillRect(x, 2, step + 0.5, 3); wins++; }
    }
    this.marks.setAttribute("data-sw-windows", String(wins));
    this.marks.setAttribute("data-sw-traps", String(traps));
  };

  SeawatchTimeline.prototype._moveMarkCursor = function () {
    if (!this.thumbMark || !this.markGeom) return;
    this.thumbMark.style.left = this._stepX(this.m.t).toFixed(1) + "px";
  };

  // ---- routes -----------------------------------------------------------------------------

  SeawatchTimeline.prototype._buildRoutes = function () {
    var self = this, T = this.T, m = this.m, map = m.map;
    if (!T.routes || !T.routes.length) return;
    map.createPane("swRoutes").style.zIndex = 430;
    var group = L.layerGroup();
    this.routeLines = T.routes.map(function (r, k) {
      if (!r.coords || r.coords.length < 2) return null;
      // A tap on a route opens the route's popup only (not also the point forecast under it).
      var opts = { pane: "swRoutes", lineCap: "round", bubblingMouseEvents: false };
      var casing = L.polyline(r.coords, L.extend({ color: ROUTE_CASING, weight: 7, opacity: 0.8 }, opts));
      var line = L.polyline(r.coords, L.extend({ color: UNKNOWN_ROUTE, weight: 4, opacity: 1 }, opts));
      var spot = L.circleMarker(r.coords[0], { pane: "swRoutes", radius: 6, color: "#000", weight: 2, fillOpacity: 1, interactive: false });
      [casing, line].forEach(function (l) {
        l.bindPopup(function () { return self._routePopup(k); }, { maxWidth: 340 });
      });
      group.addLayer(casing);
      group.addLayer(line);
      return { casing: casing, line: line, spot: spot, group: group };
    });
    this.routeLayer = group;
    group.addTo(map);
    if (m.layersControl) m.layersControl.addOverlay(group, this.msg("map.timeline.layer_routes"));
  };

  SeawatchTimeline.prototype._styleRoutes = function (t, vessel) {
    if (!this.routeLines) return;
    var T = this.T, D = this.D, self = this, E = T.enroute[vessel] || [];
    this.routeLines.forEach(function (r, k) {
      if (!r) return;
      var e = E[k], ch = e ? e.level.charAt(t) : "-", trap = !!e && e.trap.charAt(t) === "1";
      [r.line, r.casing].forEach(function (l) {
        if (l.isPopupOpen && l.isPopupOpen()) l.setPopupContent(self._routePopup(k));
      });
      // The selected area's crossings stand out; the others stay readable but recede.
      var mine = self.area === null || T.routes[k].area === T.areas[self.area].id;
      var focus = self.area !== null && mine;
      var key = vessel + "|" + t + "|" + mine + "|" + focus;
      if (r.key === key) return;
      r.key = key;
      var colour = ch === "-" ? UNKNOWN_ROUTE : D.colours[+ch];
      var weight = focus ? 5 : 3;
      r.line.setStyle({ color: colour, weight: weight, opacity: mine ? 1 : 0.35, dashArray: ch === "-" ? "4 6" : null });
      r.casing.setStyle({
        color: trap ? T.colours.trap : ROUTE_CASING,
        weight: weight + (trap ? (focus ? 7 : 5) : 3),
        opacity: mine ? (trap ? 1 : 0.8) : 0.3,
      });
      if (focus) { r.casing.bringToFront(); r.line.bringToFront(); }
      var path = r.line.getElement();
      if (path) {
        path.setAttribute("data-sw-route", T.routes[k].id);
        path.setAttribute("data-sw-level", ch);
        path.setAttribute("data-sw-trap", trap ? "1" : "0");
      }
      var lat = e && e.lat ? e.lat[t] : null, lon = e && e.lon ? e.lon[t] : null;
      if (mine && ch !== "-" && lat !== null && lon !== null && +ch >= 2) {
        r.spot.setLatLng([lat, lon]);
        r.spot.setStyle({ fillColor: colour, radius: trap ? 8 : 6 });
        if (!r.group.hasLayer(r.spot)) r.group.addLayer(r.spot);
      } else if (r.group.hasLayer(r.spot)) {
        r.group.removeLayer(r.spot);
      }
    });
  };

  SeawatchTimeline.prototype._routePopup = function (k) {
    var T = this.T, D = this.D, m = this.m, t = m.t, v = m.vessel, r = T.routes[k];
    var e = (T.enroute[v] || [])[k], time = D.times[t], dep = Date.parse(time.iso);
    var dir = document.documentElement.getAttribute("dir") || "ltr";
    var h = "<div class='sw-popup sw-route-popup' dir='" + dir + "' data-sw-route='" + esc(r.id) + "'>";
    h += "<div class='sw-popup-title'>" + esc(this.msg("map.timeline.route")) + ": " + esc(r.name) + "</div>";
    var rows = [];
    rows.push([this.msg("map.timeline.departure"), "<bdi dir='ltr'>" + esc(time.utc) + "</bdi> \u00b7 <bdi>" + window.seawatchText.ltrHtml(time.local) + "</bdi>"]);
    rows.push([this.msg("popup.vessel"), esc(D.vesselLabels[v])]);
    var ch = e ? e.level.charAt(t) : "-";
    if (ch === "-") {
      rows.push([this.msg("map.timeline.worst_met"), esc(this.msg("map.timeline.unknown"))]);
    } else {
      var lv = +ch;
      rows.push([this.msg("map.timeline.worst_met"), "<span class='sw-chip' style='background:" + D.colours[lv] + ";color:" + D.textColours[lv] + "'>" + esc(D.levels[lv].word) + "</span>"]);
      if (e.lat && e.lat[t] !== null && e.lon[t] !== null) {
        rows.push([this.msg("map.timeline.where"), "<bdi dir='ltr' class='sw-pos'>" + esc(window.seawatchDdm(e.lat[t], "lat", 1) + " " + window.seawatchDdm(e.lon[t], "lon", 1)) + "</bdi>"]);
      }
      if (e.when && e.when[t] !== null) {
        rows.push([this.msg("map.timeline.when"), "<bdi dir='ltr' class='sw-when'>" + esc(utcText(dep + e.when[t] * 60000)) + " (+" + (e.when[t] / 60).toFixed(0) + " h)</bdi>"]);
      }
    }
    if (e && e.arrive) {
      rows.push([this.msg("map.timeline.arrival"), e.arrive[t] === null ? esc(this.msg("map.timeline.beyond")) : "<bdi dir='ltr'>" + esc(utcText(dep + e.arrive[t] * 60000)) + "</bdi>"]);
    }
    h += "<table class='sw-values'>";
    rows.forEach(function (row) { h += "<tr><th>" + esc(row[0]) + "</th><td>" + row[1] + "</td></tr>"; });
    h += "</table>";
    if (e && e.trap.charAt(t) === "1") h += "<div class='sw-tl-trapnote'>" + esc(this.msg("map.timeline.trap_note")) + "</div>";
    if (e && e.complete.charAt(t) === "0") h += "<div class='sw-note'>" + esc(this.msg("map.timeline.incomplete")) + "</div>";
    return h + "</div>";
  };

  // ---- incident history as density --------------------------------------------------------

  SeawatchTimeline.prototype._buildDensity = function () {
    var m = this.m, map = m.map, Dn = this.D.density;
    var layer = L.imageOverlay(Dn.png, Dn.bounds, { pane: "swRaster", opacity: Dn.opacity, interactive: false, className: "sw-density" });
    this.densityLayer = layer;
    if (m.layersControl) m.layersControl.addOverlay(layer, Dn.title);
    var Legend = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "sw-panel sw-density-legend");
        div.setAttribute("dir", document.documentElement.getAttribute("dir") || "ltr");
        var h = "<div class='sw-legend-sub'>" + esc(Dn.legend) + "</div>";
        Dn.classes.forEach(function (c) {
          h += "<span class='sw-tl-dens'><span class='sw-swatch' style='background:" + c.colour + "'></span><bdi dir='ltr'>" + esc(c.label) + "</bdi></span> ";
        });
        div.innerHTML = h;
        return div;
      },
    });
    var legend = new Legend({ position: "bottomright" });
    var c = map.getContainer();
    c.setAttribute("data-sw-density", "off");
    map.on("overlayadd", function (e) { if (e.layer === layer) { legend.addTo(map); c.setAttribute("data-sw-density", "on"); } });
    map.on("overlayremove", function (e) { if (e.layer === layer) { legend.remove(); c.setAttribute("data-sw-density", "off"); } });
  };

  window.SeawatchTimeline = SeawatchTimeline;
})();
