// bank-commands.test.mjs — the gateway end to end with the real embedded-kafka,
// command-handler and gateway processes, over GraphQL on HTTP: registration and
// login, deposits and transfers, every failure reason, repeated and concurrent
// uuids, the projections against the BalanceChanged stream (decoded by the
// independent codec in events-lib.mjs), an event produced by an outside client,
// and garbage on a topic.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  ALL_LAST,
  ALL_TX,
  COMPANY,
  account,
  allTransactions,
  euro,
  gql,
  metrics,
  startBroker,
  startGateway,
  startHandler,
  stop,
  transfer,
  until,
} from './bank-lib.mjs';
import { TOPOLOGY } from './bank-lib.mjs';
import { decode, encode, ibanValid, produce, readTopology, tail } from './events-lib.mjs';

const topo = readTopology(TOPOLOGY);

/** A valid OPEN IBAN (mod-97) that the bank never issued: 10 digits starting with 9. */
function foreignIban() {
  const digits = '9' + String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  const n = BigInt([...`OPEN${digits}NL00`].map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c)).join(''));
  const check = String(98n - (n % 97n)).padStart(2, '0');
  return `NL${check}OPEN${digits}`;
}

describe('bank over GraphQL, one gateway', () => {
  let broker, handler, gw, bc;
  before(async () => {
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap);
    gw = await startGateway(broker.bootstrap);
    bc = tail(broker.bootstrap, 'balance_changed');
  });
  after(async () => {
    await bc?.close();
    const r = await gw?.stop();
    await stop(handler);
    await stop(broker.proc);
    assert.equal(r.code, 0, r.logs);
  });

  let alice, bob;
  test('register: a new username gets a valid IBAN and a 20-digit token', async () => {
    alice = await account(gw, `alice-${randomUUID()}`, 'secret-a');
    assert.match(alice.iban, /^NL\d\dOPEN0\d{9}$/);
    assert.ok(ibanValid(alice.iban));
    assert.match(alice.token, /^\d{20}$/);
    assert.equal(alice.reason, null);
  });

  test('login: the same username and password answer the same account; a wrong password a reason', async () => {
    const name = `bob-${randomUUID()}`;
    bob = await account(gw, name, 'pw-bob');
    const again = await account(gw, name, 'pw-bob');
    assert.deepEqual(again, bob);
    const wrong = await account(gw, name, 'not-it');
    assert.deepEqual(wrong, { iban: null, token: null, reason: 'incorrect password' });
  });

  test('deposit from cash, then a transfer: both transactions of each account, formatted', async () => {
    const dep = await transfer(gw, { uuid: randomUUID(), token: 'any', amount: 123456, from: 'cash', to: alice.iban, descr: 'salary' });
    assert.equal(dep.errors, undefined);
    assert.equal(dep.data.money_transfer.success, true);
    assert.equal(dep.data.money_transfer.reason, null);
    const id = randomUUID();
    const t = await transfer(gw, { uuid: id, token: alice.token, amount: 2050, from: alice.iban, to: bob.iban, descr: 'lunch' });
    assert.deepEqual(t.data.money_transfer, { uuid: id, success: true, reason: null });
    // the projection catches up with the BalanceChanged events (they may trail the feedback)
    const a = await until(async () => {
      const r = await gql(gw, ALL_TX, { iban: alice.iban, max: 10 });
      return r.data.transactions_by_iban.length === 2 && r.data.transactions_by_iban;
    }, 'alice has two transactions');
    assert.equal(a[0].new_balance, euro(123456 - 2050));
    assert.equal(a[0].changed_by, euro(2050));
    assert.equal(a[0].direction, 'DEBIT');
    assert.equal(a[0].from_to, bob.iban);
    assert.equal(a[0].descr, 'lunch');
    assert.equal(a[1].new_balance, '€1.234,56');
    assert.equal(a[1].direction, 'CREDIT');
    assert.equal(a[1].from_to, 'cash');
    assert.ok(a[0].id > a[1].id, 'newest first');
    const b = await until(async () => (await gql(gw, ALL_TX, { iban: bob.iban, max: 10 })).data.transactions_by_iban[0], 'bob credited');
    assert.equal(b.new_balance, '€20,50');
    assert.equal(b.direction, 'CREDIT');
    assert.equal(b.from_to, alice.iban);
    const last = (await gql(gw, ALL_LAST)).data.all_last_transactions;
    const ibans = last.map((x) => x.iban);
    assert.deepEqual(ibans, [...ibans].sort());
    assert.equal(last.find((x) => x.iban === alice.iban).id, a[0].id);
  });

  test('every failure reason of the bank comes back as {success: false, reason}', async () => {
    const cases = [
      [{ from: 'NL00OPEN0000000001', to: bob.iban, token: alice.token }, 'from is invalid'],
      [{ from: alice.iban, to: alice.iban, token: alice.token }, "from and to can't be same for transfer"],
      [{ from: alice.iban, to: bob.iban, token: '12345678901234567890' }, 'invalid token'],
      [{ from: alice.iban, to: bob.iban, token: alice.token, amount: 10_000_000 }, 'insufficient funds'],
      [{ from: foreignIban(), to: foreignIban(), token: 'x' }, 'both to and from not known at this bank'],
    ];
    for (const [args, reason] of cases) {
      const id = randomUUID();
      const r = await transfer(gw, { uuid: id, amount: 100, descr: 'no', ...args });
      assert.deepEqual(r.data.money_transfer, { uuid: id, success: false, reason }, JSON.stringify(args));
    }
  });

  test('a uuid that is not a UUID, or an amount that is not positive, is a GraphQL error', async () => {
    const r = await transfer(gw, { uuid: 'not-a-uuid', token: 't', amount: 100, from: 'cash', to: bob.iban, descr: 'x' });
    assert.equal(r.data.money_transfer, null);
    assert.match(r.errors[0].message, /uuid must be a UUID/);
    assert.deepEqual(r.errors[0].path, ['money_transfer']);
    const z = await transfer(gw, { uuid: randomUUID(), token: 't', amount: 0, from: 'cash', to: bob.iban, descr: 'x' });
    assert.match(z.errors[0].message, /amount must be a positive/);
  });

  test('the same uuid twice, in a row and at once, moves the money once', async () => {
    const before = (await gql(gw, ALL_TX, { iban: bob.iban, max: 100 })).data.transactions_by_iban.length;
    const id = randomUUID();
    const args = { uuid: id, token: 'x', amount: 700, from: 'cash', to: bob.iban, descr: 'twice' };
    const [r1, r2] = await Promise.all([transfer(gw, args), transfer(gw, args)]);
    assert.deepEqual(r1.data.money_transfer, { uuid: id, success: true, reason: null });
    assert.deepEqual(r2.data, r1.data);
    const r3 = await transfer(gw, args);
    assert.deepEqual(r3.data, r1.data);
    // a different uuid afterwards: its transaction comes after exactly one from `id`
    await transfer(gw, { ...args, uuid: randomUUID(), descr: 'marker' });
    const list = await until(async () => {
      const l = (await gql(gw, ALL_TX, { iban: bob.iban, max: 100 })).data.transactions_by_iban;
      return l[0]?.descr === 'marker' && l;
    }, 'marker arrives');
    assert.equal(list.length, before + 2);
    assert.equal(list.filter((t) => t.descr === 'twice').length, 1);
  });

  test('the projections agree with the BalanceChanged stream, field by field', async () => {
    const mine = await allTransactions(gw);
    await until(() => bc.messages.length >= mine.length, 'kcat caught up');
    assert.equal(bc.messages.length, mine.length);
    const events = bc.messages.map((m) => decode(topo, m.value));
    // same multiset of events (ids order partitions by timestamp; compare sorted)
    const norm = (e) => `${e.iban}|${e.new_balance}|${e.changed_by}|${e.from_to}|${e.descr}|${e.direction}`;
    const fromStream = events.map((e) =>
      norm({
        iban: e.iban,
        new_balance: euro(e.new_balance),
        changed_by: euro(e.changed_by, true),
        from_to: e.from_to,
        descr: e.description,
        direction: BigInt(e.changed_by) < 0n ? 'DEBIT' : 'CREDIT',
      }),
    );
    assert.deepEqual(mine.map(norm).sort(), fromStream.sort());
    assert.deepEqual(
      mine.map((t) => t.id),
      mine.map((_, i) => i + 1),
    );
    // every account's last new_balance is its running sum of changed_by
    const sums = new Map();
    for (const e of events) sums.set(e.iban, (sums.get(e.iban) ?? 0n) + BigInt(e.changed_by));
    for (const t of (await gql(gw, ALL_LAST)).data.all_last_transactions)
      if (t.iban !== COMPANY) assert.equal(t.new_balance, euro(sums.get(t.iban)), t.iban);
  });

  test('an event produced by an outside client (kcat, wire format) shows up in queries', async () => {
    const iban = foreignIban();
    const rec = { iban, new_balance: 4200, changed_by: 4200, from_to: 'kcat', description: 'from outside' };
    produce(broker.bootstrap, 'balance_changed', iban, encode(topo, 'BalanceChanged', rec));
    const got = await until(async () => (await gql(gw, ALL_TX, { iban, max: 5 })).data.transactions_by_iban[0], 'outside event');
    assert.equal(got.new_balance, '€42,00');
    assert.equal(got.from_to, 'kcat');
    assert.equal(got.descr, 'from outside');
  });

  test('garbage on a topic is skipped and counted; later events still arrive', async () => {
    const m0 = await metrics(gw);
    produce(broker.bootstrap, 'balance_changed', 'junk', Buffer.from('definitely not avro'));
    produce(broker.bootstrap, 'money_transfer_confirmed', 'junk', Buffer.from([0, 0, 0, 0, 99, 1, 2, 3]));
    produce(broker.bootstrap, 'balance_changed', 'junk', Buffer.from([0, 0, 0, 0, 8, 0xff, 0xff]));
    const iban = foreignIban();
    produce(broker.bootstrap, 'balance_changed', iban, encode(topo, 'BalanceChanged', { iban, new_balance: 1, changed_by: 1, from_to: 'x', description: 'after junk' }));
    await until(async () => (await gql(gw, ALL_TX, { iban, max: 1 })).data.transactions_by_iban.length === 1, 'event after garbage');
    const m1 = await metrics(gw);
    assert.equal(m1.gateway_kafka_bad_messages_total - m0.gateway_kafka_bad_messages_total, 3);
    assert.equal(m1.gateway_kafka_replayed, 1);
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
  });
});
