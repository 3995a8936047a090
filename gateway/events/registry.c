/*
 * registry.c — a small Confluent Schema Registry client (REST over plain
 * HTTP/1.1): register our schemas under the topology's subjects to learn the ids
 * to stamp, and fetch writer schemas by id for ids the codec does not know.
 *
 * Every call BLOCKS on the network (bounded by a timeout): use it at start-up or
 * from a thread that may wait, never from an event loop. https:// is not
 * supported (no TLS here); put a local proxy in front if the registry needs it.
 */
#include "events_int.h"

#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_RESPONSE (4 * 1024 * 1024)

struct gw_registry {
    char host[256];
    char port[8];
    char prefix[256]; /* path prefix without the trailing slash, may be "" */
    int timeout_ms;
    int32_t missing_ids[64]; /* ids the registry could not give: not asked again */
    size_t nmissing;
};

gw_registry_t *gw_registry_new(const char *url, int timeout_ms, char *err, size_t errlen)
{
    if (url == NULL || strncmp(url, "http://", 7) != 0) {
        gw__err(err, errlen, "schema registry URL must start with http:// (got %s)", url ? url : "nothing");
        return NULL;
    }
    gw_registry_t *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        gw__err(err, errlen, "out of memory");
        return NULL;
    }
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
    const char *h = url + 7, *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    const char *colon = memchr(h, ':', hl);
    size_t nl = colon ? (size_t)(colon - h) : hl;
    size_t pl = colon ? hl - nl - 1 : 0;
    if (nl == 0 || nl >= sizeof(r->host) || pl >= sizeof(r->port) || (colon && pl == 0)) {
        gw__err(err, errlen, "bad schema registry URL %s", url);
        free(r);
        return NULL;
    }
    memcpy(r->host, h, nl);
    if (colon)
        memcpy(r->port, colon + 1, pl);
    else
        strcpy(r->port, "80");
    if (slash) {
        size_t l = strlen(slash);
        while (l > 0 && slash[l - 1] == '/')
            l--;
        if (l >= sizeof(r->prefix)) {
            gw__err(err, errlen, "schema registry URL path too long");
            free(r);
            return NULL;
        }
        memcpy(r->prefix, slash, l);
    }
    return r;
}

void gw_registry_free(gw_registry_t *r)
{
    free(r);
}

/* Growable byte buffer for the response. */
typedef struct bytes {
    char *p;
    size_t n, cap;
} bytes_t;

static int bytes_add(bytes_t *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

/* Undoes chunked transfer encoding in place; 0 or -1. */
static int dechunk(char *body, size_t *len)
{
    char *r = body, *w = body, *end = body + *len;
    for (;;) {
        char *e;
        errno = 0;
        unsigned long n = strtoul(r, &e, 16);
        if (e == r || errno)
            return -1;
        char *crlf = strstr(e, "\r\n");
        if (crlf == NULL)
            return -1;
        r = crlf + 2;
        if (n == 0)
            break;
        if (n > (size_t)(end - r))
            return -1;
        memmove(w, r, n);
        w += n;
        r += n;
        if (end - r < 2 || r[0] != '\r' || r[1] != '\n')
            return -1;
        r += 2;
    }
    *len = (size_t)(w - body);
    *w = '\0';
    return 0;
}

/*
 * One request; returns the HTTP status and *body (malloc'd, NUL-terminated; the
 * caller frees it), or a negative GW_EV_E* with err.
 */
static int http(const gw_registry_t *r, const char *method, const char *path, const char *json, char **body, char *err,
                size_t errlen)
{
    *body = NULL;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(r->host, r->port, &hints, &ai);
    if (gai != 0) {
        gw__err(err, errlen, "schema registry %s: %s", r->host, gai_strerror(gai));
        return GW_EV_EIO;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        gw__err(err, errlen, "schema registry %s:%s: cannot connect: %s", r->host, r->port, strerror(errno));
        return GW_EV_EIO;
    }
    bytes_t req = {0}, resp = {0};
    char head[1024];
    size_t jl = json ? strlen(json) : 0;
    int hn = snprintf(head, sizeof(head),
                      "%s %s%s HTTP/1.1\r\nHost: %s:%s\r\nAccept: application/vnd.schemaregistry.v1+json, "
                      "application/json\r\nConnection: close\r\n",
                      method, r->prefix, path, r->host, r->port);
    if (json)
        hn += snprintf(head + hn, sizeof(head) - (size_t)hn,
                       "Content-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: %zu\r\n", jl);
    int rc = GW_EV_EIO;
    if (hn <= 0 || (size_t)hn + 3 > sizeof(head) || bytes_add(&req, head, (size_t)hn) || bytes_add(&req, "\r\n", 2) ||
        (json && bytes_add(&req, json, jl))) {
        gw__err(err, errlen, "schema registry: request too large");
        rc = GW_EV_EINVAL;
        goto out;
    }
    for (size_t off = 0; off < req.n;) {
        ssize_t w = send(fd, req.p + off, req.n - off, MSG_NOSIGNAL);
        if (w <= 0) {
            gw__err(err, errlen, "schema registry: send: %s", w < 0 ? strerror(errno) : "closed");
            goto out;
        }
        off += (size_t)w;
    }
    for (;;) {
        char buf[8192];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            gw__err(err, errlen, "schema registry: %s", errno == EAGAIN ? "timed out" : strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (resp.n + (size_t)n > MAX_RESPONSE || bytes_add(&resp, buf, (size_t)n) != 0) {
            gw__err(err, errlen, "schema registry: response too large");
            goto out;
        }
    }
    int status = 0;
    char *hend = resp.p ? strstr(resp.p, "\r\n\r\n") : NULL;
    if (hend == NULL || sscanf(resp.p, "HTTP/1.%*d %d", &status) != 1 || status < 100) {
        gw__err(err, errlen, "schema registry: not an HTTP response");
        rc = GW_EV_EMALFORMED;
        goto out;
    }
    *hend = '\0';
    char *b = hend + 4;
    size_t bl = resp.n - (size_t)(b - resp.p);
    int chunked = 0;
    for (char *h = strstr(resp.p, "\r\n"); h; h = strstr(h + 2, "\r\n"))
        if (strncasecmp(h + 2, "transfer-encoding:", 18) == 0 && strstr(h + 20, "chunked") != NULL)
            chunked = 1;
    if (chunked && dechunk(b, &bl) != 0) {
        gw__err(err, errlen, "schema registry: bad chunked response");
        rc = GW_EV_EMALFORMED;
        goto out;
    }
    *body = malloc(bl + 1);
    if (*body == NULL) {
        rc = GW_EV_ENOMEM;
        goto out;
    }
    memcpy(*body, b, bl);
    (*body)[bl] = '\0';
    rc = status;
out:
    close(fd);
    free(req.p);
    free(resp.p);
    return rc;
}

/* Percent-encodes s into out (for a path segment); 0 or -1 when it does not fit. */
static int path_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                    *p == '.' || *p == '_' || *p == '~';
        if (n + (plain ? 1 : 3) + 1 > cap)
            return -1;
        if (plain)
            out[n++] = (char)*p;
        else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    return 0;
}

/* The registry's own error text from a JSON body, or the status. */
static void http_error(const char *what, int status, const char *body, char *err, size_t errlen)
{
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(j, "message"));
    gw__err(err, errlen, "schema registry: %s: HTTP %d%s%s", what, status, m ? ": " : "", m ? m : "");
    json_decref(j);
}

int gw_registry_register(gw_registry_t *r, const char *subject, const char *schema, int32_t *id, char *err,
                         size_t errlen)
{
    char esc[768], path[1024];
    if (subject == NULL || schema == NULL) {
        gw__err(err, errlen, "no subject or schema");
        return GW_EV_EINVAL;
    }
    if (path_escape(subject, esc, sizeof(esc)) != 0) {
        gw__err(err, errlen, "subject too long");
        return GW_EV_EINVAL;
    }
    snprintf(path, sizeof(path), "/subjects/%s/versions", esc);
    json_t *req = json_pack("{s:s}", "schema", schema);
    char *json = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (json == NULL)
        return GW_EV_ENOMEM;
    char *body = NULL;
    int status = http(r, "POST", path, json, &body, err, errlen);
    free(json);
    if (status < 0)
        return status;
    int rc = 0;
    json_t *j = json_loads(body, 0, NULL);
    json_t *jid = json_object_get(j, "id");
    if (status != 200) {
        http_error(subject, status, body, err, errlen);
        rc = GW_EV_ESCHEMA;
    } else if (!json_is_integer(jid) || json_integer_value(jid) <= 0 || json_integer_value(jid) > INT32_MAX) {
        gw__err(err, errlen, "schema registry: %s: no id in the answer", subject);
        rc = GW_EV_EMALFORMED;
    } else {
        *id = (int32_t)json_integer_value(jid);
    }
    json_decref(j);
    free(body);
    return rc;
}

int gw_registry_schema(gw_registry_t *r, int32_t id, char **schema, char *err, size_t errlen)
{
    char path[64], *body = NULL;
    *schema = NULL;
    snprintf(path, sizeof(path), "/schemas/ids/%d", (int)id);
    int status = http(r, "GET", path, NULL, &body, err, errlen);
    if (status < 0)
        return status;
    int rc = 0;
    json_t *j = json_loads(body, 0, NULL);
    const char *s = json_string_value(json_object_get(j, "schema"));
    const char *type = json_string_value(json_object_get(j, "schemaType"));
    if (status == 404) {
        http_error("schema id", status, body, err, errlen);
        rc = GW_EV_EUNKNOWN;
    } else if (status != 200) {
        http_error("schema id", status, body, err, errlen);
        rc = GW_EV_EIO;
    } else if (s == NULL || (type != NULL && strcmp(type, "AVRO") != 0)) {
        gw__err(err, errlen, "schema registry: id %d is not an Avro schema", (int)id);
        rc = GW_EV_ESCHEMA;
    } else if ((*schema = strdup(s)) == NULL) {
        rc = GW_EV_ENOMEM;
    }
    json_decref(j);
    free(body);
    return rc;
}

int gw_registry_setup_codec(gw_registry_t *r, const gw_topology_t *t, gw_codec_t *c, char *err, size_t errlen)
{
    for (int type = 0; type < GW_REC__COUNT; type++) {
        const gw_topic_t *topic = gw_topology_topic_of(t, (gw_rec_type_t)type);
        if (topic == NULL)
            continue; /* not carried by this topology: nothing to stamp */
        char subject[512];
        int32_t id = 0;
        int rc = gw_topology_subject(t, topic, (gw_rec_type_t)type, subject, sizeof(subject));
        if (rc == 0)
            rc = gw_registry_register(r, subject, gw_codec_schema_text((gw_rec_type_t)type), &id, err, errlen);
        if (rc == 0)
            rc = gw_codec_use_id(c, (gw_rec_type_t)type, id, err, errlen);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int gw_registry_learn(gw_registry_t *r, gw_codec_t *c, int32_t id, char *err, size_t errlen)
{
    char *schema = NULL;
    int rc = gw_registry_schema(r, id, &schema, err, errlen);
    if (rc == 0)
        rc = gw_codec_register(c, id, schema, strlen(schema), err, errlen);
    free(schema);
    return rc;
}

int gw_registry_decode(gw_registry_t *r, gw_codec_t *c, const void *buf, size_t len, gw_event_t *ev, char *err,
                       size_t errlen, char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    int rc = gw_codec_decode(c, buf, len, ev, err, errlen);
    int32_t id;
    if (rc != GW_EV_EUNKNOWN || r == NULL || gw_wire_schema_id(buf, len, &id) != 0)
        return rc;
    for (size_t i = 0; i < r->nmissing; i++)
        if (r->missing_ids[i] == id)
            return rc;
    char e2[256];
    if (gw_registry_learn(r, c, id, e2, sizeof e2) != 0) {
        if (why != NULL && whylen > 0)
            snprintf(why, whylen, "schema id %d: %s", (int)id, e2);
        if (r->nmissing < sizeof r->missing_ids / sizeof *r->missing_ids)
            r->missing_ids[r->nmissing++] = id;
        return rc;
    }
    return gw_codec_decode(c, buf, len, ev, err, errlen);
}
