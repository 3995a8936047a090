// bank-pwhash.test.mjs — password hashing settings and the hashing pool,
// against the real stack (embedded-kafka, command-handler, gateway):
//  - accounts.pwhash.memlimit_kib/opslimit shape the argon2id string the
//    credentials record carries (read from Kafka); a restart with other
//    settings still logs the old account in; settings below OWASP's minimum
//    refuse to start unless allow_weak, with a message naming the key;
//  - a burst over a small max_wait_ms is answered "too many logins, try
//    again" for some, and those names were never taken;
//  - registrations whose WebSocket closed at once are dropped before hashing
//    (gateway_pwhash_jobs_total{result="dropped"}) and the gateway answers on.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { GATEWAY, GET_ACCOUNT, account, gql, metrics, startBroker, startGateway, startHandler, stop, until } from './bank-lib.mjs';
import { tail } from './events-lib.mjs';
import { baseConfig, runToEnd, writeTemp } from '../lib/stack.mjs';

const pwhash = (lines) => `accounts:\n  pwhash:\n${lines.map((l) => `    ${l}`).join('\n')}\n`;
const name = (p) => `${p}-${randomUUID().slice(0, 8)}`;

describe('password hashing', () => {
  let broker, handler;
  const gateways = [];
  before(async () => {
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap);
  });
  after(async () => {
    for (const g of gateways) {
      const r = await g.stop();
      assert.equal(r.code, 0, `a gateway exited with ${r.code} (signal ${r.signal}):\n${r.logs.slice(-3000)}`);
    }
    await stop(handler);
    await stop(broker.proc);
  });
  const gateway = async (extra) => {
    const g = await startGateway(broker.bootstrap, { extra, timeoutMs: 20000, pwhashMaxWaitMs: null });
    gateways.push(g);
    return g;
  };

  test('settings: the stored hash carries them, a restart with others still logs in, weak ones need allow_weak', async () => {
    const creds = tail(broker.bootstrap, 'gateway_accounts');
    try {
      const gw1 = await gateway(pwhash(['memlimit_kib: 19456', 'opslimit: 2']));
      const user = name('owasp');
      const first = await account(gw1, user, 'pw-one');
      assert.ok(first.iban && first.token, JSON.stringify(first));
      const rec = await until(
        () => creds.messages.find((m) => m.value.toString('latin1').includes(user)),
        'the credentials record in Kafka',
        20000,
      );
      assert.match(rec.value.toString('latin1'), /\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.match(gw1.logs(), /memlimit 19456 KiB, opslimit 2/);
      const stopped = await gw1.stop();
      assert.equal(stopped.code, 0, stopped.logs.slice(-3000));
      gateways.splice(gateways.indexOf(gw1), 1);

      // other (weak, allowed) settings: the old hash keeps its own parameters
      const gw2 = await gateway(pwhash(['memlimit_kib: 8192', 'opslimit: 1', 'allow_weak: true']));
      const again = await account(gw2, user, 'pw-one');
      assert.deepEqual({ iban: again.iban, token: again.token }, { iban: first.iban, token: first.token });
      const wrong = await account(gw2, user, 'pw-two');
      assert.equal(wrong.reason, 'incorrect password');
      const user2 = name('weak');
      await account(gw2, user2, 'pw');
      const rec2 = await until(
        () => creds.messages.find((m) => m.value.toString('latin1').includes(user2)),
        'the second credentials record',
        20000,
      );
      assert.match(rec2.value.toString('latin1'), /\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
    } finally {
      await creds.close();
    }

    // weaker than OWASP's minimum without allow_weak: no start, the key named
    for (const lines of [['memlimit_kib: 8192'], ['opslimit: 1']]) {
      const file = writeTemp(baseConfig('', pwhash(lines)));
      for (const args of [['--check-config'], []]) {
        const r = await runToEnd(GATEWAY, ['--config', file, ...args], { timeoutMs: 20000 });
        assert.equal(r.code, 1, `${lines} ${args}: ${r.stderr}`);
        assert.match(r.stderr, /accounts\.pwhash\.(memlimit_kib|opslimit).*weaker than OWASP's minimum/);
        assert.match(r.stderr, /accounts\.pwhash\.allow_weak/);
      }
    }
    // an OWASP equivalent (12 MiB, 3 iterations) is accepted
    const ok = await runToEnd(GATEWAY, ['--config', writeTemp(baseConfig('', pwhash(['memlimit_kib: 12288', 'opslimit: 3']))), '--check-config']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.toString(), /memlimit_kib: 12288\n {4}opslimit: 3\n {4}threads: 0\n {4}max_wait_ms: 2000\n {4}allow_weak: false/);
  });

  test('"too many logins, try again": refused names are never taken', async (t) => {
    const gw = await gateway(pwhash(['threads: 1', 'max_wait_ms: 1']));
    const users = Array.from({ length: 30 }, (_, i) => name(`burst${i}`));
    const answers = await Promise.all(users.map((u) => gql(gw, GET_ACCOUNT, { u, p: 'first' })));
    const refused = [];
    const taken = [];
    answers.forEach((r, i) => {
      if (r.errors) {
        assert.equal(r.errors[0].message, 'too many logins, try again', JSON.stringify(r));
        assert.equal(r.data?.get_account ?? null, null);
        refused.push(users[i]);
      } else {
        assert.ok(r.data.get_account.iban && r.data.get_account.token, JSON.stringify(r));
        taken.push(users[i]);
      }
    });
    t.diagnostic(`${refused.length} refused, ${taken.length} registered`);
    assert.ok(refused.length >= 1, `none refused of ${users.length}`);
    assert.ok(taken.length >= 1, 'none registered');
    const m = await metrics(gw);
    assert.ok(m['gateway_pwhash_jobs_total{result="refused"}'] >= refused.length);
    // one at a time (an idle worker always admits): a refused name is free,
    // so another password creates it; a taken one refuses that password
    for (const u of refused.slice(0, 5)) {
      const r = await account(gw, u, 'second');
      assert.ok(r.iban && r.token && r.reason == null, `${u} was taken: ${JSON.stringify(r)}`);
    }
    for (const u of taken.slice(0, 3)) assert.equal((await account(gw, u, 'second')).reason, 'incorrect password');
  });

  test('registrations whose sockets closed at once are dropped before hashing', async (t) => {
    // one thread and no wait bound: the burst queues behind the first job
    const gw = await gateway(pwhash(['threads: 1', 'max_wait_ms: 0']));
    const before = await metrics(gw);
    const N = 50;
    const url = `ws://127.0.0.1:${new URL(gw.url).port}/graphql-ws`;
    // open and acknowledge all first, so the registrations go out together
    const sockets = await Promise.all(
      Array.from({ length: N }, () => {
        const ws = new WebSocket(url, 'graphql-transport-ws');
        return new Promise((resolve, reject) => {
          ws.on('error', reject);
          ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
          ws.on('message', (d) => {
            if (JSON.parse(d).type === 'connection_ack') resolve(ws);
          });
        });
      }),
    );
    // each socket is cut (no close handshake) as soon as its message is written
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise((resolve) => {
            const msg = { id: '1', type: 'subscribe', payload: { query: GET_ACCOUNT, variables: { u: name('gone'), p: 'pw' } } };
            ws.send(JSON.stringify(msg), () => {
              ws.terminate();
              resolve();
            });
          }),
      ),
    );
    const get = (m, r) => m[`gateway_pwhash_jobs_total{result="${r}"}`] ?? 0;
    const m = await until(
      async () => {
        const x = await metrics(gw);
        const n = ['done', 'dropped', 'refused', 'failed'].reduce((s, r) => s + get(x, r) - get(before, r), 0);
        return n >= N && x.gateway_pwhash_queued === 0 ? x : null;
      },
      'every job done or dropped',
      60000,
    );
    const dropped = get(m, 'dropped') - get(before, 'dropped');
    const done = get(m, 'done') - get(before, 'done');
    t.diagnostic(`${dropped} dropped, ${done} hashed`);
    assert.equal(get(m, 'refused') - get(before, 'refused'), 0);
    assert.equal(dropped + done, N);
    assert.ok(dropped >= N / 2, `only ${dropped} of ${N} dropped (${done} hashed)`);
    // and the gateway answers on
    const r = await account(gw, name('after'), 'pw');
    assert.ok(r.iban && r.token, JSON.stringify(r));
  });
});
