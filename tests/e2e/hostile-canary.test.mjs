// hostile-canary.test.mjs — every hostile-client attack of issue #11, one
// after another against ONE real stack (embedded-kafka, command-handler, a
// gateway with two loops and fairness at its defaults: loopback is exempt, so
// the attacks from 127.0.0.1 meet the per-request bounds, not the per-client
// ones), with two canaries running meanwhile in processes of their own
// (canary-probe.mjs): `{ __typename }` and `transactions_by_iban` of one
// account, each over one keep-alive connection every 50 ms; and a control,
// the same probe against a trivial node server, which measures the machine.
//
// For each attack the test asserts (a) what the hostile client gets: the
// gateway's exact error, status or close code, or a bounded answer (the
// figures in docs/security.md), and records (b) the canaries' samples taken
// while it ran: p50/p99/max are printed as `# ...` lines and, at the end, each
// attack's p99 must be under CANARY_P99_MS with no failed canary request
// (except the FINDINGS below, and windows the control says the machine was
// too busy for). At the end (c) the gateway's RSS is within RSS_MARGIN of the
// baseline taken after warm-up and /healthz answers.
//
// Settings lowered so that each attack takes seconds: server.request_timeout_ms
// 2000 (slowloris), subscriptions.init_timeout_ms 1500 (idle WebSockets).
// CANARY_STRICT=1 holds the findings to CANARY_P99_MS as well; CANARY_ONLY=RE
// runs only the attacks whose name matches RE (e.g. '^(6|12) '), for a
// closer look at some.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';

import { ALL_TX, GET_ACCOUNT, TOPOLOGY, account, gql, metrics, startBroker, startHandler, stop, transfer, until, waitReady } from './bank-lib.mjs';
import { baseConfig, sleep, startGatewayProcess, writeTemp } from '../lib/stack.mjs';

const CANARY_P99_MS = 50;
// Findings: attacks whose canary p99 was over CANARY_P99_MS on the 2-core
// machine while the control was not (none left; the history below, the
// figures in docs/security.md, "The attacks as one test"). A finding is held
// to FINDING_P99_MS (the issue measured 0.9 to 20 s) and reported;
// CANARY_STRICT=1 holds findings to CANARY_P99_MS too.
const FINDINGS = {
  // Attacks 2 (SSE 1 MiB of 96k keys), 3 (pipelined 8k-key WebSocket
  // messages) and 4 (5 x 100 subscribes of 60 KB documents) were findings
  // too, at 100-700 ms: fixed by the 10,000-value bound, the warm 2 MiB
  // scratch, turns with a per-tick budget and a capped socket receive buffer
  // (ws.c; attack 4's ~90 ms was 4 MiB read at once into a doubling buffer);
  // they are held to CANARY_P99_MS now.
  // (6, abandoned registrations, was one too: single stalls of 60-140 ms in
  // 5 of 11 runs under load, the loops waiting on the hashing pool's mutex
  // held by a nice-10 worker kept off its core, we think; the pool shares no
  // lock with the loops now.)
  // (12, the ping flood, was one too: 106 ms in 1 of 6 runs. Its turns
  // counted a ping as a message, so 10,000 pings took 5.8 s at two a turn;
  // they count 1/64 of one now, a round takes ~0.4 s, p99 under 12 ms.)
};
const FINDING_P99_MS = 2000;
const STRICT = process.env.CANARY_STRICT === '1';
const ONLY = process.env.CANARY_ONLY ? new RegExp(process.env.CANARY_ONLY) : null;
// Each attack is repeated, one round a second (ROUND_MS; a longer round is
// followed at once by the next), until its window is WINDOW_MS long, so that
// each canary's p99 is taken over about 120 samples made under attack (with
// 20 it would be the single slowest one, with 100 still the slowest whenever
// a stall cost a sample). The rounds are paced, not run flat out: this
// process (one node event loop) generating the load as fast as it can takes a
// core of the two and slows everything else, the canaries and the control
// included.
const WINDOW_MS = 6000;
const ROUND_MS = 1000;
// Two loops' document caches (graphql.doc_cache_bytes, 32 MiB each) may stay
// full of attack 4's documents, plus allocator slack.
const DOC_CACHE = 32 << 20;
const RSS_MARGIN = 2 * DOC_CACHE + (64 << 20);
const REQUEST_TIMEOUT_MS = 2000;
const INIT_TIMEOUT_MS = 1500;

const ALL = 'all_last_transactions { id iban new_balance changed_by from_to descr direction }';
const aliases = (n, body) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${body}`).join(' ')} }`;
const COST_MSG = 'Query cost 40050 exceeds the limit 20000 (graphql.cost.max)';
const REUSED = 'uuid already used for a different transfer';

let broker, handler, gw, alice, bob, control;

/**
 * The control: a node HTTP server in a process of its own answering every
 * POST with a fixed `{ __typename }` result, probed like the gateway. Its
 * latency is the machine's (scheduling, the other processes), not the
 * gateway's: it says how far the canaries' figures can be trusted. Resolves
 * {proc, url}.
 */
function startControl() {
  const code = `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => r.end('{"data":{"__typename":"Query"}}')); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port)); process.stdin.on('close', () => process.exit(0)); process.stdin.resume();`;
  const proc = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    readline.createInterface({ input: proc.stdout }).once('line', (port) => resolve({ proc, url: `http://127.0.0.1:${port}/graphql` }));
  });
}
const canaries = [];
const results = []; // {name, canary, n, p50, p99, max, failed}

function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}
async function settledRss(pid) {
  let low = Infinity;
  for (let i = 0; i < 10; i++) {
    await sleep(200);
    low = Math.min(low, rss(pid));
  }
  return low;
}
const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Spawns a canary-probe.mjs process; {name, samples: [{t, ms, ok, why}], stop()}. */
function startCanary(name, body, expect, url = `${gw.url}/graphql`) {
  const probe = path.join(import.meta.dirname, 'canary-probe.mjs');
  const proc = spawn(process.execPath, [probe, url, JSON.stringify(body), expect, '50'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const c = { name, proc, samples: [] };
  readline.createInterface({ input: proc.stdout }).on('line', (line) => {
    const [t, ms, ok, ...why] = line.split(' ');
    c.samples.push({ t: Number(t), ms: Number(ms), ok: ok === '1', why: why.join(' ') });
  });
  c.exited = new Promise((r) => proc.on('exit', r));
  c.stop = async () => {
    proc.stdin.end();
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await c.exited;
    clearTimeout(timer);
  };
  return c;
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * Runs attack `fn` again and again until WINDOW_MS have passed, and takes
 * what each canary saw meanwhile: the samples started between the start and
 * the end (waiting until every canary reported a sample started after the
 * end, so none of the window is missing). When the control's p99 in that
 * window is at or over BUSY_MS (half the bound) the machine itself was too
 * noisy to tell the gateway's share (other processes had the cores): the
 * window is repeated, up to WINDOWS times per attack and spareWindows in
 * the whole test (so that it ends within ctest's 180 s); the last one
 * counts, marked `busy` if the control was still over. `fn` returns a line
 * of detail (from its last round) or nothing.
 */
const WINDOWS = 3;
const BUSY_MS = CANARY_P99_MS / 2;
let spareWindows = 4;
async function attack(name, fn) {
  if (ONLY && !ONLY.test(name)) return;
  for (let attempt = 1; ; attempt++) {
    const t0 = Date.now();
    let detail;
    let rounds = 0;
    do {
      detail = await fn();
      rounds++;
      const next = t0 + rounds * ROUND_MS;
      if (next < t0 + WINDOW_MS && next > Date.now()) await sleep(next - Date.now());
    } while (Date.now() - t0 < WINDOW_MS);
    const t1 = Date.now();
    await until(() => canaries.every((c) => c.samples.some((s) => s.t > t1)), `canaries past ${name}`, 20000);
    const window = canaries.map((c) => {
      const w = c.samples.filter((s) => s.t >= t0 && s.t <= t1);
      const ms = w.map((s) => s.ms).sort((x, y) => x - y);
      const failed = w.filter((s) => !s.ok);
      return { name, canary: c.name, n: w.length, p50: pct(ms, 50), p99: pct(ms, 99), max: ms[ms.length - 1], failed };
    });
    const busy = window.find((r) => r.canary === 'control').p99 >= BUSY_MS;
    for (const r of window) {
      r.busy = busy;
      console.log(
        `# ${name} [${r.canary}]: n=${r.n} p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ` +
          `${r.failed.length} failed${r.failed.length ? ` (${r.failed[0].why})` : ''}; ${rounds} rounds in ` +
          `${((t1 - t0) / 1000).toFixed(1)} s; load ${loadavg()}${busy ? `; machine busy (window ${attempt} of ${WINDOWS})` : ''}`,
      );
    }
    if (detail) console.log(`# ${name}: ${detail}`);
    // (a finding's window is not repeated: it is held to FINDING_P99_MS anyway)
    if (!busy || (FINDINGS[name] && !STRICT) || attempt === WINDOWS || spareWindows-- <= 0) {
      results.push(...window);
      return;
    }
  }
}

before(async () => {
  broker = await startBroker();
  handler = await startHandler(broker.bootstrap);
  const kafka = `kafka:
  enabled: true
  brokers: "${broker.bootstrap}"
  topology: "${TOPOLOGY}"
  fetch_wait_ms: 1
  command_timeout_ms: 20000
subscriptions:
  init_timeout_ms: ${INIT_TIMEOUT_MS}
`;
  const file = writeTemp(baseConfig(`  shutdown_timeout_ms: 2000\n  request_timeout_ms: ${REQUEST_TIMEOUT_MS}`, kafka), {
    prefix: 'gw-canary-',
  });
  // the hashing pool's wait bound off (as bank-lib does): registrations queue, never "too many logins"
  gw = await startGatewayProcess(file, { env: { GATEWAY_PWHASH_MAX_WAIT_MS: '0' }, unset: ['KAFKA_BROKERS', 'GW_TOPOLOGY'] });
  await waitReady(gw);
  const tag = randomUUID().slice(0, 8);
  alice = await account(gw, `canary-a-${tag}`, 'pw-a');
  bob = await account(gw, `canary-b-${tag}`, 'pw-b');
  for (let i = 0; i < 10; i++) {
    const r = await transfer(gw, { uuid: randomUUID(), token: '', amount: 1000 + i, from: 'cash', to: alice.iban, descr: `seed ${i}` });
    assert.equal(r.data.money_transfer.success, true, JSON.stringify(r));
  }
  await until(async () => (await gql(gw, ALL_TX, { iban: alice.iban, max: 100 })).data.transactions_by_iban.length === 10, 'seed projected');
});

after(async () => {
  for (const c of canaries) await c.stop();
  control?.proc.stdin.end();
  const r = await gw?.stop();
  await stop(handler);
  await stop(broker.proc);
  if (r) assert.equal(r.code, 0, r.logs.slice(-3000));
});

const post = (body, headers = {}) =>
  fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** A raw graphql-transport-ws socket: {ws, messages, closed, next(pred)}. */
async function socket({ init = true } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/graphql-ws`, ['graphql-transport-ws'], { maxPayload: 64 << 20 });
  const s = { ws, messages: [] };
  const waiters = [];
  s.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('message', (d) => {
    s.messages.push(JSON.parse(String(d)));
    for (const w of waiters.splice(0)) w();
  });
  ws.on('error', () => {});
  s.next = async (pred, ms = 30000) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = s.messages.find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no matching message; got ${JSON.stringify(s.messages).slice(0, 500)}`);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  if (init) {
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await s.next((m) => m.type === 'connection_ack');
  }
  return s;
}

/** Runs `fn(i)` for i < n, `width` at a time. */
async function pool(n, width, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < n) await fn(i++);
  }));
}

const history = async () => (await gql(gw, ALL_TX, { iban: alice.iban, max: 1000 })).data.transactions_by_iban;

test('every attack of issue #11 while two canaries query', { timeout: 600000 }, async () => {
  // warm-up: the canaries' documents cached, the loops' arenas grown
  canaries.push(startCanary('typename', { query: '{ __typename }' }, '"__typename":"Query"'));
  canaries.push(
    startCanary(
      'by_iban',
      { query: 'query($i: String!) { transactions_by_iban(iban: $i, max_items: 20) { id iban new_balance changed_by descr } }', variables: { i: alice.iban } },
      `"iban":"${alice.iban}"`,
    ),
  );
  control = await startControl();
  canaries.push(startCanary('control', { query: '{ __typename }' }, '"__typename":"Query"', control.url));
  await until(() => canaries.every((c) => c.samples.length >= 40), 'canaries warmed up', 30000);
  await attack('at rest', async () => sleep(ROUND_MS));
  const pid = gw.proc.pid;
  const base = await settledRss(pid);
  console.log(`# baseline RSS ${mb(base)}; load ${loadavg()}`);

  // 1. cost: 50 aliases of all_last_transactions, every field
  await attack('1 cost: 50 aliases x 20', async () => {
    const q = JSON.stringify({ query: aliases(50, ALL) });
    for (let i = 0; i < 20; i++) {
      const r = await post(q);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { errors: [{ message: COST_MSG, extensions: { code: 'LIMIT_EXCEEDED' } }] });
    }
  });

  // 2. SSE POST with a 1 MiB body of ~96k distinct keys, 2 at once
  // (the payloads are built before each attack's window: the canaries then
  // measure the gateway, not this process building them)
  const keys = [];
  for (let i = 0; i < 96000; i++) keys.push(`"${i.toString(36).padStart(5, 'k')}":0`);
  const head = '{"query":"{ __typename }","extensions":{';
  const short = `${head}${keys.join(',')}}}`;
  // filled up to just under server.max_body_bytes (1 MiB)
  const body = `${head}"fill":"${'f'.repeat(1048576 - 64 - short.length)}",${keys.join(',')}}}`;
  assert.ok(body.length > 1040000 && body.length < 1048576, `${body.length}`);
  await attack('2 SSE 1 MiB body, 96k keys x 2', async () => {
    const one = async () => {
      const t = Date.now();
      const r = await post(body, { accept: 'text/event-stream' });
      // refused once the reader passed 10,000 values (GW_PARAMS_MAX_JSON_VALUES)
      assert.equal(r.status, 400);
      const j = await r.json();
      assert.match(j.errors[0].message, /^Request body is not valid JSON: Too many values: more than 10000 in one JSON document/);
      return Date.now() - t;
    };
    const took = await Promise.all([one(), one()]);
    return `refused in ${took.join(' and ')} ms (body ${body.length} bytes)`;
  });

  // 3. WebSocket messages of 8k distinct keys (64 KiB), 4 clients x 20
  const ext = {};
  for (let i = 0; i < 8000; i++) ext[i.toString(36).padStart(3, '0')] = 0;
  const keyMsgs = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify({ id: `m${i}`, type: 'subscribe', payload: { query: '{ __typename }', extensions: ext } }),
  );
  for (const m of keyMsgs) assert.ok(m.length <= 65536, `${m.length}`); // subscriptions.max_message_bytes
  await attack('3 WS 8k-key messages, 4 clients x 20', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => socket()));
    const counts = { next: 0, error: 0, closed: 0 };
    await Promise.all(
      clients.map(async (s) => {
        for (const msg of keyMsgs) s.ws.send(msg);
        const end = await Promise.race([
          s.next((m) => m.id === 'm19' && (m.type === 'complete' || m.type === 'error')).then(() => null),
          s.closed,
        ]);
        if (end) {
          // closed: only with a documented code (1009 too big, 1008 slow consumer)
          assert.ok([1008, 1009].includes(end.code), JSON.stringify(end));
          counts.closed++;
        }
        for (const m of s.messages.filter((x) => x.id)) {
          if (m.type === 'next') {
            assert.deepEqual(m.payload, { data: { __typename: 'Query' } });
            counts.next++;
          } else if (m.type === 'error') counts.error++;
        }
        s.ws.close();
        await s.closed;
      }),
    );
    assert.equal(counts.closed, 0, 'messages under max_message_bytes are answered, not closed');
    assert.equal(counts.next + counts.error, 80, JSON.stringify(counts));
    return `answers: ${JSON.stringify(counts)}`;
  });

  // 4. 5 connections x 100 subscriptions, each a distinct ~60 KB document
  const DOC_BYTES = 60000;
  const docMsgs = Array.from({ length: 5 }, (_, c) =>
    Array.from({ length: 100 }, (_, o) => {
      const tag = `c${c}o${o}`;
      const query = `${`# ${tag} ${'x'.repeat(DOC_BYTES)}`.slice(0, DOC_BYTES)}\nsubscription S_${tag} { stream_transactions { id } }`;
      return JSON.stringify({ id: `${o}`, type: 'subscribe', payload: { query } });
    }),
  );
  await attack('4 WS 5 x 100 subscriptions of 60 KB documents', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => socket()));
    let started = 0;
    let refused = 0;
    await Promise.all(
      clients.map(async (s, c) => {
        for (const msg of docMsgs[c]) s.ws.send(msg);
        // the pong comes after every answer to the subscribes (one loop, in order)
        s.ws.send(JSON.stringify({ type: 'ping' }));
        await s.next((m) => m.type === 'pong', 60000);
        const errors = s.messages.filter((m) => m.type === 'error');
        for (const e of errors) assert.match(e.payload[0].message, /subscriptions\.max_connection_bytes/, JSON.stringify(e));
        assert.ok(errors.length >= 1 && errors.length < 100, `${errors.length} refused`);
        refused += errors.length;
        started += 100 - errors.length;
        s.ws.close();
        await s.closed;
      }),
    );
    return `${started} started, ${refused} refused naming subscriptions.max_connection_bytes; RSS ${mb(rss(pid))}`;
  });

  // 5. 200 cash deposits with a 60 KB descr
  await attack('5 200 deposits with a 60 KB descr', async () => {
    const before = await history();
    const produced = (await metrics(gw)).gateway_kafka_produced_total;
    const descr = 'd'.repeat(60000);
    await pool(200, 8, async () => {
      const r = await transfer(gw, { uuid: randomUUID(), token: '', amount: 100, from: 'cash', to: alice.iban, descr });
      assert.equal(r.data.money_transfer, null);
      assert.equal(r.errors[0].message, 'descr must be at most 800 bytes (got 60000)');
    });
    assert.deepEqual(await history(), before, 'balances unchanged');
    assert.equal((await metrics(gw)).gateway_kafka_produced_total, produced, 'nothing produced');
  });

  // 6. 100 registrations over WebSocket, abandoned 5 ms after sending
  await attack('6 100 registrations abandoned after 5 ms', async () => {
    const get = (m, r) => m[`gateway_pwhash_jobs_total{result="${r}"}`] ?? 0;
    const before = await metrics(gw);
    const N = 100;
    const sockets = await Promise.all(Array.from({ length: N }, () => socket()));
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise((resolve) => {
            const msg = { id: '1', type: 'subscribe', payload: { query: GET_ACCOUNT, variables: { u: `gone-${randomUUID().slice(0, 12)}`, p: 'pw' } } };
            s.ws.send(JSON.stringify(msg), () =>
              setTimeout(() => {
                s.ws.terminate();
                resolve();
              }, 5),
            );
          }),
      ),
    );
    const m = await until(
      async () => {
        const x = await metrics(gw);
        const n = ['done', 'dropped', 'refused', 'failed'].reduce((sum, r) => sum + get(x, r) - get(before, r), 0);
        return n >= N && x.gateway_pwhash_queued === 0 ? x : null;
      },
      'every registration hashed or dropped',
      120000,
    );
    const dropped = get(m, 'dropped') - get(before, 'dropped');
    const done = get(m, 'done') - get(before, 'done');
    assert.ok(dropped > 0, `none of ${N} dropped (${done} hashed)`);
    assert.equal(get(m, 'failed') - get(before, 'failed'), 0);
    // nothing else broke: a registration answers
    const r = await account(gw, `after-${randomUUID().slice(0, 8)}`, 'pw');
    assert.ok(r.iban && r.token, JSON.stringify(r));
    return `${dropped} dropped, ${done} hashed`;
  });

  // 7. the same transfer uuid re-sent with a different amount
  await attack('7 uuid re-sent with another amount x 10', async () => {
    for (let i = 0; i < 10; i++) {
      const first = { uuid: randomUUID(), token: alice.token, amount: 1, from: alice.iban, to: bob.iban, descr: `reuse ${i}` };
      const r1 = await transfer(gw, first);
      assert.deepEqual(r1.data.money_transfer, { uuid: first.uuid, success: true, reason: null });
      const r2 = await transfer(gw, { ...first, amount: 90000 });
      assert.equal(r2.data.money_transfer, null);
      assert.equal(r2.errors[0].message, REUSED);
    }
  });

  // 8. SSE GET with a money_transfer mutation in the URL
  await attack('8 SSE GET mutation x 20', async () => {
    const produced = (await metrics(gw)).gateway_kafka_produced_total;
    for (let i = 0; i < 20; i++) {
      const url = new URL(`${gw.url}/graphql`);
      url.searchParams.set(
        'query',
        `mutation { money_transfer(uuid: "${randomUUID()}", token: "${alice.token}", amount: 100, from: "${alice.iban}", to: "${bob.iban}", descr: "via GET") { success } }`,
      );
      const r = await fetch(url, { headers: { accept: 'text/event-stream' } });
      assert.equal(r.status, 405);
      assert.equal(r.headers.get('allow'), 'POST');
      assert.match((await r.json()).errors[0].message, /over GET.*use POST/);
    }
    assert.equal((await metrics(gw)).gateway_kafka_produced_total, produced, 'nothing executed');
  });

  // 9. Host: evil.example with Origin: http://evil.example (DNS rebinding)
  await attack('9 Host and Origin evil.example x 20', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: gw.port,
            path: '/graphql',
            method: 'POST',
            agent: false,
            headers: { host: `evil.example:${gw.port}`, origin: `http://evil.example:${gw.port}`, 'content-type': 'application/json' },
          },
          (r) => {
            r.resume();
            r.on('end', () => resolve(r));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ query: '{ __typename }' }));
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    }
  });

  // 10. slowloris: 200 sockets sending a request header a byte every 200 ms
  await attack('10 slowloris 200 sockets', async () => {
    const t = Date.now();
    const closedAfter = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise((resolve) => {
            const s = net.connect(gw.port, '127.0.0.1');
            const head = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
            let i = 0;
            let timer;
            let got = '';
            s.on('connect', () => {
              timer = setInterval(() => i < head.length && s.write(head[i++]), 200);
            });
            s.on('data', (d) => (got += d));
            s.on('error', () => {});
            const kill = setTimeout(() => s.destroy(), 30000); // not closed by then: the assertion below says so
            s.on('close', () => {
              clearInterval(timer);
              clearTimeout(kill);
              resolve({ ms: Date.now() - t, got });
            });
          }),
      ),
    );
    const ms = closedAfter.map((c) => c.ms).sort((a, b) => a - b);
    for (const c of closedAfter) assert.doesNotMatch(c.got, /^HTTP\/1\.1 200/, 'a slow request was never served');
    assert.ok(ms[ms.length - 1] < 20000, `a slow socket stayed open ${ms[ms.length - 1]} ms`);
    assert.ok(ms[0] >= REQUEST_TIMEOUT_MS * 0.75, `closed after ${ms[0]} ms, before server.request_timeout_ms`);
    return `closed after ${ms[0]}..${ms[ms.length - 1]} ms (server.request_timeout_ms ${REQUEST_TIMEOUT_MS})`;
  });

  // 11. 500 idle WebSockets (upgraded, no connection_init)
  await attack('11 500 idle WebSockets', async () => {
    const t = Date.now();
    const sockets = [];
    for (let i = 0; i < 500; i += 50) sockets.push(...(await Promise.all(Array.from({ length: 50 }, () => socket({ init: false })))));
    const closes = await Promise.all(sockets.map((s) => s.closed));
    const codes = {};
    for (const c of closes) codes[c.code] = (codes[c.code] ?? 0) + 1;
    assert.deepEqual(codes, { 4408: 500 });
    assert.equal(closes[0].reason, 'Connection initialisation timeout');
    return `all closed 4408 within ${Date.now() - t} ms (subscriptions.init_timeout_ms ${INIT_TIMEOUT_MS})`;
  });

  // 12. a ping flood: 10,000 WebSocket ping frames as fast as they go
  await attack('12 ping flood 10,000 frames', async () => {
    const s = await socket();
    let pongs = 0;
    const payload = Buffer.alloc(16, 'p');
    s.ws.on('pong', (d) => {
      assert.deepEqual(d, payload);
      pongs++;
    });
    for (let i = 0; i < 10000; i++) s.ws.ping(payload);
    // the client reads: every ping gets its pong (each counted in the unsent
    // output, subscriptions.max_unsent_bytes); the socket then still serves
    await until(() => pongs === 10000, `10,000 pongs (got ${pongs})`, 60000);
    s.ws.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } }));
    assert.deepEqual((await s.next((m) => m.id === 'q')).payload, { data: { __typename: 'Query' } });
    s.ws.close();
    await s.closed;
    return `${pongs} pongs, then a query answered`;
  });

  // 13. CPU bombs: over max_aliases, over max_document_bytes, over max_fields, deep nesting
  const typenames = (bytes) => `{ ${'__typename '.repeat(Math.ceil(bytes / 11))}}`;
    let deep = '{ __schema { types { ...F0 } } }';
    for (let i = 0; i < 40; i++) deep += ` fragment F${i} on __Type { ofType { ...F${i + 1} } }`;
    deep += ' fragment F40 on __Type { name }';
    const bombs = [
      [aliases(300, '__typename'), /^The document uses 300 aliases, more than the limit of 200\.$/],
      [typenames(100100), /^Document exceeds the size limit of 100000 bytes\.$/],
      [typenames(90000), /^The document selects 8182 fields, more than the limit of 2000\.$/],
      [deep, /levels deep, more than the limit of 32\.$/],
    ].map(([query, message]) => [JSON.stringify({ query }), message]);
  await attack('13 CPU bombs x 20 each', async () => {
    for (const [body, message] of bombs) {
      for (let i = 0; i < 20; i++) {
        const r = await post(body);
        const j = await r.json();
        assert.ok(j.errors?.length >= 1, JSON.stringify(j).slice(0, 300));
        assert.equal(j.data, undefined);
        assert.equal(j.errors[0].extensions.code, 'LIMIT_EXCEEDED', JSON.stringify(j.errors[0]));
        assert.match(j.errors[0].message, message);
      }
    }
  });

  // (c) memory back, /healthz answers
  const end = await settledRss(pid);
  console.log(`# RSS: baseline ${mb(base)}, after the attacks ${mb(end)} (margin ${mb(RSS_MARGIN)}); load ${loadavg()}`);
  const health = await fetch(`${gw.url}/healthz`);
  assert.equal(health.status, 200);
  // AddressSanitizer's quarantine keeps up to 256 MB of freed blocks: RSS is judged without it only
  const sanitized = fs.readFileSync(`/proc/${gw.proc.pid}/maps`, 'utf8').includes('libasan');
  if (!sanitized)
    assert.ok(end - base < RSS_MARGIN, `RSS ${mb(end)} is over the baseline ${mb(base)} + ${mb(RSS_MARGIN)}`);

  // (b) the canaries, every attack at once so that one over the bound does not hide the others
  // a window the machine was too busy for (the control over BUSY_MS in its
  // last try) is held to FINDING_P99_MS only, and said so
  // under AddressSanitizer (build-asan) the gateway runs several times slower:
  // the attacks' answers and RSS are checked as above, the canaries only for
  // being answered (no failures) within the finding bound times five
  const bound = (r) =>
    sanitized ? 5 * FINDING_P99_MS : (FINDINGS[r.name] && !STRICT) || r.busy ? FINDING_P99_MS : CANARY_P99_MS;
  const gateway = results.filter((r) => r.canary !== 'control');
  for (const r of gateway.filter((x) => FINDINGS[x.name] && x.p99 >= CANARY_P99_MS)) {
    console.log(`# FINDING ${r.name} [${r.canary}]: p99 ${r.p99.toFixed(1)} ms over ${CANARY_P99_MS} ms: ${FINDINGS[r.name]}`);
  }
  for (const r of gateway.filter((x) => x.busy)) {
    console.log(`# NOT JUDGED ${r.name} [${r.canary}]: p99 ${r.p99.toFixed(1)} ms, but the control's p99 was over ${BUSY_MS} ms`);
  }
  const over = gateway.filter((r) => r.p99 >= bound(r) || r.failed.length > 0);
  assert.deepEqual(
    over.map((r) => `${r.name} [${r.canary}]: p99 ${r.p99.toFixed(1)} ms (bound ${bound(r)}), ${r.failed.length} failed`),
    [],
    'canary p99 at or over its bound, or failures',
  );
});
