// The follow-up queue (timers/templates/timers/followups.html): GET /api/v1/followups?state=due,
// and POST /api/v1/followups/<id>/attempts for each attempt to reach the person.
//
// The queue refreshes itself every data-refresh-ms (60 s). A refresh updates each row where
// it is: a row someone is filling in keeps its outcome, its half-typed note and the focus.
//
// Each row names the call by its number (a link to the call's page) and the callback number as a
// tel: link, never by internal ids.
import { $, el, setClass, setText, syncChildren } from "/static/lib/dom.js";
import { api, errorText } from "/static/lib/http.js";
import { callLink, telLink } from "/static/triage/call_links.js";

var OUTCOMES = [["no_answer", "No answer"], ["reached", "Reached"], ["declined", "Declined"], ["lost", "Lost"]];

function showError(text) {
  var box = $("followup-error");
  box.textContent = text || "";
  box.hidden = !text;
}

function when(iso) {
  var due = new Date(iso);
  return due.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
}

// The first two cells hold links (the call, the callback number); the others are words.
function cellTexts(f) {
  return [
    f.risk_level,
    (f.overdue ? "OVERDUE since " : "") + when(f.due_at),
    f.attempts + " of 5",
  ];
}

function linkCells(f) {
  var call = f.call_id
    ? callLink(f.call_id, f.call_number, { className: "followup-call" })
    : el("span", { className: "muted", text: "no call" });
  return [el("td", {}, [call]), el("td", {}, [telLink(f.caller_phone, { className: "tel followup-phone" })])];
}

// A refresh replaces the two link cells only when what they name has changed.
function linkKey(f) {
  return [f.call_id, f.call_number, f.caller_phone].join("|");
}

function updateLinks(tr, f) {
  if (tr.dataset.links === linkKey(f)) return;
  tr.dataset.links = linkKey(f);
  var fresh = linkCells(f);
  tr.replaceChild(fresh[0], tr.cells[0]);
  tr.replaceChild(fresh[1], tr.cells[1]);
}

function row(f) {
  var tr = el("tr", { className: f.overdue ? "late" : "", "data-links": linkKey(f) },
    linkCells(f).concat(cellTexts(f).map(function (text) { return el("td", { text: text }); })));
  var outcomeId = "followup-outcome-" + f.id;
  var noteId = "followup-note-" + f.id;
  var select = el("select", { id: outcomeId }, OUTCOMES.map(function (o) { return el("option", { value: o[0], text: o[1] }); }));
  var note = el("input", { id: noteId, maxlength: "2000" });
  var button = el("button", { type: "submit", text: "Record" });
  var form = el("form", {}, [
    el("label", { "for": outcomeId, text: "Outcome " }), select,
    el("label", { "for": noteId, text: " Note " }), note,
    button,
  ]);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    var body = { outcome: select.value };
    if (note.value.trim()) body.note = note.value.trim();
    api("POST", "/api/v1/followups/" + f.id + "/attempts", { body: body }).then(function (result) {
      button.disabled = false;
      if (!result.ok) { showError("The attempt was not recorded: " + errorText(result)); return; }
      showError("");
      form.reset();  // recorded: the row is ready for the next attempt
      load();
    });
  });
  tr.append(el("td", {}, [form]));
  return tr;
}

// A refresh: new words in the cells of a row that is kept, nothing else of it touched.
function update(tr, f) {
  setClass(tr, f.overdue ? "late" : "");
  updateLinks(tr, f);
  cellTexts(f).forEach(function (text, index) { setText(tr.cells[index + 2], text); });
}

function load() {
  api("GET", "/api/v1/followups?state=due&limit=200").then(function (result) {
    if (!result.ok) { showError("Could not load the follow-ups: " + errorText(result)); return; }
    var list = result.data;
    syncChildren($("followup-rows"), list, { key: function (f) { return f.id; }, create: row, update: update });
    setText($("followup-count"), String(list.length));
    $("followup-table").hidden = list.length === 0;
    $("followup-empty").hidden = list.length > 0;
  });
}

window.FollowupQueue = { reload: load };
var queue = $("followup-queue");
if (queue) {
  load();
  setInterval(load, Number(queue.dataset.refreshMs) || 60000);
}
