// tests/integration/compress.test.mjs — response compression (server.compress)
// against the real binary, with node's http module (which, unlike fetch, does
// not decompress): gzip when the client accepts it and the body reaches
// min_bytes, the same JSON after gunzip, identity otherwise, Vary:
// Accept-Encoding on every response that could have been compressed, files
// (GraphiQL, the web app) too, never an SSE stream, and nothing when disabled.
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { getIntrospectionQuery } from 'graphql';

import { baseConfig, startGateway } from './helpers.mjs';

/** One request; resolves {status, headers, body: Buffer} (the raw bytes). */
function request(port, { method = 'GET', path = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const post = (port, query, headers = {}) =>
  request(port, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

const varyHas = (h, token) => (h.vary ?? '').toLowerCase().split(/\s*,\s*/).includes(token);

describe('compression on (default: gzip from 1024 bytes)', () => {
  let gw;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    const r = await gw.stop();
    assert.equal(r.code, 0, r.logs);
  });

  test('a large GraphQL response is gzipped and decompresses to the same JSON', async () => {
    const plain = await post(gw.port, getIntrospectionQuery());
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
    assert.ok(varyHas(plain.headers, 'accept-encoding'), `Vary: ${plain.headers.vary}`);
    assert.ok(plain.body.length > 1024);
    const gz = await post(gw.port, getIntrospectionQuery(), { 'accept-encoding': 'gzip' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(varyHas(gz.headers, 'accept-encoding'), `Vary: ${gz.headers.vary}`);
    assert.match(gz.headers['content-type'], /json/);
    const unzipped = zlib.gunzipSync(gz.body);
    assert.deepEqual(JSON.parse(unzipped), JSON.parse(plain.body));
    assert.ok(gz.body.length * 4 < plain.body.length, `compressed ${gz.body.length} of ${plain.body.length} bytes`);
  });

  test("a browser's list (gzip among others), and identity only", async () => {
    // h2o 2.2.5 reads the tokens of the list without q-values (an entry with
    // parameters, "gzip;q=0.8", is not recognised): browsers send bare tokens
    const r = await post(gw.port, getIntrospectionQuery(), { 'accept-encoding': 'gzip, deflate, br, zstd' });
    assert.equal(r.headers['content-encoding'], 'gzip'); // this libh2o has no brotli
    const none = await post(gw.port, getIntrospectionQuery(), { 'accept-encoding': 'identity' });
    assert.equal(none.headers['content-encoding'], undefined);
    JSON.parse(none.body);
  });

  test('a small response is sent as it is', async () => {
    const r = await post(gw.port, '{ __typename }', { 'accept-encoding': 'gzip' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.deepEqual(JSON.parse(r.body), { data: { __typename: 'Query' } });
  });

  test('GET with the query in the URL, GraphiQL and the web app files', async () => {
    const q = encodeURIComponent(getIntrospectionQuery());
    const get = await request(gw.port, { path: `/graphql?query=${q}`, headers: { 'accept-encoding': 'gzip', accept: 'application/json' } });
    assert.equal(get.headers['content-encoding'], 'gzip');
    JSON.parse(zlib.gunzipSync(get.body));
    for (const path of ['/graphiql', '/graphiql/assets/graphiql.min.js', '/']) {
      const r = await request(gw.port, { path, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-encoding'], 'gzip', path);
      const plain = await request(gw.port, { path });
      assert.equal(plain.headers['content-encoding'], undefined, path);
      assert.ok(zlib.gunzipSync(r.body).equals(plain.body), `${path}: the same bytes after gunzip`);
    }
  });

  test('an SSE stream is never compressed', async () => {
    const r = await post(gw.port, getIntrospectionQuery(), { accept: 'text/event-stream', 'accept-encoding': 'gzip' });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/event-stream/);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.match(r.body.toString(), /event: next/);
  });
});

describe('compression off, and a raised threshold', () => {
  test('server.compress.enabled: false sends identity; min_bytes is honoured', async () => {
    const off = await startGateway({ config: baseConfig('  compress:\n    enabled: false') });
    const high = await startGateway({ config: baseConfig('  compress:\n    min_bytes: 10000000\n    gzip_level: 9') });
    try {
      for (const gw of [off, high]) {
        const r = await post(gw.port, getIntrospectionQuery(), { 'accept-encoding': 'gzip' });
        assert.equal(r.status, 200);
        assert.equal(r.headers['content-encoding'], undefined);
        JSON.parse(r.body);
      }
    } finally {
      for (const gw of [off, high]) {
        const r = await gw.stop();
        assert.equal(r.code, 0, r.logs);
      }
    }
  });
});
