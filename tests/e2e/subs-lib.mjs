// subs-lib.mjs — helpers for the subscription end-to-end tests: the whole
// stack (embedded-kafka, command-handler, gateway; started through
// bank-lib.mjs), the npm clients (graphql-ws createClient with `ws`,
// subscriptions-transport-ws SubscriptionClient, graphql-sse createClient)
// and a raw WebSocket for protocol-level checks.
import { randomUUID } from 'node:crypto';
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import WebSocket from 'ws';
import {
  COMPANY,
  COMPANY_TOKEN,
  account,
  sleep,
  startBroker,
  startGateway,
  startHandler,
  stop,
  transfer,
  until,
} from './bank-lib.mjs';

export { COMPANY, COMPANY_TOKEN, account, sleep, transfer, until, WebSocket };

export const STREAM = `subscription($iban: String, $min: Int, $dir: dtype, $after: Int) {
  stream_transactions(iban: $iban, min_amount: $min, direction: $dir, after_id: $after) {
    id iban new_balance changed_by from_to descr direction } }`;

/**
 * Starts broker, handler and gateway. `extra` is appended to the gateway's
 * YAML (e.g. a subscriptions: section). Returns {gw, ws(path), stop()}.
 */
export async function startStack({ extra = '' } = {}) {
  const broker = await startBroker();
  const handler = await startHandler(broker.bootstrap);
  const gw = await startGateway(broker.bootstrap, { extra });
  const port = new URL(gw.url).port;
  return {
    gw,
    broker,
    handler,
    wsUrl: (p = '/graphql-ws') => `ws://127.0.0.1:${port}${p}`,
    async stop() {
      const r = await gw.stop();
      await stop(handler);
      await stop(broker.proc);
      return r;
    },
  };
}

/** A graphql-ws (graphql-transport-ws) client; no retries. */
export function wsClient(stack, opts = {}) {
  return createWsClient({
    url: stack.wsUrl(opts.path),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    ...opts,
  });
}

/** A subscriptions-transport-ws (legacy graphql-ws) client. */
export function legacyClient(stack, opts = {}) {
  return new SubscriptionClient(stack.wsUrl(opts.path), { reconnect: false, ...opts }, WebSocket);
}

/** A graphql-sse client (distinct connections mode). */
export function sseClient(stack) {
  return createSseClient({ url: `${stack.gw.url}/graphql`, retryAttempts: 0 });
}

/**
 * Subscribes with a graphql-ws/graphql-sse style client; returns
 * {values, errors, completed, done (promise), until(n), dispose()}.
 */
export function follow(client, payload) {
  const s = { values: [], errors: [], completed: false };
  s.done = new Promise((resolve) => {
    s.dispose = client.subscribe(payload, {
      next: (v) => s.values.push(v),
      error: (e) => {
        s.errors.push(e);
        resolve();
      },
      complete: () => {
        s.completed = true;
        resolve();
      },
    });
  });
  s.until = (n, ms = 10000) => until(() => s.values.length >= n || s.errors.length > 0, `${n} results`, ms);
  return s;
}

/** The same for a SubscriptionClient (observable API). */
export function followLegacy(client, payload) {
  const s = { values: [], errors: [], completed: false };
  s.done = new Promise((resolve) => {
    const sub = client.request(payload).subscribe({
      next: (v) => s.values.push(v),
      error: (e) => {
        s.errors.push(e);
        resolve();
      },
      complete: () => {
        s.completed = true;
        resolve();
      },
    });
    s.dispose = () => sub.unsubscribe();
  });
  s.until = (n, ms = 10000) => until(() => s.values.length >= n || s.errors.length > 0, `${n} results`, ms);
  return s;
}

/**
 * A raw WebSocket speaking `protocol`: {ws, messages, send(obj|string),
 * next(pred) (the next message matching), closed (promise of {code, reason})}.
 */
export async function rawWs(stack, protocol, path) {
  const ws = new WebSocket(stack.wsUrl(path), protocol ? [protocol] : undefined);
  const r = { ws, messages: [] };
  const waiters = [];
  r.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    r.messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  r.send = (m) => ws.send(typeof m === 'string' || Buffer.isBuffer(m) ? m : JSON.stringify(m));
  r.next = async (pred = () => true, ms = 5000) => {
    const end = Date.now() + ms;
    for (;;) {
      const i = r.messages.findIndex(pred);
      if (i >= 0) return r.messages.splice(i, 1)[0];
      if (Date.now() > end) throw new Error(`no matching message; got ${JSON.stringify(r.messages)}`);
      await new Promise((res) => {
        waiters.push(res);
        setTimeout(res, 50);
      });
    }
  };
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return r;
}

/** Opens two accounts and funds the first from cash: {a, b} with iban and token. */
export async function twoAccounts(gw, cents = 100000) {
  const tag = randomUUID().slice(0, 8);
  const a = await account(gw, `alice-${tag}`, 'pw-a');
  const b = await account(gw, `bob-${tag}`, 'pw-b');
  const r = await transfer(gw, {
    uuid: randomUUID(),
    token: COMPANY_TOKEN,
    amount: cents,
    from: 'cash',
    to: a.iban,
    descr: 'funding',
  });
  if (!r.data?.money_transfer?.success) throw new Error(`funding failed: ${JSON.stringify(r)}`);
  await settled(gw, a.iban, 'funding'); // so that no later subscription sees it live
  return { a, b };
}

/**
 * A transfer's answer comes with its feedback event; its BalanceChanged
 * events are projected a moment later. Waits until `iban`'s newest
 * transactions include one with description `descr`; returns the history
 * (oldest first).
 */
export async function settled(gw, iban, descr, ms = 10000) {
  let rows = [];
  await until(
    async () => {
      const r = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query($i: String!) { transactions_by_iban(iban: $i, max_items: 1000) { id iban changed_by descr } }',
          variables: { i: iban },
        }),
      });
      rows = (await r.json()).data.transactions_by_iban.reverse();
      return rows.some((t) => t.descr === descr);
    },
    `${descr} projected for ${iban}`,
    ms,
  );
  return rows;
}

/** Transfers cents from x to y (both {iban, token}); throws unless successful. */
export async function pay(gw, x, y, cents, descr = 'test') {
  const r = await transfer(gw, { uuid: randomUUID(), token: x.token, amount: cents, from: x.iban, to: y.iban, descr });
  if (!r.data?.money_transfer?.success) throw new Error(`transfer failed: ${JSON.stringify(r)}`);
  return r.data.money_transfer;
}

/** The stream_transactions payloads of a follow() as plain records. */
export function txs(s) {
  return s.values.map((v) => {
    if (v.errors) throw new Error(JSON.stringify(v.errors));
    return v.data.stream_transactions;
  });
}
