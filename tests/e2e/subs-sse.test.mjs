// subs-sse.test.mjs — GraphQL over Server-Sent Events (distinct
// connections mode) with the real graphql-sse client, plus raw fetches for
// the wire format, GET requests and bad input.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { STREAM, follow, pay, settled, sleep, sseClient, startStack, twoAccounts, txs, until } from './subs-lib.mjs';

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
