// The units page (/admin/units): the list of units, a form that adds one or edits one (call sign,
// phones, languages by name, youth, home base picked on the map), and on/off duty per unit.
// Reads and writes through the API: GET/POST /api/v1/units, PATCH /api/v1/units/<id>,
// POST /api/v1/units/<id>/status, GET /api/v1/languages.
import { $, el, setText } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";
import { statusLabel, UnitStatus } from "/static/lib/statuses.js";
import { done, onSubmit, refuse, say, settingsOf, showErrors, clearErrors } from "/static/admin/forms.js";
import { languageNames, loadLanguages, resolveLanguages } from "/static/admin/languages.js";
import { pickPlace } from "/static/admin/pick_map.js";
import { phoneWords } from "/static/triage/call_links.js";

var settings = settingsOf("units-page");
var form = $("unit-form");
var units = [];
var editing = null; // the unit being edited, or null when the form adds one
var pick = pickPlace({ map: "home-map", lat: "home-lat", lon: "home-lon", settings: settings, title: "Home base" });
var LABELS = { call_sign: "Call sign", phones: "Phones", "capabilities.languages": "Languages", "home.lat": "Latitude",
  "home.lon": "Longitude", status: "Starts" };

function showListError(text) {
  var box = $("list-error");
  box.textContent = text || "";
  box.hidden = !text;
}

function loadUnits() {
  return api("GET", "/api/v1/units?limit=500").then(function (result) {
    if (!result.ok) {
      setText($("list-status"), "");
      showListError("The units could not be loaded: " + errorMessage(result));
      return;
    }
    showListError("");
    units = result.data;
    render();
  });
}

function dutyButton(unit) {
  var off = unit.status === UnitStatus.OFF_DUTY;
  var free = unit.status === UnitStatus.AVAILABLE || unit.status === UnitStatus.OUT_OF_SERVICE;
  if (!off && !free) return el("span", { className: "muted", text: "on an incident" });
  var target = off ? UnitStatus.AVAILABLE : UnitStatus.OFF_DUTY;
  var button = el("button", { type: "button", className: "duty", "data-action": "duty",
    text: off ? "Put on duty" : "Take off duty", "aria-label": (off ? "Put on duty " : "Take off duty ") + unit.call_sign });
  button.addEventListener("click", function () { setDuty(unit, target, button); });
  return button;
}

// Each number kept on one line: "(802) 555-0101, (802) 555-0102".
function phoneList(phones) {
  if (!phones || !phones.length) return ["—"];
  var parts = [];
  phones.forEach(function (phone, n) {
    if (n) parts.push(", ");
    parts.push(el("span", { className: "tel", text: phoneWords(phone) }));
  });
  return parts;
}

function row(unit) {
  var edit = el("button", { type: "button", "data-action": "edit", text: "Edit", "aria-label": "Edit " + unit.call_sign });
  edit.addEventListener("click", function () { startEdit(unit); });
  var home = unit.home ? unit.home.lat.toFixed(4) + ", " + unit.home.lon.toFixed(4) : "—";
  return el("tr", { "data-unit-id": String(unit.id) }, [
    el("th", { scope: "row", text: unit.call_sign }),
    el("td", { "data-label": "Status" }, [el("span", { className: "pill status-" + unit.status, text: statusLabel(unit.status) })]),
    el("td", { "data-label": "Phones" }, phoneList(unit.phones)),
    el("td", { "data-label": "Speaks", text: languageNames(unit.capabilities.languages).join(", ") || "—" }),
    el("td", { "data-label": "Youth", text: unit.capabilities.youth ? "yes" : "no" }),
    el("td", { "data-label": "Home base", text: home }),
    el("td", { className: "row-actions" }, [edit, " ", dutyButton(unit)]),
  ]);
}

function render() {
  var body = $("unit-rows");
  body.textContent = "";
  units.forEach(function (unit) { body.append(row(unit)); });
  $("unit-table").hidden = units.length === 0;
  setText($("unit-count"), String(units.length));
  setText($("list-status"), units.length ? "" : "No unit yet. Add the first one with the form.");
  pick.showOthers(units.filter(function (u) { return !editing || u.id !== editing.id; }).map(function (u) {
    return { lat: u.home.lat, lon: u.home.lon, label: u.call_sign };
  }));
}

function setDuty(unit, status, button) {
  if (button.disabled) return;
  button.disabled = true;
  api("POST", "/api/v1/units/" + unit.id + "/status", { body: { status: status } }).then(function (result) {
    button.disabled = false;
    if (!result.ok) { showListError(unit.call_sign + ": " + errorMessage(result)); return; }
    showListError("");
    say(unit.call_sign + (status === UnitStatus.OFF_DUTY ? " is off duty." : " is on duty."));
    return loadUnits().then(function () {
      var again = document.querySelector('#unit-rows tr[data-unit-id="' + unit.id + '"] [data-action=duty]');
      if (again) again.focus();
    });
  });
}

function startEdit(unit) {
  editing = unit;
  clearErrors(form);
  form.elements.call_sign.value = unit.call_sign;
  form.elements.phones.value = (unit.phones || []).join(", ");
  form.elements.languages.value = languageNames(unit.capabilities.languages).join(", ");
  form.elements.youth.checked = !!unit.capabilities.youth;
  pick.set(unit.home.lat, unit.home.lon);
  $("start-status").hidden = true;
  setText($("form-title"), "Edit " + unit.call_sign);
  setText($("unit-submit"), "Save the changes");
  $("unit-cancel").hidden = false;
  render();
  form.elements.call_sign.focus();
}

function stopEdit() {
  editing = null;
  form.reset();
  pick.clear();
  $("start-status").hidden = false;
  setText($("form-title"), "Add a unit");
  setText($("unit-submit"), "Add the unit");
  $("unit-cancel").hidden = true;
  render();
}

// "(802) 555-0188" or "802-555-0188" -> "+18025550188" (a US number, as the call pages read
// them); anything else as typed, for the API to accept or refuse in its own words.
function phoneNumber(text) {
  var digits = String(text).replace(/[\s().-]/g, "");
  if (/^\d{10}$/.test(digits)) return "+1" + digits;
  if (/^1\d{10}$/.test(digits)) return "+" + digits;
  return text;
}

function number(text) {
  var value = String(text).trim().replace(",", ".");
  return value === "" ? null : Number(value);
}

// The request body, or null when the form itself shows what to correct.
function read() {
  var problems = {};
  var phones = form.elements.phones.value.split(/[,;]/).map(function (p) { return p.trim(); }).filter(Boolean).map(phoneNumber);
  if (!form.elements.call_sign.value.trim()) problems.call_sign = "type the call sign";
  if (!phones.length) problems.phones = "type at least one phone number";
  var languages = resolveLanguages(form.elements.languages.value);
  if (languages.unknown.length) {
    problems["capabilities.languages"] = languages.unknown.map(function (name) { return "“" + name + "”"; }).join(", ") +
      " is not a language we know: type its English name, e.g. Spanish";
  }
  var lat = number(form.elements.lat.value), lon = number(form.elements.lon.value);
  if (lat === null || lon === null) problems.home = "click the map or type both coordinates";
  else {
    if (!isFinite(lat) || Math.abs(lat) > 90) problems["home.lat"] = "must be a number from -90 to 90, e.g. 44.4759";
    if (!isFinite(lon) || Math.abs(lon) > 180) problems["home.lon"] = "must be a number from -180 to 180, e.g. -73.2121";
  }
  if (Object.keys(problems).length) {
    refuse(form, "Check the form.", problems);
    return null;
  }
  var body = {
    call_sign: form.elements.call_sign.value.trim(),
    phones: phones,
    capabilities: { languages: languages.codes, youth: form.elements.youth.checked },
    home: { lat: lat, lon: lon },
  };
  if (!editing) body.status = form.elements.status.value;
  return body;
}

onSubmit(form, function () {
  var body = read();
  if (!body) return null;
  var was = editing;
  var request = was ? api("PATCH", "/api/v1/units/" + was.id, { body: body }) : api("POST", "/api/v1/units", { body: body });
  return request.then(function (result) {
    if (!result.ok) { showErrors(form, result, LABELS); return; }
    stopEdit();
    done(form, was ? "Changes to " + result.data.call_sign + " saved." : result.data.call_sign + " added.");
    return loadUnits().then(function () {
      var saved = document.querySelector('#unit-rows tr[data-unit-id="' + result.data.id + '"] [data-action=edit]');
      if (was && saved) saved.focus();
      else form.elements.call_sign.focus();
    });
  });
});

$("unit-cancel").addEventListener("click", function () {
  var was = editing;
  stopEdit();
  var back = was && document.querySelector('#unit-rows tr[data-unit-id="' + was.id + '"] [data-action=edit]');
  if (back) back.focus();
});

loadLanguages($("language-names")).then(loadUnits);
