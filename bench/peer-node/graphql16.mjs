// bench/peer-node/graphql16.mjs — makes `require('graphql')` load graphql 16
// for the peer. Import it before mercurius.
//
// The repository's root package.json has graphql 17 (the tests and the
// differential checks use it), but mercurius 16 declares graphql ^16 as a
// peer and its graphql-jit 0.8.9 calls graphql 16 internals
// (buildExecutionContext) that 17 removed: with 17, every jitted request fails.
// So the root also installs graphql 16 under the npm alias `graphql-16`, and
// this hook sends every CommonJS request for `graphql` or `graphql/...` there
// (mercurius and graphql-jit are CommonJS). One graphql instance for all of
// them, as graphql requires.
import Module from 'node:module';

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'graphql' || request.startsWith('graphql/')) request = 'graphql-16' + request.slice(7);
  return resolve.call(this, request, ...rest);
};
