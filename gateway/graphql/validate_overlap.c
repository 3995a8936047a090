/*
 * validate_overlap.c — OverlappingFieldsCanBeMerged (§5.3.2): fields with
 * the same response key in a selection set (including through fragments)
 * must be mergeable: the same field with the same arguments unless their
 * parents are different object types, types that do not conflict, and
 * sub-selections that merge in turn.
 *
 * The algorithm is graphql-js 17's: the fields of each (parent type,
 * selection set) are collected once and cached, fragment pairs and
 * (field set, fragment) pairs already compared are remembered (with whether
 * the comparison assumed mutually exclusive parents), argument values are
 * compared by a canonical key computed once per value, and a complexity
 * budget of 500000 steps stops pathological documents with "Validation
 * aborted." as graphql-js does. Fragment variables are not supported by our
 * parser, so graphql-js's variable scopes are always empty here.
 */
#include "validate_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CONFLICT_DETAIL_LENGTH 1000
#define MAX_CONFLICT_NODES 20
#define MAX_COMPLEXITY_BUDGET 500000

/* One field in a collected set (graphql-js FieldDetails). */
typedef struct ofield {
    const gql_type_t *parent_type; /* may be NULL or non-composite */
    const gql_selection_t *node;
    const gql_field_t *def; /* NULL when unknown (also for __typename) */
    bool simple_leaf;
    const gql_directive_t *stream;
} ofield_t;

typedef struct ogroup {
    const char *name;  /* response key */
    gql__vec_t fields; /* ofield_t * */
} ogroup_t;

/* The fields and spreads of one (parent type, selection set). */
typedef struct ocollect {
    gql__smap_t index;        /* response key -> ogroup_t * */
    gql__vec_t groups;        /* ogroup_t *, in order */
    gql__vec_t spreads;       /* fragment spread selections */
    gql__vec_t *frag_spreads; /* unique by fragment definition: ospread_t * */
} ocollect_t;

typedef struct ospread {
    const gql_selection_t *node;
    const gql_definition_t *def; /* NULL: unknown fragment */
} ospread_t;

typedef struct oconflict {
    const char *name;
    const char *reason;
    gql__vec_t fields1; /* selections */
    gql__vec_t fields2;
} oconflict_t;

struct gql__overlap {
    gql__pmap_t collect_cache;     /* (parent type, selection set) -> ocollect_t * */
    gql__pmap_t fields_frag_pairs; /* (ocollect_t *, fragment) -> 1 + mutually exclusive */
    gql__pmap_t frag_pairs;        /* (fragment, fragment) -> 1 + mutually exclusive */
    gql__pmap_t value_keys;        /* value node -> canonical key */
    ocollect_t **by_fragment;      /* collected fields of each fragment, by definition index */
    long budget;
};

static void spend(gql_vctx_t *c, long cost)
{
    c->overlap->budget -= cost;
    if (c->overlap->budget < 0)
        gql__vabort(c);
}

static void *alloc(gql_vctx_t *c, size_t n)
{
    void *p = gql_arena_alloc(c->arena, n);
    if (p == NULL)
        gql__vabort(c);
    return p;
}

/* ---- collecting fields */

static void collect_impl(gql_vctx_t *c, ocollect_t *r, const gql_type_t *parent, const gql_selection_set_t *ss)
{
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *s = &ss->items[i];
        if (s->kind == GQL_SEL_FIELD) {
            const char *key = gql_selection_key(s);
            ogroup_t *g = gql__smap_get(&r->index, key);
            if (g == NULL) {
                g = alloc(c, sizeof(*g));
                g->name = key;
                gql__smap_put(&r->index, key, g);
                gql__vec_push(c, &r->groups, g);
            }
            ofield_t *f = alloc(c, sizeof(*f));
            f->parent_type = parent;
            f->node = s;
            f->def = gql__vfield_plain(c, parent, s->name);
            for (size_t j = 0; j < s->ndirectives && f->stream == NULL; j++)
                if (strcmp(s->directives[j].name, "stream") == 0)
                    f->stream = &s->directives[j];
            f->simple_leaf = s->nargs == 0 && !gql__vhas_set(&s->selection_set) && f->stream == NULL;
            gql__vec_push(c, &g->fields, f);
        } else if (s->kind == GQL_SEL_FRAGMENT_SPREAD) {
            gql__vec_push(c, &r->spreads, s);
        } else {
            const gql_type_t *t = s->type_condition ? gql_schema_type(c->schema, s->type_condition) : parent;
            collect_impl(c, r, t, &s->selection_set);
        }
    }
}

static ocollect_t *collect(gql_vctx_t *c, const gql_type_t *parent, const gql_selection_set_t *ss)
{
    bool found;
    void **slot = gql__pmap_slot(&c->overlap->collect_cache, parent, ss, &found);
    if (slot == NULL)
        gql__vabort(c);
    if (found)
        return *slot;
    ocollect_t *r = alloc(c, sizeof(*r));
    gql__smap_init(&r->index, c->arena);
    collect_impl(c, r, parent, ss);
    /* the slot may have moved while collecting: look it up again */
    slot = gql__pmap_slot(&c->overlap->collect_cache, parent, ss, &found);
    if (slot == NULL)
        gql__vabort(c);
    *slot = r;
    return r;
}

static ocollect_t *collect_fragment(gql_vctx_t *c, const gql_definition_t *f)
{
    size_t i = (size_t)(f - c->doc->definitions);
    ocollect_t **slot = &c->overlap->by_fragment[i];
    if (*slot == NULL)
        *slot = collect(c, gql_schema_type(c->schema, f->type_condition), &f->selection_set);
    return *slot;
}

static const gql__vec_t *fragment_spreads(gql_vctx_t *c, ocollect_t *r)
{
    if (r->frag_spreads != NULL)
        return r->frag_spreads;
    gql__vec_t *out = alloc(c, sizeof(*out));
    for (size_t i = 0; i < r->spreads.count; i++) {
        const gql_selection_t *s = r->spreads.items[i];
        spend(c, 1);
        const gql_definition_t *def = gql__vfragment(c, s->name);
        ospread_t *prev = NULL;
        for (size_t j = 0; j < out->count && prev == NULL; j++)
            if (((ospread_t *)out->items[j])->def == def)
                prev = (ospread_t *)out->items[j];
        if (prev != NULL) {
            prev->node = s;
            continue;
        }
        ospread_t *sp = alloc(c, sizeof(*sp));
        sp->node = s;
        sp->def = def;
        gql__vec_push(c, out, sp);
    }
    r->frag_spreads = out;
    return out;
}

/* ---- comparing argument values */

static void value_key(gql_buf_t *b, const gql_value_t *v)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        gql_buf_printf(b, "V%zu:%s", strlen(v->str), v->str);
        break;
    case GQL_VALUE_INT:
        gql_buf_printf(b, "I%zu:%s", strlen(v->str), v->str);
        break;
    case GQL_VALUE_FLOAT:
        gql_buf_printf(b, "F%zu:%s", strlen(v->str), v->str);
        break;
    case GQL_VALUE_ENUM:
        gql_buf_printf(b, "E%zu:%s", strlen(v->str), v->str);
        break;
    case GQL_VALUE_STRING:
        gql_buf_printf(b, "S%c%zu:", v->block ? 'b' : 'n', v->len);
        gql_buf_append(b, v->str, v->len);
        break;
    case GQL_VALUE_BOOLEAN:
        gql_buf_puts(b, v->boolean ? "Bt" : "Bf");
        break;
    case GQL_VALUE_NULL:
        gql_buf_putc(b, 'N');
        break;
    case GQL_VALUE_LIST:
        gql_buf_printf(b, "L%zu[", v->list.count);
        for (size_t i = 0; i < v->list.count; i++)
            value_key(b, v->list.items[i]);
        gql_buf_putc(b, ']');
        break;
    case GQL_VALUE_OBJECT: {
        /* fields sorted by name, stably (graphql-js sorts a copy) */
        size_t n = v->object.count;
        gql_buf_printf(b, "O%zu{", n);
        const gql_object_field_t *small[16];
        const gql_object_field_t **order = n <= 16 ? small : malloc(n * sizeof(*order));
        if (order == NULL) {
            b->oom = true;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            size_t j = i;
            while (j > 0 && strcmp(order[j - 1]->name, v->object.fields[i].name) > 0) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = &v->object.fields[i];
        }
        for (size_t i = 0; i < n; i++) {
            gql_buf_printf(b, "%zu:%s=", strlen(order[i]->name), order[i]->name);
            value_key(b, order[i]->value);
        }
        if (order != small)
            free(order);
        gql_buf_putc(b, '}');
        break;
    }
    }
}

static const char *get_value_key(gql_vctx_t *c, const gql_value_t *v)
{
    bool found;
    void **slot = gql__pmap_slot(&c->overlap->value_keys, v, NULL, &found);
    if (slot == NULL)
        gql__vabort(c);
    if (found)
        return *slot;
    gql_buf_t b = GQL_BUF_INIT;
    value_key(&b, v);
    *slot = (void *)gql__vbuf_take(c, &b);
    return *slot;
}

static const gql_value_t *arg_value(const gql_argument_t *args, size_t n, const char *name)
{
    const gql_value_t *v = NULL; /* a Map keeps the last value per name */
    for (size_t i = 0; i < n; i++)
        if (strcmp(args[i].name, name) == 0)
            v = args[i].value;
    return v;
}

/* graphql-js compareArguments + sameArguments without variable scopes. */
static bool same_arguments(gql_vctx_t *c, const gql_argument_t *a1, size_t n1, const gql_argument_t *a2, size_t n2)
{
    if (n1 == 0)
        return n2 == 0;
    if (n1 != n2)
        return false;
    for (size_t i = 0; i < n1; i++) {
        spend(c, 1);
        const gql_value_t *v2 = arg_value(a2, n2, a1[i].name);
        if (v2 == NULL)
            return false;
        if (strcmp(get_value_key(c, a1[i].value), get_value_key(c, v2)) != 0)
            return false;
    }
    return true;
}

/* ---- finding conflicts */

static bool do_types_conflict(gql_vctx_t *c, const gql_type_t *t1, const gql_type_t *t2)
{
    if (t1 == t2)
        return false;
    spend(c, 1);
    if (t1->kind == GQL_KIND_LIST)
        return t2->kind == GQL_KIND_LIST ? do_types_conflict(c, t1->of_type, t2->of_type) : true;
    if (t2->kind == GQL_KIND_LIST)
        return true;
    if (t1->kind == GQL_KIND_NON_NULL)
        return t2->kind == GQL_KIND_NON_NULL ? do_types_conflict(c, t1->of_type, t2->of_type) : true;
    if (t2->kind == GQL_KIND_NON_NULL)
        return true;
    if (gql__vis_leaf(t1) || gql__vis_leaf(t2))
        return !gql__vtype_equal(t1, t2);
    return false;
}

static const char *abbreviate(gql_vctx_t *c, const char *text)
{
    if (strlen(text) <= MAX_CONFLICT_DETAIL_LENGTH)
        return text;
    char *s = gql_arena_printf(c->arena, "%.*s...", MAX_CONFLICT_DETAIL_LENGTH, text);
    if (s == NULL)
        gql__vabort(c);
    return s;
}

static oconflict_t *conflict_new(gql_vctx_t *c, const char *name, const char *reason, const gql_selection_t *n1,
                                 const gql_selection_t *n2)
{
    oconflict_t *k = alloc(c, sizeof(*k));
    k->name = name;
    k->reason = reason;
    gql__vec_push(c, &k->fields1, n1);
    gql__vec_push(c, &k->fields2, n2);
    return k;
}

static void conflicts_between_fields_and_fragment(gql_vctx_t *c, gql__vec_t *out, bool excl, ocollect_t *r,
                                                  const ospread_t *sp);
static void conflicts_between_fragments(gql_vctx_t *c, gql__vec_t *out, bool excl, const ospread_t *s1,
                                        const ospread_t *s2);
static void conflicts_between(gql_vctx_t *c, gql__vec_t *out, bool excl, ocollect_t *r1, ocollect_t *r2);

static gql__vec_t conflicts_between_sub_selections(gql_vctx_t *c, bool excl, const gql_type_t *p1,
                                                   const gql_selection_set_t *ss1, const gql_type_t *p2,
                                                   const gql_selection_set_t *ss2)
{
    gql__vec_t out = {0};
    ocollect_t *r1 = collect(c, p1, ss1);
    const gql__vec_t *fs1 = fragment_spreads(c, r1);
    ocollect_t *r2 = collect(c, p2, ss2);
    const gql__vec_t *fs2 = fragment_spreads(c, r2);
    conflicts_between(c, &out, excl, r1, r2);
    for (size_t j = 0; j < fs2->count; j++)
        conflicts_between_fields_and_fragment(c, &out, excl, r1, fs2->items[j]);
    for (size_t i = 0; i < fs1->count; i++)
        conflicts_between_fields_and_fragment(c, &out, excl, r2, fs1->items[i]);
    for (size_t i = 0; i < fs1->count; i++)
        for (size_t j = 0; j < fs2->count; j++)
            conflicts_between_fragments(c, &out, excl, fs1->items[i], fs2->items[j]);
    return out;
}

static void collect_nodes(gql_vctx_t *c, gql__vec_t *dst, const gql_selection_t *node, const gql__vec_t *conflicts,
                          bool first)
{
    gql__vec_push(c, dst, node);
    for (size_t i = 0; i < conflicts->count; i++) {
        const oconflict_t *k = conflicts->items[i];
        const gql__vec_t *side = first ? &k->fields1 : &k->fields2;
        size_t remaining = MAX_CONFLICT_NODES - dst->count;
        size_t from = side->count > remaining ? side->count - remaining : 0;
        for (size_t j = from; j < side->count; j++)
            gql__vec_push(c, dst, side->items[j]);
        if (dst->count == MAX_CONFLICT_NODES)
            break;
    }
}

static oconflict_t *find_conflict(gql_vctx_t *c, bool parent_excl, const char *name, const ofield_t *f1,
                                  const ofield_t *f2)
{
    bool excl = parent_excl || (f1->parent_type != f2->parent_type && f1->parent_type != NULL &&
                                f1->parent_type->kind == GQL_KIND_OBJECT && f2->parent_type != NULL &&
                                f2->parent_type->kind == GQL_KIND_OBJECT);
    spend(c, 2);
    const gql_selection_t *n1 = f1->node, *n2 = f2->node;
    const gql_type_t *t1 = f1->def ? f1->def->type : NULL, *t2 = f2->def ? f2->def->type : NULL;
    if (f1->simple_leaf && f2->simple_leaf && gql__vtype_equal(t1, t2) && strcmp(n1->name, n2->name) == 0)
        return NULL;
    if (!excl) {
        if (strcmp(n1->name, n2->name) != 0) {
            const char *reason = gql_arena_printf(c->arena, "\"%s\" and \"%s\" are different fields",
                                                  abbreviate(c, n1->name), abbreviate(c, n2->name));
            if (reason == NULL)
                gql__vabort(c);
            return conflict_new(c, name, reason, n1, n2);
        }
        if (!same_arguments(c, n1->args, n1->nargs, n2->args, n2->nargs))
            return conflict_new(c, name, "they have differing arguments", n1, n2);
    }
    if (f1->stream != NULL || f2->stream != NULL) {
        const char *reason = "they have overlapping stream directives";
        if (f1->stream != NULL && f2->stream != NULL &&
            same_arguments(c, f1->stream->args, f1->stream->nargs, f2->stream->args, f2->stream->nargs))
            reason = "they have overlapping stream directives. See "
                     "https://github.com/graphql/defer-stream-wg/discussions/100";
        return conflict_new(c, name, reason, n1, n2);
    }
    if (t1 != NULL && t2 != NULL && do_types_conflict(c, t1, t2)) {
        const char *reason = gql_arena_printf(c->arena, "they return conflicting types \"%s\" and \"%s\"",
                                              gql__vtype_str(c, t1), gql__vtype_str(c, t2));
        if (reason == NULL)
            gql__vabort(c);
        return conflict_new(c, name, reason, n1, n2);
    }
    if (gql__vhas_set(&n1->selection_set) && gql__vhas_set(&n2->selection_set)) {
        gql__vec_t sub = conflicts_between_sub_selections(c, excl, gql__vnamed(t1), &n1->selection_set, gql__vnamed(t2),
                                                          &n2->selection_set);
        if (sub.count == 0)
            return NULL;
        gql_buf_t msg = GQL_BUF_INIT;
        for (size_t i = 0; i < sub.count; i++) {
            const oconflict_t *k = sub.items[i];
            gql_buf_printf(&msg, "%ssubfields \"%s\" conflict because %s", msg.len ? " and " : "",
                           abbreviate(c, k->name), k->reason);
            if (msg.len > MAX_CONFLICT_DETAIL_LENGTH)
                break;
        }
        const char *reason = abbreviate(c, gql__vbuf_take(c, &msg));
        oconflict_t *k = alloc(c, sizeof(*k));
        k->name = name;
        k->reason = reason;
        collect_nodes(c, &k->fields1, n1, &sub, true);
        collect_nodes(c, &k->fields2, n2, &sub, false);
        return k;
    }
    return NULL;
}

static void conflicts_within(gql_vctx_t *c, gql__vec_t *out, ocollect_t *r)
{
    for (size_t g = 0; g < r->groups.count; g++) {
        const ogroup_t *grp = r->groups.items[g];
        for (size_t i = 0; i < grp->fields.count; i++)
            for (size_t j = i + 1; j < grp->fields.count; j++) {
                oconflict_t *k = find_conflict(c, false, grp->name, grp->fields.items[i], grp->fields.items[j]);
                if (k != NULL)
                    gql__vec_push(c, out, k);
            }
    }
}

static void conflicts_between(gql_vctx_t *c, gql__vec_t *out, bool excl, ocollect_t *r1, ocollect_t *r2)
{
    if (r1->groups.count == 0 || r2->groups.count == 0)
        return;
    /* graphql-js caches the overlapping keys per pair of field sets; the
     * pair sets below already keep pairs from being compared twice, so the
     * overlap is computed in place (same order, same budget). */
    for (size_t i = 0; i < r1->groups.count; i++) {
        spend(c, 1);
        const ogroup_t *g1 = r1->groups.items[i];
        const ogroup_t *g2 = gql__smap_get(&r2->index, g1->name);
        if (g2 == NULL)
            continue;
        for (size_t a = 0; a < g1->fields.count; a++)
            for (size_t b = 0; b < g2->fields.count; b++) {
                oconflict_t *k = find_conflict(c, excl, g1->name, g1->fields.items[a], g2->fields.items[b]);
                if (k != NULL)
                    gql__vec_push(c, out, k);
            }
    }
}

/* graphql-js's pair sets, in one probe: a pair already compared is skipped
 * when it was compared without assuming mutually exclusive parents, or when
 * this comparison assumes them (a weaker check). Otherwise the pair is
 * recorded (values are 1 + exclusive) and the caller compares it. A
 * PairSet (unordered) stores both orders under one key; since a pair is only
 * added after the check failed, "some stored flag is false" is kept as
 * "the stored flag is false", which is what the check needs. */
static bool pair_seen_or_add(gql_vctx_t *c, gql__pmap_t *m, const void *a, const void *b, bool excl)
{
    bool found;
    void **slot = gql__pmap_slot(m, a, b, &found);
    if (slot == NULL)
        gql__vabort(c);
    uintptr_t v = (uintptr_t)*slot;
    if (found && (excl || v == 1))
        return true;
    *slot = (void *)(uintptr_t)(found ? 1 : 1 + excl);
    return false;
}

static void conflicts_between_fields_and_fragment(gql_vctx_t *c, gql__vec_t *out, bool excl, ocollect_t *r,
                                                  const ospread_t *sp)
{
    spend(c, 1);
    if (r->groups.count == 0)
        return;
    const gql_definition_t *frag = sp->def;
    if (pair_seen_or_add(c, &c->overlap->fields_frag_pairs, r, frag, excl))
        return;
    if (frag == NULL)
        return;
    ocollect_t *r2 = collect_fragment(c, frag);
    const gql__vec_t *refs = fragment_spreads(c, r2);
    if (r == r2)
        return;
    conflicts_between(c, out, excl, r, r2);
    for (size_t i = 0; i < refs->count; i++)
        conflicts_between_fields_and_fragment(c, out, excl, r, refs->items[i]);
}

static void conflicts_between_fragments(gql_vctx_t *c, gql__vec_t *out, bool excl, const ospread_t *s1,
                                        const ospread_t *s2)
{
    const gql_definition_t *f1 = s1->def, *f2 = s2->def;
    spend(c, 2);
    if (f1 == f2)
        return;
    const void *lo = (uintptr_t)f1 < (uintptr_t)f2 ? (const void *)f1 : (const void *)f2;
    const void *hi = lo == f1 ? (const void *)f2 : (const void *)f1;
    if (pair_seen_or_add(c, &c->overlap->frag_pairs, lo, hi, excl))
        return;
    if (f1 == NULL || f2 == NULL)
        return;
    ocollect_t *r1 = collect_fragment(c, f1);
    const gql__vec_t *refs1 = fragment_spreads(c, r1);
    ocollect_t *r2 = collect_fragment(c, f2);
    const gql__vec_t *refs2 = fragment_spreads(c, r2);
    conflicts_between(c, out, excl, r1, r2);
    for (size_t j = 0; j < refs2->count; j++)
        conflicts_between_fragments(c, out, excl, s1, refs2->items[j]);
    for (size_t i = 0; i < refs1->count; i++)
        conflicts_between_fragments(c, out, excl, refs1->items[i], s2);
}

void gql__rule_overlapping_fields(gql_vctx_t *c, const gql_selection_set_t *ss, const gql_type_t *parent_type)
{
    if (c->overlap == NULL) {
        c->overlap = alloc(c, sizeof(*c->overlap));
        gql__pmap_init(&c->overlap->collect_cache, c->arena);
        gql__pmap_init(&c->overlap->fields_frag_pairs, c->arena);
        gql__pmap_init(&c->overlap->frag_pairs, c->arena);
        gql__pmap_init(&c->overlap->value_keys, c->arena);
        c->overlap->by_fragment = alloc(c, (c->doc->count ? c->doc->count : 1) * sizeof(ocollect_t *));
        c->overlap->budget = MAX_COMPLEXITY_BUDGET;
    }
    gql__vec_t out = {0};
    ocollect_t *r = collect(c, parent_type, ss);
    conflicts_within(c, &out, r);
    if (r->spreads.count != 0 && (r->groups.count != 0 || r->spreads.count > 1)) {
        const gql__vec_t *fs = fragment_spreads(c, r);
        for (size_t i = 0; i < fs->count; i++) {
            conflicts_between_fields_and_fragment(c, &out, false, r, fs->items[i]);
            for (size_t j = i + 1; j < fs->count; j++)
                conflicts_between_fragments(c, &out, false, fs->items[i], fs->items[j]);
        }
    }
    for (size_t i = 0; i < out.count; i++) {
        const oconflict_t *k = out.items[i];
        size_t n = k->fields1.count + k->fields2.count;
        gql_loc_t *locs = alloc(c, n * sizeof(*locs));
        for (size_t j = 0; j < k->fields1.count; j++)
            locs[j] = ((const gql_selection_t *)k->fields1.items[j])->loc;
        for (size_t j = 0; j < k->fields2.count; j++)
            locs[k->fields1.count + j] = ((const gql_selection_t *)k->fields2.items[j])->loc;
        gql__verr(c, locs, n,
                  "Fields \"%s\" conflict because %s. Use different aliases on the fields to fetch both if this was "
                  "intentional.",
                  abbreviate(c, k->name), k->reason);
    }
}
