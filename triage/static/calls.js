// The call search (triage/templates/triage/calls_search.html): the page's query string is the
// search, sent to GET /api/v1/calls (q, phone, from, to, risk_level, disposition, transfer), so
// Back and Reload show the same results. Dates are the reader's local days: "from" is the start
// of its day, "to" the end of its day. A refused search is shown in words beside its fields.
import { $, el, setText } from "/static/lib/dom.js";
import { api, errorFields, errorMessage } from "/static/lib/http.js";
import { callLink, localTime, telLink, words } from "/static/triage/call_links.js";

var FIELDS = ["q", "phone", "from", "to", "risk_level", "disposition", "transfer"];
var LABELS = { q: "Call number, address or name", phone: "Phone", from: "Received from", to: "Received to",
  risk_level: "Risk", disposition: "Disposition", transfer: "911 transfer" };
var LIMIT = 100;
var DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

// "2026-12-01" -> the UTC instant of that local midnight (plus `days`); anything else as given,
// for the API to refuse in its own words.
function localDay(value, days) {
  var parts = DAY.exec(value);
  if (!parts) return value;
  return new Date(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3]) + days).toISOString();
}

function searchOf(params) {
  var given = {};
  FIELDS.forEach(function (name) {
    var value = (params.get(name) || "").trim();
    if (value) given[name] = value;
  });
  return given;
}

function apiQuery(given) {
  var query = new URLSearchParams();
  Object.keys(given).forEach(function (name) {
    var value = given[name];
    if (name === "from") value = localDay(value, 0);
    if (name === "to") value = localDay(value, 1);
    query.set(name, value);
  });
  query.set("limit", String(LIMIT));
  return query.toString();
}

function fieldError(name, text) {
  var box = $("search-" + name + "-error");
  var input = document.querySelector('#call-search [name="' + name + '"]');
  if (box) setText(box, text || "");
  if (input) {
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  return !!box;
}

function showError(text) {
  var box = $("results-error");
  box.textContent = text || "";
  box.hidden = !text;
}

function refused(message, fields) {
  var named = [];
  FIELDS.forEach(function (name) { fieldError(name, ""); });
  Object.keys(fields || {}).forEach(function (name) {
    var short = name.replace(/^query\./, "");
    fieldError(short, fields[name]);
    named.push((LABELS[short] || short) + ": " + fields[name]);
  });
  var details = named.join("; ");
  if (details && !/[.!?)]$/.test(details)) details += ".";
  showError("The search was not run. " + message + (details ? " " + details : ""));
  setText($("results-status"), "No results: the search needs correcting.");
  $("results").hidden = true;
  var first = Object.keys(fields || {})[0];
  var input = first && document.querySelector('#call-search [name="' + first.replace(/^query\./, "") + '"]');
  if (input) input.focus();
}

function incidentCell(call) {
  var td = el("td", { className: "incident", "data-label": "Incident" });
  if (!call.incident_id) td.append(el("span", { className: "muted", text: "none" }));
  else td.dataset.incidentId = String(call.incident_id);
  return td;
}

function row(call) {
  var where = call.location && call.location.address;
  var risk = el("span", { className: "pill risk-" + call.risk_level, text: words(call.risk_level) });
  var disposition = words(call.disposition) + (call.priority ? " · " + words(call.priority) : "");
  return el("tr", { "data-call-id": String(call.id) }, [
    el("th", { scope: "row" }, [callLink(call.id, call.number)]),
    el("td", { "data-label": "Received" }, [localTime(call.received_at, true)]),
    el("td", { "data-label": "Phone" }, [telLink(call.caller && call.caller.phone)]),
    el("td", { "data-label": "Address", text: where || "—" }),
    el("td", { "data-label": "Risk" }, [risk]),
    el("td", { "data-label": "Disposition", text: disposition }),
    incidentCell(call),
  ]);
}

// The incident's number and status in every row that has one: from the call's answer when it
// carries them, else one GET /api/v1/incidents/<id> per incident.
function fillIncidents(calls) {
  var wanted = {};
  calls.forEach(function (call) {
    if (!call.incident_id) return;
    if (call.incident && call.incident.number) wanted[call.incident_id] = Promise.resolve(call.incident);
    else if (!wanted[call.incident_id]) {
      wanted[call.incident_id] = api("GET", "/api/v1/incidents/" + call.incident_id).then(function (result) {
        return result.ok ? result.data : null;
      });
    }
  });
  Object.keys(wanted).forEach(function (id) {
    wanted[id].then(function (incident) {
      document.querySelectorAll('#result-rows td[data-incident-id="' + id + '"]').forEach(function (td) {
        td.textContent = "";
        if (!incident) { td.append(el("span", { className: "muted", text: "not available" })); return; }
        td.append(el("span", { className: "incident-number", text: incident.number }), " ",
          el("span", { className: "pill status-" + incident.status, text: words(incident.status) }));
      });
    });
  });
}

function show(calls, searched) {
  var body = $("result-rows");
  body.textContent = "";
  calls.forEach(function (call) { body.append(row(call)); });
  $("results").hidden = calls.length === 0;
  var status;
  if (!calls.length) status = searched ? "No calls match this search. Check the number or the dates, or search with fewer fields." : "No calls have been logged yet.";
  else if (calls.length >= LIMIT) status = "Showing the " + LIMIT + " newest calls that match; add a field or a date to narrow the search.";
  else status = calls.length === 1 ? "1 call found." : calls.length + " calls found.";
  if (!searched && calls.length) status = "The " + calls.length + " newest calls. Search above to find an earlier one.";
  setText($("results-status"), status);
  fillIncidents(calls);
}

function run() {
  var given = searchOf(new URLSearchParams(window.location.search));
  var searched = Object.keys(given).length > 0;
  // A date the form's calendar cannot show (an address typed by hand) is named, not left blank.
  var unreadable = {};
  ["from", "to"].forEach(function (name) {
    if (given[name] && !DAY.test(given[name])) unreadable[name] = "is not a date (“" + given[name] + "”); choose one in the calendar";
  });
  if (Object.keys(unreadable).length) {
    refused("The dates could not be read.", unreadable);
    return;
  }
  if (given.from && given.to && given.from > given.to) {
    refused("The dates are the wrong way round.", { to: "must be on or after the start date" });
    return;
  }
  api("GET", "/api/v1/calls?" + apiQuery(given)).then(function (result) {
    if (!result.ok) {
      if (result.status === 422 || result.status === 400) refused(errorMessage(result), errorFields(result));
      else {
        showError("The calls could not be loaded: " + errorMessage(result));
        setText($("results-status"), "");
      }
      return;
    }
    showError("");
    show(result.data, searched);
    if (searched && result.data.length) $("results-title").focus();
  });
}

// "/" anywhere but in a field goes to the search words, as in most search pages.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
  event.preventDefault();
  $("search-q").focus();
  $("search-q").select();
});

// Empty fields stay out of the address: "/calls?phone=…" instead of "/calls?q=&phone=…&from=…".
$("call-search").addEventListener("submit", function () {
  this.querySelectorAll("[name]").forEach(function (input) {
    if (!input.value.trim()) input.disabled = true;
  });
  setTimeout(function () {
    document.querySelectorAll("#call-search [name]").forEach(function (input) { input.disabled = false; });
  }, 0);
});

run();
