// subs-sse.test.mjs — GraphQL over Server-Sent Events (distinct
// connections mode) with the real graphql-sse client, plus raw fetches for
// the wire format, GET requests and bad input; mutations with several root
// fields, and clients that leave while a mutation waits.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { STREAM, follow, pay, settled, sleep, sseClient, startStack, twoAccounts, txs, until } from './subs-lib.mjs';

// Two transfers in one mutation: root fields run one after the other.
const TWO_TRANSFERS = `mutation($u1: String!, $u2: String!, $tok: String!, $from: String!, $to: String!) {
  first: money_transfer(uuid: $u1, token: $tok, amount: 100, from: $from, to: $to, descr: "two-1") { uuid success reason }
  second: money_transfer(uuid: $u2, token: $tok, amount: 200, from: $from, to: $to, descr: "two-2") { uuid success reason } }`;
const ONE_TRANSFER = `mutation($uuid: String!, $tok: String!, $from: String!, $to: String!, $amount: Int!, $descr: String!) {
  money_transfer(uuid: $uuid, token: $tok, amount: $amount, from: $from, to: $to, descr: $descr) { uuid success reason } }`;

let stack;
let gw;
before(async () => {
  stack = await startStack({ extra: 'subscriptions:\n  keepalive_ms: 300\n' });
  gw = stack.gw;
});
after(async () => {
  const r = await stack.stop();
  assert.equal(r.code, 0, r.logs);
});

/** Reads an SSE response until `stop(events)` or the end; the parsed events. */
async function readEvents(res, stop = () => false, ms = 5000) {
  const events = [];
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const end = Date.now() + ms;
  while (Date.now() < end && !stop(events)) {
    const { value, done } = await Promise.race([reader.read(), sleep(end - Date.now()).then(() => ({ done: true }))]);
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = { comment: false };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) ev.comment = true;
        else if (line.startsWith('event:')) ev.event = line.slice(6).trim();
        else if (line.startsWith('data:')) ev.data = line.slice(5).trim();
      }
      events.push(ev);
    }
  }
  reader.cancel().catch(() => {});
  return events;
}

describe('GraphQL over SSE', () => {
  test('graphql-sse client: live transactions with filters', async () => {
    const { a, b } = await twoAccounts(gw);
    const client = sseClient(stack);
    const all = follow(client, { query: STREAM, variables: { iban: b.iban } });
    const debit = follow(client, { query: STREAM, variables: { iban: b.iban, dir: 'DEBIT' } });
    await sleep(300);
    await pay(gw, a, b, 150, 'in');
    await pay(gw, b, a, 20, 'out');
    await all.until(2);
    await debit.until(1);
    await sleep(200);
    assert.deepEqual(txs(all).map((t) => [t.descr, t.direction, t.changed_by]), [
      ['in', 'CREDIT', '€1,50'],
      ['out', 'DEBIT', '€0,20'],
    ]);
    assert.deepEqual(txs(debit).map((t) => t.descr), ['out']);
    all.dispose();
    debit.dispose();
    client.dispose();
  });

  test('graphql-sse client: queries, mutations and command subscriptions give one result and complete', async () => {
    const client = sseClient(stack);
    const q = follow(client, { query: '{ all_last_transactions { id } }' });
    await q.done;
    assert.ok(q.completed, JSON.stringify(q.errors));
    assert.equal(q.values.length, 1);
    const name = `sse-${randomUUID().slice(0, 8)}`;
    const m = follow(client, {
      query: 'mutation($u: String!) { get_account(username: $u, password: "pw") { iban token } }',
      variables: { u: name },
    });
    await m.done;
    assert.ok(m.completed, JSON.stringify(m.errors));
    const acc = m.values[0].data.get_account;
    const s = follow(client, {
      query: 'subscription($u: String!) { get_account(username: $u, password: "pw") { iban token } }',
      variables: { u: name },
    });
    await s.done;
    assert.deepEqual(s.values, [{ data: { get_account: acc } }]);
    client.dispose();
  });

  test('graphql-sse client: a mutation with two root fields answers both, in order, in one next', async () => {
    const { a, b } = await twoAccounts(gw);
    const client = sseClient(stack);
    const [u1, u2] = [randomUUID(), randomUUID()];
    const m = follow(client, { query: TWO_TRANSFERS, variables: { u1, u2, tok: a.token, from: a.iban, to: b.iban } });
    await m.done;
    assert.ok(m.completed, JSON.stringify(m.errors));
    assert.equal(m.values.length, 1);
    assert.deepEqual(Object.keys(m.values[0].data), ['first', 'second']);
    assert.deepEqual(m.values[0], {
      data: {
        first: { uuid: u1, success: true, reason: null },
        second: { uuid: u2, success: true, reason: null },
      },
    });
    const rows = await settled(gw, b.iban, 'two-2');
    const one = rows.filter((t) => t.descr === 'two-1');
    const two = rows.filter((t) => t.descr === 'two-2');
    assert.equal(one.length, 1);
    assert.equal(two.length, 1);
    assert.ok(one[0].id < two[0].id, JSON.stringify(rows));

    const uuid = randomUUID();
    const g = follow(client, {
      query: `mutation($u: String!, $uuid: String!, $to: String!) {
        acc: get_account(username: $u, password: "pw") { iban reason }
        pay: money_transfer(uuid: $uuid, token: "x", amount: 300, from: "cash", to: $to, descr: "sse-mixed") { uuid success }
        __typename }`,
      variables: { u: `sse2-${randomUUID().slice(0, 8)}`, uuid, to: b.iban },
    });
    await g.done;
    assert.ok(g.completed, JSON.stringify(g.errors));
    const d = g.values[0].data;
    assert.deepEqual(Object.keys(d), ['acc', 'pay', '__typename'], JSON.stringify(g.values));
    assert.match(d.acc.iban, /^NL\d\dOPEN\d{10}$/);
    assert.deepEqual(d.pay, { uuid, success: true });
    assert.equal(d.__typename, 'Mutation');
    client.dispose();
  });

  test('a client that leaves while its mutation waits: the command still completes, once', async () => {
    const { a, b } = await twoAccounts(gw);
    const body = (descr) =>
      JSON.stringify({
        query: ONE_TRANSFER,
        variables: { uuid: randomUUID(), tok: a.token, from: a.iban, to: b.iban, amount: 55, descr },
      });
    // HTTP/1.1 by hand: the connection ends right behind the request
    const { port } = new URL(gw.url);
    const req = body('sse-closed');
    const sock = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.once('connect', resolve);
    });
    sock.on('error', () => {});
    sock.write(
      `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: text/event-stream\r\n` +
        `content-length: ${Buffer.byteLength(req)}\r\n\r\n${req}`,
      () => sock.destroy(),
    );
    // fetch aborted once the stream opened
    const ctl = new AbortController();
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: body('sse-aborted'),
      signal: ctl.signal,
    });
    assert.equal(res.status, 200);
    ctl.abort();
    // HTTP/1.1 tells the gateway about a closed connection only when it
    // writes (h2o reads no more of a connection whose request it answers),
    // so the two above may see the answer first. HTTP/2 (h2c here) resets
    // the stream at once: the gateway cancels the wait before the answer.
    const h2 = http2.connect(gw.url);
    h2.on('error', () => {});
    const stream = h2.request({
      ':method': 'POST',
      ':path': '/graphql',
      'content-type': 'application/json',
      accept: 'text/event-stream',
    });
    stream.on('error', () => {});
    stream.end(body('sse-reset'));
    const status = await new Promise((resolve) => stream.once('response', (h) => resolve(h[':status'])));
    assert.equal(status, 200);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    for (const descr of ['sse-closed', 'sse-aborted', 'sse-reset']) {
      const rows = await settled(gw, b.iban, descr);
      assert.equal(rows.filter((t) => t.descr === descr).length, 1, JSON.stringify(rows));
    }
    h2.close();
  });

  test('wire format: comment first, next events, complete with an empty data field', async () => {
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ all_last_transactions { id } }' }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const events = await readEvents(res, (e) => e.some((x) => x.event === 'complete'));
    assert.equal(events[0].comment, true);
    const rest = events.filter((e) => !e.comment);
    assert.deepEqual(rest.map((e) => e.event), ['next', 'complete']);
    assert.ok(JSON.parse(rest[0].data).data.all_last_transactions);
    assert.equal(rest[1].data, '');
  });

  test('GET with query parameters; keep-alive comments while quiet; after_id replay', async () => {
    const { a, b } = await twoAccounts(gw);
    await pay(gw, a, b, 42, 'stored');
    await settled(gw, b.iban, 'stored');
    const url = new URL(`${gw.url}/graphql`);
    url.searchParams.set('query', STREAM);
    url.searchParams.set('variables', JSON.stringify({ iban: b.iban, after: 0 }));
    const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const events = await readEvents(res, (e) => e.filter((x) => x.comment).length >= 3, 3000);
    const next = events.filter((e) => e.event === 'next').map((e) => JSON.parse(e.data).data.stream_transactions.descr);
    assert.deepEqual(next, ['stored']);
    assert.ok(events.filter((e) => e.comment).length >= 3, 'comments keep the stream alive');
  });

  test('GET refuses what has effects: mutations and command subscriptions get 405 and move nothing', async () => {
    const { a, b } = await twoAccounts(gw);
    const tag = randomUUID().slice(0, 8);
    const ops = [
      `mutation { money_transfer(uuid: "${randomUUID()}", token: "${a.token}", amount: 100, from: "${a.iban}", to: "${b.iban}", descr: "via GET") { success } }`,
      `subscription { money_transfer(uuid: "${randomUUID()}", token: "${a.token}", amount: 100, from: "${a.iban}", to: "${b.iban}", descr: "via GET") { success } }`,
      `subscription { get_account(username: "get-${tag}", password: "in-the-url") { iban } }`,
    ];
    for (const query of ops) {
      const url = new URL(`${gw.url}/graphql`);
      url.searchParams.set('query', query);
      const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
      assert.equal(res.status, 405, query);
      assert.equal(res.headers.get('allow'), 'POST');
      assert.match((await res.json()).errors[0].message, /over GET.*use POST/);
    }
    // nothing moved: a later transfer is projected, the GET ones never were
    await pay(gw, a, b, 1, 'after GET');
    const rows = await settled(gw, a.iban, 'after GET');
    assert.ok(!rows.some((t) => t.descr === 'via GET'), 'nothing moved');
    // and nobody was registered: the name is free for another password
    const reg = await (await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { get_account(username: "get-${tag}", password: "another") { iban reason } }` }) })).json();
    assert.ok(reg.data.get_account.iban, JSON.stringify(reg));
  });

  test('GraphQL errors are a next event then complete; bad parameters are 400', async () => {
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { stream_transactions { nope } }' }),
    });
    assert.equal(res.status, 200);
    const events = (await readEvents(res, (e) => e.some((x) => x.event === 'complete'))).filter((e) => !e.comment);
    assert.deepEqual(events.map((e) => e.event), ['next', 'complete']);
    assert.match(JSON.parse(events[0].data).errors[0].message, /Cannot query field "nope"/);

    for (const body of ['{"query":', '[]', '{"variables":{}}']) {
      const r = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body,
      });
      assert.equal(r.status, 400, body);
      assert.ok((await r.json()).errors[0].message.length > 0);
    }
    const put = await fetch(`${gw.url}/graphql`, { method: 'PUT', headers: { accept: 'text/event-stream' } });
    assert.equal(put.status, 405);
  });

  test('open streams count in /metrics; closing the request stops the subscription', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: STREAM }),
      signal: ctl.signal,
    });
    assert.equal(res.status, 200);
    const text = async () => (await fetch(`${gw.url}/metrics`)).text();
    await until(async () => /gateway_open_connections\{kind="sse"\} [1-9]/.test(await text()), 'sse counted');
    ctl.abort();
    await until(async () => /gateway_open_connections\{kind="sse"\} 0\b/.test(await text()), 'sse released');
    await until(async () => /gateway_active_subscriptions 0\b/.test(await text()), 'subscription stopped');
  });
});
