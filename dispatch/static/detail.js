// The open incident on the dispatch board: what the operator learned (narrative, callback number,
// needs), the caller's history and safety lines, notes, the timeline, and the dispatcher's
// actions on it (a status on behalf of the unit with the time it happened, the outcome after a
// clear without one, return to queue, a corrected location, cancel).
//
//   import { Detail } from "/static/dispatch/detail.js";
//   Detail.init({ settings, say, units, changed(incident) { ... } });
//   Detail.show(incident);  // on select and whenever the incident changes
//   Detail.event(e);        // every live event (notes, the call, the timeline follow them)
//
// Live updates change text and lists only: the forms are the template's own elements and are
// never rebuilt, so what a dispatcher is typing (a note, a reason) survives every event.
import { $, el, setText } from "/static/lib/dom.js";
import { api, errorFields, errorMessage } from "/static/lib/http.js";
import { IncidentStatus, isOpen, statusLabel } from "/static/lib/statuses.js";
import { Destinations } from "/static/dispatch/destinations.js";

var OUTCOME_WORDS = {
  stabilized_on_scene: "Stabilized on scene",
  declined_services: "Declined services",
  referred_outpatient: "Referred to outpatient care",
  transported_crisis_facility: "Transported to a crisis facility",
  transported_hospital_voluntary: "Transported to hospital (voluntary)",
  involuntary_hold: "Involuntary hold",
  handed_to_ems: "Handed to EMS",
  handed_to_police: "Handed to police",
  unable_to_locate: "Unable to locate",
  cancelled_before_arrival: "Cancelled before arrival",
};
var FLAG_WORDS = {
  outcome_missing: "outcome missing: record how it ended",
};
var KIND_WORDS = {
  call: "Call", triage: "Triage", amendment: "Changed", status: "Status", assignment: "Assigned",
  note: "Note", message: "SMS", alert: "Alert", transfer: "Transfer", outcome: "Outcome",
};

var settings = {};
var say = function () {};
var units = {};
var changed = function () {};

var current = null;       // the incident shown
var call = null;          // its call (GET /api/v1/calls/<id>), with `history`
var entries = [];         // its timeline, oldest first
var notes = new Map();    // key -> note {id?, text, by, at}, in the order they came
var openForm = null;      // the name of the action form that is open
var busy = {};            // form name -> true while its request is in flight
var noteDrafts = {};      // incident id -> a note being typed when another incident was opened
var atTouched = false;    // the dispatcher changed "when it happened" (else: the time of Record)
var facilities = null;    // [{id, name}] once loaded
var timelineTimer = 0;
var callTimer = 0;

var languageNames = null;
try { languageNames = new Intl.DisplayNames(["en"], { type: "language" }); } catch (error) { languageNames = null; }

export function languageName(code) {
  if (!code) return "";
  try { return (languageNames && languageNames.of(code)) || code; } catch (error) { return code; }
}
export function outcomeWords(outcome) { return OUTCOME_WORDS[outcome] || statusLabel(outcome); }
export function flagWords(flag) { return FLAG_WORDS[flag] || flag; }

// --- time ----------------------------------------------------------------------------------
function pad(n) { return String(n).padStart(2, "0"); }
// "14:03" today, "Nov 30 14:03" another day: the board's own format, the same in every locale.
export function when(iso) {
  var d = new Date(Date.parse(iso));
  if (isNaN(d.getTime())) return "";
  var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
  if (d.toDateString() === new Date().toDateString()) return hm;
  return d.toLocaleDateString("en-US", { month: "short", day: "numeric" }) + " " + hm;
}
function localInputValue(date) {
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
    pad(date.getHours()) + ":" + pad(date.getMinutes());
}
function phoneWords(phone) {
  var m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone || "");
  return m ? "(" + m[1] + ") " + m[2] + "-" + m[3] : phone;
}
function byName(by) {
  if (!by) return "";
  if (typeof by === "string") return by;
  return by.username || by.name || "";
}

// --- errors at their fields ----------------------------------------------------------------
function fieldError(id, text) {
  var node = $(id);
  if (!node) return;
  node.textContent = text || "";
  node.hidden = !text;
  var input = document.querySelector('[aria-describedby~="' + id + '"]');
  if (input) { if (text) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
}
function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach(function (node) { fieldError(node.id, ""); });
}
// The server's words for one field ("at", "reason", ...), else its message.
function wordsFor(result, name) {
  var fields = errorFields(result);
  var key = Object.keys(fields).find(function (k) { return k === name || k.endsWith("." + name); });
  return key ? errorMessage(result) + " (" + fields[key] + ")" : "";
}

// --- the facts -----------------------------------------------------------------------------
function renderAbout() {
  var i = current;
  var phone = i.caller_phone || (call && call.caller && call.caller.phone) || null;
  var phoneNode = $("detail-phone");
  if (phone) {
    var link = el("a", { href: "tel:" + phone.replace(/[^\d+]/g, ""), text: phoneWords(phone), "data-phone": phone });
    if (!phoneNode.firstElementChild || phoneNode.firstElementChild.getAttribute("data-phone") !== phone) {
      phoneNode.replaceChildren(link);
    }
  } else setText(phoneNode, "none given");

  var needs = [];
  var language = (i.needs && i.needs.language) || null;
  if (i.needs && i.needs.youth) needs.push("youth (under 18)");
  if (language) needs.push(languageName(language) + " speaker");
  setText($("detail-needs"), needs.length ? needs.join(", ") : "none recorded");

  var facility = i.facility_id ? facilityName(i.facility_id) : "";
  $("detail-facility-term").hidden = $("detail-facility").hidden = !facility;
  setText($("detail-facility"), facility);
  var outcome = i.outcome ? outcomeWords(i.outcome) + (i.police_present === true ? " · police present"
    : i.police_present === false ? " · no police" : "") : "";
  $("detail-outcome-term").hidden = $("detail-outcome").hidden = !outcome;
  setText($("detail-outcome"), outcome);

  var record = $("detail-call");
  $("detail-call-term").hidden = record.hidden = !i.call_id;
  if (i.call_id) {
    var number = (call && call.number) || "the call";
    if (!record.firstElementChild || record.firstElementChild.textContent !== number) {
      record.replaceChildren(el("a", { href: "/calls/" + i.call_id, target: "_blank", rel: "noopener", text: number }));
    }
  }

  var narrative = i.narrative || (call && call.narrative) || "";
  setText($("detail-narrative"), narrative || "No narrative was recorded.");
  renderHistory();
}

function renderHistory() {
  var history = call && call.history;
  var safety = $("detail-safety"), recent = $("detail-recent");
  if (!history) {
    safety.replaceChildren(); recent.replaceChildren();
    var words = !current.call_id ? "No call record." : call === null ? "Reading the call…"
      : call === false ? "The call record could not be read." : "No history on the call record.";
    setText($("history-text"), words);
    return;
  }
  safety.replaceChildren.apply(safety, (history.safety || []).map(function (line) {
    return el("li", { className: "safety-line", text: line });
  }));
  var n = history.prior_calls || 0;
  setText($("history-text"), n ? n + " earlier call" + (n === 1 ? "" : "s") + " from this number or address." : "No earlier call from this number or address.");
  recent.replaceChildren.apply(recent, (history.recent || []).map(function (c) {
    return el("li", {}, [
      el("a", { href: "/calls/" + c.id, target: "_blank", rel: "noopener", text: c.number }),
      " " + when(c.received_at) + " · " + (c.risk_level || "risk unknown") + " · " + statusLabel(c.disposition),
    ]);
  }));
}

function facilityName(id) {
  var f = (facilities || []).find(function (x) { return x.id === id; });
  return f ? f.name : "facility " + id;
}

function loadFacilities() {
  if (facilities !== null) return Promise.resolve(facilities);
  return api("GET", "/api/v1/facilities").then(function (result) {
    facilities = result.ok && Array.isArray(result.data) ? result.data : (settings.facilities || []);
    return facilities;
  });
}

function loadCall() {
  var incident = current;
  if (!incident || !incident.call_id) { call = null; return; }
  api("GET", "/api/v1/calls/" + incident.call_id).then(function (result) {
    if (!current || current.id !== incident.id) return;
    call = result.ok ? result.data : false;
    renderAbout();
  });
}

// --- notes and the timeline ----------------------------------------------------------------
function noteKey(note) { return note.id ? "n" + note.id : note.at + "|" + note.text; }
function addNote(note) {
  var key = noteKey(note);
  var known = Array.from(notes.values()).some(function (n) {
    return noteKey(n) === key || (n.text === note.text && Math.abs(Date.parse(n.at) - Date.parse(note.at)) < 1000);
  });
  if (!known) notes.set(key, note);
}
function renderNotes() {
  var list = $("notes");
  var all = Array.from(notes.values()).sort(function (a, b) { return Date.parse(a.at) - Date.parse(b.at); });
  list.replaceChildren.apply(list, all.map(function (n) {
    return el("li", { "data-note": n.id || "" }, [
      el("span", { className: "note-meta" }, [el("time", { datetime: n.at, text: when(n.at) }), byName(n.by) ? " · " + byName(n.by) : ""]),
      el("span", { className: "note-text", text: n.text }),
    ]);
  }));
  setText($("notes-count"), String(all.length));
}

// The call's entry on the timeline links to the call's page (in a tab of its own: the board stays).
function callPage(e) {
  var d = e.data || {};
  if (e.kind !== "call" || !d.call_id) return null;
  return el("a", { href: "/calls/" + d.call_id, target: "_blank", rel: "noopener", className: "tl-call", text: e.text });
}

function renderTimeline() {
  var list = $("timeline");
  list.replaceChildren.apply(list, entries.map(function (e) {
    return el("li", { className: "tl-" + e.kind, "data-kind": e.kind }, [
      el("time", { datetime: e.at, text: when(e.at) }),
      el("span", { className: "tl-kind", text: KIND_WORDS[e.kind] || e.kind }),
      el("span", { className: "tl-text" }, [callPage(e) || e.text]),
      byName(e.by) ? el("span", { className: "tl-by", text: byName(e.by) }) : null,
    ]);
  }));
  var empty = $("timeline-empty");
  empty.hidden = entries.length > 0;
}

function loadTimeline() {
  var incident = current;
  if (!incident) return;
  api("GET", "/api/v1/incidents/" + incident.id + "/timeline").then(function (result) {
    if (!current || current.id !== incident.id) return;
    if (!result.ok || !Array.isArray(result.data)) {
      entries = [];
      setText($("timeline-empty"), "The timeline could not be read: " + errorMessage(result));
      renderTimeline();
      return;
    }
    entries = result.data;
    setText($("timeline-empty"), "Nothing has happened yet.");
    entries.filter(function (e) { return e.kind === "note"; }).forEach(function (e) {
      var data = e.data || {};
      addNote({ id: data.note_id || data.id || null, text: data.text || e.text, by: e.by, at: e.at });
    });
    renderTimeline(); renderNotes();
  });
}
function soonTimeline() { clearTimeout(timelineTimer); timelineTimer = setTimeout(loadTimeline, 300); }
function soonCall() { clearTimeout(callTimer); callTimer = setTimeout(loadCall, 300); }

// --- actions -------------------------------------------------------------------------------
function allowed(name) {
  var i = current;
  if (!i) return false;
  var pending = i.status === IncidentStatus.PENDING;
  if (name === "status") return !pending && (settings.moves[i.status] || []).length > 0;
  if (name === "outcome") return i.status === IncidentStatus.CLEARED && !i.outcome;
  if (name === "requeue") return (settings.requeueFrom || []).indexOf(i.status) >= 0;
  if (name === "correct") return isOpen(i.status) && (i.location.resolved || !pending);
  if (name === "cancel") return isOpen(i.status);
  return false;
}

function renderActions() {
  var any = false;
  document.querySelectorAll("#actions [data-action]").forEach(function (button) {
    var name = button.getAttribute("data-action");
    var ok = allowed(name);
    button.hidden = !ok;
    any = any || ok;
    button.setAttribute("aria-expanded", String(openForm === name));
    if (name === "outcome") button.className = ok ? "primary" : "";
    if (name === "status") {
      var unit = current.unit_id ? units[current.unit_id] : null;
      setText(button, "Status for " + (unit ? unit.call_sign : "the incident") + "…");
    }
  });
  $("actions").hidden = !any;
  if (openForm && !allowed(openForm)) closeForm();
  fillStatusOptions();
  fillOutcomeOptions($("outcome-select"), (settings.outcomes || {})[IncidentStatus.CLEARED] || [], "Choose the outcome…");
}

function fillSelect(select, options, placeholder) {
  var values = options.map(function (o) { return o.value; });
  var have = Array.from(select.options).map(function (o) { return o.value; });
  var want = (placeholder !== null ? [""] : []).concat(values);
  if (have.join("|") === want.join("|")) return;
  var keep = select.value;
  select.replaceChildren.apply(select, (placeholder !== null ? [el("option", { value: "", text: placeholder })] : [])
    .concat(options.map(function (o) { return el("option", { value: o.value, text: o.text }); })));
  if (want.indexOf(keep) >= 0) select.value = keep;
}
function fillOutcomeOptions(select, outcomes, placeholder) {
  fillSelect(select, outcomes.map(function (o) { return { value: o, text: outcomeWords(o) }; }), placeholder);
}
function fillStatusOptions() {
  var moves = (settings.moves || {})[current.status] || [];
  fillSelect($("status-select"), moves.map(function (s) { return { value: s, text: statusLabel(s) }; }), null);
  statusExtras();
}
function statusExtras() {
  var status = $("status-select").value;
  $("status-facility-box").hidden = status !== IncidentStatus.TRANSPORTING;
  $("status-outcome-box").hidden = status !== IncidentStatus.CLEARED;
  if (status === IncidentStatus.CLEARED) {
    fillOutcomeOptions($("status-outcome"), (settings.outcomes || {})[current.status] || [], "Not known yet (record it later)");
  }
  if (status === IncidentStatus.TRANSPORTING) {
    loadFacilities().then(function (list) {
      var options = list.filter(function (f) { return f.active !== false; })
        .map(function (f) { return { value: String(f.id), text: f.name + (f.kind ? " (" + statusLabel(f.kind) + ")" : "") }; });
      fillSelect($("status-facility"), options, options.length ? "Choose the destination…" : "No facility is registered");
    });
  }
}

function openAction(name) {
  if (openForm === name) { closeForm(); return; }
  closeForm();
  openForm = name;
  var form = document.querySelector('[data-form="' + name + '"]');
  form.hidden = false;
  clearErrors(form);
  if (name === "status") { atTouched = false; $("status-at").value = localInputValue(new Date()); $("status-at").max = localInputValue(new Date(Date.now() + 60000)); }
  if (name === "correct") $("correct-address").value = current.location.address || "";
  renderActions();
  var first = form.querySelector("select, textarea, input");
  if (first) first.focus();
}
function closeForm() {
  if (!openForm) return;
  var form = document.querySelector('[data-form="' + openForm + '"]');
  form.hidden = true;
  var button = document.querySelector('#actions [data-action="' + openForm + '"]');
  var hadFocus = form.contains(document.activeElement);
  openForm = null;
  if (button) button.setAttribute("aria-expanded", "false");
  if (hadFocus && button && !button.hidden) button.focus();
}

// One request per form at a time: its submit button is disabled while the answer is awaited.
function send(name, method, path, body, done) {
  if (busy[name]) return;
  busy[name] = true;
  var form = document.querySelector('[data-form="' + name + '"]') || $(name + "-form");
  var submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  var incident = current;
  api(method, path, { body: body }).then(function (result) {
    busy[name] = false;
    submit.disabled = false;
    if (!current || current.id !== incident.id) return;
    done(result);
  });
}

function succeeded(form, text, incident) {
  form.reset();
  clearErrors(form);
  closeForm();
  say(text, true);
  if (incident && incident.id) changed(incident);
  soonTimeline();
}

function submitStatus(event) {
  event.preventDefault();
  var form = event.target;
  clearErrors(form);
  var status = $("status-select").value;
  var body = { status: status };
  var at = atTouched ? new Date($("status-at").value) : new Date();
  if (isNaN(at.getTime())) { fieldError("status-at-error", "Give the date and time it happened."); $("status-at").focus(); return; }
  if (at.getTime() > Date.now() + 60000) { fieldError("status-at-error", "That time is in the future: give the time it happened."); $("status-at").focus(); return; }
  body.at = at.toISOString();
  if (status === IncidentStatus.TRANSPORTING) {
    var facility = $("status-facility").value;
    if (!facility) { fieldError("status-facility-error", "Choose the facility the team is taking the person to."); $("status-facility").focus(); return; }
    body.facility_id = Number(facility);
  }
  if (status === IncidentStatus.CLEARED) {
    if ($("status-outcome").value) body.outcome = $("status-outcome").value;
    var police = form.querySelector("input[name=status-police]:checked");
    if (police && police.value) body.police_present = police.value === "yes";
  }
  var unit = current.unit_id ? units[current.unit_id] : null;
  send("status", "POST", "/api/v1/incidents/" + current.id + "/status", body, function (result) {
    if (result.ok) {
      succeeded(form, current.number + ": " + statusLabel(status) + (unit ? " for " + unit.call_sign : "") + " at " + when(body.at) + " recorded.", result.data);
      return;
    }
    var atWords = wordsFor(result, "at");
    var facilityWords = wordsFor(result, "facility_id");
    if (atWords) { fieldError("status-at-error", atWords); $("status-at").focus(); }
    else if (facilityWords || (status === IncidentStatus.TRANSPORTING && result.status === 404)) {
      fieldError("status-facility-error", facilityWords || errorMessage(result)); $("status-facility").focus();
    } else say(fullError(result));
  });
}

function fullError(result) {
  var fields = errorFields(result);
  var names = Object.keys(fields);
  return errorMessage(result) + (names.length ? " " + names.map(function (n) { return n + ": " + fields[n]; }).join("; ") : "");
}

function submitOutcome(event) {
  event.preventDefault();
  var form = event.target;
  clearErrors(form);
  var outcome = $("outcome-select").value;
  var police = form.querySelector("input[name=outcome-police]:checked");
  if (!outcome) { fieldError("outcome-error", "Choose how it ended."); $("outcome-select").focus(); return; }
  if (!police) { fieldError("outcome-error", "Say whether police were present on scene."); form.querySelector("input[name=outcome-police]").focus(); return; }
  var body = { outcome: outcome, police_present: police.value === "yes" };
  send("outcome", "POST", "/api/v1/incidents/" + current.id + "/outcome", body, function (result) {
    if (result.ok) { succeeded(form, current.number + ": outcome recorded (" + outcomeWords(outcome) + ").", result.data); return; }
    fieldError("outcome-error", fullError(result));
  });
}

function reasonForm(name, path, doneText) {
  return function (event) {
    event.preventDefault();
    var form = event.target;
    clearErrors(form);
    var box = $(name + "-reason");
    var reason = box.value.trim();
    if (!reason) { fieldError(name + "-error", "Give a reason: it goes on the incident's record."); box.focus(); return; }
    var number = current.number;
    send(name, "POST", "/api/v1/incidents/" + current.id + "/" + path, { reason: reason }, function (result) {
      if (result.ok) { succeeded(form, number + " " + doneText + ".", result.data); return; }
      fieldError(name + "-error", wordsFor(result, "reason") || fullError(result));
    });
  };
}

function submitCorrect(event) {
  event.preventDefault();
  var form = event.target;
  clearErrors(form);
  var address = $("correct-address").value.trim();
  var reason = $("correct-reason").value.trim();
  if (!address) { fieldError("correct-address-error", "Type the corrected address."); $("correct-address").focus(); return; }
  if (current.call_id && !reason) { fieldError("correct-reason-error", "Say why the location changed: it goes on the record."); $("correct-reason").focus(); return; }
  var number = current.number;
  var incidentId = current.id;
  // The call's location is the record (PATCH keeps what it replaced and moves the incident);
  // an incident without a call has only its own location.
  function viaIncident() { send("correct", "POST", "/api/v1/incidents/" + incidentId + "/location", { address: address }, done(false)); }
  function done(viaCall) {
    return function (result) {
      if (viaCall && result.status === 405) { viaIncident(); return; }  // a server without call amendments
      if (!result.ok) {
        var onReason = wordsFor(result, "reason") && !wordsFor(result, "address");
        fieldError(onReason ? "correct-reason-error" : "correct-address-error",
          wordsFor(result, "address") || wordsFor(result, "reason") || fullError(result));
        return;
      }
      var place = result.data.location || {};
      if (place.resolved === false) {
        fieldError("correct-address-error", "Saved, but no place was found for " + address + ": check the spelling or pick the point on the map.");
        soonTimeline();
        return;
      }
      if (viaCall) { call = Object.assign({}, call || {}, result.data); renderAbout(); }
      succeeded(form, number + ": location corrected to " + (place.address || address) + ".", viaCall ? null : result.data);
    };
  }
  if (current.call_id) {
    send("correct", "PATCH", "/api/v1/calls/" + current.call_id, { location: { address: address }, reason: reason }, done(true));
  } else viaIncident();
}

function submitNote(event) {
  event.preventDefault();
  var form = event.target;
  clearErrors(form);
  var text = $("note-text").value.trim();
  if (!text) { fieldError("note-error", "Type the note first."); $("note-text").focus(); return; }
  if (busy.note) return;
  busy.note = true;
  var submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  var incident = current;
  api("POST", "/api/v1/incidents/" + incident.id + "/notes", { body: { text: text } }).then(function (result) {
    busy.note = false;
    submit.disabled = false;
    if (!result.ok) { if (current && current.id === incident.id) fieldError("note-error", wordsFor(result, "text") || fullError(result)); return; }
    delete noteDrafts[incident.id];
    if (!current || current.id !== incident.id) return;
    if ($("note-text").value.trim() === text) $("note-text").value = "";
    addNote(result.data);
    renderNotes();
    soonTimeline();
  });
}

// --- what the board calls ------------------------------------------------------------------
export var Detail = {
  init: function (options) {
    settings = options.settings;
    say = options.say;
    units = options.units;
    changed = options.changed;
    document.querySelectorAll("#actions [data-action]").forEach(function (button) {
      button.addEventListener("click", function () { openAction(button.getAttribute("data-action")); });
    });
    document.querySelectorAll("#actions [data-close]").forEach(function (button) {
      button.addEventListener("click", closeForm);
    });
    document.querySelectorAll("#actions .action-form").forEach(function (form) {
      form.addEventListener("keydown", function (event) { if (event.key === "Escape") { event.preventDefault(); closeForm(); } });
    });
    $("status-select").addEventListener("change", statusExtras);
    $("status-at").addEventListener("input", function () { atTouched = true; fieldError("status-at-error", ""); });
    $("status-form").addEventListener("submit", submitStatus);
    $("outcome-form").addEventListener("submit", submitOutcome);
    $("requeue-form").addEventListener("submit", reasonForm("requeue", "requeue", "is back in the queue"));
    $("cancel-form").addEventListener("submit", reasonForm("cancel", "cancel", "cancelled"));
    $("correct-form").addEventListener("submit", submitCorrect);
    $("note-form").addEventListener("submit", submitNote);
    $("note-text").addEventListener("input", function () { if (current) noteDrafts[current.id] = $("note-text").value; });
  },

  // Show `incident` (null: nothing chosen). The same incident again only updates what changed.
  show: function (incident) {
    if (!incident) { current = null; return; }
    Destinations.show(incident);
    var fresh = !current || current.id !== incident.id;
    if (fresh) {
      if (current) noteDrafts[current.id] = $("note-text").value;
      closeForm();
      call = null; entries = []; notes = new Map();
      $("note-text").value = noteDrafts[incident.id] || "";
      fieldError("note-error", "");
      setText($("timeline-empty"), "Reading the timeline…");
    }
    var statusChanged = !fresh && current.status !== incident.status;
    current = incident;
    renderAbout();
    renderActions();
    if (fresh) { renderTimeline(); renderNotes(); loadCall(); loadTimeline(); }
    else if (statusChanged) soonTimeline();
  },

  current: function () { return current; },

  event: function (e) {
    if (!current) return;
    Destinations.event(e);
    var d = e.data || {};
    if (e.type === "note.added" && d.incident_id === current.id && d.note) {
      addNote(d.note); renderNotes(); soonTimeline();
    } else if (e.type === "call.updated" && d.id && d.id === current.call_id) {
      if (d.history) { call = d; renderAbout(); } else soonCall();
      soonTimeline();
    } else if ((e.type === "incident.updated" && d.id === current.id) ||
      (e.type === "assignment.created" && d.incident_id === current.id) ||
      ((e.type === "message.updated" || e.type === "alert.raised") && d.incident_id === current.id)) {
      soonTimeline();
    }
  },
};
