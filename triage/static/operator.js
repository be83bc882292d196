// Call intake: the questionnaire form built from the questionnaire JSON, keyboard first.
// Y/N/U (first letter of an option) answer the focused question and move to the next visible one,
// Enter moves on without answering, Ctrl+Enter saves, Alt+A marks the call answered (the first
// thing typed into an empty form does it too), Alt+R records the warm transfer of a 911 call.
// Branches appear and vanish with show_if; a debounced preview from /triage/evaluate; the history
// of the number or address as it is typed; the draft kept in this tab's sessionStorage until saved.
import { el } from "/static/lib/dom.js";
import { api, orThrow } from "/static/lib/http.js";
import { connectLive } from "/static/lib/live.js";
import { statusLabel } from "/static/lib/statuses.js";

var API = "/api/v1";
var DRAFT_KEY = "operator.draft.v1";        // sessionStorage only: a call never outlives its tab
var TRANSFER_KEY = "operator.transfers.v1";
var AFTER_SAVE_QUIET_MS = 1500;             // a second click of a double-click lands here
var root = document.getElementById("intake");
var canLog = root.getAttribute("data-can-log") === "true";
var form = document.getElementById("call-form");
var host = document.getElementById("questionnaire");
var saveButton = document.getElementById("submit-call");
var questionnaire = null;
var questions = [];          // in questionnaire order
var byId = {};
var idempotencyKey = newKey();
var answeredAt = null;       // ISO 8601 (server clock) when the operator started the call
var serverOffsetMs = 0;      // server clock - this browser's clock, never more than the truth
var previewTimer = null;
var previewSeq = 0;
var previewDisposition = null;
var sending = false;
var savedAt = 0;             // Date.now() of the last successful save
var transferAfterSave = false;
var transfers = [];          // saved 911 calls whose transfer is not recorded yet: {id, number}
var transferring = false;
var recent = [];             // call JSON, newest first
var languages = null;        // [{code, names: [str]}] once GET /languages answered
var historyTimer = null;
var historySeq = 0;

// The labels every page uses ("co_response" -> "co-response (team with police)", core/pages.py).
function words(value) { return value == null ? "none" : statusLabel(value); }

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  var bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
}

// -> Promise of {status, data}; rejects with an Error carrying `status`, `code` and `fields`.
function request(method, path, body, headers) {
  var offline = "No answer from the server. Try again: a call is saved once, however often you press Save.";
  return api(method, API + path, { body: body, headers: headers, offline: offline }).then(function (result) {
    try { return orThrow(result); } catch (error) {
      error.code = result.data && result.data.error ? result.data.error.code : null;
      throw error;
    }
  });
}

function clockTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

function shortDate(iso) {
  return new Date(iso).toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" });
}

// The server's clock from its Date header (whole seconds, so the estimate is never ahead of it):
// an answered_at taken on a fast browser clock is never "in the future" for the server.
function learnServerClock() {
  return fetch("/healthz", { method: "HEAD", cache: "no-store", credentials: "same-origin" }).then(function (response) {
    var date = Date.parse(response.headers.get("Date") || "");
    if (!isNaN(date)) serverOffsetMs = date - Date.now();
  }, function () { /* the browser's clock it is */ });
}

function serverNow() { return new Date(Date.now() + serverOffsetMs).toISOString(); }

// --- answered ------------------------------------------------------------------------------

function showAnswered() {
  var text = document.getElementById("answered");
  var button = document.getElementById("mark-answered");
  text.textContent = answeredAt ? "Answered " + clockTime(answeredAt) : "Not answered yet";
  button.hidden = !!answeredAt;
  document.getElementById("answered-box").classList.toggle("on", !!answeredAt);
}

function markAnswered() {
  if (answeredAt || !canLog) return;
  answeredAt = serverNow();
  document.getElementById("transfer-done").textContent = "";  // a new call: the last one's news goes
  clearFieldError(document.getElementById("answered"));
  showAnswered();
  keepDraft();
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
  var entry = { question: question, node: null, inputs: [], keys: {}, language: question.format === "language_code" };
  var box;
  if (question.type === "text") {
    box = el("div", { "class": "question", "data-question": question.id, id: id });
    var text = entry.language ? question.text.replace(/\s*\([^)]*\)\s*$/, "") : question.text;
    var label = el("label", { "for": id + "-input" }, [text]);
    var input = el("input", { id: id + "-input", type: "text", maxlength: "500", "data-question": question.id });
    box.appendChild(label);
    box.appendChild(input);
    if (entry.language) {
      input.setAttribute("list", "language-names");
      input.setAttribute("placeholder", "e.g. Spanish, español or es");
      input.setAttribute("aria-describedby", id + "-hint");
      box.appendChild(el("p", { "class": "muted help", id: id + "-hint" }, ["Type the language's name in English or in the language itself, or its code."]));
      input.addEventListener("input", function () { languageHint(entry); });
    }
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
      var choice = el("label", { "for": id + "-" + option, "class": "choice" });
      choice.appendChild(radio);
      choice.appendChild(document.createTextNode(" " + option + (key ? " (" + key.toUpperCase() + ")" : "")));
      choices.appendChild(choice);
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

function rawValue(entry) {
  if (entry.question.type === "text") return entry.inputs[0].value.trim();
  for (var i = 0; i < entry.inputs.length; i++) if (entry.inputs[i].checked) return entry.inputs[i].value;
  return "";
}

// The answer as the API takes it: a language typed by name goes as its code when the list knows it.
function valueOf(entry, forPreview) {
  var value = rawValue(entry);
  if (!entry.language || value === "") return value;
  var code = languageCode(value);
  if (code) return code;
  return forPreview && languages ? "" : value;  // the preview waits for a name it knows
}

function clear(entry) {
  entry.inputs.forEach(function (input) {
    if (input.type === "radio") input.checked = false; else input.value = "";
  });
  if (entry.language) languageHint(entry);
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
function updateVisibility(forPreview) {
  var answers = {};
  questions.forEach(function (entry) {
    var shown = !entry.question.show_if || holds(entry.question.show_if, answers);
    if (!shown && rawValue(entry) !== "") clear(entry);
    entry.node.hidden = !shown;
    entry.inputs.forEach(function (input) { input.disabled = !shown; });
    var value = valueOf(entry, forPreview);
    if (shown && value !== "") answers[entry.question.id] = value;
  });
  return answers;
}

function currentAnswers(forPreview) { return updateVisibility(forPreview); }

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
    radio.dispatchEvent(new Event("change", { bubbles: true }));  // as a click would: preview, draft, answered
    moveOn(entry);  // the answer key answers and moves on (the keys help says so)
  }
}

function changed() {
  document.getElementById("saved").textContent = "";
  updateVisibility();
  schedulePreview();
}

// Any input in the form: the call has started, the draft is kept, the field's error goes.
form.addEventListener("input", onEdit);
form.addEventListener("change", onEdit);

// The second click of a double-click on Save comes after the form was reset for the next call,
// and the reset form is shorter (the follow-up questions go): the click lands on whatever now
// sits where Save was, often an answer. Within the quiet time after a save, a pointer click in
// the form does nothing (keyboard use, whose clicks have no `detail`, goes on as ever).
form.addEventListener("click", function (event) {
  if (event.detail > 0 && Date.now() - savedAt < AFTER_SAVE_QUIET_MS) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);
function onEdit(event) {
  if (!canLog) return;
  if (!answeredAt && hasEntries()) markAnswered();
  clearFieldError(event.target);
  keepDraft();
  var id = event.target.id;
  if (id === "caller-phone" || id === "location-address") scheduleHistory();
}

// --- languages ----------------------------------------------------------------------------

function fold(text) {
  return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim().toLowerCase();
}

// GET /languages: a list of {code, name, native…} (or of codes); every name a language goes by.
function readLanguages(data) {
  var items = Array.isArray(data) ? data : (data && (data.languages || data.items)) || [];
  return items.map(function (item) {
    if (typeof item === "string") return { code: item, names: [item], label: item };
    var code = item.code || item.id || item.iso_639_1;
    var names = [item.name, item.english, item.english_name, item.native, item.native_name, item.own_name,
      item.endonym].concat(item.also || [], item.names || []).filter(function (n) { return typeof n === "string" && n; });
    return { code: code, names: names.length ? names : [code], label: names[0] || code };
  }).filter(function (l) { return typeof l.code === "string" && l.code; });
}

function languageCode(text) {
  if (!languages) return null;
  var wanted = fold(text);
  for (var i = 0; i < languages.length; i++) {
    var l = languages[i];
    if (fold(l.code) === wanted) return l.code;
    for (var j = 0; j < l.names.length; j++) if (fold(l.names[j]) === wanted) return l.code;
  }
  return null;
}

function languageHint(entry) {
  var hint = document.getElementById("q-" + entry.question.id + "-hint");
  var value = rawValue(entry);
  if (!hint) return;
  if (!value) { hint.textContent = "Type the language's name in English or in the language itself, or its code."; return; }
  if (!languages) { hint.textContent = "The server will check this language."; return; }
  var code = languageCode(value);
  var known = code && languages.filter(function (l) { return l.code === code; })[0];
  hint.textContent = known ? "Language: " + known.names.concat([code]).filter(function (n, i, all) { return all.indexOf(n) === i; }).join(" · ")
    : "Not a language this service knows yet: pick one from the list.";
}

function loadLanguages() {
  request("GET", "/languages?limit=500").then(function (result) {
    languages = readLanguages(result.data);
    var list = document.getElementById("language-names");
    list.textContent = "";
    languages.forEach(function (l) {
      var others = l.names.slice(1).concat([l.code]).filter(function (n) { return n !== l.label; });
      list.appendChild(el("option", { value: l.label, label: others.join(" · ") }));
    });
    questions.forEach(function (entry) { if (entry.language) languageHint(entry); });
  }, function () { languages = null; /* the server still takes a name or code and says when it is wrong */ });
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
  previewDisposition = null;
  showBanner(null);
}

function preview() {
  var mine = ++previewSeq;
  var answers = currentAnswers(true);
  if (!questionnaire || !Object.keys(answers).length) { clearPreview(); return; }
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
    previewDisposition = r.disposition;
    showBanner(r.disposition === "emergency_911" ? r.instruction || "Transfer to 911 now" : null);
  }, function (error) {
    if (mine !== previewSeq) return;
    document.getElementById("preview-status").textContent = "Preview not available: " + error.message;
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
  renderTransfers();
}

// Enter in a caller or location field moves on instead of sending a half-filled call; from the
// address (or the optional coordinates) it goes to the first question.
form.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key !== "Enter" || event.ctrlKey || event.altKey || event.metaKey || target.closest(".question") ||
      target.tagName === "TEXTAREA" || target.tagName === "BUTTON" || target.type === "checkbox") return;
  event.preventDefault();
  if (["location-address", "location-lat", "location-lon"].indexOf(target.id) >= 0 && visibleEntries().length) {
    focusEntry(visibleEntries()[0]);
    return;
  }
  var fields = Array.prototype.filter.call(form.querySelectorAll("input, select, textarea, button"), function (n) {
    return !n.disabled && !n.hidden && n.offsetParent !== null && (n.type !== "radio" || n.checked || !n.form ||
      !form.querySelector('input[name="' + n.name + '"]:checked'));
  });
  var next = fields[fields.indexOf(target) + 1];
  if (next) next.focus();
});

// Page keys: Ctrl+Enter saves, Alt+A marks answered, Alt+R records the 911 transfer. Alt+letter
// is read from event.code so it works where Alt (Option) types a character; none of these is a
// Chrome, Firefox, NVDA, JAWS or Orca key.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey && !event.altKey && !event.metaKey && event.key === "Enter" && form.contains(event.target)) {
    event.preventDefault();
    form.requestSubmit();
  } else if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.code === "KeyA") {
    event.preventDefault();
    markAnswered();
  } else if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.code === "KeyR") {
    event.preventDefault();
    recordTransfer();
  }
});

document.getElementById("mark-answered").addEventListener("click", function () {
  markAnswered();
  document.getElementById("caller-phone").focus();
});

// --- override and what the form holds -----------------------------------------------------

var overrideOn = document.getElementById("override-on");
overrideOn.addEventListener("change", function () {
  document.getElementById("override-fields").hidden = !overrideOn.checked;
});

var TEXT_FIELDS = ["caller-phone", "caller-name", "caller-relation", "location-address", "location-lat",
  "location-lon", "narrative", "override-disposition", "override-priority", "override-reason"];

function fieldValue(id) { return document.getElementById(id).value.trim(); }

function number(id) {
  var text = fieldValue(id);
  return text === "" ? null : Number(text);
}

// What makes a call (CONTRACT "empty_call"): an answer, a narrative, the caller's phone or name, a location.
function hasEntries() {
  if (["caller-phone", "caller-name", "location-address", "location-lat", "location-lon", "narrative"]
    .some(function (id) { return fieldValue(id) !== ""; })) return true;
  return questions.some(function (entry) { return rawValue(entry) !== ""; });
}

// Anything a reload would lose.
function hasContent() {
  return !!answeredAt || hasEntries() || fieldValue("caller-relation") !== "" || overrideOn.checked;
}

function payload() {
  var body = {
    caller: {
      phone: fieldValue("caller-phone") || null,
      name: fieldValue("caller-name") || null,
      relation: fieldValue("caller-relation") || null,
    },
    location: { address: fieldValue("location-address") || null },
    answers: currentAnswers(false),
    narrative: fieldValue("narrative") || null,
    questionnaire: { id: questionnaire.id, version: questionnaire.version },
  };
  if (answeredAt) body.answered_at = answeredAt;
  var lat = number("location-lat"), lon = number("location-lon");
  if (lat !== null && !isNaN(lat)) body.location.lat = lat;
  if (lon !== null && !isNaN(lon)) body.location.lon = lon;
  if (overrideOn.checked) {
    body.override = {
      disposition: fieldValue("override-disposition") || null,
      priority: fieldValue("override-priority") || null,
      reason: fieldValue("override-reason"),
    };
  }
  return body;
}

// --- field errors, said at the field ------------------------------------------------------

var FIELD_NAMES = {
  "caller.phone": "Callback number", "caller.name": "Name", "caller.relation": "Relation",
  "location.address": "Address", "location.lat": "Latitude", "location.lon": "Longitude",
  narrative: "Narrative", "override.reason": "Override reason", "override.disposition": "Override disposition",
  "override.priority": "Override priority", answered_at: "Answered time",
};

function fieldTarget(name) {
  var node = form.querySelector('[data-field="' + name + '"]');
  if (node) return { input: node, box: node.parentElement };
  if (name === "answered_at") return { input: document.getElementById("mark-answered"), box: document.getElementById("answered-box") };
  var entry = byId[name.replace(/^answers\./, "")];
  if (entry) return { input: entry.inputs[0], box: entry.node, entry: entry };
  return null;
}

function clearFieldErrors() {
  form.querySelectorAll(".field-error").forEach(function (n) { n.remove(); });
  form.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
  form.querySelectorAll(".question.invalid").forEach(function (n) { n.classList.remove("invalid"); });
}

function clearFieldError(input) {
  if (!input || !input.closest) return;
  var box = input.closest(".question") || input.parentElement;
  if (!box) return;
  box.querySelectorAll(".field-error").forEach(function (n) { n.remove(); });
  box.classList.remove("invalid");
  box.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
}

// Each field's problem under the field (and linked to it for a screen reader); -> the ones with no
// field on the page, for the form's own message.
function markFields(fields) {
  clearFieldErrors();
  var elsewhere = [];
  var first = null;
  Object.keys(fields || {}).forEach(function (name) {
    var target = fieldTarget(name);
    var label = FIELD_NAMES[name] || (target && target.entry ? target.entry.question.label || target.entry.question.text : name);
    if (!target) { elsewhere.push(name + ": " + fields[name]); return; }
    var id = "error-" + name.replace(/[^\w-]/g, "-");
    var note = el("p", { "class": "field-error error", id: id }, [label + ": " + fields[name]]);
    target.box.appendChild(note);
    if (target.entry) target.entry.node.classList.add("invalid");
    target.entry ? target.entry.inputs.forEach(setInvalid) : setInvalid(target.input);
    function setInvalid(input) {
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (d) { return d && d.indexOf("error-") !== 0; });
      described.push(id);
      input.setAttribute("aria-describedby", described.join(" "));
    }
    if (!first && !target.input.hidden) first = target;
  });
  if (first) first.entry ? focusEntry(first.entry) : first.input.focus();
  return elsewhere;
}

// --- submit ------------------------------------------------------------------------------

form.addEventListener("submit", function (event) {
  event.preventDefault();
  save();
});

function save() {
  if (!canLog || sending || !questionnaire) return;
  var errorBox = document.getElementById("form-error");
  var overrideError = document.getElementById("override-error");
  if (!hasEntries()) {
    // The second click of a double-click, after the first one saved: the form is new, not empty.
    if (Date.now() - savedAt < AFTER_SAVE_QUIET_MS) return;
    errorBox.textContent = "Nothing to save yet: answer a question, or enter the caller's number or name, " +
      "the location or what the caller said.";
    transferAfterSave = false;
    return;
  }
  errorBox.textContent = "";
  overrideError.textContent = "";
  var body = payload();
  if (body.override && !body.override.reason) {
    overrideError.textContent = "Write why you override the computed decision.";
    document.getElementById("override-reason").focus();
    transferAfterSave = false;
    return;
  }
  sending = true;
  saveButton.disabled = true;
  saveButton.textContent = "Saving…";
  keepDraft();  // the key goes with the draft: a retry after a reload saves the call once
  request("POST", "/calls", body, { "Idempotency-Key": idempotencyKey }).then(function (result) {
    var call = result.data;
    var saved = "Call " + call.number + " saved: " + words(call.disposition) +
      (call.priority ? ", " + words(call.priority) : "") + (call.incident_id ? ", incident opened for dispatch." : ".");
    if (call.transfer_instruction) saved += " " + call.transfer_instruction + ".";
    if (!call.location.resolved && call.location.address) saved += " The address was not found on the map: dispatch will confirm it.";
    else if (call.location.approximate) saved += " " + (call.location.address || "The place") + ": approximate location (near it, not at it).";
    savedAt = Date.now();
    addRecent(call);
    resetForm();
    document.getElementById("saved").textContent = saved;
    if (call.disposition === "emergency_911" && !(call.transfer && call.transfer.at)) {
      addTransfer(call);
      if (transferAfterSave) recordTransfer(call.id);
      else focusTransfer();
    } else {
      document.getElementById("caller-phone").focus();
    }
  }, function (error) {
    var code = error.code;
    var elsewhere = markFields(error.fields);
    var text = code === "empty_call" ? "Nothing to save yet: " + error.message
      : "The call was not saved: " + error.message;
    if (Object.keys(error.fields || {}).length) text += " The fields to fix are marked.";
    if (elsewhere.length) text += " " + elsewhere.join("; ") + ".";
    if (error.status !== 0 && code !== "empty_call") text += " Everything you entered is still here.";
    errorBox.textContent = text;
    if (error.fields && error.fields.answered_at) answeredRefused();
  }).then(function () {
    sending = false;
    transferAfterSave = false;
    saveButton.disabled = !canLog;
    saveButton.textContent = "Save call";
  });
}

// A draft restored after a day: the server refuses its time; Alt+A takes a new one.
function answeredRefused() {
  answeredAt = null;
  showAnswered();
  keepDraft();
}

function resetForm() {
  form.reset();
  document.getElementById("override-fields").hidden = true;
  document.getElementById("form-error").textContent = "";
  questions.forEach(clear);
  clearFieldErrors();
  idempotencyKey = newKey();  // a new form is a new call
  answeredAt = null;
  showAnswered();
  dropDraft();
  clearHistory();
  updateVisibility();
  preview();
}

// --- the draft (this tab's sessionStorage) -----------------------------------------------

function keepDraft() {
  if (!canLog || !questionnaire) return;
  if (!hasContent()) { dropDraft(); return; }
  var fields = {};
  TEXT_FIELDS.forEach(function (id) { fields[id] = document.getElementById(id).value; });
  var answers = {};
  questions.forEach(function (entry) { var v = rawValue(entry); if (v !== "") answers[entry.question.id] = v; });
  var draft = { fields: fields, answers: answers, override: overrideOn.checked, answered_at: answeredAt,
    key: idempotencyKey, questionnaire: { id: questionnaire.id, version: questionnaire.version } };
  try { sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); } catch (e) { /* storage full or off */ }
}

function dropDraft() {
  try { sessionStorage.removeItem(DRAFT_KEY); } catch (e) { /* nothing kept */ }
  document.getElementById("draft-note").hidden = true;
}

function restoreDraft() {
  var draft;
  try { draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { draft = null; }
  if (!draft || typeof draft !== "object") return false;
  Object.keys(draft.fields || {}).forEach(function (id) {
    var node = TEXT_FIELDS.indexOf(id) >= 0 && document.getElementById(id);
    if (node && typeof draft.fields[id] === "string") node.value = draft.fields[id];
  });
  overrideOn.checked = !!draft.override;
  document.getElementById("override-fields").hidden = !overrideOn.checked;
  questions.forEach(function (entry) {  // in order, so a branch opens before its questions are set
    updateVisibility();
    var value = (draft.answers || {})[entry.question.id];
    if (typeof value !== "string") return;
    if (entry.question.type === "text") entry.inputs[0].value = value;
    else entry.inputs.forEach(function (input) { input.checked = input.value === value; });
    if (entry.language) languageHint(entry);
  });
  updateVisibility();
  if (typeof draft.key === "string" && draft.key) idempotencyKey = draft.key;
  answeredAt = typeof draft.answered_at === "string" ? draft.answered_at : null;
  showAnswered();
  document.getElementById("draft-text").textContent = "Draft restored" +
    (answeredAt ? " (call answered " + clockTime(answeredAt) + ")" : "") + ": nothing has been saved yet.";
  document.getElementById("draft-note").hidden = false;
  scheduleHistory();
  return true;
}

document.getElementById("discard-draft").addEventListener("click", function () {
  resetForm();
  document.getElementById("saved").textContent = "Draft discarded.";
  document.getElementById("caller-phone").focus();
});

window.addEventListener("beforeunload", function (event) {
  if (!canLog || !hasContent()) return;
  keepDraft();
  event.preventDefault();
  event.returnValue = "";  // the browser says it in its own words: leave the page, changes may be lost
});

// --- history of the number / address -----------------------------------------------------

function scheduleHistory() {
  clearTimeout(historyTimer);
  historyTimer = setTimeout(loadHistory, 350);
}

function historyQuery() {
  var phone = fieldValue("caller-phone");
  var address = fieldValue("location-address");
  var params = [];
  if (phone.replace(/\D/g, "").length >= 10) params.push("phone=" + encodeURIComponent(phone));
  if (address.length >= 5) params.push("address=" + encodeURIComponent(address));
  return params.join("&");
}

function clearHistory() {
  historySeq++;
  clearTimeout(historyTimer);
  document.getElementById("history").hidden = true;
  document.getElementById("history-safety").textContent = "";
  document.getElementById("history-calls").textContent = "";
  document.getElementById("history-status").textContent = "";
}

function loadHistory() {
  var query = historyQuery();
  if (!query) { clearHistory(); return; }
  var mine = ++historySeq;
  request("GET", "/history?" + query).then(function (result) {
    if (mine !== historySeq) return;
    showHistory(result.data || {});
  }, function (error) {
    if (mine !== historySeq) return;
    var problem = error.fields && (error.fields.phone || error.fields.address);
    var box = document.getElementById("history");
    document.getElementById("history-safety").textContent = "";
    document.getElementById("history-calls").textContent = "";
    document.getElementById("history-table").hidden = true;
    document.getElementById("history-count").textContent = "";
    document.getElementById("history-status").textContent = problem
      ? "No history looked up: " + (error.fields.phone ? "callback number " + error.fields.phone : "address " + error.fields.address) + "."
      : "Earlier calls could not be looked up: " + error.message;
    box.hidden = false;
  });
}

function showHistory(history) {
  var box = document.getElementById("history");
  var recentCalls = history.recent || [];
  var safety = history.safety || [];
  if (!history.prior_calls && !recentCalls.length && !safety.length) { clearHistory(); return; }  // quiet
  document.getElementById("history-count").textContent = "(" + (history.prior_calls || recentCalls.length) + ")";
  var safetyBox = document.getElementById("history-safety");
  var wanted = safety.join("\n");
  if (safetyBox.dataset.lines !== wanted) {  // the alert speaks only when the lines change
    safetyBox.textContent = "";
    safetyBox.dataset.lines = wanted;
    if (safety.length) {
      safetyBox.appendChild(el("h3", {}, ["Safety"]));
      var list = el("ul");
      safety.forEach(function (line) { list.appendChild(el("li", {}, [line])); });
      safetyBox.appendChild(list);
    }
  }
  var body = document.getElementById("history-calls");
  body.textContent = "";
  recentCalls.forEach(function (call) {
    var row = el("tr", { "class": "disposition-" + call.disposition });
    // The earlier call's page opens in a tab of its own: the call being taken stays as it is.
    row.appendChild(el("td", {}, [el("a", { href: "/calls/" + call.id, target: "_blank", rel: "noopener", text: call.number })]));
    row.appendChild(el("td", {}, [shortDate(call.received_at) + " " + clockTime(call.received_at).slice(0, 5)]));
    row.appendChild(el("td", {}, [words(call.risk_level)]));
    row.appendChild(el("td", {}, [words(call.disposition)]));
    body.appendChild(row);
  });
  document.getElementById("history-table").hidden = !recentCalls.length;
  var more = (history.prior_calls || 0) - recentCalls.length;
  document.getElementById("history-status").textContent = more > 0 ? more + " older call(s) not listed." : "";
  box.hidden = false;
}

// --- the 911 transfer --------------------------------------------------------------------

function storeTransfers() {
  try {
    if (transfers.length) sessionStorage.setItem(TRANSFER_KEY, JSON.stringify(transfers));
    else sessionStorage.removeItem(TRANSFER_KEY);
  } catch (e) { /* kept in the page only */ }
}

function addTransfer(call) {
  transfers = transfers.filter(function (t) { return t.id !== call.id; });
  transfers.push({ id: call.id, number: call.number });
  storeTransfers();
  renderTransfers();
}

function renderTransfers() {
  var box = document.getElementById("transfer-box");
  var text = null, label = null;
  if (transfers.length) {
    var call = transfers[0];
    text = "Call " + call.number + " is a 911 call: record the warm transfer when 911 has taken it." +
      (transfers.length > 1 ? " " + (transfers.length - 1) + " more 911 call(s) after it." : "");
    label = "Record transfer to 911";
  } else if (previewDisposition === "emergency_911" && canLog) {
    text = "Not saved yet: the button saves the call, then records its transfer.";
    label = "Save and record transfer to 911";
  }
  var state = text ? text + "|" + label : "";
  if (box.dataset.state === state) return;  // unchanged: keep the button, its focus and its error
  box.dataset.state = state;
  var active = document.activeElement && document.activeElement.id === "record-transfer";
  box.textContent = "";
  box.hidden = !text;
  if (!text) return;
  box.appendChild(el("p", { id: "transfer-text" }, [text]));
  var button = el("button", { type: "button", "class": "danger big", id: "record-transfer", "aria-keyshortcuts": "Alt+R" },
    [label + " ", el("kbd", {}, ["Alt+R"])]);
  button.addEventListener("click", function () { recordTransfer(); });
  box.appendChild(button);
  box.appendChild(el("p", { "class": "error", id: "transfer-error", role: "alert" }));
  if (active) button.focus();
}

function focusTransfer() {
  var button = document.getElementById("record-transfer");
  if (button) button.focus();
}

// The oldest saved 911 call still to transfer (or `callId`); before the save, save then transfer.
function recordTransfer(callId) {
  if (!canLog || transferring) return;
  if (!transfers.length) {
    if (previewDisposition !== "emergency_911" || sending) return;
    transferAfterSave = true;
    save();
    return;
  }
  var call = transfers.filter(function (t) { return t.id === callId; })[0] || transfers[0];
  transferring = true;
  var button = document.getElementById("record-transfer");
  if (button) button.disabled = true;
  request("POST", "/calls/" + call.id + "/transfer", { to: "911" }).then(function (result) {
    var transfer = (result.data && result.data.transfer) || {};
    transfers = transfers.filter(function (t) { return t.id !== call.id; });
    storeTransfers();
    document.getElementById("transfer-done").textContent = "Call " + call.number + " transferred to 911 at " +
      clockTime(transfer.at || new Date().toISOString()) + ".";
    transferring = false;
    renderTransfers();
    if (transfers.length) focusTransfer(); else document.getElementById("caller-phone").focus();
  }, function (error) {
    transferring = false;
    var again = document.getElementById("record-transfer");
    if (again) again.disabled = false;
    if (error.status === 409 || error.status === 404) {  // recorded elsewhere, or no longer a 911 call
      transfers = transfers.filter(function (t) { return t.id !== call.id; });
      storeTransfers();
      renderTransfers();
      document.getElementById("transfer-done").textContent = "Call " + call.number + ": " + error.message;
      return;
    }
    var box = document.getElementById("transfer-error");
    if (box) box.textContent = "The transfer was not recorded: " + error.message + " Press the button again.";
    focusTransfer();
  });
}

function restoreTransfers() {
  try { transfers = JSON.parse(sessionStorage.getItem(TRANSFER_KEY) || "[]"); } catch (e) { transfers = []; }
  if (!Array.isArray(transfers)) transfers = [];
  transfers = transfers.filter(function (t) { return t && typeof t.id === "number" && typeof t.number === "string"; });
  renderTransfers();
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

// The sticky 911 bar never hides the focused question: the page scrolls what gets focus below it.
if (window.ResizeObserver) {
  new ResizeObserver(function () {
    var height = document.getElementById("alert-bar").offsetHeight;
    document.documentElement.style.scrollPaddingTop = height ? height + 8 + "px" : "";
  }).observe(document.getElementById("alert-bar"));
}

// --- start --------------------------------------------------------------------------------

showAnswered();
learnServerClock();
loadLanguages();
request("GET", "/triage/questionnaire").then(function (result) {
  render(result.data);
  if (canLog) restoreTransfers();
  var restored = canLog && restoreDraft();
  preview();
  if (!transfers.length || restored) document.getElementById("caller-phone").focus();
  else focusTransfer();
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
