// tests/diff/lib/gql.mjs — what every differential test needs to run the
// engine: where things are (from the environment ctest sets, see
// tests/diff/CMakeLists.txt) and a way to run the `gql` tool and read its
// answer.
//
// Environment: GQL_BIN (the gql tool; required), SOURCE_DIR (the repository;
// default: two folders up from here), BUILD_DIR (a folder for cached
// generated files; default SOURCE_DIR/build), GW_BUILD_TYPE and GW_SANITIZE
// (for timing allowances).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const SOURCE_DIR = process.env.SOURCE_DIR || path.resolve(here, '..', '..', '..');
export const BUILD_DIR = process.env.BUILD_DIR || path.join(SOURCE_DIR, 'build');
export const GQL_BIN = process.env.GQL_BIN || path.join(BUILD_DIR, 'bin', 'gql');
export const BANK_SCHEMA = path.join(SOURCE_DIR, 'schema', 'bank.graphql');

// How much slower than a release build this build may be: sanitizers and
// unoptimised code both cost time, and timing bounds scale by this factor.
export const SLOWDOWN =
    (process.env.GW_SANITIZE === '1' ? 5 : 1) * (/^(Debug|)$/.test(process.env.GW_BUILD_TYPE ?? 'x') ? 3 : 1);

// A folder under BUILD_DIR for this suite's generated files (created).
export function cacheDir() {
    const dir = path.join(BUILD_DIR, 'diff-cache');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

// Writes `text` to `file` so that a reader never sees half of it (tests may
// run in parallel and share the cache).
export function writeFileAtomic(file, text) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

// Runs the gql tool with `args`. Returns { status, stdout, stderr, ms } where
// ms is the wall time of the whole process. Throws only when the tool cannot
// be started at all.
export function runGql(args, { input } = {}) {
    if (!fs.existsSync(GQL_BIN)) {
        throw new Error(`the gql tool is not at ${GQL_BIN} (build the gql-cli target, or set GQL_BIN)`);
    }
    const t0 = process.hrtime.bigint();
    const r = spawnSync(GQL_BIN, args, {
        input,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error) throw r.error;
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms };
}

// Writes `text` to a fresh temporary file and returns its path; the file is
// removed when the process exits.
const tempFiles = [];
process.on('exit', () => {
    for (const d of tempFiles) fs.rmSync(d, { recursive: true, force: true });
});
export function tempFile(name, text) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gql-diff-'));
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    tempFiles.push(dir);
    return file;
}

// `gql exec --schema SCHEMA [extra...] QUERYFILE`: executes `query` against the
// schema file and returns { response (the parsed JSON), ms, stderr }. Fails
// with the tool's stderr when it exits non-zero or prints no JSON.
export function gqlExec(schemaFile, query, { extraArgs = [] } = {}) {
    const queryFile = tempFile('query.graphql', query);
    const r = runGql(['exec', '--schema', schemaFile, ...extraArgs, queryFile]);
    if (r.status !== 0 && !r.stdout.trim()) {
        throw new Error(`gql exec exited with ${r.status ?? r.signal}: ${r.stderr.slice(0, 4000)}`);
    }
    let response;
    try {
        response = JSON.parse(r.stdout);
    } catch (e) {
        throw new Error(`gql exec printed no JSON (${e.message}); stderr: ${r.stderr.slice(0, 4000)}`);
    }
    return { response, ms: r.ms, stderr: r.stderr, status: r.status };
}
