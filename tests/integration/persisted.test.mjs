// tests/integration/persisted.test.mjs — persisted queries (issue #13 item
// 2) against the live gateway (--bench: ten fixed transactions):
//  - automatic persisted queries (APQ) with Apollo Client's own
//    PersistedQueryLink over HttpLink (POST, and GET for hashed queries):
//    the hash first, the text after PersistedQueryNotFound, then the hash
//    alone from another client;
//  - the same wire format built by hand on GET, SSE (POST and GET) and both
//    WebSocket protocols, with documentId (GraphQL-over-HTTP persisted
//    documents) beside extensions.persistedQuery; PersistedQueryNotFound,
//    "provided sha does not match query", an unsupported version;
//  - trusted documents (graphql.trusted_documents) in Apollo's manifest
//    format and GraphQL Codegen's plain object: a listed document runs by
//    hash and by text on every transport, any other is refused on every
//    transport; a manifest whose id is not its body's hash refuses to start,
//    naming the entry.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ApolloClient, HttpLink, InMemoryCache, gql as agql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { print } from 'graphql';
import WebSocket from 'ws';

import { startGatewayProcess } from '../lib/stack.mjs';
import { baseConfig, gql, parseMetrics, runGateway, startGateway } from './helpers.mjs';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
/** The text Apollo Client sends for `doc`: its cache adds __typename, then print() (as Apollo's manifest generator does). */
const apolloText = (doc) => print(new InMemoryCache().transformDocument(doc));
const pq = (doc) => ({ persistedQuery: { version: 1, sha256Hash: sha256(doc) } });
const NOT_FOUND = { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
const NOT_TRUSTED = {
  errors: [{
    message: 'only trusted documents are accepted (graphql.trusted_documents); this document is not in the manifest',
    extensions: { code: 'PERSISTED_QUERY_NOT_TRUSTED' },
  }],
};

/** An Apollo Client with the persisted query link; `log` gets {method, url, body, status, headers} of each fetch. */
function apollo(url, log, opts = {}) {
  const recordingFetch = async (u, init) => {
    const res = await fetch(u, init);
    log.push({ method: init.method, url: String(u), body: init.body ? JSON.parse(init.body) : undefined,
      status: res.status, headers: res.headers });
    return res;
  };
  const link = new PersistedQueryLink({ sha256, ...opts }).concat(new HttpLink({ uri: `${url}/graphql`, fetch: recordingFetch }));
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

/** GraphQL over SSE: POST (body) or GET (params), the parsed `next` payloads once the stream completes. */
async function sse(url, params, method = 'POST') {
  const init = { method, headers: { accept: 'text/event-stream' } };
  let target = `${url}/graphql`;
  if (method === 'POST') {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(params);
  } else {
    target += `?${queryString(params)}`;
  }
  const res = await fetch(target, init);
  assert.equal(res.status, 200);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event: next'))
    .map((b) => JSON.parse(b.split('\n').find((l) => l.startsWith('data:')).slice(5)));
}

/** The GET form of the parameters: JSON values URL-encoded, as Apollo's HttpLink writes them. */
function queryString(params) {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
}

async function get(url, params) {
  const res = await fetch(`${url}/graphql?${queryString(params)}`, { headers: { accept: 'application/json' } });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

/** A WebSocket speaking `protocol`, initialised: {send, next(pred), close()}. */
async function socket(url, protocol) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/graphql-ws`, [protocol]);
  const messages = [];
  const waiters = [];
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  const s = {
    send: (m) => ws.send(JSON.stringify(m)),
    async next(pred, ms = 20000) {
      const end = Date.now() + ms;
      for (;;) {
        const i = messages.findIndex(pred);
        if (i >= 0) return messages.splice(i, 1)[0];
        if (Date.now() > end) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    close: () => ws.close(),
  };
  s.send({ type: 'connection_init' });
  await s.next((m) => m.type === 'connection_ack');
  return s;
}

/** Runs `payload` as an operation over `protocol`; the first result or error message's payload. */
async function overWs(url, protocol, payload) {
  const ws = await socket(url, protocol);
  try {
    ws.send({ id: 'q', type: protocol === 'graphql-ws' ? 'start' : 'subscribe', payload });
    const m = await ws.next((x) => x.id === 'q' && ['next', 'data', 'error'].includes(x.type));
    return { type: m.type, payload: m.payload };
  } finally {
    ws.close();
  }
}

// a distinct document per case, so the shared store starts without it
let serial = 0;
const docOf = () => `query Apq${++serial} { all_last_transactions { id iban } }`;
const rows = (r) => r?.data?.all_last_transactions?.length;

describe('automatic persisted queries', () => {
  let gw;
  before(async () => {
    gw = await startGateway({ args: ['--bench'] });
  });
  after(async () => {
    const { code, logs } = await gw.stop();
    assert.equal(code, 0, logs);
    assert.doesNotMatch(logs, /AddressSanitizer|LeakSanitizer/);
  });

  test("Apollo Client's PersistedQueryLink over POST: hash, then text, then hash only", async () => {
    const Q = agql`query ApolloPost { all_last_transactions { id iban } }`;
    const log1 = [];
    const r1 = await apollo(gw.url, log1).query({ query: Q, fetchPolicy: 'no-cache' });
    assert.equal(r1.data.all_last_transactions.length, 10);
    assert.equal(log1.length, 2, JSON.stringify(log1));
    assert.equal(log1[0].body.query, undefined);
    // the hash of the text it sends (Apollo's print of the document with __typename added)
    assert.equal(log1[1].body.query, apolloText(Q));
    assert.equal(log1[0].body.extensions.persistedQuery.sha256Hash, sha256(log1[1].body.query));
    // a new client (another phone) sends the hash alone, once
    const log2 = [];
    const r2 = await apollo(gw.url, log2).query({ query: Q, fetchPolicy: 'no-cache' });
    assert.equal(r2.data.all_last_transactions.length, 10);
    assert.equal(log2.length, 1);
    assert.equal(log2[0].body.query, undefined);
    assert.equal(log2[0].status, 200);
  });

  test("Apollo Client's link with GET for hashed queries: a cacheable URL, then the hash on GET", async () => {
    const Q = agql`query ApolloGet { all_last_transactions { id descr } }`;
    const log1 = [];
    const r1 = await apollo(gw.url, log1, { useGETForHashedQueries: true }).query({ query: Q, fetchPolicy: 'no-cache' });
    assert.equal(r1.data.all_last_transactions.length, 10);
    assert.deepEqual(log1.map((l) => l.method), ['GET', 'POST']);
    // the miss must not be cached by a CDN; Apollo sends the text by POST then
    assert.equal(log1[0].headers.get('cache-control'), 'private, no-cache, must-revalidate');
    const log2 = [];
    const r2 = await apollo(gw.url, log2, { useGETForHashedQueries: true }).query({ query: Q, fetchPolicy: 'no-cache' });
    assert.equal(r2.data.all_last_transactions.length, 10);
    assert.deepEqual(log2.map((l) => l.method), ['GET']);
    const u = new URL(log2[0].url);
    assert.equal(u.searchParams.get('query'), null);
    assert.equal(JSON.parse(u.searchParams.get('extensions')).persistedQuery.sha256Hash, sha256(apolloText(Q)));
    // account data: no Cache-Control that would let a shared cache keep it
    assert.equal(log2[0].headers.get('cache-control'), null);
  });

  test('HTTP by hand: not found, register, hash only on POST and GET, documentId; both media types', async () => {
    const doc = docOf();
    const miss = await gql(gw.url, { extensions: pq(doc) });
    assert.equal(miss.status, 200);
    assert.deepEqual(miss.json, NOT_FOUND);
    // application/graphql-response+json: a request error is 400 (GraphQL over HTTP); the body is the same
    const miss2 = await gql(gw.url, { extensions: pq(doc) }, { accept: 'application/graphql-response+json' });
    assert.equal(miss2.status, 400);
    assert.deepEqual(miss2.json, NOT_FOUND);
    const reg = await gql(gw.url, { query: doc, extensions: pq(doc) });
    assert.equal(rows(reg.json), 10);
    assert.equal(rows((await gql(gw.url, { extensions: pq(doc) })).json), 10);
    const g = await get(gw.url, { extensions: pq(doc) });
    assert.equal(g.status, 200);
    assert.equal(rows(g.json), 10);
    assert.equal(rows((await gql(gw.url, { documentId: `sha256:${sha256(doc)}` })).json), 10);
    assert.equal(rows((await get(gw.url, { documentId: `sha256:${sha256(doc)}` })).json), 10);
    // an operation name and variables go with the hash as with the text
    const named = await gql(gw.url, { operationName: `Apq${serial}`, variables: {}, extensions: pq(doc) });
    assert.equal(rows(named.json), 10);
  });

  test('HTTP by hand: a text that is not the hash, an unsupported version, a malformed hash', async () => {
    const doc = docOf();
    const mismatch = await gql(gw.url, { query: doc, extensions: pq(`${doc} `) });
    assert.deepEqual(mismatch.json, { errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }] });
    const v2 = await gql(gw.url, { query: doc, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(doc) } } });
    assert.deepEqual(v2.json, { errors: [{ message: 'Unsupported persisted query version', extensions: { code: 'BAD_REQUEST' } }] });
    const bad = await gql(gw.url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } });
    assert.equal(bad.json.errors[0].extensions.code, 'BAD_REQUEST');
    // nothing of these was stored
    assert.deepEqual((await gql(gw.url, { extensions: pq(doc) })).json, NOT_FOUND);
    // no query and no hash: the parameter error as before
    const none = await gql(gw.url, { variables: {} });
    assert.equal(none.status, 400);
    assert.match(none.text, /Missing query/);
  });

  test('SSE, POST and GET: not found, register, hash only', async () => {
    const doc = docOf();
    assert.deepEqual(await sse(gw.url, { extensions: pq(doc) }), [NOT_FOUND]);
    assert.deepEqual(await sse(gw.url, { extensions: pq(doc) }, 'GET'), [NOT_FOUND]);
    assert.equal(rows((await sse(gw.url, { query: doc, extensions: pq(doc) }))[0]), 10);
    assert.equal(rows((await sse(gw.url, { extensions: pq(doc) }))[0]), 10);
    assert.equal(rows((await sse(gw.url, { extensions: pq(doc) }, 'GET'))[0]), 10);
    assert.equal(rows((await sse(gw.url, { documentId: `sha256:${sha256(doc)}` }, 'GET'))[0]), 10);
  });

  for (const protocol of ['graphql-transport-ws', 'graphql-ws']) {
    test(`WebSocket ${protocol}: not found, register, hash only`, async () => {
      const doc = docOf();
      const miss = await overWs(gw.url, protocol, { extensions: pq(doc) });
      assert.equal(miss.type, 'error');
      const errs = Array.isArray(miss.payload) ? miss.payload : miss.payload.errors ?? [miss.payload];
      assert.deepEqual(errs, NOT_FOUND.errors);
      const reg = await overWs(gw.url, protocol, { query: doc, extensions: pq(doc) });
      assert.equal(rows(reg.payload), 10);
      const hit = await overWs(gw.url, protocol, { extensions: pq(doc), variables: null, operationName: null });
      assert.equal(rows(hit.payload), 10);
      const byId = await overWs(gw.url, protocol, { documentId: `sha256:${sha256(doc)}` });
      assert.equal(rows(byId.payload), 10);
    });
  }

  test('a hash-only subscription over WebSocket gets its events', async () => {
    const doc = 'subscription ApqStream { stream_transactions { id iban } }';
    await gql(gw.url, { query: '{ __typename }' }); // any loop is up
    assert.equal((await overWs(gw.url, 'graphql-transport-ws', { extensions: pq(doc) })).type, 'error');
    // a subscription sent with its text and hash registers it, as a query does
    const ws = await socket(gw.url, 'graphql-transport-ws');
    ws.send({ id: 'reg', type: 'subscribe', payload: { query: doc, extensions: pq(doc) } });
    ws.send({ id: 'hash', type: 'subscribe', payload: { extensions: pq(doc) } });
    // publish until the hash-only subscription has an event (registration on the loop is not observable)
    let ev;
    for (let i = 0; i < 60 && !ev; i++) {
      const pub = await fetch(`${gw.url}/bench/publish?n=1`, { method: 'POST' });
      assert.equal(pub.status, 200);
      ev = await ws.next((m) => m.id === 'hash', 500).catch(() => undefined);
    }
    assert.equal(ev?.type, 'next', JSON.stringify(ev));
    assert.match(ev.payload.data.stream_transactions.iban, /^NL66OPEN/);
    ws.close();
  });

  test('/metrics counts the store and its hits', async () => {
    const m = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
    assert.ok(m.gateway_persisted_queries_entries >= 5, JSON.stringify(m));
    assert.ok(m.gateway_persisted_queries_hits_total >= 10);
    assert.ok(m.gateway_persisted_queries_misses_total >= 5);
    assert.ok(m.gateway_persisted_queries_bytes > 0);
  });
});

describe('graphql.apq.enabled: false', () => {
  test('the extension is answered PersistedQueryNotSupported; Apollo Client falls back to the text', async () => {
    const config = baseConfig().replace('graphql:\n', 'graphql:\n  apq:\n    enabled: false\n');
    const gw = await startGateway({ config, args: ['--bench'] });
    try {
      const doc = docOf();
      const r = await gql(gw.url, { query: doc, extensions: pq(doc) });
      assert.deepEqual(r.json, { errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] });
      const log = [];
      const client = apollo(gw.url, log);
      const q = agql`query Off { all_last_transactions { id } }`;
      assert.equal((await client.query({ query: q, fetchPolicy: 'no-cache' })).data.all_last_transactions.length, 10);
      assert.equal((await client.query({ query: q, fetchPolicy: 'no-cache' })).data.all_last_transactions.length, 10);
      // hash, text without the extension, then only the text
      assert.equal(log.length, 3);
      assert.equal(log[2].body.extensions?.persistedQuery, undefined);
    } finally {
      const { code, logs } = await gw.stop();
      assert.equal(code, 0, logs);
    }
  });
});

const LISTED = 'query Listed { all_last_transactions { id iban } }';
const LISTED_SUB = 'subscription ListedStream { stream_transactions { id } }';
const UNLISTED = 'query Unlisted { all_last_transactions { id } }';
const APOLLO_LISTED = apolloText(agql(LISTED));

function manifestFile(kind, docs = [LISTED, LISTED_SUB, APOLLO_LISTED]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-trusted-'));
  const file = path.join(dir, 'manifest.json');
  const body = kind === 'apollo'
    ? { format: 'apollo-persisted-query-manifest', version: 1,
      operations: docs.map((d) => ({ id: sha256(d), name: /(query|subscription) (\w+)/.exec(d)[2], type: d.split(' ')[0], body: d })) }
    : Object.fromEntries(docs.map((d, i) => [i === 0 ? sha256(d) : `sha256:${sha256(d)}`, d]));
  fs.writeFileSync(file, JSON.stringify(body));
  return file;
}

for (const kind of ['apollo', 'codegen']) {
  describe(`trusted documents (${kind === 'apollo' ? "Apollo's manifest" : "GraphQL Codegen's persisted-documents.json"})`, () => {
    let gw;
    before(async () => {
      // relative to the config file's folder, like other paths
      const file = manifestFile(kind);
      const config = baseConfig().replace('graphql:\n', `graphql:\n  trusted_documents: "${path.basename(file)}"\n`);
      const cfgFile = path.join(path.dirname(file), 'gateway.yaml');
      fs.writeFileSync(cfgFile, config);
      gw = await startGatewayProcess(cfgFile, { args: ['--bench'] });
    });
    after(async () => {
      const { code, logs } = await gw.stop();
      assert.equal(code, 0, logs);
      assert.doesNotMatch(logs, /AddressSanitizer|LeakSanitizer/);
    });

    test('the start log says so, and that GraphiQL cannot work', () => {
      assert.match(gw.logs(), /"msg":"trusted documents only".*"documents":3.*GraphiQL/);
    });

    test('HTTP POST and GET: listed by hash (APQ, documentId) and by text; unlisted refused', async () => {
      assert.equal(rows((await gql(gw.url, { extensions: pq(LISTED) })).json), 10);
      assert.equal(rows((await gql(gw.url, { documentId: `sha256:${sha256(LISTED)}` })).json), 10);
      assert.equal(rows((await gql(gw.url, { query: LISTED })).json), 10);
      assert.equal(rows((await gql(gw.url, { query: LISTED, extensions: pq(LISTED) })).json), 10);
      assert.equal(rows((await get(gw.url, { extensions: pq(LISTED) })).json), 10);
      assert.equal(rows((await get(gw.url, { query: LISTED })).json), 10);
      assert.deepEqual((await gql(gw.url, { query: UNLISTED })).json, NOT_TRUSTED);
      assert.deepEqual((await gql(gw.url, { query: UNLISTED, extensions: pq(UNLISTED) })).json, NOT_TRUSTED);
      assert.deepEqual((await gql(gw.url, { query: '{ __schema { types { name } } }' })).json, NOT_TRUSTED);
      assert.deepEqual((await get(gw.url, { query: UNLISTED })).json, NOT_TRUSTED);
      assert.deepEqual((await gql(gw.url, { extensions: pq(UNLISTED) })).json, NOT_FOUND);
      // and an unlisted one registered by APQ is still refused afterwards
      assert.deepEqual((await gql(gw.url, { extensions: pq(UNLISTED) })).json, NOT_FOUND);
    });

    test('SSE: listed runs, unlisted refused', async () => {
      assert.equal(rows((await sse(gw.url, { extensions: pq(LISTED) }))[0]), 10);
      assert.equal(rows((await sse(gw.url, { query: LISTED }, 'GET'))[0]), 10);
      assert.deepEqual(await sse(gw.url, { query: UNLISTED }), [NOT_TRUSTED]);
      assert.deepEqual(await sse(gw.url, { query: UNLISTED }, 'GET'), [NOT_TRUSTED]);
    });

    for (const protocol of ['graphql-transport-ws', 'graphql-ws']) {
      test(`WebSocket ${protocol}: listed runs, unlisted refused`, async () => {
        assert.equal(rows((await overWs(gw.url, protocol, { extensions: pq(LISTED) })).payload), 10);
        assert.equal(rows((await overWs(gw.url, protocol, { query: LISTED })).payload), 10);
        const no = await overWs(gw.url, protocol, { query: UNLISTED });
        assert.equal(no.type, 'error');
        const errs = Array.isArray(no.payload) ? no.payload : no.payload.errors ?? [no.payload];
        assert.deepEqual(errs, NOT_TRUSTED.errors);
      });
    }

    test("Apollo Client's link: a listed query by hash in one request", async () => {
      const log = [];
      const r = await apollo(gw.url, log).query({ query: agql(LISTED), fetchPolicy: 'no-cache' });
      assert.equal(r.data.all_last_transactions.length, 10);
      // the manifest holds the text Apollo sends (with __typename), as its manifest generator writes it
      assert.equal(log.length, 1);
      assert.equal(log[0].body.query, undefined);
    });

    test('/metrics counts the refusals', async () => {
      const m = parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
      assert.ok(m.gateway_untrusted_documents_refused_total >= 8, JSON.stringify(m));
      assert.equal(m.gateway_persisted_queries_entries, 0);
    });
  });
}

describe('a bad manifest', () => {
  test('an id that is not its body\'s hash refuses the start, naming the operation', async () => {
    const file = manifestFile('apollo', [LISTED]);
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    m.operations[0].body = UNLISTED; // the id stays LISTED's
    fs.writeFileSync(file, JSON.stringify(m));
    const config = baseConfig().replace('graphql:\n', `graphql:\n  trusted_documents: "${file}"\n`);
    const cfg = path.join(path.dirname(file), 'bad.yaml');
    fs.writeFileSync(cfg, config);
    for (const args of [['--config', cfg], ['--config', cfg, '--check-config']]) {
      const r = await runGateway(args);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /graphql\.trusted_documents: .*manifest\.json: operation 1 \("Listed"\): the id is not the SHA-256 of its document/);
    }
  });

  test('a missing file, and GW_TRUSTED_DOCUMENTS overriding the file', async () => {
    const r = await runGateway(['--check-config'], { GW_TRUSTED_DOCUMENTS: '/nonexistent/manifest.json' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /graphql\.trusted_documents: \/nonexistent\/manifest\.json: No such file/);
    const ok = await runGateway(['--check-config'], { GW_TRUSTED_DOCUMENTS: manifestFile('codegen') });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /trusted_documents: ".*manifest\.json"/);
    assert.match(ok.stdout, /apq:\n {4}enabled: true\n {4}max_bytes: 8388608\n {4}max_entries: 10000/);
  });
});
