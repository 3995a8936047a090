// bench/apq/run.mjs — what a persisted query saves: request bytes and
// round-trip µs of the same 2 KB query (graphql-js's getIntrospectionQuery())
// sent as text, as its SHA-256 by POST (APQ), and as its SHA-256 by GET,
// on one keep-alive HTTP/1.1 connection to a gateway started here
// (--bench, one loop). The three kinds alternate in rounds, so the ratios
// come from one run on whatever load the machine has (printed). Two times
// per request: the client's round trip (wall clock, loaded by whatever else
// runs), and the gateway's CPU time (utime + stime from /proc, 10 ms ticks:
// use enough requests), which a loaded machine disturbs less.
//
//   node bench/apq/run.mjs [GATEWAY_BIN] [REQUESTS_PER_ROUND=2000] [ROUNDS=4]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { getIntrospectionQuery } from 'graphql';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.argv[2] ?? path.join(ROOT, 'build/bin/gateway');
const N = Number(process.argv[3] ?? 2000);
const ROUNDS = Number(process.argv[4] ?? 4);
process.env.GATEWAY_BIN ??= bin; // read when stack.mjs loads
const { baseConfig, startGatewayProcess, writeTemp } = await import('../../tests/lib/stack.mjs');

const query = getIntrospectionQuery();
const hash = createHash('sha256').update(query).digest('hex');
const ext = { persistedQuery: { version: 1, sha256Hash: hash } };

function post(body) {
  const b = Buffer.from(JSON.stringify(body));
  return Buffer.concat([Buffer.from(
    `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAccept: application/json\r\n` +
    `Content-Length: ${b.length}\r\n\r\n`), b]);
}
const KINDS = {
  'full text, POST': post({ query }),
  'hash only, POST': post({ extensions: ext }),
  'hash only, GET': Buffer.from(`GET /graphql?extensions=${encodeURIComponent(JSON.stringify(ext))} HTTP/1.1\r\n` +
    'Host: localhost\r\nAccept: application/json\r\n\r\n'),
};

/** One keep-alive connection: send(bytes) resolves with the response body once it is whole. */
async function connection(port) {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise((r, j) => sock.once('connect', r).once('error', j));
  let buf = Buffer.alloc(0);
  let waiting = null;
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0 || !waiting) return;
    const head = buf.subarray(0, end).toString('latin1');
    const len = Number(/content-length: *(\d+)/i.exec(head)?.[1]);
    if (Number.isNaN(len)) throw new Error(`no content-length: ${head}`);
    if (buf.length < end + 4 + len) return;
    const body = buf.subarray(end + 4, end + 4 + len);
    buf = buf.subarray(end + 4 + len);
    const w = waiting;
    waiting = null;
    w({ status: Number(head.split(' ')[1]), body });
  });
  return {
    send: (bytes) => new Promise((resolve) => {
      waiting = resolve;
      sock.write(bytes);
    }),
    close: () => sock.destroy(),
  };
}

const config = baseConfig().replace('threads: 2', 'threads: 1');
const gw = await startGatewayProcess(writeTemp(config), { args: ['--bench'] });
try {
  const c = await connection(gw.port);
  // register the document, then check each kind answers the same bytes
  const reg = await c.send(post({ query, extensions: ext }));
  if (reg.status !== 200 || !JSON.parse(reg.body).data) throw new Error(`register: ${reg.status} ${reg.body}`);
  const ref = reg.body;
  for (const [k, bytes] of Object.entries(KINDS)) {
    const r = await c.send(bytes);
    if (r.status !== 200 || !r.body.equals(ref)) throw new Error(`${k}: ${r.status} ${r.body.subarray(0, 200)}`);
  }
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const us = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(KINDS).map((k) => [k, []]));
  const tick = 1e6 / 100; // µs per clock tick (USER_HZ 100 on Linux)
  const cpuNow = () => {
    const f = fs.readFileSync(`/proc/${gw.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * tick; // utime, stime
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, bytes] of Object.entries(KINDS)) {
      for (let i = 0; i < 200; i++) await c.send(bytes); // warm
      const t0 = process.hrtime.bigint();
      const c0 = cpuNow();
      for (let i = 0; i < N; i++) await c.send(bytes);
      cpu[k].push((cpuNow() - c0) / N);
      us[k].push(Number(process.hrtime.bigint() - t0) / 1000 / N);
    }
  }
  c.close();
  const median = (a) => {
    const b = [...a].sort((x, y) => x - y);
    return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
  };
  const full = median(us['full text, POST']);
  const fullCpu = median(cpu['full text, POST']);
  console.log(`query: ${Buffer.byteLength(query)} bytes (getIntrospectionQuery()), response ${ref.length} bytes; ` +
    `${N} requests x ${ROUNDS} rounds per kind, one connection, one loop; load average before: ${load}, after: ` +
    `${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| request | bytes sent | round trip µs (median of rounds; each round) | gateway CPU µs (median; each round) | vs full text: bytes, round trip, CPU |');
  console.log('|---|---:|---|---|---|');
  for (const [k, bytes] of Object.entries(KINDS)) {
    const m = median(us[k]);
    const mc = median(cpu[k]);
    const each = (a) => a.map((x) => x.toFixed(0)).join(', ');
    console.log(`| ${k} | ${bytes.length} | ${m.toFixed(0)} (${each(us[k])}) | ${mc.toFixed(0)} (${each(cpu[k])}) | ` +
      `${(bytes.length / KINDS['full text, POST'].length).toFixed(3)}x, ${(m / full).toFixed(2)}x, ${(mc / fullCpu).toFixed(2)}x |`);
  }
} finally {
  await gw.stop();
}
