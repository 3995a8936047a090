#!/usr/bin/env node
// bench/peer-node/server.mjs — the Node peer of the C gateway: the same
// schema/bank.graphql, the same semantics, written the way a competent Node
// team would: Fastify + Mercurius with graphql-jit (jit: 1), WebSocket
// subscriptions over graphql-transport-ws and the legacy graphql-ws
// (subscriptions-transport-ws) protocol on /graphql and /graphql-ws, KafkaJS
// and avsc (backbone.mjs), argon2id through the argon2 npm package with the
// gateway's default settings (accounts.pwhash: 19 MiB, 2 passes, 1 lane,
// OWASP's minimum; the hashes are interchangeable with the gateway's).
//
//   node bench/peer-node/server.mjs --brokers HOST:PORT [--port 8889] [--host 127.0.0.1]
//        [--topology schema/topology.yaml] [--command-timeout-ms 5000] [--fetch-wait-ms 5]
//   env: KAFKA_BROKERS, GW_TOPOLOGY, PEER_PWHASH_MEMORY_KIB, PEER_PWHASH_PASSES
//
// Prints `listening PORT` on stdout once the replay is done and the port is
// open; /readyz answers 200 from then on. SIGTERM/SIGINT: close and exit 0.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import './graphql16.mjs'; // before mercurius: graphql 16 for mercurius and graphql-jit

import argon2 from 'argon2';
import Fastify from 'fastify';
import mercurius from 'mercurius';

import { Backbone, isUuid } from './backbone.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const { values: opt } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS },
    port: { type: 'string', default: '8889' },
    host: { type: 'string', default: '127.0.0.1' },
    topology: { type: 'string', default: process.env.GW_TOPOLOGY ?? path.join(ROOT, 'schema/topology.yaml') },
    'command-timeout-ms': { type: 'string', default: '5000' },
    'fetch-wait-ms': { type: 'string', default: '5' },
  },
});
if (!opt.brokers) {
  console.error('usage: server.mjs --brokers HOST:PORT [--port N] [--topology FILE]');
  process.exit(2);
}

// The gateway's default accounts.pwhash settings (memlimit_kib 19456, opslimit 2).
const PWHASH = {
  type: argon2.argon2id,
  memoryCost: Number(process.env.PEER_PWHASH_MEMORY_KIB ?? 19456),
  timeCost: Number(process.env.PEER_PWHASH_PASSES ?? 2),
  parallelism: 1,
  hashLength: 32,
  saltLength: 16,
};
const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;
const MAX_LIST = 1000;

const bb = new Backbone({
  brokers: opt.brokers,
  topology: opt.topology,
  avroDir: path.join(ROOT, 'schema/avro'),
  commandTimeoutMs: Number(opt['command-timeout-ms']),
  fetchWaitMs: Number(opt['fetch-wait-ms']),
});

// ---- commands

/**
 * The argon2 package writes the parameters as `m=..,p=..,t=..`; libsodium
 * (the gateway) reads only the reference order `m=..,t=..,p=..`, which the
 * argon2 package reads too: store that, so either side verifies the other's.
 */
const canonical = (h) => h.replace(/\$m=(\d+),p=(\d+),t=(\d+)\$/, '$$m=$1,t=$3,p=$2$$');

async function getAccount(_, { username, password }) {
  // the gateway's field limits (gateway/store/fields.h), with its messages
  const ul = Buffer.byteLength(username);
  if (ul === 0 || ul > MAX_USERNAME) throw new Error(`username must be 1 to ${MAX_USERNAME} bytes (got ${ul})`);
  if (/[\x00-\x1f\x7f]/.test(username)) throw new Error('username must not contain control characters');
  const pl = Buffer.byteLength(password);
  if (pl === 0 || pl > MAX_PASSWORD) throw new Error(`password must be 1 to ${MAX_PASSWORD} bytes (got ${pl})`);
  let acc = bb.accounts.get(username);
  if (!acc) {
    const uuid = randomUUID();
    const pwhash = canonical(await argon2.hash(password, PWHASH));
    acc = bb.accounts.get(username) ?? (await bb.claim(username, uuid, pwhash));
    if (acc.uuid === uuid) return bb.openAccount(uuid, username);
  }
  if (!(await argon2.verify(acc.pwhash, password))) return { iban: null, token: null, reason: 'incorrect password' };
  return bb.openAccount(acc.uuid, username);
}

async function moneyTransfer(_, args) {
  if (args.uuid.length !== 36) throw new Error(`uuid must be a UUID of 36 characters (got ${args.uuid.length})`);
  if (!isUuid(args.uuid))
    throw new Error(`uuid must be a UUID (8-4-4-4-12 hexadecimal digits), got "${args.uuid.slice(0, 64)}"`);
  if (args.amount <= 0) throw new Error('amount must be a positive number of cents');
  return bb.transfer(args);
}

/** One event, then the end of the stream: the Subscription command fields
 * run their command in `resolve`, as the gateway does, so an error is a field
 * error in that one result. */
async function* once() {
  yield {};
}

// ---- stream_transactions

function matches(f, tx) {
  if (f.iban != null && tx.iban !== f.iban) return false;
  if (f.min_amount != null && tx.amount < f.min_amount) return false;
  if (f.direction != null && tx.direction !== f.direction) return false;
  return true;
}

/**
 * New transactions matching the filters; with after_id, the ones already
 * projected after it first. An async iterator whose return() (the client
 * stopped) removes its listener at once, even while it waits.
 */
function streamTransactions(_, f) {
  if (f.iban != null && (f.iban.length === 0 || f.iban.length > 64)) throw new Error('iban must be 1 to 64 characters');
  if (f.min_amount != null && f.min_amount < 0) throw new Error('min_amount must not be negative');
  if (f.after_id != null && f.after_id < 0) throw new Error('after_id must not be negative');
  // every id from `next` on is read from the projection, in order: the
  // backlog first, then the live ones as their 'tx' event says they are there
  let next = f.after_id != null ? f.after_id + 1 : bb.txs.length + 1;
  let wake = null;
  let done = false;
  const onTx = () => {
    if (wake) {
      const w = wake;
      wake = null;
      w();
    }
  };
  bb.on('tx', onTx);
  const finish = () => {
    done = true;
    bb.off('tx', onTx);
    onTx();
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      for (;;) {
        if (done) return { value: undefined, done: true };
        while (next <= bb.txs.length) {
          const tx = bb.txs[next++ - 1];
          if (matches(f, tx)) return { value: tx, done: false };
        }
        await new Promise((r) => (wake = r));
      }
    },
    return: finish,
    throw: finish,
  };
}

const resolvers = {
  Query: {
    all_last_transactions: () => bb.allLast(),
    transactions_by_iban: (_, { iban, max_items }) => bb.byIbanNewest(iban, Math.max(0, Math.min(max_items, MAX_LIST))),
    transaction_by_id: (_, { id }) => bb.get(id),
  },
  Mutation: { get_account: getAccount, money_transfer: moneyTransfer },
  Subscription: {
    stream_transactions: { subscribe: streamTransactions, resolve: (tx) => tx },
    get_account: { subscribe: once, resolve: getAccount },
    money_transfer: { subscribe: once, resolve: moneyTransfer },
  },
};

const t0 = Date.now();
const debug = (...a) => process.env.PEER_DEBUG && console.error('peer:', Date.now() - t0, ...a);
debug('modules loaded');
bb.debug = debug;
await bb.start();
debug('replay done');

// Both WebSocket paths of the gateway; bank-load speaks both protocols on /graphql-ws.
const app = Fastify({ rewriteUrl: (req) => (req.url.startsWith('/graphql-ws') ? '/graphql' + req.url.slice(11) : req.url) });
app.register(mercurius, {
  schema: fs.readFileSync(path.join(ROOT, 'schema/bank.graphql'), 'utf8'),
  resolvers,
  jit: 1,
  subscription: { keepAlive: 0 },
  graphiql: false,
});
app.get('/readyz', async () => 'ready\n');
app.get('/healthz', async () => 'ok\n');
const addr = await app.listen({ port: Number(opt.port), host: opt.host });
console.log(`listening ${new URL(addr).port}`);

async function shutdown() {
  await app.close().catch(() => {});
  await bb.stop().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
