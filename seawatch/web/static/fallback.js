/* A plain Leaflet map for the live page until the first risk map is built: the area of
 * interest with a one-degree graticule, so the incident layer has somewhere to draw. */
(function () {
  "use strict";
  const node = document.getElementById("sw-fallback-map");
  const b = (node.dataset.bounds || "10,30.5,20,38").split(",").map(Number);
  // The closest zoom as on the rendered map (the incident clusters need one).
  const map = L.map(node, { zoomControl: true, attributionControl: false, maxZoom: 13 });
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  const style = { color: "#7a8a99", weight: 0.6, interactive: false };
  for (let lat = Math.floor(b[1]); lat <= Math.ceil(b[3]); lat += 1) {
    L.polyline([[lat, b[0] - 2], [lat, b[2] + 2]], style).addTo(map);
  }
  for (let lon = Math.floor(b[0]); lon <= Math.ceil(b[2]); lon += 1) {
    L.polyline([[b[1] - 2, lon], [b[3] + 2, lon]], style).addTo(map);
  }
  window.swFallbackMap = map;
})();
