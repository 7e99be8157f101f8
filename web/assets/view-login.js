// view-login.js — "/login": the sign-in page of a server started with an
// API key (--api-key, HANDBOX_API_KEY). One password field for the key;
// POST api/login sets the HttpOnly cookie the API and the WebSockets
// accept, then the page goes back to where the user was (`?next=`, a path
// relative to the page's <base>; anything pointing elsewhere is ignored).
import { h } from './dom.js';
import { api } from './api.js';

// The relative path to go back to, or './' (the list).
export function nextTarget(search) {
  const next = new URLSearchParams(search).get('next');
  if (!next) return './';
  try {
    const base = new URL(document.baseURI);
    const u = new URL(next, base);
    if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) return './';
    const rel = u.pathname.slice(base.pathname.length);
    if (rel === 'login' || rel.startsWith('login/')) return './';
    return `${rel || './'}${u.search}${u.hash}`;
  } catch {
    return './';
  }
}

export function mountLogin(main, ctx) {
  document.title = 'Sign in · handbox';
  let gone = false;
  const next = nextTarget(location.search);
  const key = h('input', {
    type: 'password', id: 'login-key', name: 'api_key', autocomplete: 'current-password',
    spellcheck: 'false', required: true, 'aria-describedby': 'login-hint',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const out = h('div', { class: 'form-error', id: 'login-error', role: 'alert' });

  const form = h('form', { class: 'login-card', novalidate: true, 'aria-labelledby': 'login-h' },
    h('h1', { id: 'login-h' }, 'Sign in'),
    h('p', { class: 'muted' }, 'This handbox server asks for its API key.'),
    h('div', { class: 'field' },
      h('label', { for: 'login-key' }, 'API key'),
      key,
      h('p', { class: 'hint', id: 'login-hint' }, 'The key it was started with: ',
        h('code', {}, '--api-key'), ' or ', h('code', {}, 'HANDBOX_API_KEY'),
        '. It is kept in an HttpOnly cookie for 30 days.')),
    out,
    h('div', { class: 'actions' }, submit));

  const fail = (msg) => {
    out.textContent = msg;
    key.setAttribute('aria-invalid', 'true');
    key.setAttribute('aria-describedby', 'login-error login-hint');
    key.focus();
    key.select();
  };

  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    const value = key.value;
    if (!value.trim()) { fail('Enter the API key.'); return; }
    busy = true;
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    out.textContent = '';
    try {
      await api.login(value);
      if (!gone) ctx.navigate(next, { replace: true });
    } catch (err) {
      if (gone) return;
      if (err.status === 401) fail('Wrong API key: this server did not accept it. Use the key handbox serve was started with (--api-key or HANDBOX_API_KEY).');
      else fail(`Could not sign in: ${err.message}`);
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });
  key.addEventListener('input', () => {
    if (!out.textContent) return;
    out.textContent = '';
    key.removeAttribute('aria-invalid');
    key.setAttribute('aria-describedby', 'login-hint');
  });

  main.append(h('div', { class: 'page login' }, form));
  key.focus();

  return () => { gone = true; };
}
