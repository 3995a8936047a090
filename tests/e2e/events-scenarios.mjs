// events-scenarios.mjs — the command handler's end-to-end scenarios, shared by
// the events-*.test.mjs files (one ctest each, so they can run in parallel):
// embedded-kafka and command-handler as real processes, commands produced in the
// wire format with kcat, outputs followed and decoded by events-lib.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startBroker, startHandler } from '../lib/stack.mjs';
import {
  COMMAND_HANDLER,
  decode,
  encode,
  ibanValid,
  produce,
  readTopology,
  runToEnd,
  sleep,
  stop,
  tail,
  uuid,
} from './events-lib.mjs';

const COMPANY = 'NL66OPEN0000000000';

const broker = (topologyFile, brokers = 1) => startBroker(topologyFile, { brokers });
const handler = (bootstrap, topologyFile, stateDir) => startHandler(bootstrap, topologyFile, { stateDir, fetchWaitMs: 5 });

/** A client of the bank: sends commands, follows every output topic. */
function client(bootstrap, topo, username) {
  const send = (record, values, key) => {
    const topic = topo.topicOf(record);
    const k = topic.key === 'username' ? username : topic.key === 'id' ? values.id : null;
    produce(bootstrap, topic.name, key ?? k, encode(topo, record, values));
  };
  const names = [
    ...new Set(
      ['AccountCreationConfirmed', 'AccountCreationFailed', 'MoneyTransferConfirmed', 'MoneyTransferFailed', 'BalanceChanged'].map(
        (r) => topo.topicOf(r).name,
      ),
    ),
  ];
  const tails = names.map((n) => tail(bootstrap, n));
  const outputs = () =>
    tails.flatMap((t) => t.messages.map((m) => ({ ...decode(topo, m.value), key: m.key, topic: m.topic, cause: m.headers['command-id'] })));
  /** Waits until `pred(outputs)` holds; returns the outputs. */
  const until = async (pred, what) => {
    for (let i = 0; i < 200; i++) {
      const o = outputs();
      if (pred(o)) return o;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  /** Waits until no new output arrived for 300 ms (stragglers on other partitions, or duplicates). */
  const settle = async () => {
    for (let n = -1; ; await sleep(300)) {
      const o = outputs();
      if (o.length === n) return o;
      n = o.length;
    }
  };
  const feedback = (o, id) => o.filter((e) => e.id === id);
  const close = () => Promise.all(tails.map((t) => t.close()));
  return { send, outputs, until, settle, feedback, close };
}

/** Opens two accounts of the given types through c; {a1, a2, o}: their command ids and the outputs once both are answered. */
async function openTwo(c, type1, type2) {
  const a1 = uuid();
  const a2 = uuid();
  c.send('ConfirmAccountCreation', { id: a1, a_type: type1 });
  c.send('ConfirmAccountCreation', { id: a2, a_type: type2 });
  const o = await c.until((o) => c.feedback(o, a1).length && c.feedback(o, a2).length, 'accounts');
  return { a1, a2, o };
}

/**
 * Runs body(s) against a broker (`brokers` brokers), a command handler and a
 * client named `user`, over topologyFile: s = {topo, stateDir, k, h, c}. A
 * body that restarts the handler stores the new process in s.h. When body
 * fails the handler's stderr is printed; in every case all is stopped and the
 * handler's state removed.
 */
async function withBank(topologyFile, brokers, user, body) {
  const s = { topo: readTopology(topologyFile), stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'handler-state-')) };
  s.k = await broker(topologyFile, brokers);
  s.h = await handler(s.k.bootstrap, topologyFile, s.stateDir);
  s.c = client(s.k.bootstrap, s.topo, user);
  try {
    await body(s);
  } catch (e) {
    console.error('handler stderr:\n' + s.h.stderrText());
    throw e;
  } finally {
    await s.c.close();
    await stop(s.h);
    await stop(s.k.proc);
    fs.rmSync(s.stateDir, { recursive: true, force: true });
  }
}

export function scenario(topologyFile, brokers) {
  return withBank(topologyFile, brokers, 'alice', async (s) => {
    const { topo, stateDir, k, c } = s;
    // two accounts
    const { a1, a2 } = await openTwo(c, 'AUTO', 'MANUAL');
    let o = await c.settle();
    const [accA] = c.feedback(o, a1);
    const [accB] = c.feedback(o, a2);
    assert.equal(accA.record, 'AccountCreationConfirmed');
    assert.match(accA.iban, /^NL\d\dOPEN0\d{9}$/);
    assert.ok(ibanValid(accA.iban), `mod-97 of ${accA.iban}`);
    assert.match(accA.token, /^\d{20}$/);
    assert.equal(accA.a_type, 'AUTO');
    assert.equal(accB.a_type, 'MANUAL');
    assert.notEqual(accA.iban, accB.iban);
    if (topo.topicOf('AccountCreationConfirmed').key === 'username') assert.equal(accA.key, 'alice');
    else assert.equal(accA.key, a1);

    // a garbage message on the transfer topic is skipped, not fatal
    const cmdTopic = topo.topicOf('ConfirmMoneyTransfer').name;
    produce(k.bootstrap, cmdTopic, 'x', Buffer.from('definitely not avro'));

    const t = {};
    const transfer = (name, from, to, amount, token, description = name) => {
      t[name] = uuid();
      c.send('ConfirmMoneyTransfer', { id: t[name], token, amount, from, to, description });
    };
    transfer('deposit', 'cash', accA.iban, 10000, '');
    transfer('pay', accA.iban, accB.iban, 2500, accA.token);
    transfer('badToken', accA.iban, accB.iban, 1, '12345678901234567890');
    transfer('tooMuch', accA.iban, accB.iban, 100000, accA.token);
    transfer('badFrom', 'NL00OPEN0000000001', accB.iban, 1, accA.token);
    transfer('same', accA.iban, accA.iban, 1, accA.token);
    transfer('unknown', 'cash', 'NL91ABNA0417164300', 1, '');
    transfer('fromCompany', COMPANY, accB.iban, 700, '00000000000000000000');
    const names = Object.keys(t);
    o = await c.until((o) => names.every((n) => c.feedback(o, t[n]).length === 1), 'transfer feedback');
    o = await c.settle();
    const reason = (n) => c.feedback(o, t[n])[0].reason;
    assert.equal(c.feedback(o, t.deposit)[0].record, 'MoneyTransferConfirmed');
    assert.equal(c.feedback(o, t.pay)[0].record, 'MoneyTransferConfirmed');
    assert.equal(c.feedback(o, t.fromCompany)[0].record, 'MoneyTransferConfirmed');
    assert.equal(reason('badToken'), 'invalid token');
    assert.equal(reason('tooMuch'), 'insufficient funds');
    assert.equal(reason('badFrom'), 'from is invalid');
    assert.equal(reason('same'), "from and to can't be same for transfer");
    assert.equal(reason('unknown'), 'both to and from not known at this bank');

    const changes = (o, iban) => o.filter((e) => e.record === 'BalanceChanged' && e.iban === iban);
    const balanceOf = (o, iban) => changes(o, iban).reduce((s, e) => s + e.changed_by, 0n);
    assert.equal(balanceOf(o, accA.iban), 7500n);
    assert.equal(balanceOf(o, accB.iban), 3200n);
    const debit = changes(o, accA.iban).find((e) => e.changed_by === -2500n);
    assert.equal(debit.from_to, accB.iban);
    assert.equal(debit.description, 'pay');
    assert.equal(debit.new_balance, 7500n);
    const credit = changes(o, accB.iban).find((e) => e.changed_by === 2500n);
    assert.equal(credit.from_to, accA.iban);
    assert.equal(changes(o, 'NL91ABNA0417164300').length, 0);
    const eventsBefore = o.length;

    // repeated ids: the same answers, no money moves; a transfer id re-sent with
    // other fields is refused (not recorded: the first answer stays)
    c.send('ConfirmMoneyTransfer', { id: t.pay, token: accA.token, amount: 2500, from: accA.iban, to: accB.iban, description: 'pay' });
    c.send('ConfirmAccountCreation', { id: a1, a_type: 'AUTO' });
    o = await c.until((o) => c.feedback(o, t.pay).length === 2 && c.feedback(o, a1).length === 2, 'repeated answers');
    c.send('ConfirmMoneyTransfer', { id: t.pay, token: accA.token, amount: 2500, from: accA.iban, to: accB.iban, description: 'again' });
    o = await c.until((o) => c.feedback(o, t.pay).length === 3, 'the reuse refused');
    o = await c.settle();
    assert.equal(c.feedback(o, t.pay)[1].record, 'MoneyTransferConfirmed');
    assert.equal(c.feedback(o, t.pay)[2].record, 'MoneyTransferFailed');
    assert.equal(c.feedback(o, t.pay)[2].reason, 'uuid already used for a different transfer');
    assert.equal(c.feedback(o, a1)[1].iban, accA.iban);
    assert.equal(c.feedback(o, a1)[1].token, accA.token);
    assert.equal(o.length, eventsBefore + 3);

    // restart with the snapshot: nothing applied twice, and the state is intact
    assert.equal((await stop(s.h)).code, 0);
    assert.ok(fs.existsSync(path.join(stateDir, 'snapshot')));
    s.h = await handler(k.bootstrap, topologyFile, stateDir);
    const back = uuid();
    c.send('ConfirmMoneyTransfer', { id: back, token: accB.token, amount: 200, from: accB.iban, to: accA.iban, description: 'back' });
    o = await c.until((o) => c.feedback(o, back).length === 1, 'transfer after restart');
    o = await c.settle();
    assert.equal(c.feedback(o, back)[0].record, 'MoneyTransferConfirmed');
    assert.equal(o.length, eventsBefore + 3 + 3, 'only the new transfer produced events');
    assert.equal(changes(o, accB.iban).at(-1).new_balance, 3000n);

    // restart without the snapshot (rebuilt from the topics alone): same state
    assert.equal((await stop(s.h)).code, 0);
    fs.rmSync(path.join(stateDir, 'snapshot'));
    s.h = await handler(k.bootstrap, topologyFile, stateDir);
    const back2 = uuid();
    c.send('ConfirmMoneyTransfer', { id: back2, token: accB.token, amount: 3000, from: accB.iban, to: accA.iban, description: 'all' });
    c.send('ConfirmMoneyTransfer', { id: t.deposit, token: '', amount: 10000, from: 'cash', to: accA.iban, description: 'dup' });
    o = await c.until((o) => c.feedback(o, back2).length === 1 && c.feedback(o, t.deposit).length === 2, 'after rebuild');
    o = await c.settle();
    assert.equal(c.feedback(o, back2)[0].record, 'MoneyTransferConfirmed');
    // the deposit's id with another description: still bound after a rebuild from the topics alone
    assert.equal(c.feedback(o, t.deposit)[1].reason, 'uuid already used for a different transfer');
    assert.equal(changes(o, accB.iban).at(-1).new_balance, 0n);
    assert.equal(changes(o, accA.iban).at(-1).new_balance, 10700n);
    assert.equal(o.length, eventsBefore + 3 + 3 + 3 + 1);

    // a new broker (all data gone) with the old snapshot: refuse, say why
    assert.equal((await stop(s.h)).code, 0);
    await stop(k.proc);
    const k2 = await broker(topologyFile, brokers);
    try {
      const r = await runToEnd(COMMAND_HANDLER, ['--brokers', k2.bootstrap, '--topology', topologyFile, '--state-dir', stateDir]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /refusing to start/);
      assert.match(r.stderr, /lost data/);
    } finally {
      await stop(k2.proc);
    }
  });
}

/** SIGKILL in the middle of a burst: after the restart every transfer is answered
 * once and moved money once, whatever the moment of the kill. */
export function killScenario(topologyFile) {
  return withBank(topologyFile, 1, 'bob', async (s) => {
    const { topo, stateDir, k, c } = s;
    let { a1, a2, o } = await openTwo(c, 'AUTO', 'AUTO');
    const [A] = c.feedback(o, a1);
    const [B] = c.feedback(o, a2);
    const ids = [];
    for (let i = 0; i < 40; i++) {
      const id = uuid();
      ids.push(id);
      if (i % 2 === 0) c.send('ConfirmMoneyTransfer', { id, token: '', amount: 100, from: 'cash', to: A.iban, description: `d${i}` });
      else c.send('ConfirmMoneyTransfer', { id, token: A.token, amount: 30, from: A.iban, to: B.iban, description: `t${i}` });
      if (i === 25) {
        await stop(s.h, 'SIGKILL');
        s.h = await handler(k.bootstrap, topologyFile, stateDir);
      }
    }
    o = await c.until((o) => ids.every((id) => c.feedback(o, id).length >= 1), 'every transfer answered');
    o = await c.settle();
    for (const id of ids) {
      assert.equal(c.feedback(o, id).length, 1, `one answer for ${id}`);
      assert.equal(c.feedback(o, id)[0].record, 'MoneyTransferConfirmed');
      const moves = o.filter((e) => e.record === 'BalanceChanged' && e.cause === id);
      assert.ok(moves.length >= 1 && moves.length <= 2, `${moves.length} balance changes for ${id}`);
      assert.equal(new Set(moves.map((e) => e.iban)).size, moves.length, 'each account changed once');
    }
    const last = (iban) => o.filter((e) => e.record === 'BalanceChanged' && e.iban === iban).at(-1).new_balance;
    assert.equal(last(A.iban), 20n * 100n - 20n * 30n);
    assert.equal(last(B.iban), 20n * 30n);
  });
}

