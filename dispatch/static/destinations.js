// "Destinations" on the dispatch board's incident detail: the facilities that take the person,
// open beds first, then by ETA from the incident (GET /api/v1/incidents/<id>/facilities), each
// with its open beds, a stale mark, the ETA and its reasons. Read again when a facility changes
// (`facility.updated`: beds, incoming) and when the incident does (needs, location, status).
//
//   import { Destinations } from "/static/dispatch/destinations.js";
//   Destinations.show(incident);  // on select and whenever the incident changes
//   Destinations.event(e);        // every live event
import { $, el, setText, syncChildren } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";
import { IncidentStatus, isOpen, statusLabel } from "/static/lib/statuses.js";

var current = null;   // the incident shown
var shownFor = null;  // the incident id the list was read for
var seen = "";        // what of the incident the list was read for (its version, status, destination)
var timer = 0;
var asked = 0;        // the number of the last read: an older answer arriving late is dropped

function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "no ETA";
  return seconds < 60 ? "<1 min" : Math.round(seconds / 60) + " min";
}

function bedsWords(d) {
  if (d.available > 0) return d.available + " " + d.bed_type + (d.available === 1 ? " bed" : " beds") + " open";
  return d.total > 0 ? "no " + d.bed_type + " bed open (0 of " + d.total + ")" : "no bed count";
}

function wanted(incident) {
  // Not while it waits for a unit (the recommendations are what matters then), nor once closed.
  return !!incident && isOpen(incident.status) && incident.status !== IncidentStatus.PENDING;
}

function row(d) {
  var li = el("li", {});
  update(li, d);
  return li;
}

function update(li, d) {
  var chosen = current && current.facility_id === d.facility_id;
  li.className = "dest" + (d.available > 0 ? " open" : "") + (d.beds_stale ? " is-stale" : "") + (chosen ? " chosen" : "");
  li.replaceChildren(
    el("div", { className: "dest-head" }, [
      el("span", { className: "dest-name", text: d.name }),
      el("span", { className: "dest-kind", text: statusLabel(d.kind) }),
      el("span", { className: "dest-eta", text: minutes(d.eta_seconds) }),
    ]),
    el("div", { className: "dest-beds" }, [
      el("strong", { text: bedsWords(d) }),
      d.beds_stale ? el("span", { className: "badge stale-count", text: "stale count" }) : null,
      chosen ? el("span", { className: "badge chosen-mark", text: "destination" }) : null,
    ]),
    // The rest of the reasons on one line (the beds and the ETA are shown above).
    el("p", { className: "dest-reasons", text: d.reasons.slice(1).filter(function (r) { return !/ away$/.test(r); }).join(" · ") }),
  );
}

function render(answer) {
  var list = $("destinations");
  var items = answer.facilities || [];
  syncChildren(list, items, { key: function (d) { return d.facility_id; }, create: row, update: update });
  var open = items.filter(function (d) { return d.available > 0; }).length;
  var words = items.length
    ? open + " of " + items.length + " with an open " + answer.bed_type + " bed" + (answer.located ? "" : "; no ETA: the incident has no location")
    : "No active facility takes this person (" + answer.bed_type + " bed).";
  setText($("destinations-text"), words);
}

function load() {
  var incident = current;
  if (!wanted(incident)) return;
  var mine = ++asked;
  api("GET", "/api/v1/incidents/" + incident.id + "/facilities").then(function (result) {
    if (mine !== asked || !current || current.id !== incident.id) return;
    if (!result.ok) { setText($("destinations-text"), "Destinations could not be read: " + errorMessage(result)); return; }
    shownFor = incident.id;
    render(result.data);
  });
}

function soon() { clearTimeout(timer); timer = setTimeout(load, 250); }

export var Destinations = {
  show: function (incident) {
    var box = $("destinations-box");
    current = incident;
    var now = [incident.version, incident.status, incident.facility_id].join("|");
    box.hidden = !wanted(incident);
    if (box.hidden) return;
    var changed = now !== seen;
    seen = now;
    if (shownFor !== incident.id) {
      $("destinations").replaceChildren();
      setText($("destinations-text"), "Reading the destinations…");
      load();
    } else if (changed) soon();
  },

  event: function (e) {
    if (!wanted(current)) return;
    if (e.type === "facility.updated") soon();
  },
};
