// The questionnaire page (/admin/questionnaire): show a questionnaire of the catalogue (a GET of
// this page with ?id=&version=), or make it the one operators answer
// (POST /api/v1/triage/questionnaires/active), then load the page again to show it in use.
import { $ } from "/static/lib/dom.js";
import { api } from "/static/lib/http.js";
import { onSubmit, showErrors } from "/static/admin/forms.js";

var form = $("choose-form");

function chosen() {
  var value = $("choose").value;
  var at = value.lastIndexOf("@");
  return { id: value.slice(0, at), version: Number(value.slice(at + 1)) };
}

$("choose-show").addEventListener("click", function () {
  var ref = chosen();
  window.location.assign("/admin/questionnaire?id=" + encodeURIComponent(ref.id) + "&version=" + ref.version);
});

onSubmit(form, function () {
  var ref = chosen();
  return api("POST", "/api/v1/triage/questionnaires/active", { body: ref }).then(function (result) {
    if (!result.ok) { showErrors(form, result); return; }
    window.location.assign("/admin/questionnaire?saved=" + encodeURIComponent(result.data.id));
  });
});

if (new URLSearchParams(window.location.search).get("saved")) {
  form.querySelector(".done").textContent = "Saved: operators now answer this questionnaire.";
}
