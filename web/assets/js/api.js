// api.js - the one way the UI talks to regman: JSON over fetch, the
// session cookie sent by the browser, the CSRF token added to every
// state-changing request, errors turned into ApiError.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `request failed (HTTP ${status})`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.field = e.field || null;
    this.body = body || null; // the whole answer: a refused change says more
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: 'The server cannot be reached.' } });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    const retry = res.headers.get('Retry-After');
    if (retry) err.retryAfter = Number(retry);
    throw err;
  }
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body === undefined ? {} : body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

// session - the logged-in principal, or null when nobody is.
export async function session() {
  try {
    const s = await get('/api/v1/auth/session');
    setCsrfToken(s.csrf_token);
    return s.login;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function login(username, password) {
  const r = await post('/api/v1/auth/login', { username, password });
  setCsrfToken(r.csrf_token);
  return r.login;
}

export async function logout() {
  try {
    await post('/api/v1/auth/logout');
  } finally {
    setCsrfToken(null);
  }
}
