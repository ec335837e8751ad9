/* seawatch coordinator layer: live incidents on the map, and for coordinators reporting,
 * moving, editing, retracting and reading the history of incidents.
 *
 * Added to the rendered folium map (or the plain fallback map) by the web service. Every text a
 * person typed is put into the page with textContent or as a Leaflet DOM node, never as HTML.
 * Writes send the session's CSRF token in the X-CSRF-Token header.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  const lang = (script && script.dataset.lang) || document.documentElement.lang || "en";
  const PERIODS = ["24h", "7d", "30d", "365d"];
  const BOATS = ["rubber", "wooden", "fibreglass", "iron", "other", "unknown"];
  const STATUSES = ["distress", "intercepted", "rescued", "capsized", "sunk", "missing", "closed"];
  const COUNTS = ["persons", "dead", "missing", "survivors"];
  const REFRESH_MS = 60000;
  // Retries after a failed refresh: 5 s, doubling, at most the normal refresh period.
  const RETRY_FIRST_MS = 5000;
  // Older than this the picture is called out of date even if no request failed (a tab that
  // slept, a request that hangs). Assumption, to calibrate with coordinators.
  const STALE_MS = 2.5 * REFRESH_MS;

  let T = {};
  let me = { name: null, role: null, can_edit: false };
  let map = null;
  let layer = null;
  const markers = new Map();
  let period = "7d";
  let form = null;
  let editing = null; // null: closed; {mode: "new"} or {mode: "edit", record}
  let pending = null; // marker of the position being placed
  let busy = 0;
  let lastOk = null; // Date of the last incident list received
  let failures = 0;
  let refreshTimer = null;
  let connBox = null;
  let updatedBox = null;
  let moving = null; // {entry, from: {lat, lon, ddm}, to: {lat, lon, ddm} | null}
  let showRetracted = false;
  // Markers this close on screen share one cluster marker (px; the planners' map uses the
  // same). Assumption, to calibrate: a fingertip covers about 40 CSS px.
  const CLUSTER_PX = 40;

  // -------------------------------------------------------------------------- helpers

  function t(key, fields) {
    let text = Object.prototype.hasOwnProperty.call(T, key) ? T[key] : key;
    if (fields) {
      Object.keys(fields).forEach((k) => {
        text = text.split("{" + k + "}").join(String(fields[k]));
      });
    }
    return text;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    });
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  async function api(method, url, body, extraHeaders) {
    const headers = Object.assign({ Accept: "application/json" }, extraHeaders || {});
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && me.csrf_token) headers["X-CSRF-Token"] = me.csrf_token;
    const response = await fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { status: response.status, ok: response.ok, data: data, etag: response.headers.get("ETag") };
  }

  // The same request after a network failure: the answer, or status 0 when nothing came back.
  async function send(method, url, body, extraHeaders) {
    try {
      return await api(method, url, body, extraHeaders);
    } catch (err) {
      return { status: 0, ok: false, data: null };
    }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function problem(result) {
    if (result.status === 0) return t("web.map.unreachable");
    if (result.status === 401) return t("web.map.signed_out");
    return (result.data && result.data.detail) || t("web.map.failed", { status: result.status });
  }

  function findMap() {
    if (window.L === undefined) return null;
    const candidates = [];
    if (window.seawatchMap && window.seawatchMap.map) candidates.push(window.seawatchMap.map);
    for (const key of Object.keys(window)) {
      if (key.startsWith("map_") || key === "swFallbackMap") {
        try {
          candidates.push(window[key]);
        } catch (e) {
          /* a window property that cannot be read */
        }
      }
    }
    for (const key of Object.keys(window)) {
      try {
        candidates.push(window[key]);
      } catch (e) {
        /* idem */
      }
    }
    return candidates.find((c) => c instanceof window.L.Map) || null;
  }

  function waitForMap(timeoutMs) {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      (function poll() {
        const found = findMap();
        if (found) resolve(found);
        else if (Date.now() - started > timeoutMs) reject(new Error("no Leaflet map on the page"));
        else setTimeout(poll, 50);
      })();
    });
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function utcInputValue(iso) {
    const d = iso ? new Date(iso) : new Date();
    return (
      d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes())
    );
  }

  // "2026-08-20 04:30" (24 h, UTC) as typed -> ISO 8601 UTC; null if empty, false if not a time.
  function isoFromInput(text) {
    const m = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})\s*$/.exec(text);
    if (!text.trim()) return null;
    if (!m || Number(m[2]) > 12 || Number(m[3]) > 31 || Number(m[4]) > 23 || Number(m[5]) > 59) return false;
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":00Z";
  }

  // Kept left-to-right inside Arabic text (Unicode isolates): else "2026-12-07" shows as
  // "07-12-2026".
  function timeText(iso) {
    return iso ? "\u2066" + iso.replace("T", " ").slice(0, 16) + " UTC\u2069" : "";
  }

  function countText(value) {
    return value === null || value === undefined ? t("web.unknown") : String(value);
  }

  // ------------------------------------------------------------------------ the panel

  let panel, listInfo, messageBox, historyBox, writeBox, moveBox;

  function flash(text, isError) {
    messageBox.textContent = text || "";
    messageBox.className = "sw-ed-message" + (isError ? " sw-ed-error" : "");
  }

  // Every write says where it stands: pending, saved or failed (with a retry).
  function writeState(state, text, retry) {
    writeBox.dataset.state = state;
    writeBox.className = "sw-ed-write sw-ed-write-" + state;
    writeBox.replaceChildren(el("span", { text: text }));
    if (retry) {
      writeBox.append(el("button", { id: "sw-retry", type: "button", text: t("web.write.retry"),
        onclick: retry }));
    }
    if (arguments.length > 3 && arguments[3]) {
      writeBox.append(el("button", { id: "sw-undo", type: "button", text: t("web.move.undo"),
        onclick: arguments[3] }));
    }
    writeBox.hidden = false;
  }

  function buildPanel() {
    panel = el("div", { id: "sw-editor", className: "sw-editor", dir: document.documentElement.dir || "ltr" });
    const head = el("div", { className: "sw-ed-head" });
    head.append(
      el("strong", { text: t("web.map.incidents") }),
      el("select", { id: "sw-period", "aria-label": t("web.map.period"), onchange: (e) => {
        period = e.target.value;
        refreshNow();
      } }, PERIODS.map((p) => el("option", { value: p, text: t("web.period." + p), selected: p === period })))
    );
    listInfo = el("span", { className: "sw-ed-count" });
    head.append(listInfo);

    updatedBox = el("span", { id: "sw-updated", className: "sw-ed-updated", dir: "auto" });
    head.append(updatedBox);
    // Phones only (CSS): fold the bottom sheet away to see the map; the form keeps its contents.
    head.append(el("button", { id: "sw-sheet-toggle", type: "button", className: "sw-sheet-toggle",
      "aria-expanded": "true", "aria-label": t("web.map.sheet_toggle"), text: "▾", onclick: () => setSheet(null) }));
    panel.append(head);
    const who = el("div", { className: "sw-ed-who" });
    if (me.name) {
      who.append(el("span", { text: me.name + " (" + t("web.role." + me.role) + ")" }));
    } else {
      who.append(el("a", { href: "/login?next=%2F", text: t("web.nav.login") }));
    }
    who.append(el("a", { href: "/incidents?lang=" + lang, text: t("web.map.table") }));
    who.append(el("a", { href: "/maps?lang=" + lang, text: t("web.nav.archive") }));
    const other = lang === "ar" ? "en" : "ar";
    who.append(el("a", { href: "/?lang=" + other, lang: other, text: lang === "ar" ? "English" : "العربية" }));
    if (me.name && me.csrf_token) {
      who.append(el("form", { method: "post", action: "/logout", className: "sw-ed-logout" }, [
        el("input", { type: "hidden", name: "csrf_token", value: me.csrf_token }),
        el("button", { id: "sw-logout", type: "submit", text: t("web.nav.logout") }),
      ]));
    }
    if (me.can_edit) {
      who.append(el("label", { className: "sw-ed-check" }, [
        el("input", { id: "sw-show-retracted", type: "checkbox", onchange: (e) => {
          showRetracted = e.target.checked;
          refreshNow();
        } }),
        el("span", { text: t("web.map.show_retracted") }),
      ]));
    }
    panel.append(who);
    if (me.can_edit) {
      panel.append(el("button", { id: "sw-report", type: "button", className: "sw-ed-primary",
        text: t("web.map.report"), onclick: () => openForm({ mode: "new" }) }));
    }
    messageBox = el("div", { className: "sw-ed-message", role: "status", "aria-live": "polite" });
    panel.append(messageBox);
    writeBox = el("div", { id: "sw-write", className: "sw-ed-write", role: "status", "aria-live": "assertive",
      hidden: true });
    panel.append(writeBox);
    form = buildForm();
    panel.append(form);
    moveBox = el("div", { id: "sw-move", className: "sw-ed-move", hidden: true });
    panel.append(moveBox);
    historyBox = el("div", { id: "sw-history", className: "sw-ed-history", hidden: true });
    panel.append(historyBox);
    document.body.append(panel);
    connBox = el("div", { id: "sw-conn", className: "sw-conn", role: "alert", "data-state": "ok", hidden: true });
    document.body.append(connBox);
    if (window.L && window.L.DomEvent) {
      window.L.DomEvent.disableClickPropagation(panel);
      window.L.DomEvent.disableScrollPropagation(panel);
    }
  }

  // On a phone Leaflet's bottom controls sit above the bottom sheet, so they do not cover the
  // incidents (the map's own legend starts folded there by itself).
  function fitPhone() {
    const phone = window.matchMedia("(max-width: 600px)");
    if (phone.matches && !editing) setSheet(false);
    const place = () => {
      const height = phone.matches ? panel.getBoundingClientRect().height : 0;
      document.documentElement.style.setProperty("--sw-sheet", Math.ceil(height) + "px");
    };
    if (window.ResizeObserver) new window.ResizeObserver(place).observe(panel);
    phone.addEventListener("change", place);
    place();
  }

  function setSheet(open) {
    const collapse = open === null ? !panel.classList.contains("sw-collapsed") : !open;
    panel.classList.toggle("sw-collapsed", collapse);
    const toggle = document.getElementById("sw-sheet-toggle");
    toggle.setAttribute("aria-expanded", String(!collapse));
    toggle.textContent = collapse ? "▴" : "▾";
  }

  function field(name, input, extra) {
    const label = el("label", { className: "sw-ed-field", for: "sw-f-" + name }, [
      el("span", { text: t("web.field." + name) }),
    ]);
    input.id = "sw-f-" + name;
    input.name = name;
    label.append(input);
    (extra || []).forEach((x) => label.append(x));
    return label;
  }

  function buildForm() {
    const f = el("form", { id: "sw-incident-form", className: "sw-ed-form", hidden: true, novalidate: true });
    f.append(el("h3", { id: "sw-form-title" }));
    f.append(el("div", { id: "sw-conflict", className: "sw-ed-conflict", hidden: true }));
    const position = el("input", { type: "text", autocomplete: "off", dir: "ltr",
      placeholder: "33°12.5'N 012°45.3'E" });
    const parsed = el("output", { id: "sw-parsed", className: "sw-ed-parsed", dir: "ltr" });
    f.append(field("position", position, [parsed, el("small", { text: t("web.map.position_hint") })]));
    // Plain text, not datetime-local: the browser would show its own locale (AM/PM) and zone.
    f.append(field("time", el("input", { type: "text", dir: "ltr", inputmode: "numeric", autocomplete: "off",
      placeholder: "2026-08-20 04:30", maxlength: 16 }), [el("small", { text: t("web.map.time_hint") })]));
    const counts = el("div", { className: "sw-ed-counts" });
    COUNTS.forEach((n) => counts.append(field(n, el("input", { type: "number", min: 0, step: 1, inputmode: "numeric" }))));
    f.append(counts);
    f.append(field("boat_type", el("select", {}, BOATS.map((b) => el("option", { value: b, text: t("web.boat." + b) })))));
    f.append(field("status", el("select", {}, STATUSES.map((s) => el("option", { value: s, text: t("web.status." + s) })))));
    f.append(field("source", el("input", { type: "text", maxlength: 64 })));
    f.append(field("note", el("textarea", { rows: 3, maxlength: 20000 })));
    f.append(el("div", { id: "sw-form-error", className: "sw-ed-error", role: "alert" }));
    f.append(el("div", { className: "sw-ed-buttons" }, [
      el("button", { id: "sw-save", type: "submit", className: "sw-ed-primary", text: t("web.map.save") }),
      el("button", { id: "sw-cancel", type: "button", text: t("web.map.cancel"), onclick: closeForm }),
    ]));
    let timer = null;
    position.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => parsePosition(position.value, true), 250);
    });
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      save();
    });
    return f;
  }

  function input(name) {
    return form.elements.namedItem(name);
  }

  // ----------------------------------------------------------------- position parsing

  let parsedPosition = null;
  let parseSeq = 0;

  async function parsePosition(text, movePending) {
    const out = document.getElementById("sw-parsed");
    const seq = ++parseSeq;
    parsedPosition = null;
    if (!text.trim()) {
      out.textContent = "";
      out.className = "sw-ed-parsed";
      return;
    }
    const result = await api("GET", "/api/positions/parse?text=" + encodeURIComponent(text));
    if (seq !== parseSeq) return;
    if (result.ok) {
      parsedPosition = result.data;
      out.textContent = "= " + result.data.ddm;
      out.className = "sw-ed-parsed sw-ed-ok";
      if (result.data.outside_area) {
        out.textContent += " · " + t("web.map.outside_area");
        out.className = "sw-ed-parsed sw-ed-warn";
      }
      if (editing) editing.outsideConfirmed = false;
      document.getElementById("sw-save").textContent = t("web.map.save");
      if (movePending) placePending(result.data.lat, result.data.lon, false);
    } else {
      out.textContent = problem(result);
      out.className = "sw-ed-parsed sw-ed-error";
    }
  }

  function placePending(lat, lon, fromClick) {
    if (!editing) return;
    if (!pending) {
      pending = window.L.marker([lat, lon], {
        draggable: true,
        icon: window.L.divIcon({ className: "sw-inc sw-inc-pending", iconSize: [18, 18] }),
        title: t("web.map.new_position"),
      }).addTo(map);
      pending.on("dragend", () => {
        const p = pending.getLatLng();
        setPositionFromMap(p.lat, p.lng);
      });
    } else {
      pending.setLatLng([lat, lon]);
    }
    if (fromClick) setPositionFromMap(lat, lon);
  }

  function setPositionFromMap(lat, lon) {
    const value = lat.toFixed(5) + ", " + window.L.Util.wrapNum(lon, [-180, 180], true).toFixed(5);
    input("position").value = value;
    parsePosition(value, false);
  }

  function onMapClick(e) {
    if (moving) {
      moving.entry.marker.setLatLng(e.latlng);
      movedTo(e.latlng);
      return;
    }
    if (editing && editing.mode === "new") placePending(e.latlng.lat, e.latlng.lng, true);
  }

  // ---------------------------------------------------------------------- the form

  function openForm(state) {
    editing = state;
    const record = state.record || {};
    historyBox.hidden = true;
    document.getElementById("sw-conflict").hidden = true;
    form.hidden = false;
    setSheet(true);
    flash("");
    document.getElementById("sw-form-error").textContent = "";
    document.getElementById("sw-save").textContent = t("web.map.save");
    document.getElementById("sw-form-title").textContent =
      state.mode === "new" ? t("web.map.report_title") : t("web.map.edit_title", { id: record.id });
    input("position").value = record.id ? record.position_text || record.position_ddm : "";
    input("time").value = utcInputValue(record.time);
    COUNTS.forEach((n) => {
      input(n).value = record[n] === null || record[n] === undefined ? "" : record[n];
    });
    input("boat_type").value = record.boat_type || "unknown";
    input("status").value = record.status || "distress";
    input("source").value = record.source || "coordinator";
    input("note").value = record.notes || "";
    state.initial = formValues();
    const out = document.getElementById("sw-parsed");
    out.textContent = record.id ? "= " + record.position_ddm : t("web.map.click_or_type");
    out.className = "sw-ed-parsed";
    parsedPosition = record.id ? { lat: record.lat, lon: record.lon, ddm: record.position_ddm } : null;
    if (state.mode === "new") input("position").focus();
  }

  function closeForm() {
    editing = null;
    form.hidden = true;
    if (writeBox.dataset.state === "failed") writeBox.hidden = true;
    if (pending) {
      map.removeLayer(pending);
      pending = null;
    }
  }

  function formValues() {
    const values = {
      position: input("position").value.trim(),
      time: isoFromInput(input("time").value),
      boat_type: input("boat_type").value,
      status: input("status").value,
      source: input("source").value.trim() || null,
      note: input("note").value.trim() || null,
    };
    COUNTS.forEach((n) => {
      const raw = input(n).value.trim();
      values[n] = raw === "" ? null : Number(raw);
    });
    return values;
  }

  function recordValues(record) {
    const values = {
      position: record.position_text || record.position_ddm,
      time: isoFromInput(utcInputValue(record.time)),
      boat_type: record.boat_type || "unknown",
      status: record.status,
      source: (record.source || "").trim() || null,
      note: (record.notes || "").trim() || null,
    };
    COUNTS.forEach((n) => {
      values[n] = record[n] === null || record[n] === undefined ? null : record[n];
    });
    return values;
  }

  function fillForm(values) {
    input("position").value = values.position || "";
    input("time").value = values.time ? values.time.slice(0, 16).replace("T", " ") : "";
    COUNTS.forEach((n) => {
      input(n).value = values[n] === null || values[n] === undefined ? "" : values[n];
    });
    input("boat_type").value = values.boat_type;
    input("status").value = values.status;
    input("source").value = values.source || "";
    input("note").value = values.note || "";
  }

  function shown(name, value) {
    if (value === null || value === undefined || value === "") return "–";
    if (name === "status") return t("web.status." + value);
    if (name === "boat_type") return t("web.boat." + value);
    if (name === "time") return timeText(value);
    return String(value);
  }

  // An edit based on an old version: both versions side by side, and per field the
  // coordinator keeps theirs (default where they changed it) or takes the stored one.
  function showConflict(mine, base, current) {
    const box = document.getElementById("sw-conflict");
    const theirs = recordValues(current);
    const names = Object.keys(mine).filter((k) => JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]));
    editing = { mode: "edit", record: current, initial: theirs };
    document.getElementById("sw-form-title").textContent = t("web.map.edit_title", { id: current.id });
    box.replaceChildren();
    box.append(el("strong", { text: t("web.conflict.title", { user: current.updated_by || "?",
      time: timeText(current.updated_at) }) }));
    box.append(el("p", { text: t("web.conflict.hint") }));
    const table = el("table", { className: "sw-conflict-table" });
    table.append(el("tr", {}, [
      el("th", { text: t("web.conflict.field") }),
      el("th", { text: t("web.conflict.yours") }),
      el("th", { text: t("web.conflict.theirs", { user: current.updated_by || "?" }) }),
    ]));
    names.forEach((name) => {
      const keepMine = JSON.stringify(mine[name]) !== JSON.stringify(base[name]);
      const radio = (which, checked) => el("input", { type: "radio", name: "sw-c-" + name, value: which,
        checked: checked, "aria-label": t(which === "mine" ? "web.conflict.yours" : "web.conflict.theirs",
          { user: current.updated_by || "?" }) + ": " + t("web.field." + name) });
      table.append(el("tr", { "data-field": name }, [
        el("th", { text: t("web.field." + name) }),
        el("td", {}, [el("label", {}, [radio("mine", keepMine), el("span", { text: " " + shown(name, mine[name]),
          className: "sw-c-mine", dir: "auto" })])]),
        el("td", {}, [el("label", {}, [radio("theirs", !keepMine), el("span", { text: " " + shown(name, theirs[name]),
          className: "sw-c-theirs", dir: "auto" })])]),
      ]));
    });
    box.append(table);
    box.append(el("div", { className: "sw-ed-buttons" }, [
      el("button", { id: "sw-conflict-save", type: "button", className: "sw-ed-primary", text: t("web.conflict.save"),
        onclick: () => {
          const merged = Object.assign({}, theirs);
          names.forEach((name) => {
            const choice = box.querySelector("input[name='sw-c-" + name + "']:checked");
            if (choice && choice.value === "mine") merged[name] = mine[name];
          });
          fillForm(merged);
          box.hidden = true;
          save();
        } }),
    ]));
    box.hidden = false;
    fillForm(mine);
    box.scrollIntoView({ block: "start" });
  }

  let saving = false;

  async function save() {
    if (saving || !editing) return;
    const errorBox = document.getElementById("sw-form-error");
    errorBox.textContent = "";
    const values = formValues();
    if (values.time === false) {
      errorBox.textContent = t("web.map.bad_time");
      input("time").focus();
      return;
    }
    let request;
    if (editing.mode === "new") {
      if (!values.position) {
        errorBox.textContent = t("web.map.need_position");
        return;
      }
      // Outside the area is often a slip ("0 0", a swapped hemisphere): ask once before saving.
      if (parsedPosition && parsedPosition.outside_area && !editing.outsideConfirmed) {
        editing.outsideConfirmed = true;
        errorBox.textContent = t("web.map.outside_confirm", { ddm: parsedPosition.ddm });
        document.getElementById("sw-save").textContent = t("web.map.save_anyway");
        return;
      }
      const body = {};
      Object.entries(values).forEach(([k, v]) => {
        if (v !== null) body[k] = v;
      });
      // One key per report, kept across retries: the server stores it with the incident, so a
      // retry after a lost answer returns the first incident instead of a second one.
      editing.key = editing.key || newKey();
      request = ["POST", "/api/incidents", body, { "Idempotency-Key": editing.key }];
    } else {
      const record = editing.record;
      const body = { version: record.version };
      Object.entries(values).forEach(([k, v]) => {
        if (v !== editing.initial[k]) body[k] = v;
      });
      if (Object.keys(body).length === 1) {
        closeForm();
        return;
      }
      request = ["PATCH", "/api/incidents/" + encodeURIComponent(record.id), body];
    }
    saving = true;
    const button = document.getElementById("sw-save");
    button.disabled = true;
    writeState("pending", t("web.write.pending"));
    let result;
    try {
      result = await send(...request);
    } finally {
      saving = false;
      button.disabled = false;
    }
    // A retry whose first attempt was stored (only its answer was lost) finds the incident
    // already as wanted: that is a save, not a conflict.
    if (request[0] === "PATCH" && result.status === 409 && result.data && result.data.current) {
      const now = recordValues(result.data.current);
      const asked = Object.keys(request[2]).filter((k) => k !== "version");
      if (asked.every((k) => JSON.stringify(values[k]) === JSON.stringify(now[k]))) {
        result = { status: 200, ok: true, data: result.data.current };
      }
    }
    if (editing && editing.mode === "edit" && result.status === 409 && result.data && result.data.current) {
      writeState("failed", t("web.conflict.status"));
      upsert(result.data.current);
      showConflict(values, editing.initial, result.data.current);
      return;
    }
    if (!result.ok) {
      errorBox.textContent = problem(result);
      // The form keeps what was typed; retrying sends the same request (same key).
      writeState("failed", t("web.write.failed_detail", { reason: problem(result) }), save);
      return;
    }
    const record = result.data;
    closeForm();
    upsert(record);
    const text = t(request[0] === "POST" ? "web.map.saved_new" : "web.map.saved", { ddm: record.position_ddm });
    writeState("saved", text);
    flash("");
    updateCount();
  }

  // ---------------------------------------------------------------------- incidents

  function popupContent(record) {
    const box = el("div", { className: "sw-popup", dir: document.documentElement.dir || "ltr",
      "data-id": record.id });
    box.append(el("strong", { text: t("web.status." + record.status) + " · " + timeText(record.time) }));
    const dl = el("dl");
    const rows = [
      ["position", record.position_ddm],
      ["persons", countText(record.persons)],
      ["dead", countText(record.dead)],
      ["missing", countText(record.missing)],
      ["survivors", countText(record.survivors)],
      ["boat_type", t("web.boat." + record.boat_type)],
      ["source", record.source || ""],
      ["note", record.notes || ""],
      ["updated", (record.updated_by || "") + " " + timeText(record.updated_at)],
      ["version", String(record.version)],
    ];
    rows.forEach(([k, v]) => dl.append(el("dt", { text: t("web.field." + k) }), el("dd", { text: v, className: "sw-pop-" + k })));
    box.append(dl);
    const buttons = el("div", { className: "sw-ed-buttons" });
    if (record.status === "retracted") {
      if (me.can_edit) {
        buttons.append(el("button", { type: "button", className: "sw-restore sw-ed-primary", text: t("web.map.restore"),
          onclick: () => restore(record.id) }));
      }
      if (me.name) {
        buttons.append(el("button", { type: "button", className: "sw-show-history", text: t("web.map.history"),
          onclick: () => showHistory(record.id) }));
      }
      box.append(buttons);
      return box;
    }
    if (me.can_edit) {
      buttons.append(el("button", { type: "button", className: "sw-edit", text: t("web.map.edit"), onclick: () => {
        // The newest copy of the record; a refresh may have taken the marker off meanwhile.
        const entry = markers.get(record.id);
        map.closePopup();
        openForm({ mode: "edit", record: entry ? entry.record : record });
      } }));
    }
    if (me.name) {
      buttons.append(el("button", { type: "button", className: "sw-show-history", text: t("web.map.history"), onclick: () => showHistory(record.id) }));
      buttons.append(el("a", { href: "/incidents/" + encodeURIComponent(record.id) + "?lang=" + lang, text: t("web.map.open") }));
    }
    if (me.can_edit) {
      buttons.append(el("button", { type: "button", className: "sw-move", text: t("web.move.start"),
        onclick: () => startMove(record.id) }));
      buttons.append(el("button", { type: "button", className: "sw-retract", text: t("web.map.retract"), onclick: () => retract(record.id, false, record) }));
      buttons.append(el("button", { type: "button", className: "sw-drift", text: t("drift.ui.where_now"),
        onclick: () => startDrift(record.id) }));
    }
    box.append(buttons);
    return box;
  }

  function icon(record) {
    return window.L.divIcon({
      className: "sw-inc sw-inc-" + record.status,
      iconSize: [16, 16],
    });
  }

  // Incidents close together on screen share one cluster marker: a click on it zooms in, or
  // at the closest zoom spreads them out, so a click reaches the incident meant and never
  // the one drawn on top of it. Plain markers where the plugin is missing.
  function makeLayer() {
    if (!window.L.markerClusterGroup) return window.L.layerGroup();
    // Clusters need a closest zoom; the rendered map sets 13, a map without one gets it too.
    if (map.getMaxZoom() === Infinity) map.setMaxZoom(13);
    const group = window.L.markerClusterGroup({
      maxClusterRadius: CLUSTER_PX,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      zoomToBoundsOnClick: true,
      iconCreateFunction: clusterIcon,
    });
    return group;
  }

  function clusterIcon(cluster) {
    const children = cluster.getAllChildMarkers();
    const ids = children.map((m) => m.options.swId);
    const distress = children.some((m) => m.options.swStatus === "distress");
    const size = children.length < 10 ? 30 : children.length < 100 ? 36 : 42;
    return window.L.divIcon({
      className: "sw-ed-cluster" + (distress ? " sw-ed-cluster-distress" : ""),
      iconSize: [size, size],
      html: el("span", { text: String(children.length), "data-ids": ids.join(" "),
        title: t("web.map.cluster", { n: children.length }) }),
    });
  }

  // What this page itself wrote, and when: a refresh asked for before a write was answered must
  // not take the new incident off the map again.
  const wroteAt = new Map();

  // The marker of a new incident goes into ``batch`` (added with the others of a refresh) when
  // one is given; ``asked`` is when the refresh that brought the record was asked for (none for
  // a write).
  function upsert(record, batch, asked) {
    // A refresh's copy of what this page wrote after asking is older than the write (a
    // retracted incident would come back); versions only grow.
    if (asked !== undefined && wroteAt.get(record.id) > asked) return;
    let entry = markers.get(record.id);
    if (entry && record.version < entry.record.version) return;
    if (asked === undefined) wroteAt.set(record.id, Date.now());
    if (record.status === "retracted" && !showRetracted) {
      remove(record.id);
      return;
    }
    if (!entry) {
      const marker = window.L.marker([record.lat, record.lon], {
        draggable: false,
        icon: icon(record),
        title: record.position_ddm,
        keyboard: true,
        riseOnHover: true,
        // A tap focuses the marker; Leaflet's pan on focus then moved the map under the finger
        // at the screen's edge and the tap missed. Only the keyboard pans to it (see tag()).
        autoPanOnFocus: false,
        swId: record.id,
        swStatus: record.status,
      });
      entry = { marker: marker, record: record };
      markers.set(record.id, entry);
      marker.on("add", () => tag(entry));
      // Markers move only in move mode: a pan that starts on a marker must never move a boat.
      marker.on("dragend", () => {
        if (moving && moving.entry === entry) movedTo(entry.marker.getLatLng());
      });
      marker.bindPopup(() => popupContent(entry.record), { maxWidth: 320 });
      // A second tap on a slow phone must not close the popup the first one opened (Leaflet
      // toggles it); the popup's x and a tap on the map close it.
      marker.off("click", marker._openPopup, marker);
      marker.on("click", (e) => {
        window.L.DomEvent.stop(e);
        if (!marker.isPopupOpen()) marker.openPopup();
      });
      marker.on("popupopen", () => { reading = marker; });
      marker.on("popupclose", () => {
        if (reading === marker) reading = null;
        applyDeferred();
      });
      if (batch) batch.push(marker);
      else layer.addLayer(marker);
    } else {
      // Only touch what changed: a new icon element would close an open popup or a drag.
      const was = entry.record;
      if (was.lat !== record.lat || was.lon !== record.lon) {
        entry.marker.setLatLng([record.lat, record.lon]);
      }
      if (was.status !== record.status) {
        entry.marker.options.swStatus = record.status;
        entry.marker.setIcon(icon(record));
        if (layer.refreshClusters) layer.refreshClusters(entry.marker);
      }
    }
    entry.record = record;
    tag(entry);
  }

  // Markers that come or go while the coordinator reads a popup wait until it is closed: adding
  // or taking off a marker re-forms the clusters, which closed the popup (and moved the Edit
  // button from under the finger). Changes to markers already shown are made at once.
  let reading = null;
  let deferredGone = [];
  let deferredAdded = [];

  function applyDeferred() {
    if (reading) return;
    const gone = deferredGone.filter((m) => layer.hasLayer(m));
    // a marker taken off again, or replaced, before it was shown is not shown
    const added = deferredAdded.filter((m) => {
      const entry = markers.get(m.options.swId);
      return entry && entry.marker === m && !layer.hasLayer(m);
    });
    deferredGone = [];
    deferredAdded = [];
    // At once, so the clusters are worked out once per refresh, not once per marker.
    if (gone.length) (layer.removeLayers ? layer.removeLayers(gone) : gone.forEach((m) => layer.removeLayer(m)));
    if (added.length) (layer.addLayers ? layer.addLayers(added) : added.forEach((m) => layer.addLayer(m)));
  }

  function tag(entry) {
    const node = entry.marker.getElement();
    if (node && !node.dataset.swFocus) {
      node.dataset.swFocus = "pan";
      node.addEventListener("focus", () => {
        if (!node.matches(":focus-visible")) return; // a tap or a click, not the keyboard
        const size = entry.marker.options.icon.options.iconSize;
        map.panInside(entry.marker.getLatLng(), { padding: size });
      });
    }
    if (node) {
      node.dataset.id = entry.record.id;
      node.dataset.version = String(entry.record.version);
      node.setAttribute("aria-label", entry.record.position_ddm);
      node.title = entry.record.position_ddm;
    }
  }

  function remove(id, batch) {
    const entry = markers.get(id);
    if (entry) {
      if (batch) batch.push(entry.marker);
      else layer.removeLayer(entry.marker);
      markers.delete(id);
    }
  }

  // ------------------------------------------------------------------- move mode

  function wrapped(latlng) {
    return {
      lat: Number(latlng.lat.toFixed(6)),
      lon: Number(window.L.Util.wrapNum(latlng.lng, [-180, 180], true).toFixed(6)),
    };
  }

  function startMove(id) {
    const entry = markers.get(id);
    if (moving) return;
    if (!entry) {
      // a refresh took it off the list shown while its popup was open
      map.closePopup();
      flash(t("web.map.gone"), true);
      return;
    }
    map.closePopup();
    closeForm();
    const r = entry.record;
    moving = { entry: entry, from: { lat: r.lat, lon: r.lon, ddm: r.position_ddm }, to: null };
    busy += 1; // no refresh moves the marker under the coordinator's finger
    // Out of its cluster while it moves: always drawn, never spread out or merged.
    if (layer.hasLayer(entry.marker)) layer.removeLayer(entry.marker);
    entry.marker.setLatLng([r.lat, r.lon]).addTo(map);
    entry.marker.dragging.enable();
    const node = entry.marker.getElement();
    if (node) node.classList.add("sw-inc-moving");
    showMoveBox();
  }

  function showMoveBox() {
    const m = moving;
    moveBox.replaceChildren(
      el("strong", { text: t("web.move.title", { id: m.entry.record.id }) }),
      el("p", { text: t("web.move.hint") }),
      el("div", { className: "sw-ed-fromto", dir: "ltr" }, [
        el("span", { text: t("web.move.from") }), el("output", { id: "sw-move-from", text: m.from.ddm }),
        el("span", { text: t("web.move.to") }), el("output", { id: "sw-move-to", text: m.to ? m.to.ddm : "–" }),
      ]),
      el("div", { className: "sw-ed-buttons" }, [
        el("button", { id: "sw-move-confirm", type: "button", className: "sw-ed-primary",
          text: t("web.move.confirm"), disabled: !(m.to && m.to.ddm), onclick: confirmMove }),
        el("button", { id: "sw-move-cancel", type: "button", text: t("web.map.cancel"), onclick: cancelMove }),
      ])
    );
    moveBox.hidden = false;
  }

  async function movedTo(latlng) {
    const m = moving;
    const to = wrapped(latlng);
    m.to = { lat: to.lat, lon: to.lon, ddm: null };
    showMoveBox();
    const result = await send("GET", "/api/positions/parse?text=" + encodeURIComponent(to.lat + ", " + to.lon));
    if (moving !== m || m.to.lat !== to.lat || m.to.lon !== to.lon) return;
    if (result.ok) m.to.ddm = result.data.ddm;
    else flash(problem(result), true);
    showMoveBox();
  }

  function endMove() {
    if (!moving) return;
    const entry = moving.entry;
    entry.marker.dragging.disable();
    const node = entry.marker.getElement();
    if (node) node.classList.remove("sw-inc-moving");
    map.removeLayer(entry.marker);
    if (markers.get(entry.record.id) === entry) layer.addLayer(entry.marker);
    moving = null;
    moveBox.hidden = true;
    busy = Math.max(0, busy - 1);
  }

  function cancelMove() {
    if (!moving) return;
    moving.entry.marker.setLatLng([moving.entry.record.lat, moving.entry.record.lon]);
    endMove();
  }

  async function confirmMove() {
    const m = moving;
    if (!m || !m.to || !m.to.ddm) return;
    endMove();
    await patchPosition(m.entry, m.from, m.to, false);
  }

  // Send a move; on failure the marker goes back to where the server has it.
  async function patchPosition(entry, from, to, isUndo) {
    writeState("pending", t("web.write.pending"));
    busy += 1;
    let result;
    try {
      result = await send("PATCH", "/api/incidents/" + encodeURIComponent(entry.record.id), {
        version: entry.record.version,
        lat: to.lat,
        lon: to.lon,
      });
    } finally {
      busy = Math.max(0, busy - 1);
    }
    if (result.ok) {
      upsert(result.data);
      const text = t(isUndo ? "web.move.undone" : "web.map.moved", { ddm: result.data.position_ddm });
      const undo = isUndo ? null : () => {
        const current = markers.get(entry.record.id);
        if (current) patchPosition(current, to, from, true);
      };
      writeState("saved", text, null, undo);
    } else {
      if (result.status === 409 && result.data && result.data.current) upsert(result.data.current);
      entry.marker.setLatLng([entry.record.lat, entry.record.lon]);
      writeState("failed", t("web.write.failed_detail", { reason: problem(result) }),
        () => patchPosition(markers.get(entry.record.id) || entry, from, to, isUndo));
    }
  }

  // ``shown``: the record its popup was opened on, for when a refresh has taken the marker off
  // meanwhile (the popup stays open while the coordinator reads it).
  async function retract(id, confirmed, shown) {
    const entry = markers.get(id);
    const record = entry ? entry.record : shown;
    if (!record || (!confirmed && !window.confirm(t("web.map.retract_confirm")))) return;
    map.closePopup();
    writeState("pending", t("web.write.pending"));
    const result = await send("DELETE", "/api/incidents/" + encodeURIComponent(id) + "?version=" + record.version);
    const done = result.ok ? result.data :
      result.status === 409 && result.data && result.data.current && result.data.current.status === "retracted"
        ? result.data.current : null; // the first attempt went through and only its answer was lost
    if (done) {
      upsert(done);
      writeState("saved", t("web.map.retracted"), null, () => restore(id, done.version));
      updateCount();
    } else {
      if (result.status === 409 && result.data && result.data.current) upsert(result.data.current);
      writeState("failed", t("web.write.failed_detail", { reason: problem(result) }),
        () => retract(id, true, record));
    }
  }

  // Undo a retraction from the map: the status it had before, as a new version. ``version``
  // is the retracted one when its marker is gone (retracted incidents not shown).
  async function restore(id, version) {
    const entry = markers.get(id);
    const based = entry ? entry.record.version : version;
    if (!based) return;
    map.closePopup();
    writeState("pending", t("web.write.pending"));
    const result = await send("POST", "/api/incidents/" + encodeURIComponent(id) + "/restore?version=" + based);
    // A 409 whose current record is no longer retracted: an earlier attempt went through.
    const record = result.ok ? result.data :
      result.status === 409 && result.data && result.data.current && result.data.current.status !== "retracted"
        ? result.data.current : null;
    if (record) {
      upsert(record);
      writeState("saved", t("web.map.restored", { status: t("web.status." + record.status) }));
      updateCount();
      return;
    }
    if (result.status === 409 && result.data && result.data.current) upsert(result.data.current);
    const current = result.status === 409 && result.data && result.data.current;
    writeState("failed", t("web.write.failed_detail", { reason: problem(result) }),
      () => restore(id, current ? current.version : based));
  }

  // "33°12.500'N 012°45.300'E", as the server writes it.
  function ddm(lat, lon) {
    const part = (value, width, pos, neg) => {
      const abs = Math.abs(value);
      let deg = Math.floor(abs);
      let min = Number(((abs - deg) * 60).toFixed(3));
      if (min >= 60) {
        deg += 1;
        min = 0;
      }
      return String(deg).padStart(width, "0") + "°" + min.toFixed(3).padStart(6, "0") + "'" + (value < 0 ? neg : pos);
    };
    return part(lat, 2, "N", "S") + " " + part(lon, 3, "E", "W");
  }

  // A history entry's changes in words: positions in DDM, lists joined, names translated.
  function readableChanges(changes) {
    const pairs = Object.assign({}, changes);
    if (pairs.lat && pairs.lon) {
      const typed = pairs.position_text || [null, null];
      pairs.position = [0, 1].map((i) =>
        pairs.lat[i] !== null && pairs.lon[i] !== null ? ddm(pairs.lat[i], pairs.lon[i]) : typed[i]);
      delete pairs.lat;
      delete pairs.lon;
      delete pairs.position_text;
    }
    const show = (name, v) => {
      if (v === null || v === undefined || v === "") return "–";
      if (Array.isArray(v)) return v.length ? v.map((x) => show(name, x)).join(", ") : "–";
      if (name === "status") return t("web.status." + v);
      if (name === "boat_type") return t("web.boat." + v);
      return String(v);
    };
    return Object.keys(pairs).sort().map((name) => {
      const key = "web.field." + (name === "notes" ? "note" : name);
      const label = Object.prototype.hasOwnProperty.call(T, key) ? T[key] : name;
      const pair = Array.isArray(pairs[name]) ? pairs[name] : [null, pairs[name]];
      return [label, show(name, pair[0]), show(name, pair[1])];
    });
  }

  async function showHistory(id) {
    const result = await api("GET", "/api/incidents/" + encodeURIComponent(id) + "/history");
    historyBox.replaceChildren();
    historyBox.hidden = false;
    if (!result.ok) {
      historyBox.append(el("p", { className: "sw-ed-error", text: problem(result) }));
      return;
    }
    historyBox.append(el("h3", { text: t("web.history.title") }),
      el("button", { type: "button", className: "sw-close", text: "×", "aria-label": t("web.map.close"),
        onclick: () => { historyBox.hidden = true; } }));
    const list = el("ol", { className: "sw-history-list" });
    result.data.forEach((h) => {
      const item = el("li", { "data-version": h.version });
      item.append(el("div", { className: "sw-h-head",
        text: "v" + h.version + " · " + h.action + " · " + h.user + " · " + timeText(h.at) }));
      const changes = el("ul");
      readableChanges(h.changes || {}).forEach(([label, before, after]) => {
        changes.append(el("li", { text: label + ": " + before + " → " + after }));
      });
      item.append(changes);
      list.append(item);
    });
    historyBox.append(list);
  }

  function updateCount() {
    listInfo.textContent = t("web.map.count", { n: markers.size });
  }

  function hhmm(date) {
    return pad(date.getUTCHours()) + ":" + pad(date.getUTCMinutes());
  }

  // The state of the live picture: ok, or lost (requests fail) / stale (nothing new for long).
  function showConnection() {
    const now = Date.now();
    const stale = lastOk !== null && now - lastOk.getTime() > STALE_MS;
    const state = failures > 0 ? "lost" : stale ? "stale" : "ok";
    if (lastOk) updatedBox.textContent = t("web.conn.updated", { time: hhmm(lastOk) });
    connBox.dataset.state = state;
    document.documentElement.dataset.swConnection = state;
    if (state === "ok") {
      connBox.hidden = true;
      connBox.replaceChildren();
      return;
    }
    const text = lastOk
      ? t(state === "lost" ? "web.conn.lost" : "web.conn.stale", { time: hhmm(lastOk) })
      : t("web.conn.lost_never");
    connBox.replaceChildren(
      el("span", { text: text }),
      el("button", { id: "sw-reconnect", type: "button", text: t("web.conn.retry_now"), onclick: refreshNow })
    );
    connBox.hidden = false;
  }

  function schedule(ms) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(loadIncidents, ms);
  }

  function refreshNow() {
    clearTimeout(refreshTimer);
    loadIncidents();
  }

  let shownList = null; // {url, etag} of the list the markers were last drawn from

  async function loadIncidents() {
    // While a move is in flight the markers stay as they are; look again soon.
    if (busy) {
      schedule(RETRY_FIRST_MS);
      return;
    }
    const wanted = period;
    const retracted = showRetracted;
    const asked = Date.now();
    const url = "/api/incidents?since=" + wanted + (retracted ? "&include_retracted=true" : "");
    // "Not modified" when nothing changed: on a poor link the whole list (120 kB gzipped for
    // 1,600 incidents) is not sent again every minute.
    const tag = shownList && shownList.url === url ? shownList.etag : null;
    const result = await send("GET", url, undefined, tag ? { "If-None-Match": tag } : undefined);
    if (result.status === 304) {
      failures = 0;
      lastOk = new Date();
      schedule(REFRESH_MS);
      showConnection();
      document.documentElement.dataset.swIncidents = "loaded";
      return;
    }
    if (!result.ok) {
      if (result.status === 401) flash(problem(result), true);
      failures += 1;
      showConnection();
      schedule(Math.min(REFRESH_MS, RETRY_FIRST_MS * Math.pow(2, failures - 1)));
      return;
    }
    failures = 0;
    lastOk = new Date();
    schedule(REFRESH_MS);
    // An open form is left as it is: only the markers change.
    if (!busy && wanted === period && retracted === showRetracted) {
      shownList = result.etag ? { url: url, etag: result.etag } : null;
      const seen = new Set();
      const added = [];
      const gone = [];
      result.data.features.forEach((f) => {
        seen.add(f.id);
        upsert(f.properties, added, asked);
      });
      Array.from(markers.keys()).forEach((id) => {
        if (!seen.has(id) && !(wroteAt.get(id) > asked)) remove(id, gone);
      });
      deferredGone.push(...gone);
      deferredAdded.push(...added);
      applyDeferred();
      updateCount();
    }
    showConnection();
    document.documentElement.dataset.swIncidents = "loaded";
  }

  // ------------------------------------------------------------------------ drifts

  // "Where is it now?": the drift runs on the server; its layer (seawatch-drift.js, in the
  // rendered map) shows it when it is done. Poll every 2 s (a drift takes tens of seconds).
  const DRIFT_POLL_MS = 2000;

  function driftLayer() {
    return window.seawatchMap && window.seawatchMap.drift ? window.seawatchMap.drift : null;
  }

  async function startDrift(id) {
    map.closePopup();
    const shortId = id.slice(0, 8);
    writeState("pending", t("drift.ui.queued", { id: shortId }));
    document.documentElement.dataset.swDrift = "running";
    const result = await send("POST", "/api/incidents/" + encodeURIComponent(id) + "/drifts", {});
    if (!result.ok) {
      document.documentElement.dataset.swDrift = "failed";
      writeState("failed", t("drift.ui.failed", { reason: problem(result) }), () => startDrift(id));
      return;
    }
    pollDrift(result.data.id, id, 0);
  }

  async function pollDrift(driftId, incidentId, lost) {
    const shortId = incidentId.slice(0, 8);
    const result = await send("GET", "/api/drifts/" + driftId);
    if (!result.ok) {
      // The drift goes on on the server: keep asking while the connection is down.
      if ((result.status === 0 || result.status >= 500) && lost < 30) {
        setTimeout(() => pollDrift(driftId, incidentId, lost + 1), DRIFT_POLL_MS * 2);
        return;
      }
      document.documentElement.dataset.swDrift = "failed";
      writeState("failed", t("drift.ui.failed", { reason: problem(result) }));
      return;
    }
    const drift = result.data;
    if (drift.status === "queued" || drift.status === "running") {
      writeState("pending", t("drift.ui.running", { id: shortId }));
      setTimeout(() => pollDrift(driftId, incidentId, 0), DRIFT_POLL_MS);
      return;
    }
    if (drift.status === "failed") {
      document.documentElement.dataset.swDrift = "failed";
      writeState("failed", t("drift.ui.failed", { reason: drift.error || "?" }), () => startDrift(incidentId));
      return;
    }
    const now = (drift.summary && drift.summary.now) || {};
    const area = now.area_90_nm2;
    // The position in a left-to-right isolate, so Arabic text around it cannot reorder it.
    writeState("saved", t("drift.ui.ready", { ddm: now.ddm ? "\u2066" + now.ddm + "\u2069" : "–",
      a90: area === null || area === undefined ? "–" : area >= 100 ? area.toFixed(0) : area.toFixed(1) }));
    const layer = driftLayer();
    if (layer) layer.add(drift);
    else flash(t("drift.ui.no_layer"));
    document.documentElement.dataset.swDrift = "ready";
  }

  // The newest finished drift of each open distress case, drawn when the map opens.
  async function loadDrifts() {
    const layer = driftLayer();
    if (!layer) return;
    const result = await send("GET", "/api/drifts");
    if (result.ok) layer.show(result.data);
  }

  // ---------------------------------------------------------------------------- start

  async function start() {
    const [texts, who] = await Promise.all([
      fetch("/ui/texts?lang=" + encodeURIComponent(lang), { credentials: "same-origin" }).then((r) => r.json()),
      api("GET", "/api/me"),
    ]);
    T = texts.texts || {};
    if (who.ok) me = who.data;
    map = await waitForMap(20000);
    layer = makeLayer().addTo(map);
    buildPanel();
    map.on("click", onMapClick);
    if (window.seawatchMap) {
      // a click that places or moves a report is not also a request for the point forecast
      window.seawatchMap.claimsClick = () => Boolean(moving || (editing && editing.mode === "new"));
    }
    // Leaflet fades a closed popup out and removes it 200 ms later by a timer, which runs late
    // on a busy phone: meanwhile the invisible popup swallows taps meant for the markers under
    // it. It goes at once instead.
    map.on("popupclose", (e) => {
      const node = e.popup.getElement();
      if (node && node.parentNode) node.parentNode.removeChild(node);
    });
    fitPhone();
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && moving) cancelMove();
    });
    await loadIncidents();
    loadDrifts();
    // Drifts other coordinators start appear within two minutes (each is some 50 kB).
    setInterval(loadDrifts, 2 * REFRESH_MS);
    setInterval(showConnection, 10000);
    window.addEventListener("online", refreshNow);
    document.documentElement.dataset.swEditor = "ready";
  }

  start().catch((err) => {
    document.documentElement.dataset.swEditor = "failed";
    if (window.console) window.console.error("seawatch editor:", err);
  });
})();
