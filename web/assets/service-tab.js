// service-tab.js — the conversation's "VS Code" and "Desktop" tabs: VS
// Code in the browser (the sandbox's port 8001) and the desktop's noVNC
// (8002), whose Chromium is the browser the agent drives. Each is framed
// here and has a link to open it in a tab of its own.
//
// Both go through serve's sub-domain proxy ({port}-{id}.localhost; behind
// a reverse proxy, its wildcard name), so they work behind nginx and TLS
// with no port of their own. The URL (VS Code's token, noVNC's arguments)
// is sandboxd's: GET …/sandboxd/api/vscode/url (api/desktop/url) through
// serve's passthrough, with the sub-domain as base_url. The link is serve's
// GET api/sandboxes/{id}/open/{port}?to=…, which hands the sub-domain its
// cookie when serve has a key (docs/serve.md). An image without them
// answers {"url": null}: the tab says so and how to get one.
import { h, spinner } from './dom.js';
import { api } from './api.js';

const enc = encodeURIComponent;

export const SERVICES = {
  vscode: {
    port: 8001, route: 'api/vscode/url', name: 'VS Code', none: 'no VS Code',
    what: 'VS Code in the browser, on the sandbox\'s working directory',
  },
  desktop: {
    port: 8002, route: 'api/desktop/url', name: 'the desktop', none: 'no desktop',
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
  const openLink = h('a', { class: 'button secondary', target: '_blank', rel: 'noopener', hidden: true }, 'Open in a new tab ↗');
  const reloadBtn = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Reload');
  const body = h('div', { class: 'service-body' });
  const el = h('div', { class: 'service-tab', 'data-service': kind },
    h('div', { class: 'term-bar' }, noteEl, h('div', { class: 'term-tools' }, reloadBtn, openLink)),
    body);
  let sb = null, status = null, active = false, loadedFor = null, asking = 0;

  function note(text, tone = '') {
    noteEl.className = `term-note small ${tone === 'error' ? 'error-text' : 'muted'}`;
    noteEl.replaceChildren(...[].concat(text));
  }

  function frame(link) {
    const f = h('iframe', {
      class: 'service-frame', src: link, title: s.what,
      allow: 'clipboard-read; clipboard-write',
    });
    body.replaceChildren(f);
    openLink.href = link;
    openLink.hidden = false;
    reloadBtn.hidden = false;
    reloadBtn.onclick = () => { f.src = link; };
    note(`${s.what}. If the frame stays blank, open it in a new tab.`);
  }

  async function load() {
    const want = sb, n = ++asking;
    loadedFor = want;
    openLink.hidden = reloadBtn.hidden = true;
    body.replaceChildren();
    note([spinner(), ` Asking the sandbox for ${s.name}…`]);
    try {
      const info = await api.getSandbox(want);
      const sub = ((info.urls || {})[String(s.port)] || {}).subdomain;
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
      frame(to === null ? url : `api/sandboxes/${enc(want)}/open/${s.port}?to=${enc(to)}`);
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
      openLink.hidden = reloadBtn.hidden = true;
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
    stop() { asking++; body.replaceChildren(); },
  };
}
