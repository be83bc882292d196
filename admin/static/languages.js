// Languages by name (GET /api/v1/languages, the table triage/languages.py reads): "Spanish",
// "español" or "es" all mean es; a unit's codes are shown as names.
var byWord = new Map(); // lower-case code, name, own name or other name -> code
var nameOf = new Map(); // code -> English name

export function loadLanguages(datalist) {
  return fetch("/api/v1/languages?limit=500", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (answer) { return answer.ok ? answer.json() : []; })
    .catch(function () { return []; })
    .then(function (languages) {
      languages.forEach(function (language) {
        nameOf.set(language.code, language.name);
        [language.code, language.name, language.native].concat(language.also || []).forEach(function (word) {
          if (word && !byWord.has(word.toLowerCase())) byWord.set(word.toLowerCase(), language.code);
        });
        if (datalist) {
          var option = document.createElement("option");
          option.value = language.name;
          if (language.native && language.native !== language.name) option.label = language.native;
          datalist.append(option);
        }
      });
    });
}

// "English, español" -> {codes: ["en", "es"], unknown: []}; "Klingon" -> unknown: ["Klingon"].
export function resolveLanguages(text) {
  var codes = [], unknown = [];
  String(text || "").split(/[,;]/).map(function (part) { return part.trim(); }).filter(Boolean).forEach(function (word) {
    var code = byWord.get(word.toLowerCase());
    if (!code && byWord.size === 0 && /^[a-z]{2}$/i.test(word)) code = word.toLowerCase(); // table not loaded
    if (!code) unknown.push(word);
    else if (codes.indexOf(code) < 0) codes.push(code);
  });
  return { codes: codes, unknown: unknown };
}

export function languageNames(codes) {
  return (codes || []).map(function (code) { return nameOf.get(code) || code; });
}
