// tests/integration/helpers.mjs — starts the real gateway binary for a test
// and speaks raw HTTP to it.
//
// GATEWAY_BIN (the binary) and SOURCE_DIR (the repository) come from ctest
// (tests/integration/CMakeLists.txt). The gateway listens on a free port
// (GATEWAY_PORT=0) and logs it in its "listening" line, which we wait for.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const GATEWAY_BIN = process.env.GATEWAY_BIN ?? path.resolve('build/bin/gateway');
export const SOURCE_DIR = process.env.SOURCE_DIR ?? path.resolve('.');
export const ARTIFACTS_DIR = process.env.ARTIFACTS_DIR ?? path.join(os.tmpdir(), 'gateway-artifacts');

/** Writes a YAML config (text) to a temp file and returns its path. */
export function writeConfig(yaml) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-config-'));
  const file = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

/** The default YAML for tests: the repo's schema, pages and assets. */
export function baseConfig(extraServer = '', extraTop = '') {
  return `server:
  port: 0
  threads: 2
${extraServer}
graphql:
  schema: "${SOURCE_DIR}/schema/bank.graphql"
web:
  root: "${SOURCE_DIR}/static"
  assets: "${SOURCE_DIR}/node_modules"
log:
  level: info
${extraTop}`;
}

/**
 * Starts the gateway. Options: config (YAML text, default baseConfig()),
 * args (extra arguments), env (extra environment). Resolves to
 * { url, port, proc, logs(), stop() } once it logs "listening".
 */
export async function startGateway({ config = baseConfig(), args = [], env = {} } = {}) {
  const file = writeConfig(config);
  const proc = spawn(GATEWAY_BIN, ['--config', file, ...args], {
    env: {
      ...process.env,
      LSAN_OPTIONS: `suppressions=${SOURCE_DIR}/tests/integration/lsan.supp`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stdout.on('data', (d) => (stdout += d));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${stderr}`)), 15000);
    proc.stderr.on('data', (d) => {
      stderr += d;
      const m = /"msg":"listening".*"port":(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${stderr}`));
    });
  });
  const exited = once(proc, 'exit');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    logs: () => stderr,
    stdout: () => stdout,
    /** SIGTERM, then the exit code (and the full stderr). */
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const [code, sig] = await exited;
      return { code, signal: sig, logs: stderr };
    },
  };
}

/** Runs the binary to completion (for --help, --check-config, bad configs). */
export async function runGateway(args, env = {}) {
  const proc = spawn(GATEWAY_BIN, args, {
    env: { ...process.env, LSAN_OPTIONS: `suppressions=${SOURCE_DIR}/tests/integration/lsan.supp`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(proc, 'exit');
  return { code, stdout, stderr };
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

/** Parses the Prometheus text into { 'name{labels}': number }. */
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}
