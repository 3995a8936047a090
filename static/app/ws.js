// ws.js — a small GraphQL-over-WebSocket client (the graphql-transport-ws
// protocol of npm graphql-ws, which the gateway speaks on /graphql-ws) that
// keeps its subscriptions alive across dropped connections.
//
// One socket carries every subscription of the page. It opens when the first
// subscription starts and closes when the last one stops. When the socket
// drops (gateway restart, network loss, no answer to our ping, no
// connection_ack within 10 s) it reconnects
// with exponential back-off (0.5 s doubling to 8 s, with jitter; at once when
// the browser comes back online) and subscribes again, asking each
// subscription for its payload anew, so a stream can resume from the last id
// it showed (stream.js). Listeners see the connection's state for the
// page's indicator.

const PROTOCOL = 'graphql-transport-ws';
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
const PING_EVERY_MS = 15000; // our ping while open
const PONG_WITHIN_MS = 6000; // no message at all by then: the socket is dead
const ACK_WITHIN_MS = 10000; // from new WebSocket() to connection_ack

/**
 * Creates the client for `url` (ws:// or wss://). `init()` returns the
 * connection_init payload (called on every connect).
 * Returns {subscribe(payload, sink), state(), onState(fn), close()}:
 * - subscribe: payload() → {query, variables}, called at every (re)subscribe;
 *   sink.next(result) per `next` message ({data, errors}), sink.error(errors)
 *   when the gateway ends it with an `error` message, sink.complete() on
 *   `complete`. Returns a function that stops it.
 * - state(): {status: 'idle' | 'connecting' | 'open' | 'waiting', retryAt, attempt}.
 */
export function createSocketClient(url, { init = () => ({}) } = {}) {
  const subs = new Map(); // our id → {payload, sink, sent}
  const listeners = new Set();
  let ws = null;
  let acked = false;
  let attempt = 0;
  let state = { status: 'idle', retryAt: 0, attempt: 0 };
  let retryTimer = 0;
  let pingTimer = 0;
  let deadTimer = 0;
  let nextId = 1;

  function setState(status, retryAt = 0) {
    state = { status, retryAt, attempt };
    for (const fn of listeners) fn(state);
  }

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function sendSubscribe(id, s) {
    s.sent = true;
    send({ id, type: 'subscribe', payload: s.payload() });
  }

  function clearTimers() {
    clearTimeout(pingTimer);
    clearTimeout(deadTimer);
    pingTimer = deadTimer = 0;
  }

  function armPing() {
    clearTimers();
    pingTimer = setTimeout(() => {
      send({ type: 'ping' });
      deadTimer = setTimeout(() => drop(), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (subs.size === 0) return setState('idle');
    setState('connecting');
    acked = false;
    const sock = new WebSocket(url, PROTOCOL);
    ws = sock;
    deadTimer = setTimeout(() => sock === ws && drop(), ACK_WITHIN_MS); // cleared by the first message
    sock.onopen = () => sock.send(JSON.stringify({ type: 'connection_init', payload: init() }));
    sock.onmessage = (ev) => {
      if (sock !== ws) return;
      armPing(); // any message shows the connection is alive
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return drop();
      }
      onMessage(msg);
    };
    sock.onclose = () => {
      if (sock === ws) drop();
    };
    sock.onerror = () => {}; // a close event follows; the browser logs the failure itself
  }

  function onMessage(msg) {
    const s = msg.id != null ? subs.get(msg.id) : undefined;
    switch (msg.type) {
      case 'connection_ack':
        acked = true;
        attempt = 0;
        setState('open');
        for (const [id, sub] of subs) sendSubscribe(id, sub);
        break;
      case 'ping':
        send({ type: 'pong' });
        break;
      case 'next':
        s?.sink.next(msg.payload);
        break;
      case 'error':
        if (s) {
          subs.delete(msg.id);
          s.sink.error(msg.payload);
          if (subs.size === 0) shutDown();
        }
        break;
      case 'complete':
        if (s) {
          subs.delete(msg.id);
          s.sink.complete?.();
          if (subs.size === 0) shutDown();
        }
        break;
      default:
        break; // pong, or anything newer: ignored
    }
  }

  /** The connection is gone (or useless): forget it and try again after a while. */
  function drop() {
    const old = ws;
    ws = null;
    acked = false;
    clearTimers();
    if (old) {
      old.onopen = old.onmessage = old.onclose = null;
      try {
        old.close();
      } catch {
        // already closing
      }
    }
    for (const s of subs.values()) s.sent = false;
    if (subs.size === 0) return setState('idle');
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    retryTimer = setTimeout(connect, delay);
    setState('waiting', Date.now() + delay);
  }

  /** No subscription left: close the socket on purpose. */
  function shutDown() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    clearTimers();
    const old = ws;
    ws = null;
    if (old) {
      old.onopen = old.onmessage = old.onclose = null;
      old.close(1000, 'Normal Closure');
    }
    attempt = 0;
    setState('idle');
  }

  // back online: do not wait for the back-off
  window.addEventListener('online', () => {
    if (state.status === 'waiting') {
      attempt = 0;
      connect();
    }
  });

  return {
    subscribe(payload, sink) {
      const id = String(nextId++);
      const s = { payload, sink, sent: false };
      subs.set(id, s);
      if (ws === null && !retryTimer) connect();
      else if (acked) sendSubscribe(id, s);
      return () => {
        if (!subs.delete(id)) return;
        if (s.sent) send({ id, type: 'complete' });
        if (subs.size === 0) shutDown();
      };
    },
    state: () => state,
    onState(fn) {
      listeners.add(fn);
      fn(state);
      return () => listeners.delete(fn);
    },
    close: shutDown,
  };
}
