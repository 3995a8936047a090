// tests/diff/gql-cli.test.mjs — the `gql` tool's contract (issue 2), checked
// against graphql-js where there is an answer to compare:
//  - `gql validate` prints {"errors":[...]} with message and locations (the
//    same as graphql-js's parse/validate), [] when valid; exits 0 when
//    valid, 1 when invalid (syntax errors included), 2 on usage or I/O
//    errors, with nothing on stdout then;
//  - `gql exec` prints the response graphql-js gives with no resolvers
//    (every field null), variable errors included, and answers
//    introspection fully (a schema using every September 2025 feature:
//    described operations, @oneOf, @deprecated arguments and input fields,
//    @specifiedBy, repeatable directives);
//  - descriptions keep a U+0000 (introspection and print-schema);
//  - the limits (document bytes, tokens, depth, fields, aliases) are clear
//    GraphQL errors with exit 1, never a crash;
//  - GitHub's schema: without --allow-deprecation-conflicts the conflicts
//    are reported with the way out; with it a realistic query validates as
//    graphql-js (assumeValid) says, well under a second.
// Nothing expected is written down where graphql-js can compute it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildSchema, getIntrospectionQuery, graphqlSync, parse, printSchema, validate } from 'graphql';
import { asJson, assertSameJson } from './lib/compare.mjs';
import { githubSdlPath } from './lib/github.mjs';
import { BANK_SCHEMA, runGql, SLOWDOWN, SOURCE_DIR, tempFile } from './lib/gql.mjs';

const KITCHEN = path.join(SOURCE_DIR, 'tests', 'unit', 'graphql', 'data', 'schema-kitchen.graphql');

// graphql-js's {errors} for `text` as `gql validate` prints them.
function referenceErrors(schemaFile, text, buildOptions = {}) {
    let doc;
    try {
        doc = parse(text);
    } catch (e) {
        return [{ message: e.message, locations: e.locations }];
    }
    const schema = buildSchema(fs.readFileSync(schemaFile, 'utf8'), buildOptions);
    return asJson(validate(schema, doc)).map(({ message, locations }) => ({ message, locations }));
}

function gqlJson(args) {
    const r = runGql(args);
    assert.equal(r.signal, null, `gql died of ${r.signal}`);
    let out;
    try {
        out = JSON.parse(r.stdout);
    } catch {
        assert.fail(`gql ${args.join(' ')} printed no JSON (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
    }
    return { ...r, out };
}

describe('gql validate', () => {
    const cases = {
        valid: '{ all_last_transactions { id iban direction } }',
        described: '"Lists the latest."\nquery Latest { all_last_transactions { id } }',
        syntax: '{ all_last_transactions { id ',
        empty: '',
        invalid: 'query($x: Int) { transaction_by_id(id: "1") { nope } }',
    };
    for (const [name, text] of Object.entries(cases)) {
        test(`${name}: output and exit status as graphql-js decides`, () => {
            const expected = referenceErrors(BANK_SCHEMA, text);
            const r = gqlJson(['validate', '--schema', BANK_SCHEMA, tempFile('q.graphql', text)]);
            assert.deepEqual(Object.keys(r.out), ['errors']);
            assertSameJson(r.out.errors, expected, `${name} errors`);
            assert.equal(r.status, expected.length === 0 ? 0 : 1);
            if (expected.length === 0) assert.equal(r.stdout, '{"errors":[]}\n');
        });
    }

    test('usage and I/O errors exit 2 with nothing on stdout', () => {
        const q = tempFile('q.graphql', '{ all_last_transactions { id } }');
        const usages = [
            [],
            ['frob'],
            ['validate', q],
            ['validate', '--schema', BANK_SCHEMA],
            ['validate', '--schema', BANK_SCHEMA, '--bogus', q],
            ['validate', '--schema', BANK_SCHEMA, q, q],
            ['validate', '--schema', path.join(SOURCE_DIR, 'no-such-schema.graphql'), q],
            ['validate', '--schema', BANK_SCHEMA, path.join(SOURCE_DIR, 'no-such-query.graphql')],
            ['validate', '--schema', tempFile('bad.graphql', 'type Query {'), q],
            ['exec', '--schema', BANK_SCHEMA, '--variables', '{"id":', q],
            ['exec', '--schema', BANK_SCHEMA, '--variables'],
        ];
        for (const args of usages) {
            const r = runGql(args);
            assert.equal(r.status, 2, `gql ${args.join(' ')} exited ${r.status ?? r.signal}`);
            assert.equal(r.stdout, '', `gql ${args.join(' ')} printed to stdout`);
            assert.ok(r.stderr.length > 0, `gql ${args.join(' ')} said nothing on stderr`);
        }
    });
});

describe('gql exec', () => {
    const schema = buildSchema(fs.readFileSync(BANK_SCHEMA, 'utf8'));
    const cases = [
        ['nulls', '{ all_last_transactions { id } transaction_by_id(id: 3) { iban } __typename }', undefined],
        ['variables', 'query($id: Int!) { transaction_by_id(id: $id) { id } }', { id: 7 }],
        ['missing variable', 'query($id: Int!) { transaction_by_id(id: $id) { id } }', {}],
        ['bad variable', 'query($id: Int!) { transaction_by_id(id: $id) { id } }', { id: 'x' }],
        ['mutation', 'mutation { get_account(username: "a", password: "b") { iban token } }', undefined],
    ];
    for (const [name, text, variables] of cases) {
        test(`${name}: the response graphql-js gives without resolvers`, () => {
            const expected = asJson(graphqlSync({ schema, source: text, variableValues: variables }));
            const args = ['exec', '--schema', BANK_SCHEMA];
            if (variables !== undefined) args.push('--variables', JSON.stringify(variables));
            const r = gqlJson([...args, tempFile('q.graphql', text)]);
            assertSameJson(r.out, expected, name);
            assert.equal(r.status, expected.data === undefined ? 1 : 0);
        });
    }

    test('introspection of a schema with every September 2025 feature matches graphql-js', () => {
        const query = getIntrospectionQuery({
            descriptions: true,
            specifiedByUrl: true,
            directiveIsRepeatable: true,
            schemaDescription: true,
            inputValueDeprecation: true,
            oneOf: true,
        });
        const kitchen = buildSchema(fs.readFileSync(KITCHEN, 'utf8'));
        const expected = asJson(graphqlSync({ schema: kitchen, source: query }));
        assert.equal(expected.errors, undefined);
        const r = gqlJson(['exec', '--schema', KITCHEN, tempFile('q.graphql', query)]);
        assertSameJson(r.out, expected, 'kitchen introspection');
        // A guard against both sides agreeing on less than the features.
        const text = JSON.stringify(r.out);
        for (const needle of ['"isOneOf":true', '"isRepeatable":true', '"specifiedByURL":"http']) {
            assert.ok(text.includes(needle), `the answer has ${needle}`);
        }
        assert.ok(/"args":\[[^\]]*"isDeprecated":true/.test(text), 'a deprecated argument is listed');
    });
});

describe('descriptions holding U+0000', () => {
    const sdl = [
        '"schema \\u0000 s"',
        'schema { query: Query }',
        '"type \\u0000 T"',
        'type Query {',
        '  "field \\u0000 f"',
        '  f("arg \\u0000 a" a: Int, i: In): E',
        '}',
        '"enum \\u0000"',
        'enum E { "value \\u0000 V" V }',
        'input In { "input field \\u0000" x: Int }',
        'directive @d("directive arg \\u0000" x: Int) on FIELD',
        '',
    ].join('\n');
    const file = tempFile('nul.graphql', sdl);

    test('introspect as graphql-js does', () => {
        const query = getIntrospectionQuery({ descriptions: true, schemaDescription: true });
        const expected = asJson(graphqlSync({ schema: buildSchema(sdl), source: query }));
        assert.ok(JSON.stringify(expected).includes('field \\u0000 f'), 'graphql-js keeps the U+0000');
        const r = gqlJson(['exec', '--schema', file, tempFile('q.graphql', query)]);
        assertSameJson(r.out, expected, 'introspection');
    });

    test('print-schema prints them as graphql-js printSchema does', () => {
        const r = runGql(['print-schema', '--schema', file]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, printSchema(buildSchema(sdl)) + '\n');
    });
});

describe('limits are GraphQL errors', () => {
    const cases = {
        'document bytes': `{ all_last_transactions { id } }\n#${'x'.repeat(100001)}\n`,
        tokens: `{ ${'f '.repeat(15000)}}`,
        depth: `{ __schema { types { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } } }`,
        fields: `{ ${Array.from({ length: 2001 }, (_, i) => `f${i}: __typename`).join(' ')} }`,
        aliases: `{ ${Array.from({ length: 201 }, (_, i) => `f${i}: __typename`).join(' ')} }`,
    };
    const words = {
        'document bytes': /exceeds the size limit of 100000 bytes/,
        tokens: /exceeds the token limit of 15000/,
        depth: /levels deep, more than the limit of 32/,
        fields: /selects 2001 fields, more than the limit of 2000/,
        aliases: /uses 201 aliases, more than the limit of 200/,
    };
    for (const [name, text] of Object.entries(cases)) {
        test(`${name}: exit 1 with a clear message`, () => {
            const r = gqlJson(['validate', '--schema', BANK_SCHEMA, tempFile('q.graphql', text)]);
            assert.equal(r.status, 1);
            assert.ok(
                r.out.errors.some((e) => words[name].test(e.message)),
                `expected ${words[name]} in ${JSON.stringify(r.out.errors).slice(0, 500)}`,
            );
        });
    }
});

describe("GitHub's schema", () => {
    const sdlFile = githubSdlPath();
    const query = `query Repo($owner: String!, $name: String!, $first: Int = 10) {
  repository(owner: $owner, name: $name) {
    id name description stargazerCount forkCount isPrivate
    owner { login avatarUrl ... on User { name company } ... on Organization { name membersWithRole { totalCount } } }
    defaultBranchRef { name target { ... on Commit { oid messageHeadline history(first: 5) { nodes { oid message author { name email date } } } } } }
    issues(first: $first, states: OPEN, orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { number title createdAt author { login } labels(first: 5) { nodes { name color } } comments { totalCount } }
    }
    pullRequests(last: $first) { nodes { number title state mergeable headRefName reviews(first: 3) { nodes { state author { login } } } } }
  }
  viewer { login repositories(first: 3, ownerAffiliation: OWNR) { nodes { nameWithOwner } } }
}`;

    test('without --allow-deprecation-conflicts: exit 2, each conflict reported, the way out named', () => {
        const r = runGql(['validate', '--schema', sdlFile, tempFile('q.graphql', query)]);
        assert.equal(r.status, 2);
        const conflicts = r.stderr.split('\n').filter((l) => l.includes('must not be deprecated'));
        assert.ok(conflicts.length > 0);
        assert.match(r.stderr, new RegExp(`only errors are ${conflicts.length} deprecation conflict`));
        assert.match(r.stderr, /--allow-deprecation-conflicts/);
    });

    test('with it, a realistic query validates as graphql-js says, well under a second', () => {
        const expected = referenceErrors(sdlFile, query, { assumeValid: true });
        assert.ok(expected.length > 0, 'the query has one mistake (OWNR) to find');
        const file = tempFile('q.graphql', query);
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
            const r = gqlJson(['validate', '--schema', sdlFile, '--allow-deprecation-conflicts', file]);
            assert.equal(r.status, 1);
            assertSameJson(r.out.errors, expected, 'GitHub query errors');
            best = Math.min(best, r.ms);
        }
        const limit = 250 * SLOWDOWN;
        console.log(`# GitHub schema: load + validate a realistic query in ${best.toFixed(1)} ms (limit ${limit} ms)`);
        assert.ok(best < limit, `took ${best.toFixed(1)} ms`);
    });
});
