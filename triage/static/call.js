// The page of one call (triage/templates/triage/call.html): everything on the call from
// GET /api/v1/calls/<id> (an audited view), the questionnaire's wording of its answers, its
// incident and the incident's timeline, and its follow-ups.
import { $, el, setText } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";
import { callLink, localTime, phoneWords, telLink, words } from "/static/triage/call_links.js";

var root = $("call-record");
var callId = root.dataset.callId;

function fact(list, term, value) {
  if (value === null || value === undefined || value === "") value = el("span", { className: "muted", text: "—" });
  list.append(el("dt", { text: term }), el("dd", {}, [value]));
}

function clear(id) {
  var node = $(id);
  node.textContent = "";
  return node;
}

function byWords(by) {
  if (!by) return "";
  if (typeof by === "string") return by;
  return by.username || by.name || "";
}

// "es" -> "Spanish" (the code itself where the browser knows no name for it).
function languageName(code) {
  if (!code) return null;
  try {
    var name = new Intl.DisplayNames(["en"], { type: "language" }).of(code);
    return name && name !== code ? name + " (" + code + ")" : code;
  } catch (error) {
    return code;
  }
}

function yesNo(value) {
  if (value === true) return "yes";
  if (value === false) return "no";
  return value;
}

// --- the call ------------------------------------------------------------------------------

function transferBanner(call) {
  var box = clear("transfer-911");
  if (call.disposition !== "emergency_911") return;
  var transfer = call.transfer;
  if (transfer && transfer.at) {
    var who = byWords(transfer.by);
    box.append(el("p", { className: "transfer done", id: "transfer-state" }, [
      "Transferred to " + (transfer.to || "911") + " at ", localTime(transfer.at, true), who ? " by " + who : "",
    ]));
    if (transfer.note) box.append(el("p", { className: "muted", text: "Note: " + transfer.note }));
  } else {
    box.append(el("p", { className: "transfer pending", id: "transfer-state", role: "note",
      text: "A 911 call: the transfer has not been recorded." }));
  }
  if (call.transfer_instruction) box.append(el("p", { className: "muted", text: call.transfer_instruction }));
}

function decision(call) {
  var list = clear("decision");
  var computed = call.computed || {};
  fact(list, "Risk", el("span", { className: "pill risk-" + call.risk_level, text: words(call.risk_level) }));
  var disposition = words(call.disposition);
  if (computed.disposition && computed.disposition !== call.disposition) disposition += " (computed: " + words(computed.disposition) + ")";
  fact(list, "Disposition", disposition);
  var priority = call.priority ? words(call.priority) : "none";
  if (computed.priority !== undefined && computed.priority !== call.priority) priority += " (computed: " + words(computed.priority || "none") + ")";
  fact(list, "Priority", priority);
  if (call.override) fact(list, "Override reason", call.override.reason);
  var reasons = clear("reasons");
  var given = (call.triage && call.triage.reasons) || [];
  if (!given.length) reasons.append(el("li", { className: "muted", text: "No reasons were recorded." }));
  given.forEach(function (reason) { reasons.append(el("li", { text: reason })); });
  if (call.triage && call.triage.concern) reasons.append(el("li", { text: "Concern: " + call.triage.concern }));
}

// The questionnaire's questions, in its order: [{id, label}] (none when it cannot be read).
function questionsOf(call) {
  var q = call.questionnaire;
  if (!q) return Promise.resolve([]);
  var query = "?id=" + encodeURIComponent(q.id) + "&version=" + encodeURIComponent(q.version);
  return api("GET", "/api/v1/triage/questionnaire" + query).then(function (result) {
    if (!result.ok) return [];
    var questions = [];
    (result.data.sections || []).forEach(function (section) {
      (section.questions || []).forEach(function (question) {
        questions.push({ id: question.id, label: question.label || question.text });
      });
    });
    return questions;
  });
}

// Every answer, in the questionnaire's order, in its own words; a "yes" stands out.
function answers(call) {
  questionsOf(call).then(function (questions) {
    var list = clear("answers");
    var given = call.answers || {};
    var ids = questions.map(function (q) { return q.id; }).filter(function (id) { return id in given; });
    Object.keys(given).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
    var labels = {};
    questions.forEach(function (q) { labels[q.id] = q.label; });
    if (!ids.length) list.append(el("dd", { className: "muted", text: "No answers were given." }));
    ids.forEach(function (id) {
      fact(list, labels[id] || id.replace(/_/g, " "), el("span", { className: "answer-" + given[id], text: words(given[id]) }));
    });
  });
}

function callerAndPlace(call) {
  var caller = call.caller || {};
  var list = clear("caller");
  fact(list, "Callback", telLink(caller.phone, { id: "callback" }));
  fact(list, "Name", caller.name);
  fact(list, "Relation", caller.relation ? words(caller.relation) : null);
  var place = clear("place");
  var where = call.location || {};
  var address = where.address || (where.lat != null ? where.lat.toFixed(5) + ", " + where.lon.toFixed(5) : null);
  fact(place, "Location", address && where.approximate
    ? el("span", {}, [address, " ", el("span", { className: "approximate", id: "approximate", text: "approximate location" })])
    : address);
  var located = where.resolved ? "located" + (where.approximate ? " (approximate)" : "") + (where.source ? " · " + words(where.source) : "")
    : "not located on the map";
  fact(place, "Map", located);
  var needs = call.needs || (call.triage && call.triage.needs) || {};
  var needList = clear("needs");
  fact(needList, "Youth", yesNo(needs.youth));
  fact(needList, "Language", languageName(needs.language));
  setText($("narrative"), call.narrative || "No narrative was written.");
  $("narrative").classList.toggle("muted", !call.narrative);
}

function history(call) {
  var h = call.history;
  var safety = clear("safety");
  var list = clear("history");
  if (!h) { setText($("history-summary"), "No history is available for this call."); return; }
  (h.safety || []).forEach(function (line) { safety.append(el("li", { className: "safety-line", text: line })); });
  var n = h.prior_calls || 0;
  setText($("history-summary"), n ? n + (n === 1 ? " earlier call" : " earlier calls") + " from this number or address." : "No earlier calls from this number or address.");
  (h.recent || []).forEach(function (earlier) {
    list.append(el("li", {}, [callLink(earlier.id, earlier.number), " · ", localTime(earlier.received_at, true),
      " · " + words(earlier.risk_level) + " risk · " + words(earlier.disposition)]));
  });
}

function changeWords(field, change) {
  var from = change && change.from !== undefined ? change.from : null;
  var to = change && change.to !== undefined ? change.to : change;
  var show = function (v) { return v === null || v === undefined || v === "" ? "(empty)" : field === "caller.phone" ? phoneWords(String(v)) : String(yesNo(v)); };
  return field.replace(/[._]/g, " ") + ": " + show(from) + " → " + show(to);
}

function amendmentItem(a) {
  var who = byWords(a.by || a.actor);
  var changes = a.changes || (a.data && a.data.changes) || {};
  return el("li", {}, [
    localTime(a.at, true), who ? " · " + who : "",
    el("ul", {}, Object.keys(changes).map(function (field) { return el("li", { text: changeWords(field, changes[field]) }); })),
    a.reason || (a.data && a.data.reason) ? el("p", { className: "muted", text: "Reason: " + (a.reason || a.data.reason) }) : null,
    !Object.keys(changes).length && a.text ? el("p", { text: a.text }) : null,
  ]);
}

function amendments(list) {
  var box = clear("amendments");
  list.forEach(function (a) { box.append(amendmentItem(a)); });
  $("amendments-empty").hidden = list.length > 0;
}

// --- follow-ups, incident, timeline ----------------------------------------------------------

function followups() {
  api("GET", "/api/v1/followups?state=all&call_id=" + encodeURIComponent(callId) + "&limit=50").then(function (result) {
    var box = clear("followups");
    if (!result.ok) { setText($("followups-status"), "The follow-ups could not be loaded: " + errorMessage(result)); return; }
    var rows = result.data.filter(function (f) { return String(f.call_id) === String(callId); });
    setText($("followups-status"), rows.length ? "" : "No follow-up for this call.");
    rows.forEach(function (f) {
      var state = f.state === "due" ? (f.overdue ? "overdue since " : "due ") : words(f.state) + " · was due ";
      box.append(el("li", { className: f.overdue ? "late" : "" }, [
        state, localTime(f.due_at, true), " · " + f.attempts + (f.attempts === 1 ? " attempt" : " attempts"),
      ]));
    });
  });
}

// A timeline time: "15:00:12" on the day the call came, the day too after that.
function entryTime(iso, dayOfCall) {
  var at = new Date(iso);
  var sameDay = dayOfCall && at.toDateString() === dayOfCall;
  var options = sameDay ? { hour: "2-digit", minute: "2-digit", second: "2-digit" }
    : { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" };
  return el("time", { datetime: iso, title: at.toString(), text: at.toLocaleString([], options) });
}

function timelineEntry(entry, dayOfCall) {
  var who = byWords(entry.by);
  var data = entry.data || {};
  var text = [el("span", { className: "kind", text: words(entry.kind) }), " ", entry.text || ""];
  if (data.call_id && String(data.call_id) !== String(callId) && data.call_number) {
    text.push(" ", callLink(data.call_id, data.call_number));
  }
  return el("li", { className: "entry kind-" + entry.kind }, [
    entryTime(entry.at, dayOfCall), " ", el("span", {}, text), who ? el("span", { className: "muted", text: " — " + who }) : null,
  ]);
}

function incident(call, onAmendments) {
  var line = clear("incident");
  if (!call.incident_id) {
    line.append("No incident: this call did not need a team (" + words(call.disposition) + ").");
    setText($("timeline-status"), "");
    onAmendments(null);
    return;
  }
  api("GET", "/api/v1/incidents/" + call.incident_id).then(function (result) {
    if (!result.ok) { line.append("The incident could not be loaded: " + errorMessage(result)); return; }
    var i = result.data;
    setText($("call-state"), callState(call) + " · incident " + words(i.status));
    line.append(el("strong", { id: "incident-number", text: i.number }), " · ",
      el("span", { className: "pill status-" + i.status, text: words(i.status) }),
      i.priority ? " · " + words(i.priority) : "",
      i.outcome ? " · outcome: " + words(i.outcome) : "",
      i.police_present !== null && i.police_present !== undefined ? " · police present: " + yesNo(i.police_present) : "");
  });
  setText($("timeline-status"), "Loading the timeline…");
  api("GET", "/api/v1/incidents/" + call.incident_id + "/timeline").then(function (result) {
    var list = clear("timeline");
    if (!result.ok) {
      setText($("timeline-status"), "The timeline could not be loaded: " + errorMessage(result));
      onAmendments(null);
      return;
    }
    var entries = Array.isArray(result.data) ? result.data : result.data.entries || [];
    setText($("timeline-status"), entries.length ? "" : "Nothing has happened to this incident yet.");
    var dayOfCall = new Date(call.received_at).toDateString();
    entries.forEach(function (entry) { list.append(timelineEntry(entry, dayOfCall)); });
    onAmendments(entries.filter(function (e) { return e.kind === "amendment"; }));
  });
}

function callState(call) {
  if (call.disposition === "emergency_911") {
    return call.transfer && call.transfer.at ? " · transferred to " + (call.transfer.to || "911") : " · 911 transfer not recorded";
  }
  return "";
}

function render(call) {
  setText($("call-title"), "Call " + call.number);
  document.title = "Call " + call.number + " · Crisis dispatch";
  var status = clear("call-status");
  status.append("Answered ", localTime(call.received_at, true));
  if (call.saved_at && Math.abs(Date.parse(call.saved_at) - Date.parse(call.received_at)) >= 60000) {
    status.append(" · saved ", localTime(call.saved_at, true));
  }
  // Nothing closes a call (Call.status stays "open"): say where it went instead, the 911
  // transfer at once, the incident's status once the incident is read.
  status.append(el("span", { id: "call-state", text: callState(call) }));
  transferBanner(call);
  decision(call);
  answers(call);
  callerAndPlace(call);
  history(call);
  // Amendments: the call's own list when the answer carries it, else the timeline's entries.
  if (Array.isArray(call.amendments)) amendments(call.amendments);
  incident(call, function (fromTimeline) {
    if (!Array.isArray(call.amendments)) amendments(fromTimeline || []);
  });
  followups();
  $("call-body").hidden = false;
}

api("GET", "/api/v1/calls/" + encodeURIComponent(callId)).then(function (result) {
  if (!result.ok) {
    setText($("call-status"), "");
    var box = $("call-error");
    box.textContent = "The call could not be loaded: " + errorMessage(result);
    box.hidden = false;
    return;
  }
  render(result.data);
  $("call-title").focus();
});
