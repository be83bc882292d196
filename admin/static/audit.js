// The audit trail (/admin/audit): the page's query string is the search (user, action,
// record_type, record_id, from, to), sent as it is to GET /api/v1/audit (a plain date is a whole
// local day of the service's TIMEZONE there); entries newest first, PAGE at a time: "Older
// entries" and "Newer entries" move by pages (the page's address keeps `page`). The API answers
// at most 500 entries, so paging reaches the newest 500 that match; further back, the page asks
// for a narrower search. The CSV link exports the same search (GET /api/v1/audit.csv, which
// records the export in the trail).
import { $, el, setText } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";
import { localTime, refuse } from "/static/admin/forms.js";

var FIELDS = ["user", "action", "record_type", "record_id", "from", "to"];
var PAGE = 50;
var MOST = 500; // the API's largest `limit`
var DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
var form = $("audit-search");
var params = new URLSearchParams(window.location.search);
var page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);

function given() {
  var found = {};
  FIELDS.forEach(function (name) {
    var value = (params.get(name) || "").trim();
    if (value) found[name] = value;
  });
  return found;
}

function apiQuery(search, extra) {
  var query = new URLSearchParams();
  Object.keys(search).forEach(function (name) {
    query.set(name, search[name]);
  });
  Object.keys(extra || {}).forEach(function (name) { query.set(name, String(extra[name])); });
  return query.toString();
}

function pageLink(node, number) {
  var query = new URLSearchParams(window.location.search);
  if (number > 1) query.set("page", String(number)); else query.delete("page");
  node.href = "/admin/audit" + (query.toString() ? "?" + query.toString() : "");
}

function recordText(entry) {
  if (!entry.record_id) return entry.record_type;
  return entry.record_type + " " + entry.record_id;
}

function valueText(value) {
  if (value === null || value === undefined || value === "") return "none";
  if (Array.isArray(value)) return value.length ? value.map(valueText).join(", ") : "none";
  if (typeof value === "object") {
    if ("from" in value && "to" in value) return valueText(value.from) + " → " + valueText(value.to);
    // a crew member {"name", "role"} reads "Dana Reyes (clinician)"
    if ("name" in value && "role" in value) return value.name + " (" + String(value.role).replace(/_/g, " ") + ")";
    return Object.keys(value).map(function (key) {
      return key.replace(/_/g, " ") + " " + valueText(value[key]);
    }).join(", ");
  }
  return String(value);
}

// {"unit_id": {"from": null, "to": 3}, "roles": [...]} -> "unit_id: none → 3; roles: dispatcher"
function detailText(detail) {
  if (!detail) return "";
  return Object.keys(detail).filter(function (key) { return detail[key] !== null && detail[key] !== undefined; })
    .map(function (key) { return key.replace(/_/g, " ") + ": " + valueText(detail[key]); }).join("; ");
}

function row(entry) {
  return el("tr", { "data-entry-id": String(entry.id) }, [
    el("td", { "data-label": "When", text: localTime(entry.at, true) }),
    el("td", { "data-label": "Who", text: entry.actor }),
    el("th", { scope: "row", text: entry.action }),
    el("td", { "data-label": "Record", text: recordText(entry) }),
    el("td", { "data-label": "From", text: entry.client_address || "—" }),
    el("td", { className: "detail", "data-label": "Detail", text: detailText(entry.detail) }),
  ]);
}

function show(all, searched) {
  var entries = all.slice((page - 1) * PAGE);
  var shown = entries.slice(0, PAGE);
  var body = $("entry-rows");
  body.textContent = "";
  shown.forEach(function (entry) { body.append(row(entry)); });
  $("entries").hidden = shown.length === 0;
  var first = (page - 1) * PAGE + 1;
  var status;
  if (!shown.length) status = page > 1 ? "No more entries." : searched ? "No entry matches this search." : "The trail is empty.";
  else status = "Entries " + first + "–" + (first + shown.length - 1) + ", newest first" + (searched ? ", matching the search." : ".");
  var deepest = page * PAGE >= MOST && all.length >= MOST;
  if (deepest) status += " Older entries: search with a date range (To) to go further back.";
  setText($("entries-status"), status);
  var older = $("page-older"), newer = $("page-newer");
  older.hidden = entries.length <= PAGE || page * PAGE >= MOST;
  newer.hidden = page <= 1;
  pageLink(older, page + 1);
  pageLink(newer, page - 1);
}

function run() {
  var search = given();
  var searched = Object.keys(search).length > 0;
  $("audit-csv").href = "/api/v1/audit.csv" + (searched ? "?" + apiQuery(search) : "");
  var unreadable = {};
  ["from", "to"].forEach(function (name) {
    if (search[name] && !DAY.test(search[name])) unreadable[name] = "is not a date (“" + search[name] + "”); choose one in the calendar";
  });
  if (search.from && search.to && search.from > search.to) unreadable.to = "must be on or after the start date";
  if (Object.keys(unreadable).length) {
    refuse(form, "The search was not run.", unreadable);
    setText($("entries-status"), "No entries: the search needs correcting.");
    return;
  }
  // The pages up to this one, and one entry more: whether there are older entries.
  var query = apiQuery(search, { limit: Math.min(MOST, page * PAGE + 1) });
  api("GET", "/api/v1/audit?" + query).then(function (result) {
    if (!result.ok) {
      if (result.status === 422 || result.status === 400) refuse(form, "The search was not run. " + errorMessage(result), result.data.error.fields || {});
      else refuse(form, "The trail could not be loaded: " + errorMessage(result), {});
      setText($("entries-status"), "");
      return;
    }
    show(result.data, searched);
    if (searched || page > 1) $("entries-title").focus();
  });
}

run();
