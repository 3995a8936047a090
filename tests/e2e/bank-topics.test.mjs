// bank-topics.test.mjs — the original endpoint's topic settings
// (kafka.topics.*, env KAFKA_BC_TOPIC / KAFKA_CMT_TOPIC / KAFKA_CAC_TOPIC)
// rename the topology's topics: a broker and handler on renamed topics serve a
// gateway that keeps the default topology file and is told the names by
// configuration alone. Were the names ignored, the gateway's commands would go
// to topics the handler never reads (the mock broker auto-creates them) and
// every mutation would time out.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { ALL_TX, TOPOLOGY, account, euro, gql, startBroker, startGateway, startHandler, stop, transfer, until } from './bank-lib.mjs';
import { writeTemp } from '../lib/stack.mjs';

const RENAMED = {
  balance_changed: 'bank_balance_changed_v2',
  confirm_money_transfer: 'bank_confirm_money_transfer_v2',
  confirm_account_creation: 'bank_confirm_account_creation_v2',
};

describe('topic names from configuration', () => {
  let broker, handler, gw;
  before(async () => {
    let text = fs.readFileSync(TOPOLOGY, 'utf8');
    for (const [from, to] of Object.entries(RENAMED)) {
      const re = new RegExp(`^(\\s*- name: )${from}$`, 'm');
      assert.match(text, re, `topology names ${from}`);
      text = text.replace(re, `$1${to}`);
    }
    const renamed = writeTemp(text, { prefix: 'gw-topics-', name: 'topology.yaml' });
    broker = await startBroker(renamed);
    handler = await startHandler(broker.bootstrap, renamed);
    const topics = Object.entries(RENAMED).map(([k, v]) => `    ${k}: "${v}"`).join('\n');
    gw = await startGateway(broker.bootstrap, { topology: TOPOLOGY, timeoutMs: 4000, extra: `  topics:\n${topics}\n` });
  });
  after(async () => {
    const r = await gw?.stop();
    await stop(handler);
    await stop(broker?.proc);
    assert.equal(r?.code, 0, r?.logs);
  });

  test('accounts, deposits and their transactions flow through the renamed topics', async () => {
    const acc = await account(gw, `topics-${randomUUID()}`, 'secret');
    assert.match(acc.iban, /^NL\d\dOPEN\d{10}$/);
    const r = await transfer(gw, { uuid: randomUUID(), token: 'x', amount: 1234, from: 'cash', to: acc.iban, descr: 'deposit' });
    assert.deepEqual(r.data?.money_transfer?.success, true, JSON.stringify(r));
    const txs = await until(async () => {
      const q = await gql(gw, ALL_TX, { iban: acc.iban, max: 10 });
      return q.data?.transactions_by_iban?.length ? q.data.transactions_by_iban : null;
    }, 'the deposit in the projection');
    assert.equal(txs[0].new_balance, euro(1234));
    assert.equal(txs[0].direction, 'CREDIT');
  });
});
