// Links and words for a call record, for every page that names calls (the call search, the call
// page, the follow-up queue, recent calls): the call by its number (never an internal id), the
// callback number as a tel: link, and times in the reader's own time zone.
import { el } from "/static/lib/dom.js";
import { statusLabel } from "/static/lib/statuses.js";

// "/calls/17": the page of one call.
export function callHref(callId) {
  return "/calls/" + encodeURIComponent(callId);
}

// <a href="/calls/17">C-2026-000017</a>
export function callLink(callId, number, attrs) {
  return el("a", Object.assign({ href: callHref(callId), text: number || "the call" }, attrs || {}));
}

// "+18025550100" -> "(802) 555-0100"; any other number as it was stored.
export function phoneWords(phone) {
  var us = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone || "");
  return us ? "(" + us[1] + ") " + us[2] + "-" + us[3] : phone || "";
}

// <a href="tel:+18025550100">(802) 555-0100</a>, or a dash when there is no number.
export function telLink(phone, attrs) {
  if (!phone) return el("span", { className: "muted", text: "—" });
  var dial = String(phone).replace(/[^\d+]/g, "");
  return el("a", Object.assign({ href: "tel:" + dial, className: "tel", text: phoneWords(phone) }, attrs || {}));
}

// "Tue 1 Dec, 14:05" in the reader's time zone; the full ISO time is the element's datetime.
export function localTime(iso, withYear) {
  if (!iso) return el("span", { className: "muted", text: "—" });
  var at = new Date(iso);
  var options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  if (withYear) options.year = "numeric";
  return el("time", { datetime: iso, title: at.toString(), text: at.toLocaleString([], options) });
}

// "mobile_team" -> "mobile team", "co_response" -> "co-response (team with police)",
// "emergency_911" -> "911": the labels every page uses (core/pages.py, statuses.js).
export function words(value) {
  if (value === null || value === undefined || value === "") return "—";
  return statusLabel(value);
}
