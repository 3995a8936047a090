// subs-legacy.test.mjs — the legacy Apollo protocol (subprotocol
// "graphql-ws", npm subscriptions-transport-ws) that re-graph and the
// original load test speak: the real SubscriptionClient for start / data /
// complete / stop / error and queries and mutations over the socket
// (several root fields, a client leaving while one waits), and a
// raw socket for connection_ack, ka, connection_terminate and bad input.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  STREAM,
  followLegacy,
  legacyClient,
  pay,
  rawWs,
  settled,
  sleep,
  startStack,
  twoAccounts,
  until,
} from './subs-lib.mjs';

// Two transfers in one mutation: root fields run one after the other.
const TWO_TRANSFERS = `mutation($u1: String!, $u2: String!, $tok: String!, $from: String!, $to: String!) {
  first: money_transfer(uuid: $u1, token: $tok, amount: 100, from: $from, to: $to, descr: "two-1") { uuid success reason }
  second: money_transfer(uuid: $u2, token: $tok, amount: 200, from: $from, to: $to, descr: "two-2") { uuid success reason } }`;
const ONE_TRANSFER = `mutation($uuid: String!, $tok: String!, $from: String!, $to: String!, $amount: Int!, $descr: String!) {
  money_transfer(uuid: $uuid, token: $tok, amount: $amount, from: $from, to: $to, descr: $descr) { uuid success reason } }`;

let stack;
let gw;
before(async () => {
  stack = await startStack({ extra: 'subscriptions:\n  keepalive_ms: 300\n' });
  gw = stack.gw;
});
after(async () => {
  const r = await stack.stop();
  assert.equal(r.code, 0, r.logs);
});

const data = (s) => s.values.map((v) => v.data.stream_transactions);

describe('graphql-ws (subscriptions-transport-ws)', () => {
  test('SubscriptionClient: start/data for live transfers, stop ends them', async () => {
    const { a, b } = await twoAccounts(gw);
    const client = legacyClient(stack);
    const s = followLegacy(client, { query: STREAM, variables: { iban: b.iban } });
    const big = followLegacy(client, { query: STREAM, variables: { iban: b.iban, min: 300 } });
    await sleep(200);
    await pay(gw, a, b, 120, 'one');
    await pay(gw, a, b, 340, 'two');
    await s.until(2);
    await big.until(1);
    assert.deepEqual(data(s).map((t) => [t.iban, t.direction, t.changed_by, t.descr, t.from_to]), [
      [b.iban, 'CREDIT', '€1,20', 'one', a.iban],
      [b.iban, 'CREDIT', '€3,40', 'two', a.iban],
    ]);
    assert.deepEqual(data(big).map((t) => t.descr), ['two']);
    s.dispose(); // stop
    await sleep(150);
    await pay(gw, a, b, 500, 'three');
    await big.until(2);
    await sleep(200);
    assert.equal(s.values.length, 2, 'nothing after stop');
    client.close();
  });

  test('queries and mutations over the socket: data, then complete', async () => {
    const client = legacyClient(stack);
    const q = followLegacy(client, { query: '{ all_last_transactions { id iban } }' });
    await q.done;
    assert.ok(q.completed);
    assert.equal(q.values.length, 1);
    assert.ok(Array.isArray(q.values[0].data.all_last_transactions));
    const name = `legacy-${randomUUID().slice(0, 8)}`;
    const m = followLegacy(client, {
      query: 'mutation($u: String!) { acc: get_account(username: $u, password: "pw") { iban reason } }',
      variables: { u: name },
    });
    await m.done;
    assert.ok(m.completed, JSON.stringify(m.errors));
    assert.ok(m.values[0].data.acc, JSON.stringify(m.values));
    assert.match(m.values[0].data.acc.iban, /^NL\d\dOPEN\d{10}$/);
    assert.equal(m.values[0].data.acc.reason, null);
    client.close();
  });

  test('a mutation with two root fields answers both, in order, in one data', async () => {
    const { a, b } = await twoAccounts(gw);
    const client = legacyClient(stack);
    const [u1, u2] = [randomUUID(), randomUUID()];
    const m = followLegacy(client, {
      query: TWO_TRANSFERS,
      variables: { u1, u2, tok: a.token, from: a.iban, to: b.iban },
    });
    await m.done;
    assert.ok(m.completed, JSON.stringify(m.errors));
    assert.equal(m.values.length, 1);
    assert.deepEqual(Object.keys(m.values[0].data), ['first', 'second']);
    assert.deepEqual(m.values[0].data, {
      first: { uuid: u1, success: true, reason: null },
      second: { uuid: u2, success: true, reason: null },
    });
    const rows = await settled(gw, b.iban, 'two-2');
    const one = rows.filter((t) => t.descr === 'two-1');
    const two = rows.filter((t) => t.descr === 'two-2');
    assert.equal(one.length, 1);
    assert.equal(two.length, 1);
    assert.ok(one[0].id < two[0].id, JSON.stringify(rows));

    const uuid = randomUUID();
    const g = followLegacy(client, {
      query: `mutation($u: String!, $uuid: String!, $to: String!) {
        acc: get_account(username: $u, password: "pw") { iban reason }
        __typename
        pay: money_transfer(uuid: $uuid, token: "x", amount: 300, from: "cash", to: $to, descr: "legacy-mixed") { uuid success } }`,
      variables: { u: `legacy2-${randomUUID().slice(0, 8)}`, uuid, to: b.iban },
    });
    await g.done;
    assert.ok(g.completed, JSON.stringify(g.errors));
    const d = g.values[0].data;
    assert.deepEqual(Object.keys(d), ['acc', '__typename', 'pay'], JSON.stringify(g.values));
    assert.match(d.acc.iban, /^NL\d\dOPEN\d{10}$/);
    assert.equal(d.__typename, 'Mutation');
    assert.deepEqual(d.pay, { uuid, success: true });
    client.close();
  });

  test('a client that leaves while its mutation waits: the command still completes, once', async () => {
    const { a, b } = await twoAccounts(gw);
    const start = (id, uuid, descr) =>
      JSON.stringify({
        id,
        type: 'start',
        payload: { query: ONE_TRANSFER, variables: { uuid, tok: a.token, from: a.iban, to: b.iban, amount: 77, descr } },
      });
    // the socket ends right behind the start message
    const r = await rawWs(stack, 'graphql-ws');
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    r.ws.send(start('1', randomUUID(), 'left-closed'), () => r.ws.terminate());
    // stop while the mutation waits; the socket stays
    const r2 = await rawWs(stack, 'graphql-ws');
    r2.send({ type: 'connection_init' });
    await r2.next((m) => m.type === 'connection_ack');
    r2.ws.send(start('2', randomUUID(), 'left-stopped'));
    r2.send({ id: '2', type: 'stop' });
    for (const descr of ['left-closed', 'left-stopped']) {
      const rows = await settled(gw, b.iban, descr);
      assert.equal(rows.filter((t) => t.descr === descr).length, 1, JSON.stringify(rows));
    }
    await sleep(200);
    // stop found the operation still waiting: its complete, and no data
    assert.deepEqual(
      r2.messages.filter((m) => m.type !== 'ka'),
      [{ id: '2', type: 'complete' }],
    );
    r2.ws.close();
  });

  test('validation errors reach the client as an error', async () => {
    const client = legacyClient(stack);
    const s = followLegacy(client, { query: 'subscription { stream_transactions { nope } }' });
    await s.done;
    assert.equal(s.errors.length, 1);
    assert.match(JSON.stringify(s.errors[0]), /Cannot query field/);
    client.close();
  });

  test('raw: connection_ack, then ka at once and every keepalive_ms', async () => {
    const r = await rawWs(stack, 'graphql-ws');
    assert.equal(r.ws.protocol, 'graphql-ws');
    r.send({ type: 'connection_init', payload: {} });
    assert.deepEqual(await r.next(), { type: 'connection_ack' });
    assert.deepEqual(await r.next(), { type: 'ka' });
    const t0 = Date.now();
    await r.next((m) => m.type === 'ka');
    await r.next((m) => m.type === 'ka');
    assert.ok(Date.now() - t0 >= 400, 'ka is periodic, not a flood');
    r.send({ type: 'connection_terminate' });
    assert.equal((await r.closed).code, 1000);
  });

  test('raw: start/data/stop/complete with the message shapes of the protocol', async () => {
    const { a, b } = await twoAccounts(gw);
    const r = await rawWs(stack, 'graphql-ws');
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    r.send({ id: '1', type: 'start', payload: { query: STREAM, variables: { iban: a.iban, dir: 'DEBIT' } } });
    await sleep(150);
    await pay(gw, a, b, 77, 'raw');
    const d = await r.next((m) => m.type === 'data');
    assert.equal(d.id, '1');
    assert.deepEqual(Object.keys(d).sort(), ['id', 'payload', 'type']);
    assert.equal(d.payload.data.stream_transactions.changed_by, '€0,77');
    r.send({ id: '1', type: 'stop' });
    assert.deepEqual(await r.next((m) => m.type === 'complete'), { id: '1', type: 'complete' });
    r.ws.close();
  });

  test('raw: a start reusing a live id replaces that operation', async () => {
    const { a, b } = await twoAccounts(gw);
    const r = await rawWs(stack, 'graphql-ws');
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    r.send({ id: '7', type: 'start', payload: { query: STREAM, variables: { iban: a.iban } } });
    r.send({ id: '7', type: 'start', payload: { query: STREAM, variables: { iban: b.iban } } });
    await sleep(150);
    await pay(gw, a, b, 33, 'dup');
    const d = await r.next((m) => m.type === 'data');
    assert.equal(d.payload.data.stream_transactions.iban, b.iban);
    await sleep(300);
    assert.deepEqual(r.messages.filter((m) => m.type === 'data'), [], 'only the replacement runs');
    r.ws.close();
  });

  describe('bad input gets the protocol error messages', () => {
    test('invalid JSON: connection_error', async () => {
      const r = await rawWs(stack, 'graphql-ws');
      r.send('{"type":');
      const m = await r.next();
      assert.equal(m.type, 'connection_error');
      assert.ok(m.payload.message.length > 0);
      assert.equal(r.ws.readyState, 1);
      r.ws.close();
    });
    test('an unknown type: error', async () => {
      const r = await rawWs(stack, 'graphql-ws');
      r.send({ id: '3', type: 'subscribe' });
      assert.deepEqual(await r.next(), { id: '3', type: 'error', payload: { message: 'Invalid message type!' } });
      r.ws.close();
    });
    test('start before connection_init: error for that id', async () => {
      const r = await rawWs(stack, 'graphql-ws');
      r.send({ id: '1', type: 'start', payload: { query: STREAM } });
      const m = await r.next();
      assert.equal(m.type, 'error');
      assert.equal(m.id, '1');
      assert.match(m.payload.message, /connection_init/);
      r.ws.close();
    });
    test('an oversize message closes with 1009', async () => {
      const r = await rawWs(stack, 'graphql-ws');
      r.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70000) } }));
      assert.equal((await r.closed).code, 1009);
    });
  });

  test('the socket closes with 1001 when the gateway shuts down (last test: stops the stack)', async () => {
    const r = await rawWs(stack, 'graphql-ws');
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    // a mutation still waiting at shutdown is freed (the sanitizer build exits 0)
    const { a, b } = await twoAccounts(gw);
    r.send({
      id: 'late',
      type: 'start',
      payload: {
        query: ONE_TRANSFER,
        variables: { uuid: randomUUID(), tok: a.token, from: a.iban, to: b.iban, amount: 1, descr: 'at-shutdown' },
      },
    });
    const closed = r.closed;
    const stopping = stack.stop();
    const c = await closed;
    assert.equal(c.code, 1001);
    assert.match(c.reason, /shutting down/);
    const res = await stopping;
    assert.equal(res.code, 0, res.logs);
    stack.stop = async () => res; // after() must not stop it again
    await until(() => true, 'done');
  });
});
