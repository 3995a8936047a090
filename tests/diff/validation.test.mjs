// Differential test of validation: every document in tests/diff/validation/
// is validated by our engine (`$GQL_BIN validate --schema S DOC`) and by
// graphql-js 17 (`validate(buildSchema(S), parse(DOC))`, computed here), and
// the two must agree: same validity, same number of errors, same messages
// and locations in the same order. For a syntax error both sides must only
// agree that the document is invalid.
//
// A document names its schema on its first line: `# schema: pets` is
// tests/diff/validation/pets.graphql, `# schema: bank` is schema/bank.graphql.
// Environment: GQL_BIN (the gql tool), SOURCE_DIR (the repository root,
// default: two levels up from this file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate } from 'graphql';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = process.env.SOURCE_DIR ?? path.resolve(here, '..', '..');
const corpusDir = path.join(sourceDir, 'tests', 'diff', 'validation');
const gqlBin = process.env.GQL_BIN;

function schemaPath(name) {
  const local = path.join(corpusDir, `${name}.graphql`);
  if (existsSync(local)) return local;
  return path.join(sourceDir, 'schema', `${name}.graphql`);
}

const schemas = new Map();
function jsSchema(file) {
  if (!schemas.has(file)) schemas.set(file, buildSchema(readFileSync(file, 'utf8')));
  return schemas.get(file);
}

// What graphql-js says: an array of {message, locations}, or 'syntax'.
function reference(schemaFile, text) {
  let doc;
  try {
    doc = parse(text);
  } catch {
    return 'syntax';
  }
  return validate(jsSchema(schemaFile), doc).map((e) => ({
    message: e.message,
    locations: (e.locations ?? []).map(({ line, column }) => ({ line, column })),
  }));
}

// What our engine says: {status, errors}.
function ours(schemaFile, docFile) {
  let stdout;
  let status = 0;
  try {
    stdout = execFileSync(gqlBin, ['validate', '--schema', schemaFile, docFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    status = e.status;
    stdout = e.stdout;
    if (status !== 1) throw new Error(`gql validate exited ${status}: ${e.stderr}`);
  }
  const out = JSON.parse(stdout);
  const errors = (out.errors ?? []).map((e) => ({
    message: e.message,
    locations: (e.locations ?? []).map(({ line, column }) => ({ line, column })),
  }));
  return { status, errors };
}

const documents = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.graphql'))
  .map((f) => path.join(corpusDir, f))
  .filter((f) => /^# schema: \w+/.test(readFileSync(f, 'utf8')))
  .sort();

test('the corpus is large enough and the gql tool is given', () => {
  assert.ok(documents.length >= 120, `only ${documents.length} documents`);
  assert.ok(gqlBin, 'set GQL_BIN to the gql tool');
  assert.ok(existsSync(gqlBin), `GQL_BIN ${gqlBin} does not exist`);
});

for (const docFile of documents) {
  test(path.basename(docFile, '.graphql'), () => {
    const text = readFileSync(docFile, 'utf8');
    const schemaName = /^# schema: (\w+)/.exec(text)[1];
    const schemaFile = schemaPath(schemaName);
    const expected = reference(schemaFile, text);
    const actual = ours(schemaFile, docFile);
    if (expected === 'syntax') {
      assert.equal(actual.status, 1, 'graphql-js finds a syntax error: the document must be invalid');
      assert.ok(actual.errors.length > 0, 'an invalid document must come with errors');
      return;
    }
    assert.equal(actual.status, expected.length === 0 ? 0 : 1, 'validity (exit status)');
    assert.deepEqual(actual.errors, expected);
  });
}
