// bank-registry.test.mjs — the gateway and the command handler with a Schema
// Registry instead of pinned ids: a small in-test registry (the two REST calls
// the clients use: POST /subjects/S/versions, GET /schemas/ids/N) hands out
// ids from 100 on; the bank works end to end with them, and an outside
// producer's event written with an id the gateway never registered (a newer
// writer schema with an extra field) is learned from the registry and shown.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { ALL_TX, GATEWAY, TOPOLOGY, account, gql, startBroker, startGateway, stop, transfer, until } from './bank-lib.mjs';
import { COMMAND_HANDLER, encode, produce, readTopology, runToEnd, schemaOf, start } from './events-lib.mjs';
import { fakeRegistry } from '../lib/registry.mjs';

describe('with a Schema Registry', () => {
  let reg, broker, handler, gw;
  before(async () => {
    reg = await fakeRegistry();
    broker = await startBroker();
    ({ proc: handler } = await start(
      COMMAND_HANDLER,
      ['--brokers', broker.bootstrap, '--topology', TOPOLOGY, '--state-dir', `/tmp/ch-reg-${process.pid}`, '--schema-registry', reg.url, '--fetch-wait-ms', '1'],
      /^READY$/,
    ));
    gw = await startGateway(broker.bootstrap, { extra: `  schema_registry_url: "${reg.url}"` });
  });
  after(async () => {
    const r = await gw?.stop();
    await stop(handler);
    await stop(broker.proc);
    await reg.close();
    assert.equal(r.code, 0, r.logs);
  });

  test('the gateway registered its schemas under the topic-name subjects, and the bank works', async () => {
    assert.ok(reg.subjects.has('confirm_money_transfer-value'));
    assert.ok(reg.subjects.has('balance_changed-value'));
    const u = await account(gw, `reg-${randomUUID()}`, 'pw');
    assert.match(u.iban, /^NL\d\dOPEN/);
    const r = await transfer(gw, { uuid: randomUUID(), token: 'x', amount: 300, from: 'cash', to: u.iban, descr: 'via registry' });
    assert.equal(r.data.money_transfer.success, true);
    await until(async () => (await gql(gw, ALL_TX, { iban: u.iban, max: 1 })).data.transactions_by_iban[0]?.new_balance === '€3,00', 'deposit projected');
  });

  test('gateway --sync-topology registers the schemas in a registry', async () => {
    const fresh = await fakeRegistry();
    try {
      const env = { ...process.env, KAFKA_BROKERS: broker.bootstrap, GW_TOPOLOGY: TOPOLOGY, SCHEMA_REGISTRY_URL: fresh.url };
      const r = await runToEnd(GATEWAY, ['--sync-topology'], { env });
      assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
      assert.match(r.stdout.toString(), /^schemas +registered at http/m);
      for (const t of ['confirm_money_transfer', 'money_transfer_failed', 'balance_changed', 'heartbeat'])
        assert.ok(fresh.subjects.has(`${t}-value`), t);
    } finally {
      await fresh.close();
    }
  });

  test('an event written with a newer schema unknown to the gateway is learned from the registry', async () => {
    const newer = structuredClone(schemaOf('BalanceChanged'));
    newer.fields.push({ name: 'channel', type: 'string', default: '' });
    const id = reg.register(JSON.stringify(newer));
    const topo = readTopology(TOPOLOGY);
    const iban = 'NL91OPEN0999999999';
    const value = encode(topo, 'BalanceChanged', { iban, new_balance: 777, changed_by: 777, from_to: 'newer', description: 'v2', channel: 'app' }, { schema: newer, id });
    produce(broker.bootstrap, 'balance_changed', iban, value);
    const t = await until(async () => (await gql(gw, ALL_TX, { iban, max: 1 })).data.transactions_by_iban[0], 'newer-schema event');
    assert.equal(t.new_balance, '€7,77');
    assert.equal(t.descr, 'v2');
  });
});
