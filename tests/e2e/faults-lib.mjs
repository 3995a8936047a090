// faults-lib.mjs — the fault-injection suite's machinery (tests/e2e/faults-*.test.mjs):
// the whole stack as real processes (embedded-kafka with its control channel, the
// command handler with a state directory, two gateways), a steady stream of
// transfers from generators in the original load test's shape (pairs of accounts
// sending 100, 200, 300, ... back and forth), the re-sending of every transfer
// whose answer a client never got (same uuid), and the money rules checked
// against the log, the handler's own state and every gateway's projections:
//
//   - every uuid has exactly one outcome: all its feedback records agree, and so
//     does every answer a client got for it;
//   - no transfer applied twice: at most one BalanceChanged per (command, IBAN);
//   - every success has both BalanceChanged events, a failure none;
//   - each account's BalanceChanged chain adds up (new_balance = previous +
//     changed_by), and the sum of all balances equals what was put in;
//   - every gateway's projections and the handler's snapshot hold the log's balances.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { GET_ACCOUNT, TRANSFER, startGateway, waitReady } from './bank-lib.mjs';
import { decode, readTopology, tail } from './events-lib.mjs';
import { EMBEDDED_KAFKA, SOURCE_DIR, sleep, start, startHandler, stop } from '../lib/stack.mjs';

export const TOPOLOGY = path.join(SOURCE_DIR, 'schema/topology.yaml');
export const DEPOSIT = 200000; // cents put into each generator account from "cash"

/** Prints a line about the run (kept in the test's output). */
export const note = (...a) => console.log('#', ...a);

/**
 * embedded-kafka with `--control`: its stdin takes fault commands, each
 * answered by one line on stdout (OK ... or ERR ...). Resolves {proc, bootstrap,
 * control(line)}.
 */
export async function startControlledBroker(topology, { brokers = 1, topics = [] } = {}) {
  const extra = topics.flatMap((t) => ['--topic', t]);
  const { proc, line } = await start(EMBEDDED_KAFKA, ['--brokers', String(brokers), '--topology', topology, '--control', ...extra], /^BOOTSTRAP=/, {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const waiting = [];
  readline.createInterface({ input: proc.stdout }).on('line', (l) => {
    if (/^(OK|ERR)\b/.test(l)) waiting.shift()?.(l);
  });
  const control = (cmd) =>
    new Promise((resolve, reject) => {
      waiting.push((l) => (l.startsWith('OK') ? resolve(l) : reject(new Error(`${cmd}: ${l}`))));
      proc.stdin.write(`${cmd}\n`);
    });
  return { proc, bootstrap: line.slice('BOOTSTRAP='.length), control };
}

/**
 * The stack: a controlled broker, a handler (state in a temporary directory) and
 * `gateways` gateways. s.restartHandler() starts a new handler on the same state;
 * s.close() stops everything.
 */
export async function startStack({ topology = TOPOLOGY, brokers = 1, gateways = 2, timeoutMs = 20000, topics = [], firstGatewayExtra = '' } = {}) {
  const s = { topology, topo: readTopology(topology), stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'faults-ch-')) };
  s.k = await startControlledBroker(topology, { brokers, topics });
  s.h = await startHandler(s.k.bootstrap, topology, { stateDir: s.stateDir });
  s.handlerLogs = '';
  s.gws = [];
  for (let i = 0; i < gateways; i++) s.gws.push(await startGateway(s.k.bootstrap, { topology, timeoutMs, extra: i === 0 ? firstGatewayExtra : '' }));
  s.restartHandler = async () => {
    s.handlerLogs += s.h.stderrText();
    s.h = await startHandler(s.k.bootstrap, topology, { stateDir: s.stateDir });
  };
  /** What the handlers said at their starts: {starts, completedFromLog} (sums over every start). */
  s.handlerStarts = () => {
    const text = s.handlerLogs + s.h.stderrText();
    const done = [...text.matchAll(/(\d+) half-done transfers completed from the log/g)].map((m) => Number(m[1]));
    return { starts: done.length, completedFromLog: done.reduce((a, b) => a + b, 0) };
  };
  s.killHandler = async () => {
    await stop(s.h, 'SIGKILL');
  };
  s.close = async () => {
    for (const g of s.gws) await g.stop();
    await stop(s.h);
    await stop(s.k.proc);
    fs.rmSync(s.stateDir, { recursive: true, force: true });
  };
  return s;
}

/** One GraphQL request; {data, errors} or {errors: [{message}]} when the gateway could not be reached. */
export async function call(gw, query, variables) {
  try {
    const r = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60000),
    });
    return JSON.parse(await r.text());
  } catch (e) {
    return { errors: [{ message: `unreachable: ${e.message}` }] };
  }
}

/** A definite answer of money_transfer: {success, reason}, or null (an error: the client does not know). */
function definite(r) {
  const t = r?.data?.money_transfer;
  if (!t || r.errors) return null;
  return { success: t.success, reason: t.reason ?? null };
}

/** get_account until it answers an IBAN (retrying errors for up to 60 s). */
async function login(gws, username, password) {
  const end = Date.now() + 60000;
  for (let i = 0; ; i++) {
    const r = await call(gws[i % gws.length], GET_ACCOUNT, { u: username, p: password });
    const a = r?.data?.get_account;
    if (a?.iban) return a;
    if (Date.now() > end) throw new Error(`login ${username}: ${JSON.stringify(r)}`);
    await sleep(200);
  }
}

/**
 * Starts `n` generators against s.gws (each request to a gateway chosen in turn;
 * a gateway that is down gives errors: the transfer stays unanswered). Each
 * generator opens two accounts, deposits DEPOSIT from cash into each, then sends
 * 100, 200, ... 1000 (and again) from one to the other, alternating. Returns
 * {ready, stop(), records, accounts}: records maps uuid -> {args, answers: [...]};
 * `ready` resolves once every generator has its accounts.
 */
export function generators(s, n, { prefix = randomUUID().slice(0, 8) } = {}) {
  const records = new Map();
  const accounts = [];
  let running = true;
  let turn = 0;
  const pick = () => s.gws[turn++ % s.gws.length];
  const send = async (args) => {
    const rec = records.get(args.uuid) ?? { args, answers: [] };
    records.set(args.uuid, rec);
    const r = await call(pick(), TRANSFER, args);
    const d = definite(r);
    rec.answers.push(d ?? { error: r.errors?.[0]?.message ?? 'no answer' });
    // an error: back off as a client would (and as resendUnanswered does). A
    // silent handler's refusals come at once (kafka.heartbeat_timeout_ms), and
    // without this each generator would send new transfers in a tight loop.
    if (!d) await sleep(200);
    return d;
  };
  let readyCount = 0;
  let markReady;
  const ready = new Promise((r) => (markReady = r));
  const one = async (g) => {
    const a = await login(s.gws, `gen-${prefix}-${g}-a`, 'pw');
    const b = await login(s.gws, `gen-${prefix}-${g}-b`, 'pw');
    accounts.push(a, b);
    if (++readyCount === n) markReady();
    for (const acc of [a, b]) await send({ uuid: randomUUID(), token: '', amount: DEPOSIT, from: 'cash', to: acc.iban, descr: 'deposit' });
    for (let i = 0; running; i++) {
      const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
      // every 25th with a wrong token: refusals must be as consistent as successes
      const token = i % 25 === 24 ? '0'.repeat(20) : from.token;
      await send({ uuid: randomUUID(), token, amount: ((i % 10) + 1) * 100, from: from.iban, to: to.iban, descr: `gen ${g} #${i}` });
    }
  };
  const done = Promise.all(Array.from({ length: n }, (_, g) => one(g)));
  return {
    ready,
    records,
    accounts,
    async stop() {
      running = false;
      await done;
    },
  };
}

/**
 * Re-sends, with the same uuid and arguments, every transfer that has no
 * definite answer yet, until each has one (at most `ms`). Returns how many were
 * re-sent.
 */
export async function resendUnanswered(s, records, ms = 120000) {
  const end = Date.now() + ms;
  let resent = 0;
  const open = () => [...records.values()].filter((r) => !r.answers.some((a) => !('error' in a)));
  const first = open().length;
  while (open().length > 0) {
    assert.ok(Date.now() < end, `${open().length} transfers still unanswered after ${ms} ms`);
    await Promise.all(
      open()
        .slice(0, 64)
        .map(async (rec) => {
          resent++;
          const r = await call(s.gws[resent % s.gws.length], TRANSFER, rec.args);
          const d = definite(r);
          rec.answers.push(d ?? { error: r.errors?.[0]?.message ?? 'no answer' });
          if (!d) await sleep(200);
        }),
    );
  }
  return { unanswered: first, resent };
}

/** Follows the feedback and balance topics from their beginning; {outputs(), settle(), close()}. */
function follow(s) {
  const names = [
    ...new Set(
      ['AccountCreationConfirmed', 'AccountCreationFailed', 'MoneyTransferConfirmed', 'MoneyTransferFailed', 'BalanceChanged'].map(
        (r) => s.topo.topicOf(r).name,
      ),
    ),
  ];
  const tails = names.map((n) => tail(s.k.bootstrap, n));
  const outputs = () =>
    tails.flatMap((t) =>
      t.messages.map((m) => ({ ...decode(s.topo, m.value), topic: m.topic, partition: m.partition, offset: m.offset, cause: m.headers['command-id'] })),
    );
  const settle = async () => {
    for (let n = -1; ; await sleep(1000)) {
      const o = outputs();
      if (o.length === n) return o;
      n = o.length;
    }
  };
  return { outputs, settle, close: () => Promise.all(tails.map((t) => t.close())) };
}

/** The balances in the handler's snapshot (stops it with SIGTERM, which writes one): {iban: BigInt}. */
async function handlerBalances(s) {
  const r = await stop(s.h);
  assert.equal(r.code, 0, `the handler stopped cleanly\n${s.h.stderrText()}`);
  const text = fs.readFileSync(path.join(s.stateDir, 'snapshot'), 'utf8');
  const out = {};
  for (const m of text.matchAll(/^account (\S+) \S+ (-?\d+) /gm)) out[m[1]] = BigInt(m[2]);
  return out;
}

/** The newest balance of `iban` in a gateway's projection (BigInt cents), or null with no transaction. */
async function gatewayBalance(gw, iban) {
  const r = await call(gw, `query($i: String!) { transactions_by_iban(iban: $i, max_items: 1) { new_balance id } }`, { i: iban });
  assert.ok(!r.errors, JSON.stringify(r.errors));
  const t = r.data.transactions_by_iban;
  if (!t.length) return null;
  return BigInt(t[0].new_balance.replace(/[^0-9-]/g, ''));
}

/**
 * Asserts the money rules over `records` (every one must have a definite answer
 * by now). Returns a summary {transfers, successes, failures, events}.
 */
export async function verify(s, records, accounts) {
  const f = follow(s);
  try {
    // A BalanceChanged written twice byte for byte (same command, account,
    // change and new balance: a batch the mock broker appended again when an
    // injected error made the idempotent producer retry it) moves no money
    // twice: every consumer keeps one per (command, account), as the gateway's
    // projection does (gateway_kafka_duplicate_balance_changes_total). Such
    // copies are counted and said; a second, different change of the same
    // account by one command is still "applied twice".
    const seenBc = new Set();
    let copies = 0;
    const o = (await f.settle()).filter((e) => {
      if (e.record !== 'BalanceChanged') return true;
      const k = `${e.cause}|${e.iban}|${e.changed_by}|${e.new_balance}`;
      if (seenBc.has(k)) {
        copies++;
        return false;
      }
      seenBc.add(k);
      return true;
    });
    if (copies) note(`identical BalanceChanged copies in the log (the broker appended a retried batch again): ${copies}`);
    const feedback = new Map();
    const moves = new Map();
    for (const e of o) {
      if (e.record === 'BalanceChanged') {
        if (!moves.has(e.cause)) moves.set(e.cause, []);
        moves.get(e.cause).push(e);
      } else if (e.record.startsWith('MoneyTransfer')) {
        if (!feedback.has(e.id)) feedback.set(e.id, []);
        feedback.get(e.id).push(e);
      }
    }
    let successes = 0;
    let failures = 0;
    let deposited = 0n;
    const problems = {};
    const problem = (kind, id, detail = '') => {
      problems[kind] ??= [];
      problems[kind].push(`${id} ${detail}`);
    };
    for (const [id, rec] of records) {
      const fb = feedback.get(id) ?? [];
      if (fb.length === 0) {
        problem('no outcome in the log', id);
        continue;
      }
      const ok = fb[0].record === 'MoneyTransferConfirmed';
      if (fb.some((x) => x.record !== fb[0].record || x.reason !== fb[0].reason)) problem('feedback records disagree', id);
      for (const a of rec.answers.filter((a) => !('error' in a)))
        if (a.success !== ok || (!ok && a.reason !== fb[0].reason)) problem('client told other than the log', id, JSON.stringify(a));
      const m = moves.get(id) ?? [];
      const ibans = m.map((e) => e.iban);
      if (new Set(ibans).size !== ibans.length) problem('applied twice', id, ibans.join(','));
      if (ok) {
        successes++;
        const expect = rec.args.from === 'cash' ? [rec.args.to] : [rec.args.from, rec.args.to];
        if (ibans.slice().sort().join() !== expect.slice().sort().join()) problem('success without both BalanceChanged', id, `has ${ibans.join(',') || 'none'}`);
        if (rec.args.from === 'cash') deposited += BigInt(rec.args.amount);
      } else {
        failures++;
        if (m.length) problem('failure with BalanceChanged', id);
      }
    }
    const summary = Object.entries(problems).map(([k, v]) => `${k}: ${v.length} (e.g. ${v[0]})`);
    if (summary.length) {
      // what the log holds around the first broken transfer, to tell a lost record from a misread one
      const id = Object.values(problems)[0][0].split(' ')[0];
      const rec = records.get(id);
      for (const iban of [rec.args.from, rec.args.to]) {
        const chain = o.filter((e) => e.record === 'BalanceChanged' && e.iban === iban).sort((x, y) => x.offset - y.offset);
        const i = chain.findIndex((e) => e.cause === id);
        note(`${iban} around ${id} (amount ${rec.args.amount}):`);
        for (const e of chain.slice(Math.max(0, i - 3), i < 0 ? 0 : i + 4))
          note(`  p${e.partition}@${e.offset} ${e.changed_by} -> ${e.new_balance} ${e.cause}`);
        if (i < 0) {
          // the chain where new_balance does not follow
          for (let k = 1; k < chain.length; k++)
            if (chain[k].new_balance !== chain[k - 1].new_balance + chain[k].changed_by)
              note(`  gap: p${chain[k].partition}@${chain[k - 1].offset}..${chain[k].offset}: ${chain[k - 1].new_balance} then ${chain[k].changed_by} -> ${chain[k].new_balance}`);
        }
      }
    }
    assert.deepEqual(summary, [], `money rules broken over ${records.size} transfers`);
    // each account's chain, in partition order, and the sum of balances
    const last = {};
    const byIban = new Map();
    for (const e of o.filter((e) => e.record === 'BalanceChanged').sort((x, y) => x.partition - y.partition || x.offset - y.offset)) {
      if (!byIban.has(e.iban)) byIban.set(e.iban, []);
      byIban.get(e.iban).push(e);
    }
    let total = 0n;
    for (const acc of accounts) {
      const chain = byIban.get(acc.iban) ?? [];
      let bal = 0n;
      for (const e of chain) {
        assert.equal(e.new_balance, bal + e.changed_by, `${acc.iban}: new_balance follows from changed_by`);
        bal = e.new_balance;
      }
      last[acc.iban] = bal;
      total += bal;
    }
    assert.equal(total, deposited, 'the sum of all balances equals what was put in');
    // the handler's state and every gateway's projections
    const hb = await handlerBalances(s);
    for (const acc of accounts) assert.equal(hb[acc.iban], last[acc.iban], `handler balance of ${acc.iban}`);
    for (const gw of s.gws) {
      await waitReady(gw, 60000);
      for (const acc of accounts) {
        const end = Date.now() + 10000;
        let g;
        while ((g = await gatewayBalance(gw, acc.iban)) !== last[acc.iban] && Date.now() < end) await sleep(100);
        assert.equal(g, last[acc.iban], `gateway ${gw.url}: balance of ${acc.iban}`);
      }
    }
    return { transfers: records.size, successes, failures, events: o.length };
  } finally {
    await f.close();
  }
}

/** Counts of what the clients saw: {answered, errors} (answers given, error answers). */
export function clientSummary(records) {
  let errors = 0;
  let answered = 0;
  for (const r of records.values()) {
    errors += r.answers.filter((a) => 'error' in a).length;
    answered += r.answers.filter((a) => !('error' in a)).length;
  }
  return { answered, errors };
}

/**
 * One fault case: the stack (`stack` options), FAULTS_GENERATORS generators
 * (default 24), `inject(s, log)` running while they send, then the re-sending of
 * every unanswered transfer and verify(). A handler that exits by itself (it
 * stops on a message it could not deliver) is restarted from its state, as a
 * supervisor would. Prints one summary line; returns it with the counts.
 */
export async function runCase(name, { stack = {}, inject }) {
  const s = await startStack(stack);
  let supervising = true;
  let selfExits = 0;
  const supervisor = (async () => {
    while (supervising) {
      await sleep(200);
      if (supervising && s.h.exitCode !== null && !s.h.killedByTest) {
        selfExits++;
        await s.restartHandler();
      }
    }
  })();
  const kill = s.killHandler;
  s.killHandler = async () => {
    s.h.killedByTest = true;
    await kill();
  };
  try {
    const g = generators(s, Number(process.env.FAULTS_GENERATORS ?? 24));
    await g.ready;
    await sleep(1000);
    const t0 = Date.now();
    const injected = await inject(s);
    const faultMs = Date.now() - t0;
    await sleep(1000);
    await g.stop();
    supervising = false;
    await supervisor;
    if (s.h.exitCode !== null) await s.restartHandler();
    const during = clientSummary(g.records);
    const r = await resendUnanswered(s, g.records);
    const hs = s.handlerStarts();
    const v = await verify(s, g.records, g.accounts);
    const line =
      `${name}: ${injected} in ${(faultMs / 1000).toFixed(1)} s; transfers ${v.transfers} (${v.successes} succeeded, ${v.failures} refused); ` +
      `answers during the faults ${during.answered}, errors ${during.errors}; unanswered then ${r.unanswered}, re-sent ${r.resent}; ` +
      `handler self-exits ${selfExits}, half-done transfers completed from the log ${hs.completedFromLog}; log events ${v.events}`;
    note(line);
    assert.ok(v.transfers > 500, 'a real stream of transfers ran');
    return { line, ...v, ...r, selfExits };
  } catch (e) {
    console.error(`handler logs:\n${s.handlerLogs.slice(-3000)}\n${s.h.stderrText().slice(-3000)}`);
    for (const gw of s.gws) console.error(`gateway logs:\n${gw.logs().slice(-2000)}`);
    throw e;
  } finally {
    supervising = false;
    await s.close();
  }
}
