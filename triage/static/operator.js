// Call intake: the questionnaire form built from the questionnaire JSON, keyboard first.
// Y/N/U (first letter of an option) answer the focused question, Enter moves to the next visible
// question; branches appear and vanish with show_if; a debounced preview from /triage/evaluate.
import { el } from "/static/lib/dom.js";
import { api, orThrow } from "/static/lib/http.js";
import { connectLive } from "/static/lib/live.js";

var API = "/api/v1";
var root = document.getElementById("intake");
var canLog = root.getAttribute("data-can-log") === "true";
var form = document.getElementById("call-form");
var host = document.getElementById("questionnaire");
var questionnaire = null;
var questions = [];          // in questionnaire order
var byId = {};
var idempotencyKey = newKey();
var previewTimer = null;
var previewSeq = 0;
var sending = false;
var recent = [];             // call JSON, newest first

var WORDS = {
  phone: "phone", mobile_team: "mobile team", co_response: "co-response (team with police)",
  emergency_911: "911", none: "none", low: "low", moderate: "moderate", high: "high",
  incomplete: "incomplete", emergent: "emergent", urgent: "urgent", routine: "routine",
};
function words(value) { return value == null ? "none" : (WORDS[value] || value); }

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  var bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
}

// -> Promise of {status, data}; rejects with an Error carrying `status` and `fields`.
function request(method, path, body, headers) {
  var offline = "No connection to the server. Nothing was saved; try again.";
  return api(method, API + path, { body: body, headers: headers, offline: offline }).then(orThrow);
}

// --- the form -----------------------------------------------------------------------------

function optionKey(option, used) {
  var letter = option.charAt(0).toLowerCase();
  return used[letter] ? null : (used[letter] = true, letter);
}

function render(q) {
  questionnaire = q;
  host.textContent = "";
  host.removeAttribute("aria-busy");
  q.sections.forEach(function (section) {
    var box = el("section", { "class": "card section", "aria-labelledby": "section-" + section.id });
    box.appendChild(el("h2", { id: "section-" + section.id }, [section.title]));
    if (section.instructions) box.appendChild(el("p", { "class": "muted" }, [section.instructions]));
    section.questions.forEach(function (question) {
      box.appendChild(renderQuestion(question));
    });
    host.appendChild(box);
  });
  var licence = el("p", { "class": "muted licence" }, [q.title + " · " + q.licence]);
  host.appendChild(licence);
  updateVisibility();
}

function renderQuestion(question) {
  var id = "q-" + question.id;
  var entry = { question: question, node: null, inputs: [], keys: {} };
  var box;
  if (question.type === "text") {
    box = el("div", { "class": "question", "data-question": question.id, id: id });
    var label = el("label", { "for": id + "-input" }, [question.text]);
    var input = el("input", { id: id + "-input", type: "text", maxlength: "500", "data-question": question.id });
    if (question.format === "language_code") input.setAttribute("placeholder", "e.g. es");
    box.appendChild(label);
    box.appendChild(input);
    entry.inputs = [input];
    input.addEventListener("input", changed);
  } else {
    box = el("fieldset", { "class": "question", "data-question": question.id, id: id });
    box.appendChild(el("legend", {}, [question.text]));
    var choices = el("div", { "class": "choices" });
    var used = {};
    question.options.forEach(function (option) {
      var key = optionKey(option, used);
      var radio = el("input", { type: "radio", name: id, value: option, id: id + "-" + option, "data-question": question.id });
      var label = el("label", { "for": id + "-" + option, "class": "choice" });
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + option + (key ? " (" + key.toUpperCase() + ")" : "")));
      choices.appendChild(label);
      entry.inputs.push(radio);
      if (key) entry.keys[key] = radio;
      radio.addEventListener("change", changed);
    });
    box.appendChild(choices);
  }
  if (question.help) box.appendChild(el("p", { "class": "muted help" }, [question.help]));
  box.addEventListener("keydown", function (event) { onKey(event, entry); });
  entry.node = box;
  questions.push(entry);
  byId[question.id] = entry;
  return box;
}

function valueOf(entry) {
  if (entry.question.type === "text") return entry.inputs[0].value.trim();
  for (var i = 0; i < entry.inputs.length; i++) if (entry.inputs[i].checked) return entry.inputs[i].value;
  return "";
}

function clear(entry) {
  entry.inputs.forEach(function (input) {
    if (input.type === "radio") input.checked = false; else input.value = "";
  });
}

// show_if in its browser form: {"question","equals"}, {"question","in"}, [all...], {"any": [...]}.
function holds(condition, answers) {
  if (Array.isArray(condition)) return condition.every(function (c) { return holds(c, answers); });
  if (condition.any) return condition.any.some(function (c) { return holds(c, answers); });
  var value = answers[condition.question];
  if (value === undefined) return false;  // unanswered or hidden: matches no value
  if ("equals" in condition) return value === condition.equals;
  return (condition["in"] || []).indexOf(value) >= 0;
}

// Shown answers only: a question that is hidden by its branch loses its answer.
function updateVisibility() {
  var answers = {};
  questions.forEach(function (entry) {
    var shown = !entry.question.show_if || holds(entry.question.show_if, answers);
    if (!shown && valueOf(entry) !== "") clear(entry);
    entry.node.hidden = !shown;
    entry.inputs.forEach(function (input) { input.disabled = !shown; });
    var value = valueOf(entry);
    if (shown && value !== "") answers[entry.question.id] = value;
  });
  return answers;
}

function currentAnswers() { return updateVisibility(); }

function visibleEntries() { return questions.filter(function (entry) { return !entry.node.hidden; }); }

function focusEntry(entry) {
  if (entry.question.type === "text") { entry.inputs[0].focus(); return; }
  var checked = entry.inputs.filter(function (i) { return i.checked; })[0];
  (checked || entry.inputs[0]).focus();
}

function moveOn(entry) {
  var list = visibleEntries();
  var next = list[list.indexOf(entry) + 1];
  if (next) focusEntry(next);
  else document.getElementById("narrative").focus();
}

function onKey(event, entry) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === "Enter") {
    event.preventDefault();
    moveOn(entry);
    return;
  }
  if (entry.question.type === "text") return;
  var radio = entry.keys[event.key.toLowerCase()];
  if (radio) {
    event.preventDefault();
    radio.checked = true;
    radio.focus();
    changed();
  }
}

function changed() {
  document.getElementById("saved").textContent = "";
  updateVisibility();
  schedulePreview();
}

// --- the preview --------------------------------------------------------------------------

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, 200);
}

function setPill(id, value, kind) {
  var node = document.getElementById(id);
  node.textContent = words(value);
  node.className = "pill " + kind + "-" + (value || "none");
}

function clearPreview() {
  ["preview-risk", "preview-disposition", "preview-priority"].forEach(function (id) {
    var node = document.getElementById(id);
    node.textContent = "—";
    node.className = "pill";
  });
  document.getElementById("preview-status").textContent = "Answer the questions to see the triage.";
  document.getElementById("preview-reasons").textContent = "";
  showBanner(null);
}

function preview() {
  var mine = ++previewSeq;
  var answers = currentAnswers();
  if (!Object.keys(answers).length) { clearPreview(); return; }
  var body = { answers: answers, questionnaire: { id: questionnaire.id, version: questionnaire.version } };
  request("POST", "/triage/evaluate", body).then(function (result) {
    if (mine !== previewSeq) return;  // a newer preview is on its way
    var r = result.data;
    setPill("preview-risk", r.risk_level, "risk");
    setPill("preview-disposition", r.disposition, "disposition");
    setPill("preview-priority", r.priority, "priority");
    document.getElementById("preview-status").textContent = r.complete
      ? "Screening complete." : "Screening incomplete: " + r.missing.length + " question(s) still to ask.";
    var list = document.getElementById("preview-reasons");
    list.textContent = "";
    r.reasons.forEach(function (reason) { list.appendChild(el("li", {}, [reason])); });
    showBanner(r.disposition === "emergency_911" ? r.instruction || "Transfer to 911 now" : null);
  }, function (error) {
    if (mine !== previewSeq) return;
    document.getElementById("preview-status").textContent = "Preview not available: " + error.message;
    markFields(error.fields);
  });
}

function showBanner(text) {
  var banner = document.getElementById("banner-911");
  if (text) {
    if (banner.hidden || banner.textContent !== text) banner.textContent = text;
    banner.hidden = false;
  } else {
    banner.hidden = true;
    banner.textContent = "";
  }
}

function markFields(fields) {
  document.querySelectorAll(".question.invalid").forEach(function (n) { n.classList.remove("invalid"); });
  Object.keys(fields || {}).forEach(function (name) {
    var entry = byId[name.replace(/^answers\./, "")];
    if (entry) entry.node.classList.add("invalid");
  });
}

// Enter in a caller or location field moves on instead of sending a half-filled call.
form.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key !== "Enter" || target.closest(".question") || target.tagName === "TEXTAREA" ||
      target.tagName === "BUTTON" || target.type === "checkbox") return;
  event.preventDefault();
  var fields = Array.prototype.filter.call(form.querySelectorAll("input, select, textarea, button"), function (n) {
    return !n.disabled && n.offsetParent !== null && (n.type !== "radio" || n.checked || !n.form ||
      !form.querySelector('input[name="' + n.name + '"]:checked'));
  });
  var next = fields[fields.indexOf(target) + 1];
  if (next) next.focus();
});

// --- override and submit ------------------------------------------------------------------

var overrideOn = document.getElementById("override-on");
overrideOn.addEventListener("change", function () {
  document.getElementById("override-fields").hidden = !overrideOn.checked;
});

function number(id) {
  var text = document.getElementById(id).value.trim();
  return text === "" ? null : Number(text);
}

function payload() {
  var body = {
    caller: {
      phone: document.getElementById("caller-phone").value.trim() || null,
      name: document.getElementById("caller-name").value.trim() || null,
      relation: document.getElementById("caller-relation").value || null,
    },
    location: { address: document.getElementById("location-address").value.trim() || null },
    answers: currentAnswers(),
    narrative: document.getElementById("narrative").value.trim() || null,
    questionnaire: { id: questionnaire.id, version: questionnaire.version },
  };
  var lat = number("location-lat"), lon = number("location-lon");
  if (lat !== null && !isNaN(lat)) body.location.lat = lat;
  if (lon !== null && !isNaN(lon)) body.location.lon = lon;
  if (overrideOn.checked) {
    body.override = {
      disposition: document.getElementById("override-disposition").value || null,
      priority: document.getElementById("override-priority").value || null,
      reason: document.getElementById("override-reason").value.trim(),
    };
  }
  return body;
}

form.addEventListener("submit", function (event) {
  event.preventDefault();
  if (!canLog || sending || !questionnaire) return;
  var errorBox = document.getElementById("form-error");
  var overrideError = document.getElementById("override-error");
  errorBox.textContent = "";
  overrideError.textContent = "";
  var body = payload();
  if (body.override && !body.override.reason) {
    overrideError.textContent = "Write why you override the computed decision.";
    document.getElementById("override-reason").focus();
    return;
  }
  sending = true;
  var button = document.getElementById("submit-call");
  button.disabled = true;
  button.textContent = "Saving…";
  request("POST", "/calls", body, { "Idempotency-Key": idempotencyKey }).then(function (result) {
    var call = result.data;
    var saved = "Call " + call.number + " saved: " + words(call.disposition) +
      (call.priority ? ", " + words(call.priority) : "") + (call.incident_id ? ", incident opened for dispatch." : ".");
    if (call.transfer_instruction) saved += " " + call.transfer_instruction + ".";
    if (!call.location.resolved && call.location.address) saved += " The address was not found on the map: dispatch will confirm it.";
    addRecent(call);
    resetForm();
    document.getElementById("saved").textContent = saved;
  }, function (error) {
    errorBox.textContent = "The call was not saved: " + error.message +
      Object.keys(error.fields || {}).map(function (k) { return " " + k + ": " + error.fields[k] + "."; }).join("");
    markFields(error.fields);
    if (error.fields && error.fields["override.reason"]) document.getElementById("override-reason").focus();
  }).then(function () {
    sending = false;
    button.disabled = !canLog;
    button.textContent = "Save call";
  });
});

function resetForm() {
  form.reset();
  document.getElementById("override-fields").hidden = true;
  questions.forEach(clear);
  markFields({});
  idempotencyKey = newKey();  // a new form is a new call
  updateVisibility();
  preview();
  document.getElementById("caller-phone").focus();
}

// --- recent calls -------------------------------------------------------------------------

function time(iso) {
  var d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function renderRecent() {
  var body = document.getElementById("recent-calls");
  body.textContent = "";
  if (!recent.length) {
    var empty = el("tr");
    empty.appendChild(el("td", { colspan: "5", "class": "muted" }, ["No calls yet."]));
    body.appendChild(empty);
    return;
  }
  recent.slice(0, 20).forEach(function (call) {
    var row = el("tr", { "data-call-id": String(call.id), "class": "disposition-" + call.disposition });
    row.appendChild(el("td", {}, [el("a", { href: "/calls/" + call.id, text: call.number })]));  // the call's page
    row.appendChild(el("td", {}, [time(call.received_at)]));
    row.appendChild(el("td", {}, [words(call.risk_level)]));
    row.appendChild(el("td", {}, [words(call.disposition) + (call.priority ? " · " + words(call.priority) : "")]));
    var where = call.location.address || (call.location.lat != null ? call.location.lat.toFixed(4) + ", " + call.location.lon.toFixed(4) : "—");
    row.appendChild(el("td", {}, [where + (call.location.resolved ? "" : " (not located)")]));
    body.appendChild(row);
  });
}

function addRecent(call) {
  recent = recent.filter(function (c) { return c.id !== call.id; });
  recent.unshift(call);
  recent.sort(function (a, b) { return b.id - a.id; });
  renderRecent();
}

function loadRecent() {
  request("GET", "/calls?limit=20").then(function (result) {
    recent = result.data;
    document.getElementById("recent-error").textContent = "";
    renderRecent();
  }, function (error) {
    document.getElementById("recent-error").textContent = "Recent calls not available: " + error.message;
  });
}

// --- start --------------------------------------------------------------------------------

request("GET", "/triage/questionnaire").then(function (result) {
  render(result.data);
  preview();
  document.getElementById("caller-phone").focus();
}, function (error) {
  host.textContent = "";
  host.appendChild(el("p", { "class": "error", role: "alert" }, ["The questionnaire could not be loaded: " + error.message]));
});
loadRecent();
if (window.io) {
  connectLive({
    snapshot: function () { loadRecent(); },
    event: function (e) { if (e.type === "call.created") addRecent(e.data); },
  });
}
