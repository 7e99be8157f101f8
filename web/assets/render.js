// render.js — conversation events as DOM (API.md § 2 events, the tools of
// docs/agent-tools.md), with the CLI's choices (src/cli/run_render*.c):
// messages; the text that comes with a tool call; `$ command` with its
// output and exit code; file edits as diffs; the plan as a checklist;
// think and finish; tool and conversation errors. An observation joins the
// card of its action. State updates are the view's business, not shown
// here (but for the note about text tool calls).
import { h, append } from './dom.js';
import { markdown } from './markdown.js';
import { diffLines, hunks, diffStats } from './diff.js';
import { clock, fullTime, contentText } from './format.js';

const LONG_OUTPUT_LINES = 24;
const DIFF_MAX_ROWS = 400;

function time(ts) {
  const c = clock(ts);
  return c ? h('time', { class: 'ts', datetime: ts, title: fullTime(ts) }, c) : null;
}

// A block of text that may be long: clipped with a button that shows all.
function output(text, cls = '') {
  const pre = h('pre', { class: `output ${cls}`, tabindex: '0' }, text);
  const n = text.split('\n').length;
  if (n <= LONG_OUTPUT_LINES) return pre;
  pre.classList.add('clipped');
  const btn = h('button', { type: 'button', class: 'link more', 'aria-expanded': 'false' }, `Show all ${n} lines`);
  btn.onclick = () => {
    const open = pre.classList.toggle('clipped');
    btn.setAttribute('aria-expanded', String(!open));
    btn.textContent = open ? `Show all ${n} lines` : 'Show less';
  };
  return h('div', { class: 'output-wrap' }, pre, btn);
}

// The note the model reads at the end of a command's output: the exit code
// has its own place here.
/* The notes the model reads at the end of a command's output: the exit
 * code and the directory have their own places on the card. */
function stripExitNote(text) {
  return text
    .replace(/\s*\[The command completed with exit code -?\d+\.?[^\]]*\]\s*$/, '')
    .replace(/\s*\[Current working directory: [^\]\n]*\]\s*$/, '');
}

function diffView(oldText, newText) {
  const ops = diffLines(oldText, newText);
  const rows = hunks(ops);
  const { added, removed } = diffStats(ops);
  const table = h('table', { class: 'diff' });
  const shown = rows.slice(0, DIFF_MAX_ROWS);
  for (const [op, text, ln, rn] of shown) {
    if (op === '@') {
      table.append(h('tr', { class: 'gap' }, h('td', { colspan: 3 }, `··· ${text}`)));
      continue;
    }
    const cls = op === '+' ? 'add' : op === '-' ? 'del' : 'ctx';
    table.append(h('tr', { class: cls },
      h('td', { class: 'ln', 'aria-hidden': 'true' }, ln ?? ''),
      h('td', { class: 'ln', 'aria-hidden': 'true' }, rn ?? ''),
      h('td', { class: 'code' }, h('span', { class: 'sr-only' }, op === '+' ? 'added: ' : op === '-' ? 'removed: ' : ''),
        h('span', { class: 'sign', 'aria-hidden': 'true' }, op === ' ' ? ' ' : op), text)));
  }
  const wrap = h('div', { class: 'diff-wrap', tabindex: '0' }, table);
  if (rows.length > shown.length) wrap.append(h('p', { class: 'muted small' }, `… ${rows.length - shown.length} more lines of the diff not shown`));
  return { node: wrap, added, removed };
}

function taskList(list) {
  const ul = h('ul', { class: 'tasks' });
  for (const t of list || []) {
    const st = t.status || 'todo';
    const label = st === 'done' ? 'done' : st === 'in_progress' ? 'in progress' : 'to do';
    ul.append(h('li', { class: `task ${st}` },
      h('span', { class: 'task-box', 'aria-hidden': 'true' }, st === 'done' ? '✓' : st === 'in_progress' ? '◐' : ''),
      h('span', { class: 'task-title' }, t.title || '(untitled)', h('span', { class: 'sr-only' }, ` (${label})`)),
      t.notes ? h('span', { class: 'task-notes' }, t.notes) : null));
  }
  return ul;
}
export { taskList };

const ERROR_TITLES = {
  LLMAuthenticationError: 'The LLM refused the API key',
  LLMError: 'The LLM call failed',
  SandboxError: 'The sandbox cannot be used',
  MaxIterationsReached: 'Step limit reached',
  AgentStuck: 'The agent is stuck',
  EmptyResponse: 'The model gave empty answers',
};

function settingsLink() {
  return h('a', { href: 'settings', 'data-link': '' }, 'Open the LLM settings');
}

export class Transcript {
  // onPlan(task_list) when the agent changes its plan.
  constructor(root, { onPlan } = {}) {
    this.root = root;
    this.onPlan = onPlan || (() => {});
    this.cards = new Map();   // action event id and tool_call_id → card
    this.waiting = new Set(); // cards without their observation yet
    this.count = 0;
  }

  add(ev) {
    const fn = this[`on${ev.kind}`];
    let node;
    try {
      node = fn ? fn.call(this, ev) : h('div', { class: 'note' }, `[${ev.kind || 'event without a kind'}]`);
    } catch (e) {
      node = h('div', { class: 'note' }, `[${ev.kind}: could not be shown: ${e.message}]`);
    }
    if (node) {
      if (ev.id) node.dataset.eventId = ev.id;
      this.root.append(node);
      this.count++;
    }
    return node;
  }

  // Is an action waiting for its observation?
  pending() {
    return this.waiting.size > 0;
  }

  // The run ended (a pause, an error, a new message): an action still
  // without a result was interrupted and will never get one.
  settle() {
    for (const card of this.waiting) {
      card.classList.remove('pending');
      card._state.replaceWith(h('span', { class: 'badge muted' }, 'interrupted'));
    }
    this.waiting.clear();
  }

  done(card, badge) {
    card.classList.remove('pending');
    this.waiting.delete(card);
    card._state.replaceWith(badge || h('span'));
  }

  onSystemPromptEvent(ev) {
    const n = Array.isArray(ev.tools) ? ev.tools.length : 0;
    const names = (ev.tools || []).map((t) => t.name || (t.function && t.function.name) || t.title).filter(Boolean);
    const text = ev.system_prompt && (ev.system_prompt.text ?? contentText(ev.system_prompt));
    return h('details', { class: 'note system' },
      h('summary', {}, `System prompt · ${n} tool${n === 1 ? '' : 's'}${names.length ? ` (${names.join(', ')})` : ''}`),
      text ? h('pre', { class: 'output', tabindex: '0' }, text) : null);
  }

  onMessageEvent(ev) {
    const m = ev.llm_message || {};
    const text = contentText(m.content);
    const role = m.role || (ev.source === 'user' ? 'user' : 'assistant');
    if (ev.source === 'environment' || (role === 'user' && ev.source && ev.source !== 'user')) {
      return h('div', { class: 'note' }, text);
    }
    if (role === 'user') {
      this.settle();
      return h('div', { class: 'msg user' }, h('div', { class: 'bubble' }, markdown(text)), time(ev.timestamp));
    }
    return h('div', { class: 'msg agent' }, markdown(text), time(ev.timestamp));
  }

  card(ev, kind, head, { body = null, open = true } = {}) {
    const state = h('span', { class: 'tool-state' },
      h('span', { class: 'when-live' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'running'),
      h('span', { class: 'when-idle' }, 'not finished'));
    const card = h('div', { class: `tool ${kind} pending` },
      h('div', { class: 'tool-head' }, head, state));
    if (body) card.append(body);
    card.dataset.open = open ? '1' : '';
    card._state = state;
    this.waiting.add(card);
    if (ev.id) this.cards.set(ev.id, card);
    if (ev.tool_call_id) this.cards.set(ev.tool_call_id, card);
    return card;
  }

  onActionEvent(ev) {
    const a = ev.action || {};
    const out = h('div', { class: 'step' });
    const thought = contentText(ev.thought);
    if (thought.trim()) out.append(h('div', { class: 'msg agent narration' }, markdown(thought)));
    const summary = ev.summary || a.summary;
    const label = (t) => h('span', { class: 'tool-label' }, t);
    let card;
    switch (a.kind) {
    case 'TerminalAction': {
      const cmd = a.command || '';
      let what;
      if (a.reset) what = h('span', {}, 'Reset the terminal');
      else if (a.is_input) what = h('code', { class: 'cmd' }, cmd);
      else if (!cmd) what = h('span', { class: 'muted' }, 'Reading more output');
      else what = h('code', { class: 'cmd' }, h('span', { class: 'prompt', 'aria-hidden': 'true' }, '$ '), cmd);
      card = this.card(ev, 'terminal', [label(a.is_input ? 'Input' : 'Terminal'), what]);
      break;
    }
    case 'FileEditorAction': {
      const verb = { view: 'Read', create: 'Create', str_replace: 'Edit', insert: 'Insert into', undo_edit: 'Undo edit of' }[a.command] || a.command;
      let extra = '';
      if (a.command === 'insert') extra = ` after line ${a.insert_line}`;
      if (a.command === 'view' && Array.isArray(a.view_range)) extra = ` lines ${a.view_range[0]}–${a.view_range[1] === -1 ? 'end' : a.view_range[1]}`;
      card = this.card(ev, `file ${a.command === 'view' ? 'view' : 'edit'}`,
        [label(verb), h('code', { class: 'path' }, a.path || '?'), extra ? h('span', { class: 'muted' }, extra) : null]);
      break;
    }
    case 'TaskTrackerAction': {
      if (a.command === 'plan') {
        this.onPlan(a.task_list || []);
        card = this.card(ev, 'plan', [label('Plan'), h('span', {}, `${(a.task_list || []).length} task${(a.task_list || []).length === 1 ? '' : 's'}`)],
          { body: taskList(a.task_list) });
      } else {
        card = this.card(ev, 'plan quiet', [label('Plan'), h('span', { class: 'muted' }, 'Read the task list')]);
      }
      break;
    }
    case 'ThinkAction':
      card = this.card(ev, 'think quiet', [label('Thought')], { body: h('div', { class: 'think-text' }, markdown(a.thought || '')) });
      break;
    case 'FinishAction':
      card = this.card(ev, 'finish', [label('Finished')], { body: markdown(a.message || '') });
      break;
    default: {
      const args = { ...a };
      delete args.kind;
      card = this.card(ev, 'other', [label(ev.tool_name || a.kind || 'action'), h('code', { class: 'args' }, JSON.stringify(args))]);
    }
    }
    if (summary) {
      // the model's own words head the card; what it ran goes below
      const head = card.querySelector('.tool-head');
      const detail = [...head.childNodes].filter((n) => n !== card._state && !(n.classList && n.classList.contains('tool-label')));
      head.insertBefore(h('span', { class: 'tool-summary' }, summary), card._state);
      if (detail.length) head.after(h('div', { class: 'tool-sub' }, detail.filter((n) => !n.classList || !n.classList.contains('tool-label'))));
    }
    out.append(card);
    return out;
  }

  onObservationEvent(ev) {
    const o = ev.observation || {};
    const card = this.cards.get(ev.action_id) || this.cards.get(ev.tool_call_id);
    const isError = !!o.is_error;
    const text = contentText(o.content);
    let body = null, badge = null;
    switch (o.kind) {
    case 'TerminalObservation': {
      const out = stripExitNote(text);
      let code = Number.isInteger(o.exit_code) ? o.exit_code : o.metadata && o.metadata.exit_code;
      if (out.trim()) body = output(out, isError ? 'error' : '');
      if (o.timeout) badge = h('span', { class: 'badge warn' }, code === -1 ? 'still running' : 'timed out');
      else if (code > 0) badge = h('span', { class: 'badge error' }, `exit code ${code}`);
      else if (code === 0) badge = h('span', { class: 'badge ok' }, 'exit 0');
      else if (code === -1) badge = h('span', { class: 'badge warn' }, 'still running');
      else if (isError) badge = h('span', { class: 'badge error' }, 'error');
      const cwd = o.metadata && o.metadata.working_dir;
      if (cwd && card) card.title = `in ${cwd}`;
      break;
    }
    case 'FileEditorObservation': {
      const oldC = o.old_content, newC = o.new_content;
      if (!isError && o.command !== 'view' && (typeof oldC === 'string' || typeof newC === 'string')) {
        const d = diffView(oldC, newC);
        body = d.node;
        badge = h('span', { class: 'badge diffstat', title: `${d.added} line${d.added === 1 ? '' : 's'} added, ${d.removed} removed` },
          typeof oldC !== 'string' ? h('span', { class: 'muted' }, 'new file ') : null,
          h('span', { class: 'plus' }, `+${d.added}`), d.removed ? [' ', h('span', { class: 'minus' }, `−${d.removed}`)] : null);
      } else if (isError) {
        body = output(text, 'error');
        badge = h('span', { class: 'badge error' }, 'failed');
      } else {
        body = h('details', { class: 'view-body' }, h('summary', {}, `Show what the agent read (${text.split('\n').length} lines)`), output(text));
      }
      break;
    }
    case 'ThinkObservation':
    case 'FinishObservation':
    case 'TaskTrackerObservation':
      if (isError) { body = output(text, 'error'); badge = h('span', { class: 'badge error' }, 'failed'); }
      break;
    default:
      if (text.trim()) body = output(text, isError ? 'error' : '');
      if (isError) badge = h('span', { class: 'badge error' }, 'error');
    }
    if (!card) {
      // an observation without its action (not in view): shown alone
      const alone = h('div', { class: `tool other${isError ? ' failed' : ''}` },
        h('div', { class: 'tool-head' }, h('span', { class: 'tool-label' }, ev.tool_name || o.kind || 'result'), badge));
      if (body) alone.append(body);
      return alone;
    }
    if (isError) card.classList.add('failed');
    this.done(card, badge);
    if (body) card.append(body);
    return null;
  }

  onAgentErrorEvent(ev) {
    const card = this.cards.get(ev.tool_call_id);
    const node = h('div', { class: 'tool-error' },
      h('strong', {}, `Tool error${ev.tool_name ? ` (${ev.tool_name})` : ''}: `), ev.error || '(no message)',
      h('span', { class: 'muted' }, ' — the agent reads this and tries again.'));
    if (card) {
      card.classList.add('failed');
      this.done(card, h('span', { class: 'badge error' }, 'refused'));
    }
    return node;
  }

  onConversationErrorEvent(ev) {
    this.settle();
    const code = ev.code || 'Error';
    const box = h('div', { class: 'callout error', role: 'alert' },
      h('strong', {}, ERROR_TITLES[code] || code),
      ev.detail ? h('p', { class: 'detail' }, ev.detail) : null);
    if (code === 'LLMAuthenticationError' || code === 'LLMError') append(box, [h('p', {}, settingsLink(), ', or send a message to try again.')]);
    else if (code === 'MaxIterationsReached') append(box, [h('p', {}, 'Resume or send a message to let the agent go on.')]);
    else if (code === 'AgentStuck' || code === 'EmptyResponse') append(box, [h('p', {}, 'Send a message to steer the agent.')]);
    return box;
  }

  onConversationStateUpdateEvent(ev) {
    if (ev.key === 'native_tool_calling' && ev.value === false) {
      return h('div', { class: 'note' }, 'The LLM server refused native tool calls: the tools are now called as text.');
    }
    return null;
  }

  onPauseEvent() {
    this.settle();
    return h('div', { class: 'divider' }, h('span', {}, 'Paused'));
  }

  onCondensation(ev) {
    const n = (ev.forgotten_event_ids || []).length;
    return h('details', { class: 'note' },
      h('summary', {}, `Context condensed: ${n} earlier event${n === 1 ? '' : 's'} summarised for the model`),
      ev.summary ? h('pre', { class: 'output', tabindex: '0' }, ev.summary) : null);
  }
}
