// browser-tab.js — the conversation's "Browser" tab: what the agent saw
// with its browser tools (API.md § 3), step by step, newest first: the
// tool, the page's address and title, and the screenshot when the step
// took one. view-conversation.js hands over the browser observations
// (isBrowserStep) as they come; this module is loaded when the tab first
// opens.
//
// Screenshots are stored as files, not inline in every event. An
// observation names its screenshot one of these ways, tried in order:
// `screenshot_path` (a file in the sandbox, fetched through serve's
// sandboxd passthrough, GET …/api/file/download), `screenshot_url` (a URL
// of serve, relative to the page), `screenshot_data` (base64 PNG, the
// reference's BrowserObservation).
import { h } from './dom.js';
import { sandboxdPath } from './api.js';
import { clock, contentText, fullTime } from './format.js';

const TEXT_SHOWN = 600;   // characters of the page's text under a step

function screenshotSrc(o, sandboxId) {
  if (typeof o.screenshot_path === 'string' && o.screenshot_path && sandboxId) {
    return sandboxdPath(sandboxId, 'api/file/download', { path: o.screenshot_path });
  }
  if (typeof o.screenshot_url === 'string' && o.screenshot_url) return o.screenshot_url;
  if (typeof o.screenshot_data === 'string' && o.screenshot_data) {
    return o.screenshot_data.startsWith('data:') ? o.screenshot_data : `data:image/png;base64,${o.screenshot_data}`;
  }
  return null;
}

const TOOL_LABELS = {
  browser_navigate: 'Opened', browser_click: 'Clicked', browser_type: 'Typed',
  browser_get_state: 'Looked', browser_get_content: 'Read', browser_scroll: 'Scrolled',
  browser_go_back: 'Went back',
};

function step(ev, sandboxId, n) {
  const o = ev.observation || {};
  const src = screenshotSrc(o, sandboxId);
  const text = contentText(o.content) || (typeof o.output === 'string' ? o.output : '');
  const where = o.url || '';
  const label = TOOL_LABELS[ev.tool_name] || ev.tool_name || o.kind || 'Browser';
  const err = o.is_error || o.error;
  return h('li', { class: `browser-step${err ? ' failed' : ''}`, 'data-event': ev.id },
    h('div', { class: 'browser-step-head' },
      h('span', { class: 'badge' }, `${n}`),
      h('strong', {}, label),
      // an address inside the sandbox (localhost there is not here): text
      where ? h('code', { class: 'browser-url', title: 'the address in the sandbox\'s browser' }, where) : null,
      o.title ? h('span', { class: 'muted small' }, o.title) : null,
      h('time', { class: 'muted small', datetime: ev.timestamp, title: fullTime(ev.timestamp) }, clock(ev.timestamp))),
    src ? h('a', { href: src, target: '_blank', rel: 'noopener', class: 'browser-shot-link', title: 'Open the screenshot' },
      h('img', { class: 'browser-shot', src, alt: `Screenshot of ${o.title || where || 'the page'}`, loading: 'lazy' })) : null,
    // a refused step says why in its text: shown, not folded away
    err ? h('p', { class: 'small error-text browser-error' }, typeof o.error === 'string' ? o.error : text.replace(/^\[An error occurred during execution\.\]\n/, '')) : null,
    text && !err ? h('details', { class: 'browser-text' },
      h('summary', {}, 'What the agent read'),
      h('pre', { class: 'output' }, text.length > TEXT_SHOWN ? `${text.slice(0, TEXT_SHOWN)}…` : text)) : null);
}

// show(steps, sandboxId): the browser observations so far (an array that
// only grows; the new ones are added); activate() when the tab is shown.
export function browserTab() {
  const list = h('ol', { class: 'browser-steps', reversed: true, 'aria-label': 'The agent\'s browser steps, newest first' });
  const empty = h('div', { class: 'term-intro' },
    h('p', {}, 'No browser steps yet. When the agent uses its browser tools, each page it opens shows here with its screenshot.'),
    h('p', { class: 'small' }, 'To watch the browser live, open the Desktop tab.'));
  const el = h('div', { class: 'browser-tab' }, empty, list);
  let shown = 0, sb = null;

  function render(steps, sandboxId) {
    if (sandboxId !== sb) { sb = sandboxId; shown = 0; list.replaceChildren(); }
    for (; shown < steps.length; shown++) list.prepend(step(steps[shown], sb, shown + 1));
    empty.hidden = shown > 0;
  }

  return {
    el,
    activate() {},
    show(steps = [], sandboxId = null) { render(steps, sandboxId); },
  };
}
