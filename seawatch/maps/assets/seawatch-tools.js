/*! seawatch map reading aids (AGPL-3.0-or-later): port names, wind barbs with the Beaufort
 * force, the point-forecast chart, typed positions, and the ruler starting on a port, an
 * incident or a typed position. Loaded after seawatch-map.js; seawatchReadingAids(map) hooks
 * into a SeawatchMap. */
(function () {
  "use strict";

  var KN_PER_MS = 1.943844;

  var esc = window.seawatchText.esc; // from seawatch-map.js, loaded first
  var fmt = window.seawatchText.fmt;

  // ==== positions: a port of seawatch.geo.positions.parse_position ===========================
  // Same grammar, same numbers (the browser test runs the Python corpus through both).

  function PositionError(message) {
    var e = new Error(message);
    e.name = "PositionError";
    return e;
  }

  function quote(s) { return "'" + s + "'"; }

  var TRANSLATE = {};
  "°º˚ᵒ⁰∘".split("").forEach(function (c) { TRANSLATE[c] = "°"; });
  "'′’‘´`ʹʼ‛＇".split("").forEach(function (c) { TRANSLATE[c] = "'"; });
  '"″”“ʺ‟＂〃'.split("").forEach(function (c) { TRANSLATE[c] = '"'; });
  "−‐‑‒–—﹣－".split("").forEach(function (c) { TRANSLATE[c] = "-"; });
  for (var d = 0; d < 10; d++) {
    TRANSLATE[String.fromCharCode(0x0660 + d)] = String(d);
    TRANSLATE[String.fromCharCode(0x06f0 + d)] = String(d);
  }
  TRANSLATE["٫"] = "."; TRANSLATE["٬"] = ","; TRANSLATE["،"] = ","; TRANSLATE["؛"] = ";";
  (function () {
    var invisible = "\u200b\u200c\u200d\u200e\u200f\u061c\ufeff\u2060\u0640\u0670", c;
    for (c = 0x202a; c < 0x202f; c++) invisible += String.fromCharCode(c);
    for (c = 0x2066; c < 0x206a; c++) invisible += String.fromCharCode(c);
    for (c = 0x064b; c < 0x0653; c++) invisible += String.fromCharCode(c);
    invisible.split("").forEach(function (ch) { TRANSLATE[ch] = ""; });
  })();

  function translateChars(s) {
    var out = "";
    for (var ch of s) out += Object.prototype.hasOwnProperty.call(TRANSLATE, ch) ? TRANSLATE[ch] : ch;
    return out;
  }

  function normalize(text) {
    // Look-alikes first: NFKC would turn "º" and "ᵒ" into "o" and "⁰" into "0".
    return translateChars(translateChars(text).normalize("NFKC"));
  }

  var HEMISPHERES = {
    n: "N", north: "N", nord: "N", "شمال": "N", "ش": "N",
    s: "S", south: "S", sud: "S", "جنوب": "S", "ج": "S",
    e: "E", east: "E", est: "E", "شرق": "E", "ق": "E",
    w: "W", west: "W", "غرب": "W", "غ": "W",
  };
  var UNIT_WORDS = {
    d: "deg", deg: "deg", degs: "deg", degree: "deg", degrees: "deg", "درجة": "deg",
    m: "min", min: "min", mins: "min", minute: "min", minutes: "min", "دقيقة": "min",
    sec: "sec", secs: "sec", second: "sec", seconds: "sec", "ثانية": "sec",
  };
  var LABELS = {
    lat: "lat", latitude: "lat", "عرض": "lat",
    lon: "lon", long: "lon", lng: "lon", longitude: "lon", "طول": "lon",
  };
  var IGNORED_WORDS = { "خط": true };
  function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  // Python's [^\W\d_] (letters and non-decimal numerics) is [\p{L}\p{Nl}\p{No}] here.
  var REST = "|(?<deg>°)|(?<sec>\"|'')|(?<min>')|(?<word>[\\p{L}\\p{Nl}\\p{No}]+\\.?)|(?<sep>[,;/|])" +
    "|(?<dash>[-+])|(?<colon>:)|(?<space>[\\s()\\[\\]{}]+)";
  var TOKEN_DOT = new RegExp("(?<num>\\d+(?:\\.\\d*)?|\\.\\d+)" + REST, "uy");
  var TOKEN_COMMA = new RegExp("(?<num>\\d+(?:,\\d+)?)" + REST, "uy");
  var KINDS = ["num", "deg", "sec", "min", "word", "sep", "dash", "colon", "space"];

  function tok(kind, value, start, end) { return { kind: kind, value: value, start: start, end: end }; }
  function isDigit(ch) { return ch !== undefined && /\d/.test(ch); }

  function tokenize(s, decimalComma, original) {
    var pattern = decimalComma ? TOKEN_COMMA : TOKEN_DOT;
    var tokens = [], pos = 0;
    while (pos < s.length) {
      pattern.lastIndex = pos;
      var m = pattern.exec(s);
      if (m === null) {
        throw PositionError("cannot read " + quote(String.fromCodePoint(s.codePointAt(pos))) + " at character " +
          (pos + 1) + " of position " + quote(original));
      }
      var kind = null;
      for (var k = 0; k < KINDS.length; k++) if (m.groups[KINDS[k]] !== undefined) { kind = KINDS[k]; break; }
      var raw = m[0], start = pos, end = pos + raw.length;
      pos = end;
      if (kind === "space") continue;
      if (kind === "num") tokens.push(tok("num", raw.replace(",", "."), start, end));
      else if (kind === "deg" || kind === "min" || kind === "sec") tokens.push(tok("unit", kind, start, end));
      else if (kind === "sep") tokens.push(tok("sep", raw, start, end));
      else if (kind === "dash") {
        var last = tokens[tokens.length - 1];
        var between = raw === "-" && last && last.kind === "num" && last.end === start && end < s.length && isDigit(s[end]);
        tokens.push(tok(between ? "join" : "sign", raw, start, end));
      } else if (kind === "colon") {
        var prev = tokens[tokens.length - 1];
        if (prev && prev.kind === "num" && end < s.length && isDigit(s[end])) tokens.push(tok("join", ":", start, end));
      } else tokens.push(classifyWord(raw, start, end, original));
    }
    return tokens.filter(function (t) { return t.kind !== "ignored"; });
  }

  function classifyWord(raw, start, end, original) {
    var word = raw.replace(/\.+$/, "").toLowerCase();
    if (has(HEMISPHERES, word)) return tok("hemi", HEMISPHERES[word], start, end);
    var stripped = word.endsWith("ا") ? word.slice(0, -1) : word; // Arabic adverbial form: شمالا
    if (has(HEMISPHERES, stripped) && stripped.length > 1) return tok("hemi", HEMISPHERES[stripped], start, end);
    if (has(UNIT_WORDS, word)) return tok("unit", UNIT_WORDS[word], start, end);
    if (has(LABELS, word)) return tok("label", LABELS[word], start, end);
    var noArticle = word.startsWith("ال") ? word.slice(2) : word;
    if (has(LABELS, noArticle)) return tok("label", LABELS[noArticle], start, end);
    if (word === "point") return tok("point", "POINT", start, end);
    if (has(IGNORED_WORDS, word)) return tok("ignored", word, start, end);
    throw PositionError("cannot read " + quote(raw) + " in position " + quote(original) +
      ": expected a hemisphere letter (N, S, E, W) or a unit (°, ', \")");
  }

  var SLOTS = { deg: 0, min: 1, sec: 2 };
  var SLOT_NAMES = ["degrees", "minutes", "seconds"];

  function partAxis(part) {
    if (part.hemi !== null) return "NS".indexOf(part.hemi) >= 0 ? "lat" : "lon";
    return part.label;
  }

  function spanText(s, tokens) {
    return tokens.length ? s.slice(tokens[0].start, tokens[tokens.length - 1].end).trim() : "";
  }

  function buildPart(s, tokens, original) {
    var part = { tokens: tokens, text: spanText(s, tokens), hemi: null, label: null, sign: 1, numbers: [],
      degreeMark: false, joined: false };
    var where = quote(part.text);
    var hemis = tokens.filter(function (t) { return t.kind === "hemi"; });
    var labels = tokens.filter(function (t) { return t.kind === "label"; });
    var signs = tokens.filter(function (t) { return t.kind === "sign"; });
    if (hemis.length > 1) throw PositionError(where + " has more than one hemisphere letter; write one of N/S and one of E/W");
    if (labels.length > 1) throw PositionError(where + " is labelled both latitude and longitude");
    if (signs.length > 1) throw PositionError(where + " has more than one sign");
    if (hemis.length) part.hemi = hemis[0].value;
    if (labels.length) part.label = labels[0].value;
    if (part.hemi && part.label && partAxis(part) !== part.label) {
      throw PositionError(where + " is labelled " + (part.label === "lat" ? "latitude" : "longitude") +
        " but has hemisphere " + part.hemi);
    }
    if (signs.length) {
      if (hemis.length) throw PositionError(where + " has both a sign and a hemisphere letter; use one or the other");
      part.sign = signs[0].value === "-" ? -1 : 1;
    }
    var slot = -1, pending = null;
    tokens.forEach(function (t) {
      if (t.kind === "num") {
        if (pending !== null) { slot += 1; part.numbers.push([pending.value, slot]); }
        pending = t;
      } else if (t.kind === "unit") {
        if (pending === null) throw PositionError(where + ": unit mark without a number before it");
        var marked = SLOTS[t.value];
        if (marked <= slot) throw PositionError(where + ": " + SLOT_NAMES[marked] + " given after " + SLOT_NAMES[slot]);
        if (marked > slot + 1) throw PositionError(where + ": " + SLOT_NAMES[marked] + " given without " + SLOT_NAMES[slot + 1]);
        slot = marked;
        part.numbers.push([pending.value, slot]);
        part.degreeMark = part.degreeMark || marked === 0;
        pending = null;
      } else if (t.kind === "join") part.joined = true;
      else if (t.kind === "sign" && (part.numbers.length || pending !== null)) {
        throw PositionError(where + ": sign in the middle of a coordinate");
      }
    });
    if (pending !== null) { slot += 1; part.numbers.push([pending.value, slot]); }
    if (!part.numbers.length) throw PositionError(where + " has no number in position " + quote(original));
    if (part.numbers.length > 3) {
      throw PositionError(where + " has " + part.numbers.length +
        " numbers; a coordinate has at most degrees, minutes and seconds");
    }
    return part;
  }

  function hasNum(list) { return list.some(function (t) { return t.kind === "num"; }); }

  function splitParts(s, tokens, original) {
    if (tokens.some(function (t) { return t.kind === "sep"; })) {
      var chunks = [[]];
      tokens.forEach(function (t) { if (t.kind === "sep") chunks.push([]); else chunks[chunks.length - 1].push(t); });
      chunks = chunks.filter(function (c) { return c.length; });
      if (chunks.length !== 2) {
        throw PositionError("position " + quote(original) + " has " + chunks.length +
          " parts separated by ',' ';' or '/'; expected latitude and longitude");
      }
      return chunks;
    }
    var markers = tokens.filter(function (t) { return t.kind === "hemi" || t.kind === "label"; });
    if (markers.length) {
      var kinds = tokens.map(function (t) { return t.kind; });
      var hasHemi = kinds.indexOf("hemi") >= 0;
      var firstHemi = hasHemi ? kinds.indexOf("hemi") : kinds.length;
      var parts = [[]];
      if (firstHemi < kinds.indexOf("num") || !hasHemi) {
        tokens.forEach(function (t) {
          if ((t.kind === "hemi" || t.kind === "label") && hasNum(parts[parts.length - 1])) parts.push([]);
          parts[parts.length - 1].push(t);
        });
      } else {
        tokens.forEach(function (t) {
          if (t.kind === "label" && hasNum(parts[parts.length - 1])) parts.push([]);
          parts[parts.length - 1].push(t);
          if (t.kind === "hemi") parts.push([]);
        });
      }
      parts = parts.filter(function (p) { return p.length; });
      if (parts.some(function (p) { return !hasNum(p); }) ||
          (parts.length === 1 && parts[0].filter(function (t) { return t.kind === "hemi"; }).length > 1)) {
        throw PositionError("position " + quote(original) +
          ": hemisphere letters must all come before the numbers or all after them");
      }
      if (parts.length === 2) return parts;
      if (parts.length > 2) {
        throw PositionError("position " + quote(original) + " has " + parts.length +
          " coordinates; expected latitude and longitude");
      }
      tokens = parts[0];
    }
    var groups = [[]];
    var degreeMarks = tokens.some(function (t) { return t.kind === "unit" && t.value === "deg"; });
    tokens.forEach(function (t, i) {
      var current = groups[groups.length - 1];
      var starts = (t.kind === "sign" || t.kind === "num") && hasNum(current) &&
        current[current.length - 1].kind !== "join" && current[current.length - 1].kind !== "sign" &&
        (t.kind === "sign" || !degreeMarks ||
          (i + 1 < tokens.length && tokens[i + 1].kind === "unit" && tokens[i + 1].value === "deg"));
      if (starts) groups.push([]);
      groups[groups.length - 1].push(t);
    });
    if (groups.length === 2) return groups;
    var plain = groups.every(function (g) { return g.filter(function (t) { return t.kind === "num"; }).length === 1; });
    if (plain && (groups.length === 4 || groups.length === 6)) {
      var half = groups.length / 2, flat = function (gs) { return [].concat.apply([], gs); };
      return [flat(groups.slice(0, half)), flat(groups.slice(half))];
    }
    if (tokens.filter(function (t) { return t.kind === "num"; }).length <= 1) {
      throw PositionError("position " + quote(original) + " has only one coordinate; give latitude and longitude");
    }
    throw PositionError("cannot tell latitude from longitude in " + quote(original) +
      ": separate them with a comma or add hemisphere letters (N/S, E/W)");
  }

  function isCompact(part) {
    return !part.degreeMark && part.numbers[0][0].split(".")[0].length >= 4;
  }

  function form(part) {
    if (part.numbers.length === 1 && isCompact(part)) return "compact";
    if (part.joined) return "sitrep";
    return ["decimal", "ddm", "dms"][part.numbers.length - 1];
  }

  function compactComponents(part, axis) {
    var number = part.numbers[0][0], dot = number.indexOf(".");
    var whole = dot < 0 ? number : number.slice(0, dot), frac = dot < 0 ? "" : number.slice(dot + 1);
    frac = frac ? "." + frac : "";
    var n = whole.length, degDigits;
    if (axis === "lat") {
      degDigits = { 4: 2, 6: 2, 5: 3, 7: 3 }[n];
      if ((n === 5 || n === 7) && !whole.startsWith("0")) degDigits = undefined;
    } else degDigits = { 4: 2, 5: 3, 6: 2, 7: 3 }[n];
    if (degDigits === undefined) {
      throw PositionError(quote(part.text) + ": cannot read the " + n + "-digit number as a " +
        (axis === "lat" ? "latitude" : "longitude") +
        " (compact forms are DDMM.m / DDMMSS for latitude, DDDMM.m / DDDMMSS for longitude)");
    }
    var rest = whole.slice(degDigits), components = [whole.slice(0, degDigits), rest.slice(0, 2)];
    if (rest.length === 4) components.push(rest.slice(2));
    components[components.length - 1] += frac;
    return components;
  }

  function show(value) { return value.toFixed(6).replace(/0+$/, "").replace(/\.$/, ""); }

  function value(part, axis) {
    var axisName = axis === "lat" ? "latitude" : "longitude", components;
    if (part.numbers.length === 1 && isCompact(part)) {
      if (part.hemi === null) throw PositionError(quote(part.text) + ": a compact position (DDMM.m) needs a hemisphere letter");
      components = compactComponents(part, axis);
    } else components = part.numbers.map(function (x) { return x[0]; });
    for (var i = 0; i < components.length - 1; i++) {
      var bits = components[i].split(".");
      if (bits.length > 1 && bits[1].replace(/^0+|0+$/g, "")) {
        throw PositionError(quote(part.text) + ": " + SLOT_NAMES[i] + " " + components[i] + " must be whole when " +
          SLOT_NAMES[i + 1] + " follow");
      }
    }
    var values = components.map(Number);
    [1, 2].forEach(function (k) {
      if (values.length > k && values[k] >= 60) {
        throw PositionError(quote(part.text) + ": " + SLOT_NAMES[k] + " " + components[k] + " must be less than 60");
      }
    });
    var extra = 0;
    for (var j = 1; j < values.length; j++) extra += values[j] / Math.pow(60, j);
    var magnitude = values[0] + extra;
    var negative = part.sign < 0 || part.hemi === "S" || part.hemi === "W";
    var v = negative ? -magnitude : magnitude, limit = axis === "lat" ? 90 : 180;
    if (magnitude > limit || !isFinite(magnitude)) {
      throw PositionError(axisName + " " + show(v) + " is out of range (-" + limit + " to " + limit + ") in " + quote(part.text));
    }
    return v;
  }

  function dashBetweenCoordinates(s, tokens) {
    tokens.forEach(function (t, i) {
      if (t.kind === "sign" && t.value === "-" && i > 0 && (t.end >= s.length || /\s/.test(s[t.end])) &&
          tokens[i - 1].kind === "hemi" && tokens.slice(i + 1).some(function (x) { return x.kind === "hemi"; })) {
        tokens[i] = tok("sep", "-", t.start, t.end);
      }
    });
  }

  function parseWkt(tokens, original) {
    var values = [], sign = 1;
    tokens.filter(function (t) { return t.kind !== "point"; }).forEach(function (t) {
      if (t.kind === "sign") sign = t.value === "-" ? -1 : 1;
      else if (t.kind === "num") { values.push(sign * Number(t.value)); sign = 1; }
      else throw PositionError("cannot read " + quote(t.value) + " in WKT position " + quote(original));
    });
    if (values.length !== 2) throw PositionError("WKT position " + quote(original) + " must be POINT (lon lat)");
    var lon = values[0], lat = values[1];
    if (Math.abs(lat) > 90) throw PositionError("latitude " + show(lat) + " is out of range (-90 to 90) in " + quote(original));
    if (Math.abs(lon) > 180) throw PositionError("longitude " + show(lon) + " is out of range (-180 to 180) in " + quote(original));
    return { lat: lat, lon: lon, text: original, format: "wkt" };
  }

  function parsePosition(text) {
    if (typeof text !== "string") throw PositionError("position must be text, got " + typeof text);
    var s = normalize(text).trim();
    if (!s) throw PositionError("position is empty");
    var decimalComma = /\d,\d/.test(s) && !/\d\.\d/.test(s);
    var tokens = tokenize(s, decimalComma, text);
    if (decimalComma && tokens.filter(function (t) { return t.kind === "num"; }).length === 1) {
      tokens = tokenize(s, false, text); // "33,12": a comma between whole numbers separates them
    }
    if (!hasNum(tokens)) throw PositionError("position " + quote(text) + " has no numbers");
    dashBetweenCoordinates(s, tokens);
    if (tokens.some(function (t) { return t.kind === "point"; })) return parseWkt(tokens, text);
    var parts = splitParts(s, tokens, text).map(function (p) { return buildPart(s, p, text); });
    var first = parts[0], second = parts[1], a0 = partAxis(first), a1 = partAxis(second);
    if (a0 !== null && a0 === a1) {
      throw PositionError("both coordinates in " + quote(text) + " are " +
        (a0 === "lat" ? "latitudes (N/S)" : "longitudes (E/W)") + "; give one latitude and one longitude");
    }
    var latPart, lonPart;
    var implicit = a0 === null && a1 === null;
    if (implicit) {
      if (form(first) !== "decimal" || form(second) !== "decimal") {
        throw PositionError("no hemisphere letters in " + quote(text) + ": cannot tell latitude from longitude; " +
          "write N/S and E/W (33°12.5'N 012°45.3'E) or decimal degrees 'lat, lon'");
      }
      latPart = first; lonPart = second;
    } else if (a0 === "lat" || a1 === "lon") { latPart = first; lonPart = second; }
    else { latPart = second; lonPart = first; }
    var lat;
    try { lat = value(latPart, "lat"); }
    catch (e) {
      if (implicit && e.message.indexOf("out of range") >= 0) {
        throw PositionError(e.message + "; without N/S/E/W the first number is read as the latitude");
      }
      throw e;
    }
    var lon = value(lonPart, "lon");
    var f1 = form(latPart), f2 = form(lonPart);
    return { lat: lat, lon: lon, text: text, format: f1 === f2 ? f1 : "mixed" };
  }

  // ==== wind barbs ==========================================================================

  // Feathers of a wind barb for a speed in knots, rounded to 5 kn: pennant 50 kn, full barb
  // 10 kn, half barb 5 kn (WMO-No. 485 / 306 station-model convention).
  function barbParts(kn) {
    var n = Math.round(kn / 5) * 5;
    var pennants = Math.floor(n / 50), rest = n - pennants * 50;
    return { rounded: n, pennants: pennants, full: Math.floor(rest / 10), half: rest % 10 >= 5 ? 1 : 0 };
  }

  function beaufort(ms, lowerLimits) {
    if (!isFinite(ms)) return -1;
    var force = 0;
    for (var i = 0; i < lowerLimits.length; i++) if (ms >= lowerLimits[i]) force = i + 1;
    return force;
  }

  function drawBarb(ctx, x, y, u, v, limits) {
    var kn = Math.sqrt(u * u + v * v) * KN_PER_MS, parts = barbParts(kn);
    var force = beaufort(Math.sqrt(u * u + v * v), limits);
    if (parts.rounded === 0) {
      ctx.beginPath(); ctx.arc(x, y, 3.5, 0, 2 * Math.PI); ctx.stroke();
    } else {
      // Staff from the node towards where the wind comes from; feathers on its right-hand side
      // seen from the node (the northern-hemisphere convention).
      var norm = Math.sqrt(u * u + v * v), dx = -u / norm, dy = v / norm, px = -dy, py = dx;
      var step = 5, feather = 12, base = 7;
      var need = parts.pennants * (base + 2) + (parts.full + parts.half) * step + 6;
      var len = Math.max(24, need + 12);
      var tx = x + dx * len, ty = y + dy * len;
      ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(tx, ty); ctx.stroke();
      var at = 0, k;
      for (k = 0; k < parts.pennants; k++) {
        var bx = tx - dx * at, by = ty - dy * at;
        ctx.beginPath();
        ctx.moveTo(bx, by);
        ctx.lineTo(bx + px * feather, by + py * feather);
        ctx.lineTo(bx - dx * base, by - dy * base);
        ctx.closePath(); ctx.fill();
        at += base + 2;
      }
      if (parts.pennants === 0 && parts.full === 0) at += step; // a lone half barb sits off the end
      for (k = 0; k < parts.full + parts.half; k++) {
        var f = k < parts.full ? feather : feather * 0.55;
        var cx = tx - dx * at, cy = ty - dy * at;
        ctx.beginPath(); ctx.moveTo(cx, cy);
        ctx.lineTo(cx + px * f + dx * f * 0.3, cy + py * f + dy * f * 0.3);
        ctx.stroke();
        at += step;
      }
    }
    if (force >= 0) {
      ctx.save();
      ctx.font = "bold 10px sans-serif";
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(String(force), x, y + 9);
      ctx.fillText(String(force), x, y + 9);
      ctx.restore();
    }
    return parts;
  }

  function installBarbs(sw) {
    sw._drawBarbs = function (ctx) {
      var A = this.D.atlas, map = this.map, t = this.t, self = this;
      var p0 = map.latLngToContainerPoint([A.lat0, A.lon0]);
      var p1 = map.latLngToContainerPoint([A.lat0 + A.dlat, A.lon0 + A.dlon]);
      var spacing = Math.max(1, Math.ceil(46 / Math.max(1, Math.abs(p1.x - p0.x))));
      var w = ctx.canvas.width, h = ctx.canvas.height, drawn = 0, strongest = 0;
      ctx.strokeStyle = this.D.windColour;
      ctx.fillStyle = this.D.windColour;
      ctx.lineWidth = 1.4;
      ctx.lineCap = "round";
      for (var j = 0; j < A.ny; j += spacing) {
        for (var i = 0; i < A.nx; i += spacing) {
          var u = self.atlasValue("u10", t, j, i), v = self.atlasValue("v10", t, j, i);
          if (!isFinite(u) || !isFinite(v)) continue;
          var p = map.latLngToContainerPoint([A.lat0 + j * A.dlat, A.lon0 + i * A.dlon]);
          if (p.x < -40 || p.y < -40 || p.x > w + 40 || p.y > h + 40) continue;
          var parts = drawBarb(ctx, p.x, p.y, u, v, this.D.beaufortMs);
          strongest = Math.max(strongest, parts.rounded);
          drawn += 1;
        }
      }
      var c = map.getContainer();
      c.setAttribute("data-sw-barbs", String(drawn));
      c.setAttribute("data-sw-barb-max-kn", String(strongest));
    };
  }

  // ==== port names ==========================================================================

  function installPortLabels(sw) {
    var D = sw.D, map = sw.map, ports = sw.extra.ports;
    if (!D.portLabels || !ports) return;
    if (!map.getPane("swLabels")) {
      var pane = map.createPane("swLabels");
      pane.style.zIndex = 640;
      pane.style.pointerEvents = "none";
    }
    // D.portLabels comes in priority order: when two names collide, the first keeps its place.
    var labels = D.portLabels.map(function (p) {
      var m = L.marker([p.lat, p.lon], {
        pane: "swLabels", interactive: false, keyboard: false,
        icon: L.divIcon({
          className: "sw-port-label-icon",
          html: "<span class='sw-port-label sw-port-label-" + esc(p.kind) + "'><bdi>" + esc(p.name) + "</bdi></span>",
          iconSize: null,
        }),
      });
      ports.layer.addLayer(m);
      return m;
    });
    // Each name tries the side its script reads from first, then the other side, above, below;
    // it never covers a port square, a SAR label or another name, and is left out otherwise.
    // Boxes come from the map's projection (not from the DOM, which may still show the old view).
    var sides = document.documentElement.getAttribute("dir") === "rtl" ? ["left", "right", "above", "below"]
      : ["right", "left", "above", "below"];
    var isLabel = {};
    labels.forEach(function (m) { isLabel[L.stamp(m)] = true; });
    function box(pt, w, h, side) {
      if (side === "right") return { left: pt.x + 9, right: pt.x + 9 + w, top: pt.y - h / 2, bottom: pt.y + h / 2 };
      if (side === "left") return { left: pt.x - 9 - w, right: pt.x - 9, top: pt.y - h / 2, bottom: pt.y + h / 2 };
      if (side === "above") return { left: pt.x - w / 2, right: pt.x + w / 2, top: pt.y - 8 - h, bottom: pt.y - 8 };
      return { left: pt.x - w / 2, right: pt.x + w / 2, top: pt.y + 8, bottom: pt.y + 8 + h };
    }
    function clashes(r, taken) {
      return taken.some(function (o) {
        return r.left < o.right + 2 && r.right + 2 > o.left && r.top < o.bottom + 1 && r.bottom + 1 > o.top;
      });
    }
    function fixedBoxes() {
      var out = [];
      ports.layer.eachLayer(function (l) {
        if (isLabel[L.stamp(l)] || !l.getLatLng) return;
        var p = map.latLngToContainerPoint(l.getLatLng());
        out.push({ left: p.x - 7, right: p.x + 7, top: p.y - 7, bottom: p.y + 7 });
      });
      var sar = sw.extra.sar;
      if (sar && map.hasLayer(sar.layer)) {
        sar.layer.eachLayer(function (l) {
          var el = l.getElement && l.getElement(), tag = el && el.querySelector && el.querySelector(".sw-sar-label");
          if (!tag || !l.getLatLng) return;
          // where the label sits relative to its point (centred, or not quite in right-to-left)
          var a = el.getBoundingClientRect(), r = tag.getBoundingClientRect();
          var p = map.latLngToContainerPoint(l.getLatLng());
          out.push({ left: p.x + r.left - a.left, right: p.x + r.right - a.left, top: p.y + r.top - a.top,
            bottom: p.y + r.bottom - a.top });
        });
      }
      return out;
    }
    function declutter() {
      var on = map.getZoom() >= D.portLabelZoom && map.hasLayer(ports.layer), shown = 0;
      var taken = on ? fixedBoxes() : [];
      labels.forEach(function (m) {
        var el = m.getElement();
        if (!el) return;
        el.style.visibility = "hidden";
        if (!on) return;
        var span = el.firstChild, pt = map.latLngToContainerPoint(m.getLatLng());
        var w = span.offsetWidth, h = span.offsetHeight;
        for (var k = 0; k < sides.length; k++) {
          var r = box(pt, w, h, sides[k]);
          if (clashes(r, taken)) continue;
          span.className = span.className.replace(/ sw-pl-\w+/g, "") + " sw-pl-" + sides[k];
          taken.push(r);
          el.style.visibility = "visible";
          shown += 1;
          return;
        }
      });
      map.getContainer().setAttribute("data-sw-port-labels", String(shown));
    }
    // After Leaflet has placed the markers of the new view (next frame), not during its events.
    var pending = null;
    var later = function () {
      if (pending === null) pending = window.requestAnimationFrame(function () { pending = null; declutter(); });
    };
    map.on("zoomend moveend overlayadd overlayremove resize", later);
    declutter();
    sw.declutterPortLabels = declutter;
  }

  // ==== point-forecast chart =================================================================

  // One pixel of a frame (its PNG decoded once, read, dropped: all steps of one cell).
  function framePixel(uri, row, col) {
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = 1; canvas.height = 1;
        var ctx = canvas.getContext("2d");
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(img, col, row, 1, 1, 0, 0, 1, 1);
        resolve(ctx.getImageData(0, 0, 1, 1).data);
      };
      img.onerror = function () { resolve(null); };
      img.src = uri;
    });
  }

  function cellLevels(sw, row, col) {
    var D = sw.D, uniq = {};
    D.vessels.forEach(function (v) { D.hazard[v].forEach(function (idx) { uniq[idx] = true; }); });
    var ids = Object.keys(uniq);
    return Promise.all(ids.map(function (idx) { return framePixel(D.frames[idx], row, col); })).then(function (pixels) {
      var level = {};
      ids.forEach(function (idx, k) {
        var d = pixels[k], hit = d && d[3] ? D.lookup[d[0] + "," + d[1] + "," + d[2]] : null;
        level[idx] = hit ? hit[0] : null;
      });
      var out = {};
      D.vessels.forEach(function (v) { out[v] = D.hazard[v].map(function (idx) { return level[idx]; }); });
      return out;
    });
  }

  function polyline(values, x, y, colour, dash) {
    var pts = [], seg = [];
    values.forEach(function (v, k) {
      if (isFinite(v)) seg.push(x(k).toFixed(1) + "," + y(v).toFixed(1));
      else if (seg.length) { pts.push(seg); seg = []; }
    });
    if (seg.length) pts.push(seg);
    return pts.map(function (s) {
      return "<polyline fill='none' stroke='" + colour + "' stroke-width='1.6'" + (dash ? " stroke-dasharray='3 2'" : "") +
        " points='" + s.join(" ") + "'/>";
    }).join("");
  }

  function chartSvg(sw, levels, series) {
    var D = sw.D, n = D.times.length, W = 300, gutter = 50, right = 6;
    var plotW = W - gutter - right;
    // Right to left (Arabic), the chart is mirrored as the slider and the timeline are: later
    // time to the left, the names and scales in a gutter on the right. X mirrors a position
    // drawn left to right; A the anchor of a text placed there. Texts are not mirrored.
    var rtl = document.documentElement.getAttribute("dir") === "rtl";
    var X = function (v) { return rtl ? W - v : v; };
    var A = function (a) { return !rtl ? a : a === "end" ? "start" : a === "start" ? "end" : a; };
    var x = function (k) { return X(gutter + (k * plotW) / n); };
    var msg = function (k, f) { return sw.msg(k, f); };
    var h = [], y0 = 2, stripH = 11;
    D.vessels.forEach(function (v, r) {
      var y = y0 + r * (stripH + 2);
      var short = sw.M["chart.vessel." + v] || D.vesselLabels[v];
      h.push("<text x='" + X(gutter - 3) + "' y='" + (y + 9) + "' text-anchor='" + A("end") + "' class='sw-chart-label'>" + esc(short) + "</text>");
      levels[v].forEach(function (lv, k) {
        if (lv === null || lv === undefined) return;
        h.push("<rect x='" + Math.min(x(k), x(k + 1)).toFixed(2) + "' y='" + y + "' width='" + (plotW / n + 0.4).toFixed(2) + "' height='" + stripH +
          "' fill='" + D.colours[lv] + "'/>");
      });
    });
    var top = y0 + D.vessels.length * (stripH + 2) + 4, panelH = 46, panels = [];
    if (series.hs) panels.push({ key: "hs", lines: [[series.hs, "#1f78b4", false]], unit: "unit.m", label: msg("chart.hs") });
    if (series.wind) {
      panels.push({ key: "wind", lines: [[series.wind, D.windColour, false], [series.gust || [], "#e66101", true]],
        unit: "unit.kn", label: msg("chart.wind") });
    }
    panels.forEach(function (p, r) {
      var py = top + r * (panelH + 6), all = [];
      p.lines.forEach(function (l) { l[0].forEach(function (v) { if (isFinite(v)) all.push(v); }); });
      var max = all.length ? Math.max.apply(null, all) : 1;
      var scale = max <= 0 ? 1 : Math.ceil(max * 1.1 * 2) / 2;
      var y = function (v) { return py + panelH - (v / scale) * panelH; };
      h.push("<rect x='" + (rtl ? right : gutter) + "' y='" + py + "' width='" + plotW + "' height='" + panelH + "' class='sw-chart-frame'/>");
      h.push("<text x='" + X(gutter - 3) + "' y='" + (py + 9) + "' text-anchor='" + A("end") + "' class='sw-chart-label'>" +
        esc(fmt(msg(p.unit), { v: p.key === "hs" ? scale.toFixed(1) : scale.toFixed(0) })) + "</text>");
      h.push("<text x='" + X(gutter - 3) + "' y='" + (py + panelH) + "' text-anchor='" + A("end") + "' class='sw-chart-label'>0</text>");
      h.push("<text x='" + X(gutter - 3) + "' y='" + (py + panelH / 2 + 4) + "' text-anchor='" + A("end") + "' class='sw-chart-name'>" +
        esc(p.label) + "</text>");
      p.lines.forEach(function (l) { h.push(polyline(l[0], function (k) { return x(k + 0.5); }, y, l[1], l[2])); });
    });
    var bottom = top + panels.length * (panelH + 6);
    // Day ticks at 00 UTC, and the time shown on the map.
    D.times.forEach(function (t, k) {
      if (t.iso.slice(11, 13) !== "00") return;
      h.push("<line x1='" + x(k).toFixed(1) + "' x2='" + x(k).toFixed(1) + "' y1='" + y0 + "' y2='" + bottom + "' class='sw-chart-day' data-iso='" + esc(t.iso) + "'/>");
      h.push("<text x='" + (x(k) + (rtl ? -2 : 2)).toFixed(1) + "' y='" + (bottom + 9) + "' text-anchor='" + A("start") +
        "' class='sw-chart-label sw-chart-tick' data-iso='" + esc(t.iso) + "'><tspan direction='ltr' unicode-bidi='isolate'>" +
        esc(t.iso.slice(8, 10) + "/" + t.iso.slice(5, 7)) + "</tspan></text>");
    });
    var now = x(sw.t + 0.5).toFixed(1);
    h.push("<line x1='" + now + "' x2='" + now + "' y1='" + y0 + "' y2='" + bottom + "' class='sw-chart-now'/>");
    var legend = bottom + 20, lx = gutter;  // drawn left to right, then mirrored by X
    [[msg("chart.hs"), "#1f78b4", false, series.hs], [msg("chart.wind"), D.windColour, false, series.wind],
      [msg("chart.gust"), "#e66101", true, series.gust]].forEach(function (item) {
      if (!item[3]) return;
      h.push("<line x1='" + X(lx) + "' x2='" + X(lx + 14) + "' y1='" + (legend - 3) + "' y2='" + (legend - 3) + "' stroke='" + item[1] +
        "' stroke-width='2'" + (item[2] ? " stroke-dasharray='3 2'" : "") + "/>");
      h.push("<text x='" + X(lx + 17) + "' y='" + legend + "' text-anchor='" + A("start") + "' class='sw-chart-label'>" + esc(item[0]) + "</text>");
      lx += 24 + item[0].length * 5.5;
    });
    var H = legend + 4;
    return "<svg class='sw-chart-svg' viewBox='0 0 " + W + " " + H + "' width='" + W + "' height='" + H +
      "' role='img' aria-label='" + esc(msg("chart.title")) + "'>" + h.join("") + "</svg>";
  }

  function installChart(sw) {
    sw._chartFor = function (latlng) {
      var self = this, D = this.D, G = D.grid, A = D.atlas;
      var lat = latlng.lat, lon = latlng.lng;
      var popup = this.map._popup, box = popup && popup.getElement() && popup.getElement().querySelector(".sw-popup");
      var holder = box && box.querySelector(".sw-chart");
      if (!holder || lon < G.west || lon >= G.east || lat < G.south || lat >= G.north) return;
      // The popup keeps this very node, so redrawing it (update, pan) keeps the chart.
      popup.setContent(box);
      var mercY = function (a) { var p = (a * Math.PI) / 180; return Math.log(Math.tan(Math.PI / 4 + p / 2)); };
      var col = Math.floor((lon - G.west) / G.dx);
      var row = Math.floor(((mercY(G.north) - mercY(lat)) / (mercY(G.north) - mercY(G.south))) * G.height);
      holder.innerHTML = "<div class='sw-chart-title'>" + esc(this.msg("chart.title")) + " \u2026</div>";
      cellLevels(this, row, col).then(function (levels) {
        var finish = function () {
          var series = {};
          if (A && self.atlas) {
            var i = Math.round((lon - A.lon0) / A.dlon), j = Math.round((lat - A.lat0) / A.dlat);
            if (i >= 0 && i < A.nx && j >= 0 && j < A.ny) {
              var steps = D.times.map(function (_, k) { return k; });
              if (A.vars.hs) series.hs = steps.map(function (k) { return self.atlasValue("hs", k, j, i); });
              if (A.vars.u10 && A.vars.v10) {
                series.wind = steps.map(function (k) {
                  var u = self.atlasValue("u10", k, j, i), v = self.atlasValue("v10", k, j, i);
                  return Math.sqrt(u * u + v * v) * KN_PER_MS;
                });
              }
              if (A.vars.gust) series.gust = steps.map(function (k) { return self.atlasValue("gust", k, j, i) * KN_PER_MS; });
            }
          }
          if (!holder.isConnected) return;
          holder.innerHTML = "<div class='sw-chart-title'>" + esc(self.msg("chart.title")) + "</div>" + chartSvg(self, levels, series);
          holder.setAttribute("data-levels", JSON.stringify(levels));
          self.map.getContainer().setAttribute("data-sw-chart", String(D.times.length));
          if (popup.isOpen()) popup.update();
        };
        if (A) self._withAtlas(finish); else finish();
      });
    };
  }

  // ==== typed position and ruler snapping ====================================================

  function installGoto(sw) {
    var map = sw.map, dir = document.documentElement.getAttribute("dir") || "ltr";
    var Goto = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "sw-panel sw-goto");
        div.setAttribute("dir", dir);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        var folded = window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
        div.innerHTML = "<details" + (folded ? "" : " open") + "><summary title='" + esc(sw.msg("goto.label")) + "'>" +
          "<span class='sw-goto-mark sw-goto-icon-text' aria-hidden='true'></span><span class='sw-goto-summary'>" +
          esc(sw.msg("goto.label")) + "</span></summary>" +
          "<form class='sw-goto-form'><input type='text' class='sw-goto-input' dir='ltr' spellcheck='false' autocomplete='off'" +
          " aria-label='" + esc(sw.msg("goto.label")) + "' placeholder='" + esc(sw.msg("goto.placeholder")) + "'>" +
          "<button type='submit'>" + esc(sw.msg("goto.show")) + "</button></form>" +
          "<div class='sw-goto-error' role='alert'></div></details>";
        var input = div.querySelector(".sw-goto-input");
        sw.gotoError = div.querySelector(".sw-goto-error");
        div.querySelector("form").addEventListener("submit", function (e) {
          e.preventDefault();
          sw.gotoPosition(input.value);
        });
        return div;
      },
    });
    new Goto({ position: "topleft" }).addTo(map);

    sw.gotoPosition = function (text) {
      var c = map.getContainer(), pos;
      try { pos = parsePosition(text); }
      catch (e) {
        this.gotoError.textContent = fmt(this.msg("goto.error"), { detail: e.message });
        c.setAttribute("data-sw-goto-error", e.message);
        return null;
      }
      this.gotoError.textContent = "";
      c.removeAttribute("data-sw-goto-error");
      var latlng = L.latLng(pos.lat, pos.lon), self = this;
      if (this.gotoMarker) map.removeLayer(this.gotoMarker);
      this.gotoMarker = L.marker(latlng, {
        keyboard: false, title: this.msg("goto.marker"),
        icon: L.divIcon({ className: "sw-goto-icon", html: "<span class='sw-goto-mark'></span>", iconSize: [22, 22], iconAnchor: [11, 11] }),
      }).addTo(map);
      var content = function () {
        var box = L.DomUtil.create("div", "sw-popup");
        box.setAttribute("dir", dir);
        box.innerHTML = "<div class='sw-popup-title'>" + esc(self.msg("goto.marker")) + "</div>" +
          "<div><bdi dir='ltr'>" + esc(window.seawatchDdm(pos.lat, "lat", 3) + " " + window.seawatchDdm(pos.lon, "lon", 3)) + "</bdi></div>" +
          "<div class='sw-goto-actions'><button type='button' class='sw-goto-measure'>" + esc(self.msg("goto.measure")) + "</button> " +
          "<button type='button' class='sw-goto-forecast'>" + esc(self.msg("goto.forecast")) + "</button></div>";
        box.querySelector(".sw-goto-measure").addEventListener("click", function () { self.measureFrom(latlng); });
        box.querySelector(".sw-goto-forecast").addEventListener("click", function () { self.pointForecast(latlng); });
        return box;
      };
      this.gotoMarker.bindPopup(content, { maxWidth: 300 });
      this.gotoMarker.on("click", function (e) {
        if (self.measuring) { snap(self, latlng, e); }
      });
      map.setView(latlng, Math.max(map.getZoom(), 8));
      this.gotoMarker.openPopup();
      c.setAttribute("data-sw-goto", pos.lat.toFixed(6) + "," + pos.lon.toFixed(6));
      return pos;
    };

    // A new measurement whose first point is latlng (a typed position, a port, an incident).
    sw.measureFrom = function (latlng) {
      map.closePopup();
      if (this.measuring) this._stopMeasure();
      this._startMeasure();
      this._rulerClick({ latlng: L.latLng(latlng) });
    };
  }

  // While measuring, a click on a port, an incident or the typed position puts the ruler's point
  // exactly on it (instead of opening its popup or where the pointer happened to be).
  function snap(sw, latlng, e) {
    if (!sw.measuring) return false;
    if (e && e.originalEvent) L.DomEvent.stopPropagation(e.originalEvent);
    sw.map.closePopup();
    sw._rulerClick({ latlng: L.latLng(latlng) });
    return true;
  }

  function installSnapping(sw) {
    var ports = sw.extra.ports;
    if (ports) ports.layer.on("click", function (e) { if (e.layer && e.layer.getLatLng) snap(sw, e.layer.getLatLng(), e); });
    if (sw.incidentGroup) {
      sw.incidentGroup.on("click", function (e) { if (e.layer && e.layer.getLatLng) snap(sw, e.layer.getLatLng(), e); });
    }
  }

  function install(sw) {
    if (sw.D.atlas && sw.D.beaufortMs) {
      installBarbs(sw);
      if (sw.windLayer) sw.windLayer.redraw();
    }
    installPortLabels(sw);
    installChart(sw);
    installGoto(sw);
    installSnapping(sw);
  }

  window.seawatchParsePosition = parsePosition;
  window.seawatchBarbParts = barbParts;
  window.seawatchBeaufort = beaufort;
  window.seawatchDrawBarb = drawBarb;
  window.seawatchReadingAids = install;
})();
