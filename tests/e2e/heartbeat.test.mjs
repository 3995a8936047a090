// heartbeat.test.mjs — the command handler's Heartbeat (one a second on the
// topology's heartbeat topic) as the gateway sees it: its age in /metrics and
// in /readyz's "command_handler" detail (ready all along: queries still work);
// a handler stopped (SIGSTOP) past kafka.heartbeat_timeout_ms makes a new
// money_transfer fail at once with "the bank is not answering commands right
// now", with nothing produced; once it runs again commands work, the refused
// uuid included. Without heartbeats seen, nothing is refused unless
// kafka.require_heartbeat says so.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';

import { GET_ACCOUNT, TOPOLOGY, gql, metrics, startBroker, startGateway, startHandler, stop, transfer, until } from './bank-lib.mjs';
import { decode, readTopology, tail } from './events-lib.mjs';

const SILENT = 'the bank is not answering commands right now';
const HB_TIMEOUT_MS = 3000; // the default; a loaded machine (ASan, 2 shared cores) delays beats by over a second
const COMMAND_TIMEOUT_MS = 30000; // far above HB_TIMEOUT_MS: "at once" cannot be the command timeout

async function readyz(gw) {
  const r = await fetch(`${gw.url}/readyz`);
  return { status: r.status, body: await r.json() };
}

test('a stopped handler: heartbeat age grows, new transfers refused at once and not produced; back: they work', async () => {
  const broker = await startBroker();
  const handler = await startHandler(broker.bootstrap);
  const gw = await startGateway(broker.bootstrap, { timeoutMs: COMMAND_TIMEOUT_MS, extra: `  heartbeat_timeout_ms: ${HB_TIMEOUT_MS}` });
  const topo = readTopology(TOPOLOGY);
  const commands = tail(broker.bootstrap, topo.topicOf('ConfirmMoneyTransfer').name);
  const beats = tail(broker.bootstrap, topo.topicOf('Heartbeat').name);
  try {
    // beats arrive: counted, age small, the detail says so
    await until(async () => (await metrics(gw)).gateway_handler_heartbeats_total >= 2, 'two heartbeats', 20000);
    await until(() => beats.messages.length >= 2, 'two heartbeats in the topic (kcat)', 20000);
    const hb = beats.messages.map((m) => decode(topo, m.value));
    assert.equal(hb[0].record, 'Heartbeat');
    assert.ok(hb.every((h, i) => i === 0 || h.beat === hb[i - 1].beat + 1n), `beats count up: ${hb.map((h) => h.beat).join(',')}`);
    let r = await readyz(gw);
    assert.equal(r.status, 200);
    assert.match(r.body.checks.command_handler.detail, /^last heartbeat \d+\.\d s ago$/);

    // before the stop: retried only if a beat came late enough to be refused
    const login = (u) => until(async () => (await gql(gw, GET_ACCOUNT, { u, p: 'pw' })).data?.get_account, `account ${u}`, 30000);
    const a = await login('hb-a');
    const b = await login('hb-b');
    assert.ok(a.iban && b.iban);
    const deposit = { uuid: randomUUID(), token: '', amount: 1000, from: 'cash', to: a.iban, descr: 'deposit' };
    const dep = await until(async () => (await transfer(gw, deposit)).data?.money_transfer, 'the deposit', 30000);
    assert.equal(dep.success, true, JSON.stringify(dep));

    // the handler stops: the age passes the timeout
    handler.kill('SIGSTOP');
    await until(async () => (await metrics(gw)).gateway_handler_heartbeat_age_seconds > HB_TIMEOUT_MS / 1000, 'the age past the timeout', 30000);
    r = await readyz(gw);
    assert.equal(r.status, 200, 'still ready: queries are answered');
    assert.match(r.body.checks.command_handler.detail, /silent, new commands are refused/);

    const before = await metrics(gw);
    const refused = { uuid: randomUUID(), token: a.token, amount: 100, from: a.iban, to: b.iban, descr: 'while silent' };
    const t0 = Date.now();
    const x = await transfer(gw, refused);
    const ms = Date.now() - t0;
    assert.equal(x.errors?.[0]?.message, SILENT, JSON.stringify(x));
    assert.equal(x.data?.money_transfer ?? null, null);
    assert.ok(ms < COMMAND_TIMEOUT_MS / 3, `answered at once, not at the command timeout (${ms} ms)`);
    const after = await metrics(gw);
    assert.equal(after.gateway_kafka_produced_total, before.gateway_kafka_produced_total, 'nothing produced');
    assert.equal(after.gateway_commands_refused_handler_silent_total, before.gateway_commands_refused_handler_silent_total + 1);
    // the same uuid again: still refused; a login is a command too
    assert.equal((await transfer(gw, refused)).errors?.[0]?.message, SILENT);
    assert.equal((await gql(gw, GET_ACCOUNT, { u: 'hb-c', p: 'pw' })).errors?.[0]?.message, SILENT);
    assert.equal((await metrics(gw)).gateway_kafka_produced_total, before.gateway_kafka_produced_total, 'still nothing produced');

    // the handler runs again: beats resume, commands work, the refused uuid included
    handler.kill('SIGCONT');
    await until(async () => (await metrics(gw)).gateway_handler_heartbeat_age_seconds < HB_TIMEOUT_MS / 1000, 'a fresh heartbeat', 30000);
    const again = await until(async () => {
      const y = await transfer(gw, refused);
      return y.data?.money_transfer && y;
    }, 'the refused transfer answered', 30000);
    assert.equal(again.data.money_transfer.success, true, JSON.stringify(again));
    const fresh = await transfer(gw, { uuid: randomUUID(), token: a.token, amount: 100, from: a.iban, to: b.iban, descr: 'after' });
    assert.equal(fresh.data?.money_transfer?.success, true, JSON.stringify(fresh));
    // the refused uuid reached Kafka only once: when it was sent again
    await until(() => commands.messages.some((m) => decode(topo, m.value).id === refused.uuid), 'the resent command in the log', 20000);
    const copies = commands.messages.filter((m) => decode(topo, m.value).id === refused.uuid).length;
    assert.equal(copies, 1, 'produced once, after the handler came back');
  } finally {
    handler.kill('SIGCONT');
    await commands.close();
    await beats.close();
    const s = await gw.stop();
    await stop(handler);
    await stop(broker.proc);
    assert.equal(s.code, 0, s.logs);
  }
});

test('no heartbeat seen: commands wait as before; with require_heartbeat they are refused at once', async () => {
  const broker = await startBroker(); // no handler at all
  const [lenient, strict] = await Promise.all([
    startGateway(broker.bootstrap, { timeoutMs: 1000, extra: '  heartbeat_timeout_ms: 500' }),
    startGateway(broker.bootstrap, { timeoutMs: COMMAND_TIMEOUT_MS, extra: '  heartbeat_timeout_ms: 500\n  require_heartbeat: true' }),
  ]);
  try {
    const args = () => ({ uuid: randomUUID(), token: 't', amount: 1, from: 'cash', to: 'NL66OPEN0000000000', descr: 'x' });
    const m = await metrics(lenient);
    assert.equal(m.gateway_handler_heartbeat_age_seconds, -1, 'none seen');
    assert.match((await readyz(lenient)).body.checks.command_handler.detail, /^no heartbeat seen since start$/);
    const waited = await transfer(lenient, args());
    assert.equal(waited.errors?.[0]?.message, 'timed out waiting for confirmation', JSON.stringify(waited));
    await until(async () => /refused/.test((await readyz(strict)).body.checks.command_handler.detail), 'the strict gateway refusing', 20000);
    const refused = await transfer(strict, args());
    assert.equal(refused.errors?.[0]?.message, SILENT, JSON.stringify(refused));
    const get = await gql(strict, GET_ACCOUNT, { u: 'nobody', p: 'pw' });
    assert.equal(get.errors?.[0]?.message, SILENT, JSON.stringify(get));
  } finally {
    const a = await lenient.stop();
    const b = await strict.stop();
    await stop(broker.proc);
    assert.equal(a.code, 0, a.logs);
    assert.equal(b.code, 0, b.logs);
  }
});
