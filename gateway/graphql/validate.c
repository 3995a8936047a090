/*
 * validate.c — the validation driver (spec §5): gql_validate walks the
 * document once, tracking what graphql-js's TypeInfo tracks, and calls the
 * rules of validate_*.c where graphql-js's parallel visitor would call them,
 * in the order of graphql-js 17's specifiedRules. Also here: the helpers the
 * rules share (maps, type utilities, suggestions, value printing, fragment
 * spreads and variable usages).
 */
#include "validate_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Maps and vectors                                                         */
/* ------------------------------------------------------------------------ */

_Noreturn static void *oom(gql_vctx_t *c);

void gql__smap_init(gql__smap_t *m, gql_arena_t *a)
{
    gql__nameidx_init(&m->keys, a);
    m->vals = NULL;
    m->_vcap = 0;
    m->_arena = a;
}

void *gql__smap_get(const gql__smap_t *m, const char *key)
{
    int32_t i = gql__nameidx_find(&m->keys, key);
    return i < 0 ? NULL : m->vals[i];
}

void *gql__smap_put(gql__smap_t *m, const char *key, void *val)
{
    /* Room for a value first, so that a key is never added without one. */
    if (m->_vcap == m->keys.count) {
        size_t cap = m->_vcap ? m->_vcap * 2 : 8;
        void **vals = gql_arena_alloc_raw(m->_arena, cap * sizeof(*vals));
        if (vals == NULL)
            return NULL;
        if (m->keys.count)
            memcpy(vals, m->vals, m->keys.count * sizeof(*vals));
        m->vals = vals;
        m->_vcap = cap;
    }
    bool added;
    int32_t i = gql__nameidx_add(&m->keys, key, &added);
    if (i < 0)
        return NULL;
    void *old = added ? NULL : m->vals[i];
    m->vals[i] = val;
    return old;
}

struct gql__pmap_entry {
    const void *a;
    const void *b;
    void *val;
    bool used;
};

static uint32_t hash_ptrs(const void *a, const void *b)
{
    uint64_t x = (uint64_t)(uintptr_t)a * 0x9E3779B97F4A7C15ull ^ ((uint64_t)(uintptr_t)b + 0x632BE59BD9B4E019ull);
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (uint32_t)x;
}

void gql__pmap_init(gql__pmap_t *m, gql_arena_t *a)
{
    memset(m, 0, sizeof(*m));
    m->arena = a;
}

void *gql__pmap_get(const gql__pmap_t *m, const void *a, const void *b)
{
    if (m->count == 0)
        return NULL;
    uint32_t h = hash_ptrs(a, b) & m->mask;
    while (m->entries[h].used) {
        if (m->entries[h].a == a && m->entries[h].b == b)
            return m->entries[h].val;
        h = (h + 1) & m->mask;
    }
    return NULL;
}

void **gql__pmap_slot(gql__pmap_t *m, const void *a, const void *b, bool *found)
{
    if ((m->count + 1) * 2 > (size_t)m->mask + 1 || m->entries == NULL) {
        uint32_t n = m->entries ? (m->mask + 1) * 2 : 16;
        struct gql__pmap_entry *e = gql_arena_alloc(m->arena, n * sizeof(*e));
        if (e == NULL)
            return NULL;
        for (uint32_t i = 0; m->entries && i <= m->mask; i++) {
            if (!m->entries[i].used)
                continue;
            uint32_t h = hash_ptrs(m->entries[i].a, m->entries[i].b) & (n - 1);
            while (e[h].used)
                h = (h + 1) & (n - 1);
            e[h] = m->entries[i];
        }
        m->entries = e;
        m->mask = n - 1;
    }
    uint32_t h = hash_ptrs(a, b) & m->mask;
    while (m->entries[h].used) {
        if (m->entries[h].a == a && m->entries[h].b == b) {
            *found = true;
            return &m->entries[h].val;
        }
        h = (h + 1) & m->mask;
    }
    m->entries[h].used = true;
    m->entries[h].a = a;
    m->entries[h].b = b;
    m->entries[h].val = NULL;
    m->count++;
    *found = false;
    return &m->entries[h].val;
}

void gql__vec_push(gql_vctx_t *c, gql__vec_t *v, const void *item)
{
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        const void **items = gql_arena_alloc_raw(c->arena, cap * sizeof(*items));
        if (items == NULL)
            oom(c);
        if (v->count)
            memcpy(items, v->items, v->count * sizeof(*items));
        v->items = items;
        v->cap = cap;
    }
    v->items[v->count++] = item;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static void verr_v(gql_vctx_t *c, const gql_loc_t *locs, size_t nlocs, const char *fmt, va_list ap)
{
    /* graphql-js keeps maxErrors errors, then adds one "Too many" error and
     * stops. When the caller's collection is full first, the same happens
     * there: its bound grows by one for that final error. */
    if (c->nerrors >= c->max_errors || c->errors->count >= c->errors->max) {
        if (c->errors->count >= c->errors->max)
            c->errors->max = c->errors->count + 1;
        gql_errors_add(c->errors, GQL_CODE_VALIDATION, NULL, NULL, 0,
                       "Too many validation errors, error limit reached. Validation aborted.");
        c->nerrors++;
        longjmp(c->abort_jmp, 1);
    }
    gql_errors_vadd(c->errors, GQL_CODE_VALIDATION, NULL, locs, nlocs, fmt, ap);
    c->nerrors++;
}

void gql__verr(gql_vctx_t *c, const gql_loc_t *locs, size_t nlocs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_v(c, locs, nlocs, fmt, ap);
    va_end(ap);
}

void gql__verr1(gql_vctx_t *c, gql_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_v(c, &loc, 1, fmt, ap);
    va_end(ap);
}

_Noreturn void gql__vabort(gql_vctx_t *c)
{
    if (c->errors->count >= c->errors->max)
        c->errors->max = c->errors->count + 1; /* room for the final error, as in verr_v */
    gql_errors_add(c->errors, GQL_CODE_VALIDATION, NULL, NULL, 0, "Validation aborted.");
    c->nerrors++;
    longjmp(c->abort_jmp, 1);
}

/* Out of scratch memory: stop validating with an internal error. */
_Noreturn static void *oom(gql_vctx_t *c)
{
    gql_errors_add(c->errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Validation ran out of memory.");
    c->nerrors++;
    longjmp(c->abort_jmp, 1);
}

/* ------------------------------------------------------------------------ */
/* Types                                                                    */
/* ------------------------------------------------------------------------ */

const gql_type_t *gql__vtype_from_ref(gql_vctx_t *c, const gql_type_ref_t *ref)
{
    if (ref == NULL)
        return NULL;
    if (ref->kind == GQL_TYPE_REF_NAMED)
        return gql_schema_type(c->schema, ref->name);
    const gql_type_t *of = gql__vtype_from_ref(c, ref->of);
    if (of == NULL)
        return NULL;
    gql_type_t *w = gql_arena_alloc(c->arena, sizeof(*w));
    if (w == NULL)
        return oom(c);
    w->kind = ref->kind == GQL_TYPE_REF_LIST ? GQL_KIND_LIST : GQL_KIND_NON_NULL;
    w->of_type = of;
    return w;
}

static void type_print(gql_buf_t *b, const gql_type_t *t)
{
    if (t->kind == GQL_KIND_LIST) {
        gql_buf_putc(b, '[');
        type_print(b, t->of_type);
        gql_buf_putc(b, ']');
    } else if (t->kind == GQL_KIND_NON_NULL) {
        type_print(b, t->of_type);
        gql_buf_putc(b, '!');
    } else {
        gql_buf_puts(b, t->name);
    }
}

const char *gql__vtype_str(gql_vctx_t *c, const gql_type_t *t)
{
    if (t == NULL)
        return "undefined";
    if (t->kind != GQL_KIND_LIST && t->kind != GQL_KIND_NON_NULL)
        return t->name;
    gql_buf_t b = GQL_BUF_INIT;
    type_print(&b, t);
    char *s = b.oom ? NULL : gql_arena_strndup(c->arena, b.data, b.len);
    gql_buf_free(&b);
    return s ? s : oom(c);
}

bool gql__vtype_equal(const gql_type_t *a, const gql_type_t *b)
{
    while (a != NULL && b != NULL) {
        if (a == b)
            return true;
        if (a->kind != b->kind)
            return false;
        if (a->kind != GQL_KIND_LIST && a->kind != GQL_KIND_NON_NULL)
            return a == b || (a->name && b->name && strcmp(a->name, b->name) == 0);
        a = a->of_type;
        b = b->of_type;
    }
    return a == b;
}

bool gql__vtype_is_possible(const gql_type_t *abstract, const gql_type_t *maybe_sub)
{
    if (abstract == NULL || maybe_sub == NULL)
        return false;
    if (abstract->kind == GQL_KIND_UNION) {
        for (size_t i = 0; i < abstract->npossible; i++)
            if (abstract->possible[i] == maybe_sub)
                return true;
        return false;
    }
    if (abstract->kind != GQL_KIND_INTERFACE)
        return false;
    /* Objects and interfaces implementing it list it among their interfaces. */
    if (maybe_sub->kind == GQL_KIND_OBJECT || maybe_sub->kind == GQL_KIND_INTERFACE)
        for (size_t i = 0; i < maybe_sub->ninterfaces; i++)
            if (maybe_sub->interfaces[i] == abstract)
                return true;
    return false;
}

bool gql__vtype_is_subtype(const gql_type_t *sub, const gql_type_t *super)
{
    if (gql__vtype_equal(sub, super))
        return true;
    if (sub == NULL || super == NULL)
        return false;
    if (super->kind == GQL_KIND_NON_NULL) {
        if (sub->kind == GQL_KIND_NON_NULL)
            return gql__vtype_is_subtype(sub->of_type, super->of_type);
        return false;
    }
    if (sub->kind == GQL_KIND_NON_NULL)
        return gql__vtype_is_subtype(sub->of_type, super);
    if (super->kind == GQL_KIND_LIST) {
        if (sub->kind == GQL_KIND_LIST)
            return gql__vtype_is_subtype(sub->of_type, super->of_type);
        return false;
    }
    if (sub->kind == GQL_KIND_LIST)
        return false;
    return (super->kind == GQL_KIND_INTERFACE || super->kind == GQL_KIND_UNION) &&
           (sub->kind == GQL_KIND_INTERFACE || sub->kind == GQL_KIND_OBJECT) && gql__vtype_is_possible(super, sub);
}

/* The object types an abstract type may be (schema.getPossibleTypes). */
static bool has_possible(const gql_type_t *abstract, const gql_type_t *obj)
{
    if (abstract->kind == GQL_KIND_UNION || abstract->kind == GQL_KIND_INTERFACE)
        for (size_t i = 0; i < abstract->npossible; i++)
            if (abstract->possible[i] == obj)
                return true;
    return false;
}

bool gql__vtypes_overlap(const gql_type_t *a, const gql_type_t *b)
{
    if (a == b)
        return true;
    bool a_abs = a->kind == GQL_KIND_INTERFACE || a->kind == GQL_KIND_UNION;
    bool b_abs = b->kind == GQL_KIND_INTERFACE || b->kind == GQL_KIND_UNION;
    if (a_abs) {
        if (b_abs) {
            for (size_t i = 0; i < b->npossible; i++)
                if (has_possible(a, b->possible[i]))
                    return true;
            return false;
        }
        return has_possible(a, b);
    }
    if (b_abs)
        return has_possible(b, a);
    return false;
}

const gql_field_t *gql__vfield_plain(gql_vctx_t *c, const gql_type_t *parent, const char *name)
{
    if (parent == NULL || (parent->kind != GQL_KIND_OBJECT && parent->kind != GQL_KIND_INTERFACE))
        return NULL;
    /* Names starting with "__" are reserved: only meta-fields have them, and
     * those are not among a type's own fields. */
    if (name[0] != '_' || name[1] != '_')
        return gql_type_field(c->schema, parent, name);
    for (size_t i = 0; i < parent->nfields; i++)
        if (strcmp(parent->fields[i].name, name) == 0)
            return &parent->fields[i];
    return NULL;
}

const gql_field_t *gql__vfield(gql_vctx_t *c, const gql_type_t *parent, const char *name)
{
    if (parent == NULL)
        return NULL;
    if (name[0] == '_' && name[1] == '_') {
        if (strcmp(name, "__typename") == 0 && gql__vis_composite(parent))
            return c->schema->meta_typename;
        if (parent == c->schema->query) {
            if (strcmp(name, "__schema") == 0)
                return c->schema->meta_schema;
            if (strcmp(name, "__type") == 0)
                return c->schema->meta_type;
        }
    }
    return gql__vfield_plain(c, parent, name);
}

const gql_input_value_t *gql__varg(const gql_input_value_t *args, size_t nargs, const char *name)
{
    for (size_t i = 0; i < nargs; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Suggestions: suggest.c's, with the lists and texts in the arena           */
/* ------------------------------------------------------------------------ */

size_t gql__vsuggest(gql_vctx_t *c, const char *input, const char *const *options, size_t n, const char ***out)
{
    const char **names = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*names));
    if (names == NULL)
        oom(c);
    *out = names;
    return gql__suggestion_list(input, options, n, names);
}

const char *gql__vdid_you_mean(gql_vctx_t *c, const char *sub, const char *const *items, size_t n)
{
    if (n == 0)
        return "";
    gql_buf_t b = GQL_BUF_INIT;
    gql__did_you_mean(&b, sub, items, n);
    char *s = b.oom ? NULL : gql_arena_strndup(c->arena, b.data, b.len);
    gql_buf_free(&b);
    return s ? s : oom(c);
}

/* ------------------------------------------------------------------------ */
/* Printing values as graphql-js printForError does                         */
/* ------------------------------------------------------------------------ */

/* Indents every line of s by two spaces. */
static void append_indented(gql_buf_t *b, const char *s)
{
    gql_buf_puts(b, "  ");
    for (; *s; s++) {
        gql_buf_putc(b, *s);
        if (*s == '\n')
            gql_buf_puts(b, "  ");
    }
}

static char *print_value_rec(gql_vctx_t *c, const gql_value_t *v, bool replace, unsigned depth)
{
    gql_buf_t b = GQL_BUF_INIT;
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        if (replace)
            gql_buf_puts(&b, "null");
        else
            gql_buf_printf(&b, "$%s", v->str);
        break;
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_ENUM:
        gql_buf_puts(&b, v->str);
        break;
    case GQL_VALUE_STRING:
        if (v->block)
            gql__print_block_string(v->str, v->len, &b);
        else
            gql_print_string(v->str, v->len, false, &b);
        break;
    case GQL_VALUE_BOOLEAN:
        gql_buf_puts(&b, v->boolean ? "true" : "false");
        break;
    case GQL_VALUE_NULL:
        gql_buf_puts(&b, "null");
        break;
    case GQL_VALUE_LIST:
    case GQL_VALUE_OBJECT: {
        bool list = v->kind == GQL_VALUE_LIST;
        size_t n = list ? v->list.count : v->object.count;
        char **parts = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*parts));
        if (parts == NULL)
            oom(c);
        size_t np = 0, joined = 0;
        for (size_t i = 0; i < n; i++) {
            char *p;
            if (list) {
                p = print_value_rec(c, v->list.items[i], replace, depth + 1);
            } else {
                const gql_object_field_t *f = &v->object.fields[i];
                if (replace && f->value->kind == GQL_VALUE_VARIABLE)
                    continue;
                char *val = print_value_rec(c, f->value, replace, depth + 1);
                p = gql_arena_printf(c->arena, "%s: %s", f->name, val);
                if (p == NULL)
                    oom(c);
            }
            joined += (np ? 2 : 0) + strlen(p);
            parts[np++] = p;
        }
        bool wrap = (list ? 2 : 4) + joined > 80 && depth < 100;
        if (wrap) {
            gql_buf_t inner = GQL_BUF_INIT;
            for (size_t i = 0; i < np; i++) {
                if (i)
                    gql_buf_putc(&inner, '\n');
                gql_buf_puts(&inner, parts[i]);
            }
            gql_buf_puts(&b, list ? "[\n" : "{\n");
            append_indented(&b, gql_buf_cstr(&inner));
            gql_buf_puts(&b, list ? "\n]" : "\n}");
            gql_buf_free(&inner);
        } else {
            gql_buf_puts(&b, list ? "[" : "{ ");
            for (size_t i = 0; i < np; i++) {
                if (i)
                    gql_buf_puts(&b, ", ");
                gql_buf_puts(&b, parts[i]);
            }
            gql_buf_puts(&b, list ? "]" : " }");
        }
        break;
    }
    }
    char *s = b.oom ? NULL : gql_arena_strndup(c->arena, b.data ? b.data : "", b.len);
    gql_buf_free(&b);
    if (s == NULL)
        oom(c);
    return s;
}

const char *gql__vprint_value(gql_vctx_t *c, const gql_value_t *v, bool replace_vars)
{
    return print_value_rec(c, v, replace_vars, 0);
}

/* ------------------------------------------------------------------------ */
/* Fragment spreads and variable usages (graphql-js ValidationContext)      */
/* ------------------------------------------------------------------------ */

const gql__vec_t *gql__vspreads(gql_vctx_t *c, const gql_selection_set_t *ss)
{
    bool found;
    void **slot = gql__pmap_slot(&c->spreads_cache, ss, NULL, &found);
    if (slot == NULL)
        return oom(c);
    if (found)
        return *slot;
    gql__vec_t *out = gql_arena_alloc(c->arena, sizeof(*out));
    gql__vec_t stack = {0};
    if (out == NULL)
        return oom(c);
    gql__vec_push(c, &stack, ss);
    while (stack.count > 0) {
        const gql_selection_set_t *set = stack.items[--stack.count];
        for (size_t i = 0; i < set->count; i++) {
            const gql_selection_t *s = &set->items[i];
            if (s->kind == GQL_SEL_FRAGMENT_SPREAD)
                gql__vec_push(c, out, s);
            else if (s->selection_set.count > 0)
                gql__vec_push(c, &stack, &s->selection_set);
        }
    }
    *slot = out;
    return out;
}

void gql__vspend_fragment_work(gql_vctx_t *c, size_t cost)
{
    c->fragment_work -= (long)cost;
    if (c->fragment_work < 0)
        gql__vabort(c);
}

/* A cached list of referenced fragments, and the variable usages of those
 * fragments once computed. */
struct gql__frag_list {
    gql__vec_t frags;
    gql__usages_t *usages;
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct gql__frag_list *referenced(gql_vctx_t *c, const gql_definition_t *const *ops, size_t nops)
{
    gql__vec_t names = {0};
    gql__smap_t seen;
    gql__smap_init(&seen, c->arena);
    for (size_t i = 0; i < nops; i++) {
        const gql__vec_t *sp = gql__vspreads(c, &ops[i]->selection_set);
        for (size_t j = 0; j < sp->count; j++) {
            const gql_selection_t *s = sp->items[j];
            if (gql__smap_get(&seen, s->name) == NULL) {
                gql__smap_put(&seen, s->name, (void *)s);
                gql__vec_push(c, &names, s->name);
            }
        }
    }
    /* The cache key: the set of names, sorted, each prefixed with its length. */
    const char **sorted = gql_arena_alloc_raw(c->arena, (names.count ? names.count : 1) * sizeof(*sorted));
    if (sorted == NULL)
        oom(c);
    if (names.count)
        memcpy(sorted, names.items, names.count * sizeof(*sorted));
    qsort(sorted, names.count, sizeof(*sorted), cmp_names);
    gql_buf_t kb = GQL_BUF_INIT;
    for (size_t i = 0; i < names.count; i++)
        gql_buf_printf(&kb, "%zu:%s", strlen(sorted[i]), sorted[i]);
    const char *key = gql__vbuf_take(c, &kb);
    struct gql__frag_list *fl = gql__smap_get(&c->referenced_cache, key);
    if (fl != NULL)
        return fl;
    fl = gql_arena_alloc(c->arena, sizeof(*fl));
    if (fl == NULL)
        oom(c);
    gql__vspend_fragment_work(c, names.count);
    for (size_t i = 0; i < names.count; i++) {
        const gql_definition_t *f = gql__vfragment(c, names.items[i]);
        if (f == NULL)
            continue;
        gql__vec_push(c, &fl->frags, f);
        const gql__vec_t *sp = gql__vspreads(c, &f->selection_set);
        gql__vspend_fragment_work(c, sp->count);
        for (size_t j = 0; j < sp->count; j++) {
            const gql_selection_t *s = sp->items[j];
            if (gql__smap_get(&seen, s->name) == NULL) {
                gql__smap_put(&seen, s->name, (void *)s);
                gql__vec_push(c, &names, s->name);
            }
        }
    }
    gql__smap_put(&c->referenced_cache, key, fl);
    return fl;
}

const gql__vec_t *gql__vreferenced_fragments(gql_vctx_t *c, const gql_definition_t *const *ops, size_t nops)
{
    return &referenced(c, ops, nops)->frags;
}

static void usage_push(gql_vctx_t *c, gql__usages_t *u, const gql_value_t *node, const gql_type_t *type,
                       const gql_type_t *parent, bool has_default)
{
    if (u->count == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 8;
        gql__var_usage_t *items = gql_arena_alloc_raw(c->arena, cap * sizeof(*items));
        if (items == NULL)
            oom(c);
        if (u->count)
            memcpy(items, u->items, u->count * sizeof(*items));
        u->items = items;
        u->cap = cap;
    }
    u->items[u->count++] = (gql__var_usage_t){node, type, parent, has_default};
}

/* Walks a value with graphql-js's input type stack: `type` is the top,
 * `parent` the entry below it. */
static void usages_value(gql_vctx_t *c, gql__usages_t *u, const gql_value_t *v, const gql_type_t *type,
                         const gql_type_t *parent, bool has_default)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        usage_push(c, u, v, type, parent, has_default);
        break;
    case GQL_VALUE_LIST: {
        const gql_type_t *nt = type && type->kind == GQL_KIND_NON_NULL ? type->of_type : type;
        const gql_type_t *item = nt && nt->kind == GQL_KIND_LIST ? nt->of_type : NULL;
        for (size_t i = 0; i < v->list.count; i++)
            usages_value(c, u, v->list.items[i], item, type, false);
        break;
    }
    case GQL_VALUE_OBJECT: {
        const gql_type_t *ot = gql__vnamed(type);
        for (size_t i = 0; i < v->object.count; i++) {
            const gql_input_value_t *f = NULL;
            if (ot != NULL && ot->kind == GQL_KIND_INPUT_OBJECT)
                f = gql__varg(ot->input_fields, ot->ninput_fields, v->object.fields[i].name);
            const gql_type_t *ft = f && gql__vis_input(f->type) ? f->type : NULL;
            usages_value(c, u, v->object.fields[i].value, ft, type, f && f->default_value != NULL);
        }
        break;
    }
    default:
        break;
    }
}

static void usages_args(gql_vctx_t *c, gql__usages_t *u, const gql_argument_t *args, size_t nargs,
                        const gql_input_value_t *defs, size_t ndefs)
{
    for (size_t i = 0; i < nargs; i++) {
        const gql_input_value_t *d = defs ? gql__varg(defs, ndefs, args[i].name) : NULL;
        const gql_type_t *t = d && gql__vis_input(d->type) ? d->type : NULL;
        usages_value(c, u, args[i].value, t, NULL, d && d->default_value != NULL);
    }
}

static void usages_directives(gql_vctx_t *c, gql__usages_t *u, const gql_directive_t *ds, size_t n,
                              const gql_field_t *field_def)
{
    for (size_t i = 0; i < n; i++) {
        const gql_directive_def_t *dd = gql_schema_directive(c->schema, ds[i].name);
        if (dd != NULL)
            usages_args(c, u, ds[i].args, ds[i].nargs, dd->args, dd->nargs);
        else if (field_def != NULL)
            usages_args(c, u, ds[i].args, ds[i].nargs, field_def->args, field_def->nargs);
        else
            usages_args(c, u, ds[i].args, ds[i].nargs, NULL, 0);
    }
}

static void usages_selections(gql_vctx_t *c, gql__usages_t *u, const gql_selection_set_t *ss, const gql_type_t *type,
                              const gql_field_t *field_def)
{
    const gql_type_t *named = gql__vnamed(type);
    const gql_type_t *parent = gql__vis_composite(named) ? named : NULL;
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *s = &ss->items[i];
        if (s->kind == GQL_SEL_FIELD) {
            const gql_field_t *fd = gql__vfield(c, parent, s->name);
            usages_args(c, u, s->args, s->nargs, fd ? fd->args : NULL, fd ? fd->nargs : 0);
            usages_directives(c, u, s->directives, s->ndirectives, fd);
            if (s->selection_set.count > 0)
                usages_selections(c, u, &s->selection_set, fd ? fd->type : NULL, fd);
        } else if (s->kind == GQL_SEL_FRAGMENT_SPREAD) {
            usages_directives(c, u, s->directives, s->ndirectives, field_def);
        } else {
            const gql_type_t *t = s->type_condition ? gql_schema_type(c->schema, s->type_condition) : gql__vnamed(type);
            usages_directives(c, u, s->directives, s->ndirectives, field_def);
            usages_selections(c, u, &s->selection_set, gql__vis_output(t) ? t : NULL, field_def);
        }
    }
}

static const gql_type_t *root_type(gql_vctx_t *c, gql_op_type_t op)
{
    switch (op) {
    case GQL_OP_QUERY:
        return c->schema->query;
    case GQL_OP_MUTATION:
        return c->schema->mutation;
    case GQL_OP_SUBSCRIPTION:
        return c->schema->subscription;
    }
    return NULL;
}

const gql__usages_t *gql__vusages(gql_vctx_t *c, const gql_definition_t *def)
{
    bool found;
    void **slot = gql__pmap_slot(&c->usages_cache, def, NULL, &found);
    if (slot == NULL)
        return oom(c);
    if (found)
        return *slot;
    gql__usages_t *u = gql_arena_alloc(c->arena, sizeof(*u));
    if (u == NULL)
        return oom(c);
    const gql_type_t *t;
    if (def->kind == GQL_DEF_OPERATION) {
        t = root_type(c, def->operation);
        if (t != NULL && t->kind != GQL_KIND_OBJECT)
            t = NULL;
    } else {
        t = gql_schema_type(c->schema, def->type_condition);
        if (!gql__vis_output(t))
            t = NULL;
    }
    usages_directives(c, u, def->directives, def->ndirectives, NULL);
    usages_selections(c, u, &def->selection_set, t, NULL);
    *slot = u;
    return u;
}

static void usages_append(gql_vctx_t *c, gql__usages_t *dst, const gql__usages_t *src)
{
    for (size_t i = 0; i < src->count; i++)
        usage_push(c, dst, src->items[i].node, src->items[i].type, src->items[i].parent_type,
                   src->items[i].has_default);
}

const gql__usages_t *gql__vrecursive_usages(gql_vctx_t *c, const gql_definition_t *op)
{
    bool found;
    void **slot = gql__pmap_slot(&c->usages_cache, op, (const void *)1, &found);
    if (slot == NULL)
        return oom(c);
    if (found && *slot != NULL)
        return *slot;
    struct gql__frag_list *fl = referenced(c, &op, 1);
    if (fl->usages == NULL) {
        gql__usages_t *fu = gql_arena_alloc(c->arena, sizeof(*fu));
        if (fu == NULL)
            oom(c);
        gql__vspend_fragment_work(c, fl->frags.count);
        for (size_t f = 0; f < fl->frags.count; f++) {
            const gql__usages_t *local = gql__vusages(c, fl->frags.items[f]);
            gql__vspend_fragment_work(c, local->count);
            usages_append(c, fu, local);
        }
        fl->usages = fu;
    }
    gql__vspend_fragment_work(c, fl->usages->count);
    gql__usages_t *all = gql_arena_alloc(c->arena, sizeof(*all));
    if (all == NULL)
        oom(c);
    usages_append(c, all, gql__vusages(c, op));
    usages_append(c, all, fl->usages);
    slot = gql__pmap_slot(&c->usages_cache, op, (const void *)1, &found);
    if (slot == NULL)
        oom(c);
    *slot = all;
    return all;
}

size_t gql__vdirective_arg_names(gql_vctx_t *c, const gql__vdirective_t *d, const char ***names)
{
    size_t n = d->ast ? d->ast->ninput_values : (d->def ? d->def->nargs : 0);
    const char **out = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*out));
    if (out == NULL)
        oom(c);
    for (size_t i = 0; i < n; i++)
        out[i] = d->ast ? d->ast->input_values[i].name : d->def->args[i].name;
    *names = out;
    return n;
}

/* ------------------------------------------------------------------------ */
/* The walk                                                                 */
/* ------------------------------------------------------------------------ */

/* A value at an argument or default position: ValuesOfCorrectType checks
 * the whole literal, then UniqueInputFieldNames walks it. */
static void walk_value(gql_vctx_t *c, const gql_value_t *v, const gql_type_t *type)
{
    if (v->kind != GQL_VALUE_VARIABLE && type != NULL)
        gql__rule_values_of_correct_type(c, v, type);
    gql__rule_unique_input_field_names(c, v);
}

static void walk_directives(gql_vctx_t *c, const gql_directive_t *ds, size_t n, int location, const gql__vpos_t *pos)
{
    for (size_t i = 0; i < n; i++) {
        const gql_directive_t *d = &ds[i];
        gql__rule_known_directives(c, d, location);
        gql__rule_defer_stream_label(c, d);
        gql__rule_stream_on_list_field(c, d, pos);
        gql__rule_known_argument_names_on_directive(c, d);
        gql__rule_unique_argument_names(c, d->args, d->nargs);
        const gql_directive_def_t *dd = gql_schema_directive(c->schema, d->name);
        const gql_field_t *fd = pos ? pos->field_def : NULL;
        for (size_t j = 0; j < d->nargs; j++) {
            const gql_input_value_t *a = NULL;
            if (dd != NULL)
                a = gql__varg(dd->args, dd->nargs, d->args[j].name);
            else if (fd != NULL)
                a = gql__varg(fd->args, fd->nargs, d->args[j].name);
            walk_value(c, d->args[j].value, a && gql__vis_input(a->type) ? a->type : NULL);
        }
        gql__rule_provided_required_on_directive(c, d);
    }
}

static void walk_type_ref(gql_vctx_t *c, const gql_type_ref_t *t, bool in_sdl)
{
    while (t != NULL && t->kind != GQL_TYPE_REF_NAMED)
        t = t->of;
    if (t != NULL)
        gql__rule_known_type_names(c, t->name, t->loc, in_sdl);
}

static void walk_selection_set(gql_vctx_t *c, const gql_selection_set_t *ss, const gql__vpos_t *outer, bool from_inline,
                               bool intro_skip);

static void walk_field(gql_vctx_t *c, const gql_selection_t *s, const gql__vpos_t *outer, bool intro_skip)
{
    const gql_field_t *fd = gql__vfield(c, outer->parent_type, s->name);
    const gql_type_t *type = fd && gql__vis_output(fd->type) ? fd->type : NULL;
    gql__vpos_t pos = {type, outer->parent_type, fd};

    gql__rule_scalar_leafs(c, s, type);
    gql__rule_fields_on_correct_type(c, s, outer, fd);
    gql__rule_unique_directives_per_location(c, s->directives, s->ndirectives, NULL, false, NULL);
    gql__rule_unique_argument_names(c, s->args, s->nargs);
    if (!intro_skip && gql__rule_max_introspection_depth(c, s))
        intro_skip = true;

    for (size_t i = 0; i < s->nargs; i++) {
        const gql_input_value_t *a = fd ? gql__varg(fd->args, fd->nargs, s->args[i].name) : NULL;
        gql__rule_known_argument_name(c, &s->args[i], fd);
        walk_value(c, s->args[i].value, a && gql__vis_input(a->type) ? a->type : NULL);
    }
    walk_directives(c, s->directives, s->ndirectives, GQL_DL_FIELD, &pos);
    if (s->selection_set.count > 0)
        walk_selection_set(c, &s->selection_set, &pos, false, intro_skip);
    gql__rule_provided_required_arguments(c, s, fd);
}

static void walk_selection_set(gql_vctx_t *c, const gql_selection_set_t *ss, const gql__vpos_t *outer, bool from_inline,
                               bool intro_skip)
{
    const gql_type_t *named = gql__vnamed(outer->type);
    gql__vpos_t pos = {outer->type, gql__vis_composite(named) ? named : NULL, outer->field_def};
    if (!from_inline && (ss->count > 1 || (ss->count == 1 && ss->items[0].kind == GQL_SEL_INLINE_FRAGMENT)))
        gql__rule_overlapping_fields(c, ss, pos.parent_type);
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *s = &ss->items[i];
        switch (s->kind) {
        case GQL_SEL_FIELD:
            walk_field(c, s, &pos, intro_skip);
            break;
        case GQL_SEL_FRAGMENT_SPREAD:
            gql__rule_known_fragment_names(c, s);
            gql__rule_possible_fragment_spread(c, s, pos.parent_type);
            gql__rule_unique_directives_per_location(c, s->directives, s->ndirectives, NULL, false, NULL);
            walk_directives(c, s->directives, s->ndirectives, GQL_DL_FRAGMENT_SPREAD, &pos);
            break;
        case GQL_SEL_INLINE_FRAGMENT: {
            const gql_type_t *t = s->type_condition ? gql_schema_type(c->schema, s->type_condition) : named;
            if (!gql__vis_output(t))
                t = NULL;
            if (s->type_condition)
                gql__rule_fragments_on_composite_types(c, NULL, s->type_condition, s->type_condition_loc);
            gql__rule_possible_inline_fragment(c, s, t, pos.parent_type);
            gql__rule_unique_directives_per_location(c, s->directives, s->ndirectives, NULL, false, NULL);
            if (s->type_condition)
                gql__rule_known_type_names(c, s->type_condition, s->type_condition_loc, false);
            gql__vpos_t ipos = {t, pos.parent_type, pos.field_def};
            walk_directives(c, s->directives, s->ndirectives, GQL_DL_INLINE_FRAGMENT, &ipos);
            walk_selection_set(c, &s->selection_set, &ipos, true, intro_skip);
            break;
        }
        }
    }
}

static void walk_operation(gql_vctx_t *c, const gql_definition_t *op)
{
    const gql_type_t *root = root_type(c, op->operation);
    gql__vpos_t pos = {root && root->kind == GQL_KIND_OBJECT ? root : NULL, NULL, NULL};

    gql__rule_known_operation_types(c, op);
    gql__rule_unique_operation_names(c, op);
    gql__rule_lone_anonymous_operation(c, op);
    gql__rule_single_field_subscriptions(c, op);
    gql__rule_unique_variable_names(c, op);
    gql__rule_no_undefined_variables(c, op);
    gql__rule_no_unused_variables(c, op);
    gql__rule_unique_directives_per_location(c, op->directives, op->ndirectives, NULL, false, NULL);
    gql__rule_defer_stream_on_root_field(c, op);
    gql__rule_defer_stream_on_valid_operations(c, op);

    for (size_t i = 0; i < op->nvariables; i++) {
        const gql_variable_def_t *v = &op->variables[i];
        gql__rule_variables_are_input_types(c, v);
        gql__rule_unique_directives_per_location(c, v->directives, v->ndirectives, NULL, false, NULL);
        walk_type_ref(c, v->type, false);
        const gql_type_t *vt = gql__vtype_from_ref(c, v->type);
        if (v->default_value != NULL)
            walk_value(c, v->default_value, gql__vis_input(vt) ? vt : NULL);
        walk_directives(c, v->directives, v->ndirectives, GQL_DL_VARIABLE_DEFINITION, NULL);
    }
    static const int op_locations[] = {GQL_DL_QUERY, GQL_DL_MUTATION, GQL_DL_SUBSCRIPTION};
    walk_directives(c, op->directives, op->ndirectives, op_locations[op->operation], &pos);
    walk_selection_set(c, &op->selection_set, &pos, false, false);
    gql__rule_variables_in_allowed_position(c, op);
}

static void walk_fragment(gql_vctx_t *c, const gql_definition_t *f)
{
    gql__rule_fragments_on_composite_types(c, f->name, f->type_condition, f->type_condition_loc);
    gql__rule_unique_fragment_names(c, f);
    gql__rule_no_fragment_cycles(c, f);
    gql__rule_unique_directives_per_location(c, f->directives, f->ndirectives, NULL, false, NULL);
    gql__rule_known_type_names(c, f->type_condition, f->type_condition_loc, false);
    const gql_type_t *t = gql_schema_type(c->schema, f->type_condition);
    gql__vpos_t pos = {gql__vis_output(t) ? t : NULL, NULL, NULL};
    walk_directives(c, f->directives, f->ndirectives, GQL_DL_FRAGMENT_DEFINITION, &pos);
    walk_selection_set(c, &f->selection_set, &pos, false, false);
}

/* Type-system definitions in an executable document: ExecutableDefinitions
 * already reported them; the rules that look at names, directives and
 * values still visit them, as graphql-js's do. */
static void walk_input_values(gql_vctx_t *c, const gql_input_value_def_t *vs, size_t n, int location)
{
    for (size_t i = 0; i < n; i++) {
        gql__rule_unique_directives_per_location(c, vs[i].directives, vs[i].ndirectives, NULL, false, NULL);
        walk_type_ref(c, vs[i].type, true);
        if (vs[i].default_value != NULL)
            gql__rule_unique_input_field_names(c, vs[i].default_value);
        walk_directives(c, vs[i].directives, vs[i].ndirectives, location, NULL);
    }
}

static void walk_sdl(gql_vctx_t *c, const gql_definition_t *d)
{
    static const int def_locations[] = {
        [GQL_DEF_SCHEMA] = GQL_DL_SCHEMA,
        [GQL_DEF_SCALAR] = GQL_DL_SCALAR,
        [GQL_DEF_OBJECT] = GQL_DL_OBJECT,
        [GQL_DEF_INTERFACE] = GQL_DL_INTERFACE,
        [GQL_DEF_UNION] = GQL_DL_UNION,
        [GQL_DEF_ENUM] = GQL_DL_ENUM,
        [GQL_DEF_INPUT_OBJECT] = GQL_DL_INPUT_OBJECT,
        [GQL_DEF_DIRECTIVE] = GQL_DL_DIRECTIVE_DEFINITION,
    };
    bool is_schema = d->kind == GQL_DEF_SCHEMA;
    bool is_directive = d->kind == GQL_DEF_DIRECTIVE;
    gql__rule_unique_directives_per_location(c, d->directives, d->ndirectives,
                                             is_schema || is_directive ? NULL : d->name, is_schema,
                                             is_directive ? d->name : NULL);
    int loc = def_locations[d->kind];
    switch (d->kind) {
    case GQL_DEF_OBJECT:
    case GQL_DEF_INTERFACE:
        for (size_t i = 0; i < d->ntypes; i++)
            walk_type_ref(c, d->types[i], true);
        walk_directives(c, d->directives, d->ndirectives, loc, NULL);
        for (size_t i = 0; i < d->nfields; i++) {
            const gql_field_def_t *f = &d->fields[i];
            gql__rule_unique_directives_per_location(c, f->directives, f->ndirectives, NULL, false, NULL);
            walk_input_values(c, f->args, f->nargs, GQL_DL_ARGUMENT_DEFINITION);
            walk_type_ref(c, f->type, true);
            walk_directives(c, f->directives, f->ndirectives, GQL_DL_FIELD_DEFINITION, NULL);
        }
        break;
    case GQL_DEF_UNION:
        walk_directives(c, d->directives, d->ndirectives, loc, NULL);
        for (size_t i = 0; i < d->ntypes; i++)
            walk_type_ref(c, d->types[i], true);
        break;
    case GQL_DEF_ENUM:
        walk_directives(c, d->directives, d->ndirectives, loc, NULL);
        for (size_t i = 0; i < d->nenum_values; i++) {
            const gql_enum_value_def_t *v = &d->enum_values[i];
            gql__rule_unique_directives_per_location(c, v->directives, v->ndirectives, NULL, false, NULL);
            walk_directives(c, v->directives, v->ndirectives, GQL_DL_ENUM_VALUE, NULL);
        }
        break;
    case GQL_DEF_INPUT_OBJECT:
        walk_directives(c, d->directives, d->ndirectives, loc, NULL);
        walk_input_values(c, d->input_values, d->ninput_values, GQL_DL_INPUT_FIELD_DEFINITION);
        break;
    case GQL_DEF_DIRECTIVE:
        walk_input_values(c, d->input_values, d->ninput_values, GQL_DL_ARGUMENT_DEFINITION);
        walk_directives(c, d->directives, d->ndirectives, loc, NULL);
        break;
    case GQL_DEF_SCHEMA:
        walk_directives(c, d->directives, d->ndirectives, loc, NULL);
        for (size_t i = 0; i < d->nroot_ops; i++)
            gql__rule_known_type_names(c, d->root_ops[i].type_name, d->root_ops[i].type_loc, true);
        break;
    default:
        walk_directives(c, d->directives, d->ndirectives, loc, NULL);
        break;
    }
}

static void setup(gql_vctx_t *c)
{
    gql__smap_t *maps[] = {&c->fragments,      &c->directives,   &c->doc_types,          &c->op_names,
                           &c->frag_names,     &c->defer_labels, &c->defer_root_checked, &c->defer_valid_checked,
                           &c->cycles.visited, &c->cycles.index, &c->intro_checked,      &c->intro_exceeded,
                           &c->udl_schema,     &c->udl_types,    &c->udl_directives};
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
        gql__smap_init(maps[i], c->arena);
    gql__pmap_init(&c->spreads_cache, c->arena);
    gql__pmap_init(&c->usages_cache, c->arena);
    gql__smap_init(&c->referenced_cache, c->arena);
    c->fragment_work = 50000;

    for (size_t i = 0; i < c->schema->ndirectives; i++) {
        const gql_directive_def_t *d = c->schema->directives[i];
        gql__vdirective_t *vd = gql_arena_alloc(c->arena, sizeof(*vd));
        if (vd == NULL)
            oom(c);
        vd->name = d->name;
        vd->locations = d->locations;
        vd->repeatable = d->repeatable;
        vd->def = d;
        gql__smap_put(&c->directives, d->name, vd);
    }
    for (size_t i = 0; i < c->doc->count; i++) {
        const gql_definition_t *d = &c->doc->definitions[i];
        switch (d->kind) {
        case GQL_DEF_OPERATION:
            c->noperations++;
            break;
        case GQL_DEF_FRAGMENT:
            gql__smap_put(&c->fragments, d->name, (void *)d);
            break;
        case GQL_DEF_DIRECTIVE: {
            gql__vdirective_t *vd = gql_arena_alloc(c->arena, sizeof(*vd));
            if (vd == NULL)
                oom(c);
            vd->name = d->name;
            vd->repeatable = d->repeatable;
            vd->ast = d;
            for (size_t j = 0; j < d->nlocations; j++) {
                int l = gql_directive_location_parse(d->locations[j]);
                if (l >= 0)
                    vd->locations |= 1u << l;
            }
            gql__smap_put(&c->directives, d->name, vd);
            break;
        }
        case GQL_DEF_SCHEMA:
            break;
        default:
            if (!d->is_extension && d->name != NULL)
                gql__smap_put(&c->doc_types, d->name, (void *)d);
            break;
        }
    }
}

const char *gql__vbuf_take(gql_vctx_t *c, gql_buf_t *b)
{
    char *s = b->oom ? NULL : gql_arena_strndup(c->arena, b->data ? b->data : "", b->len);
    gql_buf_free(b);
    if (s == NULL)
        oom(c);
    return s;
}

const char *gql__vlocation_name(int location)
{
    const char *name = location < 0 ? NULL : gql_directive_location_name((gql_directive_location_t)location);
    return name != NULL ? name : "UNKNOWN";
}

size_t gql_validate(const gql_schema_t *schema, const gql_document_t *doc, const gql_limits_t *limits,
                    gql_errors_t *errors)
{
    if (schema == NULL || doc == NULL || errors == NULL)
        return 0;
    gql_limits_t lim = limits ? *limits : gql_limits_default();
    gql_vctx_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Validation ran out of memory.");
        return 1;
    }
    c->schema = schema;
    c->doc = doc;
    c->errors = errors;
    c->max_errors = lim.max_errors ? lim.max_errors : 100;
    c->arena = gql_arena_new(16384, NULL);
    if (c->arena == NULL) {
        free(c);
        gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Validation ran out of memory.");
        return 1;
    }
    if (setjmp(c->abort_jmp) == 0) {
        setup(c);
        if (gql__check_limits(c, &lim) == 0) {
            gql__rule_executable_definitions(c);
            for (size_t i = 0; i < doc->count; i++) {
                const gql_definition_t *d = &doc->definitions[i];
                if (d->kind == GQL_DEF_OPERATION)
                    walk_operation(c, d);
                else if (d->kind == GQL_DEF_FRAGMENT)
                    walk_fragment(c, d);
                else
                    walk_sdl(c, d);
            }
            gql__rule_no_unused_fragments(c);
        }
    }
    size_t n = c->nerrors;
    gql_arena_free(c->arena);
    free(c);
    return n;
}
