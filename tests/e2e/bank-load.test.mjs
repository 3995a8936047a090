// bank-load.test.mjs — tools/bank-load (build/bin/bank-load) against the real
// embedded-kafka, command-handler and gateway. Over the legacy protocol and
// graphql-transport-ws, 4 generators make one whole cycle of the rules each
// (102 transfers, --transfers): every answer must be right, both expected
// refusals (invalid token, insufficient funds) come once per generator, the
// balances read back must match, the exit status is 0. Over HTTP, a short
// ramp (2 generators, 2 more every 2 s, for 7 s) must grow as asked with no
// error and right balances. Every row must be well-formed. Then: a fake
// gateway that answers every transfer with success is caught (wrong answers,
// balances that do not match, exit 1); a descriptor limit too small for the
// generators asked is refused with a message; and bench/report turns the
// rows into its charts and table. No test asserts a speed: the runs are
// bounded by transfers or by rows, not by what a second achieves.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BIN_DIR, LSAN_ENV, SOURCE_DIR, runToEnd } from '../lib/stack.mjs';
import { startBroker, startGateway, startHandler, stop } from './bank-lib.mjs';

const BANK_LOAD = path.join(BIN_DIR, 'bank-load');
const ERROR_KINDS = ['wrong_answer', 'graphql_error', 'timeout', 'http_status', 'connection', 'protocol', 'account', 'balance'];
const PROCS = ['gateway', 'handler', 'broker', 'bank_load'];

/** Runs bank-load with args (under `sh -c "PREFIX; exec ..."` when prefix is set); {code, stderr, text, rows, summary}. */
async function bankLoad(args, { timeoutMs = 60000, prefix = null } = {}) {
  const env = { ...process.env, ...LSAN_ENV };
  const r = prefix
    ? await runToEnd('sh', ['-c', `${prefix}; exec "$0" "$@"`, BANK_LOAD, ...args], { timeoutMs, env })
    : await runToEnd(BANK_LOAD, args, { timeoutMs, env });
  const text = r.stdout.toString();
  const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return {
    code: r.code,
    stderr: r.stderr,
    text,
    rows: lines.filter((l) => l.type === 'row'),
    summary: lines.find((l) => l.type === 'summary'),
  };
}

/** Every row: the fields, their types, one per second in order, the processes watched. */
function checkRows(rows, pids) {
  assert.ok(rows.length >= 1, `rows: ${rows.length}`);
  rows.forEach((r, i) => {
    assert.equal(r.t, i + 1, 'one row a second, numbered');
    for (const k of ['generators', 'ready', 'transfers', 'accounts', 'error_count']) assert.ok(Number.isInteger(r[k]) && r[k] >= 0, k);
    assert.ok(r.ready <= r.generators);
    assert.ok(typeof r.transfers_per_s === 'number' && r.transfers_per_s >= 0);
    for (const k of ['p50_ms', 'p90_ms', 'p99_ms', 'max_ms'])
      assert.ok(r.transfers === 0 ? r[k] === null : typeof r[k] === 'number' && r[k] > 0, `${k} in ${JSON.stringify(r)}`);
    if (r.transfers > 0) assert.ok(r.p50_ms <= r.p90_ms && r.p90_ms <= r.p99_ms && r.p99_ms <= r.max_ms);
    assert.deepEqual(Object.keys(r.errors), ERROR_KINDS);
    assert.equal(Object.values(r.errors).reduce((a, b) => a + b), r.error_count);
    assert.equal(r.error_count, 0, JSON.stringify(r));
    for (const p of PROCS) {
      assert.ok(r[p] !== null, `${p} watched`);
      if (pids[p] !== undefined) assert.equal(r[p].pid, pids[p]);
      assert.ok(r[p].rss_mb > 0);
      assert.ok(r[p].cpu_pct === null || r[p].cpu_pct >= 0);
    }
  });
}

/** A run that went right: no errors, every answer right, no balance wrong. */
function checkSummary(s, protocol) {
  assert.ok(s, 'a summary line');
  assert.equal(s.protocol, protocol);
  assert.equal(s.ok, true, JSON.stringify(s));
  assert.equal(s.error_count, 0);
  assert.equal(s.right, s.transfers, 'every answer right');
  assert.equal(s.balances.mismatched, 0);
}

describe('bank-load against the real stack', () => {
  let broker, handler, gw, pids;
  const allRows = {};
  before(async () => {
    broker = await startBroker();
    handler = await startHandler(broker.bootstrap);
    gw = await startGateway(broker.bootstrap);
    pids = { gateway: gw.proc.pid, handler: handler.pid, broker: broker.proc.pid };
  });
  after(async () => {
    const r = await gw?.stop();
    await stop(handler);
    await stop(broker.proc);
    assert.equal(r.code, 0, r.logs);
  });

  const common = () => ['--url', gw.url, '--pause-ms', '50', '--timeout-ms', '10000'];
  const watch = () => ['--pid-gateway', String(pids.gateway), '--pid-handler', String(pids.handler), '--pid-broker', String(pids.broker)];

  for (const protocol of ['legacy', 'graphql-transport-ws']) {
    test(`${protocol}: 4 generators, one cycle of the rules each, every answer and balance right`, async () => {
      // legacy names the processes to watch; graphql-transport-ws finds them (the gateway by its port, the others
      // as its siblings, though other stacks may run on the machine)
      const which = protocol === 'legacy' ? watch() : [];
      const r = await bankLoad([...common(), ...which, '--protocol', protocol, '--generators', '4', '--transfers', '102', '--seconds', '150']);
      assert.equal(r.code, 0, r.stderr + r.text);
      checkRows(r.rows, pids);
      assert.equal(r.rows[0].generators, 4);
      assert.ok(r.rows.every((row, i) => i === 0 || row.generators <= r.rows[i - 1].generators));
      const s = r.summary;
      checkSummary(s, protocol);
      assert.equal(s.operation, 'subscription');
      assert.equal(s.stop_reason, 'transfers');
      assert.equal(s.generators, 4);
      assert.equal(s.accounts, 8);
      assert.equal(s.transfers, 4 * 102);
      assert.equal(s.refused_invalid_token, 4);
      assert.equal(s.refused_insufficient_funds, 4);
      assert.deepEqual(s.balances, { checked: 4, mismatched: 0, unverified: 0 });
      allRows[protocol] = r.text;
    });
  }

  test('http with a ramp: 2 generators, 2 more every 2 s, for 7 s', async () => {
    const r = await bankLoad([
      ...common(), ...watch(), '--protocol', 'http', '--generators', '2',
      '--ramp-every', '2', '--ramp-step', '2', '--max-p99-ms', '600000', '--seconds', '7',
    ]);
    assert.equal(r.code, 0, r.stderr + r.text);
    checkRows(r.rows, pids);
    assert.deepEqual(r.rows.map((row) => row.generators), [2, 2, 4, 4, 6, 6, 8]);
    const s = r.summary;
    checkSummary(s, 'http');
    assert.equal(s.operation, 'mutation');
    assert.equal(s.stop_reason, 'seconds');
    assert.equal(s.generators, 8);
    // the last generators may still be opening their accounts when the run ends
    assert.ok(s.balances.checked >= 2 && s.balances.checked + s.balances.unverified === 8, JSON.stringify(s));
    allRows.http = r.text;
  });

  test('bench/report charts the rows and tables them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bank-load-report-'));
    const files = Object.entries(allRows).map(([name, text]) => {
      const f = path.join(dir, `${name}.jsonl`);
      fs.writeFileSync(f, text);
      return f;
    });
    assert.ok(files.length > 0);
    const out = path.join(dir, 'out');
    const r = await runToEnd(process.execPath, [path.join(SOURCE_DIR, 'bench/report/report.mjs'), '--out', out, ...files]);
    assert.equal(r.code, 0, r.stderr);
    for (const svg of ['latency.svg', 'cpu.svg', 'rss.svg']) {
      const text = fs.readFileSync(path.join(out, svg), 'utf8');
      assert.match(text, /^<svg [^>]*>/);
      assert.match(text, /<polyline /);
    }
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const name of Object.keys(allRows)) assert.match(md, new RegExp(`^\\| ${name} \\| \\d+ \\|`, 'm'));
  });
});

describe('bank-load catches what is wrong', () => {
  test('a gateway that says yes to every transfer: wrong answers, wrong balances, exit 1', async () => {
    // fixed accounts, success for every transfer, no transactions for any balance query
    let n = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const { query, variables } = JSON.parse(body);
        let data;
        if (query.includes('get_account'))
          data = { get_account: { iban: `NL00FAKE${String(++n).padStart(10, '0')}`, token: '12345678901234567890', reason: null } };
        else if (query.includes('money_transfer')) data = { money_transfer: { uuid: variables.uuid, success: true, reason: null } };
        else data = { a: [], b: [] };
        const text = JSON.stringify({ data });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${server.address().port}`;
      const r = await bankLoad([
        '--url', url, '--protocol', 'http', '--generators', '1', '--seconds', '3', '--pause-ms', '0',
        '--timeout-ms', '1000', '--pid-gateway', '0', '--pid-handler', '0', '--pid-broker', '0',
      ]);
      assert.equal(r.code, 1, r.stderr + r.text);
      assert.equal(r.summary.ok, false);
      assert.ok(r.summary.errors.wrong_answer > 0, JSON.stringify(r.summary));
      assert.equal(r.summary.errors.balance, 1);
      assert.deepEqual(r.summary.balances, { checked: 0, mismatched: 1, unverified: 0 });
      assert.match(
        r.stderr,
        /wrong_answer: generator 0: transfer [0-9a-f-]{36} of 100000 cents from first to second: expected failure "insufficient funds", got success true/,
      );
      assert.ok(r.rows.every((row) => row.gateway === null && row.bank_load !== null));
    } finally {
      server.close();
    }
  });

  test('more generators than descriptors: refused with a message', async () => {
    const r = await bankLoad(['--url', 'http://127.0.0.1:9', '--generators', '1000'], { prefix: 'ulimit -n 256' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /1000 generators need 1032 file descriptors .* RLIMIT_NOFILE allows 256/);
    assert.equal(r.text, '');
  });
});
