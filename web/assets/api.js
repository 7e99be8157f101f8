// api.js — the REST calls of `handbox serve` (API.md § 2). Every URL is
// relative to the page's <base>, so a path prefix (--base-path, a reverse
// proxy) needs nothing here. A failure throws an ApiError whose message is
// the server's `detail`, ready to show.

export class ApiError extends Error {
  constructor(message, status, detail) {
    super(message);
    this.name = 'ApiError';
    this.status = status;   // 0: the server could not be reached
    this.detail = detail;
  }
}

// FastAPI-style details: a sentence, or a list of {loc, msg} for a 422.
function detailText(body, res) {
  const d = body && typeof body === 'object' ? (body.detail ?? body.error ?? body.message) : body;
  if (typeof d === 'string' && d.trim()) return d;
  if (Array.isArray(d) && d.length) {
    return d.map((e) => {
      if (typeof e === 'string') return e;
      const loc = Array.isArray(e.loc) ? e.loc.filter((x) => x !== 'body').join('.') : '';
      return loc ? `${loc}: ${e.msg}` : e.msg || JSON.stringify(e);
    }).join('; ');
  }
  if (d && typeof d === 'object') return JSON.stringify(d);
  return `${res.status} ${res.statusText || 'error'}`.trim();
}

// A 401 from any route but the login itself: the page shows the sign-in
// page (app.js listens), then comes back.
export const SIGN_IN_EVENT = 'handbox:sign-in';
export function signInNeeded() {
  window.dispatchEvent(new CustomEvent(SIGN_IN_EVENT));
}

export async function request(method, path, body, { signal } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('Cannot reach the handbox server (network error). Is `handbox serve` still running?', 0, null);
  }
  const text = await res.text();
  let data = text;
  if (text && (res.headers.get('Content-Type') || '').includes('json')) {
    try { data = JSON.parse(text); } catch { /* a broken body: kept as text */ }
  }
  if (!res.ok) {
    let msg = detailText(data, res);
    if (res.status === 401 && path !== 'api/login') {
      msg = `${msg} — sign in again.`;
      signInNeeded();
    }
    throw new ApiError(msg, res.status, data && data.detail);
  }
  return text ? data : null;
}

const enc = encodeURIComponent;

// A route of sandbox id's sandboxd through serve's passthrough (docs/serve.md):
// the browser never holds the sandbox's key nor its published port.
export function sandboxdPath(id, route, query) {
  const q = query ? `?${new URLSearchParams(query)}` : '';
  return `api/sandboxes/${enc(id)}/sandboxd/${route}${q}`;
}

const get = (p, o) => request('GET', p, undefined, o);
const post = (p, b, o) => request('POST', p, b === undefined ? {} : b, o);

export const api = {
  listConversations: ({ pageId, limit = 30 } = {}) => {
    const q = new URLSearchParams({ limit: String(limit), sort_order: 'UPDATED_AT_DESC' });
    if (pageId) q.set('page_id', pageId);
    return get(`api/conversations/search?${q}`);
  },
  getConversation: (id) => get(`api/conversations/${enc(id)}`),
  startConversation: (body) => post('api/conversations', body),
  deleteConversation: (id) => request('DELETE', `api/conversations/${enc(id)}`),
  sendMessage: (id, text) => post(`api/conversations/${enc(id)}/events`, {
    role: 'user', content: [{ type: 'text', text }], run: true,
  }),
  run: (id) => post(`api/conversations/${enc(id)}/run`),
  pause: (id) => post(`api/conversations/${enc(id)}/pause`),
  interrupt: (id) => post(`api/conversations/${enc(id)}/interrupt`),
  getSandbox: (id, o) => get(`api/sandboxes/${enc(id)}`, o),
  listFiles: (id, path, o) => get(sandboxdPath(id, 'api/handbox/files/list', { path }), o),
  bashSessions: (id, o) => get(sandboxdPath(id, 'api/handbox/sessions'), o),
  // where VS Code (route api/vscode/url) or the desktop (api/desktop/url)
  // answers at base_url: {"url": …} or {"url": null} (API.md § 8)
  serviceUrl: (id, route, baseUrl, o) => get(sandboxdPath(id, route, { base_url: baseUrl }), o),
  resumeSandbox: (id) => post(`api/sandboxes/${enc(id)}/resume`),
  login: (apiKey) => post('api/login', { api_key: apiKey }),
  getSettings: () => get('api/settings'),
  saveSettings: (s) => post('api/settings', s),
  llmPresets: (o) => get('api/settings/llm-presets', o),
  llmTest: (llm, o) => post('api/settings/llm-test', { llm }, o),
};
