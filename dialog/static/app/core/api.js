// The one way pages talk to the server: /api/v1, same origin, the HttpOnly session cookie sent by
// the browser, and on writes the CSRF header (the dialog_csrf cookie's value, double submit).

/** An error answer of the API: {"error": {"code", "message", "details"}}. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || "http_error";
    this.details = error?.details || {};
  }
}

function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

/** Call `/api/v1<path>`: `query` becomes the query string, `body` is sent as JSON. */
export async function api(path, {method = "GET", body, query} = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  // The API writes its problems (a 422's field errors) in the language asked for: the page's.
  const headers = {Accept: "application/json", "Accept-Language": document.documentElement.lang || "de"};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = cookie("dialog_csrf");
  const response = await fetch(url, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data?.error);
  return data;
}

/** Every item of a list endpoint's pages ({"items", "next"}), up to `max`. */
export async function all(path, query = {}, max = 500) {
  const items = [];
  let cursor;
  do {
    const page = await api(path, {query: {...query, cursor}});
    items.push(...page.items);
    cursor = page.next;
  } while (cursor && items.length < max);
  return items;
}

/**
 * `fetch(...args)` then `draw(result)`, where a call's result is dropped once a newer call (for the
 * same `key(...args)`) was started: reloads on live events can be answered out of order, and an
 * older answer must not draw a stale list over a newer one.
 */
export function newestWins(fetch, draw, key = () => "") {
  const newest = new Map();
  return async (...args) => {
    const which = key(...args);
    const mine = (newest.get(which) || 0) + 1;
    newest.set(which, mine);
    const result = await fetch(...args);
    if (newest.get(which) === mine) draw(result, ...args);
  };
}
