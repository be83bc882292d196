// The dispatch board: the queue with running timers, recommendations, one-action assign, the
// unit board, and an address search / map pick for an incident with no location; the open
// incident's facts, notes, timeline and actions are detail.js's. Everything follows the live
// stream (snapshot + events); nothing reloads the page.
//
// By keyboard: Enter on an incident opens it; A (anywhere but a text field) moves to the first
// recommendation's Assign button, and Enter assigns: three keys from the queue. Enter on the
// incident already open does the same as A.
//
// For a screen reader the queue is not a live region (its clocks tick every second): a separate
// polite region (#queue-announcer) says what changed: a new incident, a change of status.
import { $, announcer, el, textContent } from "/static/lib/dom.js";
import { api, errorText } from "/static/lib/http.js";
import { connectLive } from "/static/lib/live.js";
import { drawStreets, openOn } from "/static/lib/maps.js";
import { Availability, IncidentStatus, isOpen, statusLabel } from "/static/lib/statuses.js";
import { AlertPanel } from "/static/alerts/alerts.js";
import { Detail, flagWords, languageName, outcomeWords, when } from "/static/dispatch/detail.js";
import { crewLines } from "/static/dispatch/crew.js";
import { CrewEditor } from "/static/dispatch/crew_editor.js";

var root = $("dispatch");
var settings = JSON.parse(root.getAttribute("data-settings"));
var announce = announcer($("queue-announcer"));

var PRIORITY_ORDER = { emergent: 0, urgent: 1, routine: 2 };
var GROUPS = Object.keys(Availability).map(function (name) {
  var words = statusLabel(Availability[name]);
  return { title: words.charAt(0).toUpperCase() + words.slice(1), availability: Availability[name] };
});

var incidents = {};   // id -> incident JSON (open ones)
var needsOutcome = {}; // id -> a cleared incident still without an outcome
var alertsOn = {};     // incident id -> {alert id: alert} of its open alerts
var units = {};       // id -> unit JSON
var selectedId = null;
var recommendations = null;   // {incident_id, units: [...]} for the selected incident
var chosenUnit = null;        // unit id chosen below the first recommendation (reason box open)
var reasonDraft = "";         // what was typed in the reason box (kept across re-renders)
var focusReason = false;
var busy = false;
var assignIntent = false;     // A was pressed before the recommendations came
var recTimer = null;
var pickMap = null, pickMarker = null, picked = null;

var label = statusLabel;

// What happened, in words. A success goes after a while (the detail shows its result); an error
// stays until the next action or incident.
var sayTimer = 0;
function say(text, ok) {
  var box = $("message");
  clearTimeout(sayTimer);
  if (!text) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = text;
  box.className = "message" + (ok ? " ok" : "");
  if (ok) sayTimer = setTimeout(function () { say(""); }, 15000);
}

// --- time ----------------------------------------------------------------------------------
function waitingSeconds(incident) {
  return Math.max(0, Math.floor((Date.now() - Date.parse(incident.timestamps.created_at)) / 1000));
}
function clock(seconds) {
  var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  return h ? h + ":" + mm : mm;
}
function isLate(incident) {
  return incident.status === IncidentStatus.PENDING && incident.priority === "emergent" && waitingSeconds(incident) > settings.pendingSlaS;
}
// Under way: seconds since the incident's latest milestone, and what runs late in words.
var MILESTONES = ["cleared_at", "at_facility_at", "transporting_at", "on_scene_at", "en_route_at", "acknowledged_at", "dispatched_at", "created_at"];
function sinceMilestone(incident) {
  var stamps = incident.timestamps || {};
  var latest = MILESTONES.map(function (k) { return stamps[k]; }).filter(Boolean)
    .reduce(function (a, b) { return Date.parse(a) > Date.parse(b) ? a : b; }, null);
  return latest ? Math.max(0, Math.floor((Date.now() - Date.parse(latest)) / 1000)) : 0;
}
function lateWords(incident) {
  if (incident.status === IncidentStatus.PENDING) return isLate(incident) ? "late" : "";
  if (incident.status === IncidentStatus.DISPATCHED && sinceMilestone(incident) > settings.ackRepageS) return "not acknowledged";
  var open = alertsOn[incident.id] ? Object.keys(alertsOn[incident.id]).map(function (k) { return alertsOn[incident.id][k]; }) : [];
  if (open.length) return open.length === 1 ? "alert: " + (open[0].kind || "").replace(/_/g, " ") : open.length + " alerts";
  if ((incident.flags || []).indexOf("outcome_missing") >= 0) return "outcome missing";
  return "";
}
function since(incident) {
  return new Date(Date.parse(incident.timestamps.created_at)).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
function minutes(seconds) { return seconds < 60 ? "under 1 min" : Math.round(seconds / 60) + " min"; }
function km(metres) { return metres < 1000 ? metres + " m" : (metres / 1000).toFixed(1) + " km"; }

// --- the queue -----------------------------------------------------------------------------
function queueOrder(a, b) {
  var pa = PRIORITY_ORDER[a.priority] !== undefined ? PRIORITY_ORDER[a.priority] : 3;
  var pb = PRIORITY_ORDER[b.priority] !== undefined ? PRIORITY_ORDER[b.priority] : 3;
  if (pa !== pb) return pa - pb;
  return Date.parse(a.timestamps.created_at) - Date.parse(b.timestamps.created_at);
}

// Delivery of the texts to each unit's phones: the newest outbound message per phone.
var sms = {};
function noteMessage(m) {
  if (!m || m.direction !== "out" || !m.incident_id) return;
  var byPhone = sms[m.incident_id] || (sms[m.incident_id] = {});
  var before = byPhone[m.to];
  if (before && before.id > m.id) return;
  byPhone[m.to] = m;
}
function loadMessages(incident) {
  api("GET", "/api/v1/incidents/" + incident.id + "/messages").then(function (result) {
    if (!result.ok || !Array.isArray(result.data)) return;
    result.data.forEach(noteMessage);
    renderQueue();
  });
}
function smsLine(incident) {
  var byPhone = sms[incident.id];
  if (!byPhone) return null;
  var all = Object.keys(byPhone).map(function (k) { return byPhone[k]; });
  var failed = all.filter(function (m) { return m.status === "failed" || m.status === "undelivered"; });
  var words = {};
  all.forEach(function (m) { words[label(m.status)] = true; });
  var text = "SMS " + Object.keys(words).join(", ") + (all.length > 1 ? " (" + all.length + " phones)" : "");
  return el("span", { className: "sms" + (failed.length ? " late" : ""), "data-sms": incident.id, text: text });
}

function needsLine(incident) {
  var needs = [];
  if (incident.needs && incident.needs.youth) needs.push("youth");
  if (incident.needs && incident.needs.language) needs.push(languageName(incident.needs.language));
  return needs.length ? el("span", { className: "needs", text: needs.join(" · ") }) : null;
}

function incidentButton(incident, compact) {
  var late = lateWords(incident);
  var unit = incident.unit_id ? units[incident.unit_id] : null;
  var head = el("span", { className: "num" }, [el("span", { className: "num-text", text: incident.number }),
    incident.priority ? el("span", { className: "badge " + incident.priority, text: incident.priority }) : null,
    incident.location.resolved ? null : el("span", { className: "badge unresolved", text: "no location" }),
    late ? el("span", { className: "badge late", "data-late": incident.id, text: late }) : null,
  ]);
  // The ticking clock is for the eye; a screen reader gets the time the wait began, which holds still.
  var right;
  if (!compact) {
    right = el("span", { className: "waiting" + (late ? " late" : ""), "data-waiting": incident.id, "aria-hidden": "true",
      text: clock(waitingSeconds(incident)) });
  } else if (incident.status === IncidentStatus.CLEARED) {
    right = el("span", { text: "cleared " + when(incident.timestamps.cleared_at || incident.timestamps.created_at) });
  } else {
    right = el("span", {}, [label(incident.status) + (unit ? " · " + unit.call_sign : "") + " ",
      el("span", { className: "since" + (late ? " late-text" : ""), "data-since": incident.id, "aria-hidden": "true", text: clock(sinceMilestone(incident)) })]);
  }
  var button = el("button", {
    type: "button",
    className: "prio-" + (incident.priority || "none") + (late ? " is-late" : ""),
    "aria-pressed": String(incident.id === selectedId),
    "data-incident": incident.id,
  }, [head, right, el("span", { className: "addr", text: incident.location.address || "address unknown" }),
    needsLine(incident),
    compact ? smsLine(incident) : el("span", { className: "visually-hidden", text: "waiting since " + since(incident) }),
  ]);
  // Enter (or a click) opens the incident; Enter on the incident already open goes to Assign.
  button.addEventListener("click", function (event) {
    var again = selectedId === incident.id && event.detail === 0;
    select(incident.id);
    if (again) toAssign();
    // One column (a phone): the detail is below the lists; a tap brings it into view. The
    // focus stays, so Enter and A work as on a wide screen.
    else if (event.detail > 0 && oneColumn.matches) $("detail-title").scrollIntoView({ block: "start" });
  });
  return el("li", {}, [button]);
}

var oneColumn = window.matchMedia("(max-width: 1000px)");

function renderQueue() {
  var all = Object.keys(incidents).map(function (k) { return incidents[k]; });
  var pending = all.filter(function (i) { return i.status === IncidentStatus.PENDING; }).sort(queueOrder);
  var active = all.filter(function (i) { return i.status !== IncidentStatus.PENDING; }).sort(queueOrder);
  var cleared = Object.keys(needsOutcome).map(function (k) { return needsOutcome[k]; }).sort(queueOrder);
  var focused = document.activeElement && document.activeElement.getAttribute("data-incident");
  var queue = $("queue"), list = $("active"), missing = $("needs-outcome");
  queue.replaceChildren.apply(queue, pending.map(function (i) { return incidentButton(i, false); }));
  list.replaceChildren.apply(list, active.map(function (i) { return incidentButton(i, true); }));
  missing.replaceChildren.apply(missing, cleared.map(function (i) { return incidentButton(i, true); }));
  $("queue-count").textContent = pending.length;
  $("active-count").textContent = active.length;
  $("outcome-count").textContent = cleared.length;
  $("outcome-title").hidden = $("outcome-help").hidden = cleared.length === 0;
  $("queue-empty").hidden = pending.length > 0;
  if (focused) {
    var again = root.querySelector('[data-incident="' + focused + '"]');
    if (again) again.focus({ preventScroll: true });
  }
}

function tick() {
  root.querySelectorAll("[data-waiting]").forEach(function (node) {
    var incident = incidents[node.getAttribute("data-waiting")];
    if (!incident) return;
    node.textContent = clock(waitingSeconds(incident));
    node.className = "waiting" + (isLate(incident) ? " late" : "");
  });
  root.querySelectorAll("[data-since]").forEach(function (node) {
    var incident = incidents[node.getAttribute("data-since")];
    if (incident) node.textContent = clock(sinceMilestone(incident));
  });
  // A clock that crossed its limit: the words "late" / "not acknowledged" appear (a repaint).
  var lateNow = Object.keys(incidents).filter(function (k) { return !!lateWords(incidents[k]); }).sort().join(",");
  if (lateNow !== lastLate) { lastLate = lateNow; renderQueue(); }
}
var lastLate = "";

// --- the unit board ------------------------------------------------------------------------
function renderBoard() {
  var board = $("unit-board");
  var focusedCrew = document.activeElement && document.activeElement.getAttribute("data-crew-edit");
  var all = Object.keys(units).map(function (k) { return units[k]; })
    .sort(function (a, b) { return a.call_sign.localeCompare(b.call_sign); });
  board.replaceChildren.apply(board, GROUPS.map(function (group) {
    var members = all.filter(function (u) { return u.availability === group.availability; });
    var items = members.map(function (u) {
      var incident = u.incident_id ? incidents[u.incident_id] : null;
      var sub = [];
      if (incident) sub.push(incident.number);
      if (!u.has_position) sub.push("no position");
      else if (u.location_stale) sub.push("position stale");
      var langs = (u.capabilities.languages || []).map(languageName).join(", ");
      if (langs) sub.push(langs);
      if (u.capabilities.youth) sub.push("youth");
      return el("li", { "data-unit": u.id }, [
        el("span", { className: "call-sign", text: u.call_sign }),
        el("span", { className: "status " + u.availability, text: label(u.status) }),
        el("span", { className: "sub" + (u.location_stale ? " stale" : ""), text: sub.join(" · ") }),
      ].concat(crewLines(u), [CrewEditor.button(u)]));
    });
    return el("div", { className: "unit-group", "data-group": group.availability }, [
      el("h3", { text: group.title + " (" + members.length + ")" }),
      items.length ? el("ul", {}, items) : el("p", { className: "muted small", text: "None." }),
    ]);
  }));
  if (focusedCrew) {
    var again = board.querySelector('[data-crew-edit="' + focusedCrew + '"]');
    if (again) again.focus({ preventScroll: true });
  }
}


// --- the selected incident -----------------------------------------------------------------
// The open incident stays shown when it leaves the lists (cancelled, or its outcome recorded):
// the dispatcher sees what the action did.
var selectedCopy = null;
function find(id) { return incidents[id] || needsOutcome[id] || (selectedCopy && selectedCopy.id === id ? selectedCopy : null); }

function select(id) {
  if (selectedId !== id) {
    chosenUnit = null; recommendations = null; picked = null; assignIntent = false; say("");
    var incident = find(id);
    $("address-input").value = incident && !incident.location.resolved ? (incident.location.address || "") : "";
    $("pick-use").disabled = true; $("pick-text").textContent = "No point picked.";
    if (pickMarker) { pickMarker.remove(); pickMarker = null; }
  }
  selectedId = id;
  selectedCopy = find(id);
  renderQueue();
  renderDetail();
  refreshRecommendations(true);
}

function renderDetail() {
  var incident = selectedId ? find(selectedId) : null;
  var title = $("detail-title");
  if (!incident) {
    title.textContent = selectedId ? "This incident is no longer open" : "Choose an incident";
    $("detail-body").hidden = true;
    Detail.show(null);
    return;
  }
  $("detail-body").hidden = false;
  var unit = incident.unit_id ? units[incident.unit_id] : null;
  title.textContent = incident.number + " · " + label(incident.status) + (unit ? " · " + unit.call_sign : "");
  $("detail-summary").textContent = [
    incident.priority ? incident.priority.toUpperCase() : "no priority",
    (incident.location.address || "address unknown") + (incident.location.approximate ? " (approximate location)" : ""),
    incident.area || "",
    incident.category || "",
    incident.outcome ? outcomeWords(incident.outcome) : "",
  ].filter(Boolean).join(" — ");
  var flags = $("detail-flags");
  flags.replaceChildren.apply(flags, (incident.flags || []).map(function (f) {
    return el("li", { className: f === "outcome_missing" ? "flag-late" : "", "data-flag": f, text: flagWords(f) });
  }));
  Detail.show(incident);
  var pending = incident.status === IncidentStatus.PENDING;
  $("locate").hidden = incident.location.resolved || !pending;
  if (!$("locate").hidden) showPickMap();
  $("recommend").hidden = !pending || !incident.location.resolved;
  renderRecommendations();
}

function refreshRecommendations(now) {
  clearTimeout(recTimer);
  recTimer = setTimeout(loadRecommendations, now ? 0 : 250);
}

function loadRecommendations() {
  var incident = selectedId ? incidents[selectedId] : null;
  if (!incident || incident.status !== IncidentStatus.PENDING || !incident.location.resolved) return;
  var id = incident.id;
  api("GET", "/api/v1/incidents/" + id + "/recommendations").then(function (result) {
    if (id !== selectedId) return;
    if (!result.ok) { say(errorText(result)); return; }
    recommendations = result.data;
    renderRecommendations();
    if (assignIntent) toAssign();
  });
}

// A, or Enter on the open incident: the focus goes to the first recommendation's Assign button,
// whose Enter is the confirmation. Before the recommendations came, it waits for them.
function assignButton() { return $("recommendations").querySelector("button[data-assign]"); }
function toAssign() {
  var incident = selectedId ? incidents[selectedId] : null;
  if (!incident || incident.status !== IncidentStatus.PENDING) return;
  if (!incident.location.resolved) { say("Set the location first: then the recommendations come."); $("address-input").focus(); return; }
  var button = assignButton();
  if (!button) {
    if (recommendations && recommendations.incident_id === selectedId) { say("No unit is available right now."); return; }
    assignIntent = true;
    return;
  }
  assignIntent = false;
  button.focus();
}

function typing(target) {
  return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}
// A: to the first recommendation's Assign. N: to the first waiting incident (the queue's top).
// Up and Down on an incident: the one above or below, across the three lists.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (event.target.closest && event.target.closest("dialog")) return;  // the crew editor has its own keys
  var key = event.key;
  if (key === "a" || key === "A") {
    if (!selectedId || !incidents[selectedId]) return;
    event.preventDefault();
    toAssign();
  } else if (key === "n" || key === "N") {
    var top = $("queue").querySelector("button[data-incident]");
    if (!top) { announce("No incident is waiting."); return; }
    event.preventDefault();
    top.focus();
  } else if ((key === "ArrowDown" || key === "ArrowUp") && event.target.hasAttribute && event.target.hasAttribute("data-incident")) {
    var all = Array.from(root.querySelectorAll(".incident-list button[data-incident]"));
    var next = all[all.indexOf(event.target) + (key === "ArrowDown" ? 1 : -1)];
    event.preventDefault();
    if (next) next.focus();
  }
});

function renderRecommendations() {
  var list = $("recommendations");
  // A fresh list replaces the buttons: the one that had the focus gets it back (by its unit).
  var had = document.activeElement && list.contains(document.activeElement) ? document.activeElement : null;
  var hadKey = had ? (had.hasAttribute("data-assign") ? "data-assign" : had.hasAttribute("data-choose") ? "data-choose" : null) : null;
  var hadUnit = hadKey ? had.getAttribute(hadKey) : null;
  var recs = recommendations && recommendations.incident_id === selectedId ? recommendations.units : [];
  $("no-units").hidden = !(recommendations && recs.length === 0);
  list.replaceChildren.apply(list, recs.map(function (rec, index) {
    var first = index === 0;
    var head = el("div", { className: "rec-head" }, [
      el("span", { className: "eta", text: "ETA " + minutes(rec.eta_seconds) }),
      el("span", { className: "call-sign", text: rec.call_sign }),
      el("span", { className: "muted", text: km(rec.distance_m) }),
      rec.location_stale ? el("span", { className: "stale", text: rec.has_position ? "position stale" : "no position" }) : null,
      rec.matches.language ? el("span", { className: "badge", text: "language match" }) : null,
      rec.matches.youth ? el("span", { className: "badge", text: "youth-trained" }) : null,
    ]);
    var reasons = el("ul", { className: "rec-reasons" }, rec.reasons.map(function (r) { return el("li", { text: r }); }));
    var actions = el("div", { className: "rec-actions" });
    if (first) {
      var go = el("button", { type: "button", className: "primary", "data-assign": rec.unit_id, "aria-keyshortcuts": "A",
        "aria-describedby": "assign-hint", text: "Assign " + rec.call_sign });
      if (busy) go.disabled = true;
      go.addEventListener("click", function () { assign(rec.unit_id, null, go); });
      actions.appendChild(go);
      actions.appendChild(el("span", { className: "confirm-hint", "aria-hidden": "true", text: "Enter to assign" }));
    } else if (chosenUnit === rec.unit_id) {
      var boxId = "reason-" + rec.unit_id;
      var input = el("input", { id: boxId, name: "reason", autocomplete: "off", required: "required" });
      input.value = reasonDraft;
      input.addEventListener("input", function () { reasonDraft = input.value; });
      var send = el("button", { type: "submit", className: "primary", text: "Assign " + rec.call_sign });
      var cancel = el("button", { type: "button", text: "Back" });
      var form = el("form", { className: "rec-actions" }, [
        el("div", { className: "reason-box" }, [el("label", { "for": boxId, text: "Why not the first recommendation?" }), input]),
        send, cancel,
      ]);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        if (!input.value.trim()) { say("Give a reason for choosing " + rec.call_sign + " over the first recommendation."); input.focus(); return; }
        assign(rec.unit_id, input.value.trim(), send);
      });
      cancel.addEventListener("click", function () { chosenUnit = null; renderRecommendations(); });
      actions = form;
      if (focusReason || (document.activeElement && document.activeElement.id === boxId)) {
        focusReason = false;
        setTimeout(function () { input.focus(); }, 0);
      }
    } else {
      var choose = el("button", { type: "button", "data-choose": rec.unit_id, text: "Choose " + rec.call_sign + "…" });
      choose.addEventListener("click", function () {
        chosenUnit = rec.unit_id; reasonDraft = ""; focusReason = true; renderRecommendations();
      });
      actions.appendChild(choose);
    }
    return el("li", { className: first ? "first" : "", "data-unit": rec.unit_id }, [head, reasons, actions]);
  }));
  if (hadKey) {
    // Never another unit's button: Enter there would send a unit the dispatcher did not see.
    var again = list.querySelector("[" + hadKey + '="' + hadUnit + '"]');
    if (again) again.focus({ preventScroll: true }); else $("detail-title").focus();
  }
}

// One assignment in flight at a time: a second press or click while it is awaited does nothing
// (its button is disabled), so a double press assigns once and shows no error.
function assign(unitId, reason, button) {
  if (busy || !selectedId) return;
  busy = true;
  if (button) button.disabled = true;
  var id = selectedId;
  var body = { unit_id: unitId };
  if (reason) body.reason = reason;
  api("POST", "/api/v1/incidents/" + id + "/assign", { body: body }).then(function (result) {
    busy = false;
    if (button) button.disabled = false;
    if (result.ok) {
      var incident = result.data.incident;
      incidents[incident.id] = incident;
      chosenUnit = null;
      say(incident.number + " assigned to " + (units[unitId] ? units[unitId].call_sign : "unit " + unitId) + ".", true);
      renderQueue(); renderBoard(); renderDetail();
      var next = $("queue").querySelector("button");
      if (next) next.focus(); else $("detail-title").focus();
      return;
    }
    say(errorText(result));
    if (result.data && result.data.recommendations) {
      recommendations = result.data.recommendations;
      chosenUnit = null;
      renderRecommendations();
    } else {
      refreshRecommendations(true);
    }
  });
}

// --- location: address search and map pick ------------------------------------------------
function showPickMap() {
  if (typeof L === "undefined") return;
  if (!pickMap) {
    pickMap = L.map("pick-map", { keyboard: true });
    openOn(pickMap, settings.extent, { maxZoom: 15 });
    if (settings.tileUrl) {
      L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution, maxZoom: 19 }).addTo(pickMap);
    } else {
      drawStreets(pickMap);
    }
    pickMap.on("click", function (event) { setPick(event.latlng.lat, event.latlng.lng); });
  }
  setTimeout(function () { pickMap.invalidateSize(); }, 0);
  drawUnitsOnPickMap();
}

var unitLayer = null;
function drawUnitsOnPickMap() {
  if (!pickMap) return;
  if (unitLayer) unitLayer.remove();
  unitLayer = L.layerGroup(Object.keys(units).map(function (k) {
    var u = units[k];
    var lat = u.has_position ? u.lat : u.home.lat, lon = u.has_position ? u.lon : u.home.lon;
    return L.circleMarker([lat, lon], { radius: 5, color: "#0b5cad" }).bindTooltip(textContent(u.call_sign));
  })).addTo(pickMap);
}

function setPick(lat, lon) {
  picked = { lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)) };
  if (pickMarker) pickMarker.setLatLng([lat, lon]); else pickMarker = L.marker([lat, lon]).addTo(pickMap);
  $("pick-text").textContent = "Picked " + picked.lat + ", " + picked.lon;
  $("pick-use").disabled = false;
}

function sendLocation(body) {
  var id = selectedId;
  return api("POST", "/api/v1/incidents/" + id + "/location", { body: body }).then(function (result) {
    if (!result.ok) { say(errorText(result)); return; }
    incidents[id] = result.data;
    say("Location set: " + (result.data.location.address || result.data.location.lat + ", " + result.data.location.lon), true);
    picked = null; $("pick-use").disabled = true; $("pick-text").textContent = "No point picked.";
    renderQueue(); renderDetail(); refreshRecommendations(true);
  });
}

$("address-form").addEventListener("submit", function (event) {
  event.preventDefault();
  var text = $("address-input").value.trim();
  if (!text) { say("Type an address to search."); $("address-input").focus(); return; }
  sendLocation({ address: text });
});
$("pick-use").addEventListener("click", function () {
  if (picked) sendLocation({ lat: picked.lat, lon: picked.lon });
});

// --- live ----------------------------------------------------------------------------------
// What a screen reader hears about the queue: a new incident, and a change of status. Nothing
// for the snapshot (that is the page loading) and nothing for a change this board made itself
// (the assign answer is already in `incidents` when its event comes, and #message said it).
function announceChange(incident) {
  var before = incidents[incident.id];
  if (!before) {
    if (incident.status !== IncidentStatus.PENDING) return;
    announce("New incident " + incident.number + ", " + (incident.priority || "no priority") + ", " +
      (incident.location.address || "address unknown") + ".");
    return;
  }
  if (before.status === incident.status) return;
  var unit = incident.unit_id ? units[incident.unit_id] : null;
  var now = incident.status === IncidentStatus.PENDING ? "back in the queue" : "now " + label(incident.status);
  announce(incident.number + " " + now + (unit && incident.status !== IncidentStatus.PENDING ? ", " + unit.call_sign : "") + ".");
}

function missingOutcome(incident) {
  return incident.status === IncidentStatus.CLEARED && !incident.outcome;
}
function putIncident(incident) {
  if (incident.id === selectedId) selectedCopy = incident;
  delete needsOutcome[incident.id];
  if (isOpen(incident.status)) incidents[incident.id] = incident;
  else delete incidents[incident.id];
  if (missingOutcome(incident)) needsOutcome[incident.id] = incident;
}
function loadNeedsOutcome() {
  api("GET", "/api/v1/incidents?status=" + IncidentStatus.CLEARED + "&limit=200").then(function (result) {
    if (!result.ok || !Array.isArray(result.data)) return;
    result.data.forEach(function (i) { if (missingOutcome(i) && !needsOutcome[i.id]) needsOutcome[i.id] = i; });
    renderQueue(); renderDetail();
  });
}
function noteAlert(alert) {
  if (!alert || !alert.incident_id) return;
  var open = alertsOn[alert.incident_id] || (alertsOn[alert.incident_id] = {});
  if (alert.cleared_at || alert.acknowledged_at) delete open[alert.id];
  else open[alert.id] = alert;
}
// detail.js changed the incident (a status, an outcome, a cancel): show it before its event comes.
function changed(incident) {
  putIncident(incident);
  renderAll();
  if (incident.id === selectedId) refreshRecommendations(true);
}

function renderAll() {
  renderQueue(); renderBoard(); renderDetail();
  if (pickMap && !$("locate").hidden) drawUnitsOnPickMap();
}

Detail.init({ settings: settings, say: say, units: units, changed: changed });
// A crew saved in the editor is shown at once (its unit.updated event follows).
CrewEditor.init({ roles: settings.crewRoles, units: units, saved: function (unit) { units[unit.id] = unit; renderBoard(); } });
AlertPanel.onOpenIncident(function (id) { select(id); $("detail-title").focus(); });

connectLive({
  snapshot: function (s) {
    AlertPanel.snapshot(s);
    incidents = {}; alertsOn = {};
    Object.keys(units).forEach(function (k) { delete units[k]; });
    (s.alerts || []).forEach(noteAlert);
    (s.incidents || []).forEach(putIncident);
    (s.units || []).forEach(function (u) { units[u.id] = u; });
    sms = {};
    Object.keys(incidents).forEach(function (k) { if (incidents[k].status !== IncidentStatus.PENDING) loadMessages(incidents[k]); });
    renderAll();
    refreshRecommendations(true);
    loadNeedsOutcome();
  },
  event: function (e) {
    AlertPanel.event(e);
    Detail.event(e);
    if (e.type === "incident.created" || e.type === "incident.updated") { announceChange(e.data); putIncident(e.data); }
    else if (e.type === "assignment.created" && e.data.incident) { announceChange(e.data.incident); putIncident(e.data.incident); }
    else if (e.type === "unit.updated") { units[e.data.id] = e.data; CrewEditor.unitChanged(e.data); }
    else if (e.type === "message.updated") noteMessage(e.data);
    else if (e.type === "alert.raised" || e.type === "alert.cleared" || e.type === "alert.updated") noteAlert(e.data);
    else return;
    renderAll();
    if (selectedId) refreshRecommendations(false);
  },
});

setInterval(tick, 1000);

// For tests and the console: the map for picking an incident's place, once it is shown.
window.DispatchBoard = { pickMap: function () { return pickMap; } };
