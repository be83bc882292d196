// "Share my position": the browser's geolocation, posted with the page's CSRF token to the
// address of this signed link (the link is the credential).
(function () {
  "use strict";
  var button = document.getElementById("share-position");
  var state = document.getElementById("position-state");
  if (!button) return;
  function say(text) { state.textContent = text; }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { say("This phone cannot share its position: tell dispatch by phone."); return; }
    say("Finding your position…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var token = document.querySelector('meta[name="csrf-token"]').content;
      fetch(button.dataset.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: pos.coords.accuracy }),
        credentials: "same-origin",
      }).then(function (response) {
        if (response.ok) { say("Position sent (within " + Math.round(pos.coords.accuracy) + " m)."); return; }
        return response.json().then(function (body) { say("Not sent: " + body.error.message); });
      }).catch(function () { say("Not sent: no connection. Try again."); });
    }, function (error) {
      say("Position not available (" + error.message + "). Tell dispatch where you are.");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  });
})();
