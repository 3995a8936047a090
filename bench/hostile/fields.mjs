// bench/hostile/fields.mjs — two attacks of issue #11 on the bank's arguments,
// measured against a gateway and command-handler pair (embedded-kafka from
// build/bin or GW_BIN_DIR):
//  1. N cash deposits (default 2000), each with a distinct DESCR-byte
//     description (default 60 KB), 16 at a time: answers, time, and the RSS of
//     the gateway and the handler before and after;
//  2. a transfer uuid re-sent with another amount and another `to`: what the
//     client is told, and how far the balance moved.
//
//   [GATEWAY_BIN=...] [COMMAND_HANDLER=...] node bench/hostile/fields.mjs [--deposits N] [--descr BYTES]
//   (the binaries default to build/bin's, as in tests/lib/stack.mjs)
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';

import { COMMAND_HANDLER, GATEWAY, SOURCE_DIR, baseConfig, startBroker, startGatewayProcess, startHandler, stop, writeTemp } from '../../tests/lib/stack.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const DEPOSITS = Number(opt('deposits', 2000));
const DESCR = Number(opt('descr', 60000));
const TOPOLOGY = `${SOURCE_DIR}/schema/topology.yaml`;

const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;

async function gql(url, query, variables = {}) {
  const r = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return JSON.parse(await r.text());
}
const TRANSFER = `mutation($uuid: String!, $amount: Int!, $to: String!, $d: String!) {
  money_transfer(uuid: $uuid, token: "cash", amount: $amount, from: "cash", to: $to, descr: $d) { uuid success reason } }`;

const broker = await startBroker(TOPOLOGY);
const handler = await startHandler(broker.bootstrap, TOPOLOGY);
const kafka = `kafka:\n  enabled: true\n  brokers: "${broker.bootstrap}"\n  topology: "${TOPOLOGY}"\n  fetch_wait_ms: 1\n  command_timeout_ms: 20000\n`;
const gw = await startGatewayProcess(writeTemp(baseConfig('', kafka), { prefix: 'gw-fields-' }), {
  unset: ['KAFKA_BROKERS', 'GW_TOPOLOGY'],
});
try {
  for (let end = Date.now() + 60000; Date.now() < end && (await fetch(`${gw.url}/readyz`)).status !== 200; ) await new Promise((r) => setTimeout(r, 100));
  const acc = await gql(gw.url, 'mutation($u: String!, $p: String!) { get_account(username: $u, password: $p) { iban } }', { u: `fields-${randomUUID()}`, p: 'pw' });
  const iban = acc.data.get_account.iban;
  console.log(`gateway ${GATEWAY}\nhandler ${COMMAND_HANDLER}\nload average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

  // 1. distinct 60 KB descriptions
  const g0 = rss(gw.proc.pid), h0 = rss(handler.pid);
  const answers = new Map();
  const t0 = Date.now();
  for (let i = 0; i < DEPOSITS; i += 16)
    await Promise.all(
      Array.from({ length: Math.min(16, DEPOSITS - i) }, async (_, k) => {
        const d = `${i + k}:`.padEnd(DESCR, 'x');
        const r = await gql(gw.url, TRANSFER, { uuid: randomUUID(), amount: 1, to: iban, d });
        const key = r.errors ? `error: ${r.errors[0].message.replace(/\d{3,}/g, 'N')}` : `success: ${r.data.money_transfer.success}`;
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }),
    );
  const secs = (Date.now() - t0) / 1000;
  console.log(`${DEPOSITS} deposits with distinct ${DESCR}-byte descr in ${secs.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(answers))}`);
  console.log(`  gateway RSS ${mb(g0)} -> ${mb(rss(gw.proc.pid))}; handler RSS ${mb(h0)} -> ${mb(rss(handler.pid))}`);

  // 2. one uuid, other parameters
  const balance = async () => (await gql(gw.url, `{ transactions_by_iban(iban: "${iban}", max_items: 1) { new_balance } }`)).data.transactions_by_iban[0]?.new_balance;
  const before = await balance();
  const u = randomUUID();
  const first = await gql(gw.url, TRANSFER, { uuid: u, amount: 700, to: iban, d: 'first' });
  const other = await gql(gw.url, TRANSFER, { uuid: u, amount: 900000, to: iban, d: 'first' });
  const again = await gql(gw.url, TRANSFER, { uuid: u, amount: 700, to: iban, d: 'first' });
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`same uuid: first ${JSON.stringify(first.data?.money_transfer ?? first.errors)}`);
  console.log(`  amount 900000 instead of 700: ${JSON.stringify(other.data?.money_transfer ?? other.errors?.[0]?.message)}`);
  console.log(`  exact retry: ${JSON.stringify(again.data?.money_transfer ?? again.errors?.[0]?.message)}`);
  console.log(`  balance ${before} -> ${await balance()}`);
} finally {
  await gw.stop();
  await stop(handler);
  await stop(broker.proc);
}
