// bench/peer-node/backbone.mjs — the peer's Kafka side, written the way a Node
// team would: KafkaJS (one producer, one consumer group), avsc with the
// Confluent wire format (magic 0, 4-byte big-endian schema id pinned by the
// topology's schema_ids, Avro binary), projections folded in memory from
// BalanceChanged, and commands answered when their feedback is read back.
//
// The topic layout, record types, keys and schema ids come from the same
// schema/topology*.yaml and schema/avro/*.avsc the C gateway and the command
// handler read, so the peer and the gateway are interchangeable on one
// broker (they even share the credentials topic).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

import avro from 'avsc';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** Reads the parts of schema/topology*.yaml the peer needs (the file's own small subset of YAML). */
export function readTopology(file) {
  const text = fs.readFileSync(file, 'utf8');
  const ids = {};
  const topics = [];
  let section = '';
  let cur = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (!line.trim()) continue;
    if (/^\S/.test(line)) {
      section = line.split(':')[0];
      continue;
    }
    if (section === 'schema_ids') {
      const m = /^\s+(\w+):\s*(\d+)/.exec(line);
      if (m) ids[m[1]] = Number(m[2]);
    } else if (section === 'topics') {
      const m = /^\s+(-\s+)?(\w+):\s*(.*)$/.exec(line);
      if (!m) continue;
      if (m[1]) topics.push((cur = { records: [] }));
      const v = m[3].trim();
      if (m[2] === 'records') cur.records = v.replace(/[[\]]/g, '').split(',').map((s) => s.trim()).filter(Boolean);
      else cur[m[2]] = /^\d+$/.test(v) ? Number(v) : v.replace(/^"|"$/g, '');
    }
  }
  const topicOf = {};
  for (const t of topics) for (const r of t.records) topicOf[r] = t;
  return { ids, topics, topicOf };
}

/** avsc types of schema/avro/*.avsc by record name, and the wire-format codec over them. */
export function makeCodec(avroDir, ids) {
  const byName = {};
  const byId = new Map();
  for (const f of fs.readdirSync(avroDir).filter((f) => f.endsWith('.avsc'))) {
    const type = avro.Type.forSchema(JSON.parse(fs.readFileSync(path.join(avroDir, f), 'utf8')));
    const name = type.name.split('.').pop();
    byName[name] = type;
    if (ids[name] !== undefined) byId.set(ids[name], { name, type });
  }
  return {
    encode(name, value) {
      const body = byName[name].toBuffer(value);
      const head = Buffer.alloc(5);
      head.writeUInt32BE(ids[name], 1);
      return Buffer.concat([head, body]);
    },
    /** {name, value}, or null for a message that is not ours to read. */
    decode(buf) {
      if (!buf || buf.length < 5 || buf[0] !== 0) return null;
      const t = byId.get(buf.readUInt32BE(1));
      if (!t) return null;
      try {
        return { name: t.name, value: t.type.fromBuffer(buf.subarray(5)) };
      } catch {
        return null;
      }
    },
  };
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const isUuid = (s) => UUID_RE.test(s);
export const uuidBytes = (s) => Buffer.from(s.replace(/-/g, ''), 'hex');
export function uuidText(b) {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Cents as the bank shows them: -123456 -> "€-1.234,56". BigInt keeps 64-bit balances exact. */
export function formatMoney(cents, abs = false) {
  let c = BigInt(cents);
  if (abs && c < 0n) c = -c;
  const neg = c < 0n;
  if (neg) c = -c;
  const whole = (c / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `€${neg ? '-' : ''}${whole},${(c % 100n).toString().padStart(2, '0')}`;
}

/**
 * The projections and the command round trips. Events: 'tx' (a new
 * transaction object), 'ready' (the replay reached the end offsets seen at
 * start).
 */
export class Backbone extends EventEmitter {
  constructor({ brokers, topology, avroDir, accountsTopic = 'gateway_accounts', commandTimeoutMs = 5000, fetchWaitMs = 5 }) {
    super();
    this.setMaxListeners(0);
    this.topo = readTopology(topology);
    this.codec = makeCodec(avroDir, this.topo.ids);
    this.accountsTopic = accountsTopic;
    this.commandTimeoutMs = commandTimeoutMs;
    this.fetchWaitMs = fetchWaitMs;
    this.kafka = new Kafka({ clientId: 'peer-node', brokers: brokers.split(','), logLevel: logLevel.ERROR });
    this.txs = []; // transactions, id = index + 1
    this.byIban = new Map(); // iban -> [ids], oldest first
    this.ibansSorted = null; // cache of the sorted IBANs for all_last_transactions
    this.seen = new Set(); // "command-id|iban" already folded
    this.accounts = new Map(); // username -> {uuid, pwhash}; the first claim wins
    this.pending = new Map(); // uuid text -> [{resolve, reject, timer}]
    this.outbox = []; // messages produced in this tick, sent as one batch
    this.ready = false;
  }

  async start() {
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.debug?.('producer connected');
    const admin = this.kafka.admin();
    await admin.connect();
    const wanted = new Set([this.accountsTopic]);
    for (const r of ['BalanceChanged', 'AccountCreationConfirmed', 'AccountCreationFailed', 'MoneyTransferConfirmed', 'MoneyTransferFailed'])
      wanted.add(this.topo.topicOf[r].name);
    // The end offsets at start: the replay is done when every partition reached them.
    this.behind = new Map();
    for (const topic of wanted) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        if (Number(high) > 0) this.behind.set(`${topic}/${partition}`, Number(high));
      }
    }
    await admin.disconnect();
    this.debug?.('end offsets read');
    this.consumer = this.kafka.consumer({
      groupId: `peer-node-${randomUUID()}`,
      sessionTimeout: 10000,
      maxWaitTimeInMs: this.fetchWaitMs,
      maxBytesPerPartition: 4 << 20,
    });
    await this.consumer.connect();
    this.debug?.('consumer connected');
    await this.consumer.subscribe({ topics: [...wanted], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) this.onMessage(batch.topic, m);
        const key = `${batch.topic}/${batch.partition}`;
        const end = this.behind.get(key);
        if (end !== undefined && Number(batch.lastOffset()) + 1 >= end) {
          this.behind.delete(key);
          this.checkReady();
        }
      },
    });
    this.debug?.('consumer running');
    this.checkReady();
    if (!this.ready) await new Promise((r) => this.once('ready', r));
  }

  checkReady() {
    if (!this.ready && this.behind.size === 0) {
      this.ready = true;
      this.emit('ready');
    }
  }

  async stop() {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  onMessage(topic, m) {
    if (topic === this.accountsTopic) return this.onCredentials(m);
    const ev = this.codec.decode(m.value);
    if (!ev) return;
    const v = ev.value;
    switch (ev.name) {
      case 'BalanceChanged': {
        const cause = m.headers?.['command-id'];
        if (cause) {
          const k = `${cause}|${v.iban}`;
          if (this.seen.has(k)) return;
          this.seen.add(k);
        }
        this.fold(v);
        return;
      }
      case 'AccountCreationConfirmed':
        return this.answer(uuidText(v.id), { iban: v.iban, token: v.token, reason: null });
      case 'AccountCreationFailed':
        if (v.reason.startsWith('generated iban already exists')) return; // not an answer: the handler tries again
        return this.answer(uuidText(v.id), { iban: null, token: null, reason: v.reason });
      case 'MoneyTransferConfirmed':
        return this.answer(uuidText(v.id), { uuid: uuidText(v.id), success: true, reason: null });
      case 'MoneyTransferFailed':
        return this.answer(uuidText(v.id), { uuid: uuidText(v.id), success: false, reason: v.reason });
    }
  }

  fold(v) {
    const id = this.txs.length + 1;
    const changed = Number(v.changed_by);
    const tx = {
      id,
      iban: v.iban,
      new_balance: formatMoney(v.new_balance),
      changed_by: formatMoney(v.changed_by, true),
      from_to: v.from_to,
      descr: v.description,
      direction: changed < 0 ? 'DEBIT' : 'CREDIT',
      amount: Math.abs(changed),
    };
    this.txs.push(tx);
    let list = this.byIban.get(v.iban);
    if (!list) {
      this.byIban.set(v.iban, (list = []));
      this.ibansSorted = null;
    }
    list.push(id);
    if (this.ready) this.emit('tx', tx);
  }

  onCredentials(m) {
    let v;
    try {
      v = JSON.parse(m.value.toString());
    } catch {
      return;
    }
    const name = typeof v.username === 'string' ? v.username : m.key?.toString();
    if (!name || typeof v.uuid !== 'string' || typeof v.pwhash !== 'string') return;
    if (!this.accounts.has(name)) this.accounts.set(name, { uuid: v.uuid.toLowerCase(), pwhash: v.pwhash });
    this.answer(`cred:${v.uuid.toLowerCase()}`, this.accounts.get(name));
  }

  answer(key, value) {
    const ws = this.pending.get(key);
    if (!ws) return;
    this.pending.delete(key);
    for (const w of ws) {
      clearTimeout(w.timer);
      w.resolve(value);
    }
  }

  /** Waits for the answer of `key`; produces `send()` only when nobody waits for it yet. */
  wait(key, send) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const ws = this.pending.get(key);
        if (ws) {
          const i = ws.findIndex((w) => w.timer === timer);
          if (i >= 0) ws.splice(i, 1);
          if (ws.length === 0) this.pending.delete(key);
        }
        reject(new Error('timed out waiting for confirmation'));
      }, this.commandTimeoutMs);
      const w = { resolve, reject, timer };
      const ws = this.pending.get(key);
      if (ws) {
        ws.push(w);
        return;
      }
      this.pending.set(key, [w]);
      try {
        send();
      } catch (e) {
        this.pending.delete(key);
        clearTimeout(timer);
        reject(e);
      }
    });
  }

  /** Queues a message; everything queued in one tick goes out as one sendBatch. */
  produce(topic, key, value, onError) {
    this.outbox.push({ topic, key, value, onError });
    if (this.outbox.length === 1) setImmediate(() => this.flush());
  }

  flush() {
    const out = this.outbox;
    this.outbox = [];
    const byTopic = new Map();
    for (const m of out) {
      if (!byTopic.has(m.topic)) byTopic.set(m.topic, []);
      byTopic.get(m.topic).push({ key: m.key, value: m.value });
    }
    this.producer
      .sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
      .catch((e) => {
        for (const m of out) m.onError(e);
      });
  }

  keyFor(topic, { uuid, username, iban }) {
    switch (topic.key) {
      case 'id':
        return uuid;
      case 'username':
        return username || uuid;
      case 'iban':
        return iban;
      default:
        return null;
    }
  }

  sendCommand(record, value, keyParts, uuid) {
    const topic = this.topo.topicOf[record];
    this.produce(topic.name, this.keyFor(topic, keyParts), this.codec.encode(record, value), (e) =>
      this.fail(uuid, `the command could not be sent to Kafka: ${e.message}`),
    );
  }

  fail(key, message) {
    const ws = this.pending.get(key);
    if (!ws) return;
    this.pending.delete(key);
    for (const w of ws) {
      clearTimeout(w.timer);
      w.reject(new Error(message));
    }
  }

  /** ConfirmAccountCreation for the account `uuid`; resolves {iban, token, reason}. */
  openAccount(uuid, username) {
    return this.wait(uuid, () =>
      this.sendCommand('ConfirmAccountCreation', { id: uuidBytes(uuid), a_type: 'MANUAL' }, { uuid, username }, uuid),
    );
  }

  /** Claims `username` with a new uuid; resolves the account that won the name. */
  claim(username, uuid, pwhash) {
    const key = `cred:${uuid}`;
    return this.wait(key, () =>
      this.produce(this.accountsTopic, `${username}#${uuid}`, JSON.stringify({ username, uuid, pwhash }), (e) =>
        this.fail(key, `the command could not be sent to Kafka: ${e.message}`),
      ),
    );
  }

  /** ConfirmMoneyTransfer; resolves {uuid, success, reason}. */
  transfer({ uuid, token, amount, from, to, descr, username }) {
    const id = uuid.toLowerCase();
    return this.wait(id, () =>
      this.sendCommand(
        'ConfirmMoneyTransfer',
        { id: uuidBytes(id), token, amount, from, to, description: descr },
        { uuid: id, username },
        id,
      ),
    ).then((r) => ({ ...r, uuid }));
  }

  // ---- queries

  allLast() {
    if (!this.ibansSorted) this.ibansSorted = [...this.byIban.keys()].sort();
    return this.ibansSorted.map((iban) => {
      const l = this.byIban.get(iban);
      return this.txs[l[l.length - 1] - 1];
    });
  }

  byIbanNewest(iban, max) {
    const l = this.byIban.get(iban);
    if (!l) return [];
    const out = [];
    for (let i = l.length - 1; i >= 0 && out.length < max; i--) out.push(this.txs[l[i] - 1]);
    return out;
  }

  get(id) {
    return Number.isInteger(id) && id >= 1 && id <= this.txs.length ? this.txs[id - 1] : null;
  }
}
