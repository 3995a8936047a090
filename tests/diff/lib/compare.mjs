// tests/diff/lib/compare.mjs — comparing the engine's JSON answers with
// graphql-js's in a way that says where they differ: a 3 MB introspection
// result that differs in one description is useless as a whole-value diff.
import assert from 'node:assert/strict';

// Turns a graphql-js result (objects with null prototypes, undefined members)
// into plain JSON data, exactly as it would be sent.
export function asJson(value) {
    return JSON.parse(JSON.stringify(value));
}

function show(v) {
    const s = JSON.stringify(v);
    return s === undefined ? 'undefined' : s.length > 300 ? s.slice(0, 300) + '…' : s;
}

// The first place where JSON values `actual` and `expected` differ, as
// { path, actual, expected, why }, or null when they are equal. Object keys
// are compared as sets here (see keyOrderDifference for their order); a
// `path` is like `data.__schema.types[12].fields[3].description`.
export function firstDifference(actual, expected, where = '') {
    if (Object.is(actual, expected)) return null;
    const ta = Array.isArray(actual) ? 'array' : actual === null ? 'null' : typeof actual;
    const te = Array.isArray(expected) ? 'array' : expected === null ? 'null' : typeof expected;
    if (ta !== te || ta !== 'array' && ta !== 'object') {
        return { path: where || '(root)', actual, expected, why: 'values differ' };
    }
    if (ta === 'array') {
        const n = Math.min(actual.length, expected.length);
        for (let i = 0; i < n; i++) {
            const d = firstDifference(actual[i], expected[i], `${where}[${i}]`);
            if (d) return d;
        }
        if (actual.length !== expected.length) {
            return {
                path: where || '(root)',
                actual: actual.slice(n, n + 3),
                expected: expected.slice(n, n + 3),
                why: `length ${actual.length} instead of ${expected.length}; first extra items shown`,
            };
        }
        return null;
    }
    for (const k of Object.keys(expected)) {
        if (!(k in actual)) return { path: where ? `${where}.${k}` : k, actual: undefined, expected: expected[k], why: 'missing' };
        const d = firstDifference(actual[k], expected[k], where ? `${where}.${k}` : k);
        if (d) return d;
    }
    for (const k of Object.keys(actual)) {
        if (!(k in expected)) return { path: where ? `${where}.${k}` : k, actual: actual[k], expected: undefined, why: 'unexpected' };
    }
    return null;
}

// The first object whose keys come in another order than in `expected`
// (GraphQL responses are ordered maps: spec §7.2.2), or null.
export function keyOrderDifference(actual, expected, where = '') {
    if (Array.isArray(expected) && Array.isArray(actual)) {
        for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
            const d = keyOrderDifference(actual[i], expected[i], `${where}[${i}]`);
            if (d) return d;
        }
        return null;
    }
    if (expected && typeof expected === 'object' && actual && typeof actual === 'object') {
        const ka = Object.keys(actual), ke = Object.keys(expected);
        if (ka.join('\u0000') !== ke.join('\u0000')) return { path: where || '(root)', actual: ka, expected: ke };
        for (const k of ke) {
            const d = keyOrderDifference(actual[k], expected[k], where ? `${where}.${k}` : k);
            if (d) return d;
        }
    }
    return null;
}

// Asserts that two JSON values are equal, keys in the same order, and fails
// with the first difference when they are not.
export function assertSameJson(actual, expected, what = 'response') {
    const d = firstDifference(actual, expected);
    if (d) {
        assert.fail(`${what} differs from graphql-js at ${d.path} (${d.why}):\n` +
            `  engine:     ${show(d.actual)}\n  graphql-js: ${show(d.expected)}`);
    }
    const o = keyOrderDifference(actual, expected);
    if (o) {
        assert.fail(`${what}: keys of ${o.path} in another order than graphql-js:\n` +
            `  engine:     ${show(o.actual)}\n  graphql-js: ${show(o.expected)}`);
    }
}
