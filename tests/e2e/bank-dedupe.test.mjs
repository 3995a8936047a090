// bank-dedupe.test.mjs — a command changes an account once: a second
// BalanceChanged of the same (command-id header, IBAN) at another offset (what a
// killed command handler's last produce request could leave behind its
// successor) is not folded again by the gateway; one without the header is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { TOPOLOGY, metrics, startBroker, startGateway, until, gql } from './bank-lib.mjs';
import { KCAT, encode, readTopology, uuid } from './events-lib.mjs';
import { stop } from '../lib/stack.mjs';

test('a repeated (command, account) BalanceChanged is folded once', { timeout: 60000 }, async () => {
  const topo = readTopology(TOPOLOGY);
  const k = await startBroker();
  const gw = await startGateway(k.bootstrap);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dedupe-'));
  try {
    const iban = 'NL02OPEN0123456789';
    const send = (cid, nb) => {
      const f = path.join(dir, 'm');
      fs.writeFileSync(f, encode(topo, 'BalanceChanged', { iban, new_balance: nb, changed_by: 100, from_to: 'cash', description: 'd' }));
      const args = ['-P', '-b', k.bootstrap, '-t', 'balance_changed', '-k', iban];
      if (cid) args.push('-H', `command-id=${cid}`);
      const r = spawnSync(KCAT, [...args, f], { encoding: 'utf8', timeout: 20000 });
      assert.equal(r.status, 0, r.stderr);
    };
    const cid = uuid();
    send(cid, 100);
    send(cid, 100); // the same command and account again
    send(null, 200); // no header: folded
    const q = `{ transactions_by_iban(iban: "${iban}", max_items: 10) { id } }`;
    await until(async () => (await metrics(gw)).gateway_kafka_duplicate_balance_changes_total === 1, 'the duplicate counted');
    await until(async () => (await gql(gw, q)).data.transactions_by_iban.length === 2, 'two transactions');
    assert.equal((await gql(gw, q)).data.transactions_by_iban.length, 2);
  } finally {
    await gw.stop();
    await stop(k.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
