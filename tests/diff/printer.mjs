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
//       schema/bank.graphql and any FILEs given, and compares with graphql-js
//       live. Exits non-zero on any difference, printing the first lines
//       that differ. PATH defaults to $PRINTER_BIN, else
//       $BUILD_DIR/tests/unit_graphql_test_printer.
//
// Records in values.graphql and strings.graphql are separated by lines that
// read "# ---"; outputs use the same separator (and "# -" between the three
// forms of a string).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
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

let bin = process.env.PRINTER_BIN ||
    path.join(process.env.BUILD_DIR || path.join(SOURCE_DIR, 'build'), 'tests', 'unit_graphql_test_printer');
const extra = [];
for (let i = 0; i < args.length; i++) {
    if (args[i] === '--bin') bin = args[++i];
    else extra.push(args[i]);
}
if (!fs.existsSync(bin)) {
    console.error(`printer binary not found at ${bin} (build unit_graphql_test_printer, or pass --bin)`);
    process.exit(2);
}

const checks = GOLDEN.map(([kind, input]) => [kind, path.join(DATA, input)]);
for (const file of [path.join(SOURCE_DIR, 'schema', 'bank.graphql'), ...extra]) {
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
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
