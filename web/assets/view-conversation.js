// view-conversation.js — "/conversations/{id}": the chat with the
// agent's events streaming live, the status line (the reference's states,
// "Starting sandbox", "Disconnected" with reconnection), pause / resume /
// stop, tokens and cost, and the side panel (the plan, the sandbox, the
// details). Tabs over the main column: the chat, the sandbox's terminals
// (terminal-tab.js), its files (file-browser.js), VS Code and the desktop
// (service-tab.js) and the agent's browser steps (browser-tab.js), which
// need the width a side column does not have and are loaded when first
// opened.
import { h, clear, spinner } from './dom.js';
import { api } from './api.js';
import { EventStream } from './events.js';
import { Transcript, taskList } from './render.js';
import { cost, thousands, usage, statusInfo, fullTime, shortId, contentText, parseTime } from './format.js';
import { sandboxPanel, portsPanel } from './sandbox-panel.js';

const SANDBOX_POLL_MS = 2000;

// An observation of the agent's browser tools (browser-tab.js shows them).
const isBrowserStep = (ev) => ev.kind === 'ObservationEvent' &&
  (/^browser_/.test(ev.tool_name || '') || /^Browser/.test((ev.observation && ev.observation.kind) || ''));

// A tab whose code (terminal-tab.js and xterm.js, file-browser.js) is
// loaded the first time it opens, so "/" does not carry it. show() calls
// before then are kept and replayed.
function lazyTab(load) {
  const el = h('div', { class: 'tab-lazy' });
  let tab = null, loading = null, last = [];
  return {
    el,
    show(...args) { last = args; tab?.show(...args); },
    activate() {
      if (tab) { tab.activate(); return; }
      loading ||= load().then((make) => {
        tab = make();
        el.replaceChildren(tab.el);
        tab.show(...last);
        tab.activate();
      }).catch((e) => {
        loading = null;
        el.replaceChildren(h('p', { class: 'small error-text' }, `This tab could not be loaded (${e.message}). Reload the page to try again.`));
      });
    },
    stop() { tab?.stop?.(); },
  };
}
const STICK_PX = 80;

export function mountConversation(main, id, ctx) {
  document.title = 'Conversation · handbox';
  let gone = false;
  const st = {
    info: null,          // the last ConversationInfo / full state
    status: null,        // execution_status
    stats: null,
    sandbox_status: null,
    sandbox_error: null,
    sandbox_paused: null,   // "idle" or "asked" while paused
    resume_error: null,
    conn: { state: 'connecting' },
    lastError: null,     // the last ConversationErrorEvent
    firstUserText: '',
    hadAgent: false,     // an agent started here (its SystemPromptEvent came)
    lastEventAt: Date.now(),
    started: Date.now(),
  };

  // --- the layout -------------------------------------------------------
  const title = h('h1', { class: 'conv-h1', tabindex: '-1' }, 'Conversation');
  const stDot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const stLabel = h('strong', {}, 'Connecting…');
  const stHint = h('span', { class: 'hint' });
  const statusLine = h('div', { class: 'statusline idle', role: 'status', 'aria-live': 'polite' }, stDot, stLabel, stHint);
  const progress = h('div', { class: 'progress', hidden: true, 'aria-hidden': 'true' }, h('span'));
  const controls = h('div', { class: 'controls', role: 'group', 'aria-label': 'Agent controls' });
  const usageEl = h('div', { class: 'usage', title: 'tokens sent ↑ and received ↓, and the cost so far' });
  const sideToggle = h('button', { type: 'button', class: 'secondary side-toggle', 'aria-expanded': 'false', 'aria-controls': 'conv-side' }, 'Details');

  const log = h('div', { class: 'transcript', role: 'log', 'aria-label': 'Conversation events', 'aria-live': 'polite' });
  const working = h('div', { class: 'working', hidden: true, 'aria-hidden': 'true' });
  const scroller = h('div', { class: 'scroller', tabindex: '-1' }, log, working);
  const newBtn = h('button', { type: 'button', class: 'new-events', hidden: true }, 'New events ↓');
  const sandboxBox = h('div', { class: 'sandbox-alert' });

  const input = h('textarea', { id: 'message', rows: 1, autocomplete: 'off', 'aria-describedby': 'message-hint', placeholder: 'Message the agent…' });
  const sendBtn = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const composerErr = h('div', { class: 'form-error', role: 'alert' });
  const composer = h('form', { class: 'composer' },
    h('label', { for: 'message', class: 'sr-only' }, 'Message to the agent'),
    h('div', { class: 'composer-row' }, input, sendBtn),
    h('div', { class: 'composer-foot' },
      h('span', { id: 'message-hint', class: 'hint keys' }, h('kbd', {}, 'Enter'), ' to send · ', h('kbd', {}, 'Shift'), '+', h('kbd', {}, 'Enter'), ' for a new line')),
    composerErr);

  const planEl = h('div', {}, h('p', { class: 'muted small' }, 'No plan yet: the agent writes one for longer tasks.'));
  const sandboxEl = h('div', {});
  const ports = portsPanel();
  const detailsEl = h('dl', { class: 'details' });
  const sideClose = h('button', { type: 'button', class: 'secondary side-close', 'aria-label': 'Close the details' }, 'Close');
  const side = h('aside', { id: 'conv-side', class: 'conv-side', 'aria-label': 'Conversation details' },
    sideClose,
    h('section', {}, h('h2', {}, 'Tasks'), planEl),
    h('section', {}, h('h2', {}, 'Sandbox'), sandboxEl, ports.el),
    h('section', {}, h('h2', {}, 'Details'), detailsEl));

  const terminal = lazyTab(() => import('./terminal-tab.js').then((m) => m.terminalTab));
  const files = lazyTab(() => import('./file-browser.js').then((m) => m.fileBrowser));
  const vscode = lazyTab(() => import('./service-tab.js').then((m) => () => m.serviceTab('vscode')));
  const desktop = lazyTab(() => import('./service-tab.js').then((m) => () => m.serviceTab('desktop')));
  const browser = lazyTab(() => import('./browser-tab.js').then((m) => m.browserTab));
  const browserSteps = [];
  const lazy = { terminal, files, vscode, desktop, browser };
  const panels = {
    chat: h('div', { class: 'tab-panel chat-panel' }, scroller, newBtn, sandboxBox, composer),
    ...Object.fromEntries(Object.entries(lazy).map(([k, t]) => [k, h('div', { class: 'tab-panel' }, t.el)])),
  };
  const tabNames = { chat: 'Chat', terminal: 'Terminal', files: 'Files', vscode: 'VS Code', desktop: 'Desktop', browser: 'Browser' };
  const tabs = Object.keys(panels).map((k) => h('button', {
    type: 'button', role: 'tab', id: `tab-${k}`, 'aria-controls': `panel-${k}`, class: 'tab',
    onclick: () => selectTab(k),
  }, tabNames[k]));
  const tabList = h('div', { class: 'conv-tabs', role: 'tablist', 'aria-label': 'Conversation views' }, ...tabs);
  for (const [k, p] of Object.entries(panels)) {
    p.id = `panel-${k}`;
    p.setAttribute('role', 'tabpanel');
    p.setAttribute('aria-labelledby', `tab-${k}`);
  }
  function selectTab(k, focus = false) {
    Object.keys(panels).forEach((n, i) => {
      tabs[i].setAttribute('aria-selected', String(n === k));
      tabs[i].tabIndex = n === k ? 0 : -1;
      panels[n].hidden = n !== k;
    });
    if (focus) tabs[Object.keys(panels).indexOf(k)].focus();
    lazy[k]?.activate();
  }
  // arrows move between tabs (the WAI-ARIA tabs pattern)
  tabList.addEventListener('keydown', (e) => {
    const keys = Object.keys(panels), i = tabs.indexOf(document.activeElement);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: keys.length - 1 }[e.key];
    if (i < 0 || to === undefined) return;
    e.preventDefault();
    selectTab(keys[(to + keys.length) % keys.length], true);
  });
  selectTab('chat');

  main.append(h('div', { class: 'conv' },
    h('div', { class: 'conv-head' },
      h('div', { class: 'conv-title-row' },
        h('a', { href: './', 'data-link': '', class: 'back', 'aria-label': 'Back to the conversations' }, '←'),
        title, sideToggle),
      h('div', { class: 'conv-bar' }, statusLine, usageEl, controls),
      progress),
    h('div', { class: 'conv-body' },
      h('div', { class: 'conv-main' }, tabList, ...Object.values(panels)),
      side)));

  // the side panel is a drawer on narrow screens
  const setSide = (open) => {
    side.classList.toggle('open', open);
    sideToggle.setAttribute('aria-expanded', String(open));
    (open ? sideClose : sideToggle).focus();
  };
  sideToggle.onclick = () => setSide(!side.classList.contains('open'));
  sideClose.onclick = () => setSide(false);
  side.addEventListener('keydown', (e) => { if (e.key === 'Escape' && side.classList.contains('open')) setSide(false); });

  // --- scrolling: follow the end unless the reader scrolled up ---------
  let stick = true, scrollQueued = false;
  scroller.addEventListener('scroll', () => {
    stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_PX;
    if (stick) newBtn.hidden = true;
  });
  const followEnd = () => {
    if (!stick) { newBtn.hidden = false; return; }
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => { scrollQueued = false; scroller.scrollTop = scroller.scrollHeight; });
  };
  newBtn.onclick = () => { stick = true; newBtn.hidden = true; scroller.scrollTop = scroller.scrollHeight; };

  // --- the transcript ----------------------------------------------------
  const transcript = new Transcript(log, {
    onPlan: (list) => planEl.replaceChildren(list.length ? taskList(list) : h('p', { class: 'muted small' }, 'The plan is empty.')),
  });

  // --- the status line and controls ---------------------------------------
  let workTimer = null;
  function renderWorking() {
    const running = st.status === 'running' && st.conn.state === 'open' && st.sandbox_status !== 'starting';
    working.hidden = !running;
    clearInterval(workTimer);
    if (!running) return;
    const what = transcript.pending() ? 'Running the tool' : 'Waiting for the model';
    const tick = () => {
      const s = Math.floor((Date.now() - st.lastEventAt) / 1000);
      working.replaceChildren(spinner(), ` ${what}…${s >= 2 ? ` ${s} s` : ''}`);
    };
    tick();
    workTimer = setInterval(tick, 1000);
  }

  let connTimer = null;
  function renderStatus() {
    clearInterval(connTimer);
    clearTimeout(connTimer);
    let tone, label, hint = '', bar = false;
    const c = st.conn;
    if (c.state === 'closed') {
      tone = 'error'; label = 'Disconnected'; hint = c.reason || '';
    } else if (c.state === 'disconnected') {
      tone = 'offline'; label = 'Disconnected';
      const upd = () => {
        const s = Math.max(0, Math.ceil((c.retryAt - Date.now()) / 1000));
        stHint.replaceChildren(`${c.reason} Reconnecting${s ? ` in ${s} s` : ''}… `,
          h('button', { type: 'button', class: 'link', onclick: () => stream.retryNow() }, 'Retry now'));
      };
      statusLine.className = `statusline ${tone}`;
      stLabel.textContent = label;
      upd();
      connTimer = setInterval(upd, 1000);
      progress.hidden = true;
      renderControls();
      renderWorking();
      return;
    } else if (c.state === 'connecting' && !st.status) {
      tone = 'idle'; label = 'Connecting…'; bar = true;
    } else if (st.sandbox_status === 'starting') {
      tone = 'running'; label = 'Starting sandbox';
      const since = parseTime(st.info && st.info.created_at);
      const s = Math.max(0, Math.floor((Date.now() - (since ? since.getTime() : st.started)) / 1000));
      hint = `Creating the container for this conversation… ${s} s`;
      bar = true;
      connTimer = setTimeout(renderStatus, 1000);
    } else if (st.sandbox_status === 'error') {
      tone = 'error'; label = 'Error occurred'; hint = 'The sandbox failed to start.';
    } else {
      const s = statusInfo(st.status);
      tone = s.tone; label = s.label; hint = s.hint;
      if (st.status === 'error' && st.lastError && st.lastError.detail) hint = st.lastError.detail;
      if (st.status === 'stuck' && st.lastError && st.lastError.detail) hint = `Stuck: ${st.lastError.detail}`;
      if (c.state === 'connecting') hint = `${hint} Reconnecting…`;
    }
    statusLine.className = `statusline ${tone}`;
    stLabel.textContent = label;
    stHint.textContent = hint;
    progress.hidden = !bar;
    renderControls();
    renderWorking();
  }

  const busy = new Set();
  function control(name, label, title, fn, cls = 'secondary') {
    return h('button', {
      type: 'button', class: cls, title, disabled: busy.has(name),
      onclick: async () => {
        busy.add(name);
        renderControls();
        composerErr.replaceChildren();
        try { await fn(); } catch (e) {
          composerErr.append(h('p', {}, h('strong', {}, `${label} failed: `), e.message));
        } finally { busy.delete(name); renderControls(); }
      },
    }, busy.has(name) ? [spinner(), ` ${label}`] : label);
  }
  function renderControls() {
    clear(controls);
    if (st.sandbox_status === 'starting' || st.sandbox_status === 'error') return;
    if (st.status === 'running') {
      controls.append(
        control('pause', 'Pause', 'Pause after the current step', () => api.pause(id)),
        control('stop', 'Stop', 'Stop now: cancels the model call or the command in flight', () => api.interrupt(id), 'danger'));
    } else if (st.status === 'paused' || st.status === 'error') {
      controls.append(control('resume', 'Resume', 'Let the agent go on', () => api.run(id).catch((e) => {
        if (e.status !== 409) throw e;   // already running: nothing to do
      }), 'primary'));
    }
  }

  function renderUsage() {
    const u = usage(st.stats);
    usageEl.replaceChildren();
    if (!u.known) return;
    usageEl.append(
      h('span', {}, `${thousands(u.prompt)} ↑ ${thousands(u.completion)} ↓ tokens`),
      h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '),
      h('span', { title: u.cost === null ? 'the price of this model is unknown' : 'the cost so far' }, cost(u.cost)));
  }

  function renderTitle() {
    const info = st.info || {};
    const t = info.title || (st.firstUserText ? st.firstUserText.split('\n')[0].slice(0, 90) : '') || `Conversation ${shortId(id)}`;
    title.textContent = t;
    document.title = `${t} · handbox`;
  }

  function renderSide() {
    const info = st.info || {};
    sandboxEl.replaceChildren(sandboxPanel({
      id: info.sandbox_id, status: st.sandbox_status, error: st.sandbox_error,
      pausedBy: st.sandbox_paused, onResume: resumeSandbox, resumeError: st.resume_error,
    }));
    ports.show(st.sandbox_status === 'running' ? info.sandbox_id : null);
    for (const t of [terminal, files, vscode, desktop]) t.show(info.sandbox_id, st.sandbox_status);
    browser.show(browserSteps, info.sandbox_id);
    const u = usage(st.stats);
    const llm = (info.agent && info.agent.llm) || {};
    clear(detailsEl);
    const row = (k, v) => { if (v !== undefined && v !== null && v !== '') detailsEl.append(h('dt', {}, k), h('dd', {}, v)); };
    row('Model', u.model || llm.model);
    row('LLM server', llm.base_url);
    row('Started', info.created_at ? h('time', { datetime: info.created_at }, fullTime(info.created_at)) : null);
    row('Steps', u.calls ? String(u.calls) : null);
    row('Step limit', info.max_iterations ? String(info.max_iterations) : null);
    row('ID', h('code', { class: 'id' }, id));
    detailsEl.append(h('dt', { class: 'sr-only' }, 'Actions'), h('dd', { class: 'side-actions' },
      h('button', { type: 'button', class: 'link danger', onclick: remove }, 'Delete this conversation')));
  }

  // 429 when the server runs --max-sandboxes already: its sentence says
  // what to stop, shown under the button
  async function resumeSandbox() {
    const sid = st.info && st.info.sandbox_id;
    if (!sid) return;
    st.resume_error = null;
    try {
      await api.resumeSandbox(sid);
      applyInfo(await api.getConversation(id));
    } catch (e) {
      st.resume_error = e.message;
      renderSide();
    }
  }

  async function remove() {
    if (!window.confirm('Delete this conversation, its events and its sandbox?')) return;
    try {
      await api.deleteConversation(id);
      ctx.navigate('./');
    } catch (e) {
      composerErr.replaceChildren(h('p', {}, h('strong', {}, 'Delete failed: '), e.message));
    }
  }

  function renderSandboxAlert() {
    clear(sandboxBox);
    // the task becomes an event once the sandbox is up: until then the
    // page shows what was asked, so it is not blank; a sandbox that did
    // not start keeps it (the server sends it with the next message)
    const waiting = st.sandbox_status === 'starting' ||
      (st.sandbox_status === 'error' && !st.hadAgent);
    if (waiting && st.info && st.info.title) {
      sandboxBox.append(h('div', { class: 'msg user pending' },
        h('div', { class: 'bubble' }, st.info.title),
        h('small', { class: 'muted' }, st.sandbox_status === 'starting'
          ? 'Given to the agent once its sandbox is up'
          : 'Not given to the agent yet: it goes with your next message')));
    }
    if (st.sandbox_status === 'error') {
      sandboxBox.append(h('div', { class: 'callout error', role: 'alert' },
        h('strong', {}, 'The sandbox failed to start'),
        // the reason once: the error event above already shows it
        st.lastError && st.sandbox_error && st.lastError.detail === st.sandbox_error ? null
          : st.sandbox_error ? h('pre', { class: 'output error', tabindex: '0' }, st.sandbox_error) : h('p', {}, 'The server gave no reason.'),
        h('p', {}, 'Check that Docker runs on the server (', h('code', {}, 'docker info'), ') and that the image exists, then send a message here to try again.')));
    }
  }

  // Apply the fields of a ConversationInfo or a full state.
  function applyInfo(info) {
    if (!info || typeof info !== 'object') return;
    st.info = { ...(st.info || {}), ...info };
    if (info.execution_status) st.status = info.execution_status;
    if (info.stats) st.stats = info.stats;
    if ('sandbox_status' in info) st.sandbox_status = info.sandbox_status;
    if ('sandbox_error' in info) st.sandbox_error = info.sandbox_error;
    if ('sandbox_paused' in info) st.sandbox_paused = info.sandbox_paused;
    renderAll();
  }
  function renderAll() {
    log.classList.toggle('live', st.status === 'running');
    renderTitle();
    renderStatus();
    renderUsage();
    renderSide();
    renderSandboxAlert();
    pollSandbox();
  }

  // The server says when the sandbox is up through the state; polling the
  // conversation meanwhile also covers a server that does not.
  let pollTimer = null;
  function pollSandbox() {
    if (st.sandbox_status !== 'starting' || pollTimer || gone) return;
    pollTimer = setTimeout(async () => {
      pollTimer = null;
      try { applyInfo(await api.getConversation(id)); } catch { /* the socket's state says more */ }
    }, SANDBOX_POLL_MS);
  }

  // --- events --------------------------------------------------------------
  function onEvent(ev) {
    if (gone) return;
    if (ev.kind === 'ConversationStateUpdateEvent') {
      if (ev.key === 'full_state') { applyInfo(ev.value); return; }
      if (ev.key === 'execution_status') {
        st.status = ev.value;
        if (ev.value !== 'running') transcript.settle();
      } else if (ev.key === 'stats') st.stats = ev.value;
      else if (ev.key === 'title') st.info = { ...(st.info || {}), title: ev.value };
      else if (ev.key === 'sandbox_status') st.sandbox_status = ev.value;
      else if (ev.key === 'sandbox_error') st.sandbox_error = ev.value;
      else if (ev.key === 'sandbox_paused') st.sandbox_paused = ev.value;
    }
    if (ev.kind === 'ConversationErrorEvent') st.lastError = ev;
    if (ev.kind === 'SystemPromptEvent') st.hadAgent = true;
    if (isBrowserStep(ev)) {
      browserSteps.push(ev);
      browser.show(browserSteps, st.info && st.info.sandbox_id);
    }
    if (ev.kind === 'MessageEvent' && !st.firstUserText && ev.source === 'user') {
      st.firstUserText = contentText(ev.llm_message && ev.llm_message.content);
    }
    const t = parseTime(ev.timestamp);
    st.lastEventAt = t ? Math.min(Date.now(), t.getTime()) : Date.now();
    const node = transcript.add(ev);
    if (node || ev.kind === 'ObservationEvent') followEnd();
    if (ev.kind === 'ConversationStateUpdateEvent' || ev.kind === 'ConversationErrorEvent') renderAll();
    else renderWorking();
  }

  const stream = new EventStream(id, {
    onEvent,
    onState: (c) => { if (!gone) { st.conn = c; renderStatus(); } },
  });

  // --- sending ---------------------------------------------------------------
  let sending = false;
  async function send() {
    const text = input.value.trim();
    if (!text || sending) return;
    sending = true;
    sendBtn.disabled = true;
    composerErr.replaceChildren();
    try {
      await api.sendMessage(id, text);
      input.value = '';
      autosize();
      stick = true;
      followEnd();
    } catch (e) {
      composerErr.append(h('p', {}, h('strong', {}, 'The message was not sent: '), e.message));
    } finally {
      sending = false;
      sendBtn.disabled = false;
      input.focus();
    }
  }
  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 220)}px`;
  }
  input.addEventListener('input', autosize);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  });
  composer.addEventListener('submit', (e) => { e.preventDefault(); send(); });

  // --- start -----------------------------------------------------------------
  renderAll();
  api.getConversation(id).then((info) => {
    if (gone) return;
    applyInfo(info);
    stream.start();
  }).catch((e) => {
    if (gone) return;
    if (e.status === 404 || e.status === 400) {
      main.replaceChildren(h('div', { class: 'page narrow' },
        h('h1', {}, 'Conversation not found'),
        h('p', {}, `There is no conversation ${id} on this server. It may have been deleted.`),
        h('a', { href: './', 'data-link': '' }, 'Back to the conversations')));
      return;
    }
    // the server may be restarting: the socket retries on its own
    st.conn = { state: 'disconnected', reason: e.message, retryAt: Date.now() };
    renderStatus();
    stream.start();
  });
  input.focus();

  return () => {
    gone = true;
    ports.stop();
    Object.values(lazy).forEach((t) => t.stop());
    stream.stop();
    clearInterval(workTimer);
    clearInterval(connTimer);
    clearTimeout(pollTimer);
  };
}
