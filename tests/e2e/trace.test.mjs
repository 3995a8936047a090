// trace.test.mjs — W3C Trace Context and OTLP export across the three
// processes: an OTLP/HTTP JSON receiver in the test (a node http server taking
// POST /v1/traces), the real embedded-kafka, command-handler and gateway started
// with OTEL_EXPORTER_OTLP_ENDPOINT pointing at it and the always_on sampler.
// One money_transfer sent with a traceparent must come back as one trace:
//
//   client span (the test's traceparent)
//   └─ gateway   POST /graphql                        SERVER
//      └─ gateway   confirm_money_transfer send        PRODUCER
//         └─ handler   confirm_money_transfer process  CONSUMER
//            ├─ handler   balance_changed send         PRODUCER
//            └─ handler   money_transfer_confirmed send PRODUCER
//               └─ gateway   money_transfer_confirmed receive  CONSUMER (links the POST /graphql span)
//
// and a stream_transactions subscriber's delivery span links the
// BalanceChanged's context. Also: without an endpoint nothing is exported and
// there is no exporter thread; with a dead receiver the drops are counted and
// the gateway answers as before.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { COMMAND_HANDLER, baseConfig, startGatewayProcess, start, writeTemp } from '../lib/stack.mjs';
import { TOPOLOGY, account, gql, metrics, startBroker, stop, until, waitReady } from './bank-lib.mjs';

const TRANSFER = `mutation Transfer($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!, $descr: String!) {
  money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to, descr: $descr) { uuid success reason } }`;

/** An OTLP/HTTP JSON receiver on a free port: {url, spans (flattened, with .service), requests, close()}. */
async function startReceiver() {
  const spans = [];
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, contentType: req.headers['content-type'] });
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const doc = JSON.parse(body);
      for (const rs of doc.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    spans,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

function gatewayConfig(kafka) {
  return writeTemp(baseConfig('  shutdown_timeout_ms: 2000', kafka), { prefix: 'gw-trace-' });
}

const kafkaSection = (bootstrap) => `kafka:
  enabled: true
  brokers: "${bootstrap}"
  topology: "${TOPOLOGY}"
  fetch_wait_ms: 1
  command_timeout_ms: 20000
`;

const OTEL_VARS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_SERVICE_NAME',
  'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];

/** Threads of pid named otlp-export (the exporter). */
function exporterThreads(pid) {
  return fs.readdirSync(`/proc/${pid}/task`).filter((t) => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim() === 'otlp-export';
    } catch {
      return false;
    }
  }).length;
}

const attr = (span, key) => {
  const a = span.attributes?.find((x) => x.key === key);
  return a ? (a.value.stringValue ?? a.value.intValue) : undefined;
};
const ms = (s) => (Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6).toFixed(2);

describe('tracing across gateway, Kafka and the command handler', () => {
  let receiver, broker, handler, gw;
  before(async () => {
    receiver = await startReceiver();
    const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_on' };
    delete env.OTEL_SERVICE_NAME;
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    broker = await startBroker();
    const dir = fs.mkdtempSync('/tmp/ch-trace-');
    ({ proc: handler } = await start(
      COMMAND_HANDLER,
      ['--brokers', broker.bootstrap, '--topology', TOPOLOGY, '--state-dir', dir, '--snapshot-interval', '1', '--fetch-wait-ms', '1'],
      /^READY$/,
      { env },
    ));
    gw = await startGatewayProcess(gatewayConfig(kafkaSection(broker.bootstrap)), {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_on' },
      unset: ['KAFKA_BROKERS', 'GW_TOPOLOGY', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    });
    await waitReady(gw);
  });
  after(async () => {
    const r = await gw?.stop();
    const h = await stop(handler);
    await stop(broker.proc);
    await receiver?.close();
    assert.equal(r.code, 0, r.logs);
    assert.equal(h.code, 0, handler.stderrText());
  });

  test('one transfer with a traceparent is one trace across the three processes', async () => {
    assert.equal(exporterThreads(gw.proc.pid), 1);
    assert.equal(exporterThreads(handler.pid), 1);
    const alice = await account(gw, `alice-${randomUUID()}`, 'pw');

    // a subscriber, to see its delivery linked to the BalanceChanged
    const client = createClient({ url: `${gw.url.replace('http', 'ws')}/graphql-ws`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const events = [];
    let subscribed;
    const ready = new Promise((r) => (subscribed = r));
    const unsubscribe = client.subscribe(
      { query: `subscription($iban: String!) { stream_transactions(iban: $iban) { id iban changed_by } }`, variables: { iban: alice.iban } },
      { next: (v) => events.push(v), error: () => {}, complete: () => {} },
    );
    client.on('connected', () => subscribed());
    await ready;
    await new Promise((r) => setTimeout(r, 300)); // the subscribe message follows the connection_ack

    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const r = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        traceparent: `00-${traceId}-${clientSpan}-01`,
        tracestate: 'openbank=test',
      },
      body: JSON.stringify({
        query: TRANSFER,
        operationName: 'Transfer',
        variables: { uuid: randomUUID(), token: 'cash', amount: 1234, from: 'cash', to: alice.iban, descr: 'traced' },
      }),
    });
    const body = await r.json();
    assert.equal(body.data.money_transfer.success, true, JSON.stringify(body));
    await until(() => events.length > 0, 'the subscriber got the BalanceChanged', 20000);

    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const find = (pred) => inTrace().find(pred);
    // every process exports within about a second (batch timer)
    await until(() => find((s) => s.service === 'openbank-gateway' && s.kind === 5), 'the gateway receive span', 20000);
    await until(() => inTrace().filter((s) => s.service === 'command-handler').length >= 3, 'the handler spans', 20000);

    const server = find((s) => s.kind === 2);
    assert.ok(server, 'gateway server span');
    assert.equal(server.service, 'openbank-gateway');
    assert.equal(server.name, 'POST /graphql');
    assert.equal(server.parentSpanId, clientSpan);
    assert.equal(server.traceState, 'openbank=test');
    assert.equal(attr(server, 'graphql.operation.name'), 'Transfer');
    assert.equal(attr(server, 'graphql.operation.type'), 'mutation');
    assert.equal(attr(server, 'http.response.status_code'), '200');

    const produce = find((s) => s.kind === 4 && s.service === 'openbank-gateway');
    assert.ok(produce, 'gateway produce span');
    assert.equal(produce.name, 'confirm_money_transfer send');
    assert.equal(produce.parentSpanId, server.spanId);

    const processSpan = find((s) => s.kind === 5 && s.service === 'command-handler');
    assert.ok(processSpan, 'handler process span');
    assert.equal(processSpan.name, 'confirm_money_transfer process');
    assert.equal(processSpan.parentSpanId, produce.spanId);
    assert.equal(processSpan.traceState, 'openbank=test');

    const handlerSends = inTrace().filter((s) => s.kind === 4 && s.service === 'command-handler');
    const feedback = handlerSends.find((s) => s.name === 'money_transfer_confirmed send');
    const bcSend = handlerSends.find((s) => s.name === 'balance_changed send');
    assert.ok(feedback, `handler feedback span among ${handlerSends.map((s) => s.name)}`);
    assert.ok(bcSend, 'handler BalanceChanged span');
    assert.equal(feedback.parentSpanId, processSpan.spanId);
    assert.equal(bcSend.parentSpanId, processSpan.spanId);

    const receive = find((s) => s.kind === 5 && s.service === 'openbank-gateway' && s.name.endsWith(' receive'));
    assert.equal(receive.name, 'money_transfer_confirmed receive');
    assert.equal(receive.parentSpanId, feedback.spanId);
    assert.ok(receive.links.some((l) => l.traceId === traceId && l.spanId === server.spanId), 'receive links the request');
    // the answer came after the receive: the request span encloses it
    assert.ok(BigInt(server.endTimeUnixNano) >= BigInt(receive.endTimeUnixNano));

    // the subscriber's delivery links the BalanceChanged's context (its own trace)
    await until(
      () => receiver.spans.find((s) => s.name === 'stream_transactions event' && s.links?.some((l) => l.spanId === bcSend.spanId)),
      'the delivery span linked to the BalanceChanged',
      20000,
    );
    const delivery = receiver.spans.find((s) => s.name === 'stream_transactions event' && s.links?.some((l) => l.spanId === bcSend.spanId));
    assert.equal(delivery.links.find((l) => l.spanId === bcSend.spanId).traceId, traceId);
    unsubscribe();
    await client.dispose();

    // what the closing note shows: the trace as the receiver got it
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    const depth = (s) => (byId.has(s.parentSpanId) ? 1 + depth(byId.get(s.parentSpanId)) : 0);
    const t0 = BigInt(server.startTimeUnixNano);
    const lines = [...inTrace()]
      .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
      .map((s) => `${'  '.repeat(depth(s))}${s.name} [${s.service}] kind=${s.kind} +${(Number(BigInt(s.startTimeUnixNano) - t0) / 1e6).toFixed(2)} ms, ${ms(s)} ms` +
        ` span=${s.spanId} parent=${s.parentSpanId ?? '-'}${s.links?.length ? ` links=${s.links.map((l) => l.spanId).join(',')}` : ''}`);
    lines.push(`stream_transactions event [${delivery.service}] ${ms(delivery)} ms span=${delivery.spanId} trace=${delivery.traceId} links=${delivery.links.map((l) => l.spanId).join(',')}`);
    console.log(`trace ${traceId} (client span ${clientSpan}):\n${lines.join('\n')}`);
    assert.ok(receiver.requests.every((q) => q.contentType === 'application/json' && q.url === '/v1/traces'));

    const m = await metrics(gw);
    assert.ok(m.gateway_trace_spans_exported_total >= 3);
    assert.equal(m.gateway_trace_spans_dropped_total, 0);
  });

  test('WebSocket (connection_init payload, per-operation extensions) and SSE (headers) carry the context too', async () => {
    const alice = await account(gw, `alice-${randomUUID()}`, 'pw');
    const hex = (n) => randomBytes(n).toString('hex');
    const initTrace = hex(16), initSpan = hex(8), extTrace = hex(16), extSpan = hex(8), sseTrace = hex(16), sseSpan = hex(8);
    const client = createClient({
      url: `${gw.url.replace('http', 'ws')}/graphql-ws`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { traceparent: `00-${initTrace}-${initSpan}-01` },
    });
    const once = (payload) =>
      new Promise((resolve, reject) => {
        let result;
        client.subscribe(payload, { next: (v) => (result = v), error: reject, complete: () => resolve(result) });
      });
    const vars = () => ({ uuid: randomUUID(), token: 'cash', amount: 100, from: 'cash', to: alice.iban, descr: 'ws' });
    const a = await once({ query: TRANSFER, operationName: 'Transfer', variables: vars() });
    assert.equal(a.data.money_transfer.success, true);
    const b = await once({
      query: TRANSFER,
      operationName: 'Transfer',
      variables: vars(),
      extensions: { traceparent: `00-${extTrace}-${extSpan}-01` },
    });
    assert.equal(b.data.money_transfer.success, true);
    await client.dispose();

    const r = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', traceparent: `00-${sseTrace}-${sseSpan}-01` },
      body: JSON.stringify({ query: 'query Sse { __typename }' }),
    });
    assert.match(await r.text(), /"__typename":"Query"/);

    const op = (trace) => receiver.spans.find((s) => s.traceId === trace && s.kind === 2);
    for (const [trace, parent, name] of [[initTrace, initSpan, 'mutation Transfer'], [extTrace, extSpan, 'mutation Transfer'], [sseTrace, sseSpan, 'query Sse']]) {
      await until(() => op(trace), `the operation span of ${name}`, 20000);
      const s = op(trace);
      assert.equal(s.name, name);
      assert.equal(s.parentSpanId, parent);
      if (name.startsWith('mutation')) {
        await until(() => receiver.spans.find((x) => x.traceId === trace && x.kind === 4 && x.parentSpanId === s.spanId), `the produce span under ${name}`, 20000);
        await until(() => receiver.spans.find((x) => x.traceId === trace && x.service === 'command-handler'), 'the handler continues it', 20000);
      }
    }
  });
});

describe('tracing off and a dead receiver', () => {
  test('no endpoint: no exporter thread, nothing exported', async () => {
    const receiver = await startReceiver();
    const gw = await startGatewayProcess(gatewayConfig(''), { unset: OTEL_VARS });
    try {
      const r = await gql(gw, '{ __typename }');
      assert.equal(r.data.__typename, 'Query');
      assert.equal(exporterThreads(gw.proc.pid), 0);
      const m = await metrics(gw);
      assert.equal(m.gateway_trace_spans_exported_total, 0);
      assert.equal(m.gateway_trace_spans_dropped_total, 0);
      assert.equal(receiver.requests.length, 0);
    } finally {
      const s = await gw.stop();
      await receiver.close();
      assert.equal(s.code, 0, s.logs);
    }
  });

  test('a dead receiver: spans dropped and counted, requests answered as before', async () => {
    // a port that was just free: nobody listens there
    const dead = await startReceiver();
    const url = dead.url;
    await dead.close();
    const gw = await startGatewayProcess(gatewayConfig(''), {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TRACES_SAMPLER: 'always_on' },
      unset: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    });
    try {
      assert.equal(exporterThreads(gw.proc.pid), 1);
      for (let i = 0; i < 20; i++) {
        const r = await gql(gw, '{ __typename }');
        assert.equal(r.data.__typename, 'Query');
      }
      await until(async () => (await metrics(gw)).gateway_trace_spans_dropped_total >= 20, 'drops counted', 20000);
      const m = await metrics(gw);
      assert.equal(m.gateway_trace_spans_exported_total, 0);
      assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
      assert.match(gw.logs(), /OTLP export to .* failed/);
    } finally {
      const s = await gw.stop();
      assert.equal(s.code, 0, s.logs);
    }
  });
});
