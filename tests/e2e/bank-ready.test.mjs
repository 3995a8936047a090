// bank-ready.test.mjs — the gateway's /readyz for its Kafka side: not ready
// (with a reason) while it cannot reach the broker, and not ready — naming the
// partition — when the broker dropped events its replay needed (the embedded
// broker keeps ~5 MB per partition), with the reset counted in /metrics.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { randomUUID } from 'node:crypto';

import { gql, metrics, sleep, startBroker, startGateway, stop, transfer, until } from './bank-lib.mjs';
import { KCAT } from './events-lib.mjs';
import { spawnSync } from 'node:child_process';

async function readyz(gw) {
  const r = await fetch(`${gw.url}/readyz`);
  return { status: r.status, body: await r.json() };
}

test('no broker: /readyz is 503 with a reason, queries still answer', async () => {
  const gw = await startGateway('127.0.0.1:1', { ready: false });
  try {
    const r = await until(async () => {
      const x = await readyz(gw);
      return x.body.checks.kafka.reason && x;
    }, 'a kafka reason');
    assert.equal(r.status, 503);
    assert.equal(r.body.checks.kafka.ok, false);
    assert.match(r.body.checks.kafka.reason, /kafka/i);
    const q = await gql(gw, '{ all_last_transactions { id } }');
    assert.deepEqual(q, { data: { all_last_transactions: [] } });
  } finally {
    const r = await gw.stop();
    assert.equal(r.code, 0, r.logs);
  }
});

test('events dropped by the broker before the replay: not ready, partition named, counted', async () => {
  const broker = await startBroker();
  try {
    // ~7 MB into one partition of balance_changed: the mock keeps ~5 MB and drops the oldest batches
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-flood-'));
    const file = path.join(dir, 'lines');
    const line = 'x'.repeat(1000) + '\n';
    fs.writeFileSync(file, line.repeat(7000));
    const r = spawnSync(KCAT, ['-P', '-b', broker.bootstrap, '-t', 'balance_changed', '-k', 'same-key', '-l', file, '-X', 'batch.size=100000'], { encoding: 'utf8', timeout: 60000 });
    fs.rmSync(dir, { recursive: true });
    assert.equal(r.status, 0, r.stderr);
    const gw = await startGateway(broker.bootstrap, { ready: false });
    try {
      const x = await until(async () => {
        const y = await readyz(gw);
        return /offset reset/.test(y.body.checks.kafka.reason ?? '') && y;
      }, 'an offset-reset reason', 20000);
      assert.equal(x.status, 503);
      assert.match(x.body.checks.kafka.reason, /offset reset on balance_changed\[\d\] during replay/);
      const m = await metrics(gw);
      assert.ok(m.gateway_kafka_offset_resets_total >= 1);
      await sleep(300);
      assert.equal((await readyz(gw)).status, 503, 'stays not ready');
    } finally {
      const s = await gw.stop();
      assert.equal(s.code, 0, s.logs);
    }
  } finally {
    await stop(broker.proc);
  }
});

test('bounded commands in flight, and a command Kafka does not take is a clear error', async () => {
  const broker = await startBroker(); // no command handler: nothing answers
  const [bounded, short] = await Promise.all([
    startGateway(broker.bootstrap, { timeoutMs: 1500, extra: '  max_pending: 1' }),
    startGateway(broker.bootstrap, { timeoutMs: 10000, extra: '  properties:\n    "message.timeout.ms": "1000"' }),
  ]);
  try {
    const args = (descr) => ({ uuid: randomUUID(), token: 't', amount: 1, from: 'cash', to: 'NL66OPEN0000000000', descr });
    const first = transfer(bounded, args('first'));
    await sleep(100);
    const second = await transfer(bounded, args('second'));
    assert.equal(second.errors[0].message, 'too many commands in flight, try again');
    assert.equal((await first).errors[0].message, 'timed out waiting for confirmation');
    assert.equal((await metrics(bounded)).gateway_commands_timed_out_total, 1);
    // the broker goes away: the producer gives up after message.timeout.ms and says so
    await stop(broker.proc);
    const t0 = Date.now();
    const lost = await transfer(short, args('lost'));
    assert.match(lost.errors[0].message, /^the command could not be sent to Kafka: /);
    assert.ok(Date.now() - t0 < 9000, 'the delivery report came before the timeout');
    assert.ok((await metrics(short)).gateway_kafka_produce_errors_total >= 1);
    // and /readyz says so
    const down = await until(async () => {
      const y = await readyz(short);
      return y.status === 503 && y;
    }, 'not ready once the broker is gone');
    assert.equal(down.body.checks.kafka.reason, 'every Kafka broker is down');
  } finally {
    for (const gw of [bounded, short]) {
      const s = await gw.stop();
      assert.equal(s.code, 0, s.logs);
    }
    await stop(broker.proc);
  }
});
