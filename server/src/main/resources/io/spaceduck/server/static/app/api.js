// Mission Control's one way to the server: the public /beak/* API, with the Beak Key in the
// Authorization header only. The key lives in sessionStorage (this tab, until it closes or the
// person signs out) and nowhere else: never in a URL, never in localStorage, never in a cookie.

const KEY_SLOT = 'spaceduck.beakKey';

export function currentKey() {
  return sessionStorage.getItem(KEY_SLOT);
}

export function remember(key) {
  sessionStorage.setItem(KEY_SLOT, key.trim());
}

export function forget() {
  sessionStorage.removeItem(KEY_SLOT);
}

/** A refusal: an RFC 9457 problem document from the server, or a network failure. */
export class ApiError extends Error {
  constructor(status, code, title, detail) {
    super(detail || title || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
  }

  /** The refusal as a plain sentence with its code, for people. */
  sentence() {
    const what = this.detail || this.title || 'The request was refused';
    const end = /[.!?]$/.test(what) ? '' : '.';
    return `${what.charAt(0).toUpperCase()}${what.slice(1)}${end} (${this.code}${this.status ? ', HTTP ' + this.status : ''})`;
  }
}

let onUnauthenticated = () => {};

/** What to do when the server answers 401 to a signed-in call (the app goes back to sign-in). */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

/**
 * Calls the API. {@code body} (an object) is sent as JSON; {@code anonymous} calls send no key.
 * Resolves to the parsed JSON (or text); rejects with an ApiError.
 */
export async function call(method, path, { body, anonymous = false, query } = {}) {
  const headers = { Accept: 'application/json' };
  if (!anonymous) {
    const key = currentKey();
    if (!key) {
      const e = new ApiError(401, 'unauthenticated', 'Unauthenticated', 'Sign in with a Beak Key first');
      onUnauthenticated(e);
      throw e;
    }
    headers.Authorization = `Bearer ${key}`;
  }
  const init = { method, headers, credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const s = q.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'Network error', 'The server could not be reached');
  }
  const type = res.headers.get('Content-Type') || '';
  if (!res.ok) {
    let p = {};
    if (type.includes('json')) {
      try { p = await res.json(); } catch (e) { p = {}; }
    }
    const err = new ApiError(res.status, typeof p.code === 'string' ? p.code : `http_${res.status}`,
      typeof p.title === 'string' ? p.title : res.statusText, typeof p.detail === 'string' ? p.detail : undefined);
    if (res.status === 401 && !anonymous) onUnauthenticated(err);
    throw err;
  }
  if (type.includes('json')) return res.json();
  return res.text();
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body) => call('POST', path, { body });
