// peer-node.test.mjs — the Node peer (bench/peer-node) keeps the gateway's
// semantics, so bench/compare compares like with like. One broker and one
// command handler, the C gateway and the peer both on them: they share the
// credentials topic and fold the same BalanceChanged events, so every answer
// of the peer is checked against the gateway's answer to the same request
// (accounts opened on one and logged in on the other: the argon2 npm hashes
// and libsodium's are interchangeable), over HTTP, graphql-transport-ws and the
// legacy graphql-ws protocol. Transaction ids are left out of the
// comparisons: each side numbers events in its own reading order.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, test } from 'node:test';

import { SOURCE_DIR } from '../lib/stack.mjs';
import { STREAM, account, followLegacy, follow, legacyClient, settled, transfer, until, wsClient } from './subs-lib.mjs';
import { ALL_LAST, ALL_TX, gql, startBroker, startGateway, startHandler, stop } from './bank-lib.mjs';

let broker, handler, gw, peer, peerProc;

/** Starts the peer; its port once it listens (after its replay and a KafkaJS group join of ~3 s; slow on a loaded machine). */
function startPeer(bootstrap) {
  peerProc = spawn(process.execPath, [path.join(SOURCE_DIR, 'bench/peer-node/server.mjs'), '--brokers', bootstrap, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  peerProc.stderr.on('data', (d) => (stderr += d));
  peerProc.stderrText = () => stderr;
  peerProc.exited = new Promise((resolve) => peerProc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer not listening after 120 s:\n${stderr}`)), 120000);
    readline.createInterface({ input: peerProc.stdout }).on('line', (l) => {
      const m = /^listening (\d+)$/.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    peerProc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`peer exited (${code ?? signal}):\n${stderr}`));
    });
  });
}
before(async () => {
  broker = await startBroker();
  handler = await startHandler(broker.bootstrap);
  gw = await startGateway(broker.bootstrap);
  const port = await startPeer(broker.bootstrap);
  peer = { url: `http://127.0.0.1:${port}`, wsUrl: (p = '/graphql-ws') => `ws://127.0.0.1:${port}${p}` };
});
after(async () => {
  if (peerProc) assert.equal((await stop(peerProc)).code, 0, peerProc.stderrText());
  if (gw) await gw.stop();
  if (handler) await stop(handler);
  if (broker) await stop(broker.proc);
});

const noId = (rows) => rows.map(({ id, ...rest }) => (assert.equal(typeof id, 'number'), rest));
const tag = randomUUID().slice(0, 8);
let a, b;

test('get_account: a new account, a login and a wrong password answer alike on both sides', async () => {
  a = await account(peer, `alice-${tag}`, 'pw-a'); // registered by the peer (argon2 npm)
  assert.match(a.iban, /^NL\d\dOPEN\d{10}$/);
  assert.match(a.token, /^\d{20}$/);
  assert.equal(a.reason, null);
  assert.deepEqual(await account(gw, `alice-${tag}`, 'pw-a'), a); // verified by libsodium
  b = await account(gw, `bob-${tag}`, 'pw-b'); // registered by the gateway (libsodium)
  assert.deepEqual(await account(peer, `bob-${tag}`, 'pw-b'), b); // verified by argon2 npm
  const wrong = { iban: null, token: null, reason: 'incorrect password' };
  assert.deepEqual(await account(peer, `alice-${tag}`, 'nope'), wrong);
  assert.deepEqual(await account(gw, `alice-${tag}`, 'nope'), wrong);
  const bad = await gql(peer, 'mutation { get_account(username: "", password: "x") { iban } }');
  const badGw = await gql(gw, 'mutation { get_account(username: "", password: "x") { iban } }');
  assert.deepEqual(bad.errors.map((e) => e.message), badGw.errors.map((e) => e.message));
});

test('money_transfer, stream_transactions and the queries answer alike on both sides', async () => {
  const funding = randomUUID();
  const r = await transfer(peer, { uuid: funding, token: 'x', amount: 100000, from: 'cash', to: a.iban, descr: 'funding' });
  assert.deepEqual(r.data.money_transfer, { uuid: funding, success: true, reason: null });
  // the same uuid through the gateway: the handler's answer again, no money moves
  assert.deepEqual((await transfer(gw, { uuid: funding, token: 'x', amount: 100000, from: 'cash', to: a.iban, descr: 'funding' })).data, r.data);
  await settled(gw, a.iban, 'funding');
  await settled(peer, a.iban, 'funding');

  // one live event, seen by the gateway and by both of the peer's WebSocket protocols
  const modern = wsClient(peer, { path: '/graphql' });
  const legacy = legacyClient(peer);
  const gwClient = wsClient({ wsUrl: (p = '/graphql-ws') => `ws://127.0.0.1:${new URL(gw.url).port}${p}` });
  const subs = [
    follow(modern, { query: STREAM, variables: { iban: b.iban } }),
    followLegacy(legacy, { query: STREAM, variables: { iban: b.iban, min: 1000 } }),
    follow(gwClient, { query: STREAM, variables: { iban: b.iban } }),
  ];
  // the subscriptions are in place once a query on the same sockets has answered
  await follow(modern, { query: '{ all_last_transactions { id } }' }).done;
  await followLegacy(legacy, { query: '{ all_last_transactions { id } }' }).done;
  await follow(gwClient, { query: '{ all_last_transactions { id } }' }).done;

  // money_transfer as a Subscription field over the legacy protocol, as bank-load sends it
  const pay = randomUUID();
  const once = followLegacy(legacy, {
    query: `subscription($uuid: String!, $tok: String!, $from: String!, $to: String!) {
      money_transfer(uuid: $uuid, token: $tok, amount: 1234, from: $from, to: $to, descr: "peer pays") { uuid success reason } }`,
    variables: { uuid: pay, tok: a.token, from: a.iban, to: b.iban },
  });
  await once.done;
  assert.ok(once.completed, 'one result, then complete');
  assert.deepEqual(once.values.map((v) => v.data.money_transfer), [{ uuid: pay, success: true, reason: null }]);

  for (const s of subs) await s.until(1, 20000);
  const events = subs.map((s) => noId(s.values.map((v) => v.data.stream_transactions)));
  const expected = { iban: b.iban, new_balance: '€12,34', changed_by: '€12,34', from_to: a.iban, descr: 'peer pays', direction: 'CREDIT' };
  for (const e of events) assert.deepEqual(e, [expected]);
  modern.dispose();
  legacy.close();
  gwClient.dispose();

  // refusals: the same reasons
  for (const [args, reason] of [
    [{ token: 'bogus', amount: 100, from: a.iban, to: b.iban }, 'invalid token'],
    [{ token: a.token, amount: 10000000, from: a.iban, to: b.iban }, 'insufficient funds'],
  ]) {
    const p = await transfer(peer, { uuid: randomUUID(), descr: 'no', ...args });
    const g = await transfer(gw, { uuid: randomUUID(), descr: 'no', ...args });
    assert.equal(p.data.money_transfer.reason, reason);
    assert.equal(g.data.money_transfer.reason, reason);
    assert.equal(p.data.money_transfer.success, false);
  }
  // argument errors: the same messages
  for (const args of [{ uuid: randomUUID(), amount: -5 }, { uuid: 'not-a-uuid', amount: 5 }]) {
    const full = { token: a.token, from: a.iban, to: b.iban, descr: 'no', ...args };
    const p = await transfer(peer, full);
    const g = await transfer(gw, full);
    assert.ok(p.errors?.length, JSON.stringify(p));
    assert.deepEqual(p.errors.map((e) => e.message), g.errors.map((e) => e.message));
  }

  // the projections: equal answers (ids aside)
  await settled(peer, a.iban, 'peer pays');
  await settled(gw, a.iban, 'peer pays');
  for (const iban of [a.iban, b.iban]) {
    const p = (await gql(peer, ALL_TX, { iban, max: 10 })).data.transactions_by_iban;
    const g = (await gql(gw, ALL_TX, { iban, max: 10 })).data.transactions_by_iban;
    assert.deepEqual(noId(p), noId(g));
  }
  assert.deepEqual(noId((await gql(peer, ALL_TX, { iban: a.iban, max: 10 })).data.transactions_by_iban), [
    { iban: a.iban, new_balance: '€987,66', changed_by: '€12,34', from_to: b.iban, descr: 'peer pays', direction: 'DEBIT' },
    { iban: a.iban, new_balance: '€1.000,00', changed_by: '€1.000,00', from_to: 'cash', descr: 'funding', direction: 'CREDIT' },
  ]);
  await until(async () => (await gql(peer, ALL_LAST)).data.all_last_transactions.length === 2, 'two accounts in all_last_transactions');
  assert.deepEqual(noId((await gql(peer, ALL_LAST)).data.all_last_transactions), noId((await gql(gw, ALL_LAST)).data.all_last_transactions));
});
