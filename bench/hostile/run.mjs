// bench/hostile/run.mjs — the measured attack of issue #11 against one or more
// gateway binaries over the same bank: N accounts (default 492) each get a
// cash deposit with a description of DESCR bytes (default 60 KB), then each
// gateway, started in turn over that log, is sent ALIASES aliases of
// all_last_transactions with every field (default 50), and a second attack
// sized to pass the cost estimate (20 aliases). For each: the answer's status,
// size, time and first error; the gateway's peak RSS (VmHWM) and the longest
// answer of `{ __typename }` pings sent every 20 ms meanwhile: the gateway runs
// one loop (--threads, default 1), so a blocked loop shows there. Linux only
// (/proc/PID/status, clear_refs).
//
//   node bench/hostile/run.mjs [--accounts N] [--descr BYTES] [--aliases N] [--threads N] \
//        --gateway before=/path/to/gateway --gateway after=build/bin/gateway
//
// embedded-kafka and command-handler come from build/bin (or GW_BIN_DIR).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';

import { encode, produce, readTopology } from '../../tests/e2e/events-lib.mjs';
import { SOURCE_DIR, baseConfig, sleep, startBroker, startHandler, stop, writeTemp } from '../../tests/lib/stack.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ACCOUNTS = Number(opt('accounts', 492));
const DESCR = Number(opt('descr', 60000));
const ALIASES = Number(opt('aliases', 50));
const THREADS = Number(opt('threads', 1));
const gateways = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--gateway') gateways.push(args[i + 1].split('='));
if (gateways.length === 0) gateways.push(['current', `${SOURCE_DIR}/build/bin/gateway`]);
const TOPOLOGY = `${SOURCE_DIR}/schema/topology.yaml`;

const FIELDS = 'id iban new_balance changed_by from_to descr direction';
const attack = (n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: all_last_transactions { ${FIELDS} }`).join(' ')} }`;

/** Starts `bin` against the broker; resolves {url, proc, stop()} once /readyz is 200. */
async function startGw(bin, bootstrap) {
  const file = writeTemp(
    baseConfig('', `kafka:\n  enabled: true\n  brokers: "${bootstrap}"\n  topology: "${TOPOLOGY}"\n  fetch_wait_ms: 1\n  command_timeout_ms: 20000\n`),
    { prefix: 'gw-hostile-' },
  );
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('threads: 2', `threads: ${THREADS}`));
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  delete env.GW_TOPOLOGY;
  const proc = spawn(bin, ['--config', file], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stderr });
    rl.on('line', (l) => {
      log += l + '\n';
      const m = /"msg":"listening".*"port":(\d+)/.exec(l);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (c) => reject(new Error(`gateway exited ${c}: ${log}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 120000; Date.now() < end; await sleep(100)) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {}
  }
  return {
    url,
    proc,
    stop: () => new Promise((r) => (proc.exitCode !== null ? r() : (proc.on('exit', r), proc.kill('SIGTERM')))),
  };
}

async function gql(url, query, variables = {}) {
  const r = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return JSON.parse(await r.text());
}

/**
 * N accounts, each with one deposit carrying a DESCR-byte description. The
 * gateway and the command handler refuse a descr over 200 characters
 * (gateway/store/fields.h), so the long descriptions reach the log as an
 * outside producer would put them there: a BalanceChanged record produced
 * straight to the topic (the gateway folds those like its handler's).
 */
async function populate(url, bootstrap) {
  const descr = 'x'.repeat(DESCR);
  const topo = readTopology(TOPOLOGY);
  const t0 = Date.now();
  let done = 0;
  const one = async (i) => {
    const a = await gql(url, 'mutation($u: String!, $p: String!) { get_account(username: $u, password: $p) { iban token reason } }', {
      u: `hostile-user-${i}`,
      p: 'hostile-password',
    });
    const iban = a.data?.get_account?.iban;
    if (!iban) throw new Error(`account ${i}: ${JSON.stringify(a)}`);
    const t = await gql(url, `mutation($uuid: String!, $to: String!, $d: String!) {
      money_transfer(uuid: $uuid, token: "cash", amount: 1000, from: "cash", to: $to, descr: $d) { success reason } }`, { uuid: randomUUID(), to: iban, d: 'hostile' });
    if (!t.data?.money_transfer?.success) throw new Error(`deposit ${i}: ${JSON.stringify(t).slice(0, 300)}`);
    const rec = { iban, new_balance: 1000, changed_by: 0, from_to: 'cash', description: descr };
    produce(bootstrap, 'balance_changed', iban, encode(topo, 'BalanceChanged', rec));
    done++;
  };
  for (let i = 0; i < ACCOUNTS; i += 8) await Promise.all(Array.from({ length: Math.min(8, ACCOUNTS - i) }, (_, k) => one(i + k)));
  console.log(`populated ${done} accounts with ${DESCR}-byte deposits in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const hwm = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

/** Sends `query` once while pinging; what happened. The peak RSS is reset
 * first (clear_refs 5), so it is this request's. */
async function measure(gw, query) {
  fs.writeFileSync(`/proc/${gw.proc.pid}/clear_refs`, '5');
  let maxPing = 0;
  let pinging = true;
  const pinger = (async () => {
    while (pinging) {
      const t = Date.now();
      await gql(gw.url, '{ __typename }');
      maxPing = Math.max(maxPing, Date.now() - t);
      await sleep(20);
    }
  })();
  const t0 = Date.now();
  const r = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  let bytes = 0;
  let head = '';
  for await (const chunk of r.body) {
    if (head.length < 300) head += Buffer.from(chunk).toString('utf8', 0, 300);
    bytes += chunk.length;
  }
  const ms = Date.now() - t0;
  pinging = false;
  await pinger;
  const m = /"message":"([^"]*)"/.exec(head);
  return { status: r.status, bytes, ms, error: m ? m[1] : null, maxPingMs: maxPing, rss: hwm(gw.proc.pid) };
}

const broker = await startBroker(TOPOLOGY);
const handler = await startHandler(broker.bootstrap, TOPOLOGY);
try {
  let populated = false;
  for (const [name, bin] of gateways) {
    const gw = await startGw(bin, broker.bootstrap);
    try {
      if (!populated) {
        await populate(gw.url, broker.bootstrap);
        populated = true;
        await sleep(2000); // the produced records reach the projection
      }
      const rows = (await gql(gw.url, '{ all_last_transactions { id } }')).data.all_last_transactions.length;
      const idle = hwm(gw.proc.pid);
      for (const n of [ALIASES, 20]) {
        const r = await measure(gw, attack(n));
        console.log(
          `${name}: ${n} aliases x ${rows} rows: HTTP ${r.status}, ${(r.bytes / 1e6).toFixed(2)} MB in ${(r.ms / 1000).toFixed(2)} s, ` +
            `peak RSS ${(r.rss / 1e6).toFixed(0)} MB (idle ${(idle / 1e6).toFixed(0)} MB), slowest ping ${r.maxPingMs} ms` +
            (r.error ? `, error: ${r.error}` : ''),
        );
      }
    } finally {
      await gw.stop();
    }
  }
} finally {
  await stop(handler);
  await stop(broker.proc);
}
