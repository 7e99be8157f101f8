// app.js — the web UI's entry: client-side routing under the page's
// <base> (so `serve --base-path /p` and reverse proxies need nothing
// here), the global banner, and the views:
//   ""                    the conversation list and the task box
//   "conversations/{id}"  one conversation (deep link)
//   "settings"            the LLM and sandbox settings
//   "login?next=…"        the sign-in page (any 401 leads there, then back)
import { mountList } from './view-list.js';
import { mountConversation } from './view-conversation.js';
import { mountSettings } from './view-settings.js';
import { mountLogin } from './view-login.js';
import { SIGN_IN_EVENT } from './api.js';

const basePath = new URL(document.baseURI).pathname.replace(/\/?$/, '/');
const main = document.getElementById('main');
let unmount = null;

function currentRoute() {
  let p = decodeURIComponent(location.pathname);
  if (p.startsWith(basePath)) p = p.slice(basePath.length);
  else if (`${p}/` === basePath) p = '';
  p = p.replace(/\/+$/, '');
  let m;
  if (p === '' || p === 'index.html') return { name: 'list' };
  if ((m = /^conversations\/([^/]+)$/.exec(p))) return { name: 'conversation', id: m[1] };
  if (p === 'settings') return { name: 'settings' };
  if (p === 'login') return { name: 'login' };
  return { name: 'notfound', path: p };
}

export function navigate(href, { replace = false } = {}) {
  const url = new URL(href, document.baseURI);
  if (url.href !== location.href) history[replace ? 'replaceState' : 'pushState'](null, '', url);
  show();
}

export function banner(message) {
  const b = document.getElementById('banner');
  b.textContent = message || '';
  b.hidden = !message;
}

function show() {
  if (unmount) { try { unmount(); } catch (e) { /* a view's cleanup never blocks the next */ } }
  unmount = null;
  banner('');
  main.replaceChildren();
  const r = currentRoute();
  for (const a of document.querySelectorAll('[data-nav]')) {
    const on = a.dataset.nav === r.name || (a.dataset.nav === 'list' && r.name === 'conversation');
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  document.body.dataset.view = r.name;
  const ctx = { navigate, banner };
  if (r.name === 'list') unmount = mountList(main, ctx);
  else if (r.name === 'conversation') unmount = mountConversation(main, r.id, ctx);
  else if (r.name === 'settings') unmount = mountSettings(main, ctx);
  else if (r.name === 'login') unmount = mountLogin(main, ctx);
  else {
    document.title = 'Not found · handbox';
    const p = document.createElement('div');
    p.className = 'page narrow';
    const h1 = document.createElement('h1');
    h1.textContent = 'Page not found';
    const a = document.createElement('a');
    a.href = './';
    a.dataset.link = '';
    a.textContent = 'Back to the conversations';
    p.append(h1, a);
    main.append(p);
  }
}

// Links marked data-link stay in the page; a modified click (new tab) or
// a link to elsewhere is the browser's.
document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', show);
// The server wants its key: the sign-in page, which comes back here.
window.addEventListener(SIGN_IN_EVENT, () => {
  if (currentRoute().name === 'login') return;
  const here = new URL(location.href);
  const rel = here.pathname.startsWith(basePath) ? here.pathname.slice(basePath.length) : '';
  const back = `${rel}${here.search}${here.hash}`;
  navigate(back ? `login?next=${encodeURIComponent(back)}` : 'login', { replace: true });
});
window.addEventListener('unhandledrejection', (e) => {
  banner(`Unexpected error: ${e.reason && e.reason.message ? e.reason.message : e.reason}`);
  e.preventDefault();
});
show();
