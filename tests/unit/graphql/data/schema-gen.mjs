// Regenerates the expected sides of the schema tests with graphql-js
// (node_modules/graphql); nothing expected is written by hand.
//  - schema-errors.expected.json: for each "# case:" of schema-errors.graphql,
//    the SDL rules' errors (validateSDL), or when they pass, the error
//    buildASTSchema throws, or else validateSchema's errors;
//  - schema-mutants.expected.json: 600 random edits of those cases that still
//    parse, each with graphql-js's errors (or none);
//  - schema-kitchen.expected.graphql: printSchema of schema-kitchen.graphql;
//  - schema-kitchen.introspection.json: the full introspection query (every
//    getIntrospectionQuery option on) executed over schema-kitchen.graphql,
//    with the query itself in schema-introspection-query.graphql.
// Usage: node tests/unit/graphql/data/schema-gen.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const gqljs = path.join(here, '../../../../node_modules/graphql');
const load = (p) => import(path.join(gqljs, p));
const { parse } = await load('language/parser.mjs');
const { validateSDL } = await load('validation/validate.mjs');
const { buildASTSchema } = await load('utilities/buildASTSchema.mjs');
const { printSchema } = await load('utilities/printSchema.mjs');
const { getIntrospectionQuery } = await load('utilities/getIntrospectionQuery.mjs');
const { validateSchema } = await load('type/validate.mjs');
const { graphqlSync } = await load('graphql.mjs');

const read = (name) => fs.readFileSync(path.join(here, name), 'utf8');
const write = (name, text) => fs.writeFileSync(path.join(here, name), text);

const cases = [];
for (const chunk of read('schema-errors.graphql').split(/^# case: /m).slice(1)) {
    const nl = chunk.indexOf('\n');
    const doc = parse(chunk.slice(nl + 1));
    let errors = validateSDL(doc);
    if (errors.length === 0) {
        try {
            errors = validateSchema(buildASTSchema(doc, { assumeValidSDL: true }));
        } catch (e) {
            errors = [e]; // building stops at the first bad @deprecated/@specifiedBy value
        }
    }
    cases.push({
        name: chunk.slice(0, nl).trim(),
        errors: errors.map((e) => ({ message: e.message, locations: e.locations ?? [] })),
    });
}
write('schema-errors.expected.json', JSON.stringify(cases, null, 1) + '\n');

// Mutants: the error cases with random edits (a fixed seed, so the file is
// reproducible), kept when graphql-js can parse them; for each, graphql-js's
// errors. test_schema.c builds every one and compares.
const seeds = read('schema-errors.graphql')
    .split(/^# case: /m)
    .slice(1)
    .map((chunk) => chunk.slice(chunk.indexOf('\n') + 1));
const edits = ['{', '}', '(', ')', '[', ']', '!', ':', '=', '@deprecated', '@oneOf', '@specifiedBy(url: "x")', ' Int',
    ' String', ' Query', ' implements N', ' & A', '"desc" ', 'extend ', 'type ', 'input ', 'enum ', 'union ',
    'interface ', ' | Q', '\n', ' x: Int', ' y: [Int!]! = [1]', ' @d', ' __z: Int', ' = {a: 1}', ' = A', ' = "s"',
    ' = null', '@deprecated(reason: 1)', 'extend schema { query: Q }', 'schema { query: Query }',
    'directive @x(a: Int!) repeatable on FIELD_DEFINITION | OBJECT\n', ' @x', ' @x(a: 1)'];
let rng = 20251123;
const rand = (n) => {
    rng = (rng * 1103515245 + 12345) & 0x7fffffff;
    return rng % n;
};
const mutants = [];
while (mutants.length < 600) {
    let sdl = seeds[rand(seeds.length)];
    for (let m = 1 + rand(3); m > 0; m--) {
        const at = rand(sdl.length + 1);
        const kind = rand(3);
        if (kind === 0) sdl = sdl.slice(0, at) + edits[rand(edits.length)] + sdl.slice(at);
        else if (kind === 1) sdl = sdl.slice(0, at) + sdl.slice(at + 1 + rand(12));
        else {
            const piece = sdl.slice(at, at + 1 + rand(40));
            const to = rand(sdl.length + 1);
            sdl = sdl.slice(0, to) + piece + sdl.slice(to);
        }
    }
    let doc;
    try {
        doc = parse(sdl);
    } catch {
        continue; // syntax errors are the parser's tests
    }
    let errors = validateSDL(doc);
    if (errors.length === 0) {
        try {
            errors = validateSchema(buildASTSchema(doc, { assumeValidSDL: true }));
        } catch (e) {
            errors = [e];
        }
    }
    mutants.push({ sdl, errors: errors.map((e) => ({ message: e.message, locations: e.locations ?? [] })) });
}
write('schema-mutants.expected.json', JSON.stringify(mutants) + '\n');

const kitchen = buildASTSchema(parse(read('schema-kitchen.graphql')));
if (validateSchema(kitchen).length !== 0) throw new Error('schema-kitchen.graphql must be valid');
write('schema-kitchen.expected.graphql', printSchema(kitchen) + '\n');
const query = getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
});
write('schema-introspection-query.graphql', query);
const result = graphqlSync({ schema: kitchen, source: query });
if (result.errors) throw new Error(JSON.stringify(result.errors));
write('schema-kitchen.introspection.json', JSON.stringify(result) + '\n');
console.log(`${cases.length} error cases, ${mutants.length} mutants, kitchen printed and introspected`);
