// The facilities page (/admin/facilities): the list, and a form that adds a facility or edits
// one (name, kind, address or a place on the map, phone, what it accepts, its beds). Through the
// API: GET/POST /api/v1/facilities, PATCH /api/v1/facilities/<id>, POST …/<id>/beds.
import { $, el, setText } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";
import { done, localTime, onSubmit, refuse, settingsOf, showErrors, clearErrors } from "/static/admin/forms.js";
import { pickPlace } from "/static/admin/pick_map.js";
import { phoneWords } from "/static/triage/call_links.js";

var settings = settingsOf("facilities-page");
var KINDS = settings.kinds || {};
var BEDS = settings.bedTypes || ["adult", "youth", "observation", "detox"];
var form = $("facility-form");
var facilities = [];
var editing = null;
var pick = pickPlace({ map: "facility-map", lat: "facility-lat", lon: "facility-lon", settings: settings, title: "Facility" });

function showListError(text) {
  $("list-error").textContent = text || "";
  $("list-error").hidden = !text;
}

function accepts(facility) {
  var words = [];
  if (facility.accepts.youth) words.push("youth");
  if (facility.accepts.involuntary) words.push("involuntary");
  if (facility.accepts.walk_in) words.push("walk-ins");
  return words.join(", ") || "adults by referral";
}

function bedsText(facility) {
  var types = Object.keys(facility.beds || {});
  if (!types.length) return "no beds";
  return types.map(function (type) {
    var count = facility.beds[type];
    return type + " " + count.available + "/" + count.total;
  }).join(", ");
}

function row(facility) {
  var edit = el("button", { type: "button", "data-action": "edit", text: "Edit", "aria-label": "Edit " + facility.name });
  edit.addEventListener("click", function () { startEdit(facility); });
  var updated = facility.beds_updated_at ? "updated " + localTime(facility.beds_updated_at) : "never updated";
  return el("tr", { "data-facility-id": String(facility.id) }, [
    el("th", { scope: "row", text: facility.name }),
    el("td", { "data-label": "Kind", text: KINDS[facility.kind] || facility.kind }),
    el("td", { "data-label": "Address" }, [facility.address || "—", el("br"), el("span", { className: "muted tel", text: facility.phone ? phoneWords(facility.phone) : "no phone" })]),
    el("td", { "data-label": "Accepts", text: accepts(facility) }),
    el("td", { "data-label": "Open beds" }, [bedsText(facility), el("br"),
      el("span", { className: facility.beds_stale ? "late" : "muted", text: (facility.beds_stale ? "stale: " : "") + updated })]),
    el("td", { className: "row-actions" }, [edit]),
  ]);
}

function render() {
  var body = $("facility-rows");
  body.textContent = "";
  facilities.forEach(function (facility) {
    var line = row(facility);
    if (editing && editing.id === facility.id) line.classList.add("editing");
    body.append(line);
  });
  $("facility-table").hidden = facilities.length === 0;
  setText($("facility-count"), String(facilities.length));
  setText($("list-status"), facilities.length ? "" : "No facility yet. Add the first one with the form.");
  pick.showOthers(facilities.filter(function (f) { return !editing || f.id !== editing.id; }).map(function (f) {
    return { lat: f.lat, lon: f.lon, label: f.name };
  }));
}

function loadFacilities() {
  return api("GET", "/api/v1/facilities?limit=500").then(function (result) {
    if (!result.ok) { setText($("list-status"), ""); showListError("The facilities could not be loaded: " + errorMessage(result)); return; }
    showListError("");
    facilities = result.data;
    render();
  });
}

function startEdit(facility) {
  editing = facility;
  clearErrors(form);
  var f = form.elements;
  f.name.value = facility.name;
  f.kind.value = facility.kind;
  f.address.value = facility.address || "";
  f.phone.value = facility.phone || "";
  f.accepts_youth.checked = !!facility.accepts.youth;
  f.accepts_involuntary.checked = !!facility.accepts.involuntary;
  f.accepts_walk_in.checked = !!facility.accepts.walk_in;
  BEDS.forEach(function (type) {
    var count = (facility.beds || {})[type];
    f["total_" + type].value = count ? String(count.total) : "";
    f["available_" + type].value = count ? String(count.available) : "";
  });
  pick.set(facility.lat, facility.lon);
  setText($("form-title"), "Edit " + facility.name);
  setText($("facility-submit"), "Save the changes");
  $("facility-cancel").hidden = false;
  render();
  f.name.focus();
}

function stopEdit() {
  editing = null;
  form.reset();
  pick.clear();
  setText($("form-title"), "Add a facility");
  setText($("facility-submit"), "Add the facility");
  $("facility-cancel").hidden = true;
  render();
}

function count(text) {
  var value = String(text).trim();
  return value === "" ? null : Number(value);
}

// {beds, problems}: the bed counts the form gives, by type.
function readBeds() {
  var beds = {}, problems = {};
  BEDS.forEach(function (type) {
    var total = count(form.elements["total_" + type].value), open = count(form.elements["available_" + type].value);
    if (total === null && open === null) return;
    if (total === null) total = open;
    if (open === null) open = total;
    if (!Number.isInteger(total) || !Number.isInteger(open) || total < 0 || open < 0) {
      problems["beds." + type] = "whole numbers from 0";
    } else if (open > total) {
      problems["beds." + type] = "open beds cannot be more than the total (" + total + ")";
    } else {
      beds[type] = { total: total, available: open };
    }
  });
  return { beds: beds, problems: problems };
}

function read() {
  var f = form.elements;
  var problems = {};
  var body = {
    name: f.name.value.trim(),
    kind: f.kind.value,
    address: f.address.value.trim(),
    phone: f.phone.value.trim() || null,
    accepts: { youth: f.accepts_youth.checked, involuntary: f.accepts_involuntary.checked, walk_in: f.accepts_walk_in.checked },
  };
  if (!body.name) problems.name = "type the facility's name";
  var lat = count(f.lat.value.replace(",", ".")), lon = count(f.lon.value.replace(",", "."));
  if ((lat === null) !== (lon === null)) problems[lat === null ? "lat" : "lon"] = "give both coordinates, or neither";
  else if (lat !== null) {
    if (!isFinite(lat) || Math.abs(lat) > 90) problems.lat = "must be a number from -90 to 90";
    if (!isFinite(lon) || Math.abs(lon) > 180) problems.lon = "must be a number from -180 to 180";
    body.lat = lat; body.lon = lon;
  }
  if (!body.address) problems.address = "type the address (teams read it; the map place is found from it)";
  var beds = readBeds();
  Object.assign(problems, beds.problems);
  if (Object.keys(problems).length) { refuse(form, "Check the form.", problems); return null; }
  return { body: body, beds: beds.beds };
}

function bedsChanged(facility, beds) {
  var before = facility.beds || {};
  return BEDS.some(function (type) {
    var a = before[type], b = beds[type];
    if (!a && !b) return false;
    if (!a || !b) return true;
    return a.total !== b.total || a.available !== b.available;
  });
}

onSubmit(form, function () {
  var given = read();
  if (!given) return null;
  var was = editing;
  var saving;
  if (!was) {
    given.body.beds = given.beds;
    saving = api("POST", "/api/v1/facilities", { body: given.body });
  } else {
    if (given.body.phone === null && !was.phone) delete given.body.phone;
    saving = api("PATCH", "/api/v1/facilities/" + was.id, { body: given.body }).then(function (result) {
      if (!result.ok || !bedsChanged(was, given.beds) || !Object.keys(given.beds).length) return result;
      return api("POST", "/api/v1/facilities/" + was.id + "/beds", { body: { beds: given.beds } });
    });
  }
  return saving.then(function (result) {
    if (!result.ok) { showErrors(form, result); return; }
    stopEdit();
    done(form, was ? "Changes to " + result.data.name + " saved." : result.data.name + " added.");
    return loadFacilities().then(function () {
      var back = was && document.querySelector('#facility-rows tr[data-facility-id="' + result.data.id + '"] [data-action=edit]');
      if (back) back.focus(); else form.elements.name.focus();
    });
  });
});

$("facility-cancel").addEventListener("click", function () {
  var was = editing;
  stopEdit();
  var back = was && document.querySelector('#facility-rows tr[data-facility-id="' + was.id + '"] [data-action=edit]');
  if (back) back.focus();
});

loadFacilities();
