// The supervisor's live map (/map): units by status, incidents by priority, a line from each
// assigned unit to its incident with the ETA, late timers in red, and a keyboard list beside it.
//
// State lives in plain maps keyed by id (units, incidents, open alerts). Live events change the
// state and mark the ids they touch as dirty; one requestAnimationFrame then updates only those
// markers (setLatLng / class changes on elements it already has) and those list rows.
import { $, el as make, setAttr, setClass, setText, textContent } from "/static/lib/dom.js";
import { connectLive } from "/static/lib/live.js";
import { drawStreets, openOn } from "/static/lib/maps.js";
import { IncidentStatus, isOnTheWay, isOpen, statusLabel } from "/static/lib/statuses.js";
import { AlertPanel } from "/static/alerts/alerts.js";
import { crewText, flagText } from "/static/dispatch/crew.js";
import { Facilities } from "/static/mapview/facilities.js";

var PRIORITY_RANK = { emergent: 0, urgent: 1, routine: 2 };
var PRIORITY_LETTER = { emergent: "E", urgent: "U", routine: "R" };
var TIMER_ALERTS = { pending_sla: "dispatch", ack_overdue: "acknowledgement", reassign_suggested: "acknowledgement",
  checkin_missed: "check-in", duress: "duress" };
var LABELS_MAX = 80;  // above this many markers in view, labels show from zoom 13 on

var settings = {};
var map = null;
var layers = {};
var units = new Map();      // id -> unit JSON
var incidents = new Map();  // id -> open incident JSON
var alerts = new Map();     // id -> open alert JSON
var unitViews = new Map();  // id -> {marker, el, row, ...}
var incidentViews = new Map();
var dirtyUnits = new Set();
var dirtyIncidents = new Set();
var frame = 0;
var fitted = false;
var selected = null;        // {kind, id}
var filters = { availability: {}, priority: {}, inView: false, bounds: null };
var stats = null;
var pendingStamps = [];

// ---- small helpers --------------------------------------------------------------------------
function el(tag, className, text) { return make(tag, { className: className || null, text: text }); }

function parseTime(iso) {
  if (!iso) return NaN;
  // Python gives microseconds: keep milliseconds so every engine parses it the same way.
  return Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1"));
}

function clock(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  return h ? h + ":" + mm : mm;
}

function age(seconds) {
  if (seconds < 60) return "<1 min";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min";
  if (seconds < 172800) return Math.floor(seconds / 3600) + " h";
  return Math.floor(seconds / 86400) + " d";
}

var humanStatus = statusLabel;

// ---- travel estimate: the straight-line model of geo/travel.py -------------------------------
function haversineM(a, b) {
  var rad = Math.PI / 180, R = 6371008.8;
  var dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
  var h = Math.pow(Math.sin(dLat / 2), 2) +
    Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.pow(Math.sin(dLon / 2), 2);
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

function travelSeconds(straightM) {
  var t = settings.travel || {};
  var c = t.circuity || 1.3, v = t.cruiseSpeedMps || 15.6464, a = t.accelerationMps2 || 0.2, t0 = t.turnoutS || 0;
  var road = Math.max(0, straightM) * c;
  if (road <= v * v / a) return t0 + 2 * Math.sqrt(road / a);
  return t0 + v / a + road / v;
}

// ---- derived facts --------------------------------------------------------------------------
function unitPlace(u) {
  if (u.lat !== null && u.lat !== undefined && u.lon !== null && u.lon !== undefined) return { at: [u.lat, u.lon], fix: true };
  if (u.home && u.home.lat !== null && u.home.lat !== undefined && u.home.lon !== null) {
    return { at: [u.home.lat, u.home.lon], fix: false };
  }
  return null;
}

function positionAgeS(u, now) {
  var at = parseTime(u.location_at);
  return isNaN(at) ? null : (now - at) / 1000;
}

function isStale(u, now) {
  var s = positionAgeS(u, now);
  return s === null || s > (settings.positionStaleS || 900);
}

function incidentPlace(inc) {
  var l = inc.location || {};
  return l.lat !== null && l.lat !== undefined && l.lon !== null && l.lon !== undefined ? [l.lat, l.lon] : null;
}

function alertsFor(field, id) {
  var found = [];
  alerts.forEach(function (a) { if (a[field] === id && TIMER_ALERTS[a.kind]) found.push(a); });
  return found;
}

// What runs late on an incident: {what, since (ms)} or null.
function lateness(inc, now) {
  var worst = null;
  function consider(what, since) {
    if (isNaN(since)) return;
    if (!worst || since < worst.since) worst = { what: what, since: since };
  }
  var ts = inc.timestamps || {};
  if (inc.status === IncidentStatus.PENDING && inc.priority === "emergent") {
    var created = parseTime(ts.created_at);
    if (now - created > (settings.pendingSlaS || 300) * 1000) consider("waiting for dispatch", created);
  }
  if (inc.status === IncidentStatus.DISPATCHED) {
    var sent = parseTime(ts.dispatched_at);
    if (now - sent > (settings.ackRepageAfterS || 120) * 1000) consider("not acknowledged", sent);
  }
  alertsFor("incident_id", inc.id).forEach(function (a) { consider(TIMER_ALERTS[a.kind], alertSince(a, ts)); });
  return worst;
}

function alertSince(a, ts) {
  var d = a.data || {};
  var since = parseTime(d.asked_at || d.dispatched_at || d.created_at);
  if (isNaN(since) && a.kind === "pending_sla") since = parseTime(ts && ts.created_at);
  return isNaN(since) ? parseTime(a.raised_at) : since;
}

function unitLateness(u) {
  var found = alertsFor("unit_id", u.id);
  if (!found.length) return null;
  var a = found[0];
  return { what: TIMER_ALERTS[a.kind], since: alertSince(a, null) };
}

function etaText(inc, u, now) {
  if (!u) return "";
  if (!isOnTheWay(inc.status)) return humanStatus(inc.status);
  var from = unitPlace(u), to = incidentPlace(inc);
  if (!from || !to) return "ETA unknown";
  var minutes = Math.max(1, Math.ceil(travelSeconds(haversineM(from.at, to)) / 60));
  var rough = !from.fix || isStale(u, now);
  return "ETA " + (rough ? "~" : "") + minutes + " min";
}

// ---- filters --------------------------------------------------------------------------------
function inArea(at) {
  if (!filters.inView || !filters.bounds) return true;
  return !!at && filters.bounds.contains(at);
}

function unitShown(u) {
  var place = unitPlace(u);
  return !!filters.availability[u.availability || "unavailable"] && inArea(place && place.at);
}

function incidentShown(inc) {
  return !!filters.priority[inc.priority || "routine"] && inArea(incidentPlace(inc));
}

function readFilters() {
  var form = $("map-filters");
  ["availability", "priority"].forEach(function (name) {
    filters[name] = {};
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) { filters[name][box.value] = box.checked; });
  });
  filters.inView = $("filter-in-view").checked;
  filters.bounds = map ? map.getBounds() : null;
}

// ---- units ----------------------------------------------------------------------------------
function unitView(id) {
  var view = unitViews.get(id);
  if (view) return view;
  var u = units.get(id);
  var box = el("div", "mu");
  box.dataset.unitId = id;
  var dot = el("span", "dot");
  var label = el("span", "lbl");
  var name = el("b", "", u.call_sign);
  var ageNode = el("span", "age");
  var lateNode = el("span", "late-tag");
  var staffNode = el("span", "staff-tag");
  label.append(name, " ", ageNode, lateNode, staffNode);
  box.append(dot, label);
  var marker = L.marker([0, 0], {
    icon: L.divIcon({ className: "mu-icon", html: box, iconSize: [16, 16], iconAnchor: [8, 8] }),
    keyboard: false,
    pane: "unitMarkers",
  });
  marker.on("click", function () { select("unit", id, true); });

  var row = el("tr");
  row.tabIndex = 0;
  row.dataset.unitId = id;
  var cells = { name: el("th", "", u.call_sign), status: el("td"), position: el("td", "clock"), incident: el("td"),
    crew: el("td", "crew") };
  cells.name.scope = "row";
  row.append(cells.name, cells.status, cells.position, cells.incident, cells.crew);
  view = { id: id, marker: marker, box: box, ageNode: ageNode, lateNode: lateNode, staffNode: staffNode, row: row, cells: cells,
    onMap: false, latlng: null, incidentId: null, sortKey: u.call_sign };
  unitViews.set(id, view);
  insertRow($("unit-rows"), view, compareUnits);
  return view;
}

function compareUnits(a, b) {
  return String(a.sortKey).localeCompare(String(b.sortKey), undefined, { numeric: true }) || a.id - b.id;
}

function renderUnit(id, now) {
  var u = units.get(id);
  var view = unitViews.get(id);
  if (!u) { if (view) dropView(view, layers.units, unitViews); return; }
  view = view || unitView(id);
  var place = unitPlace(u);
  var stale = isStale(u, now);
  var ageS = positionAgeS(u, now);
  var late = unitLateness(u);
  var availability = u.availability || "unavailable";
  var cls = "mu " + availability + (stale ? " stale" : "") + (place && !place.fix ? " nofix" : "") +
    (late ? " late" : "") + (selected && selected.kind === "unit" && selected.id === id ? " picked" : "");
  setClass(view.box, cls);
  if (view.box.dataset.status !== u.status) {
    view.box.dataset.status = u.status;
    view.box.dataset.availability = availability;
  }
  var where = !place ? "no position" : !place.fix ? "no fix, at home base" :
    (stale ? "stale, " : "") + age(ageS);
  setText(view.ageNode, place && place.fix ? age(ageS) + (stale ? " stale" : "") : "no fix");
  setText(view.lateNode, late ? " LATE " + clock((now - late.since) / 1000) : "");
  var crew = crewText(u), short = flagText(u);
  setAttr(view.box, "title", u.call_sign + ", " + humanStatus(u.status) + ", " + where + ". Crew: " +
    (crew || "none recorded") + (short ? ". Staffing: " + short : ""));
  setText(view.staffNode, short ? "⚠ crew" : "");
  renderCrewCell(view.cells.crew, crew, short);

  var rowClass = availability + (stale ? " stale" : "") + (late ? " late" : "") +
    (selected && selected.kind === "unit" && selected.id === id ? " picked" : "");
  setClass(view.row, rowClass);
  setText(view.cells.status, humanStatus(u.status));
  setText(view.cells.position, late ? where + " · LATE " + late.what + " " + clock((now - late.since) / 1000) : where);
  var inc = u.incident_id !== null && u.incident_id !== undefined ? incidents.get(u.incident_id) : null;
  setText(view.cells.incident, inc ? inc.number : u.incident_id ? "#" + u.incident_id : "");

  if (place && (!view.latlng || view.latlng[0] !== place.at[0] || view.latlng[1] !== place.at[1])) {
    view.latlng = place.at;
    view.marker.setLatLng(place.at);
  }
  var shown = unitShown(u);
  view.row.hidden = !shown;
  showLayer(view, layers.units, shown && !!place);
  view.incidentId = u.incident_id;
}

// The list's crew cell: the names and roles, then what is short in words after a sign.
function renderCrewCell(cell, crew, short) {
  var key = crew + "|" + short;
  if (cell.dataset.key === key) return;
  cell.dataset.key = key;
  cell.replaceChildren(crew || (short ? make("span", { className: "muted", text: "none recorded" }) : ""));
  if (short) cell.append(make("span", { className: "staffing-flag" }, [make("span", { "aria-hidden": "true", text: "⚠ " }), short]));
}

// ---- incidents ------------------------------------------------------------------------------
function incidentView(id) {
  var view = incidentViews.get(id);
  if (view) return view;
  var inc = incidents.get(id);
  var box = el("div", "mi");
  box.dataset.incidentId = id;
  var shape = el("span", "shape");
  var letter = el("span", "letter");
  shape.append(letter);
  var label = el("span", "lbl");
  var name = el("b", "", inc.number);
  var prio = el("span", "prio");
  var lateNode = el("span", "late-tag");
  label.append(name, " ", prio, lateNode);
  box.append(shape, label);
  var marker = L.marker([0, 0], {
    icon: L.divIcon({ className: "mi-icon", html: box, iconSize: [20, 20], iconAnchor: [10, 10] }),
    keyboard: false,
    pane: "incidentMarkers",
  });
  marker.on("click", function () { select("incident", id, true); });
  var line = L.polyline([[0, 0], [0, 0]], {
    className: "assign-line", color: "#0b5cad", weight: 3, opacity: 0.8, interactive: false, renderer: layers.lineRenderer,
  });
  line.bindTooltip("", { permanent: true, direction: "center", className: "eta-label" });

  var row = el("tr");
  row.tabIndex = 0;
  row.dataset.incidentId = id;
  var cells = { name: el("th", "", inc.number), priority: el("td"), status: el("td"), unit: el("td"), timer: el("td", "clock") };
  cells.name.scope = "row";
  row.append(cells.name, cells.priority, cells.status, cells.unit, cells.timer);
  view = { id: id, marker: marker, box: box, letter: letter, prio: prio, lateNode: lateNode, line: line,
    lineOn: false, lineKey: "", row: row, cells: cells, onMap: false, latlng: null, sortKey: null };
  incidentViews.set(id, view);
  return view;
}

function incidentSortKey(inc) {
  var rank = PRIORITY_RANK[inc.priority];
  return [rank === undefined ? 9 : rank, parseTime((inc.timestamps || {}).created_at) || 0];
}

function compareIncidents(a, b) {
  return a.sortKey[0] - b.sortKey[0] || a.sortKey[1] - b.sortKey[1] || a.id - b.id;
}

function renderIncident(id, now) {
  var inc = incidents.get(id);
  var view = incidentViews.get(id);
  if (!inc) {
    if (view) { showLine(view, false); dropView(view, layers.incidents, incidentViews); }
    return;
  }
  view = view || incidentView(id);
  var key = incidentSortKey(inc);
  if (!view.sortKey || view.sortKey[0] !== key[0] || view.sortKey[1] !== key[1]) {
    view.sortKey = key;
    if (view.row.parentNode) view.row.remove();
    insertRow($("incident-rows"), view, compareIncidents);
  }
  var place = incidentPlace(inc);
  var late = lateness(inc, now);
  var picked = selected && selected.kind === "incident" && selected.id === id;
  var priority = inc.priority || "routine";
  setClass(view.box, "mi " + priority + (late ? " late" : "") + (picked ? " picked" : ""));
  setAttr(view.box, "data-priority", priority);
  setAttr(view.box, "data-status", inc.status);
  setText(view.letter, PRIORITY_LETTER[priority] || "?");
  setText(view.prio, priority);
  var lateText = late ? "LATE " + clock((now - late.since) / 1000) : "";
  setText(view.lateNode, late ? " " + lateText : "");
  var u = inc.unit_id !== null && inc.unit_id !== undefined ? units.get(inc.unit_id) : null;
  var eta = etaText(inc, u, now);
  setAttr(view.box, "title", inc.number + ", " + priority + ", " + humanStatus(inc.status) +
    (u ? ", " + u.call_sign + " " + eta : "") + (late ? ", LATE: " + late.what : "") +
    ((inc.location || {}).address ? ", " + inc.location.address : ""));

  setClass(view.row, priority + (late ? " late" : "") + (picked ? " picked" : ""));
  setText(view.cells.priority, priority);
  setText(view.cells.status, humanStatus(inc.status) + (place ? "" : " · no location"));
  setText(view.cells.unit, u ? u.call_sign + (eta ? ", " + eta : "") : "");
  renderTimerCell(view.cells.timer, inc, late, lateText, now);

  if (place && (!view.latlng || view.latlng[0] !== place[0] || view.latlng[1] !== place[1])) {
    view.latlng = place;
    view.marker.setLatLng(place);
  }
  var shown = incidentShown(inc);
  view.row.hidden = !shown;
  showLayer(view, layers.incidents, shown && !!place);

  var from = u ? unitPlace(u) : null;
  var lineOn = shown && !!place && !!from;
  if (lineOn) {
    var stale = !from.fix || isStale(u, now);
    var lineKey = from.at.join() + "|" + place.join() + "|" + stale + "|" + eta;
    if (lineKey !== view.lineKey) {
      view.lineKey = lineKey;
      view.line.setLatLngs([from.at, place]);
      view.line.setStyle({ dashArray: stale ? "6 6" : null, color: stale ? "#59636e" : "#0b5cad" });
      view.line.setTooltipContent(textContent(u.call_sign + " · " + eta));
    }
  }
  showLine(view, lineOn);
}

function renderTimerCell(cell, inc, late, lateText, now) {
  var text = "";
  if (late) text = lateText + " (" + late.what + ")";
  else if (inc.status === IncidentStatus.PENDING) text = "waiting " + age((now - parseTime((inc.timestamps || {}).created_at)) / 1000);
  if (cell.textContent === text) return;
  cell.textContent = "";
  if (late) cell.append(el("span", "late", lateText), " " + late.what);
  else cell.textContent = text;
}

// ---- layers and rows ------------------------------------------------------------------------
function showLayer(view, layer, on) {
  if (on === view.onMap) return;
  view.onMap = on;
  if (on) layer.addLayer(view.marker); else layer.removeLayer(view.marker);
}

function showLine(view, on) {
  if (on === view.lineOn) return;
  view.lineOn = on;
  if (on) layers.lines.addLayer(view.line); else { layers.lines.removeLayer(view.line); view.lineKey = ""; }
}

function dropView(view, layer, views) {
  showLayer(view, layer, false);
  view.row.remove();
  views.delete(view.id);
  if (selected && selected.id === view.id && views === (selected.kind === "unit" ? unitViews : incidentViews)) selected = null;
}

function insertRow(body, view, compare) {
  var rows = body.children;
  var lo = 0, hi = rows.length;
  var views = body.id === "unit-rows" ? unitViews : incidentViews;
  while (lo < hi) {
    var mid = (lo + hi) >> 1;
    var other = views.get(Number(rows[mid].dataset.unitId || rows[mid].dataset.incidentId));
    if (other && compare(other, view) < 0) lo = mid + 1; else hi = mid;
  }
  body.insertBefore(view.row, rows[lo] || null);
}

// ---- the frame: apply what changed ----------------------------------------------------------
function schedule() {
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  var now = Date.now();
  var touched = new Set();
  dirtyUnits.forEach(function (id) {
    renderUnit(id, now);
    var u = units.get(id);
    if (u && u.incident_id) touched.add(u.incident_id);
  });
  touched.forEach(function (id) { dirtyIncidents.add(id); });
  dirtyIncidents.forEach(function (id) { renderIncident(id, now); });
  if (dirtyUnits.size || dirtyIncidents.size) Facilities.sync(units, incidents);  // transport lines
  dirtyUnits.clear();
  dirtyIncidents.clear();
  updateCounts();
  if (!fitted && map) fitAll();
  if (stats && pendingStamps.length) {
    var done = performance.timeOrigin + performance.now();
    pendingStamps.forEach(function (at) { stats.latencies.push(done - at); });
    stats.applied += pendingStamps.length;
    pendingStamps = [];
  }
}

function updateCounts() {
  var shownUnits = 0, shownIncidents = 0, late = 0;
  unitViews.forEach(function (v) { if (!v.row.hidden) shownUnits += 1; });
  incidentViews.forEach(function (v) {
    if (!v.row.hidden) shownIncidents += 1;
    if (v.row.classList.contains("late")) late += 1;
  });
  setText($("unit-count"), String(shownUnits));
  setText($("incident-count"), String(shownIncidents));
  $("units-empty").hidden = shownUnits > 0;
  $("incidents-empty").hidden = shownIncidents > 0;
  var lateBadge = $("late-count");
  lateBadge.hidden = late === 0;
  setText(lateBadge, late ? late + " late" : "");
  if (lateBadge.className !== "late") lateBadge.className = "late";
  updateLabels();
}

function updateLabels() {
  if (!map) return;
  var many = layers.units.getLayers().length + layers.incidents.getLayers().length > LABELS_MAX;
  map.getContainer().classList.toggle("labels-off", many && map.getZoom() < 13);
}

function fitAll() {
  var points = [];
  units.forEach(function (u) { var p = unitPlace(u); if (p) points.push(p.at); });
  incidents.forEach(function (i) { var p = incidentPlace(i); if (p) points.push(p); });
  Facilities.points().forEach(function (p) { points.push(p); });
  if (!points.length) return;
  fitted = true;
  map.fitBounds(L.latLngBounds(points), { padding: [40, 40], maxZoom: 15, animate: false });
}

// ---- the live stream ------------------------------------------------------------------------
function putUnit(u) {
  var before = units.get(u.id);
  units.set(u.id, u);
  dirtyUnits.add(u.id);
  if (before && before.incident_id && before.incident_id !== u.incident_id) dirtyIncidents.add(before.incident_id);
  if (u.incident_id) dirtyIncidents.add(u.incident_id);
}

function putIncident(inc) {
  var before = incidents.get(inc.id);
  if (isOpen(inc.status)) incidents.set(inc.id, inc); else incidents.delete(inc.id);
  dirtyIncidents.add(inc.id);
  if (before && before.unit_id) dirtyUnits.add(before.unit_id);
  if (inc.unit_id) dirtyUnits.add(inc.unit_id);
}

function putAlert(a) {
  if (a.cleared_at) alerts.delete(a.id); else alerts.set(a.id, a);
  if (a.incident_id) dirtyIncidents.add(a.incident_id);
  if (a.unit_id) dirtyUnits.add(a.unit_id);
}

function onSnapshot(s) {
  AlertPanel.snapshot(s);
  var oldUnits = units, oldIncidents = incidents;
  units = new Map(); incidents = new Map(); alerts = new Map();
  (s.units || []).forEach(function (u) { units.set(u.id, u); });
  (s.incidents || []).forEach(function (i) { if (isOpen(i.status)) incidents.set(i.id, i); });
  (s.alerts || []).forEach(function (a) { if (!a.cleared_at) alerts.set(a.id, a); });
  // every id held before or now is redrawn: views of what is gone are dropped
  oldUnits.forEach(function (_, id) { dirtyUnits.add(id); });
  oldIncidents.forEach(function (_, id) { dirtyIncidents.add(id); });
  units.forEach(function (_, id) { dirtyUnits.add(id); });
  incidents.forEach(function (_, id) { dirtyIncidents.add(id); });
  Facilities.reload();
  schedule();
}

function onEvent(e) {
  AlertPanel.event(e);
  Facilities.event(e);
  var d = e.data || {};
  switch (e.type) {
    case "unit.updated": putUnit(d); break;
    case "incident.created":
    case "incident.updated": putIncident(d); break;
    case "assignment.created": if (d.incident) putIncident(d.incident); break;
    case "alert.raised":
    case "alert.cleared": putAlert(d); break;
    default: return;
  }
  if (stats) {
    var at = parseTime(e.at);
    stats.events += 1;
    stats.received.push(performance.timeOrigin + performance.now() - at);
    pendingStamps.push(at);
  }
  schedule();
}

// Clocks move without events: position ages, staleness and late timers.
function tick() {
  var now = Date.now();
  incidentViews.forEach(function (view, id) {
    var inc = incidents.get(id);
    if (inc && (inc.status === IncidentStatus.PENDING || inc.status === IncidentStatus.DISPATCHED || view.row.classList.contains("late") ||
        alertsFor("incident_id", id).length)) dirtyIncidents.add(id);
  });
  unitViews.forEach(function (view, id) {
    var u = units.get(id);
    if (!u) return;
    var s = positionAgeS(u, now);
    var text = unitPlace(u) && unitPlace(u).fix ? age(s) + (isStale(u, now) ? " stale" : "") : "no fix";
    if (text !== view.ageNode.textContent || view.lateNode.textContent) dirtyUnits.add(id);
  });
  if (dirtyUnits.size || dirtyIncidents.size) schedule();
}

// ---- selection and keyboard -----------------------------------------------------------------
function select(kind, id, fromMap) {
  var before = selected;
  selected = { kind: kind, id: id };
  if (before) (before.kind === "unit" ? dirtyUnits : dirtyIncidents).add(before.id);
  (kind === "unit" ? dirtyUnits : dirtyIncidents).add(id);
  var view = (kind === "unit" ? unitViews : incidentViews).get(id);
  if (!view) return;
  if (fromMap) {
    view.row.scrollIntoView({ block: "nearest" });
    view.row.focus({ preventScroll: true });
  } else if (view.latlng) {
    map.setView(view.latlng, Math.max(map.getZoom(), 14));
    say("Showing " + view.cells.name.textContent + " on the map.");
  } else {
    say(view.cells.name.textContent + " has no position to show on the map.");
  }
  schedule();
}

function say(text) {
  var box = $("map-message");
  box.textContent = text;
  box.hidden = !text;
}

function onRowKey(event) {
  var row = event.target.closest("tr[tabindex]");
  if (!row) return;
  var step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
  if (step) {
    event.preventDefault();
    var next = row;
    do { next = step > 0 ? next.nextElementSibling : next.previousElementSibling; } while (next && next.hidden);
    if (next) next.focus();
  } else if (event.key === "Home" || event.key === "End") {
    event.preventDefault();
    var visible = Array.prototype.filter.call(row.parentNode.children, function (r) { return !r.hidden; });
    var target = event.key === "Home" ? visible[0] : visible[visible.length - 1];
    if (target) target.focus();
  } else if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    choose(row);
  }
}

function choose(row) {
  if (row.dataset.unitId) select("unit", Number(row.dataset.unitId), false);
  else if (row.dataset.incidentId) select("incident", Number(row.dataset.incidentId), false);
}

function refilter() {
  readFilters();
  units.forEach(function (_, id) { dirtyUnits.add(id); });
  incidents.forEach(function (_, id) { dirtyIncidents.add(id); });
  schedule();
}

// ---- start ----------------------------------------------------------------------------------
function startMap() {
  map = L.map("map", { zoomControl: true, preferCanvas: false, attributionControl: true });
  // Open on the place the data is (the server's extent); the first snapshot fits it exactly.
  openOn(map, settings.extent, { maxZoom: 15 });
  if (settings.tileUrl) {
    var failures = 0;
    L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution || "", maxZoom: 19 })
      .on("tileerror", function () {
        failures += 1;
        if (failures === 3) {
          say("Map tiles cannot be reached: units and incidents are shown over the street lines.");
          drawStreets(map);
        }
      })
      .addTo(map);
  } else {
    drawStreets(map);  // no tile server: the street lines of data/streets under the markers
  }
  L.control.scale({ imperial: true, metric: true }).addTo(map);
  // Own panes, incidents above units; the markers in them carry no z-index of their own (see map.css).
  map.createPane("unitMarkers").style.zIndex = 610;
  map.createPane("incidentMarkers").style.zIndex = 620;
  // Lines on one canvas: a canvas (or SVG) overlay is a compositing layer, and every marker drawn
  // over it then needs one of its own.
  // The canvas is drawn above the markers (so none of them overlaps a composited layer) and lets
  // clicks through to them.
  var linePane = map.createPane("assignmentLines");
  linePane.style.zIndex = 630;
  linePane.style.pointerEvents = "none";
  layers.lineRenderer = L.canvas({ padding: 0.2, pane: "assignmentLines" });
  layers.lines = L.layerGroup().addTo(map);
  layers.units = L.layerGroup().addTo(map);
  layers.incidents = L.layerGroup().addTo(map);
  // Once the facilities are first read, "everything" includes them: fit again.
  Facilities.init(map, { renderer: layers.lineRenderer, loaded: function () { fitted = false; schedule(); } });
  map.on("zoomend", updateLabels);
  map.on("moveend", function () { if (filters.inView) refilter(); });
}

function lineCount() {
  var n = 0;
  incidentViews.forEach(function (v) { if (v.lineOn) n += 1; });
  return n;
}

function describe() {
  // A plain summary of what the page shows, for tests comparing two pages.
  var out = { units: {}, incidents: {}, lines: [], alerts: [] };
  unitViews.forEach(function (v, id) {
    out.units[id] = { cls: v.box.className, status: v.box.dataset.status, latlng: v.onMap ? v.latlng : null,
      row: [v.cells.name.textContent, v.cells.status.textContent, v.cells.incident.textContent], rowCls: v.row.className };
  });
  incidentViews.forEach(function (v, id) {
    out.incidents[id] = { cls: v.box.className, status: v.box.dataset.status, latlng: v.onMap ? v.latlng : null,
      row: [v.cells.name.textContent, v.cells.priority.textContent, v.cells.status.textContent, v.cells.unit.textContent] };
    if (v.lineOn) out.lines.push([id, v.line.getLatLngs().map(function (p) { return [p.lat, p.lng]; })]);
  });
  alerts.forEach(function (_, id) { out.alerts.push(id); });
  out.alerts.sort(function (a, b) { return a - b; });
  out.unitRows = Array.prototype.map.call($("unit-rows").children, function (r) { return r.dataset.unitId; });
  out.incidentRows = Array.prototype.map.call($("incident-rows").children, function (r) { return r.dataset.incidentId; });
  return out;
}

function start() {
  var root = $("mapview");
  settings = JSON.parse(root.dataset.settings || "{}");
  if (window.__mapStatsEnabled || /[?&]stats=1/.test(location.search)) {
    stats = window.__mapStats = { latencies: [], received: [], events: 0, applied: 0 };
  }
  startMap();
  readFilters();
  $("map-filters").addEventListener("change", refilter);
  $("map-filters").addEventListener("submit", function (e) { e.preventDefault(); });
  $("fit-all").addEventListener("click", function () { fitted = false; say(""); fitAll(); });
  ["unit-rows", "incident-rows"].forEach(function (id) {
    $(id).addEventListener("keydown", onRowKey);
    $(id).addEventListener("click", function (e) { var row = e.target.closest("tr[tabindex]"); if (row) choose(row); });
  });
  setInterval(tick, 1000);
  var live = connectLive({ snapshot: onSnapshot, event: onEvent });
  window.MapView = {
    live: live,
    describe: describe,
    lineCount: lineCount,
    facilities: Facilities.describe,
    map: map,
    state: function () { return { units: units, incidents: incidents, alerts: alerts }; },
  };
}

// A module runs once the document is parsed.
start();
