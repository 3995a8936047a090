// events-registry.test.mjs — the command handler with a Schema Registry: a fake
// registry (Confluent REST: POST /subjects/S/versions, GET /schemas/ids/N) served
// by this test. The handler registers our schemas under topic-name subjects and
// stamps the ids it gets; a command written with an older writer schema known
// only to the registry is learned by id and handled.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { COMMAND_HANDLER, EMBEDDED_KAFKA, SOURCE_DIR, decode, encode, produce, readTopology, schemaOf, sleep, start, stop, tail, uuid } from './events-lib.mjs';
import { fakeRegistry } from '../lib/registry.mjs';

test('handler with a schema registry', { timeout: 60000 }, async () => {
  const topologyFile = path.join(SOURCE_DIR, 'schema/topology.yaml');
  const topo = readTopology(topologyFile);
  const reg = await fakeRegistry({ firstId: 500 }); // ids apart from the pinned ones
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handler-state-'));
  const { proc: broker, line } = await start(EMBEDDED_KAFKA, ['--topology', topologyFile], /^BOOTSTRAP=/);
  const bootstrap = line.slice('BOOTSTRAP='.length);
  let h;
  const tails = [];
  try {
    ({ proc: h } = await start(
      COMMAND_HANDLER,
      ['--brokers', bootstrap, '--topology', topologyFile, '--state-dir', stateDir, '--schema-registry', reg.url],
      /^READY$/,
    ));
    // every record type registered under "<topic>-value", our schema text unchanged
    assert.equal(reg.entries.length, 8);
    const bySubject = Object.fromEntries(reg.entries.map((e) => [e.subject, e]));
    assert.deepEqual(JSON.parse(bySubject['balance_changed-value'].schema), schemaOf('BalanceChanged'));
    // the client uses the registry's ids
    const ids = Object.fromEntries(reg.entries.map((e) => [JSON.parse(e.schema).name, e.id]));
    const rtopo = { ...topo, ids, byId: Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k])) };

    // an older writer of ConfirmMoneyTransfer (no description), known only to the registry
    const old = structuredClone(schemaOf('ConfirmMoneyTransfer'));
    old.fields = old.fields.filter((f) => f.name !== 'description');
    reg.entries.push({ id: 777, subject: 'confirm_money_transfer-value', schema: JSON.stringify(old) });

    for (const t of ['money_transfer_confirmed', 'balance_changed']) tails.push(tail(bootstrap, t));
    const acc = uuid();
    const pay = uuid();
    produce(bootstrap, 'confirm_account_creation', acc, encode(rtopo, 'ConfirmAccountCreation', { id: acc, a_type: 'AUTO' }));
    produce(
      bootstrap,
      'confirm_money_transfer',
      pay,
      encode(rtopo, 'ConfirmMoneyTransfer', { id: pay, token: '', amount: 42, from: 'cash', to: 'NL66OPEN0000000000' }, { schema: old, id: 777 }),
    );
    let out = [];
    // the confirmation and the BalanceChanged come from two topics read by two
    // consumers: wait for both, whichever is fetched first
    for (let i = 0; i < 200 && !(out.some((e) => e.id === pay) && out.some((e) => e.record === 'BalanceChanged')); i++) {
      await sleep(50);
      out = tails.flatMap((t) => t.messages.map((m) => ({ ...decode(rtopo, m.value), raw: m.value })));
    }
    const confirmed = out.find((e) => e.id === pay);
    assert.ok(confirmed, 'the transfer written with the old schema was handled');
    assert.equal(confirmed.raw.readInt32BE(1), ids.MoneyTransferConfirmed, 'outputs carry the registry id');
    const bc = out.find((e) => e.record === 'BalanceChanged');
    assert.equal(bc.changed_by, 42n);
    assert.equal(bc.description, '', "the reader schema's default filled the missing field");
  } catch (e) {
    if (h) console.error(h.stderrText());
    throw e;
  } finally {
    await Promise.all(tails.map((t) => t.close()));
    if (h) await stop(h);
    await stop(broker);
    reg.server.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
