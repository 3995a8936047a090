// tests/integration/shutdown.test.mjs — SIGTERM/SIGINT: the gateway stops
// accepting, finishes the request in flight, closes idle keep-alive
// connections, and exits 0; a request that never completes is cut off after
// server.shutdown_timeout_ms.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { baseConfig, gql, startGateway, statusOf } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves true when a new TCP connection to `port` is refused. */
function refused(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

test('SIGTERM finishes the request in flight, then exits 0', async () => {
  const gw = await startGateway();
  const body = JSON.stringify({ query: '{ __typename }' });
  const sock = net.connect(gw.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  let response = '';
  let closed = false;
  sock.on('data', (d) => (response += d));
  sock.on('close', () => (closed = true));
  // headers and half of the body now, the rest after SIGTERM
  sock.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  sock.write(body.slice(0, 10));
  await sleep(100);
  const t0 = Date.now();
  gw.proc.kill('SIGTERM');
  await sleep(300);
  assert.equal(await refused(gw.port), true, 'no new connections once stopping');
  assert.equal(closed, false, 'the request in flight is still waited for');
  sock.write(body.slice(10));
  const { code, logs } = await gw.stop();
  assert.equal(code, 0, logs);
  await sleep(50);
  assert.equal(statusOf(response), 200, response);
  assert.match(response, /\r\nConnection: close\r\n/i);
  assert.ok(response.endsWith('{"data":{"__typename":"Query"}}'), response);
  assert.ok(Date.now() - t0 < 3000);
  assert.match(logs, /"msg":"shutting down","signal":"SIGTERM"/);
  assert.match(logs, /"msg":"stopped"/);
  assert.doesNotMatch(logs, /LeakSanitizer|AddressSanitizer/);
});

test('while draining, /readyz answers 503 with the reason', async () => {
  const gw = await startGateway({ config: baseConfig().replace('threads: 2', 'threads: 1') });
  // a keep-alive connection, opened before the signal
  const ka = net.connect(gw.port, '127.0.0.1');
  await new Promise((r) => ka.on('connect', r));
  let kaData = '';
  ka.on('data', (d) => (kaData += d));
  ka.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  // a request in flight keeps the loop draining
  const busy = net.connect(gw.port, '127.0.0.1');
  await new Promise((r) => busy.on('connect', r));
  busy.on('error', () => {});
  busy.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
  await sleep(100);
  gw.proc.kill('SIGTERM');
  await sleep(200);
  kaData = '';
  ka.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(200);
  assert.equal(statusOf(kaData), 503, kaData);
  const body = JSON.parse(kaData.slice(kaData.indexOf('\r\n\r\n') + 4));
  assert.deepEqual(body, { checks: { schema: { ok: true }, auth: { ok: true, detail: 'auth.mode open' }, accepting: { ok: false, reason: 'shutting down' } }, status: 'not ready' });
  busy.destroy();
  const { code, logs } = await gw.stop();
  assert.equal(code, 0, logs);
  ka.destroy();
});

test('idle keep-alive connections do not delay SIGINT', async () => {
  const gw = await startGateway();
  const sock = net.connect(gw.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  sock.on('error', () => {});
  let closed = false;
  sock.on('data', () => {}); // consume, so 'close' can follow the server's FIN
  sock.on('close', () => (closed = true));
  sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(100);
  assert.equal((await gql(gw.url, { query: '{ __typename }' })).status, 200);
  const t0 = Date.now();
  const { code, logs } = await gw.stop('SIGINT');
  assert.equal(code, 0, logs);
  assert.ok(Date.now() - t0 < 1500, `stopped in ${Date.now() - t0} ms`);
  await sleep(50);
  assert.equal(closed, true, 'the idle connection was closed');
  assert.match(logs, /"signal":"SIGINT"/);
  assert.doesNotMatch(logs, /LeakSanitizer|AddressSanitizer/);
});

test('a request that never completes is cut off after shutdown_timeout_ms', async () => {
  const gw = await startGateway({ config: baseConfig('  shutdown_timeout_ms: 500\n  request_timeout_ms: 60000\n') });
  const sock = net.connect(gw.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  sock.on('error', () => {});
  sock.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
  await sleep(100);
  const t0 = Date.now();
  const { code, logs } = await gw.stop();
  const took = Date.now() - t0;
  assert.equal(code, 0, logs);
  assert.ok(took >= 450 && took < 3000, `stopped after ${took} ms`);
  assert.match(logs, /shutdown timeout/);
  sock.destroy();
});
