// faults-retention.test.mjs — the mock broker's limit made visible: it keeps only
// ~5 MB per partition. A handler stops with a snapshot, a later one writes an
// event after it and is SIGKILLed (no newer snapshot); then more than 5 MB land on
// that partition, so the events between the snapshot and the end are dropped. A
// restart must refuse to start and say why (not run on a state missing an
// account), and a gateway replaying from 0 must stay unready, naming the partition.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { startGateway } from './bank-lib.mjs';
import { KCAT, decode, encode, produce, readTopology, tail, uuid } from './events-lib.mjs';
import { COMMAND_HANDLER, runToEnd, sleep, start, startBroker, stop } from '../lib/stack.mjs';
import { TOPOLOGY, note } from './faults-lib.mjs';

/** A handler with no periodic snapshot (only at a clean stop). */
function handler(bootstrap, dir) {
  return start(COMMAND_HANDLER, ['--brokers', bootstrap, '--topology', TOPOLOGY, '--state-dir', dir, '--snapshot-interval', '3600'], /^READY$/).then((r) => r.proc);
}

test('the broker dropped what a restarting handler needs: it refuses to start and says why', { timeout: 180000 }, async () => {
  const topo = readTopology(TOPOLOGY);
  const k = await startBroker(TOPOLOGY);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-ret-'));
  const out = tail(k.bootstrap, 'account_creation_confirmed');
  let gw;
  try {
    const open = async () => {
      const id = uuid();
      produce(k.bootstrap, 'confirm_account_creation', id, encode(topo, 'ConfirmAccountCreation', { id, a_type: 'AUTO' }));
      for (let i = 0; i < 200 && !out.messages.some((m) => decode(topo, m.value).id === id); i++) await sleep(50);
      assert.ok(out.messages.some((m) => decode(topo, m.value).id === id), 'account opened');
    };
    let h = await handler(k.bootstrap, dir);
    await open();
    assert.equal((await stop(h)).code, 0, 'stopped with a snapshot');
    h = await handler(k.bootstrap, dir);
    await open(); // after the snapshot: only the log has it
    await stop(h, 'SIGKILL');
    // > 5 MB more on that partition (foreign records: skipped by readers, yet they push the window)
    const junk = path.join(dir, 'junk');
    fs.writeFileSync(junk, `${'x'.repeat(1000)}\n`.repeat(7000));
    const r = spawnSync(KCAT, ['-P', '-b', k.bootstrap, '-t', 'account_creation_confirmed', '-p', '0', '-l', junk], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    const w = spawnSync(KCAT, ['-Q', '-b', k.bootstrap, '-t', 'account_creation_confirmed:0:-2'], { encoding: 'utf8', timeout: 20000 });
    note(`account_creation_confirmed[0] now starts at ${w.stdout.trim()} (7 MB written after the snapshot)`);
    const res = await runToEnd(COMMAND_HANDLER, ['--brokers', k.bootstrap, '--topology', TOPOLOGY, '--state-dir', dir]);
    assert.notEqual(res.code, 0, 'the handler must not start');
    assert.match(res.stderr, /refusing to start/);
    assert.match(res.stderr, /account_creation_confirmed/);
    assert.match(res.stderr, /Retention dropped events the state needs/);
    note(`handler: ${res.stderr.split('\n').find((l) => /refusing/.test(l))}`);
    // a gateway replaying from offset 0 sees the reset and stays unready, naming the partition
    gw = await startGateway(k.bootstrap, { ready: false });
    let body = '';
    for (let i = 0; i < 100; i++) {
      const rr = await fetch(`${gw.url}/readyz`);
      body = await rr.text();
      if (/offset reset/.test(body)) break;
      await sleep(100);
    }
    assert.match(body, /offset reset on account_creation_confirmed\[0\]/);
  } finally {
    await out.close();
    if (gw) await gw.stop();
    await stop(k.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
