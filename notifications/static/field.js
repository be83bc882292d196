// "Share my position": the browser's geolocation, posted with the page's CSRF token to the
// address of this signed link (the link is the credential).
import { $ } from "/static/lib/dom.js";
import { api, errorMessage } from "/static/lib/http.js";

var button = $("share-position");
var state = $("position-state");

function say(text) { state.textContent = text; }

function share() {
  if (!navigator.geolocation) { say("This phone cannot share its position: tell dispatch by phone."); return; }
  say("Finding your position…");
  navigator.geolocation.getCurrentPosition(function (pos) {
    var body = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: pos.coords.accuracy };
    api("POST", button.dataset.url, { body: body, offline: "no connection. Try again." }).then(function (result) {
      if (result.ok) say("Position sent (within " + Math.round(pos.coords.accuracy) + " m).");
      else say("Not sent: " + errorMessage(result));
    });
  }, function (error) {
    say("Position not available (" + error.message + "). Tell dispatch where you are.");
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
}

if (button) button.addEventListener("click", share);

// A form sent once: a second tap while the first is on its way does nothing (the server
// records an outcome once in any case). Forms of one `data-once` group (the "Transport to …"
// buttons) are one action: after one is sent, none of the group sends again.
function sent(form) {
  var group = form.dataset.once;
  return group ? document.querySelectorAll('form[data-once="' + group + '"]') : [form];
}

document.querySelectorAll("form.once").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    sent(form).forEach(function (other) {
      other.dataset.sent = "1";
      var button = other.querySelector("button[type=submit]");
      if (button) button.setAttribute("aria-disabled", "true");
    });
    var button = form.querySelector("button[type=submit]");
    if (button) button.textContent = "Recording…";
  });
});
