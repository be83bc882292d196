// Incident and unit statuses as the server's state machine names them (dispatch/states.py),
// read from the JSON every page carries (<script type="application/json" id="statuses">, put
// there by core/pages.py). Pages compare with these names instead of spelling the strings.
//
//   import { IncidentStatus, isOpen } from "/static/lib/statuses.js";
//   if (incident.status === IncidentStatus.PENDING) ...

const source = document.getElementById("statuses");
const data = source ? JSON.parse(source.textContent) : null;
if (!data) throw new Error("this page carries no #statuses: it must extend base.html");

// {PENDING: "pending", DISPATCHED: "dispatched", ...}
export const IncidentStatus = Object.freeze(data.incident);
export const UnitStatus = Object.freeze(data.unit);
export const Availability = Object.freeze(data.availability);

const OPEN = new Set(data.open);
const ON_THE_WAY = new Set(data.onTheWay);

// Open: a response is still under way (pending .. at_facility), in the lifecycle's order.
export const OPEN_STATUSES = Object.freeze(data.open.slice());

export function isOpen(status) {
  return OPEN.has(status);
}

// Assigned and not there yet (dispatched, acknowledged, en_route): the unit is on its way.
export function isOnTheWay(status) {
  return ON_THE_WAY.has(status);
}

// "en_route" -> "en route"; any other word with underscores the same way.
export function statusLabel(status) {
  if (status === null || status === undefined) return "";
  return data.labels[status] || String(status).replace(/_/g, " ");
}
