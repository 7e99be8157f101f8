// terminal-tab.js — the conversation's "Terminal" tab: the sandbox's
// terminals in xterm.js, through serve's sandboxd passthrough
// (docs/serve.md), so the page never holds the sandbox's key.
//
// - "Agent": the agent's bash session, read-only (WS
//   …/api/handbox/sessions/{sid}/watch, docs/bash-sessions.md): its last
//   64 KiB, then live. In a conversation's sandbox the agent's terminal
//   tool makes the only bash session, so the newest one that has not
//   exited is it. When the session ends the tab waits for the next one.
// - "My shell": the user's own `bash -l` (sh where there is no bash) on a
//   PTY, as the sandbox user in its working directory (WS
//   …/api/handbox/exec, docs/exec-websocket.md): keys go in as stdin, the
//   size follows the window, the exit code is shown.
//
// xterm.js is vendored at build time (web/web.mk) and loaded the first
// time the tab opens, so "/" does not carry it.
import { h, spinner } from './dom.js';
import { api, sandboxdPath, signInNeeded } from './api.js';
import { socketUrl } from './events.js';

const LOOK_MS = 3000;        // how often to look for the agent's session
const SHELL = 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi';
const THEME = {
  background: '#11151c', foreground: '#e4e8ee', cursor: '#7ea2ff', cursorAccent: '#11151c',
  selectionBackground: '#33415c', black: '#1d222b', brightBlack: '#6b7482',
};
const DIM = (text) => `\x1b[2m${text}\x1b[0m`;

let xtermLoad = null;
function loadXterm() {
  if (!xtermLoad) {
    document.head.append(h('link', { rel: 'stylesheet', href: 'assets/vendor/xterm.css' }));
    xtermLoad = Promise.all([import('./vendor/xterm.mjs'), import('./vendor/addon-fit.mjs')])
      .then(([x, f]) => ({ Terminal: x.Terminal, FitAddon: f.FitAddon }))
      .catch((e) => { xtermLoad = null; throw e; });
  }
  return xtermLoad;
}

// An xterm in host that keeps to host's size (while host is shown).
function makeTerminal(lib, host, { readOnly, label }) {
  const term = new lib.Terminal({
    convertEol: readOnly,   // the agent's session prints plain \n
    disableStdin: readOnly,
    cursorBlink: !readOnly,
    cursorStyle: readOnly ? 'underline' : 'block',
    fontFamily: getComputedStyle(document.body).getPropertyValue('--mono') || 'monospace',
    fontSize: 13,
    scrollback: 5000,
    theme: THEME,
  });
  const fit = new lib.FitAddon();
  term.loadAddon(fit);
  term.open(host);
  term.textarea?.setAttribute('aria-label', label);
  const refit = () => { if (host.clientWidth && host.clientHeight) fit.fit(); };
  const ro = new ResizeObserver(refit);
  ro.observe(host);
  refit();
  return { term, refit, dispose() { ro.disconnect(); term.dispose(); } };
}

function closeNote(ev) {
  if (ev.code === 4001) { signInNeeded(); return 'not signed in'; }
  return ev.reason || (ev.code === 1006 ? 'the connection was lost' : `closed (${ev.code})`);
}

// ------------------------------------------------------------ the agent's

function agentView(lib, box, note) {
  const host = h('div', { class: 'xterm-host' });
  box.replaceChildren(host);
  const t = makeTerminal(lib, host, { readOnly: true, label: 'The agent\'s terminal (read-only)' });
  let sb = null, ws = null, timer = null, stopped = false, watching = null, ended = new Set();

  function later() { clearTimeout(timer); if (!stopped) timer = setTimeout(look, LOOK_MS); }

  async function look() {
    timer = null;
    if (stopped || !sb || ws) return;
    const want = sb;
    let list;
    try {
      list = await api.bashSessions(want);
    } catch (e) {
      if (want === sb) note(`Cannot list the sandbox's terminals: ${e.message}`, 'error');
      later();
      return;
    }
    if (want !== sb || ws || stopped) return;
    const s = list.find((x) => x.status !== 'exited' && !ended.has(x.id));
    if (!s) {
      if (!watching) note('The agent has not opened its terminal yet: it does with its first command.');
      later();
      return;
    }
    attach(s);
  }

  function attach(s) {
    if (watching !== s.id) t.term.reset();
    watching = s.id;
    note(`Watching the agent's shell (read-only) in ${s.cwd || 'its working directory'}.`);
    const sock = new WebSocket(socketUrl(sandboxdPath(sb, `api/handbox/sessions/${encodeURIComponent(s.id)}/watch`)));
    ws = sock;
    sock.binaryType = 'arraybuffer';
    let first = true;
    sock.onmessage = (ev) => {
      if (ws !== sock || !(ev.data instanceof ArrayBuffer)) return;
      // a reconnection replays the scrollback: start clean
      if (first) { t.term.reset(); first = false; }
      t.term.write(new Uint8Array(ev.data));
    };
    sock.onclose = (ev) => {
      // a socket show() closed (another sandbox, or none) says nothing
      if (ws !== sock || stopped) return;
      ws = null;
      const why = closeNote(ev);
      if (ev.code === 1000) ended.add(s.id);
      t.term.write(`\r\n${DIM(`[${why}]`)}\r\n`);
      note(ev.code === 1000 ? `The agent's shell ended (${why}); a new one shows here when it starts.` : `Reconnecting: ${why}.`, ev.code === 1000 ? '' : 'error');
      if (ev.code !== 4001) later();
    };
  }

  return {
    show(id) {
      if (id === sb) { if (!ws && !timer) look(); return; }
      ws?.close();
      ws = null;
      sb = id;
      watching = null;
      ended = new Set();
      t.term.reset();
      clearTimeout(timer);
      timer = null;
      if (sb) look();
    },
    refit: t.refit,
    stop() { stopped = true; clearTimeout(timer); ws?.close(); t.dispose(); },
  };
}

// ------------------------------------------------------------- the user's

function shellView(lib, box, note) {
  const host = h('div', { class: 'xterm-host', hidden: true });
  const openBtn = h('button', { type: 'button', class: 'primary' }, 'Open a shell');
  const intro = h('div', { class: 'term-intro' },
    h('p', {}, 'Your own shell in the sandbox, as its user, in its working directory. What you run here is not part of the conversation.'),
    openBtn);
  box.replaceChildren(intro, host);
  let sb = null, ws = null, t = null, stopped = false;
  const enc = new TextEncoder();

  const send = (msg) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg)); };

  function open() {
    if (!sb || ws) return;
    intro.hidden = true;
    host.hidden = false;
    if (!t) {
      t = makeTerminal(lib, host, { readOnly: false, label: 'Your shell in the sandbox' });
      t.term.onData((d) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d)); });
      t.term.onResize(({ rows, cols }) => send({ type: 'resize', rows, cols }));
    } else {
      t.term.write(`\r\n${DIM('[a new shell]')}\r\n`);
    }
    t.refit();
    note('Starting a shell…');
    const sock = new WebSocket(socketUrl(sandboxdPath(sb, 'api/handbox/exec')));
    ws = sock;
    sock.binaryType = 'arraybuffer';
    let exited = false;
    sock.onopen = () => send({ type: 'start', command: SHELL, pty: { rows: t.term.rows, cols: t.term.cols } });
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      if (ev.data instanceof ArrayBuffer) {
        t.term.write(new Uint8Array(ev.data, 1));   // after the stream byte
        return;
      }
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      if (m.type === 'started') {
        note(`Your shell is running (pid ${m.pid}). Type exit or press Ctrl-D to end it.`);
        t.term.focus();
      } else if (m.type === 'exit') {
        exited = true;
        const how = m.signal ? `killed by ${m.signal}` : `exit code ${m.exit_code}`;
        t.term.write(`\r\n${DIM(`[the shell ended: ${how}]`)}\r\n`);
        note(`The shell ended (${how}).`);
      } else if (m.type === 'error') {
        t.term.write(`\r\n${DIM(`[${m.message || m.detail || 'error'}]`)}\r\n`);
        note(`The shell failed: ${m.message || m.detail || 'error'}`, 'error');
      }
    };
    sock.onclose = (ev) => {
      if (ws !== sock || stopped) return;
      ws = null;
      if (!exited) {
        const why = closeNote(ev);
        t.term.write(`\r\n${DIM(`[disconnected: ${why}]`)}\r\n`);
        note(`The shell was disconnected: ${why}.`, 'error');
      }
      again.hidden = false;
    };
    again.hidden = true;
  }
  const again = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: open }, 'Open a new shell');
  openBtn.onclick = open;

  return {
    again,
    show(id) {
      if (id === sb) return;
      ws?.close();
      ws = null;
      sb = id;
      t?.term.reset();
      intro.hidden = false;
      host.hidden = true;
      again.hidden = true;
    },
    refit() { t?.refit(); },
    stop() { stopped = true; ws?.close(); t?.dispose(); },
  };
}

// ------------------------------------------------------------- the tab

// show(sandboxId, status) whenever the conversation's sandbox changes;
// activate() when the tab is shown; stop() when the page goes.
export function terminalTab() {
  const agentBtn = h('button', { type: 'button', class: 'seg', 'aria-pressed': 'true' }, 'Agent');
  const shellBtn = h('button', { type: 'button', class: 'seg', 'aria-pressed': 'false' }, 'My shell');
  const noteEl = h('p', { class: 'term-note small', role: 'status' });
  const agentBox = h('div', { class: 'term-box' });
  const shellBox = h('div', { class: 'term-box', hidden: true });
  const tools = h('div', { class: 'term-tools' });
  const body = h('div', { class: 'term-body' }, agentBox, shellBox);
  const el = h('div', { class: 'term-tab' },
    h('div', { class: 'term-bar' },
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'Which terminal' }, agentBtn, shellBtn),
      noteEl, tools),
    body);
  let lib = null, agent = null, shell = null, sb = null, status = null, mode = 'agent', loading = null;
  const notes = { agent: ['', ''], shell: ['', ''] };

  function renderNote() {
    const [text, tone] = notes[mode];
    noteEl.textContent = text;
    noteEl.className = `term-note small ${tone === 'error' ? 'error-text' : 'muted'}`;
  }
  const noteFor = (m) => (text, tone = '') => { notes[m] = [text, tone]; if (mode === m) renderNote(); };

  function setMode(m) {
    mode = m;
    agentBtn.setAttribute('aria-pressed', String(m === 'agent'));
    shellBtn.setAttribute('aria-pressed', String(m === 'shell'));
    agentBox.hidden = m !== 'agent';
    shellBox.hidden = m !== 'shell';
    tools.replaceChildren(m === 'shell' && shell ? shell.again : '');
    renderNote();
    (m === 'agent' ? agent : shell)?.refit();
  }
  agentBtn.onclick = () => setMode('agent');
  shellBtn.onclick = () => setMode('shell');

  function apply() {
    if (!lib) return;
    const running = status === 'running' && sb;
    body.classList.toggle('off', !running);
    if (!running) {
      const why = !sb ? 'No sandbox yet: it is made when the agent starts.' : `The sandbox is ${status || 'not running'}: its terminals open once it runs.`;
      notes.agent = notes.shell = [why, ''];
      renderNote();
    }
    agent.show(running ? sb : null);
    shell.show(running ? sb : null);
  }

  async function activate() {
    if (lib) { apply(); (mode === 'agent' ? agent : shell).refit(); return; }
    if (loading) return;
    noteEl.replaceChildren(spinner(), ' Loading the terminal…');
    loading = loadXterm();
    try {
      lib = await loading;
    } catch (e) {
      loading = null;
      noteEl.className = 'term-note small error-text';
      noteEl.textContent = `The terminal could not be loaded (${e.message}). Reload the page to try again.`;
      return;
    }
    agent = agentView(lib, agentBox, noteFor('agent'));
    shell = shellView(lib, shellBox, noteFor('shell'));
    setMode(mode);
    apply();
  }

  return {
    el,
    activate,
    show(sandboxId, sandboxStatus) {
      sb = sandboxId || null;
      status = sandboxStatus;
      apply();
    },
    stop() { agent?.stop(); shell?.stop(); },
  };
}
