// sandbox-panel.js — the conversation's sandbox in the side panel: its
// status and id, and the ports listening inside it with their links. The
// links go through serve's sub-domain proxy ({port}-{id}.localhost), where
// an app's absolute paths work; GET api/sandboxes/{id}/open/{port} sends
// the browser there with the cookie it needs when serve has a key. The
// published ports 8011 and 8012 also get their direct link. A sandbox
// paused (serve pauses idle ones) says so and has a Resume button. The
// sandbox's terminals and files are tabs of the main column
// (terminal-tab.js, file-browser.js), where they have room.
import { h } from './dom.js';
import { api } from './api.js';
import { shortId } from './format.js';

const LABELS = { starting: 'Starting…', running: 'Running', error: 'Failed to start', paused: 'Paused', stopped: 'Stopped' };
const TONES = { starting: 'running', running: 'finished', error: 'error', paused: 'paused', stopped: 'idle' };
const PORTS_POLL_MS = 3000;
const DIRECT = ['8011', '8012'];   // published on the host (docs/serve.md)

// pausedBy: "idle" (serve's --idle-pause) or "asked" (the sandbox API);
// onResume: called by the Resume button of a paused sandbox.
export function sandboxPanel({ id, status, error, pausedBy, onResume, resumeError }) {
  if (!id && !status) return h('p', { class: 'muted small' }, 'No sandbox yet: it is made when the agent starts.');
  const paused = status === 'paused';
  const label = paused && pausedBy === 'idle' ? 'Paused (idle)' : LABELS[status] || status || 'Unknown';
  return h('div', { class: 'sandbox' },
    h('p', {},
      h('span', { class: `badge status ${TONES[status] || 'idle'}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), label),
      id ? h('code', { class: 'id', title: id }, ` ${shortId(id)}`) : null),
    error && status === 'error' ? h('p', { class: 'small error-text' }, error.split('\n')[0]) : null,
    paused ? h('p', { class: 'muted small' }, 'Its processes are frozen, its files and memory kept. Your next message, or opening one of its ports, resumes it.') : null,
    paused && onResume ? h('button', { type: 'button', class: 'secondary resume-sandbox', onclick: onResume }, 'Resume now') : null,
    paused && resumeError ? h('p', { class: 'small error-text', role: 'alert' }, resumeError) : null);
}

const enc = encodeURIComponent;

function portRow(sb, p) {
  const urls = (sb.urls || {})[String(p.port)] || {};
  const sub = urls.subdomain || '';
  const direct = DIRECT.includes(String(p.port)) && urls.direct;
  return h('li', { class: 'port' },
    h('div', { class: 'port-head' },
      h('a', { href: `api/sandboxes/${enc(sb.id)}/open/${p.port}`, target: '_blank', rel: 'noopener', class: 'port-link', title: sub },
        h('span', { class: 'port-num' }, `:${p.port}`), ' Open ↗'),
      p.command ? h('span', { class: 'muted small' }, p.command) : null,
      p.address === '127.0.0.1' || p.address === '::1' ? h('span', { class: 'tag', title: 'bound to the sandbox\'s loopback: reachable through the proxy only' }, 'local') : null),
    h('div', { class: 'port-urls small' },
      sub ? h('code', { class: 'url', title: 'through serve\'s sub-domain proxy' }, sub) : null,
      direct ? h('a', { href: urls.direct, target: '_blank', rel: 'noopener', class: 'direct', title: 'the port published on the server\'s host' }, `direct ${urls.direct} ↗`) : null));
}

// The listening ports of sandbox id, refreshed every few seconds while
// the page shows it: show(id) starts or switches, stop() ends it.
export function portsPanel() {
  const el = h('div', { class: 'ports', 'aria-live': 'polite' });
  let id = null, timer = null, stopped = false, last = '';

  function render(content) {
    const key = JSON.stringify(content === null ? null : content.map((n) => n.textContent));
    if (key === last) return;   // no flicker, no lost focus
    last = key;
    el.replaceChildren(...(content || []));
  }

  async function tick() {
    timer = null;
    if (stopped || !id) return;
    const want = id;
    try {
      const sb = await api.getSandbox(want);
      if (want !== id) return;
      const ports = sb.listening || [];
      if (sb.status !== 'running') {
        render([h('p', { class: 'muted small' }, `The sandbox is ${sb.status}: its ports answer once it runs again.`)]);
      } else if (!ports.length) {
        render([h('p', { class: 'muted small empty-ports' }, 'No server listening yet: ports 8011 and 8012 are published; any port works through the proxy.')]);
      } else {
        render([h('h3', {}, 'Listening'), h('ul', { class: 'port-list' }, ...ports.map((p) => portRow(sb, p)))]);
      }
    } catch (e) {
      if (want === id) render([h('p', { class: 'small error-text' }, `Ports: ${e.message}`)]);
    }
    if (!stopped && want === id) timer = setTimeout(tick, PORTS_POLL_MS);
  }

  return {
    el,
    show(sandboxId) {
      if (stopped || sandboxId === id) return;
      id = sandboxId || null;
      clearTimeout(timer);
      timer = null;
      last = '';
      el.replaceChildren();
      if (id) tick();
    },
    stop() { stopped = true; clearTimeout(timer); },
  };
}
