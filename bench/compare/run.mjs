#!/usr/bin/env node
// bench/compare/run.mjs — the C gateway against the Node peer
// (bench/peer-node) on the same workloads, in one invocation, alternating
// A/B/A (ours, peer, ours): each side on a fresh embedded broker and command
// handler, so neither inherits the other's log.
//
// Per side:
//   1. seed: NL66OPEN0000000000 pays 9 new accounts, and one of them 10 times
//      more, so `all_last_transactions` answers 10 rows and
//      `transactions_by_iban(max_items: 10)` 10 rows;
//   2. wrk (-t1 -cC -dS, --latency) on both queries (POST /graphql), each after
//      an unmeasured wrk run of --wrk-warmup seconds (8);
//   3. bank-load at each generator count: started with a long --seconds, its
//      rows watched until every generator has its accounts (`ready`), then
//      --steady more rows, then SIGINT (bank-load waits for what is in
//      flight and checks every balance). Only the steady rows count.
// CPU is the server process's user + system time (/proc/PID/stat for wrk;
// bank-load's per-second cpu_pct otherwise), RSS its VmRSS at the end.
//
// Prints a Markdown table of both sides and the ratios (ours over the peer:
// > 1 means ours is better, for every column), writes it with the raw
// figures to bench/compare/results/compare-<UTC time>.{md,json}.
//
//   bench/compare/run [--bin build/bin] [--generators 25,100] [--protocol legacy] [--steady 15]
//                     [--warmup-max 300] [--wrk-seconds 10] [--wrk-warmup 8] [--wrk-connections 50] [--order ABA]
//                     [--out bench/compare/results] [--skip-wrk] [--skip-load] [--bank-load-args='--timeout-ms 60000']
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { values: opt } = parseArgs({
  options: {
    bin: { type: 'string', default: path.join(ROOT, 'build/bin') },
    generators: { type: 'string', default: '25,100' },
    protocol: { type: 'string', default: 'legacy' },
    steady: { type: 'string', default: '15' },
    'warmup-max': { type: 'string', default: '300' },
    'wrk-seconds': { type: 'string', default: '10' },
    'wrk-warmup': { type: 'string', default: '8' },
    'wrk-connections': { type: 'string', default: '50' },
    order: { type: 'string', default: 'ABA' },
    out: { type: 'string', default: path.join(ROOT, 'bench/compare/results') },
    'skip-wrk': { type: 'boolean', default: false },
    'skip-load': { type: 'boolean', default: false },
    'bank-load-args': { type: 'string', default: '' },
  },
});
process.env.GW_BIN_DIR = path.resolve(opt.bin);
const stack = await import('../../tests/lib/stack.mjs');
const TOPOLOGY = path.join(ROOT, 'schema/topology.yaml');
const BANK_LOAD = path.join(process.env.GW_BIN_DIR, 'bank-load');
const SEED = 'NL66OPEN0000000000';
const SEED_TOKEN = '00000000000000000000';
const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString());
const generators = opt.generators.split(',').map(Number);

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (...a) => console.error('compare:', ...a);

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14, 15)
}
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

// ---- the two sides

async function startOurs(bootstrap) {
  const cfg = stack.writeTemp(
    stack.baseConfig(
      '',
      `kafka:\n  enabled: true\n  brokers: "${bootstrap}"\n  topology: "${TOPOLOGY}"\n  fetch_wait_ms: 1\n  command_timeout_ms: 10000\n`,
    ).replace('  threads: 2', '  threads: 0'),
    { prefix: 'compare-' },
  );
  const gw = await stack.startGatewayProcess(cfg, { unset: ['KAFKA_BROKERS', 'GW_TOPOLOGY'] });
  await waitReady(gw.url);
  return { url: gw.url, pid: gw.proc.pid, stop: () => gw.stop() };
}

async function startPeer(bootstrap) {
  const { proc, line } = await stack.start(
    process.execPath,
    [path.join(ROOT, 'bench/peer-node/server.mjs'), '--brokers', bootstrap, '--port', '0', '--command-timeout-ms', '10000'],
    /^listening \d+/,
  );
  const url = `http://127.0.0.1:${line.split(' ')[1]}`;
  await waitReady(url);
  return { url, pid: proc.pid, stop: () => stack.stop(proc) };
}

async function waitReady(url, ms = 60000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {}
    await stack.sleep(100);
  }
  throw new Error(`${url} not ready`);
}

// ---- seeding

async function gql(url, query, variables) {
  const r = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const j = await r.json();
  if (j.errors) throw new Error(JSON.stringify(j.errors));
  return j.data;
}
const GET_ACCOUNT = 'mutation($u: String!, $p: String!) { get_account(username: $u, password: $p) { iban token reason } }';
const TRANSFER =
  'mutation($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!, $descr: String!) { money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to, descr: $descr) { uuid success reason } }';
export const ALL_LAST = '{ all_last_transactions { id iban new_balance changed_by from_to descr direction } }';
const BY_IBAN = (iban) => `{ transactions_by_iban(iban: "${iban}", max_items: 10) { id iban new_balance changed_by from_to descr direction } }`;

async function pay(url, to, amount) {
  const d = await gql(url, TRANSFER, { uuid: randomUUID(), token: SEED_TOKEN, amount, from: SEED, to, descr: 'seed' });
  if (!d.money_transfer.success) throw new Error(`seed transfer refused: ${d.money_transfer.reason}`);
}

/** 9 accounts paid once each, the first 10 more times; the first IBAN. */
async function seed(url) {
  const ibans = [];
  for (let i = 0; i < 9; i++) {
    const a = (await gql(url, GET_ACCOUNT, { u: `compare-${i}`, p: 'secret' })).get_account;
    ibans.push(a.iban);
  }
  for (const iban of ibans) await pay(url, iban, 100);
  for (let i = 0; i < 10; i++) await pay(url, ibans[0], 1000 + i);
  // wait until the projection shows them
  for (let k = 0; k < 200; k++) {
    const d = await gql(url, BY_IBAN(ibans[0]));
    if (d.transactions_by_iban.length === 10 && (await gql(url, ALL_LAST)).all_last_transactions.length === 10) return ibans[0];
    await stack.sleep(50);
  }
  throw new Error('seeded transactions not visible');
}

// ---- workloads

function wrk(url, pid, query) {
  const lua = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'compare-wrk-')), 'post.lua');
  fs.writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(JSON.stringify({ query }))}\n` +
      `done = function(summary, latency, requests)\n  io.write(string.format("ERRORS %d %d %d\\n", summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))\nend\n`,
  );
  // unmeasured warm-up: V8's and graphql-jit's compilers, the gateway's document cache (3 s
  // were not enough for the peer on a loaded machine: its first seconds ran at a tenth of its speed)
  execFileSync('wrk', ['-t1', `-c${opt['wrk-connections']}`, `-d${opt['wrk-warmup']}s`, '-s', lua, `${url}/graphql`]);
  const c0 = cpuTicks(pid);
  const out = execFileSync('wrk', ['-t1', `-c${opt['wrk-connections']}`, `-d${opt['wrk-seconds']}s`, '--latency', '-s', lua, `${url}/graphql`]).toString();
  const cpu = (cpuTicks(pid) - c0) / HZ;
  const ms = (re) => {
    const m = re.exec(out);
    if (!m) return null;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const n = Number(/(\d+) requests in/.exec(out)[1]);
  const errs = /ERRORS (\d+) (\d+) (\d+)/.exec(out).slice(1).map(Number);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
    p50_ms: ms(/\s50%\s+([\d.]+)(us|ms|s)/),
    p99_ms: ms(/\s99%\s+([\d.]+)(us|ms|s)/),
    cpu_pct: (100 * cpu) / Number(opt['wrk-seconds']),
    cpu_us_per_req: (cpu * 1e6) / n,
    rss_mb: rssMb(pid),
    requests: n,
    errors: errs.reduce((a, b) => a + b, 0),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

/** bank-load with g generators until `steady` rows with all of them ready; the steady figures. */
function bankLoad(url, pid, g) {
  return new Promise((resolve) => {
    const args = ['--url', url, '--protocol', opt.protocol, '--generators', String(g), '--seconds', '100000', '--pid-gateway', String(pid)];
    args.push(...opt['bank-load-args'].split(/\s+/).filter(Boolean));
    const p = spawn(BANK_LOAD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const rows = [];
    let warm = null;
    let summary = null;
    const t0 = Date.now();
    const timer = setTimeout(() => p.kill('SIGINT'), Number(opt['warmup-max']) * 1000);
    readline.createInterface({ input: p.stdout }).on('line', (l) => {
      let r;
      try {
        r = JSON.parse(l);
      } catch {
        return;
      }
      if (r.type === 'summary') summary = r;
      if (r.type !== 'row') return;
      if (warm === null && r.ready === g) {
        warm = (Date.now() - t0) / 1000;
        clearTimeout(timer);
        return; // the first row with everyone ready still holds warm-up
      }
      if (warm !== null) {
        rows.push(r);
        if (rows.length === Number(opt.steady)) p.kill('SIGINT');
      }
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      const tp = rows.map((r) => r.transfers_per_s);
      const p99s = rows.map((r) => r.p99_ms).filter((x) => x !== null);
      resolve({
        generators: g,
        warmup_s: warm,
        steady_rows: rows.length,
        transfers_per_s: tp.length ? tp.reduce((a, b) => a + b, 0) / tp.length : null,
        p50_ms: median(rows.map((r) => r.p50_ms).filter((x) => x !== null)),
        p99_ms: median(p99s), // the median second's p99
        p99_max_ms: p99s.length ? Math.max(...p99s) : null,
        cpu_pct: median(rows.map((r) => r.gateway?.cpu_pct ?? 0)),
        rss_mb: rows.length ? rows[rows.length - 1].gateway?.rss_mb : null,
        errors: rows.reduce((a, r) => a + r.error_count, 0), // in the steady seconds
        errors_total: summary?.error_count ?? null, // warm-up and the final balance check included
        error_kinds: summary?.errors ?? null,
        balances: summary?.balances ?? null,
        exit: code,
        stderr: code === 0 ? '' : stderr.slice(0, 2000),
      });
    });
  });
}

// ---- one side

async function runSide(name) {
  log(`${name}: starting (load ${loadavg()})`);
  const broker = await stack.startBroker(TOPOLOGY);
  const handler = await stack.startHandler(broker.bootstrap, TOPOLOGY);
  const srv = await (name === 'ours' ? startOurs : startPeer)(broker.bootstrap);
  const out = { side: name, load_before: loadavg(), wrk: {}, load: [] };
  try {
    if (!opt['skip-wrk']) {
      const iban = await seed(srv.url);
      for (const [k, q] of [['all_last_transactions', ALL_LAST], ['transactions_by_iban', BY_IBAN(iban)]]) {
        out.wrk[k] = wrk(srv.url, srv.pid, q);
        log(`${name}: wrk ${k}: ${out.wrk[k].rps} req/s`);
      }
    }
    if (!opt['skip-load']) {
      for (const g of generators) {
        const r = await bankLoad(srv.url, srv.pid, g);
        out.load.push(r);
        log(`${name}: bank-load ${g}: ${r.transfers_per_s?.toFixed(1)}/s p99 ${r.p99_ms} ms, warm-up ${r.warmup_s} s, errors ${r.errors} steady, ${r.errors_total} in all`);
      }
    }
  } finally {
    out.load_after = loadavg();
    await srv.stop();
    await stack.stop(handler);
    await stack.stop(broker.proc);
  }
  return out;
}

// ---- report

function avg(runs, get) {
  const v = runs.map(get).filter((x) => x !== null && x !== undefined && Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}
const f = (x, d = 1) => (x === null || x === undefined ? '—' : x.toFixed(d));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '—');

function table(runs) {
  const ours = runs.filter((r) => r.side === 'ours');
  const peer = runs.filter((r) => r.side === 'peer');
  const lines = [
    '| workload | side | throughput /s | p50 ms | p99 ms | CPU % | CPU µs/op | RSS MB | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rowsFor = (label, pick, thr) => {
    const m = (side) => ({
      t: avg(side, (r) => pick(r)?.[thr]),
      p50: avg(side, (r) => pick(r)?.p50_ms),
      p99: avg(side, (r) => pick(r)?.p99_ms),
      cpu: avg(side, (r) => pick(r)?.cpu_pct),
      rss: avg(side, (r) => pick(r)?.rss_mb),
      err: side.reduce((a, r) => a + (pick(r)?.errors ?? 0), 0),
    });
    const a = m(ours);
    const b = m(peer);
    const per = (x) => (x.t ? (x.cpu * 1e4) / x.t : null);
    const each = (side) => side.map((r) => f(pick(r)?.[thr])).join(' / ');
    lines.push(`| ${label} | ours (${each(ours)}) | ${f(a.t)} | ${f(a.p50, 2)} | ${f(a.p99, 2)} | ${f(a.cpu)} | ${f(per(a))} | ${f(a.rss)} | ${a.err} |`);
    const unready = (side) => side.filter((r) => pick(r) && !pick(r).steady_rows && thr === 'transfers_per_s').length;
    if (unready(ours) + unready(peer)) lines.push(`| ${label} | never all ready: ours ${unready(ours)} of ${ours.length} runs, peer ${unready(peer)} of ${peer.length} | | | | | | | |`);
    lines.push(`| ${label} | peer | ${f(b.t)} | ${f(b.p50, 2)} | ${f(b.p99, 2)} | ${f(b.cpu)} | ${f(per(b))} | ${f(b.rss)} | ${b.err} |`);
    lines.push(`| ${label} | **ours ÷ peer** | **${ratio(a.t, b.t)}** | ${ratio(b.p50, a.p50)} | ${ratio(b.p99, a.p99)} | — | ${ratio(per(b), per(a))} | ${ratio(b.rss, a.rss)} | |`);
  };
  if (!opt['skip-wrk']) {
    rowsFor(`wrk all_last_transactions (10 rows)`, (r) => r.wrk.all_last_transactions, 'rps');
    rowsFor(`wrk transactions_by_iban (10 rows)`, (r) => r.wrk.transactions_by_iban, 'rps');
  }
  if (!opt['skip-load'])
    for (const g of generators) rowsFor(`bank-load ${opt.protocol} ${g} generators`, (r) => r.load.find((x) => x.generators === g), 'transfers_per_s');
  return lines.join('\n');
}

const started = new Date();
const cmd = `bench/compare/run ${process.argv.slice(2).join(' ')}`.trim();
const runs = [];
for (const c of opt.order) runs.push(await runSide(c === 'A' ? 'ours' : 'peer'));
const gwVersion = execFileSync(path.join(process.env.GW_BIN_DIR, 'gateway'), ['--version']).toString().trim();
const cache = fs.existsSync(path.join(process.env.GW_BIN_DIR, '../CMakeCache.txt'))
  ? /CMAKE_BUILD_TYPE:STRING=(\S*)/.exec(fs.readFileSync(path.join(process.env.GW_BIN_DIR, '../CMakeCache.txt'), 'utf8'))?.[1]
  : '?';
const header = [
  `# bench/compare — ${started.toISOString()}`,
  '',
  `- command: \`${cmd}\` (order ${opt.order}: A = ours, B = the Node peer; each side on a fresh broker and command handler)`,
  `- machine: ${os.cpus().length} cores, ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}`,
  `- load average (1, 5, 15 min) before each side: ${runs.map((r) => `${r.side} ${r.load_before}`).join('; ')}`,
  `- ours: ${gwVersion}, ${opt.bin} (CMAKE_BUILD_TYPE ${cache}), threads 0 (one loop per core); peer: node ${process.version}, bench/peer-node`,
  `- wrk -t1 -c${opt['wrk-connections']} -d${opt['wrk-seconds']}s --latency after a ${opt['wrk-warmup']} s warm-up run of the same query; bank-load --protocol ${opt.protocol}, ${opt.steady} steady seconds after every generator has its accounts (p99: the median second's)`,
  `- ratios: ours ÷ peer for throughput, peer ÷ ours for latency, CPU per operation and RSS: above 1 ours is better`,
  `- bank-load errors: those of the steady seconds; a run that never had every generator ready within --warmup-max has no steady seconds ("—", and a row saying so); the JSON has every run's error kinds, warm-up and balance check included`,
  '',
];
const md = `${header.join('\n')}${table(runs)}\n`;
console.log(md);
fs.mkdirSync(opt.out, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
fs.writeFileSync(path.join(opt.out, `compare-${stamp}.md`), md);
fs.writeFileSync(path.join(opt.out, `compare-${stamp}.json`), JSON.stringify({ command: cmd, started, options: opt, runs }, null, 2));
log(`written ${path.join(opt.out, `compare-${stamp}.{md,json}`)}`);
