// api.js — every GraphQL call the web app makes, and the only place that
// knows how it reaches the gateway: queries and commands as POST /graphql
// (fetch), live transactions over one WebSocket on /graphql-ws (ws.js,
// stream.js). Both go to the page's own origin. How the calls are
// authorised lives here alone (`credentials` on fetch, the connection_init
// payload on the socket; a same-origin WebSocket carries the page's cookies),
// so a session cookie later changes this file only.

import { createSocketClient } from './ws.js';
import { resumableStream } from './stream.js';

const HTTP_ENDPOINT = '/graphql';
const WS_PATH = '/graphql-ws';

/** A call that did not give an answer: kind 'network' (not reached), 'http' or 'graphql' (errors in the response). */
export class ApiError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
  }
}

const TX_FIELDS = 'id iban new_balance changed_by from_to descr direction';

/** POSTs one operation; resolves to its `data`, or throws an ApiError. */
async function request(query, variables) {
  let res;
  try {
    res = await fetch(HTTP_ENDPOINT, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('network', 'the bank cannot be reached');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('http', `the gateway answered ${res.status}`);
  }
  if (body.errors?.length) throw new ApiError('graphql', body.errors.map((e) => e.message).join('; '));
  if (!res.ok || !body.data) throw new ApiError('http', `the gateway answered ${res.status}`);
  return body.data;
}

/** get_account: logs in, or opens an account for a new user name. {iban, token, reason}. */
export async function getAccount(username, password) {
  const data = await request(
    'mutation Login($u: String!, $p: String!) { get_account(username: $u, password: $p) { iban token reason } }',
    { u: username, p: password },
  );
  return data.get_account;
}

/**
 * money_transfer of `amount` cents; `uuid` makes a retry of the same transfer
 * count once. {uuid, success, reason}.
 */
export async function moneyTransfer({ uuid, token, amount, from, to, descr, username }) {
  const data = await request(
    `mutation Transfer($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!, $descr: String!, $username: String) {
  money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to, descr: $descr, username: $username) { uuid success reason } }`,
    { uuid, token, amount, from, to, descr, username: username ?? null },
  );
  return data.money_transfer;
}

/** The newest `max` transactions of `iban`, newest first. */
export async function transactionsByIban(iban, max) {
  const data = await request(
    `query History($iban: String!, $max: Int!) { transactions_by_iban(iban: $iban, max_items: $max) { ${TX_FIELDS} } }`,
    { iban, max },
  );
  return data.transactions_by_iban ?? [];
}

/** Every account's latest transaction (its balance is the account's). */
export async function allLastTransactions() {
  const data = await request(`query Accounts { all_last_transactions { ${TX_FIELDS} } }`, {});
  return data.all_last_transactions ?? [];
}

// The page's one socket; its state drives the connection indicator.
export const socket = createSocketClient(`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${WS_PATH}`, {
  init: () => ({}),
});

const STREAM = `subscription Transactions($iban: String, $min: Int, $dir: dtype, $after: Int) {
  stream_transactions(iban: $iban, min_amount: $min, direction: $dir, after_id: $after) { ${TX_FIELDS} } }`;

/**
 * Live transactions after id `after` (0: everything stored), optionally of one
 * `iban`, at least `minAmount` cents, in one `direction` ('CREDIT' | 'DEBIT');
 * resumes after the last one seen when the socket reconnects.
 * Returns {stop(), lastId()}.
 */
export function streamTransactions({ iban = null, minAmount = null, direction = null, after }, handlers) {
  return resumableStream(socket, STREAM, { iban, min: minAmount, dir: direction }, after, handlers);
}
