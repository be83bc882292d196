// The alert panel (alerts/templates/alerts/panel.html): open alerts from the live snapshot,
// kept current by alert.raised / alert.cleared events; Acknowledge posts to the API.
//
//   import { AlertPanel } from "/static/alerts/alerts.js";
//   connectLive({ snapshot(s) { AlertPanel.snapshot(s); ... }, event(e) { AlertPanel.event(e); ... } })
//
// or, with data-connect="true" on the panel, the panel opens its own connection.
//
// The list is kept in place: a repaint updates an item's words where they changed and never
// rebuilds the list, so the periodic refresh of "n min ago" says nothing to a screen reader. A
// newly raised alert is said once, by the panel's own polite region (#alert-announcer).
import { $, announcer, el, setText, syncChildren } from "/static/lib/dom.js";
import { api, errorText } from "/static/lib/http.js";
import { connectLive } from "/static/lib/live.js";

var KIND_LABELS = {
  ack_overdue: "Not acknowledged",
  reassign_suggested: "Reassign?",
  checkin_missed: "Missed check-in",
  duress: "DURESS",
  pending_sla: "Emergent waiting",
  sms_failed: "SMS failed",
  followup_overdue: "Follow-up overdue",
  position_stale: "Position stale",
  transfer_unconfirmed: "911 transfer not confirmed",
  outcome_missing: "Outcome missing",
};
// What the person who sees the alert does about it, in a line under its message.
var KIND_TODO = {
  ack_overdue: "Call the team by radio or phone; if they cannot take it, return it to the queue.",
  reassign_suggested: "Return the incident to the queue and assign the next unit.",
  checkin_missed: "Reach the team now by radio or phone; if there is no answer, send help to their last position.",
  duress: "The team asked for help: send police to their last position now.",
  pending_sla: "An emergent incident is still waiting: assign a unit.",
  sms_failed: "The text did not reach the team: call them.",
  followup_overdue: "Call the person back and record the attempt.",
  position_stale: "Ask the team where they are.",
  transfer_unconfirmed: "Check with 911 that they took the call, then record the transfer on the call (one key on the operator page). If the line dropped, call the person back.",
  outcome_missing: "Ask the team how it ended and whether police were present, then record the outcome on the incident.",
};
var openIncident = null;  // a page that can show an incident: fn(incident_id)
var alerts = {};  // id -> alert
var announce = announcer($("alert-announcer"));

function ago(iso) {
  var seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 90) return seconds + " s ago";
  return Math.round(seconds / 60) + " min ago";
}

function showError(text) {
  var box = $("alert-error");
  if (!box) return;
  box.textContent = text || "";
  box.hidden = !text;
}

function acknowledge(alert, button) {
  button.disabled = true;
  api("POST", "/api/v1/alerts/" + alert.id + "/acknowledge").then(function (result) {
    if (!result.ok) {
      button.disabled = false;
      showError("Could not acknowledge the alert: " + errorText(result));
      return;
    }
    showError("");
    put(result.data);
  });
}

function kindText(alert) {
  return (KIND_LABELS[alert.kind] || alert.kind) + (alert.audience === "supervisor" ? " (supervisor)" : "");
}

function metaText(alert) {
  return "raised " + ago(alert.raised_at) + (alert.acknowledged_at ? " · acknowledged " + ago(alert.acknowledged_at) : "");
}

// What an item shows apart from its clock: when this changes, the item is drawn again.
function looks(alert, canAcknowledge) {
  return [alert.kind, alert.audience, alert.severity, alert.message, alert.acknowledged_at || "", canAcknowledge, !!openIncident].join("|");
}

function fill(li, alert, canAcknowledge) {
  li.className = alert.severity + (alert.severity === "critical" && !alert.acknowledged_at ? " late" : "");
  li.dataset.alertId = alert.id;
  li.dataset.looks = looks(alert, canAcknowledge);
  var parts = [
    el("strong", { className: "alert-kind", text: kindText(alert) }),
    el("span", { text: alert.message }),
    KIND_TODO[alert.kind] ? el("span", { className: "alert-todo", text: "What to do: " + KIND_TODO[alert.kind] }) : null,
    el("span", { className: "alert-meta", text: metaText(alert) }),
  ];
  var callId = alert.data && alert.data.call_id;
  if (callId && !alert.incident_id) {
    parts.push(el("a", { href: "/calls/" + callId, target: "_blank", rel: "noopener", className: "alert-open",
      text: "Open call " + (alert.data.call_number || callId) }));
  }
  if (openIncident && alert.incident_id) {
    var show = el("button", { type: "button", className: "alert-open", text: "Open the incident",
      "aria-label": "Open the incident of: " + alert.message });
    show.addEventListener("click", function () { openIncident(alert.incident_id); });
    parts.push(show);
  }
  if (canAcknowledge && !alert.acknowledged_at) {
    var button = el("button", { type: "button", text: "Acknowledge", "aria-label": "Acknowledge: " + alert.message });
    button.addEventListener("click", function () { acknowledge(alert, button); });
    parts.push(button);
  }
  li.replaceChildren.apply(li, parts.filter(Boolean));
}

function render() {
  var panel = $("alert-panel");
  var list = $("alert-list");
  if (!panel || !list) return;
  var canAcknowledge = panel.dataset.canAcknowledge === "true";
  var open = Object.keys(alerts).map(function (id) { return alerts[id]; })
    .sort(function (a, b) { return b.id - a.id; });
  syncChildren(list, open, {
    key: function (a) { return a.id; },
    create: function (a) { var li = el("li"); fill(li, a, canAcknowledge); return li; },
    update: function (li, a) {
      if (li.dataset.looks !== looks(a, canAcknowledge)) fill(li, a, canAcknowledge);
      else setText(li.querySelector(".alert-meta"), metaText(a));
    },
  });
  setText($("alert-count"), String(open.length));
  $("alert-empty").hidden = open.length > 0;
}

function put(alert) {
  if (alert.cleared_at) delete alerts[alert.id];
  else alerts[alert.id] = alert;
  render();
}

export var AlertPanel = {
  // A page that shows incidents (the dispatch board) gets an "Open the incident" button on each
  // alert about one: fn(incident_id).
  onOpenIncident: function (fn) { openIncident = fn; render(); },
  snapshot: function (s) {
    alerts = {};
    (s.alerts || []).forEach(function (a) { if (!a.cleared_at) alerts[a.id] = a; });
    render();
  },
  event: function (e) {
    if (e.type !== "alert.raised" && e.type !== "alert.cleared") return;
    if (e.type === "alert.raised" && !alerts[e.data.id] && !e.data.cleared_at) {
      announce("Alert: " + kindText(e.data) + ". " + e.data.message);
    }
    put(e.data);
  },
};

var panel = $("alert-panel");
if (panel) {
  if (panel.dataset.connect === "true") connectLive({ snapshot: AlertPanel.snapshot, event: AlertPanel.event });
  // Keeps "n min ago" current; the refresh interval is the panel's (data-refresh-ms).
  setInterval(render, Number(panel.dataset.refreshMs) || 30000);
}
