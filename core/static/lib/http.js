// Calls to the app's own JSON API, for every page: same-origin cookies, the page's CSRF token
// on every write, and the CONTRACT error body ({"error": {"code", "message", "fields"}}) turned
// into words a person can act on.
//
//   const result = await api("POST", "/api/v1/incidents/7/assign", { body: { unit_id: 3 } });
//   if (!result.ok) say(errorText(result));
//
// `api` never rejects: a network failure is a result with status 0 and a message of its own.

export const OFFLINE = "The server cannot be reached. Check the connection and try again.";

const READS = new Set(["GET", "HEAD"]);

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

// -> Promise<{ ok, status, data }>; `data` is the parsed JSON body, or {} when there is none.
export function api(method, path, { body, headers, offline } = {}) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (!READS.has(method)) options.headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  Object.assign(options.headers, headers || {});
  return fetch(path, options).then(
    (response) => response.json().catch(() => ({})).then((data) => ({ ok: response.ok, status: response.status, data })),
    () => ({ ok: false, status: 0, data: { error: { code: "offline", message: offline || OFFLINE } } }),
  );
}

// The error of a failed result, as the CONTRACT body has it (an empty one when the body had none).
export function errorOf(result) {
  return (result && result.data && result.data.error) || {};
}

// The person's message alone: "That did not work (409)." when the server gave none.
export function errorMessage(result) {
  return errorOf(result).message || "That did not work (" + result.status + ").";
}

// Which fields were wrong: {"override.reason": "is required", ...} (empty unless validation failed).
export function errorFields(result) {
  return errorOf(result).fields || {};
}

// The message with every field's problem after it: "Check the form. lat: must be a number".
export function errorText(result) {
  const fields = errorFields(result);
  const names = Object.keys(fields);
  let text = errorMessage(result);
  if (names.length) text += " " + names.map((name) => name + ": " + fields[name]).join("; ");
  return text;
}

// For promise chains that want a rejection: an Error carrying `status` and `fields`.
export class ApiError extends Error {
  constructor(result) {
    super(errorMessage(result));
    this.status = result.status;
    this.fields = errorFields(result);
  }
}

export function orThrow(result) {
  if (!result.ok) throw new ApiError(result);
  return result;
}
