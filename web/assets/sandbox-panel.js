// sandbox-panel.js — the conversation's sandbox in the side panel: its
// status and id. The listening ports with their proxy links, the file
// browser and the terminal tab (issue 9) will be added here.
import { h } from './dom.js';
import { shortId } from './format.js';

const LABELS = { starting: 'Starting…', running: 'Running', error: 'Failed to start', paused: 'Paused', stopped: 'Stopped' };
const TONES = { starting: 'running', running: 'finished', error: 'error', paused: 'paused', stopped: 'idle' };

export function sandboxPanel({ id, status, error }) {
  if (!id && !status) return h('p', { class: 'muted small' }, 'No sandbox yet: it is made when the agent starts.');
  return h('div', { class: 'sandbox' },
    h('p', {},
      h('span', { class: `badge status ${TONES[status] || 'idle'}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), LABELS[status] || status || 'Unknown'),
      id ? h('code', { class: 'id', title: id }, ` ${shortId(id)}`) : null),
    error && status === 'error' ? h('p', { class: 'small error-text' }, error.split('\n')[0]) : null);
}
