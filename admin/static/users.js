// The users page (/admin/users): the list of accounts, a form that adds one, and for a chosen
// user: their roles and ties (unit, facility), a new password, disable / enable. Through the
// API: GET/POST /api/v1/users, PATCH /api/v1/users/<id>, GET /api/v1/units (the unit choices).
// Disabling or a new password ends the user's sign-ins (the API does it); the last active
// administrator cannot be disabled or demoted (409, shown in the API's words).
import { $, el, setText } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";
import { done, onSubmit, refuse, say, settingsOf, showErrors, clearErrors } from "/static/admin/forms.js";

var settings = settingsOf("users-page");
var facilities = settings.facilities || {};
var users = [];
var unitSigns = {}; // unit id -> call sign
var chosen = null; // the user being changed
var addForm = $("add-form"), editForm = $("edit-form"), passwordForm = $("password-form"), disableForm = $("disable-form");
var twoFactorForm = $("two-factor-form");

function showListError(text) {
  $("list-error").textContent = text || "";
  $("list-error").hidden = !text;
}

function tiedTo(user) {
  var ties = [];
  if (user.unit_id) ties.push("unit " + (user.unit_call_sign || unitSigns[user.unit_id] || user.unit_id));
  if (user.facility_id) ties.push(facilities[user.facility_id] || "facility " + user.facility_id);
  return ties.join(", ") || "—";
}

function row(user) {
  var change = el("button", { type: "button", "data-action": "change", text: "Change",
    "aria-label": "Change " + user.username });
  change.addEventListener("click", function () { choose(user); });
  return el("tr", { "data-user-id": String(user.id), className: user.disabled ? "is-disabled" : null }, [
    el("th", { scope: "row", text: user.username }),
    el("td", { "data-label": "Roles", text: user.roles.join(", ") }),
    el("td", { "data-label": "Tied to", text: tiedTo(user) }),
    el("td", { "data-label": "Two-factor", text: user.two_factor ? "on" : "off" }),
    el("td", { "data-label": "Account" }, [el("span", { className: "pill " + (user.disabled ? "disabled" : "on"), text: user.disabled ? "disabled" : "active" })]),
    el("td", { className: "row-actions" }, [change]),
  ]);
}

function render() {
  var body = $("user-rows");
  body.textContent = "";
  users.forEach(function (user) {
    var line = row(user);
    if (chosen && chosen.id === user.id) line.classList.add("editing");
    body.append(line);
  });
  $("user-table").hidden = users.length === 0;
  setText($("user-count"), String(users.length));
  setText($("list-status"), users.length ? "" : "No user yet.");
}

function loadUsers() {
  return api("GET", "/api/v1/users?limit=500").then(function (result) {
    if (!result.ok) { setText($("list-status"), ""); showListError("The users could not be loaded: " + errorMessage(result)); return; }
    showListError("");
    users = result.data.slice().sort(function (a, b) { return a.username.localeCompare(b.username); });
    if (chosen) chosen = users.find(function (u) { return u.id === chosen.id; }) || null;
    render();
  });
}

function loadUnits() {
  return api("GET", "/api/v1/units?limit=500").then(function (result) {
    if (!result.ok) return;
    document.querySelectorAll("select.unit-choice").forEach(function (select) {
      result.data.forEach(function (unit) {
        unitSigns[unit.id] = unit.call_sign;
        select.append(el("option", { value: String(unit.id), text: unit.call_sign }));
      });
    });
  });
}

function checkedRoles(form) {
  return Array.from(form.querySelectorAll('input[name="roles"]:checked')).map(function (box) { return box.value; });
}

function idOrNull(value) {
  return value ? Number(value) : null;
}

// -- add ---------------------------------------------------------------------------------------
onSubmit(addForm, function () {
  var body = {
    username: addForm.elements.username.value.trim(),
    password: addForm.elements.password.value,
    roles: checkedRoles(addForm),
  };
  var problems = {};
  if (!body.username) problems.username = "type the username";
  if (!body.password) problems.password = "type a password for the user";
  if (!body.roles.length) problems.roles = "choose at least one role";
  if (Object.keys(problems).length) { refuse(addForm, "Check the form.", problems); return null; }
  var unit = idOrNull(addForm.elements.unit.value), facility = idOrNull(addForm.elements.facility.value);
  if (unit !== null) body.unit = unit;
  if (facility !== null) body.facility = facility;
  return api("POST", "/api/v1/users", { body: body }).then(function (result) {
    if (!result.ok) { showErrors(addForm, result); return; }
    addForm.reset();
    done(addForm, result.data.username + " added" + (result.data.unit_id ? ", riding with " + tiedTo(result.data).replace(/^unit /, "") : "") + ".");
    addForm.elements.username.focus();
    return loadUsers();
  });
});

// -- change one user ---------------------------------------------------------------------------
function fillEdit(user) {
  editForm.querySelectorAll('input[name="roles"]').forEach(function (box) { box.checked = user.roles.indexOf(box.value) >= 0; });
  editForm.elements.unit.value = user.unit_id ? String(user.unit_id) : "";
  editForm.elements.facility.value = user.facility_id ? String(user.facility_id) : "";
  setText($("edit-title"), "Change " + user.username);
  setText($("edit-state"), user.username + " is " + (user.disabled ? "disabled: they cannot sign in." : "active") +
    (user.two_factor ? " Two-factor sign-in is on." : ""));
  setText($("disable-submit"), user.disabled ? "Enable the account" : "Disable the account");
  $("disable-submit").className = user.disabled ? "primary" : "danger";
}

function choose(user) {
  chosen = user;
  [editForm, passwordForm, disableForm, twoFactorForm].forEach(clearErrors);
  twoFactorForm.hidden = !user.two_factor;
  $("two-factor-submit").hidden = false;
  passwordForm.reset();
  fillEdit(user);
  $("edit-card").hidden = false;
  $("add-card").hidden = true;
  render();
  $("edit-title").focus();
}

function closeEdit() {
  var was = chosen;
  chosen = null;
  $("edit-card").hidden = true;
  $("add-card").hidden = false;
  render();
  var back = was && document.querySelector('#user-rows tr[data-user-id="' + was.id + '"] [data-action=change]');
  if (back) back.focus();
}

function patch(form, body, said) {
  var user = chosen;
  return api("PATCH", "/api/v1/users/" + user.id, { body: body }).then(function (result) {
    if (!result.ok) { showErrors(form, result); return; }
    return loadUsers().then(function () {
      if (chosen) fillEdit(chosen);
      done(form, said(result.data));
    });
  });
}

onSubmit(editForm, function () {
  if (!chosen) return null;
  var roles = checkedRoles(editForm);
  if (!roles.length) { refuse(editForm, "Check the form.", { roles: "choose at least one role" }); return null; }
  var body = { roles: roles, unit: idOrNull(editForm.elements.unit.value) };
  var facility = idOrNull(editForm.elements.facility.value);
  if (facility !== null || chosen.facility_id) body.facility = facility;
  return patch(editForm, body, function (user) {
    return "Saved: " + user.username + " is " + user.roles.join(", ") + (tiedTo(user) !== "—" ? ", tied to " + tiedTo(user) : "") + ".";
  });
});

onSubmit(passwordForm, function () {
  if (!chosen) return null;
  var password = passwordForm.elements.password.value;
  if (!password) { refuse(passwordForm, "Check the form.", { password: "type the new password" }); return null; }
  return patch(passwordForm, { password: password }, function (user) {
    passwordForm.reset();
    return "New password set for " + user.username + "; they are signed out everywhere.";
  });
});

onSubmit(disableForm, function () {
  if (!chosen) return null;
  var disable = !chosen.disabled;
  return patch(disableForm, { disabled: disable }, function (user) {
    return disable ? user.username + " is disabled and signed out everywhere." : user.username + " is enabled: they can sign in again.";
  });
});

onSubmit(twoFactorForm, function () {
  if (!chosen || !chosen.two_factor) return null;
  return patch(twoFactorForm, { two_factor: false }, function (user) {
    $("two-factor-submit").hidden = true;
    return "Two-factor sign-in is off for " + user.username + ": they sign in with their password and set it up again.";
  });
});

$("edit-close").addEventListener("click", closeEdit);
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape" && chosen) closeEdit();
});

loadUnits().then(loadUsers).then(function () {
  if (!users.length) say("No user yet.");
});
