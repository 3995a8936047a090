// bench/compress/run.mjs — see README.md. Starts embedded-kafka and two
// gateways (gzip_level 1 and 6, one event loop each), produces 100
// BalanceChanged events for 100 IBANs, then times identity against gzip.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { parseArgs } from 'node:util';
import { getIntrospectionQuery } from 'graphql';

const { values: opt } = parseArgs({
  options: { bin: { type: 'string', default: 'build/bin' }, rounds: { type: 'string', default: '4' }, n: { type: 'string', default: '2000' } },
});
const ROOT = path.resolve(import.meta.dirname, '../..');
process.env.SOURCE_DIR ??= ROOT;
process.env.GW_BIN_DIR ??= path.resolve(opt.bin);
process.env.EMBEDDED_KAFKA ??= path.resolve(opt.bin, 'embedded-kafka');
process.env.GATEWAY_BIN ??= path.resolve(opt.bin, 'gateway');
const stack = await import('../../tests/lib/stack.mjs');
const { encode, produce, readTopology } = await import('../../tests/e2e/events-lib.mjs');

const TOPOLOGY = path.join(ROOT, 'schema/topology.yaml');
const ALL_LAST = '{ all_last_transactions { id iban new_balance changed_by from_to direction descr } }';
const QUERIES = { all_last_100: ALL_LAST, introspection: getIntrospectionQuery() };
const ROUNDS = Number(opt.rounds);
const N = Number(opt.n);
const TICK = 100; // USER_HZ on Linux

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime
}

function post(agent, port, body, gzip) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (gzip) headers['accept-encoding'] = 'gzip';
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ enc: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const broker = await stack.startBroker(TOPOLOGY);
const gws = [];
try {
  for (const level of [1, 6]) {
    const kafka = `kafka:\n  enabled: true\n  brokers: "${broker.bootstrap}"\n  topology: "${TOPOLOGY}"\n`;
    const file = stack.writeTemp(stack.baseConfig(`  compress:\n    gzip_level: ${level}`, kafka).replace('threads: 2', 'threads: 1'));
    gws.push({ level, gw: await stack.startGatewayProcess(file, { unset: ['KAFKA_BROKERS', 'GW_TOPOLOGY'] }) });
  }
  const topo = readTopology(TOPOLOGY);
  for (let i = 0; i < 100; i++) {
    const iban = `NL${String(10 + (i % 89)).padStart(2, '0')}OPEN${String(1000000000 + i * 7919).padStart(10, '0')}`;
    const v = encode(topo, 'BalanceChanged', { iban, new_balance: 100000 + i * 137, changed_by: 5000 + i, from_to: 'NL66OPEN0000000000', description: `invoice ${2026000 + i} for services rendered` });
    produce(broker.bootstrap, 'balance_changed', iban, v);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (const { gw } of gws) {
    for (let t = 0; ; t++) {
      const r = JSON.parse((await post(agent, gw.port, JSON.stringify({ query: ALL_LAST }), false)).body);
      if (r.data?.all_last_transactions?.length === 100) break;
      if (t > 600) throw new Error(`100 rows not seen: ${JSON.stringify(r).slice(0, 200)}`);
      await stack.sleep(50);
    }
  }
  const rows = [];
  for (const { level, gw } of gws) {
    const pid = gw.proc.pid;
    for (const [name, query] of Object.entries(QUERIES)) {
      const body = JSON.stringify({ query });
      const plain = await post(agent, gw.port, body, false);
      const gz = await post(agent, gw.port, body, true);
      if (gz.enc !== 'gzip' || !zlib.gunzipSync(gz.body).equals(plain.body)) throw new Error(`${name}: gzip did not round-trip`);
      const acc = { false: { cpu: 0, wall: 0, n: 0 }, true: { cpu: 0, wall: 0, n: 0 } };
      const n = name === 'introspection' ? Math.max(200, N / 4) : N;
      for (let round = 0; round < ROUNDS; round++) {
        for (const gzip of round % 2 ? [true, false] : [false, true]) {
          const c0 = cpuTicks(pid);
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) await post(agent, gw.port, body, gzip);
          acc[gzip].wall += Number(process.hrtime.bigint() - t0) / 1000;
          acc[gzip].cpu += ((cpuTicks(pid) - c0) * 1e6) / TICK;
          acc[gzip].n += n;
        }
      }
      const per = (a, k) => a[k] / a.n;
      rows.push({
        level, name, identity_bytes: plain.body.length, gzip_bytes: gz.body.length,
        cpu_us_identity: per(acc.false, 'cpu'), cpu_us_gzip: per(acc.true, 'cpu'),
        wall_us_identity: per(acc.false, 'wall'), wall_us_gzip: per(acc.true, 'wall'),
      });
    }
  }
  console.log('| response | gzip level | identity bytes | gzip bytes | size | gateway CPU µs identity | gzip | ratio | client wall µs identity | gzip | ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows)
    console.log(`| ${r.name} | ${r.level} | ${r.identity_bytes} | ${r.gzip_bytes} | ${(r.gzip_bytes / r.identity_bytes * 100).toFixed(1)}% | ${r.cpu_us_identity.toFixed(1)} | ${r.cpu_us_gzip.toFixed(1)} | ${(r.cpu_us_gzip / r.cpu_us_identity).toFixed(2)}x | ${r.wall_us_identity.toFixed(0)} | ${r.wall_us_gzip.toFixed(0)} | ${(r.wall_us_gzip / r.wall_us_identity).toFixed(2)}x |`);
  console.log(`\nrounds ${ROUNDS}, ${N} requests per round (introspection ${Math.max(200, N / 4)}); loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  agent.destroy();
} finally {
  for (const { gw } of gws) await gw.stop();
  await stack.stop(broker.proc);
}
