// bank-merged.test.mjs — the later layout of the same system
// (schema/topology-merged.yaml: one commands topic keyed by username, feedback
// topics carrying two record types) end to end through the gateway, with
// configuration only; and `gateway --sync-topology` creating missing topics and
// reporting partition drift.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  ALL_TX,
  GATEWAY,
  TOPOLOGY,
  TOPOLOGY_MERGED,
  account,
  euro,
  gql,
  startBroker,
  startGateway,
  startHandler,
  stop,
  transfer,
  until,
} from './bank-lib.mjs';
import { EMBEDDED_KAFKA, decode, readTopology, runToEnd, start, tail } from './events-lib.mjs';

describe('the merged topology', () => {
  let broker, handler, gw;
  before(async () => {
    broker = await startBroker(TOPOLOGY_MERGED);
    handler = await startHandler(broker.bootstrap, TOPOLOGY_MERGED);
    gw = await startGateway(broker.bootstrap, { topology: TOPOLOGY_MERGED });
  });
  after(async () => {
    const r = await gw?.stop();
    await stop(handler);
    await stop(broker.proc);
    assert.equal(r.code, 0, r.logs);
  });

  test('register, deposit, transfer and a failure; commands keyed by username', async () => {
    const commands = tail(broker.bootstrap, 'commands');
    try {
      const u1 = `erin-${randomUUID()}`;
      const erin = await account(gw, u1, 'pw-e');
      const frank = await account(gw, `frank-${randomUUID()}`, 'pw-f');
      assert.deepEqual(await account(gw, u1, 'pw-e'), erin);
      assert.equal((await account(gw, u1, 'nope')).reason, 'incorrect password');
      const d = await transfer(gw, { uuid: randomUUID(), token: 'x', amount: 10000, from: 'cash', to: erin.iban, descr: 'in', username: u1 });
      assert.equal(d.data.money_transfer.success, true);
      const t = await transfer(gw, { uuid: randomUUID(), token: erin.token, amount: 2500, from: erin.iban, to: frank.iban, descr: 'rent', username: u1 });
      assert.equal(t.data.money_transfer.success, true);
      const f = await transfer(gw, { uuid: randomUUID(), token: 'wrong', amount: 1, from: erin.iban, to: frank.iban, descr: 'x', username: u1 });
      assert.deepEqual([f.data.money_transfer.success, f.data.money_transfer.reason], [false, 'invalid token']);
      const list = await until(async () => {
        const l = (await gql(gw, ALL_TX, { iban: erin.iban, max: 5 })).data.transactions_by_iban;
        return l.length === 2 && l;
      }, 'erin has two transactions');
      assert.equal(list[0].new_balance, euro(7500));
      assert.equal(list[0].direction, 'DEBIT');
      const topo = readTopology(TOPOLOGY_MERGED);
      await until(() => commands.messages.length >= 6, 'commands seen');
      const mine = commands.messages.map((m) => ({ key: m.key, rec: decode(topo, m.value).record }));
      assert.ok(mine.filter((m) => m.rec === 'ConfirmMoneyTransfer').every((m) => m.key === u1), JSON.stringify(mine));
      assert.ok(mine.some((m) => m.rec === 'ConfirmAccountCreation' && m.key === u1));
    } finally {
      await commands.close();
    }
  });
});

test('gateway --sync-topology reports drift and missing topics, and passes on a synced cluster', async () => {
  // a broker with only balance_changed, and that with 3 partitions instead of 9
  const partial = await start(EMBEDDED_KAFKA, ['--brokers', '1', '--topic', 'balance_changed:3'], /^BOOTSTRAP=/);
  const full = await start(EMBEDDED_KAFKA, ['--brokers', '1', '--topology', TOPOLOGY], /^BOOTSTRAP=/);
  try {
    const env = (line) => ({ ...process.env, KAFKA_BROKERS: line.slice('BOOTSTRAP='.length), GW_TOPOLOGY: TOPOLOGY });
    const [a, b] = await Promise.all([
      runToEnd(GATEWAY, ['--sync-topology'], { env: env(partial.line) }),
      runToEnd(GATEWAY, ['--sync-topology'], { env: env(full.line) }),
    ]);
    const out = a.stdout.toString();
    assert.match(out, /^DRIFT +balance_changed has 3 partitions, the topology says 9$/m);
    // librdkafka's mock has no controller: creation fails with a clear message, exit 2
    assert.equal(a.code, 2, out + a.stderr);
    for (const t of ['confirm_money_transfer', 'money_transfer_confirmed', 'account_creation_failed', 'gateway_accounts'])
      assert.match(out, new RegExp(`^MISSING +${t}$`, 'm'));
    assert.match(a.stderr, /cannot create 8 missing topic\(s\)/);
    const out2 = b.stdout.toString();
    assert.equal(b.code, 0, out2 + b.stderr);
    assert.match(out2, /^ok +confirm_money_transfer \(9 partitions\)$/m);
    assert.match(out2, /^ok +gateway_accounts \(1 partitions\)$/m);
    assert.doesNotMatch(out2, /DRIFT|MISSING/);
  } finally {
    await Promise.all([stop(partial.proc), stop(full.proc)]);
  }
});
