// auth-session.test.mjs — auth.mode: session on the real stack (embedded-kafka,
// a command-handler in session mode with the company token from its
// environment, two gateways sharing one secret; npm clients). Open mode, the
// default, is what every other end-to-end test runs.
//
// Credentials are also minted here with node:crypto (the format of
// gateway/exec/auth.h, written independently): with the right key and a past
// expiry (expired), and with another key (forged).
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createClient as createWsClient } from 'graphql-ws';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import WebSocket from 'ws';

import {
  ALL_LAST,
  ALL_TX,
  BY_ID,
  COMPANY,
  COMPANY_TOKEN,
  GET_ACCOUNT,
  TRANSFER,
  startBroker,
  startGateway,
  startHandler,
  stop,
  until,
} from './bank-lib.mjs';
import { COMMAND_HANDLER, runToEnd } from '../lib/stack.mjs';

const SECRET = `e2e-secret-${randomUUID()}-${randomUUID()}`;
const COMPANY_SECRET_TOKEN = '73194628501736492085';
// the gateways and the handler inherit these (this file runs in its own process)
process.env.GATEWAY_SESSION_SECRET = SECRET;
process.env.BANK_AUTH_MODE = 'session';
process.env.BANK_COMPANY_TOKEN = COMPANY_SECRET_TOKEN;

// after_id 0: stored transactions first, then live ones, so an event sent once
// the subscribe message left is never missed (no waiting for registration)
const STREAM = `subscription($iban: String) { stream_transactions(iban: $iban, after_id: 0) { id iban descr } }`;
const tag = randomUUID().slice(0, 8);
const EMPLOYEE = `emma-${tag}`;
const AUTH = `auth:
  mode: session
  session_ttl_s: 600
  employees: ["${EMPLOYEE}"]
`;

/** A POST /graphql with optional headers; {status, headers, body}. */
async function post(gw, query, variables = {}, headers = {}) {
  const r = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: r.status, headers: r.headers, body: JSON.parse(await r.text()) };
}

const bearer = (who) => ({ authorization: `Bearer ${who.session}` });
const codeOf = (body) => body.errors?.[0]?.extensions?.code;

function b64url(buf) {
  return Buffer.from(buf).toString('base64url');
}

/** A credential in the gateway's format (auth.h), with `key` and `expiry`. */
function mint(key, { username, iban, role = 'c', expiry }) {
  const payload = `v1\n${expiry}\n${role}\n${iban}\n${username}`;
  const mac = createHmac('sha256', key).update(`ogw-session-v1\n${payload}`).digest();
  return `${b64url(payload)}.${b64url(mac)}`;
}

describe('auth.mode session', () => {
  let broker, handler, gw, gw2;
  let emma, carol, dave;

  before(async () => {
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap);
    gw = await startGateway(broker.bootstrap, { extra: AUTH });
    gw2 = await startGateway(broker.bootstrap, { extra: AUTH });
    const login = async (u) => {
      const r = await post(gw, GET_ACCOUNT.replace('reason }', 'reason session }'), { u, p: `pw-${u}` });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const a = r.body.data.get_account;
      assert.ok(a.iban && a.token && a.session, JSON.stringify(r.body));
      return { ...a, username: u, cookie: r.headers.get('set-cookie') };
    };
    emma = await login(EMPLOYEE);
    carol = await login(`carol-${tag}`);
    dave = await login(`dave-${tag}`);
  });

  after(async () => {
    const codes = await Promise.all([gw2, gw].map((g) => g?.stop()));
    if (handler) await stop(handler);
    if (broker) await stop(broker.proc);
    for (const r of codes) assert.equal(r?.code, 0, r?.logs); // a clean stop (and no leak under ASan)
  });

  /** A transfer as `who` (headers), with the `from` account's token. */
  const send = (g, headers, args) =>
    post(g, TRANSFER, { uuid: randomUUID(), descr: `t-${randomUUID().slice(0, 6)}`, ...args }, headers);
  const history = async (who) => (await post(gw, ALL_TX, { iban: who.iban, max: 1000 }, bearer(who))).body.data.transactions_by_iban;

  test('the mode is in the start-up log and /readyz', async () => {
    assert.match(gw.logs(), /"msg":"listening".*"auth":"session"/);
    const r = await (await fetch(`${gw.url}/readyz`)).json();
    assert.deepEqual(r.checks.auth, { ok: true, detail: 'auth.mode session' });
  });

  test('get_account returns a session credential and an HttpOnly SameSite=Strict cookie', () => {
    assert.match(carol.cookie, new RegExp(`^gw_session=${carol.session.replace(/[.]/g, '\\.')};`));
    assert.match(carol.cookie, /; HttpOnly/);
    assert.match(carol.cookie, /; SameSite=Strict/);
    assert.match(carol.cookie, /; Path=\//);
    assert.doesNotMatch(carol.cookie, /Secure/); // a plain-HTTP listener
  });

  test('reads need a credential; Bearer and the cookie are accepted', async () => {
    const anon = await post(gw, ALL_TX, { iban: carol.iban, max: 10 });
    assert.equal(codeOf(anon.body), 'UNAUTHENTICATED');
    assert.equal(anon.body.data.transactions_by_iban, null);
    const viaBearer = await post(gw, ALL_TX, { iban: carol.iban, max: 10 }, bearer(carol));
    assert.equal(viaBearer.body.errors, undefined, JSON.stringify(viaBearer.body));
    const viaCookie = await post(gw, ALL_TX, { iban: carol.iban, max: 10 }, { cookie: `gw_session=${carol.session}` });
    assert.equal(viaCookie.body.errors, undefined, JSON.stringify(viaCookie.body));
  });

  test("someone else's IBAN in transactions_by_iban: FORBIDDEN", async () => {
    const r = await post(gw, ALL_TX, { iban: dave.iban, max: 10 }, bearer(carol));
    assert.equal(r.status, 200);
    assert.equal(codeOf(r.body), 'FORBIDDEN');
  });

  test('cash deposits need the employee role; the employee may make them', async () => {
    const byCustomer = await send(gw, bearer(carol), { token: carol.token, amount: 500, from: 'cash', to: carol.iban });
    assert.equal(codeOf(byCustomer.body), 'FORBIDDEN');
    const byEmployee = await send(gw, bearer(emma), { token: 'anything', amount: 10000, from: 'cash', to: carol.iban });
    assert.equal(byEmployee.body.data.money_transfer.success, true, JSON.stringify(byEmployee.body));
    await until(async () => (await history(carol)).length === 1, 'the deposit projected');
  });

  test("money_transfer from someone else's account: FORBIDDEN and no balance changes", async () => {
    const r = await send(gw, bearer(dave), { token: carol.token, amount: 100, from: carol.iban, to: dave.iban });
    assert.equal(codeOf(r.body), 'FORBIDDEN');
    const own = await send(gw, bearer(carol), { token: carol.token, amount: 100, from: carol.iban, to: dave.iban, descr: 'own' });
    assert.equal(own.body.data.money_transfer.success, true, JSON.stringify(own.body));
    // both sides projected (their BalanceChanged may sit on different partitions)
    await until(async () => (await history(dave)).length === 1, 'the own transfer projected for dave');
    await until(async () => (await history(carol))[0]?.descr === 'own', 'the own transfer projected for carol');
    const hc = await history(carol);
    assert.equal(hc.length, 2); // the deposit and the own transfer, nothing of the forbidden one
    assert.equal(hc[0].descr, 'own');
    assert.equal(hc[0].new_balance, '€99,00');
  });

  test('transaction_by_id: anonymous UNAUTHENTICATED (even for an unknown id), own only, employee any', async () => {
    const [mine] = await history(carol);
    const [theirs] = (await post(gw, ALL_TX, { iban: dave.iban, max: 1 }, bearer(dave))).body.data.transactions_by_iban;
    const byId = (id, headers) => post(gw, BY_ID, { id }, headers);
    assert.equal(codeOf((await byId(mine.id)).body), 'UNAUTHENTICATED');
    assert.equal(codeOf((await byId(1e9)).body), 'UNAUTHENTICATED');
    assert.equal((await byId(mine.id, bearer(carol))).body.data.transaction_by_id.iban, carol.iban);
    assert.equal(codeOf((await byId(theirs.id, bearer(carol))).body), 'FORBIDDEN');
    assert.equal((await byId(theirs.id, bearer(emma))).body.data.transaction_by_id.iban, dave.iban);
  });

  test('all_last_transactions needs the employee role', async () => {
    assert.equal(codeOf((await post(gw, ALL_LAST, {}, bearer(carol))).body), 'FORBIDDEN');
    const r = await post(gw, ALL_LAST, {}, bearer(emma));
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body));
    assert.ok(r.body.data.all_last_transactions.some((t) => t.iban === carol.iban));
  });

  test("the company token comes from the handler's environment; the demo's does not work", async () => {
    const demo = await send(gw, bearer(emma), { token: COMPANY_TOKEN, amount: 100, from: COMPANY, to: dave.iban });
    assert.equal(demo.body.data.money_transfer.success, false);
    assert.equal(demo.body.data.money_transfer.reason, 'invalid token');
    const real = await send(gw, bearer(emma), { token: COMPANY_SECRET_TOKEN, amount: 100, from: COMPANY, to: dave.iban });
    assert.equal(real.body.data.money_transfer.success, true, JSON.stringify(real.body));
    // a customer may not spend from the company account even with its token
    const cust = await send(gw, bearer(carol), { token: COMPANY_SECRET_TOKEN, amount: 100, from: COMPANY, to: carol.iban });
    assert.equal(codeOf(cust.body), 'FORBIDDEN');
  });

  test('forged and expired credentials: 401 UNAUTHENTICATED (a bad cookie is cleared)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = mint('not-the-secret-not-the-secret-xx', { username: carol.username, iban: carol.iban, expiry: now + 600 });
    const expired = mint(SECRET, { username: carol.username, iban: carol.iban, expiry: now - 1 });
    const good = mint(SECRET, { username: carol.username, iban: carol.iban, expiry: now + 600 });
    for (const cred of [forged, expired, 'garbage', `${carol.session}x`]) {
      const r = await post(gw, ALL_TX, { iban: carol.iban, max: 1 }, { authorization: `Bearer ${cred}` });
      assert.equal(r.status, 401, cred);
      assert.equal(codeOf(r.body), 'UNAUTHENTICATED');
      assert.match(r.headers.get('www-authenticate'), /^Bearer/);
    }
    const viaCookie = await post(gw, ALL_TX, { iban: carol.iban, max: 1 }, { cookie: `gw_session=${expired}` });
    assert.equal(viaCookie.status, 401);
    assert.match(viaCookie.headers.get('set-cookie'), /^gw_session=;.*Max-Age=0/);
    // the independent mint with the right key is accepted: the format is as documented
    const ok = await post(gw, ALL_TX, { iban: carol.iban, max: 1 }, { authorization: `Bearer ${good}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.errors, undefined);
    // an employee role claimed by a customer's credential is not honoured
    const claimed = mint(SECRET, { username: carol.username, iban: carol.iban, role: 'e', expiry: now + 600 });
    assert.equal(codeOf((await post(gw, ALL_LAST, {}, { authorization: `Bearer ${claimed}` })).body), 'FORBIDDEN');
  });

  test("a second gateway with the same secret accepts the first's credential", async () => {
    const r = await post(gw2, ALL_TX, { iban: carol.iban, max: 10 }, bearer(carol));
    assert.equal(r.status, 200);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body));
    assert.equal(codeOf((await post(gw2, ALL_TX, { iban: dave.iban, max: 10 }, bearer(carol))).body), 'FORBIDDEN');
  });

  describe('WebSocket', () => {
    const wsUrl = () => `ws://127.0.0.1:${new URL(gw.url).port}/graphql-ws`;
    const client = (connectionParams, extra = {}) =>
      createWsClient({ url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams, ...extra });
    function follow(c, payload) {
      const s = { values: [], errors: [] };
      s.done = new Promise((resolve) => {
        s.dispose = c.subscribe(payload, {
          next: (v) => s.values.push(v),
          error: (e) => {
            s.errors.push(e);
            resolve();
          },
          complete: resolve,
        });
      });
      return s;
    }

    test('connection_init {authorization: Bearer}: own stream runs, another IBAN and no filter are FORBIDDEN', async () => {
      const c = client({ authorization: `Bearer ${carol.session}` });
      try {
        const own = follow(c, { query: STREAM, variables: { iban: carol.iban } });
        const other = follow(c, { query: STREAM, variables: { iban: dave.iban } });
        const all = follow(c, { query: STREAM });
        await other.done;
        await all.done;
        assert.equal(other.errors[0][0].extensions.code, 'FORBIDDEN');
        assert.equal(all.errors[0][0].extensions.code, 'FORBIDDEN');
        const descr = `ws-${randomUUID().slice(0, 6)}`;
        const r = await send(gw, bearer(emma), { token: 'x', amount: 300, from: 'cash', to: carol.iban, descr });
        assert.equal(r.body.data.money_transfer.success, true);
        await until(() => own.values.some((v) => v.data?.stream_transactions?.descr === descr), 'the live event');
        own.dispose();
      } finally {
        await c.dispose();
      }
    });

    test('the employee streams every account', async () => {
      const c = client({ session: emma.session });
      try {
        const all = follow(c, { query: STREAM });
        const descr = `all-${randomUUID().slice(0, 6)}`;
        const r = await send(gw, bearer(emma), { token: 'x', amount: 200, from: 'cash', to: dave.iban, descr });
        assert.equal(r.body.data.money_transfer.success, true);
        await until(() => all.values.some((v) => v.data?.stream_transactions?.descr === descr), 'the event', 15000);
        assert.equal(all.errors.length, 0);
        all.dispose();
      } finally {
        await c.dispose();
      }
    });

    /** A raw graphql-transport-ws socket with upgrade `headers`: resolves {ws, closed, next()}. */
    async function raw(headers, protocol = 'graphql-transport-ws') {
      const ws = new WebSocket(wsUrl(), [protocol], { headers });
      const msgs = [];
      const waiters = [];
      ws.on('message', (d) => {
        msgs.push(JSON.parse(String(d)));
        for (const w of waiters.splice(0)) w();
      });
      const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const next = async (pred, ms = 10000) => {
        const end = Date.now() + ms;
        for (;;) {
          const i = msgs.findIndex(pred);
          if (i >= 0) return msgs.splice(i, 1)[0];
          if (Date.now() > end) throw new Error(`no matching message: ${JSON.stringify(msgs)}`);
          await new Promise((res) => {
            waiters.push(res);
            setTimeout(res, 50);
          });
        }
      };
      return { ws, closed, next, send: (m) => ws.send(JSON.stringify(m)) };
    }

    test('the cookie on the upgrade request is accepted (as a browser sends it)', async () => {
      const r = await raw({ cookie: `other=1; gw_session=${carol.session}` });
      r.send({ type: 'connection_init' });
      await r.next((m) => m.type === 'connection_ack');
      r.send({ id: 'q', type: 'subscribe', payload: { query: ALL_TX, variables: { iban: carol.iban, max: 5 } } });
      const m = await r.next((x) => x.id === 'q' && x.type === 'next');
      assert.equal(m.payload.errors, undefined, JSON.stringify(m));
      assert.ok(m.payload.data.transactions_by_iban.length >= 1);
      r.ws.close();
    });

    test('a forged or expired credential closes 4403 (connection_init or upgrade cookie; both protocols)', async () => {
      const expired = mint(SECRET, { username: carol.username, iban: carol.iban, expiry: Math.floor(Date.now() / 1000) - 5 });
      const a = await raw({});
      a.send({ type: 'connection_init', payload: { authorization: `Bearer ${carol.session.slice(0, -2)}` } });
      assert.equal((await a.closed).code, 4403);
      const b = await raw({ cookie: `gw_session=${expired}` });
      b.send({ type: 'connection_init' });
      assert.equal((await b.closed).code, 4403);
      const c = await raw({}, 'graphql-ws');
      c.send({ type: 'connection_init', payload: { session: expired } });
      assert.equal((await c.closed).code, 4403);
    });

    test('subscriptions-transport-ws with connectionParams {session}', async () => {
      const lc = new SubscriptionClient(wsUrl(), { reconnect: false, connectionParams: { session: carol.session } }, WebSocket);
      try {
        const values = [];
        const errors = [];
        const sub = lc.request({ query: ALL_TX, variables: { iban: carol.iban, max: 5 } }).subscribe({
          next: (v) => values.push(v),
          error: (e) => errors.push(e),
        });
        await until(() => values.length > 0 || errors.length > 0, 'a result');
        assert.equal(values[0].errors, undefined, JSON.stringify(values[0] ?? errors));
        sub.unsubscribe();
      } finally {
        lc.close();
      }
    });

    test('get_account over WebSocket returns the credential too', async () => {
      const c = client({});
      try {
        const s = follow(c, { query: GET_ACCOUNT.replace('reason }', 'reason session }'), variables: { u: carol.username, p: `pw-${carol.username}` } });
        await s.done;
        assert.equal(s.values[0].data.get_account.iban, carol.iban);
        assert.ok(s.values[0].data.get_account.session);
      } finally {
        await c.dispose();
      }
    });
  });
});

test('the command handler in session mode refuses to start without a proper BANK_COMPANY_TOKEN', async () => {
  for (const token of [undefined, '', COMPANY_TOKEN, '1234', 'abcdefghij0123456789']) {
    const env = { ...process.env };
    if (token === undefined) delete env.BANK_COMPANY_TOKEN;
    else env.BANK_COMPANY_TOKEN = token;
    const r = await runToEnd(COMMAND_HANDLER, ['--brokers', '127.0.0.1:9', '--auth-mode', 'session'], { env });
    assert.equal(r.code, 1, String(token));
    assert.match(r.stderr, /refusing to start: auth mode session needs BANK_COMPANY_TOKEN/);
  }
  const bad = await runToEnd(COMMAND_HANDLER, ['--brokers', '127.0.0.1:9', '--auth-mode', 'closed']);
  assert.equal(bad.code, 2);
});
