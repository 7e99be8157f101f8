// format.js — numbers, money, times and the conversation states, written
// as the CLI writes them (src/cli/run_format.c).

// Server timestamps are UTC without a zone suffix (API.md § 2).
export function parseTime(ts) {
  if (!ts) return null;
  const s = /(Z|[+-]\d\d:?\d\d)$/i.test(ts) ? ts : `${ts}Z`;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function ago(ts, now = Date.now()) {
  const d = parseTime(ts);
  if (!d) return '–';
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const days = Math.floor(s / 86400);
  if (days < 7) return `${days} day${days === 1 ? '' : 's'} ago`;
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fullTime(ts) {
  const d = parseTime(ts);
  return d ? d.toLocaleString() : '';
}

export function clock(ts) {
  const d = parseTime(ts);
  return d ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '';
}

export function thousands(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '0';
}

// null or negative: the price of the model is unknown
export function cost(usd) {
  if (typeof usd !== 'number' || usd < 0) return 'n/a';
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

// A file's size: "812 B", "3.4 KB", "120 MB" (powers of 1024).
export function bytes(n) {
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n, i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function duration(s) {
  s = Math.max(0, s);
  if (s < 60) return `${Math.floor(s)} s`;
  const t = Math.floor(s);
  if (t < 3600) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`;
  return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`;
}

// The totals of a ConversationInfo's or a stats event's `stats`, summed
// over every LLM it used.
export function usage(stats) {
  const out = { prompt: 0, completion: 0, cost: 0, model: '', calls: 0, known: false };
  const per = stats && stats.usage_to_metrics;
  if (!per || typeof per !== 'object') { out.cost = null; return out; }
  for (const [name, m] of Object.entries(per)) {
    if (!m) continue;
    out.known = true;
    const u = m.accumulated_token_usage || {};
    out.prompt += u.prompt_tokens || 0;
    out.completion += u.completion_tokens || 0;
    out.calls += m.llm_calls || 0;
    if (typeof m.accumulated_cost !== 'number' || out.cost === null) out.cost = null;
    else out.cost += m.accumulated_cost;
    if (name === 'agent' || !out.model) out.model = m.model_name || out.model;
  }
  if (!out.known) out.cost = null;
  return out;
}

// execution_status → what the UI says. `label` uses the reference's
// states; `short` is the list's badge; `tone` picks the colour (always
// with the text beside it).
const STATES = {
  idle: { label: 'Waiting for task', short: 'Idle', tone: 'idle',
    hint: 'The agent is waiting for your message.' },
  running: { label: 'Running task', short: 'Running', tone: 'running',
    hint: 'The agent is working.' },
  paused: { label: 'Agent stopped', short: 'Paused', tone: 'paused',
    hint: 'Paused. Resume, or send a message, to go on.' },
  waiting_for_confirmation: { label: 'Waiting for confirmation', short: 'Confirm', tone: 'paused',
    hint: 'The agent waits for your confirmation.' },
  finished: { label: 'Waiting for task', short: 'Finished', tone: 'finished',
    hint: 'The agent finished. Send a message to give it more to do.' },
  error: { label: 'Error occurred', short: 'Error', tone: 'error',
    hint: 'The run ended with an error. Resume or send a message to try again.' },
  stuck: { label: 'Agent stopped', short: 'Stuck', tone: 'error',
    hint: 'The agent was repeating itself and was stopped. Send a message to steer it.' },
};

export function statusInfo(status) {
  return STATES[status] || { label: status || 'Unknown', short: status || '?', tone: 'idle', hint: '' };
}

export function shortId(id) {
  return String(id || '').replace(/-/g, '').slice(0, 8);
}

// The text of a `content` list ([{type:"text", text}]) or a plain string.
export function contentText(c) {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c.map((x) => (typeof x === 'string' ? x : (x && x.text) || '')).join('');
}
