// The live map's facilities layer: each active facility as a marker with its open beds at a
// glance ("3 open"; a dashed marker and "stale" when the count is old or was never reported),
// a list of them beside the map, and a dashed line from each transporting unit to its
// destination. Facilities come from GET /api/v1/facilities and follow `facility.updated`;
// the lines follow the map's own units and incidents (`sync`).
//
//   import { Facilities } from "/static/mapview/facilities.js";
//   Facilities.init(map, { renderer });  Facilities.event(e);  Facilities.sync(units, incidents);
import { $, el, setText, syncChildren, textContent } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";
import { IncidentStatus } from "/static/lib/statuses.js";

var map = null;
var renderer = null;
var markers = null;               // L.layerGroup of facility markers
var lines = null;                 // L.layerGroup of transport lines
var facilities = new Map();       // id -> facility JSON
var views = new Map();            // id -> {marker, box, label}
var transportLines = new Map();   // incident id -> {line, key}
var lastUnits = null, lastIncidents = null;
var onFirstLoad = null;           // called once, after the first read

function openBeds(f) {
  var open = 0, total = 0;
  Object.keys(f.beds || {}).forEach(function (t) { open += f.beds[t].available; total += f.beds[t].total; });
  return { open: open, total: total, counted: Object.keys(f.beds || {}).length > 0 };
}

function bedsText(f) {
  var b = openBeds(f);
  if (!b.counted) return "no bed count";
  return b.open + " open" + (f.beds_stale ? " · stale" : "");
}

function detailText(f) {
  var parts = Object.keys(f.beds || {}).map(function (t) { return t + " " + f.beds[t].available + "/" + f.beds[t].total; });
  var incoming = (f.incoming || []).length;
  return (parts.length ? parts.join(", ") : "no bed count") + (f.beds_stale ? " (count stale: call ahead)" : "") +
    (incoming ? " · " + incoming + " coming" : "");
}

function classOf(f) {
  var b = openBeds(f);
  return "mf" + (b.open > 0 ? " has-beds" : " full") + (f.beds_stale ? " stale" : "");
}

function put(f) {
  if (f.active === false) { drop(f.id); return; }
  facilities.set(f.id, f);
  var view = views.get(f.id);
  if (!view) {
    var box = el("div", { "data-facility-id": f.id }, [el("span", { className: "shape", text: "F" }), el("span", { className: "lbl" })]);
    var marker = L.marker([f.lat, f.lon], {
      icon: L.divIcon({ className: "mf-icon", html: box, iconSize: [18, 18], iconAnchor: [9, 9] }),
      keyboard: false,
      pane: "facilityMarkers",
    });
    view = { marker: marker, box: box };
    views.set(f.id, view);
    markers.addLayer(marker);
  }
  view.marker.setLatLng([f.lat, f.lon]);
  view.box.className = classOf(f);
  var label = view.box.querySelector(".lbl");
  label.replaceChildren(el("b", { text: f.name }), " ", el("span", { className: "beds", text: bedsText(f) }));
  view.marker.unbindTooltip();
  view.marker.bindTooltip(textContent(f.name + ": " + detailText(f)), { direction: "top", offset: [0, -10] });
}

function drop(id) {
  var view = views.get(id);
  if (view) { markers.removeLayer(view.marker); views.delete(id); }
  facilities.delete(id);
}

function renderList() {
  var body = $("facility-rows");
  if (!body) return;
  var list = Array.from(facilities.values()).sort(function (a, b) { return a.name.localeCompare(b.name); });
  syncChildren(body, list, {
    key: function (f) { return f.id; },
    create: function () { return el("tr", {}); },
    update: function (tr, f) {
      tr.className = f.beds_stale ? "stale-count" : "";
      tr.replaceChildren(
        el("th", { scope: "row", text: f.name }),
        el("td", { className: "beds", text: bedsText(f) }),
        el("td", { text: detailText(f) }),
      );
    },
  });
  setText($("facility-count"), String(list.length));
  $("facilities-empty").hidden = list.length > 0;
}

function unitPlace(u) {
  if (u.lat !== null && u.lat !== undefined && u.lon !== null && u.lon !== undefined) return [u.lat, u.lon];
  return null;
}

// One dashed line per transporting incident: from its unit's position (else the incident's
// place, where the transport started) to the destination facility.
function drawLines() {
  if (!lastIncidents) return;
  var seen = new Set();
  lastIncidents.forEach(function (inc, id) {
    if (inc.status !== IncidentStatus.TRANSPORTING || !inc.facility_id) return;
    var f = facilities.get(inc.facility_id);
    var u = inc.unit_id && lastUnits ? lastUnits.get(inc.unit_id) : null;
    var from = (u && unitPlace(u)) || (inc.location && inc.location.lat !== null && inc.location.lat !== undefined
      ? [inc.location.lat, inc.location.lon] : null);
    if (!f || !from) return;
    seen.add(id);
    var points = [from, [f.lat, f.lon]];
    var key = points.join("|");
    var known = transportLines.get(id);
    if (known && known.key === key) return;
    if (!known) {
      var line = L.polyline(points, { className: "transport-line", color: "#5a3d99", weight: 3, dashArray: "8 6", opacity: 0.9,
        interactive: false, renderer: renderer });
      known = { line: line, key: key };
      transportLines.set(id, known);
      lines.addLayer(line);
    }
    known.line.setLatLngs(points);
    known.key = key;
  });
  transportLines.forEach(function (known, id) {
    if (!seen.has(id)) { lines.removeLayer(known.line); transportLines.delete(id); }
  });
}

function load() {
  return api("GET", "/api/v1/facilities?limit=500").then(function (result) {
    if (!result.ok) { setText($("facilities-empty"), "Facilities could not be read: " + errorMessage(result)); return; }
    var ids = new Set();
    (result.data || []).forEach(function (f) { ids.add(f.id); put(f); });
    Array.from(facilities.keys()).forEach(function (id) { if (!ids.has(id)) drop(id); });
    renderList();
    drawLines();
    if (onFirstLoad) { var first = onFirstLoad; onFirstLoad = null; first(); }
  });
}

export var Facilities = {
  init: function (leafletMap, options) {
    map = leafletMap;
    renderer = options.renderer;
    onFirstLoad = options.loaded || null;
    map.createPane("facilityMarkers").style.zIndex = 605;  // under units and incidents
    markers = L.layerGroup().addTo(map);
    lines = L.layerGroup().addTo(map);
    load();
  },
  reload: load,
  points: function () { return Array.from(facilities.values()).map(function (f) { return [f.lat, f.lon]; }); },
  event: function (e) {
    if (e.type !== "facility.updated" || !e.data) return;
    put(e.data);
    renderList();
    drawLines();
  },
  sync: function (units, incidents) {
    lastUnits = units; lastIncidents = incidents;
    drawLines();
  },
  describe: function () {
    var out = { facilities: {}, lines: [] };
    views.forEach(function (v, id) { out.facilities[id] = { cls: v.box.className, label: v.box.textContent }; });
    transportLines.forEach(function (known, id) {
      out.lines.push([id, known.line.getLatLngs().map(function (p) { return [p.lat, p.lng]; })]);
    });
    return out;
  },
};
