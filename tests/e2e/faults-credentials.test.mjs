// faults-credentials.test.mjs — one owner per username: two gateways racing to
// register the same names agree on each owner; the owners survive compaction of
// the credentials topic (simulated: the last record of each key copied, in order,
// into a fresh topic a third gateway reads); a gateway asked before its replay is
// done says "not ready" rather than registering against an incomplete projection.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { GET_ACCOUNT, startGateway, waitReady } from './bank-lib.mjs';
import { produce, tail } from './events-lib.mjs';
import { call, note, startStack } from './faults-lib.mjs';
import { sleep } from '../lib/stack.mjs';

const NAMES = 16;

test('two gateways racing for usernames agree, and the owners survive compaction', { timeout: 180000 }, async () => {
  const s = await startStack({ gateways: 2, topics: ['gateway_accounts_compacted:1'] });
  const extra = [];
  try {
    const [g1, g2] = s.gws;
    const login = async (gw, u, p) => (await call(gw, GET_ACCOUNT, { u, p })).data?.get_account;
    // the same name on both gateways at once, with the same password (one account) and,
    // for every other name, a different one (the loser's request is a login: wrong password)
    const owners = {};
    await Promise.all(
      Array.from({ length: NAMES }, async (_, i) => {
        const u = `race-${i}`;
        const same = i % 2 === 0;
        const [a, b] = await Promise.all([login(g1, u, 'pw-1'), login(g2, u, same ? 'pw-1' : 'pw-2')]);
        assert.ok(a && b, `${u}: both answered`);
        if (same) {
          assert.ok(a.iban && a.iban === b.iban, `${u}: one account (${a.iban} / ${b.iban})`);
          owners[u] = { iban: a.iban, p: 'pw-1' };
        } else {
          const winners = [a, b].filter((x) => x.iban);
          assert.equal(winners.length, 1, `${u}: exactly one of the two passwords owns the name (${JSON.stringify([a, b])})`);
          assert.equal([a, b].find((x) => !x.iban).reason, 'incorrect password');
          owners[u] = { iban: winners[0].iban, p: a.iban ? 'pw-1' : 'pw-2' };
        }
      }),
    );
    // compaction keeps the last record of each key: copy exactly that, in log order
    const t = tail(s.k.bootstrap, 'gateway_accounts');
    for (let n = -1; t.messages.length === 0 || t.messages.length !== n; await sleep(1000)) n = t.messages.length;
    await t.close();
    const last = new Map();
    t.messages.forEach((m, i) => last.set(m.key, i));
    const kept = t.messages.filter((m, i) => last.get(m.key) === i);
    for (const m of kept) produce(s.k.bootstrap, 'gateway_accounts_compacted', m.key, m.value);
    note(`credentials: ${t.messages.length} records for ${NAMES} names raced on two gateways; ${kept.length} survive compaction`);
    // a gateway reading the compacted topic sees the same owners
    const g3 = await startGateway(s.k.bootstrap, { extra: '  topics:\n    accounts: gateway_accounts_compacted\n' });
    extra.push(g3);
    for (const [u, o] of Object.entries(owners)) {
      const a = await login(g3, u, o.p);
      assert.equal(a?.iban, o.iban, `${u}: the owner after compaction`);
    }
  } finally {
    for (const g of extra) await g.stop();
    await s.close();
  }
});

test('get_account before the replay is done: "not ready", never a second owner', { timeout: 120000 }, async () => {
  const s = await startStack({ gateways: 1 });
  const extra = [];
  try {
    const a = (await call(s.gws[0], GET_ACCOUNT, { u: 'early', p: 'pw' })).data.get_account;
    assert.ok(a.iban);
    let notReady = 0;
    for (let k = 0; k < 3; k++) {
      const g = await startGateway(s.k.bootstrap, { ready: false });
      extra.push(g);
      for (;;) {
        const r = await call(g, GET_ACCOUNT, { u: 'early', p: 'pw' });
        if (r.errors) {
          assert.match(r.errors[0].message, /not ready .*try again/);
          notReady++;
          await sleep(5);
          continue;
        }
        assert.equal(r.data.get_account.iban, a.iban, 'the same owner');
        break;
      }
      await waitReady(g);
    }
    note(`early logins answered "not ready": ${notReady}`);
  } finally {
    for (const g of extra) await g.stop();
    await s.close();
  }
});
