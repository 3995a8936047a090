// tests/integration/config.test.mjs — the command line and the
// configuration: --help, --version, --check-config, environment overrides,
// and that every bad key or value stops the start naming the key and line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';

import { baseConfig, runGateway, SOURCE_DIR, startGateway, writeConfig } from './helpers.mjs';

test('--help and --version', async () => {
  const help = await runGateway(['--help']);
  assert.equal(help.code, 0);
  for (const word of ['--config', '--check-config', '--bench', 'GATEWAY_PORT', 'KAFKA_BC_TOPIC']) assert.match(help.stdout, new RegExp(word));
  const version = await runGateway(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^gateway \d+\.\d+\.\d+ \(h2o 2\.2\.\d+\)\n$/);
  const bad = await runGateway(['--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown or incomplete option "--frobnicate"/);
});

test('the shipped config/gateway.yaml passes --check-config and lists every key', async () => {
  const r = await runGateway(['--config', `${SOURCE_DIR}/config/gateway.yaml`, '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /# configuration OK, schema OK/);
  const doc = fs.readFileSync(`${SOURCE_DIR}/docs/configuration.md`, 'utf8');
  // every key the program prints is documented, in the file and in the docs
  const yaml = fs.readFileSync(`${SOURCE_DIR}/config/gateway.yaml`, 'utf8');
  for (const key of r.stdout.matchAll(/^\s*([a-z_]+):/gm)) {
    assert.match(yaml, new RegExp(`^\\s*${key[1]}:`, 'm'), `config/gateway.yaml has ${key[1]}`);
    assert.match(doc, new RegExp(`[\`.]${key[1]}[\`.]`), `docs/configuration.md has ${key[1]}`);
  }
});

test('environment variables override the file', async () => {
  const r = await runGateway(['--config', writeConfig(baseConfig()), '--check-config'], {
    GATEWAY_PORT: '9123', GATEWAY_THREADS: '3', KAFKA_BROKERS: 'k1:9092,k2:9092', SCHEMA_REGISTRY_URL: 'http://sr:8081',
    KAFKA_CLIENT_ID: 'gw-test', KAFKA_BC_TOPIC: 'bc', KAFKA_CMT_TOPIC: 'cmt', KAFKA_CAC_TOPIC: 'cac', GATEWAY_LOG_LEVEL: 'warn',
  });
  assert.equal(r.code, 0, r.stderr);
  for (const line of ['port: 9123', 'threads: 3', 'brokers: "k1:9092,k2:9092"', 'schema_registry_url: "http://sr:8081"',
    'client_id: "gw-test"', 'balance_changed: "bc"', 'confirm_money_transfer: "cmt"', 'confirm_account_creation: "cac"', 'level: warn']) {
    assert.ok(r.stdout.includes(line), line);
  }
  const bad = await runGateway(['--config', writeConfig(baseConfig()), '--check-config'], { GATEWAY_PORT: 'eighty' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /environment variable GATEWAY_PORT: server\.port: expected an integer from 0 to 65535, got "eighty"/);
});

test('bad configurations stop the start with the key and the line', async () => {
  const cases = [
    ['server:\n  port: 8888\n  prot: 1\n', /:3: unknown key "server\.prot"/],
    ['server:\n  port: 70000\n', /:2: server\.port: expected an integer from 0 to 65535, got "70000"/],
    ['server:\n  threads: many\n', /:2: server\.threads: expected an integer/],
    ['log:\n  level: loud\n', /:2: log\.level: expected one of debug, info, warn, error, got "loud"/],
    ['web:\n  graphiql: maybe\n', /:2: web\.graphiql: expected true or false/],
    ['server:\n  cors_origins: "http://x"\n', /:2: server\.cors_origins: expected a list of strings/],
    ['server:\n  cors_origins: ["ftp://x"]\n', /server\.cors_origins: "ftp:\/\/x" is not an origin/],
    ['kafka:\n  properties:\n    acks: [1]\n', /:3: kafka\.properties: each property must be a scalar value/],
    ['server:\n  port: 1\n  port: 2\n', /:3: duplicate key "server\.port"/],
    ['server: [1, 2\n', /YAML error/],
    ['- 1\n', /:1: the top level must be a mapping/],
    ['server:\n  tls:\n    certificate: "a.pem"\n', /certificate and key must be given together/],
    ['graphql:\n  schema: "/nonexistent/bank.graphql"\n', /graphql\.schema: cannot read \/nonexistent\/bank\.graphql/],
  ];
  for (const [yaml, want] of cases) {
    const r = await runGateway(['--config', writeConfig(yaml), '--check-config']);
    assert.equal(r.code, 1, yaml);
    assert.match(r.stderr, want, yaml);
    assert.doesNotMatch(r.stderr, /AddressSanitizer|LeakSanitizer/, yaml);
  }
});

test('a schema with errors stops the start with its messages', async () => {
  const bad = writeConfig('').replace('gateway.yaml', 'bad.graphql');
  fs.writeFileSync(bad, 'type Query { a: Nope }\n');
  const r = await runGateway(['--config', writeConfig(`graphql:\n  schema: "${bad}"\n`), '--check-config']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not a valid schema/);
  assert.match(r.stderr, /Nope/);
});

test('kafka.properties pass through, secrets masked in --check-config', async () => {
  const r = await runGateway(['--config', writeConfig(baseConfig('', 'kafka:\n  properties:\n    "security.protocol": "SASL_SSL"\n    "sasl.password": "pw-123456"\n')), '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"security\.protocol": "SASL_SSL"/);
  assert.doesNotMatch(r.stdout, /pw-123456/);
});

test('port 0 picks a free port and logs it', async () => {
  const gw = await startGateway();
  assert.ok(gw.port > 0);
  assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
  assert.equal((await gw.stop()).code, 0);
});

test('a port taken by another program stops the start', async () => {
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, '0.0.0.0', r));
  const { port } = blocker.address();
  try {
    const r = await runGateway(['--config', writeConfig(baseConfig())], { GATEWAY_PORT: String(port) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"msg":"cannot listen".*"error":"Address already in use"/);
  } finally {
    blocker.close();
  }
});

test('auth.mode: session needs its secret; config/production.yaml passes with it', async () => {
  const yaml = writeConfig(baseConfig('', 'auth:\n  mode: session\n  employees: ["ann", "bo"]\n'));
  const missing = await runGateway(['--config', yaml, '--check-config'], { GATEWAY_SESSION_SECRET: '' });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /auth\.mode is session but the environment variable GATEWAY_SESSION_SECRET \(auth\.session_secret_env\) has the wrong length/);
  const secret = 'x'.repeat(40);
  const ok = await runGateway(['--config', yaml, '--check-config'], { GATEWAY_SESSION_SECRET: secret });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /auth:\n  mode: "session"\n  session_secret_env: "GATEWAY_SESSION_SECRET"\n  session_ttl_s: 3600\n  employees:\n    - "ann"\n    - "bo"\n/);
  assert.ok(!ok.stdout.includes(secret), 'the secret is never printed');
  const viaEnv = await runGateway(['--config', writeConfig(baseConfig()), '--check-config'], { GATEWAY_AUTH_MODE: 'sesion' });
  assert.equal(viaEnv.code, 1);
  assert.match(viaEnv.stderr, /auth\.mode: expected open or session, got "sesion"/);
  const prod = await runGateway(['--config', `${SOURCE_DIR}/config/production.yaml`, '--check-config'], { GATEWAY_SESSION_SECRET: secret });
  assert.equal(prod.code, 0, prod.stderr);
  assert.match(prod.stdout, /mode: "session"/);
});
