/*
 * validate_fields.c — rules about what selections may name:
 *
 *  KnownTypeNames (§5.5.1.2): type conditions and variable types name types
 *    of the schema.
 *  FragmentsOnCompositeTypes (§5.5.1.3): fragments condition on objects,
 *    interfaces or unions.
 *  ScalarLeafs (§5.3.3): leaf fields have no selection set, composite fields
 *    have one.
 *  FieldsOnCorrectType (§5.3.1): selected fields exist on their parent type
 *    (with graphql-js's "Did you mean" suggestions).
 *  PossibleFragmentSpreads (§5.5.2.3): a fragment can apply where it is
 *    spread (the two types share an object type).
 *  MaxIntrospectionDepth (graphql-js's recommended rule): introspection
 *    queries do not nest fields/interfaces/possibleTypes/inputFields three
 *    deep.
 */
#include "validate_int.h"

#include <string.h>

static const char *const standard_type_names[] = {
    "String",
    "Int",
    "Float",
    "Boolean",
    "ID",
    "__Schema",
    "__Type",
    "__Field",
    "__InputValue",
    "__EnumValue",
    "__Directive",
    "__TypeKind",
    "__DirectiveLocation",
};
#define NSTANDARD (sizeof(standard_type_names) / sizeof(standard_type_names[0]))

void gql__rule_known_type_names(gql_vctx_t *c, const char *name, gql_loc_t loc, bool in_sdl)
{
    if (name == NULL || gql_schema_type(c->schema, name) != NULL || gql__smap_get(&c->doc_types, name) != NULL)
        return;
    if (in_sdl)
        for (size_t i = 0; i < NSTANDARD; i++)
            if (strcmp(standard_type_names[i], name) == 0)
                return;
    size_t n = c->schema->ntypes + c->doc_types.keys.count + (in_sdl ? NSTANDARD : 0);
    const char **opts = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*opts));
    if (opts == NULL)
        gql__vabort(c);
    size_t k = 0;
    if (in_sdl)
        for (size_t i = 0; i < NSTANDARD; i++)
            opts[k++] = standard_type_names[i];
    for (size_t i = 0; i < c->schema->ntypes; i++)
        opts[k++] = c->schema->types[i]->name;
    for (size_t i = 0; i < c->doc_types.keys.count; i++)
        opts[k++] = c->doc_types.keys.names[i];
    const char **sugg = NULL;
    size_t ns = gql__vsuggest(c, name, opts, k, &sugg);
    gql__verr1(c, loc, "Unknown type \"%s\".%s", name, gql__vdid_you_mean(c, NULL, sugg, ns));
}

void gql__rule_fragments_on_composite_types(gql_vctx_t *c, const char *frag_name, const char *type_name, gql_loc_t loc)
{
    const gql_type_t *t = gql_schema_type(c->schema, type_name);
    if (t == NULL || gql__vis_composite(t))
        return;
    if (frag_name != NULL)
        gql__verr1(c, loc, "Fragment \"%s\" cannot condition on non composite type \"%s\".", frag_name, type_name);
    else
        gql__verr1(c, loc, "Fragment cannot condition on non composite type \"%s\".", type_name);
}

void gql__rule_scalar_leafs(gql_vctx_t *c, const gql_selection_t *field, const gql_type_t *type)
{
    if (type == NULL)
        return;
    if (gql__vis_leaf(gql__vnamed(type))) {
        if (gql__vhas_set(&field->selection_set))
            gql__verr1(c, field->selection_set.loc,
                       "Field \"%s\" must not have a selection since type \"%s\" has no subfields.", field->name,
                       gql__vtype_str(c, type));
    } else if (!gql__vhas_set(&field->selection_set)) {
        gql__verr1(c, field->loc,
                   "Field \"%s\" of type \"%s\" must have a selection of subfields. Did you mean \"%s { ... }\"?",
                   field->name, gql__vtype_str(c, type), field->name);
    }
}

/* graphql-js getSuggestedTypeNames: the possible types (and their
 * interfaces) of an abstract type that have the field, most used first. */
static size_t suggested_type_names(gql_vctx_t *c, const gql_type_t *type, const char *field, const char ***out)
{
    if (type->kind != GQL_KIND_INTERFACE && type->kind != GQL_KIND_UNION)
        return 0;
    size_t cap = 0;
    for (size_t i = 0; i < type->npossible; i++)
        cap += 1 + type->possible[i]->ninterfaces;
    const gql_type_t **types = gql_arena_alloc_raw(c->arena, (cap ? cap : 1) * sizeof(*types));
    int *counts = gql_arena_alloc_raw(c->arena, (cap ? cap : 1) * sizeof(*counts));
    if (types == NULL || counts == NULL)
        gql__vabort(c);
    size_t n = 0;
    for (size_t i = 0; i < type->npossible; i++) {
        const gql_type_t *p = type->possible[i];
        if (gql__vfield_plain(c, p, field) == NULL)
            continue;
        size_t j;
        for (j = 0; j < n && types[j] != p; j++)
            ;
        if (j == n) {
            types[n] = p;
            counts[n++] = 0;
        }
        counts[j] = 1;
        for (size_t k = 0; k < p->ninterfaces; k++) {
            const gql_type_t *iface = p->interfaces[k];
            if (gql__vfield_plain(c, iface, field) == NULL)
                continue;
            for (j = 0; j < n && types[j] != iface; j++)
                ;
            if (j == n) {
                types[n] = iface;
                counts[n++] = 0;
            }
            counts[j]++;
        }
    }
    /* Stable insertion sort with graphql-js's comparator. */
    for (size_t i = 1; i < n; i++) {
        const gql_type_t *t = types[i];
        int cnt = counts[i];
        size_t j = i;
        while (j > 0) {
            const gql_type_t *a = types[j - 1];
            int ca = counts[j - 1];
            bool before; /* does t sort before a? */
            if (cnt != ca)
                before = cnt > ca; /* more used first */
            else if (t->kind == GQL_KIND_INTERFACE && gql__vtype_is_possible(t, a))
                before = true; /* an interface before its implementations */
            else if (a->kind == GQL_KIND_INTERFACE && gql__vtype_is_possible(a, t))
                before = false;
            else
                before = gql__natural_compare(t->name, a->name) < 0;
            if (!before)
                break;
            types[j] = types[j - 1];
            counts[j] = counts[j - 1];
            j--;
        }
        types[j] = t;
        counts[j] = cnt;
    }
    const char **names = gql_arena_alloc_raw(c->arena, (n ? n : 1) * sizeof(*names));
    if (names == NULL)
        gql__vabort(c);
    for (size_t i = 0; i < n; i++)
        names[i] = types[i]->name;
    *out = names;
    return n;
}

void gql__rule_fields_on_correct_type(gql_vctx_t *c, const gql_selection_t *field, const gql__vpos_t *pos,
                                      const gql_field_t *def)
{
    const gql_type_t *type = pos->parent_type;
    if (type == NULL || def != NULL)
        return;
    const char **names = NULL;
    size_t n = suggested_type_names(c, type, field->name, &names);
    const char *suggestion = gql__vdid_you_mean(c, "to use an inline fragment on", names, n);
    if (suggestion[0] == '\0' && (type->kind == GQL_KIND_OBJECT || type->kind == GQL_KIND_INTERFACE)) {
        const char **opts = gql_arena_alloc_raw(c->arena, (type->nfields ? type->nfields : 1) * sizeof(*opts));
        if (opts == NULL)
            gql__vabort(c);
        for (size_t i = 0; i < type->nfields; i++)
            opts[i] = type->fields[i].name;
        const char **sugg = NULL;
        size_t ns = gql__vsuggest(c, field->name, opts, type->nfields, &sugg);
        suggestion = gql__vdid_you_mean(c, NULL, sugg, ns);
    }
    gql__verr1(c, field->loc, "Cannot query field \"%s\" on type \"%s\".%s", field->name, type->name, suggestion);
}

void gql__rule_possible_inline_fragment(gql_vctx_t *c, const gql_selection_t *inl, const gql_type_t *frag_type,
                                        const gql_type_t *parent_type)
{
    if (!gql__vis_composite(frag_type) || !gql__vis_composite(parent_type))
        return;
    if (!gql__vtypes_overlap(frag_type, parent_type))
        gql__verr1(c, inl->loc, "Fragment cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
                   parent_type->name, frag_type->name);
}

void gql__rule_possible_fragment_spread(gql_vctx_t *c, const gql_selection_t *spread, const gql_type_t *parent_type)
{
    const gql_definition_t *f = gql__vfragment(c, spread->name);
    if (f == NULL || parent_type == NULL)
        return;
    const gql_type_t *t = gql_schema_type(c->schema, f->type_condition);
    if (!gql__vis_composite(t))
        return;
    if (!gql__vtypes_overlap(t, parent_type))
        gql__verr1(c, spread->loc,
                   "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
                   spread->name, parent_type->name, t->name);
}

/* ---- MaxIntrospectionDepth */

#define MAX_LISTS_DEPTH 3

static bool intro_check_set(gql_vctx_t *c, const gql_selection_set_t *ss, gql__smap_t *visited, int depth);

/* depth+1 is stored so that 0 (NULL) means absent. */
static int map_depth(const gql__smap_t *m, const char *name)
{
    return (int)(intptr_t)gql__smap_get(m, name) - 1;
}

static bool intro_check(gql_vctx_t *c, const gql_selection_t *s, gql__smap_t *visited, int depth)
{
    if (s->kind == GQL_SEL_FRAGMENT_SPREAD) {
        int exceeded = map_depth(&c->intro_exceeded, s->name);
        if (exceeded >= 0 && exceeded <= depth)
            return true;
        int v = map_depth(visited, s->name), ch = map_depth(&c->intro_checked, s->name);
        if ((v >= 0 && v >= depth) || (ch >= 0 && ch >= depth))
            return false;
        const gql_definition_t *f = gql__vfragment(c, s->name);
        if (f == NULL)
            return false;
        gql__smap_put(visited, s->name, (void *)(intptr_t)(depth + 1));
        if (intro_check_set(c, &f->selection_set, visited, depth)) {
            gql__smap_put(&c->intro_exceeded, s->name, (void *)(intptr_t)(depth + 1));
            return true;
        }
        gql__smap_put(&c->intro_checked, s->name, (void *)(intptr_t)(depth + 1));
        return false;
    }
    if (s->kind == GQL_SEL_FIELD && (strcmp(s->name, "fields") == 0 || strcmp(s->name, "interfaces") == 0 ||
                                     strcmp(s->name, "possibleTypes") == 0 || strcmp(s->name, "inputFields") == 0)) {
        depth++;
        if (depth >= MAX_LISTS_DEPTH)
            return true;
    }
    return intro_check_set(c, &s->selection_set, visited, depth);
}

static bool intro_check_set(gql_vctx_t *c, const gql_selection_set_t *ss, gql__smap_t *visited, int depth)
{
    for (size_t i = 0; i < ss->count; i++)
        if (intro_check(c, &ss->items[i], visited, depth))
            return true;
    return false;
}

bool gql__rule_max_introspection_depth(gql_vctx_t *c, const gql_selection_t *field)
{
    if (strcmp(field->name, "__schema") != 0 && strcmp(field->name, "__type") != 0)
        return false;
    gql__smap_t visited;
    gql__smap_init(&visited, c->arena);
    if (intro_check(c, field, &visited, 0)) {
        gql__verr1(c, field->loc, "Maximum introspection depth exceeded");
        return true;
    }
    return false;
}
