#!/usr/bin/env node
// bench/report/ramp.mjs — the original load test as a ramp against the whole
// embedded stack, then its report: starts embedded-kafka, the command handler
// and a gateway (from --bin), runs bank-load adding --step generators every
// --every seconds until the p99 of a second passes --max-p99-ms, errors
// appear or --seconds pass, keeps its rows (--out/ramp-<protocol>.jsonl),
// scrapes the gateway's per-stage histograms (gateway_command_stage_seconds)
// and the handler's (handler_stage_seconds) at the end, and runs
// bench/report/report.mjs on the rows.
//
//   node bench/report/ramp.mjs [--bin build/bin] [--protocol legacy] [--start 200] [--step 200] [--every 10]
//                              [--max-p99-ms 200] [--seconds 300] [--out docs/load] [--pwhash-kib 1024]
//
// Accounts at load-test speed: the gateway hashes passwords at
// accounts.pwhash memlimit --pwhash-kib KiB, 1 iteration, allow_weak (a test
// bank's users; docs/security.md). Open files: bank-load and the gateway each
// hold one socket per generator; raise `ulimit -n` first (20,000 here).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { values: opt } = parseArgs({
  options: {
    bin: { type: 'string', default: path.join(ROOT, 'build/bin') },
    protocol: { type: 'string', default: 'legacy' },
    start: { type: 'string', default: '200' },
    step: { type: 'string', default: '200' },
    every: { type: 'string', default: '10' },
    'max-p99-ms': { type: 'string', default: '200' },
    seconds: { type: 'string', default: '300' },
    out: { type: 'string', default: path.join(ROOT, 'docs/load') },
    'pwhash-kib': { type: 'string', default: '1024' },
    threads: { type: 'string', default: '0' },
  },
});
process.env.GW_BIN_DIR = path.resolve(opt.bin);
const stack = await import('../../tests/lib/stack.mjs');
const TOPOLOGY = path.join(ROOT, 'schema/topology.yaml');

const broker = await stack.startBroker(TOPOLOGY);
const handler = await stack.startHandler(broker.bootstrap, TOPOLOGY);
const yaml = stack.baseConfig(
  '',
  `kafka:
  enabled: true
  brokers: "${broker.bootstrap}"
  topology: "${TOPOLOGY}"
  fetch_wait_ms: 1
  command_timeout_ms: 30000
accounts:
  pwhash:
    memlimit_kib: ${Number(opt['pwhash-kib'])}
    opslimit: 1
    allow_weak: true
    max_wait_ms: 0
subscriptions:
  max_connections: 20000
`,
).replace('threads: 2', `threads: ${Number(opt.threads)}`);
const gw = await stack.startGatewayProcess(stack.writeTemp(yaml, { prefix: 'ramp-' }));
const end = Date.now() + 30000;
while (Date.now() < end && (await fetch(`${gw.url}/readyz`).then((r) => r.status, () => 0)) !== 200)
  await new Promise((r) => setTimeout(r, 100));

// warm-up, not recorded: the first produce to each topic waits for its
// metadata (hundreds of ms on the mock broker), which would end the ramp at once
const warm = spawn(path.join(process.env.GW_BIN_DIR, 'bank-load'),
  ['--url', gw.url, '--protocol', opt.protocol, '--generators', '20', '--transfers', '20', '--seconds', '60'],
  { stdio: ['ignore', 'ignore', 'inherit'] });
await new Promise((r) => warm.on('close', r));
const before = await (await fetch(`${gw.url}/metrics`)).text();

fs.mkdirSync(opt.out, { recursive: true });
fs.writeFileSync(path.join(opt.out, `ramp-${opt.protocol}-gateway-metrics-before.txt`), before);
const rows = path.join(opt.out, `ramp-${opt.protocol}.jsonl`);
const load1 = os.loadavg()[0];
const args = [
  '--url', gw.url, '--protocol', opt.protocol, '--generators', opt.start, '--ramp-every', opt.every,
  '--ramp-step', opt.step, '--max-p99-ms', opt['max-p99-ms'], '--seconds', opt.seconds,
  '--account-concurrency', '64', '--timeout-ms', '30000',
];
console.error(`bank-load ${args.join(' ')}  (load average ${load1.toFixed(2)})`);
const bl = spawn(path.join(process.env.GW_BIN_DIR, 'bank-load'), args, { stdio: ['ignore', 'pipe', 'inherit'] });
const out = fs.createWriteStream(rows);
bl.stdout.pipe(out);
const code = await new Promise((r) => bl.on('close', r));
const metrics = await (await fetch(`${gw.url}/metrics`)).text();
fs.writeFileSync(path.join(opt.out, `ramp-${opt.protocol}-gateway-metrics.txt`), metrics);
try {
  fs.copyFileSync(path.join(handler.stateDir, 'metrics'), path.join(opt.out, `ramp-${opt.protocol}-handler-metrics.txt`));
} catch {}
console.error(`bank-load exited ${code}; load average ${load1.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after`);
await gw.stop();
await stack.stop(handler);
await stack.stop(broker.proc);
const rep = spawn(process.execPath, [path.join(ROOT, 'bench/report/report.mjs'), '--out', opt.out, rows], { stdio: 'inherit' });
await new Promise((r) => rep.on('close', r));
