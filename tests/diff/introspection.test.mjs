// tests/diff/introspection.test.mjs — the engine's introspection against
// graphql-js's, for the bank schema and for GitHub's public schema.
//
// For each schema S, the full introspection query (graphql-js's
// getIntrospectionQuery with every option on) is run twice: by the engine, as
// `gql exec --schema S query.graphql`, and by graphql-js, as graphqlSync over
// buildSchema(S). The two responses must be the same JSON with keys in the
// same order. Nothing expected is written down here: graphql-js computes it.
//
// GitHub's schema deprecates implementation fields whose interface fields are
// not deprecated, which the September 2025 edition of the spec forbids:
// graphql-js 17.1's validateSchema reports each such conflict and graphqlSync
// refuses to execute; with buildSchema(S, {assumeValid: true}) it executes
// anyway. The engine likewise refuses the schema unless started with
// --allow-deprecation-conflicts. So the engine without the flag must fail
// with graphql-js's messages, and with the flag must answer what graphql-js
// answers with assumeValid.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { buildSchema, getIntrospectionQuery, graphqlSync, validateSchema } from 'graphql';
import { asJson, assertSameJson } from './lib/compare.mjs';
import { githubSdlPath } from './lib/github.mjs';
import { BANK_SCHEMA, gqlExec, runGql, SLOWDOWN, tempFile } from './lib/gql.mjs';

const QUERY = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
});

// graphql-js's answer to QUERY over the SDL in `file`.
function reference(file, buildOptions = {}) {
    const schema = buildSchema(fs.readFileSync(file, 'utf8'), buildOptions);
    const result = asJson(graphqlSync({ schema, source: QUERY }));
    assert.equal(result.errors, undefined, `graphql-js failed on ${file}: ${JSON.stringify(result.errors)}`);
    return result;
}

describe('introspection of the bank schema', () => {
    test('matches graphql-js exactly', () => {
        const expected = reference(BANK_SCHEMA);
        // The schema is what the gateway serves: it must be valid as it is.
        assert.deepEqual(validateSchema(buildSchema(fs.readFileSync(BANK_SCHEMA, 'utf8'))), []);
        const { response } = gqlExec(BANK_SCHEMA, QUERY);
        assertSameJson(response, expected, 'bank introspection');
    });

    test('describes every type and field of the SDL', () => {
        // A guard against both sides agreeing on an empty answer.
        const { response } = gqlExec(BANK_SCHEMA, QUERY);
        const types = new Map(response.data.__schema.types.map((t) => [t.name, t]));
        for (const name of ['Transaction', 'AccountResult', 'MoneyTransferResult', 'Query', 'Mutation', 'Subscription']) {
            assert.ok(types.get(name)?.description, `${name} has a description`);
        }
        assert.deepEqual(types.get('dtype').enumValues.map((v) => v.name), ['DEBIT', 'CREDIT']);
        assert.deepEqual(
            types.get('Transaction').fields.map((f) => f.name),
            ['id', 'iban', 'new_balance', 'changed_by', 'from_to', 'descr', 'direction'],
        );
        assert.equal(response.data.__schema.subscriptionType.name, 'Subscription');
    });
});

describe("introspection of GitHub's schema", () => {
    const sdlFile = githubSdlPath();
    const sdl = fs.readFileSync(sdlFile, 'utf8');
    const conflicts = validateSchema(buildSchema(sdl)).map((e) => e.message);

    test('graphql-js finds only deprecation conflicts in it', () => {
        // If this fails, the package brought a schema with other problems and
        // assumeValid below would hide more than the conflicts.
        assert.ok(conflicts.length > 0);
        for (const m of conflicts) assert.match(m, /is not deprecated, so implementation field .* must not be deprecated/);
    });

    test('the engine refuses it without --allow-deprecation-conflicts, naming each conflict', () => {
        const r = runGql(['exec', '--schema', sdlFile, tempFile('q.graphql', '{ __typename }')]);
        assert.notEqual(r.status, 0, 'gql exec should fail');
        assert.equal(r.signal, null, `gql exec died of ${r.signal}`);
        const said = r.stdout + r.stderr;
        for (const m of conflicts) assert.ok(said.includes(m), `the engine should report: ${m}`);
    });

    test('with --allow-deprecation-conflicts it matches graphql-js with assumeValid', () => {
        const expected = reference(sdlFile, { assumeValid: true });
        const { response } = gqlExec(sdlFile, QUERY, { extraArgs: ['--allow-deprecation-conflicts'] });
        assertSameJson(response, expected, 'GitHub introspection');
    });

    test('loads and introspects in well under a second', () => {
        // Best of three, whole process (start, read 1 MB of SDL, build and
        // validate the schema, run the query, print 3 MB of JSON).
        const limit = 500 * SLOWDOWN;
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
            const { ms } = gqlExec(sdlFile, QUERY, { extraArgs: ['--allow-deprecation-conflicts'] });
            best = Math.min(best, ms);
        }
        console.log(`# GitHub schema: load + full introspection in ${best.toFixed(1)} ms (limit ${limit} ms)`);
        assert.ok(best < limit, `took ${best.toFixed(1)} ms, limit ${limit} ms`);
    });
});
