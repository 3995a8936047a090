// bench/e2e/replay.mjs — how fast a gateway starting against a full log gets
// ready: N BalanceChanged events are written to balance_changed (KafkaJS, in
// batches, the wire format from tests/e2e/events-lib.mjs), then a gateway is
// started and timed from spawn to /readyz 200, and the projection checked.
// With --checkpoint, the same again from a projection checkpoint
// (kafka.checkpoint_dir): a gateway writes one after its replay and stops, the
// next one starts from it and replays only what follows (nothing here).
//
//   node bench/e2e/replay.mjs [--bin DIR] [--events 100000] [--checkpoint]
//
// The embedded broker keeps ~5 MB per partition: beyond roughly 30k events per
// partition (9 partitions) the oldest are dropped and the gateway, rightly,
// stays not ready (an offset reset during the replay).
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Kafka, logLevel } from 'kafkajs';

const { values: opt } = parseArgs({
  options: {
    bin: { type: 'string', default: 'build/bin' },
    events: { type: 'string', default: '100000' },
    checkpoint: { type: 'boolean', default: false },
  },
});
process.env.GW_BIN_DIR = path.resolve(opt.bin);
const lib = await import('../../tests/e2e/bank-lib.mjs');
const { encode, readTopology, stop } = await import('../../tests/e2e/events-lib.mjs');

const n = Number(opt.events);
const topo = readTopology(lib.TOPOLOGY);
const broker = await lib.startBroker();
try {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const prod = kafka.producer();
  await prod.connect();
  const ibans = Array.from({ length: 1000 }, (_, i) => `NL00OPEN${String(i).padStart(10, '0')}`);
  const balance = new Map();
  const t0 = performance.now();
  for (let i = 0; i < n; i += 2000) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + 2000); j++) {
      const iban = ibans[j % ibans.length];
      const b = (balance.get(iban) ?? 0) + 100;
      balance.set(iban, b);
      messages.push({ key: iban, value: encode(topo, 'BalanceChanged', { iban, new_balance: b, changed_by: 100, from_to: 'cash', description: `replay ${j}` }) });
    }
    await prod.send({ topic: 'balance_changed', acks: -1, messages });
  }
  await prod.disconnect();
  const written = (performance.now() - t0) / 1000;
  const s0 = performance.now();
  const gw = await lib.startGateway(broker.bootstrap);
  const ready = (performance.now() - s0) / 1000;
  const last = (await lib.gql(gw, '{ transaction_by_id(id: ' + n + ') { id } }')).data.transaction_by_id;
  const extra = (await lib.gql(gw, '{ transaction_by_id(id: ' + (n + 1) + ') { id } }')).data.transaction_by_id;
  await gw.stop();
  console.log(`events: ${n} (written in ${written.toFixed(1)} s)`);
  console.log(`gateway start to /readyz 200: ${ready.toFixed(2)} s = ${(n / ready / 1000).toFixed(0)}k events/s (process start, connect, replay, merge)`);
  console.log(`projection holds exactly ${n}: ${last !== null && extra === null}`);
  if (opt.checkpoint) {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-ckpt-'));
    const extraConf = `  checkpoint_dir: "${dir}"\n  checkpoint_interval_ms: 200\n`;
    const g1 = await lib.startGateway(broker.bootstrap, { extra: extraConf });
    for (let i = 0; i < 600 && !((await lib.metrics(g1)).gateway_checkpoints_total >= 1); i++) await new Promise((r) => setTimeout(r, 100));
    const m1 = await lib.metrics(g1);
    await g1.stop();
    const size = fs.statSync(path.join(dir, 'projections.ckpt')).size;
    const c0 = performance.now();
    const g2 = await lib.startGateway(broker.bootstrap, { extra: extraConf });
    const readyCk = (performance.now() - c0) / 1000;
    const m2 = await lib.metrics(g2);
    const lastCk = (await lib.gql(g2, '{ transaction_by_id(id: ' + n + ') { id } }')).data.transaction_by_id;
    const extraCk = (await lib.gql(g2, '{ transaction_by_id(id: ' + (n + 1) + ') { id } }')).data.transaction_by_id;
    await g2.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`checkpoint: written in ${m1.gateway_checkpoint_write_ms} ms (${(size / 1e6).toFixed(1)} MB)`);
    console.log(`gateway start to /readyz 200 from the checkpoint: ${readyCk.toFixed(2)} s (load ${m2.gateway_checkpoint_load_ms} ms, ${m2.gateway_checkpoint_loaded_transactions} transactions; Kafka thread start to replay end ${m2.gateway_kafka_replay_ms} ms)`);
    console.log(`projection holds exactly ${n}: ${lastCk !== null && extraCk === null}`);
  }
} finally {
  await stop(broker.proc);
}
