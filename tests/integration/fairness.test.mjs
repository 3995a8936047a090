// tests/integration/fairness.test.mjs — fair shares per client (fairness.*,
// docs/security.md "Fair shares") against the real gateway, with small limits
// and `exempt: []` so loopback counts like any client:
//  - a direct client over fairness.max_connections is answered 429 at accept
//    (Retry-After, a GraphQL error naming the key; a WebSocket client sees it
//    as the handshake's status) and may connect again once one of its
//    connections closed;
//  - behind a trusted proxy, X-Forwarded-For separates two clients on the
//    same peer; an untrusted peer's header is ignored;
//  - subscriptions over the limit get an error with code RATE_LIMITED on
//    their own id, the socket and its other operations stay; SSE gets 429;
//  - WebSocket connections of a proxied client over its limit close 4429;
//  - mutations and logins over their rate get 429 / RATE_LIMITED, and the
//    bucket refills after Retry-After;
//  - /metrics counts every refusal by limit.
// Every HTTP request here uses its own connection (no keep-alive pool), so
// the connection counts are the test's own.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { baseConfig, parseMetrics, startGateway } from './helpers.mjs';

const TRANSFER = (uuid) =>
  `mutation { money_transfer(uuid: "${uuid}", token: "t", amount: 1, from: "cash", to: "NL00X", descr: "d") { success } }`;
const LOGIN = 'mutation { get_account(username: "fair", password: "pw") { token } }';
const STREAM = 'subscription { stream_transactions { id } }';

/** One request on its own connection: {status, headers, text, json}. */
function request(port, { method = 'POST', path = '/graphql', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { connection: 'close', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('request timed out')));
    if (body !== undefined) req.end(typeof body === 'string' ? body : JSON.stringify(body));
    else req.end();
  });
}

const post = (port, query, headers = {}) =>
  request(port, { headers: { 'content-type': 'application/json', ...headers }, body: { query } });

async function metrics(port) {
  return parseMetrics((await request(port, { method: 'GET', path: '/metrics' })).text);
}
const refused = (m, limit) => m[`gateway_fairness_refused_total{limit="${limit}"}`];

/**
 * A graphql-transport-ws client (initialised): {send, next(pred), closed, close()}.
 * `closed` resolves {code, reason}.
 */
async function wsClient(port, headers = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql-ws`, ['graphql-transport-ws'], { headers });
  const messages = [];
  const waiters = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const c = { ws, messages };
  c.closed = new Promise((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      wake();
    }),
  );
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    wake();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  c.send = (m) => ws.send(JSON.stringify(m));
  c.next = async (pred = () => true, ms = 20000) => {
    const end = Date.now() + ms;
    for (;;) {
      const i = messages.findIndex(pred);
      if (i >= 0) return messages.splice(i, 1)[0];
      if (Date.now() > end) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  c.close = async () => {
    ws.close();
    return c.closed;
  };
  c.send({ type: 'connection_init' });
  await c.next((m) => m.type === 'connection_ack');
  return c;
}

/** Connects and only reads: what the server sends before closing (nothing is written, so no reset). */
function connectAndRead(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data, closed: false, socket: s });
    }, 10000);
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('error', (e) => {
      clearTimeout(timer);
      if (data) resolve({ data, closed: true });
      else reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
  });
}

/** fn() until it resolves (at most 50 tries): a connection closed just before may not have reached the server yet. */
async function retry(fn) {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('fairness: direct clients', () => {
  let gw;
  before(async () => {
    gw = await startGateway({
      config: baseConfig(
        '',
        `fairness:
  max_connections: 3
  mutations_per_second: 1
  mutations_burst: 1
  client_header: X-Forwarded-For
  exempt: []
`,
      ),
    });
  });
  after(async () => {
    const { code, logs } = await gw.stop();
    assert.equal(code, 0, logs);
    assert.doesNotMatch(logs, /AddressSanitizer|LeakSanitizer/);
  });

  test('connections over the limit get 429 at accept; a closed one frees its place', async () => {
    const before = refused(await metrics(gw.port), 'connections');
    // three connections the server holds (WebSockets: each one established is counted)
    const a = await retry(() => wsClient(gw.port));
    const b = await retry(() => wsClient(gw.port));
    const c = await retry(() => wsClient(gw.port));
    // a fourth that sends nothing: the server answers after its wait for a request
    const r = await connectAndRead(gw.port);
    assert.match(r.data, /^HTTP\/1\.1 429 Too Many Requests\r\n/);
    assert.match(r.data, /\r\nRetry-After: 1\r\n/i);
    const body = JSON.parse(r.data.slice(r.data.indexOf('\r\n\r\n') + 4));
    assert.equal(body.errors[0].extensions.code, 'RATE_LIMITED');
    assert.equal(body.errors[0].extensions.limit, 'fairness.max_connections');
    assert.equal(r.closed, true);
    // a WebSocket client sends its upgrade at once: the server reads it before answering, so the
    // client sees the 429 (not a reset), as a browser's failed handshake
    const refusedWs = await new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/graphql-ws`, ['graphql-transport-ws']);
      ws.on('unexpected-response', (req, res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode, retry: res.headers['retry-after'], text }));
      });
      ws.on('open', () => reject(new Error('the fourth connection was served')));
      ws.on('error', (e) => reject(e));
    });
    assert.equal(refusedWs.status, 429);
    assert.equal(refusedWs.retry, '1');
    assert.equal(JSON.parse(refusedWs.text).errors[0].extensions.limit, 'fairness.max_connections');
    // the WebSockets still work
    a.send({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } });
    assert.deepEqual((await a.next((m) => m.id === 'q' && m.type === 'next')).payload, { data: { __typename: 'Query' } });
    // one closes: a new connection is served (the close reaches the server asynchronously)
    await b.close();
    await c.close();
    let ok;
    for (let i = 0; i < 100 && ok?.status !== 200; i++) {
      ok = await request(gw.port, { method: 'GET', path: '/healthz' }).catch(() => undefined);
      if (ok?.status !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(ok.status, 200);
    await a.close();
    // counted: at least the refusal asserted above
    let m;
    for (let i = 0; i < 100; i++) {
      m = await metrics(gw.port).catch(() => undefined);
      if (m) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(refused(m, 'connections') >= before + 2, JSON.stringify(m));
  });

  test("an untrusted peer's X-Forwarded-For is ignored: one client", async () => {
    const m0 = await metrics(gw.port);
    // burst 1: the first is served, the second (another claimed address) refused
    const first = await post(gw.port, TRANSFER('u1'), { 'x-forwarded-for': '198.51.100.1' });
    assert.equal(first.status, 200);
    let second;
    for (let i = 0; i < 5; i++) {
      // a slow machine may refill the bucket between the two: try again until it is refused
      second = await post(gw.port, TRANSFER('u2'), { 'x-forwarded-for': '198.51.100.2' });
      if (second.status === 429) break;
    }
    assert.equal(second.status, 429);
    assert.equal(second.json.errors[0].extensions.limit, 'fairness.mutations_per_second');
    const m1 = await metrics(gw.port);
    assert.ok(refused(m1, 'mutations') >= refused(m0, 'mutations') + 1);
  });
});

describe('fairness: behind a trusted proxy', () => {
  let gw;
  before(async () => {
    gw = await startGateway({
      config: baseConfig(
        '',
        `fairness:
  max_connections: 2
  max_subscriptions: 2
  logins_per_minute: 2
  mutations_per_second: 2
  mutations_burst: 2
  client_header: X-Forwarded-For
  trusted_proxies: ["127.0.0.1/32"]
  exempt: []
`,
      ),
    });
  });
  after(async () => {
    const { code, logs } = await gw.stop();
    assert.equal(code, 0, logs);
    assert.doesNotMatch(logs, /AddressSanitizer|LeakSanitizer/);
  });

  test('mutations over the rate: 429 with Retry-After, another client unaffected, refilled after the wait', async () => {
    const m0 = await metrics(gw.port);
    const A = { 'x-forwarded-for': '203.0.113.10, 198.51.100.10' }; // the rightmost untrusted entry counts
    let refusedOne;
    let served = 0;
    for (let i = 0; i < 10 && !refusedOne; i++) {
      const r = await post(gw.port, TRANSFER(`a${i}`), A);
      if (r.status === 429) refusedOne = r;
      else {
        assert.equal(r.status, 200);
        served++;
      }
    }
    assert.ok(refusedOne, 'a mutation over the rate was refused');
    assert.ok(served >= 2, `the burst of 2 was served (${served})`);
    assert.equal(refusedOne.headers['retry-after'], '1');
    assert.match(refusedOne.headers['content-type'], /json/);
    assert.deepEqual(refusedOne.json.errors[0].extensions, {
      code: 'RATE_LIMITED',
      limit: 'fairness.mutations_per_second',
      retryAfter: 1,
    });
    assert.match(refusedOne.json.errors[0].message, /fairness\.mutations_per_second/);
    // a different client behind the same proxy has its own bucket
    const other = await post(gw.port, TRANSFER('b0'), { 'x-forwarded-for': '198.51.100.11' });
    assert.equal(other.status, 200);
    // after Retry-After the first client is served again
    await new Promise((r) => setTimeout(r, 1000 * Number(refusedOne.headers['retry-after']) + 100));
    const again = await post(gw.port, TRANSFER('a-again'), A);
    assert.equal(again.status, 200);
    // an operation with more fields than the bucket holds never fits
    const many = await post(gw.port, `mutation { ${[1, 2, 3].map((i) => `x${i}: ${TRANSFER(`m${i}`).slice(11, -2)}`).join(' ')} }`, {
      'x-forwarded-for': '198.51.100.12',
    });
    assert.equal(many.status, 429);
    const m1 = await metrics(gw.port);
    assert.equal(refused(m1, 'mutations') - refused(m0, 'mutations'), 2);
  });

  test('logins over the rate: 429 naming fairness.logins_per_minute; queries are never limited', async () => {
    const m0 = await metrics(gw.port);
    const C = { 'x-forwarded-for': '198.51.100.20' };
    assert.equal((await post(gw.port, LOGIN, C)).status, 200);
    assert.equal((await post(gw.port, LOGIN, C)).status, 200);
    const r = await post(gw.port, LOGIN, C);
    assert.equal(r.status, 429);
    assert.equal(r.json.errors[0].extensions.limit, 'fairness.logins_per_minute');
    assert.ok(Number(r.headers['retry-after']) >= 1 && Number(r.headers['retry-after']) <= 30, r.headers['retry-after']);
    for (let i = 0; i < 5; i++) assert.equal((await post(gw.port, '{ __typename }', C)).status, 200);
    const m1 = await metrics(gw.port);
    assert.equal(refused(m1, 'logins') - refused(m0, 'logins'), 1);
  });

  test('WebSocket: a mutation or command over the rate gets RATE_LIMITED on its id, the socket goes on', async () => {
    const m0 = await metrics(gw.port);
    const E = { 'x-forwarded-for': '198.51.100.40' };
    const ws = await wsClient(gw.port, E);
    // burst 2: mutations and command subscription fields share the bucket
    const ids = ['w1', 'w2', 'w3', 'w4', 'w5'];
    ws.send({ id: 'w1', type: 'subscribe', payload: { query: TRANSFER('w1') } });
    ws.send({ id: 'w2', type: 'subscribe', payload: { query: TRANSFER('w2').replace('mutation', 'subscription') } });
    for (const id of ids.slice(2)) ws.send({ id, type: 'subscribe', payload: { query: TRANSFER(id) } });
    const results = {};
    for (const id of ids) {
      const m = await ws.next((x) => x.id === id && (x.type === 'next' || x.type === 'error'));
      results[id] = m;
    }
    const limited = ids.filter((id) => results[id].type === 'error');
    assert.ok(limited.length >= 1, JSON.stringify(results));
    for (const id of limited) {
      assert.equal(results[id].payload[0].extensions.code, 'RATE_LIMITED');
      assert.equal(results[id].payload[0].extensions.limit, 'fairness.mutations_per_second');
    }
    // the socket is still open and serves the next operation
    ws.send({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } });
    assert.equal((await ws.next((m) => m.id === 'q' && m.type === 'next')).payload.data.__typename, 'Query');
    await ws.close();
    const m1 = await metrics(gw.port);
    assert.equal(refused(m1, 'mutations') - refused(m0, 'mutations'), limited.length);
  });

  test('subscriptions over the limit: RATE_LIMITED on that id only, the socket and the others go on; SSE 429; connections close 4429', async () => {
    const m0 = await metrics(gw.port);
    const D = { 'x-forwarded-for': '198.51.100.30' };
    const ws1 = await wsClient(gw.port, D);
    ws1.send({ id: 's1', type: 'subscribe', payload: { query: STREAM } });
    ws1.send({ id: 's2', type: 'subscribe', payload: { query: STREAM } });
    ws1.send({ id: 's3', type: 'subscribe', payload: { query: STREAM } });
    const err = await ws1.next((m) => m.id === 's3');
    assert.equal(err.type, 'error');
    assert.equal(err.payload[0].extensions.code, 'RATE_LIMITED');
    assert.equal(err.payload[0].extensions.limit, 'fairness.max_subscriptions');
    // the socket works: a query runs, s1 and s2 got no error
    ws1.send({ id: 'q1', type: 'subscribe', payload: { query: '{ __typename }' } });
    assert.deepEqual((await ws1.next((m) => m.id === 'q1' && m.type === 'next')).payload, {
      data: { __typename: 'Query' },
    });
    assert.equal(ws1.messages.filter((m) => m.id === 's1' || m.id === 's2').length, 0);
    // the limit is per client over all its connections: SSE is refused a third (429)...
    const sse = await request(gw.port, {
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...D },
      body: { query: STREAM },
    });
    assert.equal(sse.status, 429);
    assert.equal(sse.json.errors[0].extensions.limit, 'fairness.max_subscriptions');
    assert.equal(sse.headers['retry-after'], '1');
    // ... and so is a second socket
    const ws2 = await wsClient(gw.port, D);
    ws2.send({ id: 't1', type: 'subscribe', payload: { query: STREAM } });
    assert.equal((await ws2.next((m) => m.id === 't1')).payload[0].extensions.code, 'RATE_LIMITED');
    // a client behind the same proxy is not affected
    const other = await wsClient(gw.port, { 'x-forwarded-for': '198.51.100.31' });
    other.send({ id: 'o1', type: 'subscribe', payload: { query: STREAM } });
    // completing s1 frees a place: subscribing again works (no error for s4)
    ws1.send({ id: 's1', type: 'complete' });
    ws1.send({ id: 's4', type: 'subscribe', payload: { query: STREAM } });
    ws1.send({ id: 'q2', type: 'subscribe', payload: { query: '{ __typename }' } });
    await ws1.next((m) => m.id === 'q2' && m.type === 'complete');
    assert.equal(ws1.messages.filter((m) => m.id === 's4').length, 0, JSON.stringify(ws1.messages));
    // connections: D holds two WebSockets (max 2): a third closes 4429 naming the limit
    const ws3 = new WebSocket(`ws://127.0.0.1:${gw.port}/graphql-ws`, ['graphql-transport-ws'], { headers: D });
    ws3.on('error', () => {});
    const closed = await new Promise((resolve) => ws3.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    assert.equal(closed.code, 4429);
    assert.match(closed.reason, /fairness\.max_connections/);
    assert.equal(other.messages.filter((m) => m.type === 'error').length, 0);
    for (const c of [ws1, ws2, other]) await c.close();
    const m1 = await metrics(gw.port);
    assert.equal(refused(m1, 'subscriptions') - refused(m0, 'subscriptions'), 3);
    assert.equal(refused(m1, 'connections') - refused(m0, 'connections'), 1);
    assert.ok(m1.gateway_fairness_clients >= 2);
  });
});
