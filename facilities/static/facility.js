// The facility's own page (/facility): its open beds, each bed type updated in two keystrokes
// (Tab to it, then - or +: saved at once; or type the number and Enter), and the transports
// coming to it, live (`facility.updated`): incident number, team, bed type, expected time.
import { $, announcer, el, setText, syncChildren } from "/static/lib/dom.js";
import { api, errorFields, errorMessage } from "/static/lib/http.js";
import { connectLive } from "/static/lib/live.js";

var root = $("facility");
var settings = JSON.parse(root.dataset.settings);
var facility = null;      // the facility as GET /api/v1/facilities answers it
var saving = {};          // bed type -> true while its report is on its way
var wanted = {};          // bed type -> the count to send once the report on its way is answered
var saved = {};           // bed type -> "Saved 14:32" or an error, shown beside the row
var sayIncoming = announcer($("incoming-announcer"));
var knownIncoming = null; // incident ids already shown (null: nothing shown yet)

function pad(n) { return String(n).padStart(2, "0"); }
function hm(date) { return pad(date.getHours()) + ":" + pad(date.getMinutes()); }
function parse(iso) { return iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")) : NaN; }
function age(ms) {
  var s = Math.max(0, ms / 1000);
  if (s < 60) return "under 1 min";
  if (s < 5400) return Math.round(s / 60) + " min";
  if (s < 172800) return Math.round(s / 3600) + " h";
  return Math.round(s / 86400) + " d";
}
function bedWords(type) { return settings.bedWords[type] || type; }
function say(text, ok) {
  var node = $("message");
  setText(node, text || "");
  node.className = "message" + (text ? (ok ? " ok" : " error") : "");
}

// --- beds ------------------------------------------------------------------------------------
function bedTypes() {
  var beds = (facility && facility.beds) || {};
  return settings.bedTypes.filter(function (t) { return beds[t]; });
}

function bedRow(type) {
  var input = el("input", {
    id: "beds-" + type, type: "number", min: "0", inputmode: "numeric", "aria-describedby": "beds-" + type + "-state beds-keys",
    readonly: settings.canEdit ? null : "readonly", "data-type": type,
  });
  input.addEventListener("keydown", keys);
  input.addEventListener("input", function () { input.dataset.edited = "1"; });
  return el("tr", { "data-type": type }, [
    el("th", { scope: "row" }, [el("label", { for: input.id, text: bedWords(type) })]),
    el("td", {}, [input]),
    el("td", { className: "total" }),
    el("td", {}, [el("span", { id: "beds-" + type + "-state", className: "state" })]),
  ]);
}

function updateRow(tr, type) {
  var count = facility.beds[type];
  var input = tr.querySelector("input");
  input.max = String(count.total);
  // What someone is typing stays; a count they are not editing follows the server.
  if (!(document.activeElement === input && input.dataset.edited) && !saving[type]) {
    input.value = String(count.available);
    delete input.dataset.edited;
  }
  setText(tr.querySelector(".total"), "of " + count.total);
  var state = tr.querySelector(".state");
  setText(state, saved[type] ? saved[type].text : "");
  state.className = "state" + (saved[type] && !saved[type].ok ? " error" : "");
  if (saved[type] && !saved[type].ok) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
}

function renderBeds() {
  var types = bedTypes();
  syncChildren($("beds"), types, { key: function (t) { return t; }, create: bedRow, update: updateRow });
  $("beds").querySelectorAll("tr").forEach(function (tr) { updateRow(tr, tr.dataset.type); });
  $("no-beds").hidden = types.length > 0;
  renderStale();
}

function renderStale() {
  var at = parse(facility.beds_updated_at);
  var warning = $("stale-warning");
  var stale = isNaN(at) || Date.now() - at > settings.staleS * 1000;
  setText($("beds-updated"), isNaN(at) ? "Never reported." : "Reported " + hm(new Date(at)) + " (" + age(Date.now() - at) + " ago).");
  if (bedTypes().length === 0) stale = false;
  warning.hidden = !stale;
  setText(warning, !stale ? "" : isNaN(at)
    ? "Your beds have never been reported: teams see them as a stale count. Report them now."
    : "Your count is " + age(Date.now() - at) + " old: teams see it as stale and call ahead. Report your beds now.");
}

function keys(event) {
  var input = event.target;
  var type = input.dataset.type;
  if (!settings.canEdit) return;
  var count = facility.beds[type];
  var base = wanted[type] !== undefined ? wanted[type] : count.available;
  if (event.key === "+" || event.key === "=" || event.key === "-" || event.key === "Subtract" || event.key === "Add") {
    event.preventDefault();
    var step = event.key === "+" || event.key === "=" || event.key === "Add" ? 1 : -1;
    var next = Math.min(count.total, Math.max(0, base + step));
    if (next === base) { mark(type, step > 0 ? "All " + count.total + " are open already." : "None is open already.", false); return; }
    input.value = String(next);
    report(type, next);
  } else if (event.key === "Enter") {
    event.preventDefault();
    var typed = input.value.trim();
    var n = Number(typed);
    if (typed === "" || !Number.isInteger(n) || n < 0) { mark(type, "Type a whole number of open beds (0 or more).", false); return; }
    if (n > count.total) { mark(type, "Only " + count.total + " in all: an administrator changes the total.", false); return; }
    report(type, n);
  } else if (event.key === "Escape") {
    input.value = String(count.available);
    delete input.dataset.edited;
    mark(type, "", true);
  }
}

function mark(type, text, ok) {
  saved[type] = text ? { text: text, ok: ok } : null;
  renderBeds();
}

function report(type, available) {
  if (saving[type]) { wanted[type] = available; mark(type, "Saving…", true); return; }
  saving[type] = true;
  delete wanted[type];
  mark(type, "Saving…", true);
  var body = { beds: {} };
  body.beds[type] = { available: available };
  api("POST", "/api/v1/facilities/" + facility.id + "/beds", { body: body }).then(function (result) {
    saving[type] = false;
    if (result.ok) {
      if (result.data && result.data.beds) facility = result.data;
      else facility.beds[type].available = available;
      var input = $("beds-" + type);
      if (input) delete input.dataset.edited;
      saved[type] = { text: "Saved " + hm(new Date()), ok: true };
      say(bedWords(type) + ": " + available + " open, saved.", true);
    } else {
      var fields = errorFields(result);
      var why = Object.keys(fields).map(function (k) { return fields[k]; }).join("; ");
      saved[type] = { text: "Not saved: " + errorMessage(result) + (why ? " (" + why + ")" : ""), ok: false };
      say("", true);
    }
    if (wanted[type] !== undefined && wanted[type] !== facility.beds[type].available) { report(type, wanted[type]); return; }
    delete wanted[type];
    renderBeds();
  });
}

// --- incoming --------------------------------------------------------------------------------
function expected(row) {
  var at = parse(row.expected_at);
  if (isNaN(at)) return row.eta_seconds ? "in about " + Math.round(row.eta_seconds / 60) + " min" : "time not known";
  var left = at - Date.now();
  return hm(new Date(at)) + (left > 60000 ? " (in " + Math.round(left / 60000) + " min)" : " (due now)");
}

function incomingRow(row) { var tr = el("tr", {}); updateIncoming(tr, row); return tr; }
function updateIncoming(tr, row) {
  tr.replaceChildren(
    el("th", { scope: "row", text: row.incident_number }),
    el("td", { text: row.call_sign || "a team" }),
    el("td", { text: row.bed_type ? bedWords(row.bed_type) : "not said" }),
    el("td", { className: "when", text: expected(row) }),
  );
}

function renderIncoming() {
  var rows = (facility.incoming || []).slice().sort(function (a, b) { return (parse(a.expected_at) || 0) - (parse(b.expected_at) || 0); });
  syncChildren($("incoming"), rows, { key: function (r) { return r.incident_id; }, create: incomingRow, update: updateIncoming });
  setText($("incoming-count"), String(rows.length));
  $("incoming-empty").hidden = rows.length > 0;
  var ids = rows.map(function (r) { return r.incident_id; });
  if (knownIncoming !== null) {
    rows.filter(function (r) { return knownIncoming.indexOf(r.incident_id) < 0; }).forEach(function (r) {
      sayIncoming((r.call_sign || "A team") + " is coming with " + r.incident_number + ", expected " + expected(r) + ".");
    });
  }
  knownIncoming = ids;
}

function render() { renderBeds(); renderIncoming(); }

function load() {
  return api("GET", "/api/v1/facilities?limit=500").then(function (result) {
    if (!result.ok) { say("The facility could not be read: " + errorMessage(result), false); return; }
    var found = (result.data || []).find(function (f) { return f.id === settings.facilityId; });
    if (!found) { say("This facility is no longer listed (closed?). Ask an administrator.", false); return; }
    facility = found;
    render();
  });
}

load();
setInterval(function () { if (facility) { renderStale(); renderIncoming(); } }, 30000);  // ages and "in N min"
connectLive({
  gapless: settings.gapless,
  snapshot: function () { load(); },  // on connect and after a long absence: read it afresh
  event: function (e) {
    if (e.type !== "facility.updated" || !e.data || e.data.id !== settings.facilityId) return;
    facility = e.data;
    render();
  },
});
