// subs-tls.test.mjs — subscriptions over TLS, on a `gateway --bench` (no
// Kafka: POST /bench/publish?n=N appends synthetic transactions and wakes
// the loops as the Kafka thread does): WebSocket over TLS with HTTP/1.1,
// the upgrade declined on HTTP/2, and SSE over an HTTP/2 stream.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GATEWAY } from './bank-lib.mjs';
import { follow } from './subs-lib.mjs';

// the integration helpers read GATEWAY_BIN when loaded: point them at this build's gateway
process.env.GATEWAY_BIN ??= GATEWAY;
const { baseConfig, startGateway } = await import('../integration/helpers.mjs');

let gw;
before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-subs-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  gw = await startGateway({ config: baseConfig(`  tls:\n    certificate: "${cert}"\n    key: "${key}"\n`), args: ['--bench'] });
});
after(async () => {
  const { code, logs } = await gw.stop();
  assert.equal(code, 0, logs);
});

function h2() {
  return http2.connect(`https://127.0.0.1:${gw.port}`, { rejectUnauthorized: false });
}

async function publish(n) {
  const c = h2();
  const req = c.request({ ':method': 'POST', ':path': `/bench/publish?n=${n}` });
  req.end();
  let body = '';
  req.on('data', (d) => (body += d));
  await new Promise((r) => req.on('end', r));
  c.close();
  return JSON.parse(body);
}

test('WebSocket over TLS (HTTP/1.1): live transactions through the gathered writes', async () => {
  class Wss extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { rejectUnauthorized: false });
    }
  }
  const client = createClient({ url: `wss://127.0.0.1:${gw.port}/graphql-ws`, webSocketImpl: Wss, retryAttempts: 0 });
  const s = follow(client, { query: 'subscription { stream_transactions(iban: "NL66OPEN0000000003") { id iban changed_by } }' });
  await new Promise((r) => setTimeout(r, 200));
  const { upto } = await publish(20); // two of them are NL66OPEN0000000003's
  await s.until(2);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(s.values.length, 2);
  for (const v of s.values) assert.equal(v.data.stream_transactions.iban, 'NL66OPEN0000000003');
  assert.ok(s.values[1].data.stream_transactions.id <= upto);
  await client.dispose();
});

test('HTTP/2: no WebSocket upgrade (400), SSE works on a stream', async () => {
  const c = h2();
  try {
    const ws = c.request({ ':method': 'GET', ':path': '/graphql-ws' });
    ws.end();
    const [status, body] = await new Promise((resolve) => {
      let b = '';
      let st;
      ws.on('response', (h) => (st = h[':status']));
      ws.on('data', (d) => (b += d));
      ws.on('end', () => resolve([st, b]));
    });
    assert.equal(status, 400);
    assert.match(JSON.parse(body).errors[0].message, /HTTP\/1\.1/);

    const sse = c.request({ ':method': 'POST', ':path': '/graphql', 'content-type': 'application/json', accept: 'text/event-stream' });
    sse.end(JSON.stringify({ query: 'subscription { stream_transactions(min_amount: 1490) { id changed_by } }' }));
    let text = '';
    sse.on('data', (d) => (text += d));
    const headers = await new Promise((r) => sse.on('response', r));
    assert.equal(headers[':status'], 200);
    assert.match(headers['content-type'], /^text\/event-stream/);
    await new Promise((r) => setTimeout(r, 200));
    await publish(500); // changed_by cycles 1000..1499 cents: ten are >= 1490
    const end = Date.now() + 5000;
    while ((text.match(/event: next/g) ?? []).length < 10 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const events = text.split('\n\n').filter((b) => b.startsWith('event: next'));
    assert.equal(events.length, 10);
    for (const e of events) {
      const t = JSON.parse(e.split('\ndata: ')[1]).data.stream_transactions;
      assert.match(t.changed_by, /^€14,9\d$/);
    }
    sse.close();
  } finally {
    c.close();
  }
});
