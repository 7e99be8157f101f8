// service-tab.js — the conversation's "VS Code" and "Desktop" tabs: VS
// Code in the browser (the sandbox's port 8001) and the desktop's noVNC
// (8002), whose Chromium is the browser the agent drives, each opened in a
// browser tab of its own.
//
// Both go through serve's sub-domain proxy ({port}-{id}.localhost; behind
// a reverse proxy, its wildcard name), so they work behind nginx and TLS
// with no port of their own. The URL (VS Code's token, noVNC's arguments)
// is sandboxd's: GET …/sandboxd/api/vscode/url (api/desktop/url) through
// serve's passthrough, with the sub-domain as base_url. The link is serve's
// GET api/sandboxes/{id}/open/{port}?to=…, which hands the sub-domain its
// cookie when serve has a key (docs/serve.md). An image without them
// answers {"url": null}: the tab says so and how to get one.
//
// Why a tab of its own and not a frame here: the sub-domain is another
// site than this page, and the cookies that sandboxd's token gate and
// serve set there are SameSite=Lax, which a browser refuses to set or send
// inside a frame of another site (measured in Chromium: the framed page
// gets no cookie, the same page opened on its own does).
import { h, spinner } from './dom.js';
import { api } from './api.js';

const enc = encodeURIComponent;

export const SERVICES = {
  vscode: {
    port: 8001, route: 'api/vscode/url', name: 'VS Code', none: 'no VS Code', label: 'VS Code',
    what: 'VS Code in the browser, on the sandbox\'s working directory',
  },
  desktop: {
    port: 8002, route: 'api/desktop/url', name: 'the desktop', none: 'no desktop', label: 'the desktop',
    what: 'the sandbox\'s desktop over VNC: the browser the agent drives',
  },
};

// The path and query of url on the sub-domain base ("/?tkn=…"), or null
// when url is elsewhere (then it is opened as it is).
function onSub(url, base) {
  if (!url.startsWith(base)) return null;
  const rest = url.slice(base.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

// The port's sub-domain as serve names it ("http://8001-{id}.localhost:3000/";
// behind a proxy, its name). A port that is not published (a process
// sandbox) has no entry of its own, but the proxy reaches any port: any
// other port's sub-domain with the port swapped ("{port}-{id}.…").
function subdomainOf(info, port) {
  const urls = info.urls || {};
  if (urls[port] && urls[port].subdomain) return urls[port].subdomain;
  const other = Object.entries(urls).find(([, u]) => u && u.subdomain);
  return other ? other[1].subdomain.replace(`//${other[0]}-`, `//${port}-`) : null;
}

function missing(s) {
  return h('div', { class: 'term-intro service-missing' },
    h('p', {}, h('strong', {}, `This sandbox's image has ${s.none}.`)),
    h('p', {}, 'Build an image that has VS Code and the desktop on the server with ',
      h('code', {}, 'handbox image build --with vscode,desktop'),
      ', then start a conversation with that image (under Advanced, "Sandbox image"), or make it the default in ',
      h('a', { href: 'settings', 'data-link': '' }, 'Settings'), '.'));
}

// show(sandboxId, status) whenever the conversation's sandbox changes;
// activate() when the tab is shown (the URL is asked for then, once per
// sandbox); stop() when the page goes.
export function serviceTab(kind) {
  const s = SERVICES[kind];
  const noteEl = h('p', { class: 'term-note small muted', role: 'status' });
  const body = h('div', { class: 'service-body' });
  const el = h('div', { class: 'service-tab', 'data-service': kind }, noteEl, body);
  let sb = null, status = null, active = false, loadedFor = null, asking = 0;

  function note(text, tone = '') {
    noteEl.className = `term-note small ${tone === 'error' ? 'error-text' : 'muted'}`;
    noteEl.replaceChildren(...[].concat(text));
  }

  function ready(link, shown) {
    note('');
    body.replaceChildren(h('div', { class: 'term-intro service-ready' },
      h('p', {}, `${s.what[0].toUpperCase()}${s.what.slice(1)}.`),
      // one browser tab per sandbox and service: a second click goes back to it
      h('a', { class: 'button primary service-open', href: link, target: `handbox-${kind}-${sb}`, rel: 'noopener' }, `Open ${s.label} ↗`),
      h('p', { class: 'small muted' }, 'It opens in a tab of its own, through this server at ', h('code', {}, shown), '.'),
      h('button', { type: 'button', class: 'link small', onclick: load }, 'Ask the sandbox again')));
  }

  async function load() {
    const want = sb, n = ++asking;
    loadedFor = want;
    body.replaceChildren();
    note([spinner(), ` Asking the sandbox for ${s.name}…`]);
    try {
      const info = await api.getSandbox(want);
      const sub = subdomainOf(info, String(s.port));
      if (!sub) throw new Error(`the server gives no address for port ${s.port}`);
      const base = sub.replace(/\/+$/, '');
      const { url } = await api.serviceUrl(want, s.route, base);
      if (n !== asking) return;
      if (!url) {
        note('');
        body.replaceChildren(missing(s));
        return;
      }
      const to = onSub(url, base);
      ready(to === null ? url : `api/sandboxes/${enc(want)}/open/${s.port}?to=${enc(to)}`, base);
    } catch (e) {
      if (n !== asking) return;
      loadedFor = null;   // asked again the next time the tab opens
      note(`Cannot reach ${s.name}: ${e.message}`, 'error');
    }
  }

  function apply() {
    if (!active) return;
    if (status !== 'running' || !sb) {
      asking++;
      loadedFor = null;
      body.replaceChildren();
      note(!sb ? 'No sandbox yet: it is made when the agent starts.'
        : `The sandbox is ${status || 'not running'}: ${s.name} opens once it runs.`);
      return;
    }
    if (loadedFor !== sb) load();
  }

  return {
    el,
    activate() { active = true; apply(); },
    show(sandboxId, sandboxStatus) {
      sb = sandboxId || null;
      status = sandboxStatus;
      apply();
    },
    stop() { asking++; },
  };
}
