// Calls to the admin REST API. The admin's session ID is kept in this tab's sessionStorage only
// (never a cookie, so no other site can make the browser use it).
const KEY = 'sessiond.admin.sessionId';

export class ApiError extends Error {
  constructor(status, errorCode, message) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

export const session = {
  get: () => sessionStorage.getItem(KEY),
  set: (id) => sessionStorage.setItem(KEY, id),
  clear: () => sessionStorage.removeItem(KEY),
};

/** One API call: JSON in and out; an answer that is not 2xx throws an ApiError with its code. */
export async function api(method, path, body) {
  const headers = {};
  const sessionId = session.get();
  if (sessionId) headers.authorization = `Bearer ${sessionId}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data.errorCode ?? 'ERROR', data.message ?? `HTTP ${res.status}`);
  return data;
}

/** A path with a query string from the entries that have a value. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export const userPath = (username) => `/api/v1/admin/users/${encodeURIComponent(username)}`;
