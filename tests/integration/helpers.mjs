// tests/integration/helpers.mjs — starts the real gateway binary for a test
// and speaks raw HTTP to it.
//
// GATEWAY_BIN (the binary) and SOURCE_DIR (the repository) come from ctest
// (tests/integration/CMakeLists.txt). The gateway listens on a free port
// (GATEWAY_PORT=0) and logs it in its "listening" line, which we wait for.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { GATEWAY, LSAN_ENV, baseConfig, runToEnd, startGatewayProcess, writeTemp } from '../lib/stack.mjs';

export { baseConfig, parseMetrics, SOURCE_DIR } from '../lib/stack.mjs';
export const GATEWAY_BIN = GATEWAY;
export const ARTIFACTS_DIR = process.env.ARTIFACTS_DIR ?? path.join(os.tmpdir(), 'gateway-artifacts');

/** Writes a YAML config (text) to a temp file and returns its path. */
export function writeConfig(yaml) {
  return writeTemp(yaml);
}

/**
 * Starts the gateway. Options: config (YAML text, default baseConfig()),
 * args (extra arguments), env (extra environment). Resolves to
 * { url, port, proc, logs(), stdout(), stop() } once it logs "listening";
 * stop() sends SIGTERM and resolves { code, signal, logs }.
 */
export async function startGateway({ config = baseConfig(), args = [], env = {} } = {}) {
  return startGatewayProcess(writeConfig(config), { args, env });
}

/** Runs the binary to completion (for --help, --check-config, bad configs): { code, stdout, stderr }. */
export async function runGateway(args, env = {}) {
  const r = await runToEnd(GATEWAY, args, { env: { ...process.env, ...LSAN_ENV, ...env }, timeoutMs: 60000 });
  return { code: r.code, stdout: r.stdout.toString(), stderr: r.stderr };
}

/** POSTs a GraphQL request; returns { status, headers, text, json }. */
export async function gql(url, body, headers = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * Sends raw bytes on a new TCP connection and resolves with everything the
 * server sent until it closed the connection (or `timeoutMs` passed).
 */
export function rawRequest(port, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data, closed: false });
    }, timeoutMs);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => (data += d.toString('latin1')));
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (data) resolve({ data, closed: true });
      else reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
  });
}

/** The status code of a raw HTTP/1.1 response text. */
export function statusOf(raw) {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}
