/*
 * limits.c — the default bounds on one request (see gql_limits_t in gql.h).
 *
 * The numbers are chosen so that real clients never meet them (GraphiQL's
 * introspection query is ~100 tokens, nests ~15 deep) while a hostile
 * document is refused before it costs much: the parser enforces the size and
 * token bounds, validation the depth, field and alias bounds, execution
 * the response size (8 MiB: a thousand transactions with every field take
 * about 300 KB, GraphiQL's introspection of the bank 34 KB; see
 * docs/security.md).
 */
#include "gql.h"

gql_limits_t gql_limits_default(void)
{
    gql_limits_t l = {
        .max_document_bytes = 100000,
        .max_tokens = 15000,
        .max_depth = 32,
        .max_fields = 2000,
        .max_aliases = 200,
        .max_errors = 100,
        .max_response_bytes = 8u << 20,
    };
    return l;
}
