/*
 * Transform state snapshots (design.md §6): what a restart loads instead
 * of replaying every input from the beginning.
 *
 * Layout, in the machine's byte order (a snapshot is local state, read
 * back by the same build on the same host):
 *   header   "CPSNAP01", u32 version, u32 nsources, u64 epoch,
 *            u64 fingerprint of the source set (ids, roles, categories),
 *            per source (version 3): u32 n + n bytes of its id, i32 role,
 *            i32 category;
 *            u64 n + n bytes of the caller's blob (the input positions the
 *            state belongs to)
 *   tables   per table: u64 capacity, u64 count, capacity × entry; a dedupe
 *            table (keys, fuzzy keys, subjects) is CP_DEDUPE_SEGS such
 *            tables, one per segment (version 2). Version 1 had one table
 *            for each: it is still read, its entries put into segments,
 *            so an upgrade keeps its state.
 *   stats    nsources × cp_source_stats_t with reject-code pointers
 *            replaced by indexes into a code list (u32 n, then n
 *            NUL-terminated strings); versions 1 and 2 hold the struct's
 *            prefix up to st_seen_bucket, version 3 up to
 *            st_withdrawn_later (the fields after it are zero)
 *   late     (version 3) the keys waiting for a late central record
 *            (pending.h) as a table; the sweeper's entries (sweep.h): u64
 *            n, n × entry, u64 n + n bytes of key texts
 *   standing (version 4) the active views a later record may withdraw
 *            (measure.h) as a table; an older file has none (the views it
 *            holds can no longer be withdrawn: a later record of them is
 *            a duplicate)
 *   trailer  u64 XXH3-64 of every byte before it
 * Loading reads into fresh tables and swaps them in only when the
 * checksum matches, so a corrupt or truncated file changes nothing.
 *
 * Sources may be added and removed between the run that saved and the one
 * that loads (a reload with a changed source list): the sources listed in
 * the header are found in the configuration by id, the source masks of
 * the key tables renumbered, and the counts of a removed source dropped
 * (its keys stay seen: CP_DEDUPE_RETIRED). A source kept in another role
 * or category, or a central source removed, is refused
 * (cp_conf_source_fits): the counts and joins kept would mean something
 * else. Versions 1 and 2 have no list and load only into the very sources
 * they were saved for.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "core/err.h"
#include "transform.h"
#include "transform_state.h"

/* What versions 1 and 2, and 3, hold of each source's stats. */
#define CP_SNAP_STATS_V2 offsetof(cp_source_stats_t, st_seen_bucket)
#define CP_SNAP_STATS_V3 offsetof(cp_source_stats_t, st_withdrawn_later)

#define CP_SNAP_MAGIC "CPSNAP01"
#define CP_SNAP_VERSION 4u
#define CP_SNAP_VERSION_LATE 3u   /* no withdrawal counts, no standing views */
#define CP_SNAP_VERSION_SEGS 2u   /* no source list, no late tables */
#define CP_SNAP_VERSION_FLAT 1u   /* one table per dedupe table, the same */

typedef struct cp_snapio_s {
        FILE *f;
        XXH3_state_t h;
        int failed;
} cp_snapio_t;

static void cp_snap_put(cp_snapio_t *io, const void *p, size_t n)
{
        if (io->failed || !n)
                return;
        XXH3_64bits_update(&io->h, p, n);
        if (fwrite(p, 1, n, io->f) != n)
                io->failed = 1;
}

static void cp_snap_get(cp_snapio_t *io, void *p, size_t n)
{
        if (io->failed || !n)
                return;
        if (fread(p, 1, n, io->f) != n) {
                io->failed = 1;
                return;
        }
        XXH3_64bits_update(&io->h, p, n);
}

static uint64_t cp_snap_fingerprint(const cp_conf_t *conf)
{
        XXH3_state_t h;

        XXH3_64bits_reset(&h);
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                const cp_source_conf_t *s = &conf->conf_sources[i];

                XXH3_64bits_update(&h, s->src_id, strlen(s->src_id) + 1);
                XXH3_64bits_update(&h, &s->src_role, sizeof(s->src_role));
                XXH3_64bits_update(&h, &s->src_category, sizeof(s->src_category));
        }
        return XXH3_64bits_digest(&h);
}

/* A table: capacity, count, then the slots. */
static void cp_snap_put_table(cp_snapio_t *io, const void *slots, size_t cap, size_t count,
                              size_t entry)
{
        uint64_t c = cap, n = count;

        cp_snap_put(io, &c, sizeof(c));
        cp_snap_put(io, &n, sizeof(n));
        cp_snap_put(io, slots, cap * entry);
}

static void *cp_snap_get_table(cp_snapio_t *io, size_t *cap, size_t *count, size_t entry)
{
        uint64_t c = 0, n = 0;
        void *slots;

        cp_snap_get(io, &c, sizeof(c));
        cp_snap_get(io, &n, sizeof(n));
        /* A power of two (or 0 for a table never used), and sane. */
        if (io->failed || (c & (c - 1)) || c > (UINT64_C(1) << 40) || n > c) {
                io->failed = 1;
                return NULL;
        }
        if (!c) {
                *cap = *count = 0;
                return NULL;
        }
        slots = malloc((size_t)c * entry);
        if (!slots) {
                io->failed = 1;
                return NULL;
        }
        cp_snap_get(io, slots, (size_t)c * entry);
        *cap = (size_t)c;
        *count = (size_t)n;
        return slots;
}

static void cp_snap_put_dedupe(cp_snapio_t *io, const cp_dedupe_t *dd)
{
        for (unsigned g = 0; g < CP_DEDUPE_SEGS; g++)
                cp_snap_put_table(io, dd->dd_seg[g].sg_slots, dd->dd_seg[g].sg_cap,
                                  dd->dd_seg[g].sg_count, sizeof(cp_dedupe_entry_t));
}

static void cp_snap_put_viewtab(cp_snapio_t *io, const cp_viewtab_t *vt)
{
        cp_snap_put_table(io, vt->vt_slots, vt->vt_cap, vt->vt_count, sizeof(cp_viewtab_slot_t));
}

static void cp_snap_get_viewtab(cp_snapio_t *io, cp_viewtab_t *vt, size_t nsrc,
                                bool (*ok)(uint64_t payload))
{
        vt->vt_slots = cp_snap_get_table(io, &vt->vt_cap, &vt->vt_count,
                                         sizeof(cp_viewtab_slot_t));
        /* The checksum vouches for the bytes, not for their sense. */
        if (!io->failed && !cp_viewtab_sound(vt, (unsigned)nsrc, ok))
                io->failed = 1;
}

static int cp_snap_fail(char *errstr, size_t errstr_size, const char *path, const char *what,
                        int rc)
{
        snprintf(errstr, errstr_size, "%s: %s%s%s", path, what, errno ? ": " : "",
                 errno ? strerror(errno) : "");
        return rc;
}

/* Reject codes as indexes into a list, so the file holds no pointers. */
static void cp_snap_put_stats(cp_snapio_t *io, const cp_transform_t *tf)
{
        size_t n = tf->tf_conf->conf_nsources;
        uint32_t ncodes = 0;

        for (size_t i = 0; i < n; i++)
                ncodes += tf->tf_stats[i].st_nreject_reasons;
        cp_snap_put(io, &ncodes, sizeof(ncodes));
        for (size_t i = 0; i < n; i++)
                for (unsigned r = 0; r < tf->tf_stats[i].st_nreject_reasons; r++)
                        cp_snap_put(io, tf->tf_stats[i].st_reject_reasons[r].rc_code,
                                    strlen(tf->tf_stats[i].st_reject_reasons[r].rc_code) + 1);
        for (size_t i = 0; i < n; i++) {
                cp_source_stats_t st;

                /* memcpy, not assignment: padding bytes are hashed too. */
                memcpy(&st, &tf->tf_stats[i], sizeof(st));
                for (unsigned r = 0; r < st.st_nreject_reasons; r++)
                        st.st_reject_reasons[r].rc_code = NULL;
                cp_snap_put(io, &st, sizeof(st));
        }
}

/* Version 3: what service mode keeps beyond the tables above. */
static void cp_snap_put_late(cp_snapio_t *io, const cp_transform_t *tf)
{
        const cp_pending_t *pt = &tf->tf_measure.me_pending;
        const cp_sweep_t *sw = &tf->tf_sweep;
        uint64_t n = sw->sw_n, len = sw->sw_pool_len;

        cp_snap_put_viewtab(io, pt);
        cp_snap_put(io, &n, sizeof(n));
        cp_snap_put(io, sw->sw_v, sw->sw_n * sizeof(*sw->sw_v));
        cp_snap_put(io, &len, sizeof(len));
        cp_snap_put(io, sw->sw_pool, sw->sw_pool_len);
}

int cp_transform_save(cp_transform_t *tf, const char *path, uint64_t epoch,
                      const void *blob, size_t blob_len, char *errstr, size_t errstr_size)
{
        uint64_t blen = blob_len;
        const cp_conf_t *conf = tf->tf_conf;
        const cp_measure_t *me = &tf->tf_measure;
        cp_snapio_t io = {0};
        char tmp[4096], dir[4096];
        uint32_t version = CP_SNAP_VERSION, nsrc = (uint32_t)conf->conf_nsources;
        uint64_t fp = cp_snap_fingerprint(conf), sum;
        int fd;

        errno = 0;
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return cp_snap_fail(errstr, errstr_size, path, "path too long", CP_ERR_IO);
        /* Private: the state is the operator's, like the inputs. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || !(io.f = fdopen(fd, "wb"))) {
                if (fd >= 0)
                        close(fd);
                return cp_snap_fail(errstr, errstr_size, tmp, "cannot write the snapshot",
                                    CP_ERR_IO);
        }
        XXH3_64bits_reset(&io.h);
        cp_snap_put(&io, CP_SNAP_MAGIC, 8);
        cp_snap_put(&io, &version, sizeof(version));
        cp_snap_put(&io, &nsrc, sizeof(nsrc));
        cp_snap_put(&io, &epoch, sizeof(epoch));
        cp_snap_put(&io, &fp, sizeof(fp));
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                const cp_source_conf_t *src = &conf->conf_sources[i];
                uint32_t len = (uint32_t)strlen(src->src_id);
                int32_t role = (int32_t)src->src_role, cat = (int32_t)src->src_category;

                cp_snap_put(&io, &len, sizeof(len));
                cp_snap_put(&io, src->src_id, len);
                cp_snap_put(&io, &role, sizeof(role));
                cp_snap_put(&io, &cat, sizeof(cat));
        }
        cp_snap_put(&io, &blen, sizeof(blen));
        cp_snap_put(&io, blob, blob_len);
        cp_snap_put_dedupe(&io, &tf->tf_dedupe);
        cp_snap_put_table(&io, tf->tf_orgmap.om_slots, tf->tf_orgmap.om_cap,
                          tf->tf_orgmap.om_count, sizeof(cp_orgmap_entry_t));
        cp_snap_put_table(&io, me->me_central.ct_slots, me->me_central.ct_cap,
                          me->me_central.ct_count, sizeof(cp_central_entry_t));
        cp_snap_put_dedupe(&io, &me->me_fuzzy);
        cp_snap_put_dedupe(&io, &me->me_subjects);
        cp_snap_put_stats(&io, tf);
        cp_snap_put_late(&io, tf);
        cp_snap_put_viewtab(&io, &me->me_standing);
        sum = XXH3_64bits_digest(&io.h);
        if (!io.failed && fwrite(&sum, sizeof(sum), 1, io.f) != 1)
                io.failed = 1;
        if (io.failed || fflush(io.f) || fsync(fileno(io.f))) {
                fclose(io.f);
                unlink(tmp);
                return cp_snap_fail(errstr, errstr_size, tmp, "cannot write the snapshot",
                                    CP_ERR_IO);
        }
        if (fclose(io.f) || rename(tmp, path)) {
                unlink(tmp);
                return cp_snap_fail(errstr, errstr_size, path, "cannot write the snapshot",
                                    CP_ERR_IO);
        }
        /* The rename is durable only once the directory is. */
        snprintf(dir, sizeof(dir), "%s", path);
        fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
                fsync(fd);
                close(fd);
        }
        return CP_OK;
}

/* The state read from a file, swapped in only when whole. */
typedef struct cp_snap_state_s {
        cp_dedupe_t dedupe, fuzzy, subjects;
        cp_orgmap_t orgmap;
        cp_central_t central;
        cp_source_stats_t *stats;
        char *codes;
        cp_pending_t pending;
        cp_sweep_t sweep;
        cp_viewtab_t standing;
} cp_snap_state_t;

static void cp_snap_state_free(cp_snap_state_t *s)
{
        cp_dedupe_free(&s->dedupe);
        cp_dedupe_free(&s->fuzzy);
        cp_dedupe_free(&s->subjects);
        cp_orgmap_free(&s->orgmap);
        cp_central_free(&s->central);
        free(s->stats);
        free(s->codes);
        cp_pending_free(&s->pending);
        cp_sweep_free(&s->sweep);
        cp_viewtab_free(&s->standing);
}

/* The late tables, checked for sense as well as read. */
static void cp_snap_get_late(cp_snapio_t *io, cp_snap_state_t *s, size_t nsrc)
{
        uint64_t n = 0, len = 0;
        cp_sweep_t *sw = &s->sweep;

        cp_snap_get_viewtab(io, &s->pending, nsrc, cp_pending_payload_ok);
        cp_snap_get(io, &n, sizeof(n));
        if (io->failed || n > (UINT64_C(1) << 36)) {
                io->failed = 1;
                return;
        }
        if (n && !(sw->sw_v = malloc((size_t)n * sizeof(*sw->sw_v)))) {
                io->failed = 1;
                return;
        }
        sw->sw_n = sw->sw_cap = (size_t)n;
        cp_snap_get(io, sw->sw_v, sw->sw_n * sizeof(*sw->sw_v));
        cp_snap_get(io, &len, sizeof(len));
        if (io->failed || len > UINT32_MAX) {
                io->failed = 1;
                return;
        }
        if (len && !(sw->sw_pool = malloc((size_t)len))) {
                io->failed = 1;
                return;
        }
        sw->sw_pool_len = sw->sw_pool_cap = (size_t)len;
        cp_snap_get(io, sw->sw_pool, sw->sw_pool_len);
        for (size_t i = 0; i < sw->sw_n && !io->failed; i++) {
                const cp_sweep_entry_t *e = &sw->sw_v[i];

                if (e->sw_source >= nsrc || e->sw_until <= 0 || e->sw_stands > 1 ||
                    e->sw_share >= CP_SH_UNMATCHED + CP_NM__COUNT ||
                    (uint64_t)e->sw_text + e->sw_len > len) {
                        io->failed = 1;
                        break;
                }
                if (!sw->sw_min_until || e->sw_until < sw->sw_min_until)
                        sw->sw_min_until = e->sw_until;
        }
}

/* A version-1 dedupe table: one array, whose entries go into segments. */
static void cp_snap_get_flat_dedupe(cp_snapio_t *io, cp_dedupe_t *dd)
{
        size_t cap = 0, count = 0, seen = 0;
        cp_dedupe_entry_t *flat = cp_snap_get_table(io, &cap, &count,
                                                    sizeof(cp_dedupe_entry_t));

        if (!io->failed && !cap)
                io->failed = 1;  /* these tables always have slots */
        if (!io->failed && cp_dedupe_init(dd, count))
                io->failed = 1;
        for (size_t i = 0; i < cap && !io->failed; i++) {
                if (!flat[i].de_sources)
                        continue;
                if (cp_dedupe_put(dd, &flat[i]))
                        io->failed = 1;
                seen++;
        }
        /* The checksum vouches for the bytes, not for their sense. */
        if (!io->failed && (seen != count || dd->dd_count != count))
                io->failed = 1;
        free(flat);
}

static void cp_snap_get_dedupe(cp_snapio_t *io, cp_dedupe_t *dd, uint32_t version)
{
        if (version == CP_SNAP_VERSION_FLAT) {
                cp_snap_get_flat_dedupe(io, dd);
                return;
        }
        for (unsigned g = 0; g < CP_DEDUPE_SEGS && !io->failed; g++) {
                cp_dedupe_seg_t *sg = &dd->dd_seg[g];

                sg->sg_slots = cp_snap_get_table(io, &sg->sg_cap, &sg->sg_count,
                                                 sizeof(cp_dedupe_entry_t));
                if (!io->failed && !sg->sg_cap)
                        io->failed = 1;  /* these tables always have slots */
                dd->dd_count += sg->sg_count;
        }
}

/* Codes, then the stats whose reject codes point into them. */
static void cp_snap_get_stats(cp_snapio_t *io, cp_snap_state_t *s, size_t nsrc,
                              uint32_t version)
{
        size_t stsize = version >= CP_SNAP_VERSION        ? sizeof(cp_source_stats_t)
                        : version == CP_SNAP_VERSION_LATE ? CP_SNAP_STATS_V3
                                                          : CP_SNAP_STATS_V2;

        uint32_t ncodes = 0;
        size_t len = 0, cap = 256, *off;

        cp_snap_get(io, &ncodes, sizeof(ncodes));
        if (io->failed || ncodes > nsrc * CP_REJECT_REASONS_MAX) {
                io->failed = 1;
                return;
        }
        /* Offsets, not pointers, while the buffer may still move. */
        off = calloc(ncodes + 1, sizeof(*off));
        s->codes = malloc(cap);
        s->stats = calloc(nsrc, sizeof(*s->stats));
        if (!off || !s->codes || !s->stats) {
                free(off);
                io->failed = 1;
                return;
        }
        for (uint32_t c = 0; c < ncodes && !io->failed; c++) {
                off[c] = len;
                for (;;) {
                        char ch;

                        if (len + 1 >= cap) {
                                char *g = len < 65536 ? realloc(s->codes, cap *= 2) : NULL;
                                if (!g) {
                                        io->failed = 1;
                                        break;
                                }
                                s->codes = g;
                        }
                        cp_snap_get(io, &ch, 1);
                        if (io->failed)
                                break;
                        s->codes[len++] = ch;
                        if (!ch)
                                break;
                }
        }
        for (size_t i = 0, c = 0; i < nsrc && !io->failed; i++) {
                cp_source_stats_t *st = &s->stats[i];

                cp_snap_get(io, st, stsize);
                if (io->failed || st->st_nreject_reasons > CP_REJECT_REASONS_MAX ||
                    c + st->st_nreject_reasons > ncodes) {
                        io->failed = 1;
                        break;
                }
                for (unsigned r = 0; r < st->st_nreject_reasons; r++)
                        st->st_reject_reasons[r].rc_code = s->codes + off[c++];
        }
        free(off);
}

/*
 * Where each source the file was saved for stands in conf: to[i] is its
 * index, or -1 when conf no longer has it. @returns 0, or -1 with why set
 * (io->failed instead when the bytes run out).
 */
static int cp_snap_get_sources(cp_snapio_t *io, const cp_conf_t *conf, uint32_t version,
                               uint32_t nsrc, uint64_t fp, int *to, char *why, size_t whysz)
{
        if (version < CP_SNAP_VERSION_LATE) {
                if (nsrc != conf->conf_nsources || fp != cp_snap_fingerprint(conf)) {
                        snprintf(why, whysz, "the snapshot belongs to another set of sources "
                                 "(ids, roles or categories changed)");
                        return -1;
                }
                for (uint32_t i = 0; i < nsrc; i++)
                        to[i] = (int)i;
                return 0;
        }
        for (uint32_t i = 0; i < nsrc && !io->failed; i++) {
                char id[256];
                uint32_t len = 0;
                int32_t role = 0, cat = 0;

                cp_snap_get(io, &len, sizeof(len));
                if (io->failed || len >= sizeof(id)) {
                        io->failed = 1;
                        break;
                }
                cp_snap_get(io, id, len);
                id[len] = '\0';
                cp_snap_get(io, &role, sizeof(role));
                cp_snap_get(io, &cat, sizeof(cat));
                if (io->failed)
                        break;
                to[i] = cp_conf_source_fits(conf, id, role, cat, why, whysz);
                if (to[i] == -2)
                        return -1;
        }
        return 0;
}

/* The state of a file saved for other sources, renumbered for conf's:
 * masks remapped, counts of removed sources dropped, of added ones fresh
 * (fresh: tf's, which loading replaces). @returns CP_OK or NOMEM. */
static int cp_snap_renumber(cp_snap_state_t *s, const cp_transform_t *tf, const int *to,
                            uint32_t nsrc)
{
        size_t n = tf->tf_conf->conf_nsources;
        bool same = nsrc == n;
        cp_source_stats_t *stats;

        for (uint32_t i = 0; i < nsrc; i++)
                same &= to[i] == (int)i;
        if (same)
                return CP_OK;
        if (!(stats = malloc(n * sizeof(*stats))))
                return CP_ERR_NOMEM;
        memcpy(stats, tf->tf_stats, n * sizeof(*stats));
        for (uint32_t i = 0; i < nsrc; i++)
                if (to[i] >= 0)
                        stats[to[i]] = s->stats[i];
        if (cp_viewtab_remap(&s->pending, to, nsrc) ||
            cp_viewtab_remap(&s->standing, to, nsrc)) {
                free(stats);
                return CP_ERR_NOMEM;
        }
        cp_sweep_remap(&s->sweep, to, nsrc);
        free(s->stats);
        s->stats = stats;
        cp_dedupe_remap(&s->dedupe, to, nsrc);
        cp_dedupe_remap(&s->fuzzy, to, nsrc);
        cp_dedupe_remap(&s->subjects, to, nsrc);
        return CP_OK;
}

int cp_transform_load(cp_transform_t *tf, const char *path, uint64_t *epoch,
                      void **blob, size_t *blob_len, char *errstr, size_t errstr_size)
{
        uint64_t blen = 0;
        void *bl = NULL;
        const cp_conf_t *conf = tf->tf_conf;
        cp_snapio_t io = {0};
        cp_snap_state_t s = {0};
        char magic[8];
        uint32_t version = 0, nsrc = 0;
        uint64_t ep = 0, fp = 0, sum = 0, want;
        int extra, to[64];
        char why[512];

        errno = 0;
        if (!(io.f = fopen(path, "rb")))
                return cp_snap_fail(errstr, errstr_size, path, "cannot read the snapshot",
                                    CP_ERR_IO);
        XXH3_64bits_reset(&io.h);
        cp_snap_get(&io, magic, 8);
        cp_snap_get(&io, &version, sizeof(version));
        cp_snap_get(&io, &nsrc, sizeof(nsrc));
        cp_snap_get(&io, &ep, sizeof(ep));
        cp_snap_get(&io, &fp, sizeof(fp));
        errno = 0;
        if (io.failed || memcmp(magic, CP_SNAP_MAGIC, 8) ||
            version < CP_SNAP_VERSION_FLAT || version > CP_SNAP_VERSION || nsrc > 64) {
                fclose(io.f);
                return cp_snap_fail(errstr, errstr_size, path,
                                    "not a credpipe snapshot of this version", CP_ERR_PARSE);
        }
        if (cp_snap_get_sources(&io, conf, version, nsrc, fp, to, why, sizeof(why))) {
                fclose(io.f);
                errno = 0;
                return cp_snap_fail(errstr, errstr_size, path, why, CP_ERR_PARSE);
        }
        cp_snap_get(&io, &blen, sizeof(blen));
        if (!io.failed && blen < (1u << 30) && (bl = malloc(blen ? blen : 1)))
                cp_snap_get(&io, bl, blen);
        else
                io.failed = 1;
        cp_snap_get_dedupe(&io, &s.dedupe, version);
        s.orgmap.om_slots = cp_snap_get_table(&io, &s.orgmap.om_cap, &s.orgmap.om_count,
                                              sizeof(cp_orgmap_entry_t));
        s.central.ct_slots = cp_snap_get_table(&io, &s.central.ct_cap, &s.central.ct_count,
                                               sizeof(cp_central_entry_t));
        cp_snap_get_dedupe(&io, &s.fuzzy, version);
        cp_snap_get_dedupe(&io, &s.subjects, version);
        cp_snap_get_stats(&io, &s, nsrc, version);
        if (version >= CP_SNAP_VERSION_LATE)
                cp_snap_get_late(&io, &s, nsrc);
        if (version >= CP_SNAP_VERSION)
                cp_snap_get_viewtab(&io, &s.standing, nsrc, cp_measure_standing_ok);
        want = XXH3_64bits_digest(&io.h);
        if (!io.failed && fread(&sum, sizeof(sum), 1, io.f) != 1)
                io.failed = 1;
        extra = fgetc(io.f);
        fclose(io.f);
        errno = 0;
        if (io.failed || sum != want || extra != EOF) {
                cp_snap_state_free(&s);
                free(bl);
                return cp_snap_fail(errstr, errstr_size, path, io.failed
                                    ? "the snapshot is truncated or damaged"
                                    : "the snapshot's checksum does not match: it is damaged",
                                    CP_ERR_PARSE);
        }
        if (cp_snap_renumber(&s, tf, to, nsrc)) {
                cp_snap_state_free(&s);
                free(bl);
                return cp_snap_fail(errstr, errstr_size, path, "out of memory", CP_ERR_NOMEM);
        }
        /* Whole: swap it in. */
        cp_dedupe_free(&tf->tf_dedupe);
        cp_orgmap_free(&tf->tf_orgmap);
        cp_central_free(&tf->tf_measure.me_central);
        cp_dedupe_free(&tf->tf_measure.me_fuzzy);
        cp_dedupe_free(&tf->tf_measure.me_subjects);
        free(tf->tf_stats);
        free(tf->tf_codes);
        tf->tf_dedupe = s.dedupe;
        tf->tf_orgmap = s.orgmap;
        tf->tf_measure.me_central = s.central;
        tf->tf_measure.me_fuzzy = s.fuzzy;
        tf->tf_measure.me_subjects = s.subjects;
        tf->tf_stats = s.stats;
        tf->tf_codes = s.codes;
        cp_pending_free(&tf->tf_measure.me_pending);
        cp_sweep_free(&tf->tf_sweep);
        cp_viewtab_free(&tf->tf_measure.me_standing);
        tf->tf_measure.me_pending = s.pending;
        tf->tf_measure.me_standing = s.standing;
        tf->tf_sweep = s.sweep;
        /* A cached subject identifier stands for one in the org code map
         * (transform.c): the map changed, so the cache goes. */
        if (tf->tf_idcache)
                memset(tf->tf_idcache, 0, CP_IDCACHE_SLOTS * sizeof(*tf->tf_idcache));
        *epoch = ep;
        if (blob) {
                *blob = bl;
                *blob_len = blen;
        } else {
                free(bl);
        }
        return CP_OK;
}
