/*
 * topology.c — loads schema/topology*.yaml (libyaml) into a gw_topology_t and
 * answers the questions producers ask of it: which topic carries a record type,
 * what the message key is, under which Schema Registry subject a schema lives.
 */
#include "events_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_TOPICS 256
#define MAX_PARTITIONS 100000

/* Parsing context: the document and where errors go. */
typedef struct pctx {
    yaml_document_t *doc;
    char *err;
    size_t errlen;
} pctx_t;

static yaml_node_t *node_at(pctx_t *p, int idx)
{
    return yaml_document_get_node(p->doc, idx);
}

static int line_of(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

/* The scalar text of n, or NULL when n is not a scalar. */
static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Parses a decimal integer scalar into [lo, hi]; 0 or GW_EV_EINVAL. */
static int int_scalar(pctx_t *p, const yaml_node_t *n, const char *what, long lo, long hi, long *out)
{
    const char *s = scalar(n);
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (s == NULL || *s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
        gw__err(p->err, p->errlen, "line %d: %s must be an integer from %ld to %ld", line_of(n), what, lo, hi);
        return GW_EV_EINVAL;
    }
    *out = v;
    return 0;
}

/* A parsed topic before its name is copied into the topology's storage. */
typedef struct rawtopic {
    const char *name;
    int32_t partitions, replication;
    gw_key_kind_t key;
    unsigned records;
} rawtopic_t;

static int parse_topic(pctx_t *p, yaml_node_t *n, rawtopic_t *t)
{
    if (n->type != YAML_MAPPING_NODE) {
        gw__err(p->err, p->errlen, "line %d: a topic must be a mapping", line_of(n));
        return GW_EV_EINVAL;
    }
    memset(t, 0, sizeof(*t));
    t->replication = 1;
    t->key = GW_KEY_NONE;
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
        const char *key = scalar(k);
        long l;
        if (key == NULL) {
            gw__err(p->err, p->errlen, "line %d: keys must be plain names", line_of(k));
            return GW_EV_EINVAL;
        }
        if (strcmp(key, "name") == 0) {
            t->name = scalar(v);
            if (t->name == NULL || *t->name == '\0' || strlen(t->name) > 249) {
                gw__err(p->err, p->errlen, "line %d: a topic name must be 1 to 249 characters", line_of(v));
                return GW_EV_EINVAL;
            }
        } else if (strcmp(key, "partitions") == 0) {
            if (int_scalar(p, v, "partitions", 1, MAX_PARTITIONS, &l) != 0)
                return GW_EV_EINVAL;
            t->partitions = (int32_t)l;
        } else if (strcmp(key, "replication") == 0) {
            if (int_scalar(p, v, "replication", 1, 32, &l) != 0)
                return GW_EV_EINVAL;
            t->replication = (int32_t)l;
        } else if (strcmp(key, "key") == 0) {
            const char *s = scalar(v);
            if (s && strcmp(s, "none") == 0)
                t->key = GW_KEY_NONE;
            else if (s && strcmp(s, "id") == 0)
                t->key = GW_KEY_ID;
            else if (s && strcmp(s, "iban") == 0)
                t->key = GW_KEY_IBAN;
            else if (s && strcmp(s, "username") == 0)
                t->key = GW_KEY_USERNAME;
            else {
                gw__err(p->err, p->errlen, "line %d: key must be none, id, iban or username", line_of(v));
                return GW_EV_EINVAL;
            }
        } else if (strcmp(key, "records") == 0) {
            if (v->type != YAML_SEQUENCE_NODE) {
                gw__err(p->err, p->errlen, "line %d: records must be a list of record names", line_of(v));
                return GW_EV_EINVAL;
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                yaml_node_t *r = node_at(p, *it);
                int type = gw_rec_by_name(scalar(r));
                if (type < 0) {
                    gw__err(p->err, p->errlen, "line %d: unknown record type %s", line_of(r),
                            scalar(r) ? scalar(r) : "(not a name)");
                    return GW_EV_EINVAL;
                }
                t->records |= 1u << type;
            }
        } else {
            gw__err(p->err, p->errlen, "line %d: unknown topic setting %s", line_of(k), key);
            return GW_EV_EINVAL;
        }
    }
    if (t->name == NULL || t->partitions == 0) {
        gw__err(p->err, p->errlen, "line %d: a topic needs a name and partitions", line_of(n));
        return GW_EV_EINVAL;
    }
    if ((t->key == GW_KEY_ID || t->key == GW_KEY_IBAN) && t->records == 0) {
        gw__err(p->err, p->errlen, "line %d: topic %s: key %s needs records", line_of(n), t->name,
                t->key == GW_KEY_ID ? "id" : "iban");
        return GW_EV_EINVAL;
    }
    return 0;
}

static int parse_doc(pctx_t *p, gw_topology_t **out)
{
    yaml_node_t *root = yaml_document_get_root_node(p->doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        gw__err(p->err, p->errlen, "the topology must be a YAML mapping");
        return GW_EV_EINVAL;
    }
    rawtopic_t raw[MAX_TOPICS];
    size_t nraw = 0;
    int32_t ids[GW_REC__COUNT] = {0};
    gw_subject_strategy_t strategy = GW_SUBJECT_TOPIC_NAME;
    int have_topics = 0;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
        const char *key = scalar(k);
        if (key == NULL) {
            gw__err(p->err, p->errlen, "line %d: keys must be plain names", line_of(k));
            return GW_EV_EINVAL;
        }
        if (strcmp(key, "namespace") == 0) {
            if (scalar(v) == NULL || strcmp(scalar(v), "nl.openweb.data") != 0) {
                gw__err(p->err, p->errlen, "line %d: namespace must be nl.openweb.data", line_of(v));
                return GW_EV_EINVAL;
            }
        } else if (strcmp(key, "subject_strategy") == 0) {
            const char *s = scalar(v);
            if (s && strcmp(s, "topic_name") == 0)
                strategy = GW_SUBJECT_TOPIC_NAME;
            else if (s && strcmp(s, "record_name") == 0)
                strategy = GW_SUBJECT_RECORD_NAME;
            else {
                gw__err(p->err, p->errlen, "line %d: subject_strategy must be topic_name or record_name", line_of(v));
                return GW_EV_EINVAL;
            }
        } else if (strcmp(key, "schema_ids") == 0) {
            if (v->type != YAML_MAPPING_NODE) {
                gw__err(p->err, p->errlen, "line %d: schema_ids must map record names to ids", line_of(v));
                return GW_EV_EINVAL;
            }
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
                yaml_node_t *rk = node_at(p, q->key), *rv = node_at(p, q->value);
                int type = gw_rec_by_name(scalar(rk));
                long id;
                if (type < 0) {
                    gw__err(p->err, p->errlen, "line %d: unknown record type %s", line_of(rk),
                            scalar(rk) ? scalar(rk) : "(not a name)");
                    return GW_EV_EINVAL;
                }
                if (int_scalar(p, rv, "a schema id", 1, INT32_MAX, &id) != 0)
                    return GW_EV_EINVAL;
                for (int o = 0; o < GW_REC__COUNT; o++)
                    if (o != type && ids[o] == id) {
                        gw__err(p->err, p->errlen, "line %d: schema id %ld is given to two record types", line_of(rv),
                                id);
                        return GW_EV_EINVAL;
                    }
                ids[type] = (int32_t)id;
            }
        } else if (strcmp(key, "topics") == 0) {
            if (v->type != YAML_SEQUENCE_NODE) {
                gw__err(p->err, p->errlen, "line %d: topics must be a list", line_of(v));
                return GW_EV_EINVAL;
            }
            have_topics = 1;
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                if (nraw == MAX_TOPICS) {
                    gw__err(p->err, p->errlen, "more than %d topics", MAX_TOPICS);
                    return GW_EV_EINVAL;
                }
                if (parse_topic(p, node_at(p, *it), &raw[nraw]) != 0)
                    return GW_EV_EINVAL;
                for (size_t j = 0; j < nraw; j++) {
                    if (strcmp(raw[j].name, raw[nraw].name) == 0) {
                        gw__err(p->err, p->errlen, "topic %s is listed twice", raw[nraw].name);
                        return GW_EV_EINVAL;
                    }
                    if (raw[j].records & raw[nraw].records) {
                        gw__err(p->err, p->errlen, "topics %s and %s carry the same record type", raw[j].name,
                                raw[nraw].name);
                        return GW_EV_EINVAL;
                    }
                }
                nraw++;
            }
        } else {
            gw__err(p->err, p->errlen, "line %d: unknown setting %s", line_of(k), key);
            return GW_EV_EINVAL;
        }
    }
    if (!have_topics || nraw == 0) {
        gw__err(p->err, p->errlen, "the topology lists no topics");
        return GW_EV_EINVAL;
    }

    size_t strbytes = 0;
    for (size_t i = 0; i < nraw; i++)
        strbytes += strlen(raw[i].name) + 1;
    gw_topology_t *t = calloc(1, sizeof(*t));
    if (t != NULL) {
        t->topics = calloc(nraw, sizeof(*t->topics));
        t->_strings = malloc(strbytes);
    }
    if (t == NULL || t->topics == NULL || t->_strings == NULL) {
        gw_topology_free(t);
        gw__err(p->err, p->errlen, "out of memory");
        return GW_EV_ENOMEM;
    }
    char *s = t->_strings;
    for (size_t i = 0; i < nraw; i++) {
        size_t l = strlen(raw[i].name) + 1;
        memcpy(s, raw[i].name, l);
        t->topics[i] = (gw_topic_t){s, raw[i].partitions, raw[i].replication, raw[i].key, raw[i].records};
        s += l;
    }
    t->ntopics = nraw;
    memcpy(t->schema_ids, ids, sizeof(ids));
    t->subject_strategy = strategy;
    *out = t;
    return 0;
}

int gw_topology_parse(const char *text, size_t len, gw_topology_t **out, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    *out = NULL;
    if (!yaml_parser_initialize(&parser)) {
        gw__err(err, errlen, "out of memory");
        return GW_EV_ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        gw__err(err, errlen, "line %d: %s", (int)parser.problem_mark.line + 1,
                parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        return GW_EV_EINVAL;
    }
    pctx_t p = {&doc, err, errlen};
    int rc = parse_doc(&p, out);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

int gw_topology_load(const char *path, gw_topology_t **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        gw__err(err, errlen, "%s: %s", path, strerror(errno));
        return GW_EV_EIO;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = cap <= (1u << 24) ? realloc(buf, cap) : NULL;
            if (nb == NULL) {
                free(buf);
                fclose(f);
                gw__err(err, errlen, "%s: too large or out of memory", path);
                return GW_EV_ENOMEM;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        gw__err(err, errlen, "%s: read error", path);
        return GW_EV_EIO;
    }
    char inner[256];
    int rc = gw_topology_parse(buf, len, out, inner, sizeof(inner));
    if (rc != 0)
        gw__err(err, errlen, "%s: %s", path, inner);
    free(buf);
    return rc;
}

void gw_topology_free(gw_topology_t *t)
{
    if (t == NULL)
        return;
    free(t->topics);
    free(t->_strings);
    free(t);
}

const gw_topic_t *gw_topology_topic_of(const gw_topology_t *t, gw_rec_type_t type)
{
    if ((unsigned)type >= GW_REC__COUNT)
        return NULL;
    for (size_t i = 0; i < t->ntopics; i++)
        if (t->topics[i].records & (1u << type))
            return &t->topics[i];
    return NULL;
}

const gw_topic_t *gw_topology_find(const gw_topology_t *t, const char *name)
{
    for (size_t i = 0; i < t->ntopics; i++)
        if (strcmp(t->topics[i].name, name) == 0)
            return &t->topics[i];
    return NULL;
}

/* The iban field of ev, or NULL. */
static const char *event_iban(const gw_event_t *ev)
{
    switch (ev->type) {
    case GW_REC_ACCOUNT_CREATION_CONFIRMED:
        return ev->u.account_creation_confirmed.iban;
    case GW_REC_BALANCE_CHANGED:
        return ev->u.balance_changed.iban;
    default:
        return NULL;
    }
}

int gw_topology_key(const gw_topic_t *topic, const gw_event_t *ev, const char *origin, size_t origin_len, char *out,
                    size_t cap)
{
    switch (topic->key) {
    case GW_KEY_NONE:
        if (cap)
            out[0] = '\0';
        return 0;
    case GW_KEY_ID: {
        const gw_uuid_t *id = gw_event_id(ev);
        if (id == NULL || cap < GW_UUID_STRLEN + 1)
            return GW_EV_EINVAL;
        gw_uuid_format(id, out);
        return GW_UUID_STRLEN;
    }
    case GW_KEY_IBAN: {
        const char *iban = event_iban(ev);
        size_t l = iban ? strlen(iban) : 0;
        if (iban == NULL || l + 1 > cap || l > INT32_MAX)
            return GW_EV_EINVAL;
        memcpy(out, iban, l + 1);
        return (int)l;
    }
    case GW_KEY_USERNAME:
        if (origin == NULL) {
            if (cap)
                out[0] = '\0';
            return 0;
        }
        if (origin_len + 1 > cap || origin_len > INT32_MAX)
            return GW_EV_EINVAL;
        memcpy(out, origin, origin_len);
        out[origin_len] = '\0';
        return (int)origin_len;
    }
    return GW_EV_EINVAL;
}

int gw_topology_subject(const gw_topology_t *t, const gw_topic_t *topic, gw_rec_type_t type, char *out, size_t cap)
{
    const char *name = gw_rec_name(type);
    if (name == NULL || topic == NULL)
        return GW_EV_EINVAL;
    int n = t->subject_strategy == GW_SUBJECT_RECORD_NAME ? snprintf(out, cap, "nl.openweb.data.%s", name)
                                                          : snprintf(out, cap, "%s-value", topic->name);
    return n < 0 || (size_t)n >= cap ? GW_EV_EINVAL : 0;
}
