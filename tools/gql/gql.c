/*
 * gql.c — the engine on the command line, for people and for tests:
 *
 *   gql validate --schema FILE.graphql QUERY.graphql
 *   gql exec --schema FILE.graphql [--variables JSON] [--operation NAME] [--data JSON] QUERY.graphql
 *   gql print-schema --schema FILE.graphql
 *
 * `validate` prints {"errors":[...]} (message and locations; [] when valid)
 * and exits 0 when valid, 1 when not (syntax errors included). `exec` runs
 * the operation with no data resolvers, so every field but introspection
 * resolves to null, and prints the response; with --data, fields resolve
 * from that JSON instead, as graphql-js's default resolvers would from the
 * same root value (a member per field, "__typename" naming the runtime type
 * of abstract fields), which makes differential tests with data possible. With --cached, `exec` takes the
 * document through a document cache, as the gateway does, and runs it as two requests: the first plans and
 * keeps its plans with the cached document, the second runs on them; the tool prints the response and fails
 * (exit 2) if the two differ, so the differential tests hold the cached path to graphql-js too.
 * `print-schema` prints the schema as SDL. QUERY may be `-` for standard input. Usage and I/O errors, and an
 * invalid schema, exit 2 with the reason on stderr.
 */
#include "gql.h"
#include "schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_INVALID 1
#define EXIT_USAGE 2

static const char usage[] =
    "usage:\n"
    "  gql validate --schema FILE.graphql QUERY.graphql\n"
    "  gql exec --schema FILE.graphql [--variables JSON] [--operation NAME] [--data JSON] QUERY.graphql\n"
    "  gql print-schema --schema FILE.graphql\n"
    "options:\n"
    "  --schema FILE                   the schema in SDL\n"
    "  --variables JSON                variable values, a JSON object (exec)\n"
    "  --operation NAME                the operation to run when the document has several (exec)\n"
    "  --data JSON                     the root value: fields resolve from its members (exec)\n"
    "  --cached                        run through a document cache, twice: the second request on the plans\n"
    "                                  the first kept with the document; fail if they answer differently (exec)\n"
    "  --allow-deprecation-conflicts   accept deprecated implementation fields of non-deprecated\n"
    "                                  interface fields (warnings go to stderr)\n"
    "  --help                          this text\n"
    "QUERY may be - for standard input.\n"
    "exit status: 0 valid/executed, 1 invalid document, 2 usage, I/O or schema errors\n";

typedef struct options {
    const char *command;
    const char *schema_path;
    const char *query_path;
    const char *variables;
    const char *operation;
    const char *data;
    bool allow_deprecation_conflicts;
    bool cached;
} options_t;

/* Reads a whole file (or stdin for "-") into a malloc'd, NUL-terminated
 * buffer. NULL with a message on stderr when it cannot. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "gql: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = buf == NULL || ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed) {
        fprintf(stderr, "gql: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Writes errors as graphql-js's validate() and execute() show them:
 * errors.c's writer without extensions.code (the tool is not a server). */
static void write_errors(gql_errors_t *e, gql_buf_t *out)
{
    for (size_t i = 0; i < e->count; i++)
        e->items[i].code = NULL;
    gql_errors_write_json(e, out);
}

static void print_errors_to(FILE *f, const char *what, const gql_errors_t *e)
{
    for (size_t i = 0; i < e->count; i++) {
        const gql_error_t *err = &e->items[i];
        if (err->nlocations)
            fprintf(f, "gql: %s %u:%u: %s\n", what, err->locations[0].line, err->locations[0].column, err->message);
        else
            fprintf(f, "gql: %s: %s\n", what, err->message);
    }
    if (e->dropped)
        fprintf(f, "gql: %s: %zu more\n", what, e->dropped);
}

static int parse_args(int argc, char **argv, options_t *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        }
        bool takes_value = strcmp(a, "--schema") == 0 || strcmp(a, "--variables") == 0 ||
                           strcmp(a, "--operation") == 0 || strcmp(a, "--data") == 0;
        if (takes_value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "gql: %s needs a value\n", a);
                return -1;
            }
            const char *v = argv[++i];
            if (strcmp(a, "--schema") == 0)
                o->schema_path = v;
            else if (strcmp(a, "--variables") == 0)
                o->variables = v;
            else if (strcmp(a, "--data") == 0)
                o->data = v;
            else
                o->operation = v;
        } else if (strcmp(a, "--allow-deprecation-conflicts") == 0) {
            o->allow_deprecation_conflicts = true;
        } else if (strcmp(a, "--cached") == 0) {
            o->cached = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "gql: unknown option %s\n", a);
            return -1;
        } else if (o->command == NULL) {
            o->command = a;
        } else if (o->query_path == NULL) {
            o->query_path = a;
        } else {
            fprintf(stderr, "gql: unexpected argument %s\n", a);
            return -1;
        }
    }
    if (o->command == NULL) {
        fputs(usage, stderr);
        return -1;
    }
    bool is_print = strcmp(o->command, "print-schema") == 0;
    if (!is_print && strcmp(o->command, "validate") != 0 && strcmp(o->command, "exec") != 0) {
        fprintf(stderr, "gql: unknown command %s (validate, exec, print-schema)\n", o->command);
        return -1;
    }
    if (o->schema_path == NULL) {
        fprintf(stderr, "gql: %s needs --schema FILE\n", o->command);
        return -1;
    }
    if (!is_print && o->query_path == NULL) {
        fprintf(stderr, "gql: %s needs a query file (or - for stdin)\n", o->command);
        return -1;
    }
    if (is_print && o->query_path != NULL) {
        fprintf(stderr, "gql: print-schema takes no query\n");
        return -1;
    }
    return 0;
}

/* --data: a JSON value as a resolved value. Objects pass themselves on as
 * parents; "__typename" names their type for abstract fields. */
static void rv_from_json(gql_arena_t *a, const gql_iv_t *v, gql_rv_t *out)
{
    memset(out, 0, sizeof(*out));
    switch (v->kind) {
    case GQL_IV_NULL:
        break;
    case GQL_IV_INT:
        out->kind = GQL_RV_INT;
        out->u.i = v->u.i;
        break;
    case GQL_IV_FLOAT:
        out->kind = GQL_RV_FLOAT;
        out->u.f = v->u.f;
        break;
    case GQL_IV_BOOLEAN:
        out->kind = GQL_RV_BOOLEAN;
        out->u.b = v->u.b;
        break;
    case GQL_IV_STRING:
    case GQL_IV_ENUM:
        out->kind = GQL_RV_STRING;
        out->u.s.ptr = v->u.s.ptr;
        out->u.s.len = v->u.s.len;
        break;
    case GQL_IV_LIST: {
        gql_rv_t *items = gql_arena_alloc(a, (v->u.list.count ? v->u.list.count : 1) * sizeof(*items));
        if (items == NULL) {
            out->kind = GQL_RV_ERROR;
            out->u.s.ptr = "out of memory";
            out->u.s.len = 13;
            break;
        }
        for (size_t i = 0; i < v->u.list.count; i++)
            rv_from_json(a, &v->u.list.items[i], &items[i]);
        out->kind = GQL_RV_LIST;
        out->u.list.items = items;
        out->u.list.count = v->u.list.count;
        break;
    }
    case GQL_IV_OBJECT: {
        const gql_iv_t *t = gql_iv_get(v, "__typename");
        out->kind = GQL_RV_OBJECT;
        out->u.obj.ptr = v;
        out->u.obj.type_name = t != NULL && t->kind == GQL_IV_STRING ? t->u.s.ptr : NULL;
        break;
    }
    }
}

/* Resolves a field to its parent object's member of the same name. */
static void resolve_from_json(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const gql_iv_t *v = gql_iv_get(parent, info->field_name);
    if (v == NULL)
        return;
    const gql_type_t *named = gql_type_named(info->field->type);
    if (named->kind == GQL_KIND_SCALAR && !named->builtin && v->kind != GQL_IV_NULL) {
        /* A custom scalar answers its JSON as it is. */
        gql_buf_t b = GQL_BUF_INIT;
        gql_iv_write_json(v, &b);
        out->kind = GQL_RV_JSON;
        out->u.s.ptr = b.oom ? NULL : gql_arena_strndup(info->arena, b.data, b.len);
        out->u.s.len = b.len;
        gql_buf_free(&b);
        if (out->u.s.ptr == NULL)
            out->kind = GQL_RV_NULL;
        return;
    }
    rv_from_json(info->arena, v, out);
}

/* Binds resolve_from_json to every field of the schema's own object types. */
static void bind_json_resolvers(gql_schema_t *s)
{
    for (size_t i = 0; i < s->ntypes; i++) {
        const gql_type_t *t = s->types[i];
        if (t->kind != GQL_KIND_OBJECT || strncmp(t->name, "__", 2) == 0)
            continue;
        for (size_t j = 0; j < t->nfields; j++)
            gql_schema_bind(s, t->name, t->fields[j].name, resolve_from_json, NULL);
    }
}

/* Builds the schema; on failure prints why and returns NULL. */
static gql_schema_t *load_schema(const options_t *o, gql_arena_t *a)
{
    size_t len;
    char *sdl = read_file(o->schema_path, &len);
    if (sdl == NULL)
        return NULL;
    gql_errors_t errors, warnings;
    gql_errors_init(&errors, a, 100);
    gql_errors_init(&warnings, a, 100);
    gql_schema_options_t so = {o->allow_deprecation_conflicts};
    gql_schema_t *s = gql_schema_build(sdl, len, &so, &errors, &warnings);
    print_errors_to(stderr, "schema warning", &warnings);
    if (s == NULL) {
        if (errors.count == 0)
            fprintf(stderr, "gql: %s: the schema could not be built\n", o->schema_path);
        print_errors_to(stderr, "schema error", &errors);
        if (!o->allow_deprecation_conflicts && errors.count > 0) {
            /* When deprecation conflicts were the only problem (GitHub's
             * schema has nine), say how to load the schema anyway. */
            gql_errors_t again;
            gql_errors_init(&again, a, 1);
            gql_schema_options_t tolerant = {true};
            gql_schema_t *t = gql_schema_build(sdl, len, &tolerant, &again, NULL);
            if (t != NULL)
                fprintf(stderr,
                        "gql: %s: its only errors are %zu deprecation conflict(s), which the September 2025 edition "
                        "forbids; --allow-deprecation-conflicts loads the schema anyway\n",
                        o->schema_path, errors.count + errors.dropped);
            gql_schema_free(t);
        }
    }
    free(sdl);
    return s;
}

static int emit(gql_buf_t *out)
{
    gql_buf_putc(out, '\n');
    if (out->oom) {
        fprintf(stderr, "gql: out of memory\n");
        return EXIT_USAGE;
    }
    if (fwrite(out->data, 1, out->len, stdout) != out->len || fflush(stdout) != 0) {
        fprintf(stderr, "gql: cannot write the output\n");
        return EXIT_USAGE;
    }
    return 0;
}

/* --cached: runs `req` a second time, now on the plans the first request
 * kept with the cached document, and compares with the first response
 * `first`. Returns 0 when they are the same bytes, else -1 with both on
 * stderr. */
static int again(const gql_request_t *req, const gql_buf_t *first)
{
    gql_errors_t errors;
    gql_errors_init(&errors, req->arena, 100);
    gql_operation_t *op = NULL;
    gql_buf_t out = GQL_BUF_INIT;
    int rc = gql_prepare(req, &op, &errors);
    if (rc == 0)
        rc = gql_execute(op, NULL, &out);
    bool same = rc == 0 && !out.oom && out.len == first->len && memcmp(out.data, first->data, out.len) == 0;
    if (!same)
        fprintf(stderr, "gql: --cached: the second request answered differently (%d):\nfirst:  %.*s\nsecond: %.*s\n",
                rc, (int)first->len, first->data ? first->data : "", (int)out.len, out.data ? out.data : "");
    gql_buf_free(&out);
    return same ? 0 : -1;
}

static int run(const options_t *o)
{
    gql_arena_t *a = gql_arena_new(1 << 16, NULL);
    if (a == NULL) {
        fprintf(stderr, "gql: out of memory\n");
        return EXIT_USAGE;
    }
    int status = EXIT_USAGE;
    char *query = NULL;
    gql_buf_t out = GQL_BUF_INIT;
    gql_doc_cache_t *cache = NULL;
    gql_cached_doc_t *cached = NULL;
    gql_schema_t *s = load_schema(o, a);
    if (s == NULL)
        goto done;
    if (strcmp(o->command, "print-schema") == 0) {
        gql_schema_print(s, &out);
        if (out.len > 0 && out.data[out.len - 1] == '\n')
            out.len--;
        status = emit(&out);
        goto done;
    }
    size_t len;
    query = read_file(o->query_path, &len);
    if (query == NULL)
        goto done;
    gql_iv_t vars;
    if (o->variables != NULL) {
        char err[160];
        if (gql_json_parse(a, o->variables, strlen(o->variables), &vars, err, sizeof(err)) != 0) {
            fprintf(stderr, "gql: --variables: %s\n", err);
            goto done;
        }
    }
    gql_limits_t limits = gql_limits_default();
    gql_errors_t errors;
    gql_errors_init(&errors, a, limits.max_errors);
    bool is_validate = strcmp(o->command, "validate") == 0;
    const gql_document_t *doc = NULL;
    if (o->cached && !is_validate) {
        /* Parsed and validated by the cache, as the gateway does. */
        cache = gql_doc_cache_new(s, 1, NULL);
        if (cache == NULL) {
            fprintf(stderr, "gql: out of memory\n");
            goto done;
        }
        cached = gql_doc_cache_get(cache, query, len, &limits, &errors);
        if (cached != NULL)
            doc = gql_cached_doc_document(cached);
    } else {
        gql_document_t *parsed = gql_parse(a, query, len, &limits, &errors);
        if (parsed != NULL)
            gql_validate(s, parsed, &limits, &errors);
        doc = parsed;
    }
    if (doc == NULL || errors.count > 0 || is_validate) {
        gql_buf_puts(&out, "{\"errors\":");
        write_errors(&errors, &out);
        gql_buf_putc(&out, '}');
        status = emit(&out);
        if (status == 0 && (doc == NULL || errors.count > 0))
            status = EXIT_INVALID;
        goto done;
    }
    gql_iv_t data;
    if (o->data != NULL) {
        char err[160];
        if (gql_json_parse(a, o->data, strlen(o->data), &data, err, sizeof(err)) != 0) {
            fprintf(stderr, "gql: --data: %s\n", err);
            goto done;
        }
        bind_json_resolvers(s);
    }
    gql_request_t req = {
        .schema = s,
        .document = doc,
        .operation_name = o->operation,
        .variables = o->variables ? &vars : NULL,
        .root_value = o->data ? &data : NULL,
        .arena = a,
        .limits = &limits,
        .cached = cached,
    };
    gql_operation_t *op = NULL;
    int rc = gql_prepare(&req, &op, &errors);
    if (rc == GQL_EFAIL) {
        gql_buf_puts(&out, "{\"errors\":");
        write_errors(&errors, &out);
        gql_buf_putc(&out, '}');
        status = emit(&out);
        if (status == 0)
            status = EXIT_INVALID;
        goto done;
    }
    if (rc == 0)
        rc = gql_execute(op, NULL, &out);
    if (rc == GQL_PENDING) {
        fprintf(stderr, "gql: a resolver answered later, which the command line cannot wait for\n");
        goto done;
    }
    if (rc != 0) {
        fprintf(stderr, "gql: execution failed (%d)\n", rc);
        goto done;
    }
    if (cached != NULL && again(&req, &out) != 0)
        goto done;
    status = emit(&out);
done:
    gql_buf_free(&out);
    gql_doc_cache_release(cached);
    gql_doc_cache_free(cache);
    free(query);
    gql_schema_free(s);
    gql_arena_free(a);
    return status;
}

int main(int argc, char **argv)
{
    options_t o;
    if (parse_args(argc, argv, &o) != 0)
        return EXIT_USAGE;
    return run(&o);
}
