/*
 * credpipe run without --once: the service. It reads the sources' spool
 * folders in sets of complete files until SIGTERM or SIGINT, asks the
 * brokers whether a Kafka source has new messages while no file arrives,
 * and reloads its configuration on SIGHUP (cli/run.h).
 *
 * DESIGN: each set goes through cp_run_set as a --once run does, and only
 * once its last epoch is committed are its files given their fate
 * (cli/spool.h). The signal handlers only set flags: the set being read
 * is cut at the next batch and committed where it stands, and a reload
 * waits for the set's end and a valid configuration, then restarts in the
 * process from the checkpoint just committed (cp_cmd_run).
 */
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "run.h"
#include "core/config.h"
#include "core/log.h"
#include "ingest/ingest.h"
#include "ingest/kafka_source.h"

static volatile sig_atomic_t cp_stop_flag, cp_reload_flag;

static void cp_on_stop(int sig)
{
        (void)sig;
        cp_stop_flag = 1;
}

static void cp_on_reload(int sig)
{
        (void)sig;
        cp_reload_flag = 1;
}

void cp_run_service_signals(void)
{
        struct sigaction sa = {.sa_handler = cp_on_stop};

        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sa.sa_handler = cp_on_reload;
        sigaction(SIGHUP, &sa, NULL);
}

bool cp_run_service_stopping(void)
{
        return cp_stop_flag;
}

/* systemd's watchdog, at most once a second. */
static void cp_watchdog(void)
{
        static int64_t last;
        int64_t now = cp_now_ms(CLOCK_MONOTONIC);

        if (now - last >= 1000) {
                last = now;
                sd_notify(0, "WATCHDOG=1");
        }
}

/*
 * The state kept for cur's sources serves next's: sources may be added and
 * removed, but one that stays keeps its role and category, and a central
 * one stays (cp_conf_source_fits). @returns true, or false with errstr.
 */
static bool cp_sources_fit(const cp_conf_t *cur, const cp_conf_t *next, char *errstr,
                           size_t errstr_size)
{
        for (size_t i = 0; i < cur->conf_nsources; i++) {
                const cp_source_conf_t *s = &cur->conf_sources[i];

                if (cp_conf_source_fits(next, s->src_id, (int)s->src_role, s->src_category,
                                        errstr, errstr_size) == -2)
                        return false;
        }
        return true;
}

/* SIGHUP: the new configuration is validated as a whole, and taken only
 * when it loads, keeps state.dir and its sources fit the state kept.
 * @returns true to reload. */
static bool cp_run_reload_ok(const cp_conf_t *cur, const char *config)
{
        char err[1024];
        cp_conf_t *next = cp_conf_load(config, err, sizeof(err));
        bool ok = false;

        if (!next)
                cp_log_error("run", "CONFIG_RELOAD_FAILED", "msg=\"%s; the running "
                             "configuration stays\"", err);
        else if (!next->conf_state_dir || strcmp(next->conf_state_dir, cur->conf_state_dir))
                cp_log_error("run", "CONFIG_RELOAD_FAILED", "file=%s msg=\"the new "
                             "configuration changes state.dir, which a running instance "
                             "cannot; the running configuration stays\"", config);
        else if (!cp_sources_fit(cur, next, err, sizeof(err)))
                cp_log_error("run", "CONFIG_RELOAD_FAILED", "file=%s msg=\"%s; the running "
                             "configuration stays\"", config, err);
        else
                ok = true;
        cp_conf_destroy(next);
        return ok;
}

/* How often service mode asks the brokers whether a Kafka source has new
 * messages while no file arrives. */
#define CP_KAFKA_PROBE_MS 1000

/*
 * Whether a Kafka source has messages after where the sets read so far
 * left it: then a set starts even without files. Asked at most every
 * CP_KAFKA_PROBE_MS (*last_ms: when it was last asked); a broker that
 * does not answer counts as nothing new (logged by librdkafka).
 * @locality between sets (the positions are the transform's otherwise)
 */
static bool cp_run_kafka_pending(cp_run_t *run, const cp_ingest_arg_t *iargs, int64_t *last_ms)
{
        int64_t now = cp_now_ms(CLOCK_MONOTONIC);
        bool pending = false;

        if (now - *last_ms < CP_KAFKA_PROBE_MS)
                return false;
        *last_ms = now;
        for (size_t i = 0; i < run->conf->conf_nsources && !pending; i++) {
                const cp_source_conf_t *src = &run->conf->conf_sources[i];
                const cp_pos_t *p = &run->epoch->ep_pos[i];
                char *names[p->ps_nkafka ? p->ps_nkafka : 1];
                int64_t next[p->ps_nkafka ? p->ps_nkafka : 1];
                char err[512];

                if (!src->src_kafka)
                        continue;
                for (size_t k = 0; k < p->ps_nkafka; k++) {
                        names[k] = p->ps_kafka[k].kp_part;
                        next[k] = p->ps_kafka[k].kp_next;
                        /* Past the last record: transaction markers after
                         * it, which the last set's reading stepped over. */
                        for (size_t f = 0; iargs[i].knext && f < iargs[i].nfiles; f++)
                                if (!strcmp(iargs[i].files[f], names[k]) &&
                                    iargs[i].knext[f] > next[k])
                                        next[k] = iargs[i].knext[f];
                }
                switch (cp_kafka_pending(src, run->conf, run->brokers, names, next,
                                         p->ps_nkafka, err, sizeof(err))) {
                case 1:
                        pending = true;
                        break;
                case -1:  /* rate-limited by the logger while it lasts */
                        cp_log_warn("run", "KAFKA_PROBE_FAILED", "source=%s msg=\"%s; asked "
                                    "again in a second\"", src->src_id, err);
                        break;
                }
        }
        return pending;
}

int cp_run_service(cp_run_t *run, cp_sink_t *sk, cp_ingest_arg_t *iargs,
                   cp_report_t *rep, cp_spool_t *spool,
                   const Credpipe__V1__Checkpoint *committed, const char *config,
                   bool *reload)
{
        cp_epoch_t *ep = run->epoch;
        size_t n = run->conf->conf_nsources;
        uint64_t next = (committed ? committed->set : 0) + 1;
        bool resumed = spool->sp_set != 0, final_committed;
        int64_t probe_ms = 0;
        char err[1024];
        int rc = 0;

        if (spool->sp_set >= next)
                next = spool->sp_set + 1;
        /* The restored counts, for /metrics and the report at the end,
         * before any set is read. */
        cp_run_snapshot(run);
        run->stop = &cp_stop_flag;
        run->watchdog = cp_watchdog;
        sd_notify(0, "READY=1\nSTATUS=reading the spool folders");
        cp_log_info("run", "SERVICE_READY", "instance=%s msg=\"watching the sources' paths; "
                    "SIGTERM stops, SIGHUP reloads the configuration\"",
                    run->conf->conf_instance);
        while (!cp_stop_flag) {
                cp_watchdog();
                if (cp_reload_flag) {
                        cp_reload_flag = 0;
                        if (cp_run_reload_ok(run->conf, config)) {
                                *reload = true;
                                break;
                        }
                }
                if (!spool->sp_set) {
                        bool kafka = cp_run_kafka_pending(run, iargs, &probe_ms);
                        int t = cp_spool_take(spool, next, kafka, err, sizeof(err));

                        if (t < 0) {
                                cp_log_error("run", "SPOOL_FAILED", "msg=\"%s\"", err);
                                rc = 1;
                                break;
                        }
                        if (t == 0) {
                                if (cp_run_idle_sweep(run, sk, rep)) {
                                        rc = 1;
                                        break;
                                }
                                /* Woken by a file renamed or written into a
                                 * folder, else to look again: settle and the
                                 * signals are checked at least this often. */
                                cp_spool_wait(spool, 200);
                                continue;
                        }
                        next = spool->sp_set + 1;
                        cp_epoch_new_set(ep, spool->sp_set);
                        run->replaying = 0;
                        for (size_t i = 0; i < n; i++)
                                cp_resume_new_set(&iargs[i].resume, ep, i);
                } else if (resumed && committed && committed->set == spool->sp_set &&
                           cp_run_set_done(ep) && !run->replaying) {
                        /* Committed before the crash; only the files' fate
                         * was left to do. (With a snapshot behind, the set
                         * is run: its replay brings the state up.) */
                        resumed = false;
                        if (cp_run_http_committed(run) ||
                            cp_spool_finish(spool, err, sizeof(err))) {
                                cp_log_error("run", "SPOOL_FAILED", "msg=\"%s\"", err);
                                rc = 1;
                                break;
                        }
                        continue;
                }
                resumed = false;
                for (size_t i = 0; i < n; i++) {
                        cp_ingest_paths_free(iargs[i].files, iargs[i].nfiles);
                        iargs[i].files = cp_spool_paths(spool, i, &iargs[i].nfiles);
                        iargs[i].expand_failed = 0;
                }
                if (cp_run_set(run, sk, iargs, NULL, rep, &final_committed)) {
                        rc = 1;
                        break;
                }
                if (!final_committed) {
                        cp_log_error("run", "NOT_COMMITTED", "msg=\"the set's last epoch was "
                                     "not committed; a restart resumes from the last "
                                     "checkpoint\"");
                        rc = 1;
                        break;
                }
                if (!cp_run_set_done(ep))
                        break;  /* stopped: the rest of the set waits for a restart */
                if (!run->final_published) {
                        cp_log_error("run", "SET_NOT_FINISHED", "set=%" PRIu64 " msg=\"the "
                                     "set is committed but its state snapshot could not be "
                                     "published (see SNAPSHOT_PUBLISH_FAILED): its files stay "
                                     "where they are and a restart replays them; mend "
                                     "state.dir and start again\"", spool->sp_set);
                        rc = 1;
                        break;
                }
                if (cp_run_http_committed(run) ||
                    cp_spool_finish(spool, err, sizeof(err))) {
                        cp_log_error("run", "SPOOL_FAILED", "msg=\"%s\"", err);
                        rc = 1;
                        break;
                }
        }
        sd_notify(0, "STOPPING=1");
        cp_log_info("run", "SERVICE_STOP", "reload=%d msg=\"%s\"", *reload ? 1 : 0,
                    *reload ? "reloading the configuration" : "stopped");
        return rc;
}
