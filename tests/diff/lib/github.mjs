// tests/diff/lib/github.mjs — GitHub's public GraphQL schema as SDL, a large
// real-world schema (about 1 MB, 1,600 types) to test the engine against.
//
// npm's @octokit/graphql-schema ships it as an introspection result
// (schema.json); graphql-js turns that into SDL with
// printSchema(buildClientSchema(...)). The SDL is cached in the build folder
// and regenerated when the package's file is newer than the cache.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClientSchema, printSchema } from 'graphql';
import { cacheDir, writeFileAtomic } from './gql.mjs';

// The path of the package's introspection result, beside its entry point
// (the package exports only "." so the file cannot be resolved directly).
export function githubIntrospectionPath() {
    const entry = fileURLToPath(import.meta.resolve('@octokit/graphql-schema'));
    return path.join(path.dirname(entry), 'schema.json');
}

// Returns the path of GitHub's schema as SDL (graphql-js printSchema format),
// generating it first when the cache is missing or stale.
export function githubSdlPath() {
    const source = githubIntrospectionPath();
    const out = path.join(cacheDir(), 'github.graphql');
    const fresh = fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(source).mtimeMs;
    if (!fresh) {
        const json = JSON.parse(fs.readFileSync(source, 'utf8'));
        const schema = buildClientSchema(json.data ?? json);
        writeFileAtomic(out, printSchema(schema) + '\n');
    }
    return out;
}
