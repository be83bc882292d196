// Who rides with a unit, in words, for every screen that shows units (the board, the map): the
// server's unit JSON carries "crew" [{name, role, role_label}], "crew_set_at", "crew_set_by" and
// "staffing_flags" (words, dispatch/crew.py). A flag is shown as words after a "Staffing:" label
// and a sign, never by colour alone.
import { el } from "/static/lib/dom.js";

// "Dana Reyes (clinician), Sam Ortiz (peer specialist)"; "" when nobody is recorded.
export function crewText(unit) {
  return (unit.crew || []).map(function (p) { return p.name + " (" + (p.role_label || p.role) + ")"; }).join(", ");
}

// "no clinician; fewer than two staff" or "".
export function flagText(unit) {
  return (unit.staffing_flags || []).join("; ");
}

// "set 21:04" today, "set 14 h ago" after 12 hours: a crew set that long ago may be last shift's.
export function setWords(unit, now) {
  if (!unit.crew_set_at) return "";
  var at = Date.parse(String(unit.crew_set_at).replace(/(\.\d{3})\d+/, "$1"));
  if (isNaN(at)) return "";
  var hours = ((now || Date.now()) - at) / 3600000;
  if (hours >= 12) return "set " + Math.floor(hours) + " h ago";
  return "set " + new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// The unit's crew as the unit list shows it: one line of names and roles, and the flag in words
// (nothing for a unit off duty or out of service that has no crew: nobody expects one).
export function crewLines(unit) {
  var text = crewText(unit);
  var when = setWords(unit);
  var flags = flagText(unit);
  if (!text && !flags) return [];
  return [
    el("span", { className: "crew-line", "data-crew": unit.id }, [
      el("span", { className: "crew-label", text: "Crew: " }),
      text || el("span", { className: "muted", text: "none recorded" }),
      when ? el("span", { className: "crew-when" + (/ago$/.test(when) ? " old" : ""), text: " · " + when }) : null,
    ]),
    flags ? el("span", { className: "staffing-flag", "data-staffing-flag": unit.id }, [
      el("span", { "aria-hidden": "true", text: "⚠ " }), el("strong", { text: "Staffing: " }), flags,
    ]) : null,
  ];
}
