// hostile-memory.test.mjs — memory per WebSocket connection is bounded in
// bytes, and given back: the attack of issue #11 (every connection runs as
// many subscriptions as it may, each a distinct document of ~60 KB, most of
// it a comment) repeated in five identical rounds against one gateway.
//
// Bounds asserted (docs/security.md, "Memory per connection"):
//  - every subscribe is answered: started, or refused with the error naming
//    subscriptions.max_connection_bytes; a connection never holds more than
//    that many bytes of operations (what the gateway accepted times the
//    bytes each needs is below the limit);
//  - RSS after the connections of a round closed: within ROUND_MARGIN of
//    what it was after the first round (no growth across identical rounds)
//    and within RETURN_MARGIN of the baseline taken before the first round;
//  - a canary query keeps being answered meanwhile.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { rawWs, sleep, startStack } from './subs-lib.mjs';

const CONNECTIONS = 20;
const OPS = 100; // subscriptions.max_per_connection
const DOC_BYTES = 60000; // under subscriptions.max_message_bytes (64 KiB) with the envelope
const LIMIT = 8 << 20; // subscriptions.max_connection_bytes (the default, set here so the test says it)
const DOC_CACHE = 32 << 20; // graphql.doc_cache_bytes per loop (the default)
const ROUND_MARGIN = 48 << 20;
const RETURN_MARGIN = 2 * DOC_CACHE + (64 << 20); // two loops' caches may stay full, plus allocator slack

let stack;
before(async () => {
  stack = await startStack({
    extra: `subscriptions:\n  max_connection_bytes: ${LIMIT}\n`,
  });
});
after(async () => stack && (await stack.stop()));

function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

function doc(conn, op) {
  const tag = `c${conn}o${op}`;
  const pad = `# ${tag} ${'x'.repeat(DOC_BYTES)}`.slice(0, DOC_BYTES) + '\n';
  return `${pad}subscription S_${tag} { stream_transactions { id } }`;
}

async function round() {
  const clients = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const w = await rawWs(stack, 'graphql-transport-ws');
    w.send({ type: 'connection_init' });
    await w.next((m) => m.type === 'connection_ack', 20000);
    clients.push(w);
  }
  let started = 0;
  let refused = 0;
  await Promise.all(
    clients.map(async (w, c) => {
      for (let o = 0; o < OPS; o++) w.send({ id: `${o}`, type: 'subscribe', payload: { query: doc(c, o) } });
      // a subscription that started says nothing until an event; a refused
      // one gets an error at once. Ping after the last: its pong comes
      // after every answer to the subscribes (one loop, in order).
      w.send({ type: 'ping' });
      await w.next((m) => m.type === 'pong', 60000);
      const errors = w.messages.filter((m) => m.type === 'error');
      for (const e of errors) {
        assert.match(e.payload[0].message, /subscriptions\.max_connection_bytes/, JSON.stringify(e));
      }
      refused += errors.length;
      started += OPS - errors.length;
      assert.ok(OPS - errors.length >= 1, 'at least one operation fits');
      assert.ok(errors.length >= 1, 'a ~60 KB document costs about 0.5 MB: not all 100 fit in 8 MiB');
    }),
  );
  const canary = await fetch(`${stack.gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  assert.equal(canary.status, 200);
  const peak = rss(stack.gw.proc.pid);
  for (const w of clients) w.ws.close();
  await Promise.all(clients.map((w) => w.closed));
  return { started, refused, peak };
}

async function settledRss(pid) {
  // the loops free a closed connection's operations at once; give them a
  // moment and take the lowest of a few readings
  let low = Infinity;
  for (let i = 0; i < 10; i++) {
    await sleep(200);
    low = Math.min(low, rss(pid));
  }
  return low;
}

test('operations per connection bounded in bytes; RSS flat across five identical rounds', { timeout: 600000 }, async () => {
  const pid = stack.gw.proc.pid;
  const base = await settledRss(pid);
  const after = [];
  for (let r = 0; r < 5; r++) {
    const x = await round();
    const settled = await settledRss(pid);
    after.push(settled);
    console.log(
      `# round ${r + 1}: ${x.started} started, ${x.refused} refused; RSS peak ${(x.peak / 1048576).toFixed(1)} MB, ` +
        `after close ${(settled / 1048576).toFixed(1)} MB (baseline ${(base / 1048576).toFixed(1)} MB)`,
    );
    // a connection's operations hold at most LIMIT, so the peak is bounded
    // by connections x LIMIT plus the caches (and the queues, empty here)
    assert.ok(x.peak - base < CONNECTIONS * LIMIT + 2 * DOC_CACHE + (96 << 20), `peak ${x.peak} over the bound`);
  }
  for (let r = 1; r < 5; r++) {
    assert.ok(after[r] - after[0] < ROUND_MARGIN, `round ${r + 1} left ${after[r] - after[0]} bytes more than round 1`);
  }
  // AddressSanitizer keeps freed blocks in its quarantine (256 MB by default)
  // instead of giving them back: under it only the flatness across rounds holds
  const sanitized = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan');
  if (!sanitized)
    assert.ok(after[4] - base < RETURN_MARGIN, `after the last round RSS is ${after[4] - base} bytes over the baseline`);
});
