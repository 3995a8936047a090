// random-diff.mjs — executes queries over random data with both engines and
// compares the responses byte for byte: ours through `gql exec --data`, and
// graphql-js 17 (node_modules/) through execute() with the same JSON as root
// value (its default resolvers read the same members; "__typename" picks the
// runtime type of abstract fields in both).
//
// The data follows the schema's shape loosely on purpose: nulls in non-null
// positions, out-of-range and mistyped leaves, unknown runtime types, scalars
// where lists belong. Objects only ever appear where objects belong (for a
// primitive in an object position graphql-js runs the sub-selection on the
// primitive, which a C resolver contract does not allow).
//
// A second round does the same for variable values: random JSON for a
// variable of each input type, compared as the errors (message, locations)
// or the response both engines give.
//
// Usage: node tools/gql/random-diff.mjs GQL_BIN [RUNS=300] [SEED=1]
// Prints the first differences and {same, diff}; exits 1 on any difference.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildSchema,
  execute,
  getNamedType,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
} from 'graphql';

const sdl = `scalar JSON
enum Color { RED GREEN }
interface Named { name: String }
type Dog implements Named { name: String barks: Boolean }
type Cat implements Named { name: String meows: Boolean }
union Pet = Dog | Cat
type Item { id: ID! name: String! tags: [String!] child: Item n: Int f: Float }
type Query {
  a: String b: Int c: Float d: Boolean e: ID color: Color raw: JSON
  nn: String! item: Item items: [Item] strictItems: [Item!]! nnItem: Item!
  pets: [Pet] named: [Named] pet: Pet ints: [Int] matrix: [[Int!]]
}`;

const queries = [
  '{ a b c d e color raw nn }',
  '{ item { id name tags n f child { id name child { name } } } }',
  '{ items { id name tags } a }',
  '{ strictItems { id n } b }',
  '{ nnItem { name tags } c }',
  '{ pets { __typename ... on Dog { barks name } ... on Cat { meows } } }',
  '{ named { name __typename ... on Cat { meows } } pet { ... on Named { name } } }',
  '{ ints matrix }',
  '{ x: item { id } y: item { name } item { tags } }',
  '{ raw e color item { ...I child { ...I } } } fragment I on Item { id n f name }',
  '{ pets { ... on Named { name __typename } ... on Dog { barks } } named { ... on Dog { barks name } } }',
  '{ nnItem { child { child { name } } } nn }',
  '{ strictItems { name tags } items { child { name } } }',
  '{ item { n: id id: n } __typename }',
  '{ matrix ints a @skip(if: true) b @include(if: false) }',
];

const [gqlBin, runsArg, seedArg] = process.argv.slice(2);
if (!gqlBin) {
  console.error('usage: node tools/gql/random-diff.mjs GQL_BIN [RUNS] [SEED]');
  process.exit(2);
}
const runs = Number(runsArg ?? 300);
let seed = Number(seedArg ?? 1);

// A small deterministic generator, so a failing seed can be replayed.
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (a) => a[Math.floor(rnd() * a.length)];

const schema = buildSchema(sdl);
const leaves = [0, 1, -7, 2147483647, 2147483648, -2147483649, 1.5, 3.0, 1e21, true, false, '', 'x', '12', ' 3 ',
  '1e3', 'RED', 'GREEN', 'BLUE', '€1.234,56', 'a"b\\c\n', [1, 'a']];

function gen(type, depth) {
  if (isNonNullType(type)) return rnd() < 0.1 ? null : gen(type.ofType, depth);
  if (rnd() < 0.15) return null;
  if (isListType(type)) {
    if (rnd() < 0.1 && isLeafType(getNamedType(type))) return pick(leaves);
    const n = Math.floor(rnd() * (depth > 2 ? 2 : 4));
    return Array.from({ length: n }, () => gen(type.ofType, depth + 1));
  }
  if (isLeafType(type)) return pick(leaves);
  if (depth > 4) return null;
  let obj = type;
  const o = {};
  if (isAbstractType(type)) {
    const possible = schema.getPossibleTypes(type);
    const name = pick([...possible.map((t) => t.name), 'Nope', 'Item', 'Named', undefined]);
    if (name !== undefined) o.__typename = name;
    const named = schema.getType(name ?? '');
    obj = named && isObjectType(named) ? named : possible[0];
  }
  for (const [k, f] of Object.entries(obj.getFields())) if (rnd() < 0.85) o[k] = gen(f.type, depth + 1);
  return o;
}

const dir = mkdtempSync(path.join(tmpdir(), 'gql-random-diff-'));
const schemaFile = path.join(dir, 'schema.graphql');
writeFileSync(schemaFile, sdl);
let same = 0;
let diff = 0;
try {
  for (let i = 0; i < runs; i++) {
    const query = pick(queries);
    const json = JSON.stringify(gen(schema.getQueryType(), 0));
    const ref = JSON.stringify(execute({ schema, document: parse(query), rootValue: JSON.parse(json) }));
    let ours;
    try {
      // Every other run goes through the document cache (--cached): the
      // second of its two requests runs on the plans kept with the document.
      const cached = i % 2 ? ['--cached'] : [];
      ours = execFileSync(gqlBin, ['exec', '--schema', schemaFile, '--data', json, ...cached, '-'], {
        input: query,
        encoding: 'utf8',
      }).trim();
    } catch (e) {
      ours = `exit ${e.status}: ${e.stdout}${e.stderr}`;
    }
    if (ours === ref) {
      same++;
    } else {
      diff++;
      if (diff <= 5) console.log(`query ${query}\ndata  ${json}\nours  ${ours}\nref   ${ref}\n`);
    }
  }

  // Variables.
  const vsdl = `enum Color { RED GREEN BLUE }
input In { alpha: Int!, beta: [String], gamma: Float = 1.5, sub: In, color: Color }
input One @oneOf { x: Int, y: String, z: In }
scalar Any
type Query { f(a: Int, i: ID, c: Color, n: In, o: One, x: Any, l: [In!], m: [[Int]]): Int }`;
  const vschema = buildSchema(vsdl);
  const vfile = path.join(dir, 'variables.graphql');
  writeFileSync(vfile, vsdl);
  const vleaves = [null, 0, 1, -7, 2147483647, 2147483648, 1.5, 3.0, 1e21, true, '', 'x', '12', 'RED', 'GREEN', 'BLU',
    'red', 'alpah'];
  const value = (d) => {
    const r = rnd();
    if (d > 3 || r < 0.4) return pick(vleaves);
    if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(d + 1));
    const o = {};
    for (const k of ['alpha', 'beta', 'gamma', 'sub', 'color', 'x', 'y', 'z', 'alpah', 'bogus']) {
      if (rnd() < 0.35) o[k] = value(d + 1);
    }
    return o;
  };
  const positions = [['Int', 'a'], ['Int!', 'a'], ['ID', 'i'], ['ID!', 'i'], ['Color', 'c'], ['In', 'n'], ['In!', 'n'],
    ['One', 'o'], ['Any', 'x'], ['[In!]', 'l'], ['[[Int]]', 'm'], ['[[Int!]!]', 'm'], ['Boolean!', null]];
  for (let i = 0; i < runs; i++) {
    const [type, arg] = pick(positions);
    const query = arg ? `query($v: ${type}) { f(${arg}: $v) }` : `query($v: ${type}) { f @include(if: $v) }`;
    const vars = rnd() < 0.1 ? {} : { v: value(0) };
    const r = execute({ schema: vschema, document: parse(query), variableValues: vars });
    const ref = JSON.stringify(
      r.errors ? { errors: r.errors.map((e) => ({ message: e.message, locations: e.locations })) } : r,
    );
    let ours;
    try {
      const cached = i % 2 ? ['--cached'] : [];
      ours = execFileSync(gqlBin, ['exec', '--schema', vfile, '--variables', JSON.stringify(vars), ...cached, '-'], {
        input: query,
        encoding: 'utf8',
      }).trim();
    } catch (e) {
      ours = (e.stdout ?? '').trim() || `exit ${e.status}: ${e.stderr}`;
    }
    if (ours === ref) {
      same++;
    } else {
      diff++;
      if (diff <= 5) console.log(`query ${query}\nvars  ${JSON.stringify(vars)}\nours  ${ours}\nref   ${ref}\n`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log({ same, diff });
process.exit(diff === 0 ? 0 : 1);
