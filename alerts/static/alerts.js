// The alert panel (alerts/templates/alerts/panel.html): open alerts from the live snapshot,
// kept current by alert.raised / alert.cleared events; Acknowledge posts to the API.
//
//   Live.connect({ snapshot(s) { AlertPanel.snapshot(s); ... }, event(e) { AlertPanel.event(e); ... } })
//
// or, with data-connect="true" on the panel, the panel opens its own connection.
(function () {
  "use strict";

  var KIND_LABELS = {
    ack_overdue: "Not acknowledged",
    reassign_suggested: "Reassign?",
    checkin_missed: "Missed check-in",
    duress: "DURESS",
    pending_sla: "Emergent waiting",
    sms_failed: "SMS failed",
    followup_overdue: "Follow-up overdue",
    position_stale: "Position stale",
  };
  var alerts = {};  // id -> alert

  function el(id) { return document.getElementById(id); }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function ago(iso) {
    var seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 90) return seconds + " s ago";
    return Math.round(seconds / 60) + " min ago";
  }

  function showError(text) {
    var box = el("alert-error");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function acknowledge(alert, button) {
    button.disabled = true;
    fetch("/api/v1/alerts/" + alert.id + "/acknowledge", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error((body.error && body.error.message) || ("HTTP " + response.status));
        showError("");
        put(body);
      });
    }).catch(function (error) {
      button.disabled = false;
      showError("Could not acknowledge the alert: " + error.message);
    });
  }

  function item(alert, canAcknowledge) {
    var li = document.createElement("li");
    li.className = alert.severity;
    if (alert.severity === "critical" && !alert.acknowledged_at) li.classList.add("late");
    li.dataset.alertId = alert.id;
    var kind = document.createElement("strong");
    kind.className = "alert-kind";
    kind.textContent = (KIND_LABELS[alert.kind] || alert.kind) + (alert.audience === "supervisor" ? " (supervisor)" : "");
    var message = document.createElement("span");
    message.textContent = alert.message;
    var meta = document.createElement("span");
    meta.className = "alert-meta";
    meta.textContent = "raised " + ago(alert.raised_at) +
      (alert.acknowledged_at ? " · acknowledged " + ago(alert.acknowledged_at) : "");
    li.append(kind, message, meta);
    if (canAcknowledge && !alert.acknowledged_at) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Acknowledge";
      button.setAttribute("aria-label", "Acknowledge: " + alert.message);
      button.addEventListener("click", function () { acknowledge(alert, button); });
      li.append(button);
    }
    return li;
  }

  function render() {
    var panel = el("alert-panel");
    var list = el("alert-list");
    if (!panel || !list) return;
    var canAcknowledge = panel.dataset.canAcknowledge === "true";
    var open = Object.keys(alerts).map(function (id) { return alerts[id]; })
      .sort(function (a, b) { return b.id - a.id; });
    var focusedId = document.activeElement && document.activeElement.closest
      ? (document.activeElement.closest("li[data-alert-id]") || {}).dataset : null;
    list.replaceChildren.apply(list, open.map(function (a) { return item(a, canAcknowledge); }));
    if (focusedId && focusedId.alertId) {  // keep keyboard focus on the same alert after a repaint
      var again = list.querySelector('li[data-alert-id="' + focusedId.alertId + '"] button');
      if (again) again.focus();
    }
    el("alert-count").textContent = String(open.length);
    el("alert-empty").hidden = open.length > 0;
  }

  function put(alert) {
    if (alert.cleared_at) delete alerts[alert.id];
    else alerts[alert.id] = alert;
    render();
  }

  var AlertPanel = {
    snapshot: function (s) {
      alerts = {};
      (s.alerts || []).forEach(function (a) { if (!a.cleared_at) alerts[a.id] = a; });
      render();
    },
    event: function (e) {
      if (e.type === "alert.raised" || e.type === "alert.cleared") put(e.data);
    },
  };
  window.AlertPanel = AlertPanel;

  document.addEventListener("DOMContentLoaded", function () {
    var panel = el("alert-panel");
    if (panel && panel.dataset.connect === "true" && window.Live) {
      Live.connect({ snapshot: AlertPanel.snapshot, event: AlertPanel.event });
    }
    setInterval(render, 30000);  // keep "n min ago" current
  });
})();
