// The board's crew editor: a dialog in which a dispatcher says who rides with a unit this shift
// (PUT /api/v1/units/<id>/crew). By keyboard: Tab through name, role and Remove of each person,
// "Add a person", then Enter (or "Save crew"); Escape closes without saving. A row whose name is
// left empty is left out. Errors are said in words, under the person they are about and at the
// top; a second Enter while the save is under way does nothing.
import { $, el } from "/static/lib/dom.js";
import { api, errorFields, errorMessage } from "/static/lib/http.js";
import { crewText, flagText } from "/static/dispatch/crew.js";

var MAX = 6;
var roles = [];        // [{value, label}] from the page's settings (dispatch/crew.py CREW_ROLES)
var units = {};        // the board's units, by id (shared, kept up to date by the board)
var saved = function () {};
var unitId = null;     // the unit whose crew is open
var returnTo = null;   // the unit whose "Crew…" button gets the focus back
var openedWith = "";   // its crew, in words, when the dialog opened (to notice a change meanwhile)
var busy = false;
var serial = 0;        // gives each row's fields ids of their own

function dialog() { return $("crew-dialog"); }

function roleSelect(id, value) {
  var select = el("select", { id: id, name: "role" }, roles.map(function (r) {
    return el("option", { value: r.value, text: r.label });
  }));
  select.value = value || roles[0].value;
  return select;
}

// The role a new row starts with: a team is a clinician and a peer specialist.
function nextRole() {
  var taken = currentRows().map(function (row) { return row.querySelector("select").value; });
  if (taken.indexOf("clinician") < 0) return "clinician";
  if (taken.indexOf("peer_specialist") < 0) return "peer_specialist";
  return "other";
}

function currentRows() { return Array.from($("crew-people").children); }

function renumber() {
  currentRows().forEach(function (row, index) {
    row.querySelector(".crew-n").textContent = "Person " + (index + 1);
    var labels = row.querySelectorAll("label");
    labels[0].textContent = "Person " + (index + 1) + ": name";
    labels[1].textContent = "Person " + (index + 1) + ": role";
    row.querySelector("button").setAttribute("aria-label", "Remove person " + (index + 1));
  });
  var full = currentRows().length >= MAX;
  $("crew-add").disabled = full;
  $("crew-full").hidden = !full;
}

function addRow(person) {
  serial += 1;
  var nameId = "crew-name-" + serial, roleId = "crew-role-" + serial, errorId = "crew-error-" + serial;
  var name = el("input", { id: nameId, name: "name", autocomplete: "off", maxlength: "80", "aria-describedby": errorId,
    placeholder: "Name" });
  name.value = person ? person.name : "";
  var remove = el("button", { type: "button", className: "crew-remove", text: "Remove" });
  var row = el("li", { className: "crew-person" }, [
    el("span", { className: "crew-n" }),
    el("label", { "for": nameId, className: "crew-field", text: "Name" }), name,
    el("label", { "for": roleId, className: "crew-field", text: "Role" }), roleSelect(roleId, person ? person.role : nextRole()),
    remove,
    el("p", { className: "field-error", id: errorId, hidden: true }),
  ]);
  remove.addEventListener("click", function () {
    var rows = currentRows();
    var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    row.remove();
    renumber();
    (next ? next.querySelector("input") : $("crew-add")).focus();
  });
  $("crew-people").appendChild(row);
  renumber();
  return row;
}

function showError(text) {
  var box = $("crew-error");
  box.hidden = !text;
  box.textContent = text || "";
}

function clearErrors() {
  showError("");
  currentRows().forEach(function (row) {
    row.querySelector(".field-error").hidden = true;
    row.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
  });
}

// What the save did, where the unit list is, with what is still short; it goes after a while.
var toldTimer = 0;
function tell(unit) {
  var box = $("crew-status");
  var flags = flagText(unit);
  box.textContent = "Crew of " + unit.call_sign + " saved: " + (crewText(unit) || "nobody recorded") + "." +
    (flags ? " Still flagged: " + flags + "." : "");
  box.hidden = false;
  clearTimeout(toldTimer);
  toldTimer = setTimeout(function () { box.hidden = true; box.textContent = ""; }, 15000);
}

function open(id) {
  var unit = units[id];
  if (!unit) return;
  unitId = returnTo = id;
  openedWith = crewText(unit);
  busy = false;
  $("crew-title").textContent = "Crew of " + unit.call_sign;
  $("crew-changed").hidden = true;
  $("crew-save").disabled = false;
  $("crew-save").textContent = "Save crew";
  $("crew-people").replaceChildren();
  clearErrors();
  var crew = unit.crew || [];
  if (crew.length) crew.forEach(addRow);
  else { addRow(null); addRow(null); }
  dialog().showModal();
  currentRows()[0].querySelector("input").focus();
}

// Someone else changed the crew while the dialog is open: say so (saving replaces theirs).
function unitChanged(unit) {
  if (unit.id !== unitId || !dialog().open || busy) return;
  var now = crewText(unit);
  if (now === openedWith) return;
  var box = $("crew-changed");
  box.hidden = false;
  box.textContent = "Changed meanwhile" + (unit.crew_set_by ? " by " + unit.crew_set_by : "") + ": " +
    (now || "nobody recorded") + ". Saving replaces it with the list below.";
}

// "crew.1.name" -> the row that was sent as person 2.
function fieldRow(sent, name) {
  var match = /^crew\.(\d+)\.(\w+)$/.exec(name);
  return match ? { row: sent[Number(match[1])], field: match[2] } : null;
}

function submit(event) {
  event.preventDefault();
  if (busy || unitId === null) return;
  clearErrors();
  var sent = [], crew = [];
  currentRows().forEach(function (row) {
    var name = row.querySelector("input").value.trim();
    if (!name) return;  // an empty row is left out
    sent.push(row);
    crew.push({ name: name, role: row.querySelector("select").value });
  });
  var id = unitId, unit = units[id];
  busy = true;
  $("crew-save").disabled = true;
  $("crew-save").textContent = "Saving…";
  api("PUT", "/api/v1/units/" + id + "/crew", { body: { crew: crew } }).then(function (result) {
    busy = false;
    $("crew-save").disabled = false;
    $("crew-save").textContent = "Save crew";
    if (result.ok) {
      unitId = null;
      dialog().close();
      saved(result.data);
      tell(result.data);
      return;
    }
    var fields = errorFields(result), words = [], first = null;
    Object.keys(fields).forEach(function (name) {
      var found = fieldRow(sent, name);
      if (found && found.row) {
        var n = currentRows().indexOf(found.row) + 1;
        var input = found.row.querySelector(found.field === "role" ? "select" : "input");
        input.setAttribute("aria-invalid", "true");
        var message = found.row.querySelector(".field-error");
        message.hidden = false;
        message.textContent = (found.field === "role" ? "Role: " : "Name: ") + fields[name];
        words.push("Person " + n + ", " + found.field + ": " + fields[name]);
        first = first || input;
      } else {
        words.push(fields[name]);
      }
    });
    showError("The crew of " + (unit ? unit.call_sign : "the unit") + " was not saved. " + errorMessage(result) +
      (words.length ? " " + words.join("; ") + "." : ""));
    (first || $("crew-save")).focus();
  });
}

export var CrewEditor = {
  // options: {roles: [{value, label}], units: the board's units by id, saved(unit)}
  init: function (options) {
    roles = options.roles || [];
    units = options.units;
    saved = options.saved || saved;
    $("crew-form").addEventListener("submit", submit);
    $("crew-add").addEventListener("click", function () {
      if (currentRows().length >= MAX) return;
      addRow(null).querySelector("input").focus();
    });
    $("crew-cancel").addEventListener("click", function () { dialog().close(); });
    // Closed (saved, cancelled or Escape): back to the unit's "Crew…" button, once the board
    // has drawn the unit again.
    dialog().addEventListener("close", function () {
      var id = returnTo;
      unitId = null;
      setTimeout(function () {
        var back = document.querySelector('[data-crew-edit="' + id + '"]');
        if (back) back.focus();
      }, 0);
    });
  },
  // The "Crew…" button of a unit in the unit list.
  button: function (unit) {
    var button = el("button", { type: "button", className: "crew-edit", "data-crew-edit": unit.id,
      "aria-haspopup": "dialog", "aria-label": "Set the crew of " + unit.call_sign, text: "Crew…" });
    button.addEventListener("click", function () { open(unit.id); });
    return button;
  },
  open: open,
  unitChanged: unitChanged,
};
