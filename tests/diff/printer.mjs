// tests/diff/printer.mjs — the engine's printer against graphql-js's print().
//
// Two uses:
//
//   node tests/diff/printer.mjs --write
//       Writes the golden files that tests/unit/graphql/test_printer.c
//       compares with, computed by graphql-js (never by hand):
//         data/kitchen-sink.printed.graphql         print(parse(kitchen-sink))
//         data/schema-kitchen-sink.printed.graphql  print(parse(schema-kitchen-sink))
//         data/values.printed.graphql               print(parseValue(r)) per record
//         data/strings.printed.graphql              per string record: as "...",
//                                                   as a description (block when
//                                                   isPrintableAsBlockString), as
//                                                   a block string
//
//   node tests/diff/printer.mjs [--bin PATH] [FILE.graphql ...]
//       Runs the engine's printer (the printer unit test binary's --print,
//       --print-values and --print-strings modes) on the same inputs, plus
//       schema/bank.graphql, GitHub's public schema (npm package
//       @octokit/graphql-schema) and any FILEs given, and compares with
//       graphql-js live. Exits non-zero on any difference, printing the first lines
//       that differ. PATH defaults to $PRINTER_BIN, else
//       $BUILD_DIR/tests/unit_graphql_test_printer.
//
//       Then a differential fuzz: --mutations N (default 3000) documents made
//       by seeded random edits of the data files (--seed S, default 1) are
//       parsed by both; each must give the same syntax error with the same
//       location, or print to the same text. Two differences in error
//       messages are known and skipped: messages are C strings, so text after
//       a U+0000 is lost; and where graphql-js quotes half of a surrogate
//       pair, the engine quotes the whole character. (Descriptions keep their
//       length, so a U+0000 in one prints as graphql-js prints it.)
//
// Records in values.graphql and strings.graphql are separated by lines that
// read "# ---"; outputs use the same separator (and "# -" between the three
// forms of a string).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse, parseValue, print } from 'graphql';
import { isPrintableAsBlockString } from 'graphql/language/blockString.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = process.env.SOURCE_DIR || path.resolve(here, '..', '..');
const DATA = path.join(SOURCE_DIR, 'tests', 'unit', 'graphql', 'data');
const SEP = '\n# ---\n';

const records = (file) => fs.readFileSync(file, 'utf8').split(SEP);

// graphql-js's answer for each kind of input.
const reference = {
    document: (file) => print(parse(fs.readFileSync(file, 'utf8'))),
    values: (file) => records(file).map((r) => print(parseValue(r))).join(SEP) + '\n',
    strings: (file) =>
        records(file)
            .map((r) => {
                const value = parseValue(r).value;
                const str = (block) => print({ kind: Kind.STRING, value, block });
                return [str(false), str(isPrintableAsBlockString(value)), str(true)].join('\n# -\n');
            })
            .join(SEP) + '\n',
};

const GOLDEN = [
    ['document', 'kitchen-sink.graphql', 'kitchen-sink.printed.graphql'],
    ['document', 'schema-kitchen-sink.graphql', 'schema-kitchen-sink.printed.graphql'],
    ['values', 'values.graphql', 'values.printed.graphql'],
    ['strings', 'strings.graphql', 'strings.printed.graphql'],
];

function firstDifference(a, b) {
    const la = a.split('\n');
    const lb = b.split('\n');
    for (let i = 0; i < Math.max(la.length, lb.length); i++) {
        if (la[i] !== lb[i]) {
            return `line ${i + 1}:\n  graphql-js: ${JSON.stringify(la[i])}\n  engine:     ${JSON.stringify(lb[i])}`;
        }
    }
    return 'lengths differ';
}

const args = process.argv.slice(2);
if (args[0] === '--write') {
    for (const [kind, input, output] of GOLDEN) {
        fs.writeFileSync(path.join(DATA, output), reference[kind](path.join(DATA, input)));
        console.log(`wrote ${path.relative(SOURCE_DIR, path.join(DATA, output))}`);
    }
    process.exit(0);
}

// A small seeded generator (mulberry32), so runs are reproducible.
function random(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

// `count` documents made from the data files by one to three random edits.
function mutations(count, seed) {
    const rnd = random(seed);
    const pick = (a) => a[Math.floor(rnd() * a.length)];
    const sources = ['kitchen-sink.graphql', 'schema-kitchen-sink.graphql', 'values.graphql', 'strings.graphql']
        .map((f) => fs.readFileSync(path.join(DATA, f), 'utf8'));
    const bits = [...'{}()[]:$@!=|&.,"\'#-+eE0123456789abcxyz_ \n\r\t', '"""', '...', 'on', 'true', 'null',
        '\\u', '\\u{', 'é', '😀', '\ufeff', 'extend ', 'type ', 'query ', 'fragment ', '"d" ', '\u0007', '\0'];
    const out = [];
    for (let i = 0; i < count; i++) {
        const s = pick(sources);
        let start = Math.floor(rnd() * s.length);
        let end = Math.min(s.length, start + 20 + Math.floor(rnd() * 400));
        if (rnd() < 0.3) [start, end] = [0, s.length];
        let t = s.slice(start, end);
        for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
            const at = Math.floor(rnd() * (t.length + 1));
            const op = rnd();
            if (op < 0.4) t = t.slice(0, at) + pick(bits) + t.slice(at);
            else if (op < 0.8) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rnd() * 4));
            else {
                const from = Math.floor(rnd() * (t.length + 1));
                t = t.slice(0, at) + t.slice(from, from + 10) + t.slice(at);
            }
        }
        // What both sides read: valid UTF-8 (a split surrogate pair becomes
        // U+FFFD), no record separator.
        out.push(Buffer.from(t.replaceAll('\x1e', ''), 'utf8').toString('utf8'));
    }
    return out;
}

// graphql-js's line for one document, in the format of --parse-records.
function referenceRecord(text) {
    try {
        const printed = Buffer.from(print(parse(text)), 'utf8');
        let h = 2166136261;
        for (const c of printed) h = Math.imul(h ^ c, 16777619) >>> 0;
        return `OK ${h.toString(16).padStart(8, '0')}`;
    } catch (e) {
        if (!e.locations) throw e;
        return `${e.message.replaceAll('\n', '\\n')} @${e.locations[0].line}:${e.locations[0].column}`;
    }
}

let bin = process.env.PRINTER_BIN ||
    path.join(process.env.BUILD_DIR || path.join(SOURCE_DIR, 'build'), 'tests', 'unit_graphql_test_printer');
const extra = [];
let count = 3000;
let seed = 1;
for (let i = 0; i < args.length; i++) {
    if (args[i] === '--bin') bin = args[++i];
    else if (args[i] === '--mutations') count = Number(args[++i]);
    else if (args[i] === '--seed') seed = Number(args[++i]);
    else extra.push(args[i]);
}
if (!fs.existsSync(bin)) {
    console.error(`printer binary not found at ${bin} (build unit_graphql_test_printer, or pass --bin)`);
    process.exit(2);
}

const checks = GOLDEN.map(([kind, input]) => [kind, path.join(DATA, input)]);
const github = path.join(SOURCE_DIR, 'node_modules', '@octokit', 'graphql-schema', 'schema.graphql');
for (const file of [path.join(SOURCE_DIR, 'schema', 'bank.graphql'), github, ...extra]) {
    if (fs.existsSync(file)) checks.push(['document', file]);
}
const mode = { document: '--print', values: '--print-values', strings: '--print-strings' };
let failed = 0;
for (const [kind, file] of checks) {
    const expected = reference[kind](file);
    const r = spawnSync(bin, [mode[kind], file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const name = path.relative(SOURCE_DIR, file);
    if (r.status !== 0) {
        failed++;
        console.log(`FAIL ${name}: the engine exited with ${r.status}: ${r.stderr}`);
    } else if (r.stdout !== expected) {
        failed++;
        console.log(`FAIL ${name}: ${firstDifference(expected, r.stdout)}`);
    } else {
        console.log(`ok   ${name} (${Buffer.byteLength(expected)} bytes)`);
    }
}

if (count > 0) {
    const docs = mutations(count, seed);
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'printer-')), 'records');
    fs.writeFileSync(tmp, docs.join('\x1e'));
    const r = spawnSync(bin, ['--parse-records', tmp], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    fs.rmSync(path.dirname(tmp), { recursive: true });
    const engine = r.stdout.split('\n');
    let same = 0;
    let skipped = 0;
    let differ = 0;
    docs.forEach((doc, i) => {
        const expected = referenceRecord(doc);
        if (expected === engine[i]) {
            same++;
        } else if (!expected.startsWith('OK ') && (doc.includes('\0') || /\\u(0000|\{0+\})/.test(doc) || !expected.isWellFormed())) {
            skipped++; // the two known differences in messages (see the top of this file)
        } else {
            differ++;
            if (differ <= 5) console.log(`FAIL mutation ${i}: ${JSON.stringify(doc.slice(0, 200))}\n  graphql-js: ${expected}\n  engine:     ${engine[i]}`);
        }
    });
    console.log(`${differ ? 'FAIL' : 'ok  '} ${count} mutated documents (seed ${seed}): ${same} same, ${skipped} skipped, ${differ} differ`);
    checks.push(['mutations']);
    if (differ) failed++;
}
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
