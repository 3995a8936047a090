// tests/integration/http.test.mjs — the gateway's HTTP surface against the
// real binary: every endpoint, GraphQL over HTTP status codes and bodies,
// content negotiation, CORS, metrics and logs. Expected GraphQL errors are
// computed by graphql-js from the same schema, never written by hand.
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buildSchema, execute, GraphQLError, parse, validate } from 'graphql';

import { baseConfig, gql, parseMetrics, SOURCE_DIR, startGateway } from './helpers.mjs';

const sdl = fs.readFileSync(`${SOURCE_DIR}/schema/bank.graphql`, 'utf8');
const schema = buildSchema(sdl);

/** graphql-js's errors for a document: syntax or validation, as JSON. */
function jsErrors(query) {
  let doc;
  try {
    doc = parse(query);
  } catch (e) {
    if (e instanceof GraphQLError) return [e.toJSON()];
    throw e;
  }
  return validate(schema, doc).map((e) => e.toJSON());
}

/** graphql-js's request errors for variables that do not coerce. */
async function jsVariableErrors(query, variableValues) {
  const result = await execute({ schema, document: parse(query), variableValues });
  assert.equal(result.data, undefined);
  return result.errors.map((e) => e.toJSON());
}

/** Message + locations of each error (what both sides must agree on). */
const shape = (errors) => errors.map((e) => ({ message: e.message, locations: e.locations }));

const GQL_RESPONSE = 'application/graphql-response+json';

describe('gateway over HTTP', () => {
  let gw;
  before(async () => {
    gw = await startGateway({ config: baseConfig('', 'log:\n  level: debug\n').replace('log:\n  level: info\n', '') });
  });
  after(async () => {
    const { code, logs } = await gw.stop();
    assert.equal(code, 0, logs);
    assert.doesNotMatch(logs, /ERROR: (AddressSanitizer|LeakSanitizer)/);
  });

  test('GET /healthz says alive', async () => {
    const res = await fetch(`${gw.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/json/);
    assert.deepEqual(await res.json(), { status: 'alive' });
  });

  test('GET /readyz lists its checks', async () => {
    const res = await fetch(`${gw.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { checks: { schema: { ok: true }, auth: { ok: true, detail: 'auth.mode open' }, accepting: { ok: true } }, status: 'ready' });
    const ws = await fetch(`${gw.url}/graphql-ws`); // not an upgrade (the subscriptions suites speak WebSocket)
    assert.equal(ws.status, 400);
  });

  test('GET / serves the index page; unknown paths are 404 with a JSON error', async () => {
    const res = await fetch(`${gw.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.equal(await res.text(), fs.readFileSync(`${SOURCE_DIR}/static/index.html`, 'utf8'));
    const nf = await fetch(`${gw.url}/no/such/page`);
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { errors: [{ message: 'Not found' }] });
    const post = await fetch(`${gw.url}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  test('GET /graphiql and its assets come from the gateway', async () => {
    const page = await fetch(`${gw.url}/graphiql`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\/(unpkg|cdn|esm\.sh)/);
    for (const [url, file] of [
      ['/graphiql/assets/graphiql.min.js', 'graphiql/graphiql.min.js'],
      ['/graphiql/assets/graphiql.min.css', 'graphiql/graphiql.min.css'],
      ['/graphiql/assets/react.production.min.js', 'react/umd/react.production.min.js'],
      ['/graphiql/assets/react-dom.production.min.js', 'react-dom/umd/react-dom.production.min.js'],
      ['/graphiql/assets/graphql-ws.min.js', 'graphql-ws/umd/graphql-ws.min.js'],
    ]) {
      assert.ok(html.includes(url), `page loads ${url}`);
      const res = await fetch(gw.url + url);
      assert.equal(res.status, 200, url);
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.equals(fs.readFileSync(`${SOURCE_DIR}/node_modules/${file}`)), `${url} is ${file}`);
    }
  });

  test('the web app\'s files: /app/… and /favicon.ico with their types, revalidated, no listing', async () => {
    const index = await fetch(`${gw.url}/`);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing from elsewhere');
    for (const [url, file, type] of [
      ['/app/main.js', 'app/main.js', 'text/javascript; charset=utf-8'],
      ['/app/app.css', 'app/app.css', 'text/css; charset=utf-8'],
      ['/app/icon.svg', 'app/icon.svg', 'image/svg+xml'],
      ['/favicon.ico', 'favicon.ico', 'image/x-icon'],
    ]) {
      const res = await fetch(gw.url + url);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('content-type'), type, url);
      assert.equal(res.headers.get('cache-control'), 'no-cache', url);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.equals(fs.readFileSync(`${SOURCE_DIR}/static/${file}`)), `${url} is static/${file}`);
      const etag = res.headers.get('etag');
      assert.ok(etag, url);
      const again = await fetch(gw.url + url, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304, `${url} revalidates`);
    }
    // every module the page loads is there (imports are relative: ./x.js)
    for (const f of fs.readdirSync(`${SOURCE_DIR}/static/app`).filter((n) => n.endsWith('.js'))) {
      for (const [, dep] of fs.readFileSync(`${SOURCE_DIR}/static/app/${f}`, 'utf8').matchAll(/from '\.\/([\w-]+\.js)'/g)) {
        assert.equal((await fetch(`${gw.url}/app/${dep}`)).status, 200, `${f} imports ${dep}`);
      }
    }
    assert.equal((await fetch(`${gw.url}/app/`)).status, 403, 'no directory listing');
    assert.equal((await fetch(`${gw.url}/app/no-such.js`)).status, 404);
    assert.equal((await fetch(`${gw.url}/app/main.js`, { method: 'POST' })).status, 405);
  });

  test('POST a query: 200 with data, in the negotiated media type', async () => {
    const r = await gql(gw.url, { query: '{ __typename all_last_transactions { id } }' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(r.json, { data: { __typename: 'Query', all_last_transactions: [] } });
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text));
  });

  test('Accept negotiation picks the media type or answers 406', async () => {
    const cases = [
      [undefined, 'application/json'],
      ['application/json', 'application/json'],
      [GQL_RESPONSE, GQL_RESPONSE],
      ['*/*', 'application/json'],
      ['application/*', 'application/json'],
      [`${GQL_RESPONSE}, application/json`, GQL_RESPONSE],
      [`application/json;q=0.9, ${GQL_RESPONSE};q=0.8`, 'application/json'],
      [`text/html, ${GQL_RESPONSE};q=0.5`, GQL_RESPONSE],
    ];
    for (const [accept, want] of cases) {
      const r = await gql(gw.url, { query: '{ __typename }' }, accept ? { accept } : {});
      assert.equal(r.status, 200, `Accept: ${accept}`);
      assert.equal(r.headers.get('content-type'), `${want}; charset=utf-8`, `Accept: ${accept}`);
    }
    for (const accept of ['text/html', 'application/xml, text/plain', 'application/json;q=0']) {
      const r = await gql(gw.url, { query: '{ __typename }' }, { accept });
      assert.equal(r.status, 406, `Accept: ${accept}`);
      assert.ok(r.json.errors[0].message.startsWith('Not acceptable'));
    }
  });

  test('syntax and validation errors: 200 for application/json, 400 without data for graphql-response+json', async () => {
    for (const query of ['{', '{ nope }', 'query Q($id: Int!) { transaction_by_id(id: "x") { id } }', '{ all_last_transactions }']) {
      const want = shape(jsErrors(query));
      assert.ok(want.length > 0, query);
      const j = await gql(gw.url, { query }, { accept: 'application/json' });
      assert.equal(j.status, 200, query);
      assert.deepEqual(shape(j.json.errors), want, query);
      assert.equal('data' in j.json, false, query);
      const g = await gql(gw.url, { query }, { accept: GQL_RESPONSE });
      assert.equal(g.status, 400, query);
      assert.equal(g.headers.get('content-type'), `${GQL_RESPONSE}; charset=utf-8`);
      assert.deepEqual(shape(g.json.errors), want, query);
      assert.equal('data' in g.json, false, query);
    }
  });

  test('variables reach the engine; coercion failures are request errors', async () => {
    const query = 'query ById($id: Int!) { transaction_by_id(id: $id) { id } }';
    const ok = await gql(gw.url, { query, variables: { id: 7 }, operationName: 'ById' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { data: { transaction_by_id: null } });
    const bad = await gql(gw.url, { query, variables: { id: 'seven' } }, { accept: GQL_RESPONSE });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.data, undefined);
    assert.deepEqual(shape(bad.json.errors), shape(await jsVariableErrors(query, { id: 'seven' })));
    const missing = await gql(gw.url, { query }, { accept: 'application/json' });
    assert.equal(missing.status, 200);
    assert.deepEqual(shape(missing.json.errors), shape(await jsVariableErrors(query, {})));
  });

  test('malformed requests are 400 with a GraphQL error body', async () => {
    const cases = [
      ['{ "not json', /^Request body is not valid JSON/],
      ['[1,2]', /^Request body must be a JSON object$/],
      ['{}', /^Missing query$/],
      ['{"query": null}', /^Missing query$/],
      ['{"query": 42}', /^Invalid query/],
      ['{"query": "{ __typename }", "variables": [1]}', /^Invalid variables/],
      ['{"query": "{ __typename }", "variables": "x"}', /^Invalid variables/],
      ['{"query": "{ __typename }", "operationName": 1}', /^Invalid operationName/],
      ['{"query": "{ __typename }", "extensions": "x"}', /^Invalid extensions/],
      ['', /^Missing request body/],
    ];
    for (const accept of ['application/json', GQL_RESPONSE]) {
      for (const [body, msg] of cases) {
        const r = await gql(gw.url, body, { accept });
        assert.equal(r.status, 400, body);
        assert.equal(r.headers.get('content-type'), `${accept}; charset=utf-8`);
        assert.equal(r.json.errors.length, 1, body);
        assert.match(r.json.errors[0].message, msg, body);
      }
    }
  });

  test('POST needs application/json in UTF-8: 415 otherwise', async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', null]) {
      const headers = ct ? { 'content-type': ct } : {};
      const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers, body: '{"query":"{ __typename }"}' });
      assert.equal(res.status, 415, String(ct));
      assert.match((await res.json()).errors[0].message, /^Unsupported Content-Type/);
    }
    const ok = await gql(gw.url, { query: '{ __typename }' }, { 'content-type': 'Application/JSON; charset=UTF-8' });
    assert.equal(ok.status, 200);
  });

  test('GET runs queries; mutations over GET are 405 with Allow: POST', async () => {
    const u = new URL(`${gw.url}/graphql`);
    u.searchParams.set('query', 'query Q($id: Int!) { transaction_by_id(id: $id) { id } }');
    u.searchParams.set('variables', JSON.stringify({ id: 3 }));
    const res = await fetch(u);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: { transaction_by_id: null } });

    const m = new URL(`${gw.url}/graphql`);
    m.searchParams.set('query', 'mutation { get_account(username: "a", password: "b") { iban } }');
    const mr = await fetch(m);
    assert.equal(mr.status, 405);
    assert.equal(mr.headers.get('allow'), 'POST');
    assert.match((await mr.json()).errors[0].message, /^Cannot perform mutations over GET/);

    const bad = new URL(`${gw.url}/graphql`);
    bad.searchParams.set('query', '{ __typename }');
    bad.searchParams.set('variables', '{not json');
    assert.equal((await fetch(bad)).status, 400);
    assert.equal((await fetch(`${gw.url}/graphql`)).status, 400); // no query at all
    assert.equal((await fetch(`${gw.url}/graphql?query=%ZZ`)).status, 400);
  });

  test('other methods are 405; subscriptions over POST are 400', async () => {
    const put = await fetch(`${gw.url}/graphql`, { method: 'PUT', body: '{}' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');
    const sub = await gql(gw.url, { query: 'subscription { stream_transactions { id } }' });
    assert.equal(sub.status, 400);
    assert.match(sub.json.errors[0].message, /^Subscriptions are served over WebSocket/);
  });

  test('CORS: listed origins and the gateway\'s own loopback origin are allowed, preflights answered, others refused', async () => {
    const pre = await fetch(`${gw.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:4200', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('content-length'), null);
    assert.equal(pre.headers.get('transfer-encoding'), null);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:4200');
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    assert.match(pre.headers.get('access-control-allow-headers'), /content-type/);
    assert.equal(pre.headers.get('vary'), 'Origin');

    const evilPre = await fetch(`${gw.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(evilPre.status, 403);
    assert.equal(evilPre.headers.get('access-control-allow-origin'), null);

    const ok = await gql(gw.url, { query: '{ __typename }' }, { origin: 'http://localhost:8181' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:8181');
    const same = await gql(gw.url, { query: '{ __typename }' }, { origin: `http://127.0.0.1:${gw.port}` });
    assert.equal(same.status, 200);
    const local = await gql(gw.url, { query: '{ __typename }' }, { origin: `http://localhost:${gw.port}` });
    assert.equal(local.status, 200);
    const evil = await gql(gw.url, { query: '{ __typename }' }, { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.deepEqual(evil.json, { errors: [{ message: 'Origin not allowed' }] });
    // DNS rebinding: evil.example resolves to the gateway, so the browser
    // sends Host and Origin both naming it; the Host header never decides
    const rebound = await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port, path: '/graphql', method: 'POST', headers: {
        host: `evil.example:${gw.port}`, origin: `http://evil.example:${gw.port}`, 'content-type': 'application/json' } },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ __typename }' }));
    });
    assert.equal(rebound, 403);
    // another port of the loopback is another origin
    const otherPort = await gql(gw.url, { query: '{ __typename }' }, { origin: `http://127.0.0.1:${gw.port + 1}` });
    assert.equal(otherPort.status, 403);
  });

  test('GET /metrics exposes counters summed over the loops', async () => {
    for (let i = 0; i < 5; i++) await gql(gw.url, { query: '{ __typename }' });
    await gql(gw.url, { query: 'mutation { get_account(username: "u", password: "p") { iban } }' });
    const res = await fetch(`${gw.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(await res.text());
    assert.ok(m['gateway_http_requests_total{operation="query",status="200"}'] >= 5);
    assert.equal(m['gateway_http_requests_total{operation="mutation",status="200"}'], 1);
    assert.ok(m['gateway_http_requests_total{operation="none",status="400"}'] >= 1);
    assert.ok(m['gateway_http_request_duration_seconds_count'] >= 6);
    assert.equal(m['gateway_http_request_duration_seconds_bucket{le="+Inf"}'], m['gateway_http_request_duration_seconds_count']);
    assert.ok(m['gateway_open_connections{kind="http"}'] >= 1);
    assert.ok(m.gateway_document_cache_entries >= 2, 'documents are cached per loop');
    assert.ok(m.gateway_arena_bytes_in_use > 0, 'cached documents hold arena memory');
    for (const name of ['gateway_active_subscriptions', 'gateway_kafka_produced_total', 'gateway_kafka_consumed_total',
      'gateway_kafka_consumer_lag', 'gateway_projection_size{projection="transactions"}', 'gateway_arena_bytes_in_use']) {
      assert.ok(name in m, name);
    }
  });

  test('hostile input gets a clear answer and no crash', async () => {
    const deep = (n) => '['.repeat(n) + ']'.repeat(n);
    const bodies = [
      Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // bad UTF-8
      `{"query":"{ __typename }","variables":{"a":${deep(3000)}}}`,
      `{"query":"{ __typename }","variables":{"a":${deep(1000)}}}`,
      `{"query":"${'{ a '.repeat(5000)}"}`,
      `{"query":"query($a: [Int]) { transaction_by_id(id: 1) { id } }","variables":{"a":${JSON.stringify(Array(10000).fill(1))}}}`,
      '{"query":"\u0000"}',
      '{"query":"{ __typename }"} trailing',
      `{"query":"${'x'.repeat(200000)}"}`,
    ];
    for (const body of bodies) {
      const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.ok([200, 400].includes(res.status), `status ${res.status} for ${String(body).slice(0, 40)}`);
      const json = await res.json();
      assert.ok(Array.isArray(json.errors) || json.data, String(body).slice(0, 40));
    }
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200, 'still alive');
  });

  test('logs are JSON lines and never show variable values', async () => {
    const secret = 'hunter2-very-secret';
    await gql(gw.url, { query: 'mutation L($p: String!) { get_account(username: "u", password: $p) { iban } }', variables: { p: secret } });
    const u = new URL(`${gw.url}/graphql`);
    u.searchParams.set('query', 'query Q($id: Int!) { transaction_by_id(id: $id) { id } }');
    u.searchParams.set('variables', JSON.stringify({ id: 424242 }));
    await fetch(u);
    await new Promise((r) => setTimeout(r, 100));
    const lines = gw.logs().split('\n').filter((l) => l && !l.startsWith('='));
    assert.ok(lines.length > 5);
    for (const l of lines) {
      const o = JSON.parse(l);
      assert.ok(o.time && o.level && o.msg, l);
    }
    assert.ok(lines.some((l) => JSON.parse(l).msg === 'request'), 'debug level logs requests');
    assert.doesNotMatch(gw.logs(), new RegExp(secret));
    assert.doesNotMatch(gw.logs(), /424242/);
  });
});

describe('gateway --bench', () => {
  let gw;
  before(async () => {
    gw = await startGateway({ args: ['--bench'] });
  });
  after(async () => {
    assert.equal((await gw.stop()).code, 0);
  });

  test('the static list answers all_last_transactions; /bench/raw sends the same bytes', async () => {
    const query = '{ all_last_transactions { id iban new_balance changed_by from_to direction descr } }';
    const r = await gql(gw.url, { query });
    assert.equal(r.status, 200);
    assert.equal(r.json.data.all_last_transactions.length, 10);
    // the latest transaction of each IBAN, ordered by IBAN
    const list = r.json.data.all_last_transactions;
    assert.deepEqual(list.map((t) => t.iban), list.map((t) => t.iban).sort());
    assert.deepEqual(list.map((t) => t.id).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const raw = await fetch(`${gw.url}/bench/raw`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    assert.equal(await raw.text(), r.text);
    assert.equal(raw.headers.get('content-type'), r.headers.get('content-type'));
    const byIban = await gql(gw.url, { query: '{ transactions_by_iban(iban: "NL44OPEN0000000002", max_items: 5) { id direction } transaction_by_id(id: 8) { direction } }' });
    assert.deepEqual(byIban.json.data, { transactions_by_iban: [{ id: 2, direction: 'CREDIT' }], transaction_by_id: { direction: 'DEBIT' } });
  });
});
