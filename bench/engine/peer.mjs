// bench/engine/peer.mjs — the graphql-js side of bench/engine: the same four
// cases as bench_engine.c, measured the same way, printed in the same format
// ("case<TAB>ops_per_second<TAB>ops<TAB>seconds"), so bench/engine/run can
// put them side by side.
//
//   introspection  graphqlSync (parse + validate + execute) + JSON.stringify
//                  (the C side writes JSON as it executes) of the full
//                  getIntrospectionQuery() text over the bank schema;
//   transactions   graphqlSync of `{ all_last_transactions { ... } }` with a
//                  root resolver returning the same 100 rows as the C side
//                  (graphql-js's default resolvers read the row fields);
//   transactions-cached  the same query parsed and validated once: execute()
//                  + JSON.stringify per operation;
//   github-schema  buildSchema(GitHub's SDL) + validateSchema, which is what
//                  the engine's gql_schema_build does (parse, build, validate).
//
// Usage: node bench/engine/peer.mjs --bank SDL --introspection QUERY
//          [--github SDL] [--seconds 3] [--case NAME] [--responses DIR]
// With --responses the first answer of the two query cases is written to
// DIR/<case>.json. A measurement, not a test.
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, execute, graphqlSync, parse, validate, validateSchema } from 'graphql';

function parseArgs(argv) {
    const opts = { seconds: 3 };
    for (let i = 0; i < argv.length; i += 2) {
        const [k, v] = [argv[i], argv[i + 1]];
        if (v === undefined) usage();
        if (k === '--bank') opts.bank = v;
        else if (k === '--introspection') opts.introspection = v;
        else if (k === '--github') opts.github = v;
        else if (k === '--seconds') opts.seconds = Number(v);
        else if (k === '--case') opts.only = v;
        else if (k === '--responses') opts.responses = v;
        else usage();
    }
    if (!opts.bank || !opts.introspection || !(opts.seconds > 0)) usage();
    return opts;
}

function usage() {
    console.error('usage: node peer.mjs --bank SDL --introspection QUERY [--github SDL] [--seconds N] [--case NAME] [--responses DIR]');
    process.exit(2);
}

// Formats cents as the bank does: -123456 -> "€-1.234,56" (same as the C side).
function formatMoney(cents) {
    const abs = Math.abs(cents);
    const euros = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+$)/g, '.');
    return `€${cents < 0 ? '-' : ''}${euros},${String(abs % 100).padStart(2, '0')}`;
}

// The 100 rows, a pure function of the index (as make_rows in bench_engine.c).
function makeRows() {
    const rows = [];
    let balance = 100000000;
    for (let i = 0; i < 100; i++) {
        const amount = ((i * 7919) % 200000) - 100000;
        balance += amount;
        rows.push({
            id: i + 1,
            iban: `NL66OPEN${String((i % 10) + 1).padStart(10, '0')}`,
            new_balance: formatMoney(balance),
            changed_by: formatMoney(amount),
            from_to: `NL66OPEN${String(((i + 3) % 10) + 1).padStart(10, '0')}`,
            descr: `transfer number ${i + 1}`,
            direction: amount < 0 ? 'DEBIT' : 'CREDIT',
        });
    }
    return rows;
}

// Runs fn for `seconds` after a warm-up of a tenth of that (the JIT needs
// it), in batches of about 10 ms; prints the case's line.
function runCase(name, fn, seconds, responses) {
    const first = fn();
    if (responses && first !== undefined) {
        fs.writeFileSync(path.join(responses, `${name}.json`), first);
    }
    const now = () => Number(process.hrtime.bigint()) / 1e9;
    let batch = 1;
    const warmEnd = now() + seconds / 10;
    while (now() < warmEnd) {
        const t0 = now();
        for (let i = 0; i < batch; i++) fn();
        if (now() - t0 < 0.005) batch *= 2;
    }
    let ops = 0;
    const start = now();
    const end = start + seconds;
    let t = start;
    while (t < end) {
        for (let i = 0; i < batch; i++) fn();
        ops += batch;
        t = now();
    }
    const elapsed = t - start;
    console.log(`${name}\t${(ops / elapsed).toFixed(1)}\t${ops}\t${elapsed.toFixed(3)}`);
}

const opts = parseArgs(process.argv.slice(2));
const bank = buildSchema(fs.readFileSync(opts.bank, 'utf8'));
const introspection = fs.readFileSync(opts.introspection, 'utf8');
const rows = makeRows();
const rootValue = { all_last_transactions: () => rows };
const transactionsQuery = '{ all_last_transactions { id iban new_balance changed_by from_to descr direction } }';

// One query operation: the response as JSON text, as a server would send it.
function query(source) {
    const result = graphqlSync({ schema: bank, source, rootValue });
    if (result.errors) throw new Error(`graphql-js: ${JSON.stringify(result.errors)}`);
    return JSON.stringify(result);
}

const want = (name) => !opts.only || opts.only === name;
if (want('introspection')) runCase('introspection', () => query(introspection), opts.seconds, opts.responses);
if (want('transactions')) runCase('transactions', () => query(transactionsQuery), opts.seconds, opts.responses);
if (want('transactions-cached')) {
    // Parsed and validated once, as a server's document cache would hold it.
    const document = parse(transactionsQuery);
    const errors = validate(bank, document);
    if (errors.length) throw new Error(`graphql-js: ${JSON.stringify(errors)}`);
    runCase('transactions-cached', () => JSON.stringify(execute({ schema: bank, document, rootValue })), opts.seconds);
}
if (opts.github && want('github-schema')) {
    const sdl = fs.readFileSync(opts.github, 'utf8');
    runCase(
        'github-schema',
        () => {
            validateSchema(buildSchema(sdl));
        },
        opts.seconds,
    );
}
