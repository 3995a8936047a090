// events-lib.mjs — helpers for the event backbone's end-to-end tests: a small
// independent Avro binary codec driven by schema/avro/*.avsc (so the C codec is
// checked against a second implementation), the Confluent framing, and Kafka I/O
// through kcat (librdkafka's CLI, which speaks to the mock broker reliably).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { SOURCE_DIR } from '../lib/stack.mjs';

export { BIN_DIR, COMMAND_HANDLER, EMBEDDED_KAFKA, SOURCE_DIR } from '../lib/stack.mjs';
export const KCAT = process.env.KCAT ?? 'kcat';

// ---------------------------------------------------------------- Avro

const schemas = {};
for (const f of fs.readdirSync(path.join(SOURCE_DIR, 'schema/avro'))) {
  if (f.endsWith('.avsc')) {
    const s = JSON.parse(fs.readFileSync(path.join(SOURCE_DIR, 'schema/avro', f), 'utf8'));
    schemas[s.name] = s;
  }
}

/** Reads schema_ids and topics (name, records, key) from a topology YAML file, by pattern. */
export function readTopology(file) {
  const text = fs.readFileSync(file, 'utf8');
  const ids = {};
  const idBlock = text.split(/^schema_ids:\s*$/m)[1].split(/^\S/m)[0];
  for (const m of idBlock.matchAll(/^\s+(\w+):\s*(\d+)/gm)) ids[m[1]] = Number(m[2]);
  const topics = [];
  for (const block of text.split(/^\s+- name:\s*/m).slice(1)) {
    const name = block.split(/\s/)[0];
    const records = block.match(/records:\s*\[([^\]]*)\]/)[1].split(',').map((s) => s.trim());
    const key = block.match(/key:\s*(\w+)/)[1];
    const partitions = Number(block.match(/partitions:\s*(\d+)/)[1]);
    topics.push({ name, records, key, partitions });
  }
  const topicOf = (rec) => topics.find((t) => t.records.includes(rec));
  return { ids, topics, topicOf, byId: Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k])) };
}

function zigzag(n) {
  let z = (BigInt(n) << 1n) ^ (BigInt(n) >> 63n);
  z = BigInt.asUintN(64, z);
  const out = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}

function uuidBytes(s) {
  return Buffer.from(s.replace(/-/g, ''), 'hex');
}

function typeOf(t) {
  return typeof t === 'string' ? t : t.type;
}

/** Our schema of record `name` (parsed schema/avro/NAME.avsc). */
export const schemaOf = (name) => schemas[name];

/**
 * Encodes record `name` (values by field name; longs as Number or BigInt) with
 * the topology's schema id, or with another writer `schema` and `id`.
 */
export function encode(topo, name, values, { schema, id } = {}) {
  const s = schema ?? schemas[name];
  const parts = [Buffer.from([0, 0, 0, 0, 0])];
  parts[0].writeInt32BE(id ?? topo.ids[name], 1);
  for (const f of s.fields) {
    const v = values[f.name] ?? f.default;
    if (v === undefined) throw new Error(`${name}.${f.name} missing`);
    switch (typeOf(f.type)) {
      case 'long':
        parts.push(Buffer.from(zigzag(v)));
        break;
      case 'string': {
        const b = Buffer.from(v, 'utf8');
        parts.push(Buffer.from(zigzag(b.length)), b);
        break;
      }
      case 'fixed':
        parts.push(uuidBytes(v));
        break;
      case 'enum':
        parts.push(Buffer.from(zigzag(f.type.symbols.indexOf(v))));
        break;
      default:
        throw new Error(`type ${typeOf(f.type)}`);
    }
  }
  return Buffer.concat(parts);
}

/** Decodes a wire-format message into {record, ...fields} (longs as BigInt). */
export function decode(topo, buf) {
  if (buf.length < 5 || buf[0] !== 0) throw new Error('not in the wire format');
  const name = topo.byId[buf.readInt32BE(1)];
  if (!name) throw new Error(`unknown schema id ${buf.readInt32BE(1)}`);
  let p = 5;
  const long = () => {
    let z = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[p++];
      z |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7n;
    }
    return (z >> 1n) ^ -(z & 1n);
  };
  const out = { record: name };
  for (const f of schemas[name].fields) {
    switch (typeOf(f.type)) {
      case 'long':
        out[f.name] = long();
        break;
      case 'string': {
        const n = Number(long());
        out[f.name] = buf.subarray(p, p + n).toString('utf8');
        p += n;
        break;
      }
      case 'fixed': {
        const h = buf.subarray(p, p + 16).toString('hex');
        out[f.name] = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
        p += 16;
        break;
      }
      case 'enum':
        out[f.name] = f.type.symbols[Number(long())];
        break;
    }
  }
  if (p !== buf.length) throw new Error('trailing bytes');
  return out;
}

/** ISO 13616 mod-97 check, computed independently of the C code. */
export function ibanValid(iban) {
  const r = iban.slice(4) + iban.slice(0, 4);
  const digits = [...r].map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c)).join('');
  return BigInt(digits) % 97n === 1n;
}

// ---------------------------------------------------------------- processes

// start, stop, runToEnd and sleep live in tests/lib/stack.mjs, shared with
// bank-lib.mjs and the integration tests.
export { runToEnd, sleep, start, stop } from '../lib/stack.mjs';

// ---------------------------------------------------------------- Kafka via kcat

/** Produces one message (value: Buffer) with an optional key. */
export function produce(bootstrap, topic, key, value) {
  const dir = fs.mkdtempSync('/tmp/e2e-msg-');
  const file = path.join(dir, 'm');
  fs.writeFileSync(file, value);
  const args = ['-P', '-b', bootstrap, '-t', topic];
  if (key != null) args.push('-k', key);
  args.push(file);
  const r = spawnSync(KCAT, args, { encoding: 'utf8', timeout: 20000 });
  fs.rmSync(dir, { recursive: true });
  if (r.status !== 0) throw new Error(`kcat -P: ${r.stderr}`);
}

/**
 * Follows `topic` from its beginning with a long-lived kcat (a one-shot `kcat -e`
 * costs ~0.5 s per partition count). Its fetch.wait.max.ms is 5: the mock holds a
 * fetch on an idle partition for all of it, even when data arrives meanwhile. `messages` grows as they arrive:
 * [{topic, partition, offset, key, value: Buffer, headers: {name: value}}]. Call
 * close() when done.
 */
export function tail(bootstrap, topic) {
  const proc = spawn(KCAT, ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-u', '-q', '-X', 'fetch.wait.max.ms=5', '-f', '%t %p %o %K %S %h\n%k%s'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages = [];
  let buf = Buffer.alloc(0);
  proc.stdout.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      const [t, part, off, klen, vlen, hdrs] = buf.subarray(0, nl).toString().split(' ');
      const kl = Math.max(0, Number(klen));
      const vl = Math.max(0, Number(vlen));
      if (buf.length < nl + 1 + kl + vl) return;
      let p = nl + 1;
      const key = Number(klen) < 0 ? null : buf.subarray(p, p + kl).toString();
      p += kl;
      const headers = Object.fromEntries((hdrs ?? '').split(',').filter(Boolean).map((h) => h.split('=')));
      messages.push({ topic: t, partition: Number(part), offset: Number(off), key, value: Buffer.from(buf.subarray(p, p + vl)), headers });
      buf = buf.subarray(p + vl);
    }
  });
  return {
    messages,
    close: () => {
      proc.kill('SIGTERM');
      return new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
    },
  };
}

export const uuid = () => randomUUID();
