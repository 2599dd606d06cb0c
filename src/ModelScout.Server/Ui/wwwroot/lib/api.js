// The UI's one way to talk to the server: JSON in and out, the session's CSRF token on state changes, SSE and NDJSON
// stream readers, and errors shown to the user with what to do next.

let csrf = null;
const listeners = new Set();

/** Sets the CSRF token the session endpoint returned. */
export function setCsrf(token) { csrf = token; }

/** Registers a function called with (message) for every error shown to the user. */
export function onError(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** Shows an error to the user (the banner at the top of the page). */
export function showError(message) {
  for (const fn of listeners) fn(message);
}

/** An HTTP error with the server's message (Ollama's {error} or OpenAI's {error:{message}}). */
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(method, extra) {
  const h = { Accept: 'application/json', ...extra };
  if (method !== 'GET' && method !== 'HEAD') {
    h['Content-Type'] = 'application/json';
    if (csrf) h['X-Scout-Csrf'] = csrf;
  }
  return h;
}

async function failure(res, path) {
  let message = `${res.status} ${res.statusText}`;
  let code;
  try {
    const body = await res.json();
    if (typeof body.error === 'string') message = body.error;
    else if (body.error && body.error.message) { message = body.error.message; code = body.error.code; }
  } catch { /* not JSON */ }
  if (res.status === 401 && path !== '/ui/api/login') window.dispatchEvent(new CustomEvent('scout:login-required'));
  return new ApiError(res.status, message, code);
}

/**
 * fetch() with JSON: request(method, path, body?, {signal, quiet}) -> parsed JSON (or null for 204).
 * Errors are thrown as ApiError and shown to the user unless quiet is set.
 */
export async function request(method, path, body, opts = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: headers(method, opts.headers),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    const err = new ApiError(0, `cannot reach scout serve (${e.message}); is it still running?`);
    if (!opts.quiet) showError(err.message);
    throw err;
  }
  if (!res.ok) {
    const err = await failure(res, path);
    if (!opts.quiet) showError(err.message);
    throw err;
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : res.text();
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body, opts) => request('PUT', path, body, opts);
export const del = (path, body, opts) => request('DELETE', path, body, opts);

/**
 * POSTs body and reads the streamed reply, calling onEvent(obj) for each JSON event: Server-Sent Events
 * (data: {...}, ending at data: [DONE]) or NDJSON lines, chosen by the response's Content-Type.
 * Resolves when the stream ends; rejects with AbortError when opts.signal aborts.
 */
export async function stream(path, body, onEvent, opts = {}) {
  const res = await fetch(path, {
    method: 'POST',
    headers: headers('POST', { Accept: 'text/event-stream, application/x-ndjson' }),
    body: JSON.stringify(body),
    signal: opts.signal,
    credentials: 'same-origin',
  });
  if (!res.ok) {
    const err = await failure(res, path);
    if (!opts.quiet) showError(err.message);
    throw err;
  }
  const sse = (res.headers.get('Content-Type') || '').includes('event-stream');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const handle = (line) => {
    if (sse) {
      if (!line.startsWith('data:')) return;
      const data = line.slice(5).trim();
      if (data === '[DONE]' || data.length === 0) return;
      line = data;
    }
    if (line.trim().length === 0) return;
    const obj = JSON.parse(line);
    if (obj.error) {
      const message = typeof obj.error === 'string' ? obj.error : obj.error.message;
      if (!opts.quiet) showError(message);
      throw new ApiError(500, message);
    }
    onEvent(obj);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      handle(line);
    }
  }
  buffer += decoder.decode();
  if (buffer.length) handle(buffer);
}
