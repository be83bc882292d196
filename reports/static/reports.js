// /reports: the figures of a period, fetched from the reports API (CONTRACT "Reports") and shown
// as key figures, charts and the tables that hold the same numbers. The period picker and the
// filters change the address (?period=…) and the figures without reloading the page; "Show" (or
// Enter) asks again. Periods come from the server, worked out in TIMEZONE (reports/pages.py).

import { api, errorText } from "/static/lib/http.js";
import { $, el } from "/static/lib/dom.js";
import { statusLabel } from "/static/lib/statuses.js";
import {
  COLORS, countsConfig, dailyCallsConfig, dailyResponseConfig, draw, duration, forget, minutes, percent, responseConfig,
} from "./charts.js";

// Words of the outcomes and dispositions as a report reads them (the statuses' words, EMS in capitals).
function words(key) {
  return statusLabel(key).replace(/\bems\b/, "EMS");
}

const root = $("reports");
const settings = JSON.parse(root.dataset.settings);
const form = $("report-form");
const DISPOSITIONS = ["phone", "mobile_team", "co_response", "emergency_911"];
const PRIORITIES = ["emergent", "urgent", "routine"];
const INTERVALS = [
  ["answer_to_dispatch", "Answer to dispatch", "call answered → first dispatch"],
  ["acknowledge", "Acknowledgement", "dispatch → team acknowledged"],
  ["turnout", "Turnout", "dispatch → en route"],
  ["travel", "Travel", "en route → on scene"],
  ["response", "Response", "call answered → on scene"],
  ["on_scene", "Time on scene", "on scene → transport or clear"],
];
let asked = 0; // the newest request: an older answer that arrives late is dropped

// --- the period ------------------------------------------------------------------------------

function nextDay(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

function dayWords(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-US", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
}

// What the form asks for: {period, from, to, priority, area, words} or {problem}.
function chosen() {
  const period = (form.querySelector("input[name=period]:checked") || {}).value || "7d";
  const priority = form.priority.value;
  const area = form.area ? form.area.value : "";
  let from, to, words;
  if (period === "custom") {
    const first = $("from-date").value, last = $("to-date").value;
    if (!first || !last) return { problem: "Choose both dates of the period (from and to)." };
    if (first > last) return { problem: "The first date is after the second: choose a period that runs forward." };
    from = first;
    to = nextDay(last);
    words = first === last ? dayWords(first) : dayWords(first) + " – " + dayWords(last);
  } else {
    const preset = settings.periods[period];
    from = preset.from;
    to = preset.to;
    words = preset.label;
  }
  const only = [priority ? priority + " only" : "", area ? "area " + area : ""].filter(Boolean).join(", ");
  return { period, from, to, priority, area, words: words + (only ? " · " + only : "") };
}

function apiQuery(c, extra) {
  const q = new URLSearchParams({ from: c.from, to: c.to });
  if (c.priority) q.set("priority", c.priority);
  if (c.area) q.set("area", c.area);
  Object.entries(extra || {}).forEach(([k, v]) => q.set(k, v));
  return q.toString();
}

function pageQuery(c) {
  const q = new URLSearchParams({ period: c.period });
  if (c.period === "custom") { q.set("from", $("from-date").value); q.set("to", $("to-date").value); }
  if (c.priority) q.set("priority", c.priority);
  if (c.area) q.set("area", c.area);
  return q.toString();
}

// The arrival target of a priority, in seconds (rural only when the area chosen is rural).
function targetOf(priority, area) {
  if (!priority) return null;
  const rural = (settings.areas || []).some((a) => a.name === area && a.rural);
  if (priority === "emergent" && rural) return settings.targets.emergent_rural;
  return settings.targets[priority];
}

// --- showing ---------------------------------------------------------------------------------

function say(text) {
  const box = $("report-message");
  box.textContent = text || "";
  box.hidden = !text;
}

function rows(table, lines) {
  const body = table.tBodies[0];
  body.replaceChildren(...lines.map((cells) => el("tr", {}, cells.map((cell, i) => {
    const text = typeof cell === "object" && cell !== null ? cell.text : String(cell);
    const attrs = typeof cell === "object" && cell !== null ? cell.attrs || {} : {};
    return el(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : null, text, ...attrs });
  }))));
}

function tile(term, value, detail, key) {
  return [el("div", { className: "tile", "data-figure": key }, [
    el("dt", { text: term }), el("dd", { className: "value", text: value }), el("dd", { className: "detail", text: detail }),
  ])];
}

function showTiles(s) {
  const teams = s.by_disposition.mobile_team + s.by_disposition.co_response;
  const response = s.intervals.response;
  const nodes = [
    ...tile("Calls", String(s.calls), teams + " with a team, " + s.by_disposition.emergency_911 + " to 911", "calls"),
    ...tile("Responses", String(s.incidents), s.cleared + " cleared", "incidents"),
    ...tile("Response within target", percent(s.response_within_target_share),
      response.n ? "of " + response.n + " teams on scene" : "no team on scene", "within_target"),
    ...tile("No police present", percent(s.police_free_share),
      s.police_free_share === null ? "no cleared response" : "of " + s.cleared + " cleared responses", "police_free"),
    ...tile("Follow-ups done in their window", percent(s.followups.share),
      s.followups.due ? s.followups.done_in_window + " of " + s.followups.due + " due" : "none due in this period", "followups"),
    ...tile("911 transfers", String(s.transfers_911.n),
      s.transfers_911.n ? "median " + duration(s.transfers_911.median_s) + " to transfer" : "none recorded", "transfers"),
  ];
  $("tiles").replaceChildren(...nodes);
}

function targetWords(target) {
  return target ? "target " + duration(target) : "";
}

function showResponse(c, byPriority) {
  const holder = $("response-charts");
  holder.querySelectorAll("canvas").forEach(forget);
  holder.replaceChildren();
  const shown = byPriority.filter((entry) => entry.summary.intervals.response.n > 0);
  $("response-none").hidden = shown.length > 0;
  shown.forEach(({ priority, summary }) => {
    const r = summary.intervals.response;
    const target = targetOf(priority, c.area);
    const canvas = el("canvas", { role: "img", "data-priority": priority, "aria-describedby": "table-response-caption" });
    const figure = el("figure", { className: "multiple" }, [
      el("figcaption", { text: priority.charAt(0).toUpperCase() + priority.slice(1) + " (" + r.n + " on scene)" }),
      el("div", { className: "chart short" }, [canvas]),
    ]);
    holder.append(figure);
    const label = priority + " response: median " + duration(r.median_s) + ", 90th percentile " + duration(r.p90_s) +
      (target ? ", " + targetWords(target) + ", " + percent(summary.response_within_target_share) + " within target" : "");
    draw(canvas, responseConfig({ median: r.median_s, p90: r.p90_s, target, targetWords: targetWords(target) }), label);
  });
  rows($("table-response"), byPriority.map(({ priority, summary }) => {
    const r = summary.intervals.response;
    const target = targetOf(priority, c.area);
    return [priority, r.n, duration(r.median_s), duration(r.p90_s),
      target ? duration(target) + (priority === "emergent" && !c.area && settings.areas.some((a) => a.rural) ? " (rural " + duration(settings.targets.emergent_rural) + ")" : "") : "—",
      percent(summary.response_within_target_share)];
  }));
}

function showIntervals(s) {
  rows($("table-intervals"), INTERVALS.map(([key, name, span]) => {
    const figure = s.intervals[key];
    return [name, span, figure.n, duration(figure.median_s), duration(figure.p90_s)];
  }));
}

// Calls per day (every disposition) and the response time per day of one priority (the one chosen,
// else emergent: a median over every priority mixes a 1-hour target with a 72-hour one).
function showDaily(c, days, timed, timedPriority) {
  const labels = days.map((d) => dayWords(d.day));
  const series = DISPOSITIONS.map((key) => ({ key, label: words(key), data: days.map((d) => d.by_disposition[key]) }));
  const total = days.reduce((n, d) => n + d.calls, 0);
  draw($("chart-daily"), dailyCallsConfig({ labels, series }),
    "Calls per day by disposition over " + days.length + " days, " + total + " calls in all; the table below has each day's numbers.");
  const target = targetOf(timedPriority, c.area);
  const name = timedPriority.charAt(0).toUpperCase() + timedPriority.slice(1);
  $("daily-response-words").textContent = name + " response";
  draw($("chart-daily-response"), dailyResponseConfig({
    labels,
    title: name + " response time per day",
    median: timed.map((d) => minutes(d.intervals.response.median_s)),
    p90: timed.map((d) => minutes(d.intervals.response.p90_s)),
    target,
    targetWords: targetWords(target),
  }), name + " response time per day, median and 90th percentile, against the " + targetWords(target) +
    "; the table below has each day's numbers.");
  rows($("table-daily"), days.map((d, i) => [
    dayWords(d.day), d.calls, d.by_disposition.phone, d.by_disposition.mobile_team, d.by_disposition.co_response,
    d.by_disposition.emergency_911, timed[i].intervals.response.n, duration(timed[i].intervals.response.median_s),
    duration(timed[i].intervals.response.p90_s), percent(timed[i].response_within_target_share),
  ]));
}

function showDispositions(s) {
  const counts = DISPOSITIONS.map((key) => s.by_disposition[key]);
  draw($("chart-dispositions"), countsConfig({
    labels: DISPOSITIONS.map(words), data: counts, colors: DISPOSITIONS.map((key) => COLORS[key]),
  }), "Calls by disposition: " + DISPOSITIONS.map((key, i) => words(key) + " " + counts[i]).join(", "));
  rows($("table-dispositions"), DISPOSITIONS.map((key, i) => [words(key), counts[i], percent(s.calls ? counts[i] / s.calls : null)]));
}

function showOutcomes(s) {
  const entries = Object.entries(s.outcomes || {});
  const total = entries.reduce((n, [, count]) => n + count, 0);
  const given = entries.filter(([, count]) => count > 0).sort((a, b) => b[1] - a[1]);
  $("outcomes-none").hidden = total > 0;
  const canvas = $("chart-outcomes");
  canvas.parentElement.hidden = total === 0;
  if (total) {
    draw(canvas, countsConfig({ labels: given.map(([key]) => words(key)), data: given.map(([, n]) => n) }),
      "Responses by outcome: " + given.map(([key, n]) => words(key) + " " + n).join(", "));
  } else {
    forget(canvas);
  }
  const ordered = entries.slice().sort((a, b) => b[1] - a[1] || statusLabel(a[0]).localeCompare(statusLabel(b[0])));
  rows($("table-outcomes"), ordered.map(([key, count]) => [words(key), count, percent(total ? count / total : null)]));
}

function showFollowups(s) {
  const f = s.followups;
  rows($("table-followups"), [
    ["Due in this period (window ended)", f.due],
    ["Done within their window (reached or declined)", f.done_in_window],
    ["Share done within their window", percent(f.share)],
  ]);
  const t = s.transfers_911;
  rows($("table-transfers"), [
    ["Calls sent to 911", s.by_disposition.emergency_911],
    ["Transfers recorded", t.n],
    ["Median, call answered → transfer", duration(t.median_s)],
  ]);
}

// --- asking ----------------------------------------------------------------------------------

async function load() {
  const c = chosen();
  if (c.problem) { say(c.problem); return; }
  const mine = ++asked;
  history.replaceState(null, "", "?" + pageQuery(c));
  $("csv-link").href = "/api/v1/reports/incidents.csv?" + apiQuery(c);
  $("period-words").textContent = "Calls received " + c.words.replace(/^This shift/, "this shift").replace(/^Today/, "today").replace(/^Last/, "in the last") + ".";
  say("");
  root.setAttribute("aria-busy", "true");
  const priorities = c.priority ? [c.priority] : PRIORITIES;
  const timedPriority = c.priority || "emergent";
  const answers = await Promise.all([
    api("GET", "/api/v1/reports/summary?" + apiQuery(c)),
    api("GET", "/api/v1/reports/daily?" + apiQuery(c, { limit: 500 })),
    c.priority ? null : api("GET", "/api/v1/reports/daily?" + apiQuery({ ...c, priority: timedPriority }, { limit: 500 })),
    ...priorities.map((p) => api("GET", "/api/v1/reports/summary?" + apiQuery({ ...c, priority: p }))),
  ]).then((all) => (all[2] === null ? [all[0], all[1], all[1], ...all.slice(3)] : all));
  if (mine !== asked) return;
  root.removeAttribute("aria-busy");
  const failed = answers.find((a) => !a.ok);
  if (failed) {
    say("The figures could not be read: " + errorText(failed));
    $("report-body").hidden = true;
    return;
  }
  const [summary, daily, timedDaily, ...perPriority] = answers.map((a) => a.data);
  const empty = summary.calls === 0;
  $("report-empty").hidden = !empty;
  $("report-body").hidden = empty;
  root.dataset.loaded = String(mine); // tests and scripts wait for this
  if (empty) return;
  showTiles(summary);
  showResponse(c, priorities.map((priority, i) => ({ priority, summary: perPriority[i] })));
  showIntervals(summary);
  showDaily(c, daily, timedDaily, timedPriority);
  showDispositions(summary);
  showOutcomes(summary);
  showFollowups(summary);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
// Choosing a period or a filter shows it at once (one request per choice, not per key press:
// radio buttons and selects change on a decision; the dates wait for "Show" or Enter).
form.addEventListener("change", (event) => {
  const target = event.target;
  if (target.type === "date") {
    $("period-custom").checked = true;
    return;
  }
  load();
});

load();
