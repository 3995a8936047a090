// bank-fields.test.mjs — field limits and idempotency keys bound to their
// request, end to end (embedded-kafka, command-handler, gateways):
//  - every argument over its limit (gateway/store/fields.h) is a GraphQL error
//    naming the field, its limit and what was got, and nothing reaches Kafka
//    (the produced counter and the balances do not move);
//  - a money_transfer uuid re-sent with other parameters is refused with
//    "uuid already used for a different transfer", the exact retry gets the
//    first outcome, the money moves once;
//  - the command handler enforces both on what it reads from Kafka (commands
//    produced raw with kcat, as another producer would), also after a restart,
//    and a second gateway started later refuses the reuse from the log alone.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { ALL_TX, GET_ACCOUNT, TOPOLOGY, account, gql, metrics, startBroker, startGateway, startHandler, stop, transfer, until } from './bank-lib.mjs';
import { decode, encode, produce, readTopology, tail } from './events-lib.mjs';

const topo = readTopology(TOPOLOGY);
const REUSED = 'uuid already used for a different transfer';

describe('field limits and uuids bound to their transfer', () => {
  let broker, handler, gw, gw2, failed;
  let alice;
  before(async () => {
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap);
    gw = await startGateway(broker.bootstrap);
    failed = tail(broker.bootstrap, 'money_transfer_failed');
    alice = await account(gw, `fields-${randomUUID()}`, 'pw-alice');
  });
  after(async () => {
    await failed?.close();
    const r2 = await gw2?.stop();
    const r = await gw?.stop();
    await stop(handler);
    await stop(broker.proc);
    assert.equal(r.code, 0, r.logs);
    if (r2) assert.equal(r2.code, 0, r2.logs);
  });

  const history = async (g, iban) => (await gql(g, ALL_TX, { iban, max: 1000 })).data.transactions_by_iban;
  const deposit = (over = {}) => ({ uuid: randomUUID(), token: '', amount: 100, from: 'cash', to: alice.iban, descr: 'deposit', ...over });

  test('each field over its limit is a GraphQL error naming it; nothing is sent', async () => {
    const produced0 = (await metrics(gw)).gateway_kafka_produced_total;
    const before = (await history(gw, alice.iban)).length;
    const cases = [
      [{ descr: 'x'.repeat(60000) }, 'descr must be at most 800 bytes (got 60000)'],
      [{ descr: 'é'.repeat(201) }, 'descr must be at most 200 characters (got 201)'],
      [{ descr: 'a\u0000b' }, 'descr must not contain NUL characters'],
      [{ token: 't'.repeat(65) }, 'token must be at most 64 characters (got 65)'],
      [{ token: 'a b' }, 'token must be printable ASCII without spaces'],
      [{ from: 'x'.repeat(100) }, 'from must be at most 34 characters (got 100)'],
      [{ from: 'bank' }, 'from must be "cash" or an IBAN (2 letters, 2 digits, 11 to 30 letters/digits), got "bank"'],
      [{ to: 'y'.repeat(5000) }, 'to must be at most 34 characters (got 5000)'],
      [{ to: 'nl66open0000000000' }, 'to must be an IBAN (2 letters, 2 digits, 11 to 30 letters/digits), got "nl66open0000000000"'],
      [{ username: 'u'.repeat(65) }, 'username must be 1 to 64 bytes (got 65)'],
      [{ username: '' }, 'username must be 1 to 64 bytes (got 0)'],
      [{ uuid: 'a'.repeat(1000) }, 'uuid must be a UUID of 36 characters (got 1000)'],
      [{ amount: 0 }, 'amount must be a positive number of cents'],
    ];
    for (const [over, message] of cases) {
      const r = await transfer(gw, deposit(over));
      assert.equal(r.data.money_transfer, null, JSON.stringify(over).slice(0, 80));
      assert.equal(r.errors[0].message, message);
      assert.deepEqual(r.errors[0].path, ['money_transfer']);
    }
    const logins = [
      [{ u: 'u'.repeat(65), p: 'pw' }, 'username must be 1 to 64 bytes (got 65)'],
      [{ u: 'name\u0001', p: 'pw' }, 'username must not contain control characters'],
      [{ u: `fields-${randomUUID()}`, p: 'p'.repeat(1025) }, 'password must be 1 to 1024 bytes (got 1025)'],
      [{ u: `fields-${randomUUID()}`, p: '' }, 'password must be 1 to 1024 bytes (got 0)'],
    ];
    for (const [vars, message] of logins) {
      const r = await gql(gw, GET_ACCOUNT, vars);
      assert.equal(r.data.get_account, null);
      assert.equal(r.errors[0].message, message);
    }
    const q = await gql(gw, ALL_TX, { iban: 'N'.repeat(65), max: 1 });
    assert.equal(q.errors[0].message, 'iban must be at most 64 characters (got 65)');
    // the limits themselves are allowed
    const ok = await transfer(gw, deposit({ descr: 'é'.repeat(200), token: 't'.repeat(64), username: 'u'.repeat(64) }));
    assert.equal(ok.data.money_transfer.success, true, JSON.stringify(ok));
    await until(async () => (await history(gw, alice.iban)).length >= before + 1, 'the valid transfer projected');
    assert.equal((await history(gw, alice.iban)).length, before + 1);
    await until(async () => (await metrics(gw)).gateway_kafka_produced_total - produced0 >= 1, 'the valid transfer acknowledged');
    assert.equal((await metrics(gw)).gateway_kafka_produced_total - produced0, 1, 'only the valid transfer was produced');
  });

  let first;
  test('a uuid re-sent with other parameters is refused; the exact retry gets the first outcome', async () => {
    const reused0 = (await metrics(gw)).gateway_transfer_uuid_reused_total;
    first = deposit({ amount: 700, descr: 'once' });
    const r1 = await transfer(gw, first);
    assert.deepEqual(r1.data.money_transfer, { uuid: first.uuid, success: true, reason: null });
    for (const over of [{ amount: 800 }, { descr: 'twice' }, { token: 'other' }, { to: 'NL66OPEN0000000000' }]) {
      const r = await transfer(gw, { ...first, ...over });
      assert.equal(r.data.money_transfer, null, JSON.stringify(over));
      assert.equal(r.errors[0].message, REUSED);
    }
    // concurrently: the same and another at once (one in flight, one joining or refused)
    const [same, other] = await Promise.all([transfer(gw, first), transfer(gw, { ...first, amount: 1 })]);
    assert.deepEqual(same.data, r1.data);
    assert.equal(other.errors[0].message, REUSED);
    const r3 = await transfer(gw, first);
    assert.deepEqual(r3.data, r1.data);
    await until(async () => (await history(gw, alice.iban)).some((t) => t.descr === 'once'), 'the first transfer projected');
    const onces = (await history(gw, alice.iban)).filter((t) => t.descr === 'once');
    assert.equal(onces.length, 1, 'the money moved once');
    assert.equal(onces[0].changed_by, '€7,00');
    assert.ok((await metrics(gw)).gateway_transfer_uuid_reused_total - reused0 >= 4, 'refusals counted');
    // the username is a hint, not a parameter of the transfer
    assert.deepEqual((await transfer(gw, { ...first, username: 'someone' })).data, r1.data);
  });

  // Commands produced straight to Kafka, as another producer (or a gateway
  // that never saw the first outcome) would: the handler refuses them.
  const sendRaw = (values) => {
    const id = values.id ?? randomUUID();
    const rec = { id, token: '', amount: 100, from: 'cash', to: alice.iban, description: 'raw', ...values };
    produce(broker.bootstrap, 'confirm_money_transfer', id, encode(topo, 'ConfirmMoneyTransfer', rec));
    return id;
  };
  const failureOf = async (id, what) => {
    let f;
    await until(() => (f = failed.messages.map((m) => ({ ...decode(topo, m.value), headers: m.headers })).find((e) => e.id === id)), what, 20000);
    return f;
  };

  test('the handler refuses a 60 KB descr from Kafka with a reason, and applies nothing', async () => {
    const before = (await history(gw, alice.iban)).length;
    const id = sendRaw({ description: 'd'.repeat(60000) });
    const f = await failureOf(id, 'the refusal of the 60 KB descr');
    assert.equal(f.reason, 'descr must be at most 800 bytes (got 60000)');
    const marker = randomUUID();
    assert.equal((await transfer(gw, deposit({ uuid: marker, descr: 'after-raw' }))).data.money_transfer.success, true);
    // the marker was handled after the raw command (one command partition each, but the
    // refusal came first): once it is projected, anything the raw one did would be too
    await until(async () => (await history(gw, alice.iban)).some((t) => t.descr === 'after-raw'), 'the marker projected');
    const rows = await history(gw, alice.iban);
    assert.equal(rows.length, before + 1, 'only the marker moved money');
    assert.ok(!rows.some((t) => t.descr.startsWith('ddd')));
  });

  test('the handler refuses a reused uuid from Kafka, keeps the first outcome, also after a restart', async () => {
    const count = async () => (await history(gw, alice.iban)).filter((t) => t.descr === 'once').length;
    const id1 = sendRaw({ id: first.uuid, amount: 999, description: 'once' });
    const f1 = await failureOf(id1, 'the refusal of the reused uuid');
    assert.equal(f1.reason, REUSED);
    assert.match(f1.headers['command-digest'] ?? '', /^[0-9a-f]{32}$/);
    // restart the handler (its snapshot and the feedback's digest headers)
    await stop(handler);
    handler = await startHandler(broker.bootstrap, TOPOLOGY, handler.stateDir);
    failed.messages.length = 0;
    sendRaw({ id: first.uuid, amount: 1000, description: 'once' });
    const f2 = await failureOf(first.uuid, 'the refusal after a restart');
    assert.equal(f2.reason, REUSED);
    // the exact retry through the gateway is still the first outcome
    const r = await transfer(gw, first);
    assert.deepEqual(r.data.money_transfer, { uuid: first.uuid, success: true, reason: null });
    assert.equal(await count(), 1);
  });

  test('a gateway started later binds the uuid from the log alone', async () => {
    gw2 = await startGateway(broker.bootstrap);
    const again = await transfer(gw2, first);
    assert.deepEqual(again.data.money_transfer, { uuid: first.uuid, success: true, reason: null });
    const other = await transfer(gw2, { ...first, amount: 5 });
    assert.equal(other.errors[0].message, REUSED);
    // a new uuid sent to both gateways at once with different amounts: one wins, the other is refused
    const u = randomUUID();
    const [a, b] = await Promise.all([transfer(gw, deposit({ uuid: u, amount: 11, descr: 'race' })), transfer(gw2, deposit({ uuid: u, amount: 22, descr: 'race' }))]);
    const wins = [a, b].filter((r) => r.data?.money_transfer?.success === true);
    const refused = [a, b].filter((r) => r.errors?.[0]?.message === REUSED);
    assert.equal(wins.length, 1, JSON.stringify([a, b]));
    assert.equal(refused.length, 1, JSON.stringify([a, b]));
    await until(async () => (await history(gw2, alice.iban)).some((t) => t.descr === 'race'), 'the race winner projected');
    assert.equal((await history(gw2, alice.iban)).filter((t) => t.descr === 'race').length, 1);
  });
});
