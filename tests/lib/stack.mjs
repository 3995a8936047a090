// tests/lib/stack.mjs — what the Node tests share to run the real programs:
// where the built binaries are, starting a program and waiting for its ready
// line, running one to its end, starting the gateway on a free port (port 0,
// read back from its "listening" log line), the embedded broker and the
// command handler, temporary config files and TLS certificates, and the
// Prometheus text of /metrics. Used by tests/e2e/{bank,events}-lib.mjs and
// tests/integration/helpers.mjs (which re-export what their tests import).
//
// Paths come from ctest's environment (tests/e2e/CMakeLists.txt,
// tests/integration/CMakeLists.txt): SOURCE_DIR, GW_BIN_DIR, GATEWAY_BIN,
// EMBEDDED_KAFKA, COMMAND_HANDLER; run by hand, they default to this checkout
// and its build/bin.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const SOURCE_DIR = process.env.SOURCE_DIR ?? path.resolve(import.meta.dirname, '../..');
export const BIN_DIR = process.env.GW_BIN_DIR ?? path.join(SOURCE_DIR, 'build/bin');
export const GATEWAY = process.env.GATEWAY_BIN ?? path.join(BIN_DIR, 'gateway');
export const EMBEDDED_KAFKA = process.env.EMBEDDED_KAFKA ?? path.join(BIN_DIR, 'embedded-kafka');
export const COMMAND_HANDLER = process.env.COMMAND_HANDLER ?? path.join(BIN_DIR, 'command-handler');

/** The environment a sanitizer build of the gateway needs (known leaks of libraries suppressed). */
export const LSAN_ENV = { LSAN_OPTIONS: `suppressions=${SOURCE_DIR}/tests/integration/lsan.supp` };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Writes `text` to `name` in a new temporary directory; returns the file's path. */
export function writeTemp(text, { prefix = 'gw-config-', name = 'gateway.yaml' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/**
 * The gateway YAML the tests start from: port 0 (a free port), two threads,
 * this checkout's schema, pages and assets, info logs. extraServer is added
 * to the server: section, extraTop after everything.
 */
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
 * A new self-signed certificate for CN=localhost (EC P-256, valid one day),
 * made with the openssl CLI in a temporary directory: {cert, key} (PEM file
 * paths) and `server`, the lines that turn TLS on in baseConfig's server:
 * section.
 */
export function selfSignedTls() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  return { cert, key, server: `  tls:\n    certificate: "${cert}"\n    key: "${key}"\n` };
}

/**
 * Spawns cmd with piped stdout/stderr. proc.stderrText() is everything it
 * wrote to stderr so far (echoed when E2E_VERBOSE is set); proc.exited
 * resolves {code, signal} when it exits.
 */
function spawnTracked(cmd, args, opts) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.E2E_VERBOSE) process.stderr.write(d);
  });
  proc.stderrText = () => stderr;
  proc.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return proc;
}

/**
 * Starts a program; resolves {proc, line} when its stdout prints a line
 * matching `ready`. Rejects when it exits first (the error has .code) or
 * after 20 s.
 */
export function start(cmd, args, ready, opts = {}) {
  const proc = spawnTracked(cmd, args, opts);
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    const timer = setTimeout(() => reject(new Error(`${cmd}: not ready in time\n${proc.stderrText()}`)), 20000);
    rl.on('line', (line) => {
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve({ proc, line });
      }
    });
    proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`${cmd} exited (${code ?? signal}) before ready:\n${proc.stderrText()}`), { code }));
    });
  });
}

/** Sends `signal` to a program from start() unless it has exited; resolves {code, signal} once it has. */
export async function stop(proc, signal = 'SIGTERM') {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exited;
  proc.kill(signal);
  return proc.exited;
}

/**
 * Starts embedded-kafka with `brokers` brokers and the topics of `topology`;
 * resolves {proc, bootstrap} once it printed its BOOTSTRAP= line.
 */
export async function startBroker(topology, { brokers = 1 } = {}) {
  const { proc, line } = await start(EMBEDDED_KAFKA, ['--brokers', String(brokers), '--topology', topology], /^BOOTSTRAP=/);
  return { proc, bootstrap: line.slice('BOOTSTRAP='.length) };
}

/**
 * Starts the command handler against `bootstrap` (snapshots every second,
 * fetches waiting at most fetchWaitMs); resolves its process, with
 * proc.stateDir set, once it printed READY. stateDir defaults to a new
 * temporary directory.
 */
export async function startHandler(bootstrap, topology, { stateDir, fetchWaitMs = 1 } = {}) {
  const dir = stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ch-'));
  const { proc } = await start(
    COMMAND_HANDLER,
    ['--brokers', bootstrap, '--topology', topology, '--state-dir', dir, '--snapshot-interval', '1', '--fetch-wait-ms', String(fetchWaitMs)],
    /^READY$/,
  );
  proc.stateDir = dir;
  return proc;
}

/**
 * Runs a program to its end: {code, stdout: Buffer, stderr: string}. It is
 * killed (SIGKILL) after timeoutMs. Resolves once its output is closed, so
 * nothing it wrote is missed.
 */
export function runToEnd(cmd, args, { timeoutMs = 20000, ...opts } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    const out = [];
    let err = '';
    proc.stdout.on('data', (d) => out.push(d));
    proc.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}

/**
 * Starts the gateway with config file `file` (which should say `port: 0`):
 * args are extra arguments, env is added to this process's environment
 * (with LSAN_ENV), and the variables named in `unset` are removed from it.
 * Resolves once it logs "listening" to
 * {port, url, proc, logs(), stdout(), stop(signal)}; stop sends the signal
 * (SIGTERM by default) unless it has exited and resolves {code, signal, logs}.
 * Rejects when the gateway exits first or does not listen within 20 s.
 */
export async function startGatewayProcess(file, { args = [], env = {}, unset = [] } = {}) {
  const environment = { ...process.env, ...LSAN_ENV, ...env };
  for (const name of unset) delete environment[name];
  const proc = spawnTracked(GATEWAY, ['--config', file, ...args], { env: environment });
  let stdout = '';
  proc.stdout.on('data', (d) => (stdout += d));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${proc.stderrText()}`)), 20000);
    const check = () => {
      const m = /"msg":"listening".*"port":(\d+)/.exec(proc.stderrText());
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stderr.on('data', check);
    proc.exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${proc.stderrText()}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    logs: () => proc.stderrText(),
    stdout: () => stdout,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const { code, signal: sig } = await proc.exited;
      return { code, signal: sig, logs: proc.stderrText() };
    },
  };
}

/** Parses the Prometheus text format into {'name{labels}': number}. */
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}
