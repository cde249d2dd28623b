#include "epoch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/kafka_part.h"
#include "core/log.h"

#define CP_SNAPSHOT "snapshot"
#define CP_SNAPSHOT_PREV "snapshot.prev"
#define CP_PENDING "snapshot.pending."

static void cp_pos_clear(cp_pos_t *p)
{
        free(p->ps_file);
        for (size_t i = 0; i < p->ps_nkafka; i++)
                free(p->ps_kafka[i].kp_part);
        free(p->ps_kafka);
        memset(p, 0, sizeof(*p));
}

/* Sets a Kafka partition's next offset, adding the partition if new.
 * Out of memory, the partition is left out: only the group's committed
 * offsets (monitoring) lag, never the checkpoint's own position. */
static void cp_pos_kafka_set(cp_pos_t *p, const char *part, int64_t next)
{
        cp_kpos_t *nk;

        for (size_t i = 0; i < p->ps_nkafka; i++) {
                if (!strcmp(p->ps_kafka[i].kp_part, part)) {
                        p->ps_kafka[i].kp_next = next;
                        return;
                }
        }
        nk = realloc(p->ps_kafka, (p->ps_nkafka + 1) * sizeof(*nk));
        if (!nk)
                return;
        p->ps_kafka = nk;
        if ((nk[p->ps_nkafka].kp_part = strdup(part)) != NULL)
                nk[p->ps_nkafka++].kp_next = next;
}

/* A new set of inputs: its files start from nothing, while a Kafka
 * source's partitions go on from where the sets before left them. */
static void cp_pos_clear_files(cp_pos_t *p)
{
        cp_kpos_t *k = p->ps_kafka;
        size_t nk = p->ps_nkafka;

        p->ps_kafka = NULL;
        p->ps_nkafka = 0;
        cp_pos_clear(p);
        p->ps_kafka = k;
        p->ps_nkafka = nk;
}

static void cp_pos_copy(cp_pos_t *dst, const cp_pos_t *src)
{
        cp_pos_clear(dst);
        *dst = *src;
        dst->ps_file = src->ps_file ? strdup(src->ps_file) : NULL;
        dst->ps_kafka = NULL;
        dst->ps_nkafka = 0;
        for (size_t i = 0; i < src->ps_nkafka; i++)
                cp_pos_kafka_set(dst, src->ps_kafka[i].kp_part, src->ps_kafka[i].kp_next);
}

static void cp_path(const cp_conf_t *conf, char *out, size_t n, const char *name,
                    uint64_t epoch)
{
        if (epoch)
                snprintf(out, n, "%s/%s%" PRIu64, conf->conf_state_dir, name, epoch);
        else
                snprintf(out, n, "%s/%s", conf->conf_state_dir, name);
}

/* The same sources, in the same roles and categories, as when the state
 * was written: otherwise positions and counts mean nothing. */
static uint64_t cp_sources_fingerprint(const cp_conf_t *conf)
{
        XXH64_state_t *h = XXH64_createState();
        uint64_t v;

        XXH64_reset(h, 0);
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                const cp_source_conf_t *s = &conf->conf_sources[i];

                XXH64_update(h, s->src_id, strlen(s->src_id) + 1);
                XXH64_update(h, &s->src_role, sizeof(s->src_role));
                XXH64_update(h, &s->src_category, sizeof(s->src_category));
        }
        v = XXH64_digest(h);
        XXH64_freeState(h);
        return v;
}

int cp_state_lock(const char *dir, char *errstr, size_t errstr_size)
{
        char path[4096], pid[32] = "";
        int fd, n;

        if (mkdir(dir, 0700) && errno != EEXIST) {
                snprintf(errstr, errstr_size, "state.dir %s: %s", dir, strerror(errno));
                return -1;
        }
        snprintf(path, sizeof(path), "%s/lock", dir);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
                snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
                return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB)) {
                int e = errno;

                n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
                pid[n > 0 ? n : 0] = '\0';
                pid[strcspn(pid, "\n")] = '\0';
                close(fd);
                if (e == EWOULDBLOCK)
                        snprintf(errstr, errstr_size, "state.dir %s is in use by another "
                                 "credpipe (pid %s): stop it first; instances that run at "
                                 "once need a state.dir and a state.instance each", dir,
                                 *pid ? pid : "?");
                else
                        snprintf(errstr, errstr_size, "%s: %s", path, strerror(e));
                return -1;
        }
        n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n)
                cp_log_warn("run", "STATE_LOCK_PID", "path=%s err=\"%s\" msg=\"locked, but "
                            "the pid could not be written\"", path, strerror(errno));
        return fd;
}

int cp_epoch_init(cp_epoch_t *ep, const cp_conf_t *conf, char *errstr, size_t errstr_size)
{
        memset(ep, 0, sizeof(*ep));
        ep->ep_conf = conf;
        if (mkdir(conf->conf_state_dir, 0700) && errno != EEXIST) {
                snprintf(errstr, errstr_size, "state.dir %s: %s", conf->conf_state_dir,
                         strerror(errno));
                return -1;
        }
        ep->ep_pos = calloc(conf->conf_nsources, sizeof(*ep->ep_pos));
        if (!ep->ep_pos) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        return 0;
}

void cp_epoch_free(cp_epoch_t *ep)
{
        if (!ep->ep_pos)
                return;
        for (size_t i = 0; i < ep->ep_conf->conf_nsources; i++)
                cp_pos_clear(&ep->ep_pos[i]);
        free(ep->ep_pos);
        ep->ep_pos = NULL;
}

void cp_resume_free(cp_resume_t *rs)
{
        cp_pos_clear(&rs->rs_start);
        cp_pos_clear(&rs->rs_replay);
}

/* Pending snapshots of epochs never committed, left by a crash. */
static void cp_remove_pending(const cp_conf_t *conf)
{
        DIR *d = opendir(conf->conf_state_dir);
        struct dirent *de;
        char path[4096];

        if (!d)
                return;
        while ((de = readdir(d)))
                if (!strncmp(de->d_name, CP_PENDING, strlen(CP_PENDING))) {
                        snprintf(path, sizeof(path), "%s/%s", conf->conf_state_dir, de->d_name);
                        unlink(path);
                }
        closedir(d);
}

/*
 * Positions of a checkpoint, by source id, into pos[]: nothing read for a
 * source the checkpoint does not know (one added since). A source it
 * knows must keep its role and category, and a central one must stay
 * (cp_conf_source_fits); a checkpoint from before roles were recorded
 * needs the very same sources.
 */
static int cp_positions_from(const cp_conf_t *conf, const Credpipe__V1__Checkpoint *cp,
                             cp_pos_t *pos, char *errstr, size_t errstr_size)
{
        bool roles = cp->n_positions > 0;
        char why[512];

        for (size_t k = 0; k < cp->n_positions; k++)
                roles &= cp->positions[k]->role != 0;
        if (!roles && cp->sources_fingerprint != cp_sources_fingerprint(conf)) {
                snprintf(errstr, errstr_size, "the last checkpoint (epoch %" PRIu64 ") was "
                         "written for other sources: their ids, roles or categories changed. "
                         "Keep the old configuration, or start afresh with another "
                         "state.instance (and state.dir)", cp->epoch);
                return -1;
        }
        for (size_t i = 0; i < conf->conf_nsources; i++)
                cp_pos_clear(&pos[i]);
        for (size_t k = 0; k < cp->n_positions; k++) {
                const Credpipe__V1__SourcePosition *sp = cp->positions[k];
                int i = cp_conf_source_fits(conf, sp->source_id, (int)sp->role,
                                            (int)sp->category, why, sizeof(why));

                if (i == -2) {
                        snprintf(errstr, errstr_size, "the last checkpoint (epoch %" PRIu64
                                 "): %s", cp->epoch, why);
                        return -1;
                }
                if (i < 0)
                        continue;
                pos[i].ps_file = *sp->file ? strdup(sp->file) : NULL;
                pos[i].ps_records = sp->records;
                pos[i].ps_offset = sp->offset;
                pos[i].ps_done = sp->done;
                for (size_t j = 0; j < sp->n_kafka; j++) {
                        char *part;

                        if (asprintf(&part, "%s/%" PRId32, sp->kafka[j]->topic,
                                     sp->kafka[j]->partition) < 0)
                                continue;
                        cp_pos_kafka_set(&pos[i], part, sp->kafka[j]->offset);
                        free(part);
                }
        }
        return 0;
}

/* Logs the sources added to and removed from the configuration since the
 * checkpoint was written. */
static void cp_log_source_changes(const cp_conf_t *conf, const Credpipe__V1__Checkpoint *cp)
{
        cp_buf_t added, removed;

        cp_buf_init(&added);
        cp_buf_init(&removed);
        for (size_t i = 0; i < conf->conf_nsources; i++) {
                size_t k = 0;

                while (k < cp->n_positions &&
                       strcmp(cp->positions[k]->source_id, conf->conf_sources[i].src_id))
                        k++;
                if (k == cp->n_positions)
                        cp_buf_printf(&added, "%s%s", added.b_len ? "," : "",
                                      conf->conf_sources[i].src_id);
        }
        for (size_t k = 0; k < cp->n_positions; k++)
                if (cp_conf_source_index(conf, cp->positions[k]->source_id) < 0)
                        cp_buf_printf(&removed, "%s%s", removed.b_len ? "," : "",
                                      cp->positions[k]->source_id);
        if ((added.b_len || removed.b_len) && !cp_buf_failed(&added) &&
            !cp_buf_failed(&removed))
                cp_log_info("run", "SOURCES_CHANGED", "epoch=%" PRIu64 " added=%s removed=%s "
                            "msg=\"the configured sources changed since the checkpoint: added "
                            "ones start from nothing, the counts of removed ones are dropped "
                            "and their keys stay seen\"", cp->epoch,
                            added.b_len ? added.b_data : "-",
                            removed.b_len ? removed.b_data : "-");
        cp_buf_free(&added);
        cp_buf_free(&removed);
}

void cp_epoch_new_set(cp_epoch_t *ep, uint64_t set)
{
        for (size_t i = 0; i < ep->ep_conf->conf_nsources; i++)
                cp_pos_clear_files(&ep->ep_pos[i]);
        ep->ep_set = set;
}

void cp_resume_new_set(cp_resume_t *rs, const cp_epoch_t *ep, size_t source)
{
        cp_resume_free(rs);
        memset(rs, 0, sizeof(*rs));
        rs->rs_kafka = ep->ep_conf->conf_sources[source].src_format == CP_FMT_KAFKA;
        for (size_t i = 0; i < ep->ep_pos[source].ps_nkafka; i++) {
                const cp_kpos_t *k = &ep->ep_pos[source].ps_kafka[i];

                cp_pos_kafka_set(&rs->rs_start, k->kp_part, k->kp_next);
                cp_pos_kafka_set(&rs->rs_replay, k->kp_part, k->kp_next);
        }
}

int64_t cp_resume_kafka_next(const cp_resume_t *rs, const char *part)
{
        for (size_t i = 0; i < rs->rs_start.ps_nkafka; i++)
                if (!strcmp(rs->rs_start.ps_kafka[i].kp_part, part))
                        return rs->rs_start.ps_kafka[i].kp_next;
        return -1;
}

/* Loads the published snapshot, else the one before it (service mode
 * cannot replay finished sets, so it keeps two). @returns as
 * cp_transform_load, with the path used in path. */
static int cp_load_snapshot(const cp_conf_t *conf, cp_transform_t *tf, char *path, size_t n,
                            uint64_t *epoch, void **blob, size_t *blob_len, char *err,
                            size_t errsz)
{
        int rc;

        cp_path(conf, path, n, CP_SNAPSHOT, 0);
        rc = cp_transform_load(tf, path, epoch, blob, blob_len, err, errsz);
        if (rc == CP_OK)
                return rc;
        cp_log_warn("run", "SNAPSHOT_UNUSABLE", "path=%s msg=\"%s\"", path, err);
        cp_path(conf, path, n, CP_SNAPSHOT_PREV, 0);
        if (cp_transform_load(tf, path, epoch, blob, blob_len, err, errsz) == CP_OK)
                return CP_OK;
        return rc;
}

/* Whether a plan replays records of files (or fetched pages): those of a
 * finished set are gone. A Kafka source's are still in its topics. */
static bool cp_replays_files(const cp_resume_t *plans, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!plans[i].rs_kafka && cp_resume_replays(&plans[i]))
                        return true;
        return false;
}

int cp_epoch_recover(cp_epoch_t *ep, cp_transform_t *tf,
                     const Credpipe__V1__Checkpoint *committed, uint64_t set, bool listed,
                     cp_resume_t *plans, char *errstr, size_t errstr_size)
{
        const cp_conf_t *conf = ep->ep_conf;
        size_t n = conf->conf_nsources;
        char path[4096], err[1024];
        uint64_t snap_epoch = 0;
        Credpipe__V1__Checkpoint *at = NULL;
        void *blob = NULL;
        size_t blob_len = 0;
        int rc;

        cp_remove_pending(conf);
        for (size_t i = 0; i < n; i++)
                memset(&plans[i], 0, sizeof(plans[i]));
        ep->ep_set = set;
        for (size_t i = 0; i < n; i++)
                plans[i].rs_kafka = conf->conf_sources[i].src_format == CP_FMT_KAFKA;
        if (!committed) {
                /* Snapshots without a committed checkpoint belong to a run
                 * whose output was never committed: start afresh. */
                cp_path(conf, path, sizeof(path), CP_SNAPSHOT_PREV, 0);
                unlink(path);
                cp_path(conf, path, sizeof(path), CP_SNAPSHOT, 0);
                if (unlink(path) == 0)
                        cp_log_warn("run", "SNAPSHOT_DISCARDED", "path=%s msg=\"no committed "
                                    "checkpoint: the state of an uncommitted run is dropped\"",
                                    path);
                ep->ep_epoch = 0;
                cp_log_info("run", "STATE_FRESH", "instance=%s msg=\"no checkpoint: "
                            "reading every input from the start\"", conf->conf_instance);
                return 0;
        }
        if (cp_positions_from(conf, committed, ep->ep_pos, errstr, errstr_size))
                return -1;
        cp_log_source_changes(conf, committed);
        ep->ep_epoch = committed->epoch;
        ep->ep_swept_as_of = committed->swept_as_of;
        if (committed->set != set)
                for (size_t i = 0; i < n; i++)  /* a finished set: this one starts afresh */
                        cp_pos_clear_files(&ep->ep_pos[i]);
        for (size_t i = 0; i < n; i++)
                cp_pos_copy(&plans[i].rs_replay, &ep->ep_pos[i]);

        rc = cp_load_snapshot(conf, tf, path, sizeof(path), &snap_epoch, &blob, &blob_len, err,
                              sizeof(err));
        if (rc == CP_OK && snap_epoch == committed->epoch) {
                for (size_t i = 0; i < n; i++)
                        cp_pos_copy(&plans[i].rs_start, &ep->ep_pos[i]);
                cp_log_info("run", "STATE_RESTORED", "epoch=%" PRIu64 " msg=\"resuming after "
                            "the last committed checkpoint\"", snap_epoch);
                rc = 0;
        } else if (rc == CP_OK && snap_epoch < committed->epoch && committed->set == set &&
                   (at = credpipe__v1__checkpoint__unpack(NULL, blob_len, blob))) {
                /* Committed, crashed before the snapshot was published: the
                 * records between the two are replayed. A snapshot of an
                 * earlier set is the state this set started from. */
                if (at->set == set && cp_positions_from(conf, at, ep->ep_pos, err, sizeof(err))) {
                        snprintf(errstr, errstr_size, "%s: %s", path, err);
                        rc = -1;
                } else {
                        /* Of an earlier set: nothing of this set's files is
                         * in it, and its Kafka offsets are where this set
                         * began — if it is the state at the end of the set
                         * just before, else records of finished sets lie
                         * between (gap). */
                        bool gap = false;

                        if (at->set != set) {
                                bool kept = !cp_positions_from(conf, at, ep->ep_pos, err,
                                                               sizeof(err));

                                gap = at->set + 1 != set;
                                for (size_t i = 0; i < n; i++) {
                                        gap |= kept && !plans[i].rs_kafka &&
                                               !ep->ep_pos[i].ps_done;
                                        if (kept)
                                                cp_pos_clear_files(&ep->ep_pos[i]);
                                        else
                                                cp_pos_clear(&ep->ep_pos[i]);
                                }
                        }
                        for (size_t i = 0; i < n; i++) {
                                cp_pos_copy(&plans[i].rs_start, &ep->ep_pos[i]);
                                cp_pos_copy(&ep->ep_pos[i], &plans[i].rs_replay);
                        }
                        /* The snapshot still holds what the committed
                         * sweep took out (its removals are committed). */
                        ep->ep_resweep = committed->swept_as_of;
                        rc = 0;
                        if (gap || (!listed && cp_replays_files(plans, n))) {
                                /* A finished set's files are kept, moved or
                                 * deleted, and no longer listed: its records
                                 * cannot be replayed. Going on would forget
                                 * them (and produce their keys again). */
                                snprintf(errstr, errstr_size, "%s: the state snapshot is "
                                         "behind the last committed checkpoint, and the set of "
                                         "files in between is finished: the state cannot be "
                                         "brought up to it. Restore state.dir from a backup, "
                                         "or start afresh with another state.instance "
                                         "(docs/exactly-once.md)", path);
                                rc = -1;
                        } else {
                                cp_log_warn("run", "STATE_REPLAY", "snapshot_epoch=%" PRIu64
                                            " committed_epoch=%" PRIu64 " msg=\"the snapshot is "
                                            "behind the committed checkpoint: replaying the "
                                            "inputs in between without producing\"", snap_epoch,
                                            committed->epoch);
                        }
                }
        } else if (rc != CP_OK && committed->set == 0 && set == 0) {
                /* Damaged or missing, never loaded: a --once run's inputs
                 * are all there, so the state is rebuilt by replaying them. */
                cp_log_warn("run", "STATE_REBUILD", "committed_epoch=%" PRIu64 " msg=\"%s; "
                            "replaying every input from the start without producing up to "
                            "the committed checkpoint\"", committed->epoch, err);
                rc = 0;
        } else {
                snprintf(errstr, errstr_size, "%s", rc != CP_OK
                         ? "no usable state snapshot, and the inputs of the sets read before "
                           "are gone: the state cannot be rebuilt. Restore state.dir from a "
                           "backup (docs/exactly-once.md)"
                         : "the state snapshot does not match the last committed checkpoint "
                           "(it is of a later epoch, or of a finished set): restore state.dir "
                           "from a backup, or start afresh with another state.instance");
                rc = -1;
        }
        if (at)
                credpipe__v1__checkpoint__free_unpacked(at, NULL);
        free(blob);
        return rc;
}

bool cp_resume_replays(const cp_resume_t *rs)
{
        const cp_pos_t *a = &rs->rs_start, *b = &rs->rs_replay;

        if (a->ps_done != b->ps_done || a->ps_records != b->ps_records)
                return true;
        if (!a->ps_file || !b->ps_file)
                return a->ps_file != b->ps_file;
        return strcmp(a->ps_file, b->ps_file) != 0;
}

/* Files in reading order: by path, a Kafka source's partitions by topic
 * and number. */
static int cp_file_cmp(const cp_resume_t *rs, const char *a, const char *b)
{
        return rs->rs_kafka ? cp_kafka_part_cmp(a, b) : strcmp(a, b);
}

bool cp_resume_skip_file(const cp_resume_t *rs, const char *file)
{
        if (rs->rs_start.ps_done)
                return true;
        return rs->rs_start.ps_file && cp_file_cmp(rs, file, rs->rs_start.ps_file) < 0;
}

/* How many of a batch's records, numbered from `first` in their file,
 * lie before the position p (records of files before p.file all do). In
 * a Kafka partition, those at offsets before p's next offset. */
static size_t cp_before(const cp_resume_t *rs, const cp_pos_t *p, const char *file,
                        uint64_t first, const cp_batch_t *bat)
{
        size_t n = bat->bat_n, k = 0;
        int c;

        if (p->ps_done)
                return n;
        if (!p->ps_file)
                return 0;
        c = cp_file_cmp(rs, file, p->ps_file);
        if (c < 0)
                return n;
        if (c > 0)
                return 0;
        if (rs->rs_kafka) {
                while (k < n && bat->bat_rec[k].rec_offset < p->ps_offset)
                        k++;
                return k;
        }
        if (p->ps_records <= first)
                return 0;
        return p->ps_records - first < n ? (size_t)(p->ps_records - first) : n;
}

bool cp_resume_filter(cp_resume_t *rs, const char *file, cp_batch_t *bat)
{
        uint64_t first;
        size_t skip, replay;

        if (rs->rs_file != file) {
                rs->rs_file = file;
                rs->rs_file_records = 0;
        }
        first = rs->rs_file_records;
        rs->rs_file_records += bat->bat_n;
        bat->bat_file = file;
        bat->bat_file_records = rs->rs_file_records;
        if (bat->bat_n) {
                const cp_record_t *last = &bat->bat_rec[bat->bat_n - 1];
                /* A Kafka record's offset is its message's: the next one's
                 * is one more. */
                bat->bat_file_offset = rs->rs_kafka ? last->rec_offset + 1
                                                    : last->rec_offset + last->rec_raw_len;
        }
        skip = cp_before(rs, &rs->rs_start, file, first, bat);
        replay = cp_before(rs, &rs->rs_replay, file, first, bat);
        if (skip) {
                /* Already in the restored state: as if never read. */
                memmove(bat->bat_rec, bat->bat_rec + skip,
                        (bat->bat_n - skip) * sizeof(*bat->bat_rec));
                bat->bat_n -= skip;
        }
        bat->bat_replay = replay > skip ? replay - skip : 0;
        return bat->bat_n > 0;
}

void cp_epoch_track(cp_epoch_t *ep, const cp_batch_t *bat)
{
        cp_pos_t *p = &ep->ep_pos[bat->bat_source];

        if (bat->bat_kind == CP_BATCH_SOURCE_DONE) {
                p->ps_done = true;
                return;
        }
        if (bat->bat_kind != CP_BATCH_RECORDS || !bat->bat_file)
                return;
        if (!p->ps_file || strcmp(p->ps_file, bat->bat_file)) {
                free(p->ps_file);
                p->ps_file = strdup(bat->bat_file);
        }
        p->ps_records = bat->bat_file_records;
        p->ps_offset = bat->bat_file_offset;
        if (ep->ep_conf->conf_sources[bat->bat_source].src_format == CP_FMT_KAFKA)
                cp_pos_kafka_set(p, bat->bat_file, (int64_t)bat->bat_file_offset);
}

bool cp_epoch_due(const cp_epoch_t *ep, int64_t now_ms)
{
        return now_ms >= ep->ep_next_ms;
}

/* Packs the checkpoint of the transform's current positions. */
static uint8_t *cp_checkpoint_pack(const cp_epoch_t *ep, uint64_t epoch, int64_t now_ms,
                                   size_t *len)
{
        const cp_conf_t *conf = ep->ep_conf;
        size_t n = conf->conf_nsources;
        Credpipe__V1__Checkpoint cp = CREDPIPE__V1__CHECKPOINT__INIT;
        Credpipe__V1__SourcePosition sp[n], *spp[n];
        size_t nk = 0, k = 0;
        uint8_t *buf = NULL;

        for (size_t i = 0; i < n; i++)
                nk += ep->ep_pos[i].ps_nkafka;
        Credpipe__V1__KafkaPosition kp[nk ? nk : 1], *kpp[nk ? nk : 1];
        char *topics[nk ? nk : 1];

        cp.schema_version = 1;
        cp.instance = conf->conf_instance;
        cp.epoch = epoch;
        cp.created_at_ms = now_ms;
        cp.sources_fingerprint = cp_sources_fingerprint(conf);
        cp.set = ep->ep_set;
        cp.swept_as_of = ep->ep_swept_as_of;
        for (size_t i = 0; i < n; i++) {
                credpipe__v1__source_position__init(&sp[i]);
                sp[i].source_id = conf->conf_sources[i].src_id;
                sp[i].file = ep->ep_pos[i].ps_file ? ep->ep_pos[i].ps_file : "";
                sp[i].records = ep->ep_pos[i].ps_records;
                sp[i].offset = ep->ep_pos[i].ps_offset;
                sp[i].done = ep->ep_pos[i].ps_done;
                sp[i].role = (uint32_t)conf->conf_sources[i].src_role;
                sp[i].category = (uint32_t)conf->conf_sources[i].src_category;
                sp[i].kafka = &kpp[k];
                for (size_t j = 0; j < ep->ep_pos[i].ps_nkafka; j++, k++) {
                        const cp_kpos_t *q = &ep->ep_pos[i].ps_kafka[j];
                        const char *t;
                        size_t tl;
                        int32_t part;

                        credpipe__v1__kafka_position__init(&kp[k]);
                        topics[k] = NULL;
                        kpp[k] = &kp[k];
                        if (cp_kafka_part_parse(q->kp_part, &t, &tl, &part) ||
                            !(topics[k] = strndup(t, tl)))
                                goto out;
                        kp[k].topic = topics[k];
                        kp[k].partition = part;
                        kp[k].offset = q->kp_next;
                        sp[i].n_kafka++;
                }
                spp[i] = &sp[i];
        }
        cp.positions = spp;
        cp.n_positions = n;
        *len = credpipe__v1__checkpoint__get_packed_size(&cp);
        buf = malloc(*len ? *len : 1);
        if (buf)
                credpipe__v1__checkpoint__pack(&cp, buf);
out:
        for (size_t j = 0; j < k; j++)
                free(topics[j]);
        return buf;
}

int cp_epoch_barrier(cp_epoch_t *ep, cp_transform_t *tf, bool final, int64_t now_ms,
                     cp_batch_t **out, char *errstr, size_t errstr_size)
{
        const cp_conf_t *conf = ep->ep_conf;
        cp_barrier_t *br = calloc(1, sizeof(*br));
        cp_batch_t *bat = cp_batch_new(0, 1);
        char path[4096];
        int rc;

        *out = NULL;
        if (!br || !bat) {
                free(br);
                cp_batch_destroy(bat);
                snprintf(errstr, errstr_size, "out of memory");
                return CP_ERR_NOMEM;
        }
        br->br_epoch = ep->ep_epoch + 1;
        br->br_final = final;
        br->br_checkpoint = cp_checkpoint_pack(ep, br->br_epoch, now_ms, &br->br_len);
        if (!br->br_checkpoint) {
                free(br);
                cp_batch_destroy(bat);
                snprintf(errstr, errstr_size, "out of memory");
                return CP_ERR_NOMEM;
        }
        cp_path(conf, path, sizeof(path), CP_PENDING, br->br_epoch);
        rc = cp_transform_save(tf, path, br->br_epoch, br->br_checkpoint, br->br_len, errstr,
                               errstr_size);
        if (rc) {
                cp_barrier_free(br);
                cp_batch_destroy(bat);
                return rc;
        }
        ep->ep_epoch = br->br_epoch;
        ep->ep_next_ms = now_ms + conf->conf_checkpoint_interval_ms;
        bat->bat_kind = CP_BATCH_BARRIER;
        bat->bat_barrier = br;
        *out = bat;
        return CP_OK;
}

int cp_epoch_commit(const cp_conf_t *conf, cp_sink_t *sk, const cp_barrier_t *br,
                    bool *published, char *errstr, size_t errstr_size)
{
        Credpipe__V1__Checkpoint *cp = credpipe__v1__checkpoint__unpack(NULL, br->br_len,
                                                                         br->br_checkpoint);
        char pending[4096], current[4096], previous[4096];
        int rc, fd;

        *published = false;
        if (!cp) {
                snprintf(errstr, errstr_size, "out of memory");
                return CP_ERR_NOMEM;
        }
        /* Kafka sources: the group's offsets commit with the epoch. */
        rc = CP_OK;
        for (size_t i = 0; rc == CP_OK && i < cp->n_positions; i++) {
                const Credpipe__V1__SourcePosition *sp = cp->positions[i];
                int s = cp_conf_source_index(conf, sp->source_id);

                if (s >= 0 && conf->conf_sources[s].src_kafka && sp->n_kafka)
                        rc = cp_sink_send_offsets(sk, conf->conf_sources[s].src_kafka->ks_group,
                                                  sp->kafka, sp->n_kafka, errstr,
                                                  errstr_size);
        }
        if (rc == CP_OK)
                rc = cp_sink_commit(sk, &cp->base, errstr, errstr_size);
        credpipe__v1__checkpoint__free_unpacked(cp, NULL);
        if (rc)
                return rc;
        /* Committed: the snapshot of this epoch is now the one to load. */
        cp_path(conf, pending, sizeof(pending), CP_PENDING, br->br_epoch);
        cp_path(conf, previous, sizeof(previous), CP_SNAPSHOT_PREV, 0);
        cp_path(conf, current, sizeof(current), CP_SNAPSHOT, 0);
        /* The one before stays, for when this one is found damaged. */
        if (rename(current, previous) && errno != ENOENT)
                cp_log_warn("run", "SNAPSHOT_PUBLISH_FAILED", "path=%s err=\"%s\"", current,
                            strerror(errno));
        if (rename(pending, current)) {
                /* Not fatal: a restart replays from the older snapshot,
                 * as long as the inputs in between are there (the
                 * caller's to keep). */
                cp_log_warn("run", "SNAPSHOT_PUBLISH_FAILED", "path=%s err=\"%s\"", pending,
                            strerror(errno));
        } else {
                *published = true;
                if ((fd = open(conf->conf_state_dir, O_RDONLY | O_DIRECTORY)) >= 0) {
                        fsync(fd);
                        close(fd);
                }
        }
        cp_log_debug("run", "CHECKPOINT_COMMITTED", "epoch=%" PRIu64, br->br_epoch);
        return CP_OK;
}

void cp_barrier_free(cp_barrier_t *br)
{
        if (!br)
                return;
        free(br->br_checkpoint);
        free(br);
}
