// bank-restart.test.mjs — several processes over one embedded broker: two
// gateway instances see each other's accounts and transfers (and the first
// credentials record of a name wins), a restarted gateway rebuilds identical
// projections and still answers repeated uuids from the log, a restarted
// command handler applies nothing twice, and a command whose feedback does not
// come in time is a "timed out" error that still takes effect later.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  ALL_TX,
  TOPOLOGY,
  account,
  allTransactions,
  euro,
  gql,
  sleep,
  startBroker,
  startGateway,
  startHandler,
  stop,
  transfer,
  until,
} from './bank-lib.mjs';
import { encode, produce, readTopology } from './events-lib.mjs';

const topo = readTopology(TOPOLOGY);

describe('two gateways, restarts and timeouts', () => {
  let broker, handler, gw1, gw2;
  const stateDir = `/tmp/ch-restart-${process.pid}`;
  before(async () => {
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap, TOPOLOGY, stateDir);
    [gw1, gw2] = await Promise.all([startGateway(broker.bootstrap), startGateway(broker.bootstrap, { timeoutMs: 1500 })]);
  });
  after(async () => {
    const codes = await Promise.all([gw1, gw2].map((g) => g?.stop()));
    await stop(handler);
    await stop(broker.proc);
    for (const r of codes) assert.equal(r.code, 0, r.logs);
  });

  const name = `carol-${randomUUID()}`;
  let carol, dave;
  test('an account registered on one gateway logs in on the other', async () => {
    carol = await account(gw1, name, 'pw-carol');
    assert.match(carol.iban, /^NL\d\dOPEN/);
    const there = await until(async () => {
      const a = await account(gw2, name, 'pw-carol');
      return a.iban && a;
    }, 'credentials reach gw2');
    assert.deepEqual(there, carol);
    assert.equal((await account(gw2, name, 'wrong')).reason, 'incorrect password');
  });

  test('one name registered on both gateways at once: the first credentials record wins', async () => {
    const n = `race-${randomUUID()}`;
    const [a, b] = await Promise.all([account(gw1, n, 'one'), account(gw2, n, 'two')]);
    const winners = [a, b].filter((x) => x.iban !== null);
    assert.equal(winners.length, 1, JSON.stringify([a, b]));
    assert.equal([a, b].find((x) => x.iban === null).reason, 'incorrect password');
    // afterwards both gateways agree on whose password it is
    const pw = a.iban ? 'one' : 'two';
    assert.deepEqual(await account(gw1, n, pw), winners[0]);
    assert.deepEqual(await account(gw2, n, pw), winners[0]);
  });

  const depositId = randomUUID();
  test("each gateway sees the other's transfers", async () => {
    dave = await account(gw2, `dave-${randomUUID()}`, 'pw-dave');
    const r = await transfer(gw1, { uuid: depositId, token: 't', amount: 50000, from: 'cash', to: carol.iban, descr: 'seed' });
    assert.equal(r.data.money_transfer.success, true);
    const t = await transfer(gw2, { uuid: randomUUID(), token: carol.token, amount: 1500, from: carol.iban, to: dave.iban, descr: 'via gw2' });
    assert.equal(t.data.money_transfer.success, true);
    for (const gw of [gw1, gw2]) {
      const list = await until(async () => {
        const l = (await gql(gw, ALL_TX, { iban: carol.iban, max: 10 })).data.transactions_by_iban;
        return l.length === 2 && l;
      }, 'both transactions on each gateway');
      assert.equal(list[0].new_balance, euro(48500));
      assert.equal(list[0].descr, 'via gw2');
      assert.equal(list[1].descr, 'seed');
    }
    assert.deepEqual(await allTransactions(gw1), await allTransactions(gw2));
  });

  test('a restarted gateway rebuilds identical projections and answers old uuids from the log', async () => {
    const before = await allTransactions(gw1);
    assert.ok(before.length >= 3);
    await gw1.stop();
    gw1 = await startGateway(broker.bootstrap);
    assert.deepEqual(await allTransactions(gw1), before);
    assert.deepEqual(await account(gw1, name, 'pw-carol'), carol);
    const again = await transfer(gw1, { uuid: depositId, token: 't', amount: 50000, from: 'cash', to: carol.iban, descr: 'seed' });
    assert.deepEqual(again.data.money_transfer, { uuid: depositId, success: true, reason: null });
    await sleep(300);
    assert.deepEqual(await allTransactions(gw1), before, 'the repeat moved nothing');
  });

  test('a restarted command handler applies nothing twice', async () => {
    const before = await allTransactions(gw1);
    await stop(handler);
    handler = await startHandler(broker.bootstrap, TOPOLOGY, stateDir);
    // the old deposit's command again, straight onto the topic (bypassing the gateway's memory)
    produce(broker.bootstrap, 'confirm_money_transfer', depositId, encode(topo, 'ConfirmMoneyTransfer', { id: depositId, token: 't', amount: 50000, from: 'cash', to: carol.iban, description: 'seed' }));
    const marker = randomUUID();
    const m = await transfer(gw1, { uuid: marker, token: 't', amount: 1, from: 'cash', to: dave.iban, descr: 'marker' });
    assert.equal(m.data.money_transfer.success, true);
    const after = await until(async () => {
      const l = await allTransactions(gw1);
      return l.length > before.length && l;
    }, 'marker projected');
    await sleep(200);
    const final = await allTransactions(gw1);
    assert.equal(final.length, before.length + 1, JSON.stringify(final.slice(before.length)));
    assert.equal(after.at(-1).descr, 'marker');
    assert.equal((await gql(gw1, ALL_TX, { iban: carol.iban, max: 10 })).data.transactions_by_iban[0].new_balance, euro(48500));
  });

  test('no feedback in time: "timed out waiting for confirmation"; the command still stands', async () => {
    await stop(handler);
    const id = randomUUID();
    const args = { uuid: id, token: 't', amount: 999, from: 'cash', to: dave.iban, descr: 'late' };
    const t0 = Date.now();
    const r = await transfer(gw2, args);
    assert.equal(r.data.money_transfer, null);
    assert.equal(r.errors[0].message, 'timed out waiting for confirmation');
    assert.ok(Date.now() - t0 >= 1400, 'waited for the configured timeout');
    handler = await startHandler(broker.bootstrap, TOPOLOGY, stateDir);
    const late = await until(async () => (await gql(gw2, ALL_TX, { iban: dave.iban, max: 1 })).data.transactions_by_iban[0]?.descr === 'late', 'the command was applied after all');
    assert.ok(late);
    const again = await transfer(gw2, args);
    assert.deepEqual(again.data.money_transfer, { uuid: id, success: true, reason: null });
  });
});
