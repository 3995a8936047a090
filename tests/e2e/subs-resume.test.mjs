// subs-resume.test.mjs — the guarantees of the fan-out: after_id resume
// across a reconnect while transfers keep happening (no loss, no duplicate,
// in id order), a deliberately slow consumer is disconnected while others
// keep receiving, and 1,000 concurrent subscribers all receive one
// transfer's events.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GATEWAY } from './bank-lib.mjs';
import {
  STREAM,
  follow,
  pay,
  rawWs,
  settled,
  sleep,
  startStack,
  transfer,
  twoAccounts,
  txs,
  until,
  wsClient,
} from './subs-lib.mjs';

let stack;
let gw;
before(async () => {
  stack = await startStack({
    extra: `subscriptions:
  max_unsent_bytes: 65536
  slow_grace_ms: 300
`,
  });
  gw = stack.gw;
});
after(async () => {
  const r = await stack.stop();
  assert.equal(r.code, 0, r.logs);
});

async function metric(name) {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('resume and fan-out', () => {
  test('after_id: a reconnect with the last id seen loses nothing and repeats nothing', async () => {
    const { a, b } = await twoAccounts(gw);
    // first connection: live events, then it goes away
    const c1 = wsClient(stack);
    const s1 = follow(c1, { query: STREAM, variables: { iban: a.iban } });
    await sleep(200);
    await pay(gw, a, b, 101, 'before-1');
    await pay(gw, b, a, 102, 'before-2');
    await s1.until(2);
    const seen = txs(s1);
    const last = seen[seen.length - 1].id;
    await c1.dispose();

    // transfers while nobody listens
    await pay(gw, a, b, 103, 'gap-1');
    await transfer(gw, { uuid: randomUUID(), token: 'x', amount: 104, from: 'cash', to: b.iban, descr: 'other account' });
    await pay(gw, b, a, 105, 'gap-2');

    // reconnect with after_id while more transfers are being made
    const c2 = wsClient(stack);
    const during = (async () => {
      for (let i = 0; i < 6; i++) await pay(gw, i % 2 ? a : b, i % 2 ? b : a, 110 + i, `during-${i}`);
    })();
    const s2 = follow(c2, { query: STREAM, variables: { iban: a.iban, after: last } });
    await during;
    await pay(gw, a, b, 120, 'after');
    const expected = (await settled(gw, a.iban, 'after')).filter((t) => t.id > last);
    // gap-1, gap-2, six during, after ('other account' is b's alone)
    assert.equal(expected.length, 9);
    await s2.until(expected.length);
    await sleep(300); // no extra (duplicate) events may follow
    const got = txs(s2);
    assert.deepEqual(
      got.map((t) => [t.id, t.descr]),
      expected.map((t) => [t.id, t.descr]),
    );
    assert.deepEqual(seen.map((t) => t.descr), ['before-1', 'before-2']);
    await c2.dispose();
  });

  test('after_id: 0 replays every stored match in id order, then continues live', async () => {
    const { a, b } = await twoAccounts(gw);
    await pay(gw, a, b, 200, 'x');
    const client = wsClient(stack);
    const s = follow(client, { query: STREAM, variables: { iban: b.iban, after: 0 } });
    await s.until(1);
    await pay(gw, a, b, 300, 'y');
    await s.until(2);
    assert.deepEqual(txs(s).map((t) => t.descr), ['x', 'y']);
    await client.dispose();
  });

  test('a slow consumer is disconnected while others keep receiving', async () => {
    const { a, b } = await twoAccounts(gw);
    for (let i = 0; i < 8; i++) await pay(gw, a, b, 10 + i, `burst-${i}`);
    await settled(gw, b.iban, 'burst-7');
    const before = await metric('gateway_slow_consumers_closed_total');

    const healthyClient = wsClient(stack);
    const healthy = follow(healthyClient, { query: STREAM, variables: { iban: b.iban } });

    // 100 operations, each replaying every stored transaction with 150
    // aliased fields: megabytes queued at once on a socket that is not read
    const fields = Array.from({ length: 150 }, (_, i) => `f${i}: new_balance`).join(' ');
    const big = `subscription { stream_transactions(after_id: 0) { id ${fields} } }`;
    const slow = await rawWs(stack, 'graphql-transport-ws');
    slow.send({ type: 'connection_init' });
    await slow.next((m) => m.type === 'connection_ack');
    slow.ws._socket.pause();
    for (let i = 0; i < 100; i++) slow.send({ id: `s${i}`, type: 'subscribe', payload: { query: big } });

    await until(async () => (await metric('gateway_slow_consumers_closed_total')) > before, 'slow consumer closed', 15000);
    slow.ws._socket.resume();
    const closed = await slow.closed;
    assert.ok([1008, 1006].includes(closed.code), `closed with ${closed.code}`);

    await pay(gw, a, b, 999, 'still flowing');
    await healthy.until(1);
    assert.deepEqual(txs(healthy).map((t) => t.descr), ['still flowing']);
    await healthyClient.dispose();
  });

  test('1,000 concurrent subscribers all receive one transfer', async () => {
    const { a, b } = await twoAccounts(gw);
    const N = 1000;
    const clients = [];
    const subs = [];
    for (let i = 0; i < N; i++) {
      const c = wsClient(stack);
      clients.push(c);
      // three shapes: a's side, b's side, everything
      const v = i % 3 === 0 ? { iban: a.iban } : i % 3 === 1 ? { iban: b.iban } : {};
      subs.push({ v, s: follow(c, { query: STREAM, variables: v }) });
    }
    await until(async () => (await metric('gateway_active_subscriptions')) >= N, `${N} subscriptions active`, 30000);
    const t0 = Date.now();
    await pay(gw, a, b, 4242, 'to everyone');
    await until(() => subs.every(({ v, s }) => s.values.length >= (v.iban ? 1 : 2)), 'every subscriber got it', 20000);
    const ms = Date.now() - t0;
    for (const { v, s } of subs) {
      const got = txs(s).filter((t) => t.descr === 'to everyone');
      assert.equal(got.length, v.iban ? 1 : 2);
      if (v.iban) assert.equal(got[0].iban, v.iban);
    }
    console.log(`# ${N} subscribers received the transfer within ${ms} ms`);
    await Promise.all(clients.map((c) => c.dispose()));
  });
});

// Without Kafka: `gateway --bench` appends synthetic transactions to its own
// store on POST /bench/publish?n=N and wakes the loops as the Kafka thread
// does — enough transactions for a resume far behind, quickly.
describe('catch-up far behind (gateway --bench)', () => {
  test('after_id: 0 over 3,000 stored transactions while 600 more arrive: every id once, in order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-subs-'));
    const cfg = path.join(dir, 'gateway.yaml');
    const root = path.resolve(import.meta.dirname, '../..');
    fs.writeFileSync(cfg, `server:\n  port: 0\n  threads: 2\ngraphql:\n  schema: "${root}/schema/bank.graphql"\nweb:\n  root: "${root}/static"\n  assets: "${root}/node_modules"\nsubscriptions:\n  max_unsent_bytes: 65536\n`);
    const proc = spawn(GATEWAY, ['--config', cfg, '--bench'], {
      env: { ...process.env, LSAN_OPTIONS: `suppressions=${root}/tests/integration/lsan.supp` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    const port = await new Promise((resolve, reject) => {
      proc.stderr.on('data', (d) => {
        log += d;
        const m = /"msg":"listening".*"port":(\d+)/.exec(log);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (c) => reject(new Error(`gateway exited ${c}: ${log}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const publish = (n) => fetch(`${url}/bench/publish?n=${n}`, { method: 'POST' }).then((r) => r.json());
    assert.equal((await publish(3000)).upto, 3000);
    const fake = { wsUrl: () => `ws://127.0.0.1:${port}/graphql-ws` };
    const client = wsClient(fake);
    const s = follow(client, { query: 'subscription { stream_transactions(after_id: 0) { id } }' });
    for (let i = 0; i < 6; i++) {
      await publish(100);
      await sleep(5);
    }
    await s.until(3600, 20000);
    await sleep(200);
    assert.deepEqual(s.errors, []);
    const ids = s.values.map((v) => v.data.stream_transactions.id);
    assert.equal(ids.length, 3600);
    assert.deepEqual(ids, Array.from({ length: 3600 }, (_, i) => i + 1));
    await client.dispose();
    proc.kill('SIGTERM');
    const code = await new Promise((r) => proc.on('exit', r));
    assert.equal(code, 0, log);
  });
});
