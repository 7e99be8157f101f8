// view-list.js — "/": the task box that starts a conversation (Enter
// starts, Shift+Enter is a new line; image and mounts under "Advanced")
// and the conversations, newest activity first.
import { h, clear, elapsed, spinner } from './dom.js';
import { api } from './api.js';
import { ago, fullTime, cost, thousands, usage, statusInfo, shortId } from './format.js';

const REFRESH_MS = 5000;

// host:container[:ro|rw], one a line (docs: SANDBOX_VOLUMES)
export function parseMounts(text) {
  const specs = [], errors = [];
  for (const raw of text.split(/[\n,]/)) {
    const line = raw.trim();
    if (!line) continue;
    const parts = line.split(':');
    const [host, dest, mode] = parts;
    if (parts.length < 2 || parts.length > 3 || !host || !dest) errors.push(`“${line}”: expected host_path:container_path[:ro|rw]`);
    else if (!host.startsWith('/') && !host.startsWith('~')) errors.push(`“${line}”: the host path must be absolute`);
    else if (!dest.startsWith('/')) errors.push(`“${line}”: the container path must be absolute`);
    else if (mode && mode !== 'ro' && mode !== 'rw') errors.push(`“${line}”: the mode is ro or rw, not “${mode}”`);
    else specs.push(line);
  }
  return { specs, errors };
}

export function statusBadge(status, sandbox) {
  if (sandbox === 'starting') return h('span', { class: 'badge status running' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), 'Starting');
  if (sandbox === 'error') return h('span', { class: 'badge status error' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), 'Failed');
  const s = statusInfo(status);
  return h('span', { class: `badge status ${s.tone}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), s.short);
}

function taskBox(ctx) {
  const err = h('div', { class: 'form-error', role: 'alert' });
  const task = h('textarea', {
    id: 'task', name: 'task', rows: 3, required: true, autocomplete: 'off',
    placeholder: 'Describe a task, e.g. “Write a small Flask app that counts visits and serve it on port 8011”',
    'aria-describedby': 'task-hint',
  });
  const image = h('input', { id: 'image', name: 'image', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'the default image' });
  const mounts = h('textarea', {
    id: 'mounts', name: 'mounts', rows: 2, spellcheck: 'false', 'aria-describedby': 'mounts-hint',
    placeholder: '/home/me/project:/workspace:rw\n/srv/datasets:/data:ro',
  });
  const btnLabel = h('span', {}, 'Start');
  const btn = h('button', { type: 'submit', class: 'primary' }, btnLabel);
  const form = h('form', { class: 'taskbox', 'aria-labelledby': 'task-label' },
    h('label', { for: 'task', id: 'task-label', class: 'taskbox-label' }, 'What should the agent do?'),
    task,
    h('div', { class: 'taskbox-row' },
      h('details', { class: 'advanced' },
        h('summary', {}, 'Advanced'),
        h('div', { class: 'field' }, h('label', { for: 'image' }, 'Sandbox image'), image),
        h('div', { class: 'field' }, h('label', { for: 'mounts' }, 'Mounts'), mounts,
          h('p', { id: 'mounts-hint', class: 'hint' }, 'One a line: host path:container path[:ro|rw]. Mount your code on /workspace; the agent may change or delete anything in a rw mount.'))),
      h('span', { id: 'task-hint', class: 'hint keys' }, h('kbd', {}, 'Enter'), ' to start · ', h('kbd', {}, 'Shift'), '+', h('kbd', {}, 'Enter'), ' for a new line'),
      btn),
    err);

  let busy = false;
  const submit = async () => {
    if (busy) return;
    const text = task.value.trim();
    err.replaceChildren();
    if (!text) { task.focus(); return; }
    const m = parseMounts(mounts.value);
    if (m.errors.length) {
      err.append(h('p', {}, 'Mounts: ', m.errors.join('; ')));
      form.querySelector('details').open = true;
      mounts.focus();
      return;
    }
    const body = {
      agent: { kind: 'Agent', llm: { usage_id: 'agent' } },
      initial_message: { role: 'user', content: [{ type: 'text', text }], run: true },
    };
    const sandbox = {};
    if (image.value.trim()) sandbox.image = image.value.trim();
    if (m.specs.length) sandbox.volumes = m.specs;
    if (Object.keys(sandbox).length) body.sandbox = sandbox;
    busy = true;
    btn.disabled = true;
    task.setAttribute('aria-busy', 'true');
    const t = h('span', {});
    btnLabel.replaceChildren(spinner('starting'), ' Starting… ', t);
    const stop = elapsed(t, Date.now(), (s) => (s >= 2 ? `${s} s` : ''));
    try {
      const info = await api.startConversation(body);
      ctx.navigate(`conversations/${encodeURIComponent(info.id)}`);
    } catch (e) {
      err.append(h('p', {}, h('strong', {}, 'Could not start the conversation: '), e.message));
      task.focus();
    } finally {
      stop();
      busy = false;
      btn.disabled = false;
      task.removeAttribute('aria-busy');
      btnLabel.replaceChildren('Start');
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  task.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  return { form, task, image };
}

function row(c) {
  const u = usage(c.stats);
  const title = c.title || 'Untitled conversation';
  const when = c.updated_at || c.created_at;
  return h('li', {},
    h('a', { class: 'conv-row', href: `conversations/${encodeURIComponent(c.id)}`, 'data-link': '' },
      statusBadge(c.execution_status, c.sandbox_status),
      h('span', { class: 'conv-title' }, title, c.title ? null : h('span', { class: 'muted' }, ` · ${shortId(c.id)}`)),
      h('span', { class: 'conv-meta' },
        h('span', { class: 'tokens' }, u.known ? `${thousands(u.prompt + u.completion)} tokens` : ''),
        h('span', { class: 'cost' }, u.known ? cost(u.cost) : ''),
        h('time', { datetime: when, title: fullTime(when) }, ago(when)))));
}

export function mountList(main, ctx) {
  document.title = 'handbox';
  const notice = h('div', {});
  const box = taskBox(ctx);
  const listEl = h('ul', { class: 'conv-list', 'aria-labelledby': 'conv-heading' });
  const status = h('div', { class: 'list-status', role: 'status' }, spinner('loading'), ' Loading conversations…');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show older conversations');
  main.append(h('div', { class: 'page' },
    h('section', { class: 'start' }, notice, box.form),
    h('section', { class: 'conversations' },
      h('h2', { id: 'conv-heading' }, 'Conversations'),
      status, listEl, more)));
  box.task.focus();

  let items = [], nextPage = null, timer = null, gone = false;

  const render = () => {
    clear(listEl);
    for (const c of items) listEl.append(row(c));
    more.hidden = !nextPage;
    if (!items.length) {
      status.replaceChildren(h('div', { class: 'empty' },
        h('p', { class: 'empty-title' }, 'No conversations yet'),
        h('p', {}, 'Describe a task above and press Enter: the agent gets its own sandbox and you watch it work here.')));
    } else status.replaceChildren();
  };

  const load = async ({ append = false } = {}) => {
    try {
      const page = await api.listConversations(append ? { pageId: nextPage } : { limit: Math.max(30, Math.min(100, items.length)) });
      if (gone) return;
      const got = page.items || [];
      items = append ? items.concat(got) : got;
      nextPage = page.next_page_id || null;
      render();
    } catch (e) {
      if (gone) return;
      status.replaceChildren(h('div', { class: 'callout error' },
        h('strong', {}, 'Could not load the conversations. '), e.message, ' ',
        h('button', { type: 'button', class: 'link', onclick: () => load() }, 'Try again')));
    }
  };
  more.onclick = () => load({ append: true });

  const tick = () => {
    timer = setTimeout(async () => {
      if (document.visibilityState === 'visible' && !nextPage) await load();
      if (!gone) tick();
    }, REFRESH_MS);
  };
  load().then(tick);

  api.getSettings().then((s) => {
    if (gone) return;
    const llm = (s && s.llm) || {};
    if (s && s.sandbox && s.sandbox.image) box.image.placeholder = s.sandbox.image;
    if (!llm.model) {
      notice.replaceChildren(h('div', { class: 'callout info' },
        h('strong', {}, 'No LLM is set up yet. '),
        'The agent needs one: ', h('a', { href: 'settings', 'data-link': '' }, 'choose it in Settings'),
        ' (LM Studio, Ollama, llama.cpp and vLLM on this machine are found for you).'));
    }
  }).catch((e) => {
    if (!gone) notice.replaceChildren(h('div', { class: 'callout error' }, h('strong', {}, 'Could not read the settings: '), e.message));
  });

  return () => { gone = true; clearTimeout(timer); };
}
