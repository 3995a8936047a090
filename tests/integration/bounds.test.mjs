// tests/integration/bounds.test.mjs — bounded cost per request (issue #11),
// through every transport of a live gateway (--bench: ten fixed
// transactions, /bench/publish for subscription events), with
// graphql.limits.max_response_bytes lowered to 4096 so the bench's small
// rows pass it:
//  - an operation estimated above graphql.cost.max (50 aliases of
//    all_last_transactions: 40050) is refused before it runs, with the
//    estimate and the setting in the message, over HTTP, SSE and WebSocket,
//    and counted in /metrics;
//  - a query whose response passes the bound gets the RESPONSE_TOO_LARGE
//    error instead (HTTP, SSE, both WebSocket protocols); the same query
//    under the bound answers normally;
//  - a subscription whose event passes the bound gets the error as that
//    event's payload, and keeps running; a small subscription beside it
//    gets its events;
//  - an invalid document repeated is answered the same way (from the
//    cache's negative entry).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { baseConfig, gql, parseMetrics, startGateway } from './helpers.mjs';

const ALL = 'all_last_transactions { id iban new_balance changed_by from_to descr direction }';
const aliases = (n, body) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${body}`).join(' ')} }`;
const ATTACK = aliases(50, ALL); // cost 50 * (1 + 100 * 8)
const LARGE = aliases(5, ALL); // five copies of ten rows: well over 4096 bytes, cost 4005
const SMALL = `{ ${ALL} }`;
const COST_MSG = 'Query cost 40050 exceeds the limit 20000 (graphql.cost.max)';
const TOO_LARGE = {
  errors: [{ message: 'Response too large: over 4096 bytes (graphql.limits.max_response_bytes)', extensions: { code: 'RESPONSE_TOO_LARGE' } }],
  data: null,
};
// one event of 180 aliased IBANs is about 5 KB
const WIDE_STREAM = `subscription { stream_transactions { ${Array.from({ length: 180 }, (_, i) => `i${i}: iban`).join(' ')} } }`;
const NARROW_STREAM = 'subscription { stream_transactions { id iban } }';

let gw;
let wsUrl;
before(async () => {
  const config = baseConfig().replace('graphql:\n', 'graphql:\n  limits:\n    max_response_bytes: 4096\n');
  gw = await startGateway({ config, args: ['--bench'] });
  wsUrl = `ws://127.0.0.1:${gw.port}/graphql-ws`;
});
after(async () => {
  const { code, logs } = await gw.stop();
  assert.equal(code, 0, logs);
  assert.doesNotMatch(logs, /AddressSanitizer|LeakSanitizer/);
});

/** POSTs `query` as GraphQL over SSE; the parsed `next` payloads once the stream completes. */
async function sse(query) {
  const res = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event: next'))
    .map((b) => JSON.parse(b.split('\n').find((l) => l.startsWith('data:')).slice(5)));
}

/** A WebSocket speaking `protocol`, initialised: {send, next(pred), close()}. */
async function socket(protocol) {
  const ws = new WebSocket(wsUrl, [protocol]);
  const messages = [];
  const waiters = [];
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  const s = {
    send: (m) => ws.send(JSON.stringify(m)),
    async next(pred, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const i = messages.findIndex(pred);
        if (i >= 0) return messages.splice(i, 1)[0];
        if (Date.now() > end) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: () => ws.close(),
  };
  s.send({ type: 'connection_init' });
  await s.next((m) => m.type === 'connection_ack');
  return s;
}

describe('graphql.cost.max', () => {
  test('HTTP: refused before running, the estimate in the message, counted', async () => {
    const r = await gql(gw.url, { query: ATTACK });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { errors: [{ message: COST_MSG, extensions: { code: 'LIMIT_EXCEEDED' } }] });
    const m = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
    assert.ok(m.gateway_operations_over_cost_total >= 1);
    // under the budget the same field runs
    const ok = await gql(gw.url, { query: SMALL });
    assert.equal(ok.json.data.all_last_transactions.length, 10);
  });

  test('SSE and WebSocket: the same error', async () => {
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: ATTACK }),
    });
    assert.match(await res.text(), /Query cost 40050 exceeds the limit 20000 \(graphql\.cost\.max\)/);
    const ws = await socket('graphql-transport-ws');
    ws.send({ id: '1', type: 'subscribe', payload: { query: ATTACK } });
    const err = await ws.next((m) => m.id === '1');
    assert.equal(err.type, 'error');
    assert.equal(err.payload[0].message, COST_MSG);
    ws.close();
  });
});

describe('graphql.limits.max_response_bytes', () => {
  test('HTTP: the error instead of the data; under the bound the data', async () => {
    const r = await gql(gw.url, { query: LARGE });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, TOO_LARGE);
    const ok = await gql(gw.url, { query: SMALL });
    assert.equal(ok.json.data.all_last_transactions.length, 10);
  });

  test('SSE: the error as the next event', async () => {
    assert.deepEqual(await sse(LARGE), [TOO_LARGE]);
    const [ok] = await sse(SMALL);
    assert.equal(ok.data.all_last_transactions.length, 10);
  });

  test('WebSocket, both protocols: the error as the payload', async () => {
    const ws = await socket('graphql-transport-ws');
    ws.send({ id: 'q', type: 'subscribe', payload: { query: LARGE } });
    assert.deepEqual((await ws.next((m) => m.id === 'q' && m.type === 'next')).payload, TOO_LARGE);
    await ws.next((m) => m.id === 'q' && m.type === 'complete');
    ws.close();
    const legacy = await socket('graphql-ws');
    legacy.send({ id: 'q', type: 'start', payload: { query: LARGE } });
    assert.deepEqual((await legacy.next((m) => m.id === 'q' && m.type === 'data')).payload, TOO_LARGE);
    legacy.close();
  });

  test('subscription events: each one bounded, the stream goes on', async () => {
    const ws = await socket('graphql-transport-ws');
    ws.send({ id: 'wide', type: 'subscribe', payload: { query: WIDE_STREAM } });
    ws.send({ id: 'narrow', type: 'subscribe', payload: { query: NARROW_STREAM } });
    await new Promise((r) => setTimeout(r, 200)); // both registered on the loop
    const pub = await fetch(`${gw.url}/bench/publish?n=2`, { method: 'POST' });
    assert.equal(pub.status, 200);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual((await ws.next((m) => m.id === 'wide' && m.type === 'next')).payload, TOO_LARGE);
      const narrow = await ws.next((m) => m.id === 'narrow' && m.type === 'next');
      assert.match(narrow.payload.data.stream_transactions.iban, /^NL66OPEN/);
    }
    ws.close();
  });
});

test('an invalid document repeated gets the same errors (negative cache entry)', async () => {
  const query = `{ ${Array.from({ length: 30 }, (_, i) => `nope${i}`).join(' ')} }`;
  const first = await gql(gw.url, { query });
  const second = await gql(gw.url, { query });
  assert.equal(first.json.errors.length, 30);
  assert.deepEqual(second.json, first.json);
});
