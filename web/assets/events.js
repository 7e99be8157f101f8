// events.js — the WebSocket of /sockets/events/{id} (API.md § 2).
// The first connection asks for every event (resend_mode=all); a
// reconnection asks only for those after the last one seen
// (resend_mode=since, after_timestamp), and events are also deduplicated
// by id, so a replay that overlaps shows nothing twice. A lost connection
// is retried with a growing delay (0.5 s … 15 s); "online" and the tab
// becoming visible retry at once.

import { signInNeeded } from './api.js';

const DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000];
// Close codes after which retrying cannot help.
const FATAL = {
  4001: 'Not signed in: the server refused the session key. Reload the page and sign in.',
  4004: 'This conversation does not exist on the server.',
};

export function socketUrl(path) {
  const u = new URL(path, document.baseURI);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u;
}

export class EventStream {
  // onEvent(event, {replay}) for every event; onState({state, …}) with
  // state connecting | open | disconnected | closed.
  constructor(conversationId, { onEvent, onState }) {
    this.id = conversationId;
    this.onEvent = onEvent;
    this.onState = onState;
    this.seen = new Set();
    this.lastTimestamp = null;
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
    this.stopped = false;
    this.retryNow = this.retryNow.bind(this);
    this.onVisible = () => { if (document.visibilityState === 'visible') this.retryNow(); };
    window.addEventListener('online', this.retryNow);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  start() { this.connect(); return this; }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    const u = socketUrl(`sockets/events/${encodeURIComponent(this.id)}`);
    if (this.lastTimestamp) {
      u.searchParams.set('resend_mode', 'since');
      u.searchParams.set('after_timestamp', this.lastTimestamp);
    } else {
      u.searchParams.set('resend_mode', 'all');
    }
    this.onState({ state: 'connecting', attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(u);
    } catch (e) {
      this.scheduleRetry(0, String(e.message || e));
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.onState({ state: 'open' });
    };
    ws.onmessage = (m) => this.receive(m.data);
    ws.onclose = (c) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (FATAL[c.code]) {
        if (c.code === 4001) signInNeeded();
        this.onState({ state: 'closed', code: c.code, reason: c.reason || FATAL[c.code] });
        return;
      }
      const why = c.code === 1013 ? 'The server has too many clients on this conversation.'
        : opened ? 'The connection to the server was lost.' : 'The server could not be reached.';
      this.scheduleRetry(c.code, why);
    };
    // The close event follows an error and says everything we need.
    ws.onerror = () => {};
  }

  receive(data) {
    let ev;
    try { ev = JSON.parse(data); } catch { return; }
    if (!ev || typeof ev !== 'object') return;
    const fullState = ev.kind === 'ConversationStateUpdateEvent' && ev.key === 'full_state';
    if (!fullState) {
      if (ev.id) {
        if (this.seen.has(ev.id)) return;
        this.seen.add(ev.id);
      }
      // The full state is made at connection time: its timestamp could
      // pass over replayed events, so only stored events count.
      if (ev.timestamp && (!this.lastTimestamp || ev.timestamp > this.lastTimestamp)) this.lastTimestamp = ev.timestamp;
    }
    this.onEvent(ev);
  }

  scheduleRetry(code, reason) {
    const base = DELAYS_MS[Math.min(this.attempt, DELAYS_MS.length - 1)];
    const delay = Math.round(base * (1 + Math.random() * 0.2));
    this.attempt++;
    const at = Date.now() + delay;
    this.onState({ state: 'disconnected', code, reason, retryAt: at, attempt: this.attempt });
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // Retry at once when waiting to reconnect.
  retryNow() {
    if (this.stopped || this.ws || !this.timer) return;
    this.connect();
  }

  // A message over the socket is sent and runs the agent.
  send(obj) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener('online', this.retryNow);
    document.removeEventListener('visibilitychange', this.onVisible);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.close(1000, 'page left');
    }
  }
}
