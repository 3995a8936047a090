/*
 * test_registry.c — the Schema Registry client against a fake registry served
 * from a thread of this test (the Confluent REST calls we use, answered in
 * chunked encoding): subjects by strategy, ids stamped by the codec, writer
 * schemas learned by id, and the failures (404, garbage, nobody listening, bad
 * URL) reported as errors.
 */
#include "events.h"
#include "test.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The writer schema the fake serves as id 77: ConfirmMoneyTransfer before description existed. */
static const char OLD_CMT[] =
    "{\"type\":\"record\",\"name\":\"ConfirmMoneyTransfer\",\"namespace\":\"nl.openweb.data\",\"fields\":["
    "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Uuid\",\"size\":16}},"
    "{\"name\":\"token\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":\"long\"},"
    "{\"name\":\"from\",\"type\":\"string\"},{\"name\":\"to\",\"type\":\"string\"}]}";

/* The fake registry's state; the server thread owns it while running. */
typedef struct fake {
    int lfd;
    int port;
    char subjects[16][128];
    char *schemas[16];
    int n;
    pthread_t thread;
} fake_t;

static void reply(int fd, int status, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n",
                     status);
    send(fd, head, (size_t)n, MSG_NOSIGNAL);
    size_t len = strlen(body), half = len / 2;
    /* two chunks, to exercise the client's de-chunking */
    n = snprintf(head, sizeof(head), "%zx\r\n", half);
    send(fd, head, (size_t)n, MSG_NOSIGNAL);
    send(fd, body, half, MSG_NOSIGNAL);
    n = snprintf(head, sizeof(head), "\r\n%zx\r\n", len - half);
    send(fd, head, (size_t)n, MSG_NOSIGNAL);
    send(fd, body + half, len - half, MSG_NOSIGNAL);
    send(fd, "\r\n0\r\n\r\n", 7, MSG_NOSIGNAL);
}

static void serve(fake_t *f, int fd)
{
    char req[65536];
    size_t n = 0;
    char *body = NULL;
    while (n < sizeof(req) - 1) {
        ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);
        if (r <= 0)
            return;
        n += (size_t)r;
        req[n] = '\0';
        char *he = strstr(req, "\r\n\r\n");
        if (he == NULL)
            continue;
        char *cl = strcasestr(req, "Content-Length:");
        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
        if (n - (size_t)(he + 4 - req) >= want) {
            body = he + 4;
            break;
        }
    }
    if (body == NULL)
        return;
    char method[8], path[512];
    if (sscanf(req, "%7s %511s", method, path) != 2)
        return;
    char subject[128];
    int id;
    if (strcmp(method, "POST") == 0 && sscanf(path, "/prefix/subjects/%127[^/]/versions", subject) == 1) {
        if (strcmp(subject, "garbage") == 0) {
            send(fd, "hello", 5, MSG_NOSIGNAL);
            return;
        }
        json_t *j = json_loads(body, 0, NULL);
        const char *s = json_string_value(json_object_get(j, "schema"));
        if (s == NULL || f->n == 16) {
            json_decref(j);
            reply(fd, 422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
            return;
        }
        int found = -1;
        for (int i = 0; i < f->n; i++)
            if (strcmp(f->subjects[i], subject) == 0 && strcmp(f->schemas[i], s) == 0)
                found = i;
        if (found < 0) {
            found = f->n++;
            snprintf(f->subjects[found], sizeof(f->subjects[found]), "%s", subject);
            f->schemas[found] = strdup(s);
        }
        json_decref(j);
        char out[64];
        snprintf(out, sizeof(out), "{\"id\":%d}", 1000 + found);
        reply(fd, 200, out);
    } else if (strcmp(method, "GET") == 0 && sscanf(path, "/prefix/schemas/ids/%d", &id) == 1) {
        const char *s = id == 77 ? OLD_CMT : id >= 1000 && id < 1000 + f->n ? f->schemas[id - 1000] : NULL;
        if (s == NULL) {
            reply(fd, 404, "{\"error_code\":40403,\"message\":\"Schema 4040 not found\"}");
            return;
        }
        json_t *j = json_pack("{s:s}", "schema", s);
        char *out = json_dumps(j, JSON_COMPACT);
        reply(fd, 200, out);
        free(out);
        json_decref(j);
    } else {
        reply(fd, 404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
    }
}

static void *server(void *arg)
{
    fake_t *f = arg;
    for (;;) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        serve(f, fd);
        close(fd);
    }
}

static int fake_start(fake_t *f)
{
    memset(f, 0, sizeof(*f));
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(f->lfd, 8) != 0 ||
        getsockname(f->lfd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    f->port = ntohs(a.sin_port);
    return pthread_create(&f->thread, NULL, server, f);
}

static void fake_stop(fake_t *f)
{
    shutdown(f->lfd, SHUT_RDWR);
    pthread_join(f->thread, NULL);
    close(f->lfd);
    for (int i = 0; i < f->n; i++)
        free(f->schemas[i]);
}

static gw_topology_t *load(const char *name)
{
    char path[1024], err[512];
    const char *src = getenv("SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/schema/%s", src ? src : ".", name);
    gw_topology_t *t = NULL;
    gw_topology_load(path, &t, err, sizeof(err));
    return t;
}

TEST(subjects_ids_and_learning)
{
    fake_t f;
    ASSERT_EQ_INT(0, fake_start(&f));
    char url[128], err[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/prefix/", f.port);
    gw_registry_t *r = gw_registry_new(url, 2000, err, sizeof(err));
    ASSERT(r != NULL);

    /* record-name subjects (merged topology) */
    gw_topology_t *t = load("topology-merged.yaml");
    ASSERT(t != NULL);
    gw_codec_t *c = gw_codec_new(0, err, sizeof(err));
    ASSERT(c != NULL);
    if (gw_registry_setup_codec(r, t, c, err, sizeof(err)) != 0)
        fprintf(stderr, "  %s\n", err);
    ASSERT_EQ_INT(GW_REC__COUNT, f.n);
    ASSERT_EQ_STR("nl.openweb.data.Heartbeat", f.subjects[GW_REC_HEARTBEAT]);
    ASSERT_EQ_STR(gw_codec_schema_text(GW_REC_BALANCE_CHANGED), f.schemas[GW_REC_BALANCE_CHANGED]);
    gw_event_t ev = {0};
    ev.type = GW_REC_MONEY_TRANSFER_CONFIRMED;
    void *buf;
    size_t len;
    ASSERT_EQ_INT(0, gw_codec_encode(c, &ev, &buf, &len));
    int32_t id;
    ASSERT_EQ_INT(0, gw_wire_schema_id(buf, len, &id));
    ASSERT_EQ_INT(1000 + GW_REC_MONEY_TRANSFER_CONFIRMED, id);
    free(buf);
    gw_topology_free(t);

    /* topic-name subjects (original topology) */
    t = load("topology.yaml");
    ASSERT(t != NULL);
    ASSERT_EQ_INT(0, gw_registry_setup_codec(r, t, c, err, sizeof(err)));
    ASSERT_EQ_INT(2 * GW_REC__COUNT, f.n);
    ASSERT_EQ_STR("balance_changed-value", f.subjects[GW_REC__COUNT + GW_REC_BALANCE_CHANGED]);
    gw_topology_free(t);

    /* a writer schema learned by id: an older ConfirmMoneyTransfer */
    uint8_t msg[64] = {0, 0, 0, 0, 77};
    size_t n = 5;
    memset(msg + n, 0xab, 16);
    n += 16;
    msg[n++] = 4, msg[n++] = 't', msg[n++] = 'k'; /* token "tk" (length 2, zig-zag 4) */
    msg[n++] = 20;                                /* amount 10 */
    msg[n++] = 8, memcpy(msg + n, "cash", 4), n += 4;
    msg[n++] = 2, msg[n++] = 'x';
    gw_event_t out;
    ASSERT_EQ_INT(GW_EV_EUNKNOWN, gw_codec_decode(c, msg, n, &out, err, sizeof(err)));
    ASSERT_EQ_INT(0, gw_registry_learn(r, c, 77, err, sizeof(err)));
    ASSERT_EQ_INT(0, gw_codec_decode(c, msg, n, &out, err, sizeof(err)));
    EXPECT(out.u.confirm_money_transfer.amount == 10);
    ASSERT_EQ_STR("", out.u.confirm_money_transfer.description);
    gw_event_clear(&out);

    /* our own schema fetched back by its id */
    char *text = NULL;
    ASSERT_EQ_INT(0, gw_registry_schema(r, 1000 + GW_REC_HEARTBEAT, &text, err, sizeof(err)));
    ASSERT_EQ_STR(gw_codec_schema_text(GW_REC_HEARTBEAT), text);
    free(text);

    /* failures */
    err[0] = '\0';
    EXPECT(gw_registry_learn(r, c, 4040, err, sizeof(err)) == GW_EV_EUNKNOWN);
    EXPECT(strstr(err, "not found") != NULL);
    EXPECT(gw_registry_register(r, "garbage", "{}", &id, err, sizeof(err)) == GW_EV_EMALFORMED);
    EXPECT(gw_registry_register(r, "a/b c", NULL, &id, err, sizeof(err)) != 0);
    gw_codec_free(c);
    gw_registry_free(r);
    fake_stop(&f);
}

TEST(unreachable_and_bad_urls)
{
    char err[512];
    EXPECT(gw_registry_new("https://registry:8081", 0, err, sizeof(err)) == NULL);
    EXPECT(strstr(err, "http://") != NULL);
    EXPECT(gw_registry_new("http://", 0, err, sizeof(err)) == NULL);
    EXPECT(gw_registry_new("http://host:", 0, err, sizeof(err)) == NULL);
    EXPECT(gw_registry_new(NULL, 0, err, sizeof(err)) == NULL);
    gw_registry_t *r = gw_registry_new("http://127.0.0.1:1", 500, err, sizeof(err));
    ASSERT(r != NULL);
    char *s = NULL;
    err[0] = '\0';
    EXPECT(gw_registry_schema(r, 1, &s, err, sizeof(err)) == GW_EV_EIO);
    EXPECT(s == NULL && strstr(err, "connect") != NULL);
    gw_registry_free(r);
}

TEST_MAIN(TEST_ENTRY(subjects_ids_and_learning), TEST_ENTRY(unreachable_and_bad_urls))
