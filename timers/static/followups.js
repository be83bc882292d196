// The follow-up queue (timers/templates/timers/followups.html): GET /api/v1/followups?state=due,
// and POST /api/v1/followups/<id>/attempts for each attempt to reach the person.
(function () {
  "use strict";

  var OUTCOMES = [["no_answer", "No answer"], ["reached", "Reached"], ["declined", "Declined"], ["lost", "Lost"]];

  function el(id) { return document.getElementById(id); }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showError(text) {
    var box = el("followup-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function when(iso) {
    var due = new Date(iso);
    return due.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  }

  function row(f) {
    var tr = document.createElement("tr");
    if (f.overdue) tr.className = "late";
    var cells = [
      f.call_id ? "Call " + f.call_id : "Incident " + f.incident_id,
      f.risk_level,
      (f.overdue ? "OVERDUE since " : "") + when(f.due_at),
      f.attempts + " of 5",
    ];
    cells.forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    });
    var td = document.createElement("td");
    var form = document.createElement("form");
    var outcomeId = "followup-outcome-" + f.id;
    var noteId = "followup-note-" + f.id;
    var label = document.createElement("label");
    label.htmlFor = outcomeId;
    label.textContent = "Outcome ";
    var select = document.createElement("select");
    select.id = outcomeId;
    OUTCOMES.forEach(function (o) {
      var option = document.createElement("option");
      option.value = o[0];
      option.textContent = o[1];
      select.append(option);
    });
    var noteLabel = document.createElement("label");
    noteLabel.htmlFor = noteId;
    noteLabel.textContent = " Note ";
    var note = document.createElement("input");
    note.id = noteId;
    note.maxLength = 2000;
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Record";
    form.append(label, select, noteLabel, note, button);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      var body = { outcome: select.value };
      if (note.value.trim()) body.note = note.value.trim();
      fetch("/api/v1/followups/" + f.id + "/attempts", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body),
      }).then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) throw new Error((answer.error && answer.error.message) || ("HTTP " + response.status));
          showError("");
          load();
        });
      }).catch(function (error) {
        button.disabled = false;
        showError("The attempt was not recorded: " + error.message);
      });
    });
    td.append(form);
    tr.append(td);
    return tr;
  }

  function load() {
    fetch("/api/v1/followups?state=due&limit=200", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (list) {
        el("followup-rows").replaceChildren.apply(el("followup-rows"), list.map(row));
        el("followup-count").textContent = String(list.length);
        el("followup-table").hidden = list.length === 0;
        el("followup-empty").hidden = list.length > 0;
      })
      .catch(function (error) { showError("Could not load the follow-ups: " + error.message); });
  }

  window.FollowupQueue = { reload: load };
  document.addEventListener("DOMContentLoaded", function () {
    if (!el("followup-queue")) return;
    load();
    setInterval(load, 60000);
  });
})();
