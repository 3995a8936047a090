// tests/integration/limits.test.mjs — every limit answers clearly: body
// size (413), header bytes (431), the request timeout (connection closed),
// connections per loop (503), and a stalled client does not stall its loop.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { baseConfig, gql, parseMetrics, rawRequest, startGateway, statusOf } from './helpers.mjs';

describe('limits', () => {
  let gw;
  before(async () => {
    // one loop, so the connection limit and the stalled client share it
    gw = await startGateway({
      config: baseConfig(`  max_body_bytes: 2048
  max_header_bytes: 1024
  request_timeout_ms: 1500
`).replace('threads: 2', 'threads: 1'),
    });
  });
  after(async () => {
    const { code, logs } = await gw.stop();
    assert.equal(code, 0, logs);
  });

  test('a body over max_body_bytes is 413; one under it is served', async () => {
    const pad = 'x'.repeat(2100);
    const big = await gql(gw.url, { query: '{ __typename }', extensions: { pad } });
    assert.equal(big.status, 413);
    const small = await gql(gw.url, { query: '{ __typename }', extensions: { pad: pad.slice(0, 1800) } });
    assert.equal(small.status, 200);
    // chunked bodies are counted as they arrive
    const chunk = JSON.stringify({ query: '{ __typename }', extensions: { pad } });
    const raw = await rawRequest(gw.port,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`);
    assert.equal(statusOf(raw.data), 413);
  });

  test('headers over max_header_bytes are 431', async () => {
    const res = await fetch(`${gw.url}/healthz`, { headers: { 'x-filler': 'y'.repeat(1100) } });
    assert.equal(res.status, 431);
    assert.deepEqual(await res.json(), { errors: [{ message: 'Request header fields too large' }] });
    const ok = await fetch(`${gw.url}/healthz`, { headers: { 'x-filler': 'y'.repeat(500) } });
    assert.equal(ok.status, 200);
  });

  test('a request that does not arrive within request_timeout_ms loses its connection', async () => {
    const t0 = Date.now();
    const r = await rawRequest(gw.port, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"qu', { timeoutMs: 6000 });
    const took = Date.now() - t0;
    assert.equal(r.closed, true);
    assert.ok(took >= 1400 && took < 4000, `closed after ${took} ms`);
  });

  test('an idle keep-alive connection is closed after request_timeout_ms', async () => {
    const t0 = Date.now();
    const r = await rawRequest(gw.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 6000 });
    const took = Date.now() - t0;
    assert.equal(statusOf(r.data), 200);
    assert.equal(r.closed, true);
    assert.ok(took >= 1400 && took < 4000, `closed after ${took} ms`);
  });

  test('a stalled client does not stall its loop', async () => {
    const timed = async () => {
      const t0 = Date.now();
      for (let i = 0; i < 20; i++) assert.equal((await gql(gw.url, { query: '{ __typename }' })).status, 200);
      return Date.now() - t0;
    };
    await timed(); // warm up
    const baseline = await timed();
    const stalled = net.connect(gw.port, '127.0.0.1');
    let stalledClosed = false;
    stalled.on('close', () => (stalledClosed = true));
    await new Promise((r) => stalled.on('connect', r));
    stalled.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"query":');
    stalled.on('error', () => {});
    const during = await timed();
    assert.equal(stalledClosed, false, 'the stalled request was still pending');
    assert.ok(during < baseline * 3 + 100, `20 requests took ${during} ms with a stalled client, ${baseline} ms without`);
    stalled.destroy();
  });
});

describe('connection limit', () => {
  let gw;
  before(async () => {
    gw = await startGateway({ config: baseConfig('  max_connections_per_thread: 3\n').replace('threads: 2', 'threads: 1') });
  });
  after(async () => {
    const { code, logs } = await gw.stop();
    assert.equal(code, 0, logs);
  });

  test('connections over max_connections_per_thread are answered 503 and closed', async () => {
    const held = [];
    for (let i = 0; i < 3; i++) {
      const s = net.connect(gw.port, '127.0.0.1');
      s.on('error', () => {});
      await new Promise((r) => s.on('connect', r));
      held.push(s);
    }
    await new Promise((r) => setTimeout(r, 50));
    const r = await rawRequest(gw.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(statusOf(r.data), 503);
    assert.match(r.data, /Too many connections/);
    assert.equal(r.closed, true);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const m = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
    assert.ok(m.gateway_connections_rejected_total >= 1);
  });
});
