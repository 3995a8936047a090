/*
 * transactions.c — the transactions projection: BalanceChanged events folded
 * into numbered, immutable records that one writer appends and many readers
 * query without locks.
 *
 * Layout (see store.h for the thread contract):
 *  - Records are 48 bytes in chunks of 16384 that never move. A directory of
 *    chunk pointers grows by copy; old directories are kept ("retired") until
 *    the store is freed, so a reader holding one stays safe.
 *  - `count` is published with release after a record is complete; a reader
 *    that loads it with acquire may read every record up to it. Records are
 *    never written again, so there are no torn reads.
 *  - Every IBAN has an entry holding the id of its newest record (`head`,
 *    published after `count`); each record links to the previous record of
 *    its IBAN, giving a newest-first chain.
 *  - IBAN entries are found through an open-addressing hash map whose slots
 *    are published with release (grown by copy and retire, like the
 *    directory), and are kept in IBAN order by a skip list whose links are
 *    published the same way: readers never lock.
 *  - from_to and description strings are interned by the writer alone (the
 *    intern table is never read by other threads); the text lives in a
 *    region and is never freed while the store lives.
 */
#include "store_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SHIFT 14
#define CHUNK_RECS ((uint64_t)1 << CHUNK_SHIFT)
#define CHUNK_MASK (CHUNK_RECS - 1)
#define MAX_STRING 65536
#define MAX_PARTITIONS 1024
#define MAX_TX UINT32_MAX
#define SKIP_LEVELS 20

/* An interned string: length, then the bytes and a NUL. */
typedef struct istr {
    uint32_t len;
    char s[];
} istr_t;

typedef struct iban_ent {
    const istr_t *name; /* NULL for the skip list's head sentinel */
    uint64_t hash;
    _Atomic uint64_t head; /* newest record of this IBAN, 0 while none */
    _Atomic uint64_t ntx;  /* records of this IBAN */
    int levels;
    _Atomic(struct iban_ent *) next[]; /* skip list links, `levels` of them */
} iban_ent_t;

typedef struct tx_rec {
    int64_t new_balance;
    int64_t changed_by;
    const iban_ent_t *iban;
    const istr_t *from_to;
    const istr_t *description;
    uint32_t prev; /* previous record of the same IBAN, 0 for none */
} tx_rec_t;

typedef struct chunk_dir {
    struct chunk_dir *retired; /* older directories, freed with the store */
    size_t cap;
    tx_rec_t *chunks[];
} chunk_dir_t;

typedef struct iban_map {
    struct iban_map *retired;
    size_t mask;
    _Atomic(iban_ent_t *) slots[];
} iban_map_t;

/* The writer's intern table: slots of (hash, string), open addressing. */
typedef struct intern_slot {
    uint64_t hash;
    const istr_t *s;
} intern_slot_t;

/* Fields are grouped by who writes them, each group on its own cache line,
 * so that readers loading the directory or the map do not keep pulling the
 * line the writer dirties on every append. */
#define LINE 64

struct gw_txstore {
    /* Read by readers, replaced rarely by the writer. */
    _Alignas(LINE) _Atomic(chunk_dir_t *) dir;
    _Atomic(iban_map_t *) map;
    iban_ent_t *skip_head; /* sentinel, SKIP_LEVELS links */
    uint64_t hash_seed;    /* gw__hash_bytes's key (intern table, IBAN map): set once at creation */

    /* Written by every append. */
    _Alignas(LINE) _Atomic uint64_t count;

    /* Counters for stats, written when they change. */
    _Alignas(LINE) _Atomic uint64_t n_ibans, n_strings, string_bytes, bytes, duplicates;

    /* Writer only. */
    _Alignas(LINE) gw__region_t region; /* strings and IBAN entries */
    intern_slot_t *intern;
    size_t intern_mask, intern_used;
    size_t map_used;
    uint64_t rng; /* skip list levels: xorshift state */
    uint64_t chunk_bytes, table_bytes, published_bytes;
    int64_t last_offset[MAX_PARTITIONS];
};

/* ---- helpers ------------------------------------------------------------ */

static gw_str_t str_of(const istr_t *s)
{
    gw_str_t r = {s->s, s->len};
    return r;
}

static int str_cmp(const istr_t *a, const char *b, uint32_t blen)
{
    uint32_t n = a->len < blen ? a->len : blen;
    int c = n > 0 ? memcmp(a->s, b, n) : 0;
    if (c != 0)
        return c;
    return a->len < blen ? -1 : a->len > blen ? 1 : 0;
}

static void publish_bytes(gw_txstore_t *s)
{
    uint64_t b = (uint64_t)sizeof(*s) + s->region.bytes + s->chunk_bytes + s->table_bytes;
    if (b != s->published_bytes) {
        s->published_bytes = b;
        atomic_store_explicit(&s->bytes, b, memory_order_relaxed);
    }
}

static const tx_rec_t *rec_at(const gw_txstore_t *s, uint64_t id)
{
    chunk_dir_t *d = atomic_load_explicit(&((gw_txstore_t *)s)->dir, memory_order_acquire);
    return &d->chunks[(id - 1) >> CHUNK_SHIFT][(id - 1) & CHUNK_MASK];
}

static void fill(const tx_rec_t *r, uint64_t id, gw_tx_t *out)
{
    out->id = id;
    out->iban = str_of(r->iban->name);
    out->new_balance = r->new_balance;
    out->changed_by = r->changed_by;
    out->from_to = str_of(r->from_to);
    out->description = str_of(r->description);
}

static istr_t *new_istr(gw_txstore_t *s, const char *p, uint32_t len)
{
    istr_t *r = gw__region_alloc(&s->region, sizeof(istr_t) + len + 1, _Alignof(istr_t));
    if (r == NULL)
        return NULL;
    r->len = len;
    if (len > 0)
        memcpy(r->s, p, len);
    r->s[len] = '\0';
    return r;
}

/* ---- lifetime ----------------------------------------------------------- */

gw_txstore_t *gw_txstore_new(void)
{
    /* Aligned for the cache-line groups; sizeof is a multiple of LINE. */
    gw_txstore_t *s = aligned_alloc(LINE, sizeof(*s));
    if (s == NULL)
        return NULL;
    memset(s, 0, sizeof(*s));
    gw__region_init(&s->region, 256 * 1024);
    for (int i = 0; i < MAX_PARTITIONS; i++)
        s->last_offset[i] = -1;
    s->rng = 0x2545f4914f6cdd1dULL;
    s->hash_seed = gw__hash_seed();

    size_t dir_cap = 64, map_cap = 1024, intern_cap = 1024;
    chunk_dir_t *d = calloc(1, sizeof(*d) + dir_cap * sizeof(tx_rec_t *));
    iban_map_t *m = calloc(1, sizeof(*m) + map_cap * sizeof(m->slots[0]));
    s->intern = calloc(intern_cap, sizeof(intern_slot_t));
    s->skip_head = gw__region_alloc(&s->region, sizeof(iban_ent_t) + SKIP_LEVELS * sizeof(s->skip_head->next[0]),
                                    _Alignof(iban_ent_t));
    if (d == NULL || m == NULL || s->intern == NULL || s->skip_head == NULL) {
        free(d);
        free(m);
        free(s->intern);
        gw__region_free(&s->region);
        free(s);
        return NULL;
    }
    d->cap = dir_cap;
    m->mask = map_cap - 1;
    s->intern_mask = intern_cap - 1;
    memset(s->skip_head, 0, sizeof(iban_ent_t));
    s->skip_head->levels = SKIP_LEVELS;
    for (int i = 0; i < SKIP_LEVELS; i++)
        atomic_init(&s->skip_head->next[i], NULL);
    atomic_init(&s->dir, d);
    atomic_init(&s->map, m);
    s->table_bytes = sizeof(*d) + dir_cap * sizeof(tx_rec_t *) + sizeof(*m) + map_cap * sizeof(m->slots[0]) +
                     intern_cap * sizeof(intern_slot_t);
    publish_bytes(s);
    return s;
}

void gw_txstore_free(gw_txstore_t *s)
{
    if (s == NULL)
        return;
    chunk_dir_t *d = atomic_load_explicit(&s->dir, memory_order_relaxed);
    /* Every chunk ever allocated is in the newest directory (a chunk may
     * sit ahead of the count when an append failed after allocating it). */
    for (size_t i = 0; i < d->cap; i++)
        free(d->chunks[i]);
    while (d != NULL) {
        chunk_dir_t *next = d->retired;
        free(d);
        d = next;
    }
    iban_map_t *m = atomic_load_explicit(&s->map, memory_order_relaxed);
    while (m != NULL) {
        iban_map_t *next = m->retired;
        free(m);
        m = next;
    }
    free(s->intern);
    gw__region_free(&s->region);
    free(s);
}

/* ---- writer: interning and IBAN entries --------------------------------- */

static int intern_grow(gw_txstore_t *s)
{
    size_t cap = (s->intern_mask + 1) * 2;
    intern_slot_t *t = calloc(cap, sizeof(*t));
    if (t == NULL)
        return GW_STORE_ENOMEM;
    for (size_t i = 0; i <= s->intern_mask; i++) {
        if (s->intern[i].s == NULL)
            continue;
        size_t j = s->intern[i].hash & (cap - 1);
        while (t[j].s != NULL)
            j = (j + 1) & (cap - 1);
        t[j] = s->intern[i];
    }
    s->table_bytes += (cap - (s->intern_mask + 1)) * sizeof(*t);
    free(s->intern);
    s->intern = t;
    s->intern_mask = cap - 1;
    return GW_STORE_OK;
}

static const istr_t *intern(gw_txstore_t *s, gw_str_t str)
{
    uint64_t h = gw__hash_bytes(str.ptr, str.len, s->hash_seed);
    size_t i = h & s->intern_mask;
    for (;;) {
        const istr_t *e = s->intern[i].s;
        if (e == NULL)
            break;
        if (s->intern[i].hash == h && e->len == str.len && (str.len == 0 || memcmp(e->s, str.ptr, str.len) == 0))
            return e;
        i = (i + 1) & s->intern_mask;
    }
    if ((s->intern_used + 1) * 2 > s->intern_mask + 1) {
        if (intern_grow(s) != GW_STORE_OK)
            return NULL;
        i = h & s->intern_mask;
        while (s->intern[i].s != NULL)
            i = (i + 1) & s->intern_mask;
    }
    istr_t *e = new_istr(s, str.ptr, str.len);
    if (e == NULL)
        return NULL;
    s->intern[i].hash = h;
    s->intern[i].s = e;
    s->intern_used++;
    atomic_store_explicit(&s->n_strings, s->intern_used, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->string_bytes, str.len, memory_order_relaxed);
    return e;
}

/* Find an IBAN entry in map m. Readers and the writer both use it. */
static iban_ent_t *map_find(iban_map_t *m, uint64_t h, const char *p, uint32_t len)
{
    size_t i = h & m->mask;
    for (;;) {
        iban_ent_t *e = atomic_load_explicit(&m->slots[i], memory_order_acquire);
        if (e == NULL)
            return NULL;
        if (e->hash == h && e->name->len == len && memcmp(e->name->s, p, len) == 0)
            return e;
        i = (i + 1) & m->mask;
    }
}

static void map_put(iban_map_t *m, iban_ent_t *e)
{
    size_t i = e->hash & m->mask;
    while (atomic_load_explicit(&m->slots[i], memory_order_relaxed) != NULL)
        i = (i + 1) & m->mask;
    atomic_store_explicit(&m->slots[i], e, memory_order_release);
}

/* Make room for one more IBAN: grow the map by copy when it would pass half
 * full, publish the new one, keep the old one for readers still in it. */
static int map_reserve(gw_txstore_t *s)
{
    iban_map_t *m = atomic_load_explicit(&s->map, memory_order_relaxed);
    if ((s->map_used + 1) * 2 <= m->mask + 1)
        return GW_STORE_OK;
    size_t cap = (m->mask + 1) * 2;
    iban_map_t *n = calloc(1, sizeof(*n) + cap * sizeof(n->slots[0]));
    if (n == NULL)
        return GW_STORE_ENOMEM;
    n->mask = cap - 1;
    for (size_t i = 0; i <= m->mask; i++) {
        iban_ent_t *e = atomic_load_explicit(&m->slots[i], memory_order_relaxed);
        if (e != NULL)
            map_put(n, e);
    }
    n->retired = m;
    s->table_bytes += sizeof(*n) + cap * sizeof(n->slots[0]);
    atomic_store_explicit(&s->map, n, memory_order_release);
    return GW_STORE_OK;
}

static int random_level(gw_txstore_t *s)
{
    /* xorshift64; a level goes up with probability 1/4. */
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s->rng = x;
    int level = 1;
    while (level < SKIP_LEVELS && (x & 3) == 0) {
        level++;
        x >>= 2;
    }
    return level;
}

static iban_ent_t *iban_get(gw_txstore_t *s, gw_str_t iban)
{
    uint64_t h = gw__hash_bytes(iban.ptr, iban.len, s->hash_seed);
    iban_map_t *m = atomic_load_explicit(&s->map, memory_order_relaxed);
    iban_ent_t *e = map_find(m, h, iban.ptr, iban.len);
    if (e != NULL)
        return e;
    if (map_reserve(s) != GW_STORE_OK)
        return NULL;

    int levels = random_level(s);
    e = gw__region_alloc(&s->region, sizeof(*e) + (size_t)levels * sizeof(e->next[0]), _Alignof(iban_ent_t));
    istr_t *name = e != NULL ? new_istr(s, iban.ptr, iban.len) : NULL;
    if (name == NULL)
        return NULL;
    e->name = name;
    e->hash = h;
    e->levels = levels;
    atomic_init(&e->head, 0);
    atomic_init(&e->ntx, 0);

    /* Skip list insert: find the predecessors, link the new entry to its
     * successors, then publish it bottom level first so that a reader
     * walking level 0 sees every entry in order. */
    iban_ent_t *pred[SKIP_LEVELS];
    iban_ent_t *x = s->skip_head;
    for (int lv = SKIP_LEVELS - 1; lv >= 0; lv--) {
        for (;;) {
            iban_ent_t *nx = atomic_load_explicit(&x->next[lv], memory_order_relaxed);
            if (nx == NULL || str_cmp(nx->name, iban.ptr, iban.len) >= 0)
                break;
            x = nx;
        }
        pred[lv] = x;
    }
    for (int lv = 0; lv < levels; lv++)
        atomic_init(&e->next[lv], atomic_load_explicit(&pred[lv]->next[lv], memory_order_relaxed));
    for (int lv = 0; lv < levels; lv++)
        atomic_store_explicit(&pred[lv]->next[lv], e, memory_order_release);

    map_put(atomic_load_explicit(&s->map, memory_order_relaxed), e);
    s->map_used++;
    atomic_store_explicit(&s->n_ibans, s->map_used, memory_order_release);
    atomic_fetch_add_explicit(&s->string_bytes, iban.len, memory_order_relaxed);
    return e;
}

/* Make sure the chunk for record index idx exists. */
static int chunk_reserve(gw_txstore_t *s, uint64_t idx)
{
    size_t c = (size_t)(idx >> CHUNK_SHIFT);
    chunk_dir_t *d = atomic_load_explicit(&s->dir, memory_order_relaxed);
    if (c < d->cap && d->chunks[c] != NULL)
        return GW_STORE_OK;
    if (c >= d->cap) {
        size_t cap = d->cap * 2;
        chunk_dir_t *n = calloc(1, sizeof(*n) + cap * sizeof(tx_rec_t *));
        if (n == NULL)
            return GW_STORE_ENOMEM;
        n->cap = cap;
        memcpy(n->chunks, d->chunks, d->cap * sizeof(tx_rec_t *));
        n->retired = d;
        s->table_bytes += sizeof(*n) + cap * sizeof(tx_rec_t *);
        atomic_store_explicit(&s->dir, n, memory_order_release);
        d = n;
    }
    tx_rec_t *chunk = malloc(CHUNK_RECS * sizeof(tx_rec_t));
    if (chunk == NULL)
        return GW_STORE_ENOMEM;
    d->chunks[c] = chunk;
    s->chunk_bytes += CHUNK_RECS * sizeof(tx_rec_t);
    return GW_STORE_OK;
}

/* ---- writer: append ----------------------------------------------------- */

static bool str_ok(gw_str_t s)
{
    return s.len < MAX_STRING && (s.ptr != NULL || s.len == 0);
}

int64_t gw_txstore_append(gw_txstore_t *s, const gw_balance_changed_t *ev, int32_t partition, int64_t offset)
{
    if (s == NULL || ev == NULL || ev->iban.len == 0 || !str_ok(ev->iban) || !str_ok(ev->from_to) ||
        !str_ok(ev->description) || partition >= MAX_PARTITIONS)
        return GW_STORE_EINVAL;
    if (partition >= 0 && offset <= s->last_offset[partition]) {
        atomic_fetch_add_explicit(&s->duplicates, 1, memory_order_relaxed);
        return GW_STORE_EDUP;
    }
    uint64_t n = atomic_load_explicit(&s->count, memory_order_relaxed);
    if (n >= MAX_TX)
        return GW_STORE_EFULL;

    int rc = chunk_reserve(s, n);
    iban_ent_t *e = rc == GW_STORE_OK ? iban_get(s, ev->iban) : NULL;
    const istr_t *ft = e != NULL ? intern(s, ev->from_to) : NULL;
    const istr_t *desc = ft != NULL ? intern(s, ev->description) : NULL;
    if (desc == NULL) {
        publish_bytes(s);
        return GW_STORE_ENOMEM;
    }

    chunk_dir_t *d = atomic_load_explicit(&s->dir, memory_order_relaxed);
    tx_rec_t *r = &d->chunks[n >> CHUNK_SHIFT][n & CHUNK_MASK];
    r->new_balance = ev->new_balance;
    r->changed_by = ev->changed_by;
    r->iban = e;
    r->from_to = ft;
    r->description = desc;
    r->prev = (uint32_t)atomic_load_explicit(&e->head, memory_order_relaxed);

    uint64_t id = n + 1;
    atomic_store_explicit(&s->count, id, memory_order_release);
    atomic_store_explicit(&e->head, id, memory_order_release);
    atomic_store_explicit(&e->ntx, atomic_load_explicit(&e->ntx, memory_order_relaxed) + 1, memory_order_relaxed);
    if (partition >= 0)
        s->last_offset[partition] = offset;
    publish_bytes(s);
    return (int64_t)id;
}

int64_t gw_txstore_last_offset(const gw_txstore_t *s, int32_t partition)
{
    if (partition < 0 || partition >= MAX_PARTITIONS)
        return -1;
    return s->last_offset[partition];
}

/* ---- readers ------------------------------------------------------------ */

uint64_t gw_txstore_count(const gw_txstore_t *s)
{
    return atomic_load_explicit(&((gw_txstore_t *)s)->count, memory_order_acquire);
}

bool gw_txstore_get(const gw_txstore_t *s, uint64_t id, gw_tx_t *out)
{
    if (id == 0 || id > gw_txstore_count(s))
        return false;
    fill(rec_at(s, id), id, out);
    return true;
}

static iban_ent_t *iban_find(const gw_txstore_t *s, gw_str_t iban)
{
    if (iban.ptr == NULL || iban.len == 0 || iban.len >= MAX_STRING)
        return NULL;
    uint64_t h = gw__hash_bytes(iban.ptr, iban.len, s->hash_seed);
    return map_find(atomic_load_explicit(&((gw_txstore_t *)s)->map, memory_order_acquire), h, iban.ptr, iban.len);
}

size_t gw_txstore_by_iban(const gw_txstore_t *s, gw_str_t iban, gw_tx_t *out, size_t max_items)
{
    iban_ent_t *e = iban_find(s, iban);
    if (e == NULL)
        return 0;
    size_t k = 0;
    uint64_t id = atomic_load_explicit(&e->head, memory_order_acquire);
    while (id != 0 && k < max_items) {
        const tx_rec_t *r = rec_at(s, id);
        fill(r, id, &out[k++]);
        id = r->prev;
    }
    return k;
}

size_t gw_txstore_iban_count(const gw_txstore_t *s)
{
    return (size_t)atomic_load_explicit(&((gw_txstore_t *)s)->n_ibans, memory_order_acquire);
}

size_t gw_txstore_latest_per_iban(const gw_txstore_t *s, gw_tx_t *out, size_t cap)
{
    size_t k = 0;
    iban_ent_t *e = atomic_load_explicit(&s->skip_head->next[0], memory_order_acquire);
    while (e != NULL && k < cap) {
        uint64_t id = atomic_load_explicit(&e->head, memory_order_acquire);
        if (id != 0)
            fill(rec_at(s, id), id, &out[k++]);
        e = atomic_load_explicit(&e->next[0], memory_order_acquire);
    }
    return k;
}

static uint64_t magnitude(int64_t v)
{
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

/* The filter rules other than the IBAN, on a record. */
static bool rec_match(const gw_tx_filter_t *f, int64_t changed_by)
{
    if (f == NULL)
        return true;
    if (magnitude(changed_by) < f->min_amount)
        return false;
    if (f->direction != GW_DIR_ANY && gw_direction_of(changed_by) != f->direction)
        return false;
    return true;
}

bool gw_tx_filter_match(const gw_tx_filter_t *f, const gw_tx_t *t)
{
    if (f == NULL)
        return true;
    if (f->iban.ptr != NULL &&
        (f->iban.len != t->iban.len || (t->iban.len > 0 && memcmp(f->iban.ptr, t->iban.ptr, t->iban.len) != 0)))
        return false;
    return rec_match(f, t->changed_by);
}

/* gw_txstore_since restricted to one IBAN: walk its chain (newest first)
 * twice from the same head, first counting the matches above after_id, then
 * filling out[] backwards with the lowest max_items of them. */
static size_t since_iban(const gw_txstore_t *s, uint64_t after_id, const gw_tx_filter_t *f, gw_tx_t *out,
                         size_t max_items, uint64_t *next_after)
{
    uint64_t n = gw_txstore_count(s);
    iban_ent_t *e = iban_find(s, f->iban);
    if (e == NULL) {
        *next_after = n > after_id ? n : after_id;
        return 0;
    }
    uint64_t head = atomic_load_explicit(&e->head, memory_order_acquire);
    uint64_t hi = head > n ? head : n;
    size_t matches = 0;
    for (uint64_t id = head; id > after_id; id = rec_at(s, id)->prev) {
        if (rec_match(f, rec_at(s, id)->changed_by))
            matches++;
    }
    size_t skip = matches > max_items ? matches - max_items : 0;
    size_t k = matches - skip;
    size_t written = k;
    for (uint64_t id = head; id > after_id && k > 0;) {
        const tx_rec_t *r = rec_at(s, id);
        if (rec_match(f, r->changed_by)) {
            if (skip > 0)
                skip--;
            else
                fill(r, id, &out[--k]);
        }
        id = r->prev;
    }
    if (matches > max_items)
        *next_after = written > 0 ? out[written - 1].id : after_id;
    else
        *next_after = hi > after_id ? hi : after_id;
    return written;
}

size_t gw_txstore_since(const gw_txstore_t *s, uint64_t after_id, const gw_tx_filter_t *f, gw_tx_t *out,
                        size_t max_items, uint64_t *next_after)
{
    uint64_t cursor;
    size_t k = 0;
    if (f != NULL && f->iban.ptr != NULL) {
        k = since_iban(s, after_id, f, out, max_items, &cursor);
    } else {
        uint64_t n = gw_txstore_count(s);
        uint64_t id = after_id;
        while (id < n && k < max_items) {
            id++;
            const tx_rec_t *r = rec_at(s, id);
            if (rec_match(f, r->changed_by))
                fill(r, id, &out[k++]);
        }
        cursor = id;
    }
    if (next_after != NULL)
        *next_after = cursor;
    return k;
}

/* ---- checksum and stats ------------------------------------------------- */

/* Ordered combination: each step multiplies, so swapping two values changes
 * the result. The string hash is fixed (unkeyed), so digests compare across
 * runs and processes. */
static uint64_t combine(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdULL;
}

static uint64_t str_digest(const istr_t *s)
{
    /* The length goes in too, so ("ab", "c") and ("a", "bc") differ. */
    return gw__hash_bytes(s->s, s->len, 0) ^ ((uint64_t)s->len << 48);
}

uint64_t gw_txstore_checksum(const gw_txstore_t *s, uint64_t *count)
{
    uint64_t n = gw_txstore_count(s);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (uint64_t id = 1; id <= n; id++) {
        const tx_rec_t *r = rec_at(s, id);
        h = combine(h, id);
        h = combine(h, str_digest(r->iban->name));
        h = combine(h, (uint64_t)r->new_balance);
        h = combine(h, (uint64_t)r->changed_by);
        h = combine(h, str_digest(r->from_to));
        h = combine(h, str_digest(r->description));
    }
    if (count != NULL)
        *count = n;
    return h;
}

void gw_txstore_stats(const gw_txstore_t *s, gw_txstore_stats_t *out)
{
    gw_txstore_t *m = (gw_txstore_t *)s;
    out->transactions = atomic_load_explicit(&m->count, memory_order_acquire);
    out->ibans = atomic_load_explicit(&m->n_ibans, memory_order_relaxed);
    out->strings = atomic_load_explicit(&m->n_strings, memory_order_relaxed);
    out->string_bytes = atomic_load_explicit(&m->string_bytes, memory_order_relaxed);
    out->bytes = atomic_load_explicit(&m->bytes, memory_order_relaxed);
    out->duplicates = atomic_load_explicit(&m->duplicates, memory_order_relaxed);
}
