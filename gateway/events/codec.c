/*
 * codec.c — the Confluent Avro wire format for the bank's records, on avro-c.
 *
 * Encoding fills a cached generic value of our reader schema and writes it after
 * the 5-byte header. Decoding looks the writer schema up by id, first walks the
 * bytes against that schema checking every length, count and index against the
 * bytes actually present (avro-c would allocate a declared string length before
 * noticing it is not there), then reads them with avro-c into a cached value of
 * the writer schema and copies the fields into a gw_event_t following a
 * resolution plan computed once per writer schema. Defaults come from our own
 * schema text (avro-c drops `default` when parsing).
 *
 * avro-c keeps its last error message in one process-wide buffer
 * (avro_strerror): we copy it into the caller's err at once and never keep it.
 */
#include "events_int.h"

#include <avro.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 6
#define MAX_DEPTH 32
#define DEFAULT_MAX_BYTES (1024 * 1024)

/* ------------------------------------------------------ field descriptors */

typedef enum fkind { F_LONG, F_STRING, F_UUID, F_ATYPE } fkind_t;

typedef struct fdesc {
    const char *name;
    fkind_t kind;
    size_t off; /* offset of the field in gw_event_t */
} fdesc_t;

#define FD(rec, field, kind)                                                                                           \
    {                                                                                                                  \
#field, kind, offsetof(gw_event_t, u.rec.field)                                                                \
    }

static const fdesc_t fd_heartbeat[] = {FD(heartbeat, beat, F_LONG)};
static const fdesc_t fd_cac[] = {FD(confirm_account_creation, id, F_UUID),
                                 FD(confirm_account_creation, a_type, F_ATYPE)};
static const fdesc_t fd_acc[] = {
    FD(account_creation_confirmed, id, F_UUID), FD(account_creation_confirmed, iban, F_STRING),
    FD(account_creation_confirmed, token, F_STRING), FD(account_creation_confirmed, a_type, F_ATYPE)};
static const fdesc_t fd_acf[] = {FD(account_creation_failed, id, F_UUID),
                                 FD(account_creation_failed, reason, F_STRING)};
static const fdesc_t fd_cmt[] = {
    FD(confirm_money_transfer, id, F_UUID),     FD(confirm_money_transfer, token, F_STRING),
    FD(confirm_money_transfer, amount, F_LONG), FD(confirm_money_transfer, from, F_STRING),
    FD(confirm_money_transfer, to, F_STRING),   FD(confirm_money_transfer, description, F_STRING)};
static const fdesc_t fd_mtc[] = {FD(money_transfer_confirmed, id, F_UUID)};
static const fdesc_t fd_mtf[] = {FD(money_transfer_failed, id, F_UUID), FD(money_transfer_failed, reason, F_STRING)};
static const fdesc_t fd_bc[] = {FD(balance_changed, iban, F_STRING), FD(balance_changed, new_balance, F_LONG),
                                FD(balance_changed, changed_by, F_LONG), FD(balance_changed, from_to, F_STRING),
                                FD(balance_changed, description, F_STRING)};

static const struct {
    const fdesc_t *f;
    int n;
} rec_fields[GW_REC__COUNT] = {
    [GW_REC_HEARTBEAT] = {fd_heartbeat, 1},
    [GW_REC_CONFIRM_ACCOUNT_CREATION] = {fd_cac, 2},
    [GW_REC_ACCOUNT_CREATION_CONFIRMED] = {fd_acc, 4},
    [GW_REC_ACCOUNT_CREATION_FAILED] = {fd_acf, 2},
    [GW_REC_CONFIRM_MONEY_TRANSFER] = {fd_cmt, 6},
    [GW_REC_MONEY_TRANSFER_CONFIRMED] = {fd_mtc, 1},
    [GW_REC_MONEY_TRANSFER_FAILED] = {fd_mtf, 2},
    [GW_REC_BALANCE_CHANGED] = {fd_bc, 5},
};

static const char *const atype_symbols[] = {"AUTO", "MANUAL"};

/* --------------------------------------------------------------- objects */

/* A reader field's default from our schema text. */
typedef struct fdefault {
    int present;
    int64_t l; /* F_LONG, F_ATYPE (symbol index) */
    char *s;   /* F_STRING (owned) */
} fdefault_t;

/* Our schema for one record type, and the value used to encode it. */
typedef struct reader {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    fdefault_t defaults[MAX_FIELDS];
    int32_t id; /* stamped when encoding; 0 = not set */
} reader_t;

/* A writer schema known by id, with its resolution plan onto our reader. */
typedef struct writer {
    int32_t id;
    gw_rec_type_t type;
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    int map[MAX_FIELDS]; /* writer field index per reader field; -1 = use the default */
} writer_t;

struct gw_codec {
    size_t max_bytes;
    reader_t readers[GW_REC__COUNT];
    writer_t **writers; /* owned */
    size_t nwriters, capwriters;
    avro_reader_t in;  /* reused memory reader */
    avro_writer_t out; /* reused memory writer */
    gw_codec_stats_t stats;
};

const gw_codec_stats_t *gw_codec_stats(const gw_codec_t *c)
{
    return &c->stats;
}

const char *gw_codec_schema_text(gw_rec_type_t type)
{
    const char *name = gw_rec_name(type);
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < gw__avsc_count; i++)
        if (strcmp(gw__avsc[i].name, name) == 0)
            return gw__avsc[i].text;
    return NULL;
}

static void writer_free(writer_t *w)
{
    if (w == NULL)
        return;
    if (w->iface) {
        avro_value_decref(&w->value);
        avro_value_iface_decref(w->iface);
    }
    avro_schema_decref(w->schema);
    free(w);
}

void gw_codec_free(gw_codec_t *c)
{
    if (c == NULL)
        return;
    for (int t = 0; t < GW_REC__COUNT; t++) {
        reader_t *r = &c->readers[t];
        if (r->iface) {
            avro_value_decref(&r->value);
            avro_value_iface_decref(r->iface);
        }
        if (r->schema)
            avro_schema_decref(r->schema);
        for (int i = 0; i < MAX_FIELDS; i++)
            free(r->defaults[i].s);
    }
    for (size_t i = 0; i < c->nwriters; i++)
        writer_free(c->writers[i]);
    free(c->writers);
    if (c->in)
        avro_reader_free(c->in);
    if (c->out)
        avro_writer_free(c->out);
    free(c);
}

/* Reads the `default` of each field of our schema text for type t (avro-c loses them). */
static int load_defaults(reader_t *r, gw_rec_type_t t, const char *text, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    json_t *fields = root ? json_object_get(root, "fields") : NULL;
    if (!json_is_array(fields)) {
        gw__err(err, errlen, "schema %s: cannot read its fields (%s)", gw_rec_name(t), je.text);
        json_decref(root);
        return GW_EV_ESCHEMA;
    }
    int rc = 0;
    for (int i = 0; i < rec_fields[t].n && rc == 0; i++) {
        const fdesc_t *fd = &rec_fields[t].f[i];
        json_t *f = json_array_get(fields, (size_t)i);
        const char *fname = json_string_value(json_object_get(f, "name"));
        if (fname == NULL || strcmp(fname, fd->name) != 0) {
            gw__err(err, errlen, "schema %s: field %d is %s, the code expects %s", gw_rec_name(t), i,
                    fname ? fname : "?", fd->name);
            rc = GW_EV_ESCHEMA;
            break;
        }
        json_t *d = json_object_get(f, "default");
        if (d == NULL)
            continue;
        fdefault_t *def = &r->defaults[i];
        if (fd->kind == F_LONG && json_is_integer(d)) {
            def->l = json_integer_value(d);
            def->present = 1;
        } else if (fd->kind == F_STRING && json_is_string(d)) {
            def->s = strdup(json_string_value(d));
            def->present = def->s != NULL;
            if (!def->present)
                rc = GW_EV_ENOMEM;
        } else if (fd->kind == F_ATYPE && json_is_string(d)) {
            for (int k = 0; k < 2; k++)
                if (strcmp(json_string_value(d), atype_symbols[k]) == 0) {
                    def->l = k;
                    def->present = 1;
                }
        }
    }
    json_decref(root);
    return rc;
}

gw_codec_t *gw_codec_new(size_t max_bytes, char *err, size_t errlen)
{
    gw_codec_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        gw__err(err, errlen, "out of memory");
        return NULL;
    }
    c->max_bytes = max_bytes ? max_bytes : DEFAULT_MAX_BYTES;
    c->in = avro_reader_memory("", 0);
    c->out = avro_writer_memory("", 0);
    if (c->in == NULL || c->out == NULL) {
        gw__err(err, errlen, "out of memory");
        goto fail;
    }
    for (int t = 0; t < GW_REC__COUNT; t++) {
        reader_t *r = &c->readers[t];
        const char *text = gw_codec_schema_text((gw_rec_type_t)t);
        if (text == NULL) {
            gw__err(err, errlen, "schema/avro/%s.avsc was not compiled in", gw_rec_name((gw_rec_type_t)t));
            goto fail;
        }
        if (avro_schema_from_json_length(text, strlen(text), &r->schema) != 0) {
            gw__err(err, errlen, "schema %s: %s", gw_rec_name((gw_rec_type_t)t), avro_strerror());
            r->schema = NULL;
            goto fail;
        }
        if (!is_avro_record(r->schema) || (int)avro_schema_record_size(r->schema) != rec_fields[t].n) {
            gw__err(err, errlen, "schema %s: not a record of %d fields", gw_rec_name((gw_rec_type_t)t),
                    rec_fields[t].n);
            goto fail;
        }
        if (load_defaults(r, (gw_rec_type_t)t, text, err, errlen) != 0)
            goto fail;
        r->iface = avro_generic_class_from_schema(r->schema);
        if (r->iface == NULL || avro_generic_value_new(r->iface, &r->value) != 0) {
            gw__err(err, errlen, "schema %s: %s", gw_rec_name((gw_rec_type_t)t), avro_strerror());
            if (r->iface)
                avro_value_iface_decref(r->iface);
            r->iface = NULL;
            goto fail;
        }
    }
    return c;
fail:
    gw_codec_free(c);
    return NULL;
}

/* ------------------------------------------------------------ resolution */

/* Whether a writer schema `w` (after links) can be read as a reader field of kind k. */
static int kind_accepts(fkind_t k, avro_schema_t w)
{
    if (is_avro_link(w))
        w = avro_schema_link_target(w);
    switch (k) {
    case F_LONG:
        return is_avro_int64(w) || is_avro_int32(w);
    case F_STRING:
        return is_avro_string(w) || is_avro_bytes(w);
    case F_UUID:
        return is_avro_fixed(w) && avro_schema_fixed_size(w) == 16;
    case F_ATYPE:
        /* symbols are matched when a message uses one: a newer writer with more
         * symbols is readable as long as it sends AUTO or MANUAL */
        return is_avro_enum(w);
    }
    return 0;
}

/* A writer field fits if it, or (for a union) any of its branches, fits; a union
 * branch that does not fit is caught when a message actually uses it. */
static int field_accepts(fkind_t k, avro_schema_t w)
{
    if (is_avro_union(w)) {
        size_t n = avro_schema_union_size(w);
        for (size_t i = 0; i < n; i++)
            if (kind_accepts(k, avro_schema_union_branch(w, (int)i)))
                return 1;
        return 0;
    }
    return kind_accepts(k, w);
}

static writer_t *find_writer(const gw_codec_t *c, int32_t id)
{
    for (size_t i = 0; i < c->nwriters; i++)
        if (c->writers[i]->id == id)
            return c->writers[i];
    return NULL;
}

/* Takes ownership of `schema` (a parsed writer schema) and adds it under id. */
static int add_writer(gw_codec_t *c, int32_t id, avro_schema_t schema, char *err, size_t errlen)
{
    if (!is_avro_record(schema)) {
        gw__err(err, errlen, "schema id %d: not a record", (int)id);
        avro_schema_decref(schema);
        return GW_EV_ESCHEMA;
    }
    int t = gw_rec_by_name(avro_schema_name(schema));
    if (t < 0) {
        gw__err(err, errlen, "schema id %d: record %s is not one of ours", (int)id, avro_schema_name(schema));
        avro_schema_decref(schema);
        return GW_EV_ESCHEMA;
    }
    writer_t *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        avro_schema_decref(schema);
        return GW_EV_ENOMEM;
    }
    w->id = id;
    w->type = (gw_rec_type_t)t;
    w->schema = schema;
    for (int i = 0; i < rec_fields[t].n; i++) {
        const fdesc_t *fd = &rec_fields[t].f[i];
        int wi = avro_schema_record_field_get_index(schema, fd->name);
        w->map[i] = wi;
        if (wi < 0) {
            if (!c->readers[t].defaults[i].present) {
                gw__err(err, errlen, "schema id %d (%s): no field %s and our schema has no default for it", (int)id,
                        gw_rec_name(w->type), fd->name);
                writer_free(w);
                return GW_EV_ESCHEMA;
            }
            continue;
        }
        if (!field_accepts(fd->kind, avro_schema_record_field_get_by_index(schema, wi))) {
            gw__err(err, errlen, "schema id %d (%s): field %s has a type we cannot read", (int)id, gw_rec_name(w->type),
                    fd->name);
            writer_free(w);
            return GW_EV_ESCHEMA;
        }
    }
    w->iface = avro_generic_class_from_schema(schema);
    if (w->iface == NULL || avro_generic_value_new(w->iface, &w->value) != 0) {
        gw__err(err, errlen, "schema id %d: %s", (int)id, avro_strerror());
        if (w->iface)
            avro_value_iface_decref(w->iface);
        avro_schema_decref(w->schema);
        free(w);
        return GW_EV_ESCHEMA;
    }
    writer_t *old = find_writer(c, id);
    if (old != NULL) {
        for (size_t i = 0; i < c->nwriters; i++)
            if (c->writers[i] == old)
                c->writers[i] = w;
        writer_free(old);
        return 0;
    }
    if (c->nwriters == c->capwriters) {
        size_t cap = c->capwriters ? c->capwriters * 2 : 16;
        writer_t **nw = realloc(c->writers, cap * sizeof(*nw));
        if (nw == NULL) {
            writer_free(w);
            return GW_EV_ENOMEM;
        }
        c->writers = nw;
        c->capwriters = cap;
    }
    c->writers[c->nwriters++] = w;
    return 0;
}

int gw_codec_register(gw_codec_t *c, int32_t id, const char *schema_json, size_t len, char *err, size_t errlen)
{
    if (c == NULL || schema_json == NULL) {
        gw__err(err, errlen, "no schema");
        return GW_EV_EINVAL;
    }
    avro_schema_t s = NULL;
    if (avro_schema_from_json_length(schema_json, len, &s) != 0) {
        gw__err(err, errlen, "schema id %d: %s", (int)id, avro_strerror());
        return GW_EV_ESCHEMA;
    }
    return add_writer(c, id, s, err, errlen);
}

int gw_codec_use_id(gw_codec_t *c, gw_rec_type_t type, int32_t id, char *err, size_t errlen)
{
    if (c == NULL || (unsigned)type >= GW_REC__COUNT) {
        gw__err(err, errlen, "bad record type");
        return GW_EV_EINVAL;
    }
    const char *text = gw_codec_schema_text(type);
    int rc = gw_codec_register(c, id, text, strlen(text), err, errlen);
    if (rc == 0)
        c->readers[type].id = id;
    return rc;
}

/* --------------------------------------------------------------- encoding */

int gw_codec_encode(gw_codec_t *c, const gw_event_t *ev, void **out, size_t *len)
{
    if (c == NULL || ev == NULL || (unsigned)ev->type >= GW_REC__COUNT)
        return GW_EV_EINVAL;
    reader_t *r = &c->readers[ev->type];
    if (r->id == 0)
        return GW_EV_EINVAL;
    const char *base = (const char *)ev;
    for (int i = 0; i < rec_fields[ev->type].n; i++) {
        const fdesc_t *fd = &rec_fields[ev->type].f[i];
        avro_value_t f;
        if (avro_value_get_by_index(&r->value, (size_t)i, &f, NULL) != 0)
            return GW_EV_EINVAL;
        int rc = 0;
        switch (fd->kind) {
        case F_LONG:
            rc = avro_value_set_long(&f, *(const int64_t *)(base + fd->off));
            break;
        case F_STRING: {
            const char *s = *(const char *const *)(base + fd->off);
            if (s == NULL)
                return GW_EV_EINVAL;
            rc = avro_value_set_string(&f, s);
            break;
        }
        case F_UUID:
            rc = avro_value_set_fixed(&f, (void *)((const gw_uuid_t *)(base + fd->off))->b, 16);
            break;
        case F_ATYPE: {
            gw_atype_t a = *(const gw_atype_t *)(base + fd->off);
            if (a != GW_ATYPE_AUTO && a != GW_ATYPE_MANUAL)
                return GW_EV_EINVAL;
            rc = avro_value_set_enum(&f, (int)a);
            break;
        }
        }
        if (rc != 0)
            return rc == ENOMEM ? GW_EV_ENOMEM : GW_EV_EINVAL;
    }
    size_t size = 0;
    if (avro_value_sizeof(&r->value, &size) != 0)
        return GW_EV_EINVAL;
    uint8_t *buf = malloc(size + 5);
    if (buf == NULL)
        return GW_EV_ENOMEM;
    buf[0] = 0;
    buf[1] = (uint8_t)((uint32_t)r->id >> 24);
    buf[2] = (uint8_t)((uint32_t)r->id >> 16);
    buf[3] = (uint8_t)((uint32_t)r->id >> 8);
    buf[4] = (uint8_t)r->id;
    avro_writer_memory_set_dest(c->out, (const char *)buf + 5, (int64_t)size);
    if (avro_value_write(c->out, &r->value) != 0 || (size_t)avro_writer_tell(c->out) != size) {
        free(buf);
        return GW_EV_EINVAL;
    }
    *out = buf;
    *len = size + 5;
    c->stats.encoded++;
    return 0;
}

/* --------------------------------------------------------------- decoding */

int gw_wire_schema_id(const void *buf, size_t len, int32_t *id)
{
    const uint8_t *p = buf;
    if (buf == NULL || len < 5 || p[0] != 0)
        return GW_EV_EMAGIC;
    *id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | (uint32_t)p[4]);
    return 0;
}

/* Reads a zig-zag varint of at most 10 bytes; 0 or -1. */
static int read_varint(const uint8_t **pp, const uint8_t *end, int64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (p >= end)
            return -1;
        uint8_t b = *p++;
        if (shift == 63 && (b & 0x7e))
            return -1; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pp = p;
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return 0;
        }
    }
    return -1;
}

/*
 * Walks one value of schema s at *pp without allocating, checking that every
 * length, count and index fits the bytes left. `budget` bounds the number of
 * array/map items (zero-byte items could otherwise claim 2^63 entries).
 */
static int walk(const uint8_t **pp, const uint8_t *end, avro_schema_t s, int depth, int64_t *budget)
{
    if (depth > MAX_DEPTH)
        return -1;
    int64_t n;
    switch (avro_typeof(s)) {
    case AVRO_NULL:
        return 0;
    case AVRO_BOOLEAN:
        if (*pp >= end || **pp > 1)
            return -1;
        (*pp)++;
        return 0;
    case AVRO_INT32:
        if (read_varint(pp, end, &n) != 0 || n < INT32_MIN || n > INT32_MAX)
            return -1;
        return 0;
    case AVRO_INT64:
        return read_varint(pp, end, &n);
    case AVRO_FLOAT:
    case AVRO_DOUBLE: {
        int64_t w = avro_typeof(s) == AVRO_FLOAT ? 4 : 8;
        if (end - *pp < w)
            return -1;
        *pp += w;
        return 0;
    }
    case AVRO_STRING:
    case AVRO_BYTES:
        if (read_varint(pp, end, &n) != 0 || n < 0 || n > end - *pp)
            return -1;
        *pp += n;
        return 0;
    case AVRO_FIXED:
        n = avro_schema_fixed_size(s);
        if (n < 0 || n > end - *pp)
            return -1;
        *pp += n;
        return 0;
    case AVRO_ENUM:
        if (read_varint(pp, end, &n) != 0 || n < 0 || n >= avro_schema_enum_number_of_symbols(s))
            return -1;
        return 0;
    case AVRO_UNION:
        if (read_varint(pp, end, &n) != 0 || n < 0 || (size_t)n >= avro_schema_union_size(s))
            return -1;
        return walk(pp, end, avro_schema_union_branch(s, (int)n), depth + 1, budget);
    case AVRO_RECORD: {
        size_t nf = avro_schema_record_size(s);
        for (size_t i = 0; i < nf; i++)
            if (walk(pp, end, avro_schema_record_field_get_by_index(s, (int)i), depth + 1, budget) != 0)
                return -1;
        return 0;
    }
    case AVRO_ARRAY:
    case AVRO_MAP: {
        avro_schema_t item = is_avro_array(s) ? avro_schema_array_items(s) : avro_schema_map_values(s);
        for (;;) {
            if (read_varint(pp, end, &n) != 0)
                return -1;
            if (n == 0)
                return 0;
            if (n < 0) {
                int64_t bytes;
                if (n == INT64_MIN || read_varint(pp, end, &bytes) != 0 || bytes < 0 || bytes > end - *pp)
                    return -1;
                n = -n;
            }
            if (n > *budget)
                return -1;
            *budget -= n;
            for (int64_t i = 0; i < n; i++) {
                if (is_avro_map(s)) {
                    int64_t kl;
                    if (read_varint(pp, end, &kl) != 0 || kl < 0 || kl > end - *pp)
                        return -1;
                    *pp += kl;
                }
                if (walk(pp, end, item, depth + 1, budget) != 0)
                    return -1;
            }
        }
    }
    case AVRO_LINK:
        return walk(pp, end, avro_schema_link_target(s), depth + 1, budget);
    }
    return -1;
}

/* One string field's source while decoding. */
typedef struct strsrc {
    const char *p;
    size_t len;
} strsrc_t;

static int malformed(gw_codec_t *c, gw_event_t *ev, char *err, size_t errlen, int32_t id, const char *what)
{
    memset(ev, 0, sizeof(*ev));
    c->stats.err_malformed++;
    gw__err(err, errlen, "schema id %d: %s", (int)id, what);
    return GW_EV_EMALFORMED;
}

int gw_codec_decode(gw_codec_t *c, const void *buf, size_t len, gw_event_t *ev, char *err, size_t errlen)
{
    int32_t id;
    memset(ev, 0, sizeof(*ev));
    if (len > c->max_bytes) {
        c->stats.err_too_big++;
        gw__err(err, errlen, "message of %zu bytes exceeds the cap of %zu", len, c->max_bytes);
        return GW_EV_ETOOBIG;
    }
    if (gw_wire_schema_id(buf, len, &id) != 0) {
        c->stats.err_magic++;
        gw__err(err, errlen, "not in the wire format (%zu bytes, first byte %d)", len,
                len ? ((const uint8_t *)buf)[0] : -1);
        return GW_EV_EMAGIC;
    }
    writer_t *w = find_writer(c, id);
    if (w == NULL) {
        c->stats.err_unknown++;
        gw__err(err, errlen, "unknown schema id %d", (int)id);
        return GW_EV_EUNKNOWN;
    }
    const uint8_t *p = (const uint8_t *)buf + 5, *end = (const uint8_t *)buf + len;
    int64_t budget = (int64_t)len;
    if (walk(&p, end, w->schema, 0, &budget) != 0)
        return malformed(c, ev, err, errlen, id, "bad or truncated Avro data");
    if (p != end)
        return malformed(c, ev, err, errlen, id, "trailing bytes after the record");

    avro_value_reset(&w->value);
    avro_reader_memory_set_source(c->in, (const char *)buf + 5, (int64_t)(len - 5));
    if (avro_value_read(c->in, &w->value) != 0)
        return malformed(c, ev, err, errlen, id, "avro-c could not read the record");

    gw_rec_type_t t = w->type;
    const reader_t *r = &c->readers[t];
    char *base = (char *)ev;
    strsrc_t strs[MAX_FIELDS];
    size_t total = 0;
    for (int i = 0; i < rec_fields[t].n; i++) {
        const fdesc_t *fd = &rec_fields[t].f[i];
        strs[i].p = NULL;
        if (w->map[i] < 0) { /* reader-only field: our default */
            if (fd->kind == F_STRING) {
                strs[i].p = r->defaults[i].s;
                strs[i].len = strlen(r->defaults[i].s);
                total += strs[i].len + 1;
            } else if (fd->kind == F_LONG) {
                *(int64_t *)(base + fd->off) = r->defaults[i].l;
            } else if (fd->kind == F_ATYPE) {
                *(gw_atype_t *)(base + fd->off) = (gw_atype_t)r->defaults[i].l;
            }
            continue;
        }
        avro_value_t f, branch;
        if (avro_value_get_by_index(&w->value, (size_t)w->map[i], &f, NULL) != 0)
            return malformed(c, ev, err, errlen, id, "missing field");
        if (avro_value_get_type(&f) == AVRO_UNION) {
            if (avro_value_get_current_branch(&f, &branch) != 0)
                return malformed(c, ev, err, errlen, id, "bad union");
            f = branch;
        }
        avro_type_t at = avro_value_get_type(&f);
        if (fd->kind == F_LONG && at == AVRO_INT64) {
            avro_value_get_long(&f, (int64_t *)(base + fd->off));
        } else if (fd->kind == F_LONG && at == AVRO_INT32) {
            int32_t v = 0;
            avro_value_get_int(&f, &v);
            *(int64_t *)(base + fd->off) = v;
        } else if (fd->kind == F_STRING && (at == AVRO_STRING || at == AVRO_BYTES)) {
            const void *sp = NULL;
            size_t sl = 0;
            if (at == AVRO_STRING) {
                const char *cs = NULL;
                avro_value_get_string(&f, &cs, &sl);
                sp = cs;
                sl = sl ? sl - 1 : 0; /* the size counts the NUL */
            } else {
                avro_value_get_bytes(&f, &sp, &sl);
            }
            if (sl && memchr(sp, 0, sl) != NULL)
                return malformed(c, ev, err, errlen, id, "NUL byte inside a string");
            strs[i].p = sp ? sp : "";
            strs[i].len = sl;
            total += sl + 1;
        } else if (fd->kind == F_UUID && at == AVRO_FIXED) {
            const void *fp = NULL;
            size_t fl = 0;
            avro_value_get_fixed(&f, &fp, &fl);
            if (fl != 16)
                return malformed(c, ev, err, errlen, id, "Uuid is not 16 bytes");
            memcpy(base + fd->off, fp, 16);
        } else if (fd->kind == F_ATYPE && at == AVRO_ENUM) {
            int e = 0;
            avro_value_get_enum(&f, &e);
            const char *sym = avro_schema_enum_get(avro_value_get_schema(&f), e);
            if (sym != NULL && strcmp(sym, "AUTO") == 0)
                *(gw_atype_t *)(base + fd->off) = GW_ATYPE_AUTO;
            else if (sym != NULL && strcmp(sym, "MANUAL") == 0)
                *(gw_atype_t *)(base + fd->off) = GW_ATYPE_MANUAL;
            else
                return malformed(c, ev, err, errlen, id, "unknown Atype symbol");
        } else {
            return malformed(c, ev, err, errlen, id, "a union branch of a type we cannot read");
        }
    }
    if (total > 0) {
        char *mem = malloc(total), *q = mem;
        if (mem == NULL) {
            memset(ev, 0, sizeof(*ev));
            return GW_EV_ENOMEM;
        }
        for (int i = 0; i < rec_fields[t].n; i++) {
            if (strs[i].p == NULL)
                continue;
            memcpy(q, strs[i].p, strs[i].len);
            q[strs[i].len] = '\0';
            *(const char **)(base + rec_fields[t].f[i].off) = q;
            q += strs[i].len + 1;
        }
        ev->_mem = mem;
    }
    ev->type = t;
    c->stats.decoded++;
    return 0;
}
