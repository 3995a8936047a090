// bank-lib.mjs — helpers for the gateway's end-to-end tests: start the real
// embedded-kafka, command-handler and gateway processes, talk GraphQL over
// HTTP with fetch, and wait for /readyz. Kafka I/O (kcat, the independent Avro
// codec) comes from events-lib.mjs.
import path from 'node:path';

import * as stack from '../lib/stack.mjs';
import { SOURCE_DIR, baseConfig, parseMetrics, sleep, startGatewayProcess, stop, writeTemp } from '../lib/stack.mjs';

export { GATEWAY } from '../lib/stack.mjs';
export const TOPOLOGY = path.join(SOURCE_DIR, 'schema/topology.yaml');
export const TOPOLOGY_MERGED = path.join(SOURCE_DIR, 'schema/topology-merged.yaml');
export const COMPANY = 'NL66OPEN0000000000';
export const COMPANY_TOKEN = '00000000000000000000';

/** Starts embedded-kafka with `topology`; {proc, bootstrap}. */
export function startBroker(topology = TOPOLOGY) {
  return stack.startBroker(topology);
}

/** Starts the command handler; resolves once it printed READY. */
export function startHandler(bootstrap, topology = TOPOLOGY, stateDir = undefined) {
  return stack.startHandler(bootstrap, topology, { stateDir });
}

/**
 * Starts a gateway on a free port against `bootstrap`; resolves once /readyz
 * answers 200 (the replay is done). Returns {url, proc, logs(), stop()}.
 * pwhashMaxWaitMs: accounts.pwhash.max_wait_ms through its environment
 * variable, 0 (no bound) by default so that concurrent registrations on a
 * loaded test machine are never refused "too many logins"; null leaves it to
 * the file (bank-pwhash.test.mjs tests the bound).
 */
export async function startGateway(
  bootstrap,
  { topology = TOPOLOGY, timeoutMs = 5000, ready = true, extra = '', pwhashMaxWaitMs = 0 } = {},
) {
  const kafka = `kafka:
  enabled: true
  brokers: "${bootstrap}"
  topology: "${topology}"
  fetch_wait_ms: 1
  command_timeout_ms: ${timeoutMs}
${extra}`;
  const file = writeTemp(baseConfig('  shutdown_timeout_ms: 2000', kafka), { prefix: 'gw-e2e-' });
  // The broker and topology come from the file only.
  const env = pwhashMaxWaitMs === null ? {} : { GATEWAY_PWHASH_MAX_WAIT_MS: String(pwhashMaxWaitMs) };
  const unset = ['KAFKA_BROKERS', 'GW_TOPOLOGY', ...(pwhashMaxWaitMs === null ? ['GATEWAY_PWHASH_MAX_WAIT_MS'] : [])];
  const gw = await startGatewayProcess(file, { env, unset });
  if (ready) await waitReady(gw);
  return gw;
}

/** Polls /readyz until 200 (or throws after `ms`). */
export async function waitReady(gw, ms = 20000) {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    try {
      const r = await fetch(`${gw.url}/readyz`);
      last = await r.text();
      if (r.status === 200) return;
    } catch (e) {
      last = String(e);
    }
    await sleep(50);
  }
  throw new Error(`gateway not ready: ${last}\n${gw.logs()}`);
}

/** POSTs a GraphQL request; the parsed JSON body. */
export async function gql(gw, query, variables = {}) {
  const r = await fetch(`${gw.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await r.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (${r.status}): ${text}`);
  }
}

export const GET_ACCOUNT = `mutation($u: String!, $p: String!) { get_account(username: $u, password: $p) { iban token reason } }`;
export const TRANSFER = `mutation($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!, $descr: String!, $username: String) {
  money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to, descr: $descr, username: $username) { uuid success reason } }`;
export const ALL_TX = `query($iban: String!, $max: Int!) { transactions_by_iban(iban: $iban, max_items: $max) { id iban new_balance changed_by from_to descr direction } }`;
export const ALL_LAST = `{ all_last_transactions { id iban new_balance changed_by from_to descr direction } }`;
export const BY_ID = `query($id: Int!) { transaction_by_id(id: $id) { id iban new_balance changed_by from_to descr direction } }`;

/** get_account; the AccountResult (throws on GraphQL errors). */
export async function account(gw, u, p) {
  const r = await gql(gw, GET_ACCOUNT, { u, p });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.get_account;
}

/** money_transfer; the whole response (data and errors). */
export function transfer(gw, args) {
  return gql(gw, TRANSFER, args);
}

/** Every transaction the gateway holds, by id, until transaction_by_id answers null. */
export async function allTransactions(gw) {
  const out = [];
  for (let id = 1; ; id++) {
    const r = await gql(gw, BY_ID, { id });
    if (!r.data.transaction_by_id) return out;
    out.push(r.data.transaction_by_id);
  }
}

/** Waits until `pred()` is truthy (polling every 20 ms), else throws `what`. */
export async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/** The Dutch euro formatting of cents, written independently of the C code. */
export function euro(cents, abs = false) {
  let c = BigInt(cents);
  if (abs && c < 0n) c = -c;
  const neg = c < 0n;
  if (neg) c = -c;
  const whole = (c / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const frac = (c % 100n).toString().padStart(2, '0');
  return `€${neg ? '-' : ''}${whole},${frac}`;
}

/** A gateway's /metrics as {name{labels}: number}. */
export async function metrics(gw) {
  return parseMetrics(await (await fetch(`${gw.url}/metrics`)).text());
}

export { sleep, stop };
