// tests/lib/registry.mjs — a Confluent Schema Registry served by the test
// process itself, for the tests of the gateway and the command handler with
// registry-assigned schema ids. It answers the two REST calls the C client
// (gateway/events/registry.c) makes: POST /subjects/S/versions (register) and
// GET /schemas/ids/N (fetch). Like the real registry, one schema text has one
// id whichever subject registers it.

import http from 'node:http';

/**
 * Starts the registry on a free port; ids are handed out from firstId on.
 * Resolves to:
 *   url       its base URL
 *   server    the http.Server
 *   entries   [{id, subject, schema}], one per (subject, schema) registered;
 *             a test may push an entry to make an id known (GET finds it)
 *   subjects  Map subject -> Map(schema text -> id)
 *   register(schema) a new id for schema text without a subject (as another
 *             producer's registration would); returns the id
 *   close()   stops the server
 */
export async function fakeRegistry({ firstId = 100 } = {}) {
  const entries = [];
  const subjects = new Map();
  let next = firstId;
  const idOf = (schema) => entries.find((e) => e.schema === schema)?.id;
  const register = (schema, subject = null) => {
    const id = idOf(schema) ?? next++;
    if (!entries.some((e) => e.subject === subject && e.schema === schema)) entries.push({ id, subject, schema });
    return id;
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (status, obj) => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(obj));
      };
      let m;
      if (req.method === 'POST' && (m = /^\/subjects\/([^/]+)\/versions$/.exec(req.url))) {
        const subject = decodeURIComponent(m[1]);
        const { schema } = JSON.parse(body);
        const id = register(schema, subject);
        const versions = subjects.get(subject) ?? new Map();
        subjects.set(subject, versions);
        versions.set(schema, id);
        return send(200, { id });
      }
      if (req.method === 'GET' && (m = /^\/schemas\/ids\/(\d+)$/.exec(req.url))) {
        const e = entries.find((x) => x.id === Number(m[1]));
        return e ? send(200, { schema: e.schema }) : send(404, { error_code: 40403, message: 'Schema not found' });
      }
      send(404, { error_code: 404, message: 'not found' });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    server,
    entries,
    subjects,
    register: (schema) => register(schema),
    close: () => new Promise((r) => server.close(r)),
  };
}
