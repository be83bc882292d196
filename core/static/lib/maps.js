// Where a Leaflet map opens: the box the server derived from the data (units, open incidents,
// else the imported address points; see mapview/pages.py `map_extent`), never a fixed city.
//
//   openOn(map, settings.extent, { maxZoom: 15 })

// {south, west, north, east} -> Leaflet bounds, or null when there is no extent.
export function extentBounds(extent) {
  if (!extent) return null;
  return window.L.latLngBounds([extent.south, extent.west], [extent.north, extent.east]);
}

// Fit the map to the extent; with none (an empty system), the whole world.
export function openOn(map, extent, { maxZoom = 15, padding = [40, 40] } = {}) {
  const bounds = extentBounds(extent);
  if (bounds) map.fitBounds(bounds, { padding, maxZoom, animate: false });
  else map.fitWorld({ animate: false });
}

// ---- streets without a tile server ----------------------------------------------------------
// The street lines of data/streets (served at /geo/streets.geojson, gzipped and cached), drawn as
// one SVG path per street in a pane under every marker and line, so a map with no MAP_TILE_URL
// still shows where things are. A street's name shows on hover, and from zoom LABEL_ZOOM on the
// streets in view are labelled (at most LABELS_MAX of them).
export var STREETS_URL = "/geo/streets.geojson";
var LABEL_ZOOM = 16;
var LABELS_MAX = 60;
var STREET_STYLE = { color: "#7b8794", weight: 2, opacity: 0.9 };

// Draw the streets on `map`; resolves to the GeoJSON layer, or null when there is no street file.
export function drawStreets(map, { url = STREETS_URL } = {}) {
  var L = window.L;
  if (!map.getPane("streets")) {
    // Above the tile pane (200), under overlays (400), shadows (500) and markers (600).
    map.createPane("streets").style.zIndex = 350;
    var labelPane = map.createPane("streetLabels");  // above the lines, still under every marker
    labelPane.style.zIndex = 360;
    labelPane.style.pointerEvents = "none";
  }
  return fetch(url, { credentials: "same-origin" }).then(function (answer) {
    if (!answer.ok) return null;
    return answer.json();
  }).then(function (data) {
    if (!data) return null;
    var renderer = L.svg({ pane: "streets", padding: 0.5 });
    var layer = L.geoJSON(data, {
      pane: "streets",
      renderer: renderer,
      style: function () { return STREET_STYLE; },
      onEachFeature: function (feature, path) {
        var name = (feature.properties || {}).name;
        if (name) path.bindTooltip(textOnly(name), { sticky: true, direction: "top", className: "street-name" });
      },
    }).addTo(map);
    if (data.attribution && map.attributionControl) map.attributionControl.addAttribution(textOnly(data.attribution));
    var labels = L.layerGroup().addTo(map);
    function relabel() { labelStreets(map, layer, labels); }
    map.on("zoomend moveend", relabel);
    relabel();
    map.getContainer().dataset.streets = String(layer.getLayers().length);
    return layer;
  }).catch(function () { return null; });
}

function textOnly(text) {
  var box = document.createElement("span");
  box.textContent = String(text);
  return box.innerHTML;
}

// Labels for the streets in view at high zoom: each at the middle of its part in view, in a pane
// of their own (over the lines, under the markers), none on top of another.
function labelStreets(map, layer, labels) {
  labels.clearLayers();
  if (map.getZoom() < LABEL_ZOOM) return;
  var view = map.getBounds();
  var placed = [];
  layer.eachLayer(function (path) {
    if (placed.length >= LABELS_MAX || !view.intersects(path.getBounds())) return;
    var inside = path.getLatLngs().filter(function (p) { return view.contains(p); });
    var name = (path.feature.properties || {}).name;
    if (!inside.length || !name) return;
    var at = inside[Math.floor(inside.length / 2)];
    var px = map.latLngToContainerPoint(at);
    var width = 7 * String(name).length;  // about 11px text
    if (placed.some(function (o) { return Math.abs(o.x - px.x) < (o.w + width) / 2 + 4 && Math.abs(o.y - px.y) < 16; })) return;
    placed.push({ x: px.x, y: px.y, w: width });
    labels.addLayer(window.L.tooltip({ permanent: true, direction: "center", className: "street-label",
      interactive: false, pane: "streetLabels" }).setLatLng(at).setContent(textOnly(name)));
  });
}
