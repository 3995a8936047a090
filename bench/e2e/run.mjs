// bench/e2e/run.mjs — mutation → answer latency through the whole bank
// (gateway → Kafka → command handler → Kafka → gateway) at fixed request
// rates, next to the embedded broker's own produce → consume round trip
// measured in the same run (the floor: a mutation makes two such hops).
//
//   node bench/e2e/run.mjs [--bin DIR] [--rates 100,500,1000] [--seconds 5]
//
// DIR holds embedded-kafka, command-handler and gateway (default build/bin;
// use a Release build). Requests are sent open-loop: one every 1/rate s
// whatever the answers do, over a pool of keep-alive HTTP connections
// (undici via fetch), each a cash deposit with a fresh uuid to one of 50
// accounts. The floor: timestamped messages go to a
// spare topic at the same rate (a KafkaJS producer, acks=all) and a long-lived
// `kcat -C` (fetch.wait.max.ms=1, as the gateway and handler use) reads them
// back. Prints a Markdown table, then where the time goes at each rate: the
// per-stage histograms of the gateway's /metrics
// (gateway_command_stage_seconds) and of the handler's metrics file
// (handler_stage_seconds), their p50/p99 over that rate's requests only
// (bucket counts after minus before, interpolated within a bucket).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

import { Kafka, logLevel } from 'kafkajs';

const { values: opt } = parseArgs({
  options: {
    bin: { type: 'string', default: 'build/bin' },
    rates: { type: 'string', default: '100,500,1000' },
    seconds: { type: 'string', default: '5' },
  },
});
process.env.GW_BIN_DIR = path.resolve(opt.bin);
const lib = await import('../../tests/e2e/bank-lib.mjs');
const { stop } = await import('../../tests/e2e/events-lib.mjs');

const rates = opt.rates.split(',').map(Number);
const seconds = Number(opt.seconds);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends `rate` requests per second for `seconds` s; resolves the latencies (ms) and failures. */
async function openLoop(rate, seconds, send) {
  const lat = [];
  let failed = 0;
  const n = Math.round(rate * seconds);
  const t0 = performance.now();
  const pending = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const start = performance.now();
    pending.push(
      send(i).then(
        (ok) => (ok ? lat.push(performance.now() - start) : failed++),
        () => failed++,
      ),
    );
  }
  await Promise.all(pending);
  return { lat: lat.sort((a, b) => a - b), failed, sent: n, wall: (performance.now() - t0) / 1000 };
}

/** The broker's own round trip: a KafkaJS producer (acks=all) → broker →
 * `kcat -C`, `rate` messages/s. (kcat -P buffers its stdin: not usable here.) */
async function floor(bootstrap, rate, seconds) {
  const topic = 'bench_floor';
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const prod = kafka.producer();
  await prod.connect();
  await prod.send({ topic, messages: [{ value: 'init' }] }); // creates the topic
  const cons = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'end', '-u', '-q', '-X', 'fetch.wait.max.ms=1', '-f', '%s\n'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const seen = new Map();
  readline.createInterface({ input: cons.stdout }).on('line', (l) => {
    const t = seen.get(l);
    if (t && t.end === undefined) t.end = performance.now();
  });
  await sleep(1500); // the consumer has its partitions
  const r = await openLoop(rate, seconds, async (i) => {
    const id = `${rate}-${i}`;
    const rec = { start: performance.now() };
    seen.set(id, rec);
    await prod.send({ topic, acks: -1, messages: [{ value: id }] });
    for (let k = 0; k < 400 && rec.end === undefined; k++) await sleep(1);
    return rec.end !== undefined;
  });
  const lat = [...seen.values()].filter((x) => x.end !== undefined).map((x) => x.end - x.start).sort((a, b) => a - b);
  cons.kill('SIGTERM');
  await prod.disconnect();
  return { ...r, lat };
}

/** {`family{stage}`: {bounds: [..], counts: [..cumulative], sum, count}} from Prometheus text. */
function histograms(text, family) {
  const out = {};
  const re = new RegExp(`^${family}_bucket\\{stage="([a-z]+)",le="([^"]+)"\\} (\\d+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const h = (out[m[1]] ??= { bounds: [], counts: [] });
    h.bounds.push(m[2] === '+Inf' ? Infinity : Number(m[2]));
    h.counts.push(Number(m[3]));
  }
  return out;
}

/** The q-quantile (ms) of the observations between two scrapes of one histogram. */
function quantile(before, after, q) {
  if (!after) return NaN;
  const cum = after.counts.map((c, i) => c - (before?.counts[i] ?? 0));
  const total = cum.at(-1);
  if (!total) return NaN;
  const rank = q * total;
  for (let i = 0; i < cum.length; i++) {
    if (cum[i] >= rank) {
      const lo = i === 0 ? 0 : after.bounds[i - 1];
      const hi = after.bounds[i] === Infinity ? lo : after.bounds[i];
      const below = i === 0 ? 0 : cum[i - 1];
      const inb = cum[i] - below;
      return 1000 * (lo + (hi - lo) * (inb ? (rank - below) / inb : 0));
    }
  }
  return NaN;
}

async function stages(gw, handler) {
  const g = histograms(await (await fetch(`${gw.url}/metrics`)).text(), 'gateway_command_stage_seconds');
  let h = {};
  try {
    h = histograms(fs.readFileSync(path.join(handler.stateDir, 'metrics'), 'utf8'), 'handler_stage_seconds');
  } catch {}
  return { g, h };
}

const broker = await lib.startBroker();
const handler = await lib.startHandler(broker.bootstrap);
const gw = await lib.startGateway(broker.bootstrap, { timeoutMs: 10000 });
try {
  const accounts = [];
  for (let i = 0; i < 50; i++) accounts.push(await lib.account(gw, `bench-${randomUUID()}`, 'pw'));
  // warm-up
  await openLoop(100, 1, (i) => lib.transfer(gw, { uuid: randomUUID(), token: 't', amount: 1, from: 'cash', to: accounts[i % 50].iban, descr: 'warm' }).then((r) => r.data?.money_transfer?.success === true));
  const rows = [];
  for (const rate of rates) {
    await sleep(1200); // the handler's metrics file is rewritten every second
    const s0 = await stages(gw, handler);
    const m = await openLoop(rate, seconds, (i) =>
      lib.transfer(gw, { uuid: randomUUID(), token: 't', amount: 1, from: 'cash', to: accounts[i % 50].iban, descr: 'bench' }).then((r) => r.data?.money_transfer?.success === true),
    );
    await sleep(1200);
    const s1 = await stages(gw, handler);
    const f = await floor(broker.bootstrap, rate, Math.min(seconds, 3));
    rows.push({ rate, m, f, s0, s1 });
    process.stderr.write(`rate ${rate}/s: p50 ${pct(m.lat, 50).toFixed(2)} ms, p99 ${pct(m.lat, 99).toFixed(2)} ms; floor p50 ${pct(f.lat, 50).toFixed(2)} ms\n`);
  }
  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, node ${process.version}, ${seconds} s per rate\n`);
  console.log('| rate (req/s) | sent | failed | mutation p50 (ms) | p99 (ms) | max (ms) | broker round trip p50 (ms) | p99 (ms) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { rate, m, f } of rows)
    console.log(
      `| ${rate} | ${m.sent} | ${m.failed} | ${pct(m.lat, 50).toFixed(2)} | ${pct(m.lat, 99).toFixed(2)} | ${m.lat.at(-1)?.toFixed(2)} | ${pct(f.lat, 50).toFixed(2)} | ${pct(f.lat, 99).toFixed(2)} |`,
    );
  console.log('\nWhere the time goes (p50 / p99 ms of each stage over that rate\'s requests; docs/benchmarks.md says what each stage is):\n');
  const G = ['send', 'ack', 'feedback', 'fetch', 'answer', 'total'];
  const H = ['fetch', 'decide', 'answer'];
  console.log(`| rate | ${G.map((x) => `gw ${x}`).join(' | ')} | ${H.map((x) => `handler ${x}`).join(' | ')} |`);
  console.log(`|---:|${G.map(() => '---:').join('|')}|${H.map(() => '---:').join('|')}|`);
  const fmt = (b, a) => `${quantile(b, a, 0.5).toFixed(2)} / ${quantile(b, a, 0.99).toFixed(2)}`;
  for (const { rate, s0, s1 } of rows)
    console.log(`| ${rate} | ${G.map((x) => fmt(s0.g[x], s1.g[x])).join(' | ')} | ${H.map((x) => fmt(s0.h[x], s1.h[x])).join(' | ')} |`);
} finally {
  await gw.stop();
  await stop(handler);
  await stop(broker.proc);
}
