// The administration pages' forms: sent once (a second Enter or click while one is on its way
// does nothing), the API's refusal shown in words beside the field it names, the rest of it at
// the top of the form, and the focus put on the first field to correct.
//
// In the template each field's wrapper carries data-field="<the API's field name>" and holds a
// <p class="error field-error" data-error-for="<name>">; the form holds a <p class="error
// form-error" role="alert"> and a <p class="done" role="status">.
//
//   onSubmit(form, function () { return api("POST", "/api/v1/units", { body: read() }).then(...) });
import { $, announcer } from "/static/lib/dom.js";
import { errorFields, errorMessage } from "/static/lib/http.js";

export var say = announcer($("admin-status"));

// Run `send` (-> Promise) on submit, never twice at once; the form's buttons are disabled meanwhile.
export function onSubmit(form, send) {
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.dataset.busy === "1") return;
    form.dataset.busy = "1";
    var buttons = Array.from(form.querySelectorAll("button[type=submit], button:not([type])"));
    buttons.forEach(function (button) { button.disabled = true; });
    clearErrors(form);
    Promise.resolve().then(send).finally(function () {
      form.dataset.busy = "";
      buttons.forEach(function (button) { button.disabled = false; });
    });
  });
}

export function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach(function (box) { box.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
  var top = form.querySelector(".form-error");
  if (top) { top.textContent = ""; top.hidden = true; }
  var done = form.querySelector(".done");
  if (done) done.textContent = "";
}

// The field box for an API field name: "home.lat" itself, else its parents ("phones.0" -> "phones").
function fieldBox(form, name) {
  var parts = String(name).replace(/^(body|query)\./, "").split(".");
  while (parts.length) {
    var box = form.querySelector('[data-field="' + parts.join(".") + '"]');
    if (box) return box;
    parts.pop();
  }
  return null;
}

// Show a refusal: each named field's problem beside it, the message (and anything not placed)
// at the top; focus the first field that needs correcting, else the message.
export function showErrors(form, result, labels) {
  var fields = errorFields(result);
  var loose = [];
  var first = null;
  Object.keys(fields).forEach(function (name) {
    var box = fieldBox(form, name);
    var text = fields[name];
    if (!box) { loose.push(((labels && labels[name]) || name) + ": " + text); return; }
    var error = box.querySelector("[data-error-for]");
    if (error) error.textContent = error.textContent ? error.textContent + "; " + text : capital(text);
    var input = box.querySelector("input, select, textarea");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      if (!first) first = input;
    }
  });
  var top = form.querySelector(".form-error");
  var message = errorMessage(result) + (loose.length ? " " + loose.join("; ") : "");
  if (top) { top.textContent = message; top.hidden = false; }
  say(message);
  if (first) first.focus();
  else if (top) { top.tabIndex = -1; top.focus(); }
}

// A problem found before sending (a language nobody knows): shown like the API's own.
export function refuse(form, message, fields) {
  showErrors(form, { status: 422, data: { error: { message: message, fields: fields } } });
}

export function done(form, text) {
  var box = form.querySelector(".done");
  if (box) box.textContent = text;
  say(text);
}

function capital(text) {
  text = String(text);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "2026-12-01T18:02:11.123456+00:00" -> the reader's local date and time, to the minute (or
// to the second: the audit trail).
export function localTime(iso, seconds) {
  if (!iso) return "—";
  var at = new Date(String(iso).replace(/(\.\d{3})\d+/, "$1"));
  if (isNaN(at.getTime())) return String(iso);
  var parts = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
  if (seconds) parts.second = "2-digit";
  return at.toLocaleString(undefined, parts);
}

// The page's settings, from data-settings on the element `id`.
export function settingsOf(id) {
  var node = $(id);
  try { return JSON.parse((node && node.dataset.settings) || "{}"); } catch (error) { return {}; }
}
