/*
 * test_trace.c — W3C traceparent parsing (the specification's valid and
 * invalid cases: version 00 exactly 55 characters, future versions longer
 * after a '-', version ff, upper-case hex, all-zero ids), tracestate bounds,
 * the sampler, span ids, and the OTLP/JSON encoding of spans (hex ids, enum
 * numbers, nanosecond times as strings) read back with jansson.
 */
#include "test.h"
#include "trace.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse(const char *s, gw_trace_ctx_t *c)
{
    return gw_traceparent_parse(s, strlen(s), c);
}

TEST(traceparent_valid)
{
    gw_trace_ctx_t c;
    const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    ASSERT_EQ_INT(0, parse(tp, &c));
    ASSERT_EQ_INT(0x4b, c.trace_id[0]);
    ASSERT_EQ_INT(0x36, c.trace_id[15]);
    ASSERT_EQ_INT(0x00, c.span_id[0]);
    ASSERT_EQ_INT(0xb7, c.span_id[7]);
    ASSERT_EQ_INT(GW_TRACE_SAMPLED, c.flags);
    char out[GW_TRACEPARENT_LEN + 1];
    ASSERT_EQ_INT(55, gw_traceparent_format(&c, out));
    ASSERT_EQ_STR(tp, out);
    /* not sampled; unknown flag bits are not carried on */
    ASSERT_EQ_INT(0, parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", &c));
    ASSERT_EQ_INT(0, c.flags);
    ASSERT_EQ_INT(0, parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", &c));
    ASSERT_EQ_INT(GW_TRACE_SAMPLED, c.flags);
    /* a future version: read as 00, longer only after a '-' */
    ASSERT_EQ_INT(0, parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &c));
    ASSERT_EQ_INT(0, parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds", &c));
    ASSERT_EQ_INT(0x4b, c.trace_id[0]);
}

TEST(traceparent_invalid)
{
    gw_trace_ctx_t c;
    static const char *const BAD[] = {
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",           /* no flags */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",       /* version 00 longer than 55 */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  /* ditto */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        /* version ff */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        /* all-zero trace id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        /* all-zero parent id */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        /* upper case */
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",        /* not hex */
        "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",        /* short trace id */
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",        /* separators */
        "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",        /* short version */
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.future", /* future: no '-' after 55 */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",        /* bad flags */
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        if (parse(BAD[i], &c) == 0)
            FAIL_("accepted \"%s\"", BAD[i]);
    }
    ASSERT_EQ_INT(-1, gw_traceparent_parse(NULL, 0, &c));
}

TEST(tracestate_bounds)
{
    const char *ok = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
    ASSERT_EQ_INT(strlen(ok), gw_tracestate_keep(ok, strlen(ok)));
    ASSERT_EQ_INT(0, gw_tracestate_keep("a=1\n", 4)); /* control character */
    char many[1024] = "";
    for (int i = 0; i < 33; i++)
        sprintf(many + strlen(many), "%sk%d=v", i ? "," : "", i);
    ASSERT_EQ_INT(0, gw_tracestate_keep(many, strlen(many))); /* 33 members: discarded */
    char big[700] = "";
    for (int i = 0; i < 30; i++) /* 30 members of 21 bytes: 659 bytes */
        sprintf(big + strlen(big), "%svendor%02d=%010d", i ? "," : "", i, i);
    size_t keep = gw_tracestate_keep(big, strlen(big));
    ASSERT(keep > 0 && keep <= GW_TRACESTATE_MAX);
    ASSERT(big[keep] == ','); /* cut after a whole member */
}

TEST(ids_random)
{
    uint8_t a[16], b[16];
    gw_trace_random(a, 16);
    gw_trace_random(b, 16);
    ASSERT(memcmp(a, b, 16) != 0);
    /* a NULL tracer: nothing recorded, nothing to propagate */
    gw_span_t s;
    gw_span_start(NULL, &s, "x", GW_SPAN_SERVER, NULL);
    ASSERT(!s.recording);
    ASSERT(!gw_trace_ctx_valid(&s.ctx));
    gw_span_end(NULL, &s, GW_STATUS_OK);
}

TEST(conf_env)
{
    char buf[256], err[256];
    gw_tracer_conf_t c;
    unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    unsetenv("OTEL_TRACES_SAMPLER");
    unsetenv("OTEL_TRACES_SAMPLER_ARG");
    unsetenv("OTEL_SERVICE_NAME");
    ASSERT_EQ_INT(0, gw_tracer_conf_init(&c, NULL, "gateway", 1, buf, sizeof buf, err, sizeof err));
    ASSERT(c.endpoint == NULL);
    ASSERT_EQ_INT(0, gw_tracer_conf_init(&c, "http://cfg:4318/", "gateway", 0.5, buf, sizeof buf, err, sizeof err));
    ASSERT_EQ_STR("http://cfg:4318/v1/traces", c.endpoint);
    ASSERT_EQ_INT(GW_SAMPLER_PARENT_RATIO, c.sampler);
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318", 1);
    setenv("OTEL_SERVICE_NAME", "svc", 1);
    setenv("OTEL_TRACES_SAMPLER", "traceidratio", 1);
    setenv("OTEL_TRACES_SAMPLER_ARG", "0.25", 1);
    ASSERT_EQ_INT(0, gw_tracer_conf_init(&c, "http://cfg:4318", "gateway", 1, buf, sizeof buf, err, sizeof err));
    ASSERT_EQ_STR("http://env:4318/v1/traces", c.endpoint);
    ASSERT_EQ_STR("svc", c.service_name);
    ASSERT_EQ_INT(GW_SAMPLER_RATIO, c.sampler);
    EXPECT(c.ratio == 0.25);
    setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://full:1/custom", 1);
    ASSERT_EQ_INT(0, gw_tracer_conf_init(&c, NULL, "gateway", 1, buf, sizeof buf, err, sizeof err));
    ASSERT_EQ_STR("http://full:1/custom", c.endpoint);
    setenv("OTEL_TRACES_SAMPLER", "sometimes", 1);
    ASSERT_EQ_INT(-1, gw_tracer_conf_init(&c, NULL, "gateway", 1, buf, sizeof buf, err, sizeof err));
    ASSERT(strstr(err, "OTEL_TRACES_SAMPLER") != NULL);
    setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio", 1);
    setenv("OTEL_TRACES_SAMPLER_ARG", "2", 1);
    ASSERT_EQ_INT(-1, gw_tracer_conf_init(&c, NULL, "gateway", 1, buf, sizeof buf, err, sizeof err));
    setenv("OTEL_TRACES_SAMPLER_ARG", "1", 1);
    setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://full/v1/traces", 1);
    ASSERT_EQ_INT(-1, gw_tracer_conf_init(&c, NULL, "gateway", 1, buf, sizeof buf, err, sizeof err));
    ASSERT(strstr(err, "https") != NULL);
    unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    unsetenv("OTEL_TRACES_SAMPLER");
    unsetenv("OTEL_TRACES_SAMPLER_ARG");
    unsetenv("OTEL_SERVICE_NAME");
}

/* A tracer on a port nobody listens on: spans are recorded and sampled as the
 * sampler says; what cannot be exported is counted as dropped on free. */
TEST(sampling_and_json)
{
    char buf[256], err[256];
    gw_tracer_conf_t c;
    ASSERT_EQ_INT(0, gw_tracer_conf_init(&c, "http://127.0.0.1:9", "unit", 1, buf, sizeof buf, err, sizeof err));
    c.sampler = GW_SAMPLER_PARENT_OFF;
    gw_tracer_t *t = gw_tracer_new(&c, err, sizeof err);
    ASSERT(t != NULL);
    gw_trace_ctx_t parent;
    ASSERT_EQ_INT(0, parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &parent));
    parent.state = "rojo=1";
    parent.state_len = 6;
    gw_span_t root, child, unsampled;
    gw_span_start(t, &root, "root", GW_SPAN_SERVER, NULL); /* parentbased_always_off: a root is not sampled */
    EXPECT(!root.recording);
    EXPECT(gw_trace_ctx_valid(&root.ctx)); /* but has ids to propagate */
    EXPECT(root.ctx.flags == 0);
    gw_span_start(t, &child, "POST /graphql", GW_SPAN_SERVER, &parent);
    ASSERT(child.recording);
    ASSERT(memcmp(child.ctx.trace_id, parent.trace_id, 16) == 0);
    ASSERT(memcmp(child.parent, parent.span_id, 8) == 0);
    ASSERT_EQ_STR("rojo=1", child.state);
    gw_span_attr_str(&child, "graphql.operation.name", "Transfer \"x\"", 12);
    gw_span_attr_int(&child, "http.response.status_code", 200);
    gw_span_link(&child, &parent);
    parent.flags = 0;
    gw_span_start(t, &unsampled, "x", GW_SPAN_INTERNAL, &parent);
    EXPECT(!unsampled.recording);
    child.end_ns = child.start_ns + 1500;
    child.status = GW_STATUS_OK;

    size_t len = 0;
    char *body = gw_trace_otlp_json("unit", &child, 1, &len);
    ASSERT(body != NULL && len == strlen(body));
    json_error_t je;
    json_t *j = json_loads(body, 0, &je);
    free(body);
    ASSERT(j != NULL);
    json_t *rs = json_array_get(json_object_get(j, "resourceSpans"), 0);
    json_t *attr0 = json_array_get(json_object_get(json_object_get(rs, "resource"), "attributes"), 0);
    ASSERT_EQ_STR("service.name", json_string_value(json_object_get(attr0, "key")));
    ASSERT_EQ_STR("unit", json_string_value(json_object_get(json_object_get(attr0, "value"), "stringValue")));
    json_t *sp = json_array_get(json_object_get(json_array_get(json_object_get(rs, "scopeSpans"), 0), "spans"), 0);
    ASSERT_EQ_STR("4bf92f3577b34da6a3ce929d0e0e4736", json_string_value(json_object_get(sp, "traceId")));
    ASSERT_EQ_STR("00f067aa0ba902b7", json_string_value(json_object_get(sp, "parentSpanId")));
    ASSERT_EQ_INT(16, strlen(json_string_value(json_object_get(sp, "spanId"))));
    ASSERT_EQ_STR("POST /graphql", json_string_value(json_object_get(sp, "name")));
    ASSERT_EQ_INT(2, json_integer_value(json_object_get(sp, "kind")));
    ASSERT_EQ_STR("rojo=1", json_string_value(json_object_get(sp, "traceState")));
    const char *st = json_string_value(json_object_get(sp, "startTimeUnixNano"));
    const char *en = json_string_value(json_object_get(sp, "endTimeUnixNano"));
    ASSERT(st != NULL && en != NULL);
    ASSERT_EQ_INT(1500, strtoll(en, NULL, 10) - strtoll(st, NULL, 10));
    json_t *attrs = json_object_get(sp, "attributes");
    ASSERT_EQ_INT(2, json_array_size(attrs));
    ASSERT_EQ_STR("Transfer \"x\"", json_string_value(json_object_get(
                                        json_object_get(json_array_get(attrs, 0), "value"), "stringValue")));
    ASSERT_EQ_STR("200",
                  json_string_value(json_object_get(json_object_get(json_array_get(attrs, 1), "value"), "intValue")));
    json_t *links = json_object_get(sp, "links");
    ASSERT_EQ_INT(1, json_array_size(links));
    ASSERT_EQ_STR("00f067aa0ba902b7", json_string_value(json_object_get(json_array_get(links, 0), "spanId")));
    ASSERT_EQ_INT(1, json_integer_value(json_object_get(json_object_get(sp, "status"), "code")));
    json_decref(j);

    gw_span_end(t, &child, GW_STATUS_OK);
    gw_span_end(t, &child, GW_STATUS_OK); /* ends once */
    gw_tracer_free(t);                    /* port 9: the export fails, the span counts as dropped */
}

TEST(dead_receiver_counts_drops)
{
    char buf[256], err[256];
    gw_tracer_conf_t c;
    ASSERT_EQ_INT(0, gw_tracer_conf_init(&c, "http://127.0.0.1:9", "unit", 1, buf, sizeof buf, err, sizeof err));
    c.timeout_ms = 500;
    gw_tracer_t *t = gw_tracer_new(&c, err, sizeof err);
    ASSERT(t != NULL);
    for (int i = 0; i < GW_TRACE_QUEUE + 10; i++) {
        gw_span_t s;
        gw_span_start(t, &s, "s", GW_SPAN_INTERNAL, NULL);
        gw_span_end(t, &s, GW_STATUS_UNSET);
    }
    /* every span is exported or dropped, none lost silently */
    for (int i = 0; i < 200 && gw_tracer_dropped(t) + gw_tracer_exported(t) < 10; i++) {
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    EXPECT(gw_tracer_dropped(t) >= 10);
    gw_tracer_free(t);
    EXPECT(gw_tracer_exported(NULL) == 0);
}

TEST_MAIN(TEST_ENTRY(traceparent_valid), TEST_ENTRY(traceparent_invalid), TEST_ENTRY(tracestate_bounds),
          TEST_ENTRY(ids_random), TEST_ENTRY(conf_env), TEST_ENTRY(sampling_and_json),
          TEST_ENTRY(dead_receiver_counts_drops))
