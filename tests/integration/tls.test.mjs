// tests/integration/tls.test.mjs — with a certificate and key configured the
// gateway speaks TLS, and ALPN chooses HTTP/2 or HTTP/1.1.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import { after, before, test } from 'node:test';

import { selfSignedTls } from '../lib/stack.mjs';
import { baseConfig, startGateway } from './helpers.mjs';

let gw;
let tlsConfig;
before(async () => {
  tlsConfig = baseConfig(selfSignedTls().server);
  gw = await startGateway({ config: tlsConfig });
});
after(async () => {
  const { code, logs } = await gw.stop();
  assert.equal(code, 0, logs);
});

test('the listening line says TLS is on', () => {
  assert.match(gw.logs(), /"tls":"h2\+http\/1\.1"/);
});

test('HTTP/2 over TLS (ALPN h2) serves GraphQL', async () => {
  const client = http2.connect(`https://127.0.0.1:${gw.port}`, { rejectUnauthorized: false });
  try {
    assert.equal(await new Promise((r) => client.on('connect', () => r(client.alpnProtocol))), 'h2');
    const req = client.request({ ':method': 'POST', ':path': '/graphql', 'content-type': 'application/json', accept: 'application/graphql-response+json' });
    req.end(JSON.stringify({ query: '{ __typename }' }));
    const [headers, body] = await new Promise((resolve, reject) => {
      let h;
      let b = '';
      req.on('response', (x) => (h = x));
      req.on('data', (d) => (b += d));
      req.on('end', () => resolve([h, b]));
      req.on('error', reject);
    });
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-type'], 'application/graphql-response+json; charset=utf-8');
    assert.deepEqual(JSON.parse(body), { data: { __typename: 'Query' } });
  } finally {
    client.close();
  }
});

test('HTTP/1.1 over TLS when the client offers only http/1.1', async () => {
  const body = await new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: gw.port, path: '/healthz', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, (res) => {
      assert.equal(res.socket.alpnProtocol, 'http/1.1');
      assert.equal(res.statusCode, 200);
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(JSON.parse(body), { status: 'alive' });
});

test('SIGTERM sends GOAWAY to an idle HTTP/2 session and exits 0', async () => {
  const own = await startGateway({ config: tlsConfig });
  const client = http2.connect(`https://127.0.0.1:${own.port}`, { rejectUnauthorized: false });
  client.on('error', () => {});
  let goaway = false;
  let closed = false;
  client.on('goaway', () => (goaway = true));
  client.on('close', () => (closed = true));
  await new Promise((r) => client.on('connect', r));
  const req = client.request({ ':path': '/healthz' });
  req.end();
  req.resume();
  await new Promise((r) => req.on('end', r));
  const t0 = Date.now();
  const { code, logs } = await own.stop();
  assert.equal(code, 0, logs);
  assert.ok(Date.now() - t0 < 2000);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(goaway, true);
  assert.equal(closed, true);
});
