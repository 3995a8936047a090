// subs-transport-ws.test.mjs — graphql-transport-ws (the npm graphql-ws
// protocol) against the real stack: every message type through the real
// client, filters on live transfers, commands as subscriptions, mutations
// with several root fields (each waiting for Kafka in turn) and clients that
// leave while one waits, and every protocol error with its close code through
// a raw socket.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  STREAM,
  follow,
  pay,
  rawWs,
  settled,
  sleep,
  startStack,
  twoAccounts,
  txs,
  until,
  wsClient,
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
  stack = await startStack({
    extra: `subscriptions:
  init_timeout_ms: 400
  max_message_bytes: 4096
  max_per_connection: 3
  keepalive_ms: 300
`,
  });
  gw = stack.gw;
});
after(async () => {
  const r = await stack.stop();
  assert.equal(r.code, 0, r.logs);
});

describe('graphql-transport-ws', () => {
  test('the 101 echoes the subprotocol; /graphql upgrades too', async () => {
    for (const path of ['/graphql-ws', '/graphql']) {
      const r = await rawWs(stack, 'graphql-transport-ws', path);
      assert.equal(r.ws.protocol, 'graphql-transport-ws');
      r.send({ type: 'connection_init' });
      assert.equal((await r.next()).type, 'connection_ack');
      r.ws.close(1000);
      assert.equal((await r.closed).code, 1000);
    }
  });

  test('an unsupported subprotocol is refused', async () => {
    await assert.rejects(rawWs(stack, 'mqtt'), /400/);
  });

  test('ping is answered with pong (payload echoed); pong is accepted silently', async () => {
    const r = await rawWs(stack, 'graphql-transport-ws');
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    r.send({ type: 'ping', payload: { n: 7 } });
    assert.deepEqual(await r.next(), { type: 'pong', payload: { n: 7 } });
    r.send({ type: 'pong' });
    r.send({ type: 'ping' });
    assert.deepEqual(await r.next(), { type: 'pong' });
    r.ws.close();
  });

  test('WebSocket-level pings keep an idle connection alive', async () => {
    const r = await rawWs(stack, 'graphql-transport-ws');
    let pings = 0;
    r.ws.on('ping', () => pings++);
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    await until(() => pings >= 2, 'two pings', 5000);
    assert.equal(r.ws.readyState, 1);
    r.ws.close();
  });

  test('stream_transactions with filters: iban, min_amount, direction', async () => {
    const { a, b } = await twoAccounts(gw);
    const client = wsClient(stack);
    const client2 = wsClient(stack); // max_per_connection is 3 here
    const all = follow(client, { query: STREAM, variables: { iban: a.iban } });
    const big = follow(client, { query: STREAM, variables: { iban: a.iban, min: 500 } });
    const credits = follow(client2, { query: STREAM, variables: { iban: b.iban, dir: 'CREDIT' } });
    const debits = follow(client2, { query: STREAM, variables: { iban: b.iban, dir: 'DEBIT' } });
    await sleep(200);
    await pay(gw, a, b, 100, 'small');
    await pay(gw, a, b, 700, 'big');
    await pay(gw, b, a, 50, 'back');
    await all.until(3);
    await big.until(1);
    await credits.until(2);
    await debits.until(1);
    await sleep(300); // nothing more may arrive
    assert.deepEqual(
      txs(all).map((t) => [t.iban, t.direction, t.changed_by, t.descr]),
      [
        [a.iban, 'DEBIT', '€1,00', 'small'],
        [a.iban, 'DEBIT', '€7,00', 'big'],
        [a.iban, 'CREDIT', '€0,50', 'back'],
      ],
    );
    assert.deepEqual(txs(big).map((t) => t.descr), ['big']);
    assert.deepEqual(txs(credits).map((t) => t.descr), ['small', 'big']);
    assert.deepEqual(txs(debits).map((t) => [t.descr, t.from_to]), [['back', a.iban]]);
    const ids = txs(all).map((t) => t.id);
    assert.deepEqual([...ids].sort((x, y) => x - y), ids, 'ids increase');
    await client.dispose();
    await client2.dispose();
  });

  test('queries, mutations and command subscriptions: one next, then complete', async () => {
    const client = wsClient(stack);
    const q = follow(client, { query: '{ all_last_transactions { id } }' });
    await q.done;
    assert.ok(q.completed);
    assert.equal(q.values.length, 1);
    assert.ok(Array.isArray(q.values[0].data.all_last_transactions));

    const name = `ws-${randomUUID().slice(0, 8)}`;
    const m = follow(client, {
      query: 'mutation($u: String!) { get_account(username: $u, password: "pw") { iban token reason } }',
      variables: { u: name },
    });
    await m.done;
    assert.ok(m.completed, JSON.stringify(m.errors));
    const acc = m.values[0].data.get_account;
    assert.match(acc.iban, /^NL\d\dOPEN\d{10}$/);

    const s = follow(client, {
      query: 'subscription($u: String!) { get_account(username: $u, password: "pw") { iban token reason } }',
      variables: { u: name },
    });
    await s.done;
    assert.ok(s.completed);
    assert.deepEqual(s.values, [{ data: { get_account: { iban: acc.iban, token: acc.token, reason: null } } }]);

    const wrong = follow(client, {
      query: 'subscription($u: String!) { get_account(username: $u, password: "nope") { iban reason } }',
      variables: { u: name },
    });
    await wrong.done;
    assert.deepEqual(wrong.values, [{ data: { get_account: { iban: null, reason: 'incorrect password' } } }]);

    const uuid = randomUUID();
    const t = follow(client, {
      query: `subscription($uuid: String!, $to: String!) { money_transfer(uuid: $uuid, token: "x", amount: 250, from: "cash", to: $to, descr: "ws deposit") { uuid success reason } }`,
      variables: { uuid, to: acc.iban },
    });
    await t.done;
    assert.deepEqual(t.values, [{ data: { money_transfer: { uuid, success: true, reason: null } } }]);
    await client.dispose();
  });

  test('a mutation with two root fields answers both, in order, in one next', async () => {
    const { a, b } = await twoAccounts(gw);
    const client = wsClient(stack);
    const [u1, u2] = [randomUUID(), randomUUID()];
    const m = follow(client, { query: TWO_TRANSFERS, variables: { u1, u2, tok: a.token, from: a.iban, to: b.iban } });
    await m.done;
    assert.ok(m.completed, JSON.stringify(m.errors));
    assert.equal(m.values.length, 1);
    assert.deepEqual(Object.keys(m.values[0].data), ['first', 'second']);
    assert.deepEqual(m.values[0], {
      data: {
        first: { uuid: u1, success: true, reason: null },
        second: { uuid: u2, success: true, reason: null },
      },
    });
    // serial execution: the first command was answered before the second was sent
    const rows = await settled(gw, b.iban, 'two-2');
    const one = rows.filter((t) => t.descr === 'two-1');
    const two = rows.filter((t) => t.descr === 'two-2');
    assert.equal(one.length, 1);
    assert.equal(two.length, 1);
    assert.ok(one[0].id < two[0].id, JSON.stringify(rows));

    const name = `ws2-${randomUUID().slice(0, 8)}`;
    const uuid = randomUUID();
    const g = follow(client, {
      query: `mutation($u: String!, $uuid: String!, $to: String!) {
        __typename
        acc: get_account(username: $u, password: "pw") { iban token reason }
        pay: money_transfer(uuid: $uuid, token: "x", amount: 300, from: "cash", to: $to, descr: "ws-mixed") { uuid success reason } }`,
      variables: { u: name, uuid, to: b.iban },
    });
    await g.done;
    assert.ok(g.completed, JSON.stringify(g.errors));
    assert.equal(g.values.length, 1);
    const d = g.values[0].data;
    assert.deepEqual(Object.keys(d), ['__typename', 'acc', 'pay'], JSON.stringify(g.values));
    assert.equal(d.__typename, 'Mutation');
    assert.match(d.acc.iban, /^NL\d\dOPEN\d{10}$/);
    assert.equal(d.acc.reason, null);
    assert.deepEqual(d.pay, { uuid, success: true, reason: null });
    await client.dispose();
  });

  test('a client that leaves while its mutation waits: the command still completes, once', async () => {
    const { a, b } = await twoAccounts(gw);
    const payload = (uuid, descr) => ({
      query: ONE_TRANSFER,
      variables: { uuid, tok: a.token, from: a.iban, to: b.iban, amount: 123, descr },
    });
    // the socket closes right behind the subscribe message
    const r = await rawWs(stack, 'graphql-transport-ws');
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    const u1 = randomUUID();
    const m1 = JSON.stringify({ id: 'm1', type: 'subscribe', payload: payload(u1, 'gone-closed') });
    r.ws.send(m1, () => r.ws.terminate()); // no close frame: the TCP connection just ends
    // complete from the client while the mutation waits; the socket stays
    const r2 = await rawWs(stack, 'graphql-transport-ws');
    r2.send({ type: 'connection_init' });
    await r2.next((m) => m.type === 'connection_ack');
    const u2 = randomUUID();
    r2.send({ id: 'm2', type: 'subscribe', payload: payload(u2, 'gone-complete') });
    r2.send({ id: 'm2', type: 'complete' });
    for (const descr of ['gone-closed', 'gone-complete']) {
      const rows = await settled(gw, b.iban, descr);
      assert.equal(rows.filter((t) => t.descr === descr).length, 1, JSON.stringify(rows));
    }
    await sleep(200);
    assert.deepEqual(r2.messages, []); // nothing for a completed operation
    // the same uuids with the same arguments answer the stored outcome and move
    // nothing; with other arguments they are refused (a uuid is bound to its transfer)
    const client = wsClient(stack);
    const again1 = follow(client, payload(u1, 'gone-closed'));
    const again2 = follow(client, payload(u2, 'gone-complete'));
    const other = follow(client, { query: TWO_TRANSFERS, variables: { u1, u2, tok: a.token, from: a.iban, to: b.iban } });
    await Promise.all([again1.done, again2.done, other.done]);
    await client.dispose();
    assert.equal(again1.values[0].data.money_transfer.success, true, JSON.stringify(again1.values));
    assert.equal(again2.values[0].data.money_transfer.success, true, JSON.stringify(again2.values));
    assert.deepEqual(other.values[0].data, { first: null, second: null }, JSON.stringify(other.values));
    assert.deepEqual(
      other.values[0].errors.map((e) => e.message),
      ['uuid already used for a different transfer', 'uuid already used for a different transfer'],
    );
    const rows = await settled(gw, b.iban, 'gone-complete');
    assert.equal(rows.filter((t) => t.descr.startsWith('gone-')).length, 2, JSON.stringify(rows));
    r2.ws.close();
  });

  test('validation errors come back as an error message for that id', async () => {
    const client = wsClient(stack);
    const s = follow(client, { query: 'subscription { stream_transactions { nope } }' });
    await s.done;
    assert.equal(s.errors.length, 1);
    assert.match(JSON.stringify(s.errors[0]), /Cannot query field \\"nope\\" on type \\"Transaction\\"/);
    const neg = follow(client, { query: STREAM, variables: { after: -1 } });
    await neg.done;
    assert.match(JSON.stringify(neg.errors[0]), /after_id must not be negative/);
    await client.dispose();
  });

  test('complete from the client stops the stream', async () => {
    const { a, b } = await twoAccounts(gw);
    const r = await rawWs(stack, 'graphql-transport-ws');
    r.send({ type: 'connection_init' });
    await r.next((m) => m.type === 'connection_ack');
    r.send({ id: 's1', type: 'subscribe', payload: { query: STREAM, variables: { iban: b.iban } } });
    await sleep(150);
    await pay(gw, a, b, 10);
    const n = await r.next((m) => m.type === 'next');
    assert.equal(n.id, 's1');
    assert.equal(n.payload.data.stream_transactions.iban, b.iban);
    r.send({ id: 's1', type: 'complete' });
    await sleep(150);
    await pay(gw, a, b, 11);
    await sleep(400);
    assert.deepEqual(r.messages.filter((m) => m.type === 'next'), []);
    r.ws.close();
  });

  describe('bad input closes with the protocol code', () => {
    async function closedWith(msgs, init = true) {
      const r = await rawWs(stack, 'graphql-transport-ws');
      if (init) {
        r.send({ type: 'connection_init' });
        await r.next((m) => m.type === 'connection_ack');
      }
      for (const m of msgs) r.send(m);
      return r.closed;
    }
    test('invalid JSON: 4400', async () => {
      assert.equal((await closedWith(['{"type":'])).code, 4400);
    });
    test('a message without a type: 4400', async () => {
      assert.equal((await closedWith([{ id: '1' }])).code, 4400);
    });
    test('an unknown type: 4400', async () => {
      const c = await closedWith([{ type: 'hello' }]);
      assert.equal(c.code, 4400);
      assert.match(c.reason, /hello/);
    });
    test('subscribe without an id: 4400', async () => {
      assert.equal((await closedWith([{ type: 'subscribe', payload: { query: '{ all_last_transactions { id } }' } }])).code, 4400);
    });
    test('subscribe before connection_ack: 4401', async () => {
      const c = await closedWith([{ id: '1', type: 'subscribe', payload: { query: STREAM } }], false);
      assert.equal(c.code, 4401);
    });
    test('a duplicate id: 4409', async () => {
      const c = await closedWith([
        { id: 'dup', type: 'subscribe', payload: { query: STREAM } },
        { id: 'dup', type: 'subscribe', payload: { query: STREAM } },
      ]);
      assert.equal(c.code, 4409);
      assert.match(c.reason, /dup/);
    });
    test('a second connection_init: 4429', async () => {
      assert.equal((await closedWith([{ type: 'connection_init' }])).code, 4429);
    });
    test('no connection_init within the init timeout: 4408', async () => {
      const r = await rawWs(stack, 'graphql-transport-ws');
      const t0 = Date.now();
      const c = await r.closed;
      assert.equal(c.code, 4408);
      assert.ok(Date.now() - t0 >= 350, 'not before the timeout');
    });
    test('a message over max_message_bytes: 1009', async () => {
      const big = JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(5000) } });
      assert.equal((await closedWith([big])).code, 1009);
    });
    test('broken UTF-8 in a text frame: 1007; a binary frame: 4400', async () => {
      const r = await rawWs(stack, 'graphql-transport-ws');
      r.ws.send(Buffer.from([0x7b, 0xff, 0xfe]), { binary: false });
      assert.equal((await r.closed).code, 1007);
      assert.equal((await closedWith([Buffer.from('{"type":"ping"}')])).code, 4400);
    });
    test('more operations than max_per_connection: an error for that id', async () => {
      const r = await rawWs(stack, 'graphql-transport-ws');
      r.send({ type: 'connection_init' });
      await r.next((m) => m.type === 'connection_ack');
      for (const id of ['1', '2', '3', '4'])
        r.send({ id, type: 'subscribe', payload: { query: STREAM } });
      const e = await r.next((m) => m.type === 'error');
      assert.equal(e.id, '4');
      assert.match(e.payload[0].message, /Too many operations/);
      assert.equal(r.ws.readyState, 1);
      r.ws.close();
    });
  });

  test('/metrics shows WebSocket connections and active subscriptions', async () => {
    const client = wsClient(stack);
    const s = follow(client, { query: STREAM });
    await sleep(200);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(text, /gateway_open_connections\{kind="websocket"\} [1-9]/);
    assert.match(text, /gateway_active_subscriptions [1-9]/);
    s.dispose();
    await client.dispose();
    let last = "";
    await until(async () => /gateway_active_subscriptions 0\b/.test((last = await (await fetch(`${gw.url}/metrics`)).text())), "gauge back to 0", 3000).catch((e) => { throw new Error(last.split("\n").filter((l) => /subscri|websocket/.test(l)).join("\n")); });
  });
});
