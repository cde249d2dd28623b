#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log_limit.h"
#include "log_render.h"
#include "log_spec.h"
#include "pii.h"

/* What a call site formats; longer is cut and marked truncated=true. */
#define CP_LOG_TAIL_MAX 4096
/* A finished line: the worst case is every tail byte escaped as \u00XX,
 * plus the fixed members and the quotes and names of 64 fields. */
#define CP_LOG_LINE_MAX (6 * CP_LOG_TAIL_MAX + 8192)
/* Component and event names, sanitised to [A-Za-z0-9_.-]. */
#define CP_LOG_NAME_MAX 64

static const char *const cp_log_names[] = {"debug", "info", "warn", "error"};

static uint64_t cp_log_mono_ms(void);
static void cp_log_summary(const cp_log_slot_t *slot, void *opaque);

/* Everything below is guarded by cp_log_lock, except cp_log_floor, which
 * lets a call below every enabled level return without taking it. */
static pthread_mutex_t cp_log_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int cp_log_floor = CP_LOG_INFO;
static cp_log_spec_t cp_log_specs[3] = {{.ls_default = CP_LOG_INFO}};
static bool cp_log_spec_set[3] = {true, false, false};
static cp_log_spec_t cp_log_eff = {.ls_default = CP_LOG_INFO};
static int cp_log_formats[3] = {CP_LOG_LOGFMT, -1, -1};
static int cp_log_fmt = CP_LOG_LOGFMT;
static FILE *cp_log_out;  /* NULL: stderr */
static uint64_t (*cp_log_clock)(void) = cp_log_mono_ms;
static cp_log_limit_t cp_log_lim = {.lm_burst = CP_LOG_RATE_BURST,
                                    .lm_window_ms = CP_LOG_RATE_WINDOW_MS,
                                    .lm_summary = cp_log_summary};
/* One line is built at a time, under the lock: no big stack frames in
 * librdkafka's threads, no allocation. */
static char cp_log_tail[CP_LOG_TAIL_MAX];
static char cp_log_line[CP_LOG_LINE_MAX];
static cp_log_pair_t cp_log_pairs[CP_LOG_PAIRS_MAX];

static uint64_t cp_log_mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Makes the highest origin that is set the one in force. Locked. */
static void cp_log_apply(void)
{
        for (int o = CP_LOG_FROM_CLI; o >= CP_LOG_FROM_DEFAULT; o--)
                if (cp_log_spec_set[o]) {
                        cp_log_eff = cp_log_specs[o];
                        break;
                }
        for (int o = CP_LOG_FROM_CLI; o >= CP_LOG_FROM_DEFAULT; o--)
                if (cp_log_formats[o] >= 0) {
                        cp_log_fmt = cp_log_formats[o];
                        break;
                }
        atomic_store_explicit(&cp_log_floor, cp_log_spec_floor(&cp_log_eff),
                              memory_order_relaxed);
}

void cp_log_set_level(cp_log_level_t level)
{
        pthread_mutex_lock(&cp_log_lock);
        cp_log_specs[CP_LOG_FROM_DEFAULT] = (cp_log_spec_t){.ls_default = (int)level};
        cp_log_apply();
        pthread_mutex_unlock(&cp_log_lock);
}

int cp_log_level_by_name(const char *name)
{
        for (int i = 0; name && i <= CP_LOG_ERROR; i++)
                if (!strcasecmp(name, cp_log_names[i]))
                        return i;
        return -1;
}

int cp_log_check_spec(const char *spec, char *errstr, size_t errstr_size)
{
        cp_log_spec_t sp;

        return cp_log_spec_parse(spec, CP_LOG_INFO, &sp, errstr, errstr_size);
}

int cp_log_set_spec(cp_log_origin_t origin, const char *spec, char *errstr,
                    size_t errstr_size)
{
        cp_log_spec_t sp = {.ls_default = CP_LOG_INFO};

        if (spec && cp_log_spec_parse(spec, CP_LOG_INFO, &sp, errstr, errstr_size))
                return -1;
        pthread_mutex_lock(&cp_log_lock);
        cp_log_specs[origin] = sp;
        /* The default origin is never unset: clearing it means info. */
        cp_log_spec_set[origin] = spec || origin == CP_LOG_FROM_DEFAULT;
        cp_log_apply();
        pthread_mutex_unlock(&cp_log_lock);
        return 0;
}

int cp_log_format_by_name(const char *name)
{
        if (name && !strcasecmp(name, "logfmt"))
                return CP_LOG_LOGFMT;
        if (name && !strcasecmp(name, "json"))
                return CP_LOG_JSON;
        return -1;
}

int cp_log_set_format(cp_log_origin_t origin, const char *name, char *errstr,
                      size_t errstr_size)
{
        int format = name ? cp_log_format_by_name(name) : -1;

        if (name && format < 0) {
                snprintf(errstr, errstr_size, "unknown log format '%s' (formats: "
                         "logfmt, json)", name);
                return -1;
        }
        pthread_mutex_lock(&cp_log_lock);
        /* The default origin is never unset: clearing it means logfmt. */
        cp_log_formats[origin] = format < 0 && origin == CP_LOG_FROM_DEFAULT
                                 ? CP_LOG_LOGFMT : format;
        cp_log_apply();
        pthread_mutex_unlock(&cp_log_lock);
        return 0;
}

bool cp_log_enabled(cp_log_level_t level, const char *comp)
{
        bool on;

        if ((int)level < atomic_load_explicit(&cp_log_floor, memory_order_relaxed))
                return false;
        pthread_mutex_lock(&cp_log_lock);
        on = (int)level >= cp_log_spec_level(&cp_log_eff, comp ? comp : "");
        pthread_mutex_unlock(&cp_log_lock);
        return on;
}

void cp_log_set_output(FILE *fp)
{
        pthread_mutex_lock(&cp_log_lock);
        cp_log_out = fp;
        pthread_mutex_unlock(&cp_log_lock);
}

void cp_log_set_rate_limit(unsigned burst, unsigned window_ms)
{
        pthread_mutex_lock(&cp_log_lock);
        cp_log_lim.lm_burst = burst;
        cp_log_lim.lm_window_ms = window_ms;
        cp_log_limit_clear(&cp_log_lim);
        pthread_mutex_unlock(&cp_log_lock);
}

void cp_log_set_clock(uint64_t (*now_ms)(void))
{
        pthread_mutex_lock(&cp_log_lock);
        cp_log_clock = now_ms ? now_ms : cp_log_mono_ms;
        cp_log_limit_clear(&cp_log_lim);
        pthread_mutex_unlock(&cp_log_lock);
}

void cp_log_flush(void)
{
        pthread_mutex_lock(&cp_log_lock);
        cp_log_limit_flush(&cp_log_lim);
        pthread_mutex_unlock(&cp_log_lock);
}

void cp_log_reset(void)
{
        pthread_mutex_lock(&cp_log_lock);
        memset(cp_log_specs, 0, sizeof(cp_log_specs));
        for (int o = 0; o < 3; o++) {
                cp_log_specs[o].ls_default = CP_LOG_INFO;
                cp_log_spec_set[o] = o == CP_LOG_FROM_DEFAULT;
                cp_log_formats[o] = o == CP_LOG_FROM_DEFAULT ? CP_LOG_LOGFMT : -1;
        }
        cp_log_apply();
        cp_log_out = NULL;
        cp_log_clock = cp_log_mono_ms;
        cp_log_lim.lm_burst = CP_LOG_RATE_BURST;
        cp_log_lim.lm_window_ms = CP_LOG_RATE_WINDOW_MS;
        cp_log_limit_clear(&cp_log_lim);
        pthread_mutex_unlock(&cp_log_lock);
}

/* Copies a component or event name with anything but [A-Za-z0-9_.-] as
 * '_', so that it needs no quoting or escaping in either format. */
static void cp_log_name(char *out, size_t outsz, const char *name, bool upper)
{
        size_t i = 0;

        for (; name && name[i] && i + 1 < outsz; i++) {
                char c = name[i];

                if (upper && c >= 'a' && c <= 'z')
                        c = (char)(c - 'a' + 'A');
                out[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'
                         ? c : '_';
        }
        out[i] = '\0';
        if (!i && outsz > 1)
                strcpy(out, "_");
}

/* Whether s may hold a resident ID, which needs 17 digits in a row, ASCII
 * or full-width (UTF-8 0xEF 0xBC ...): a scan much quicker than
 * cp_pii_mask_rics, which most lines then skip. */
static bool cp_log_may_hold_ric(const char *s, size_t n)
{
        size_t run = 0;

        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c >= '0' && c <= '9') {
                        if (++run >= CP_PII_RIC_LEN - 1)
                                return true;
                } else if (c == 0xEF) {
                        return true;
                } else {
                        run = 0;
                }
        }
        return false;
}

/* Writes one line from the first len bytes of cp_log_tail; cut: the call
 * site's text was longer. Locked. */
static void cp_log_emit(int level, const char *comp, const char *event, size_t len,
                        bool cut)
{
        char cname[CP_LOG_NAME_MAX], ename[CP_LOG_NAME_MAX], ts[40];
        cp_log_head_t h = {.lh_ts = ts, .lh_level = cp_log_names[level],
                           .lh_comp = cname, .lh_event = ename};
        cp_log_buf_t b = {.lb_p = cp_log_line, .lb_cap = sizeof(cp_log_line) - 1};
        size_t np;
        struct timespec now;
        struct tm tm;
        FILE *out = cp_log_out ? cp_log_out : stderr;

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ldZ",
                 now.tv_nsec / 1000000);
        cp_log_name(cname, sizeof(cname), comp, false);
        cp_log_name(ename, sizeof(ename), event, false);
        /* Masks resident IDs in what the call site passed, before escapes
         * could put digits next to them (\u0001 then an ID is one run of
         * 22 digits, which is no ID), and again in the finished line. */
        cp_log_tail[len] = '\0';
        if (cp_log_may_hold_ric(cp_log_tail, len))
                cp_pii_mask_rics(cp_log_tail, len, cp_log_tail, &len, NULL, NULL);
        np = cp_log_parse_tail(cp_log_tail, len, cp_log_pairs, CP_LOG_PAIRS_MAX - 1);
        if (cut)
                cp_log_pairs[np++] = (cp_log_pair_t){.lp_key = "truncated", .lp_klen = 9,
                                                     .lp_val = "true", .lp_vlen = 4};
        for (int attempt = 0; attempt < 2; attempt++) {
                b.lb_len = 0;
                b.lb_full = false;
                if (cp_log_fmt == CP_LOG_JSON)
                        cp_log_render_json(&b, &h, cp_log_pairs, np);
                else
                        cp_log_render_logfmt(&b, &h, cp_log_pairs, np);
                if (!b.lb_full)
                        break;
                /* Cannot happen with the sizes above; if it does, the
                 * event still shows, without its fields. */
                cp_log_pairs[0] = (cp_log_pair_t){.lp_key = "truncated", .lp_klen = 9,
                                                  .lp_val = "true", .lp_vlen = 4};
                np = 1;
        }
        if (cp_log_may_hold_ric(cp_log_line, b.lb_len))
                cp_pii_mask_rics(cp_log_line, b.lb_len, cp_log_line, &b.lb_len, NULL, NULL);
        cp_log_line[b.lb_len++] = '\n';
        /* One write per line, under the lock: lines never interleave. */
        fwrite(cp_log_line, 1, b.lb_len, out);
        fflush(out);
}

/* vsnprintf's result as what cp_log_emit takes. */
static size_t cp_log_tail_len(int n, bool *cut)
{
        *cut = n < 0 || (size_t)n >= sizeof(cp_log_tail);
        return n < 0 ? 0 : *cut ? sizeof(cp_log_tail) - 1 : (size_t)n;
}

static void cp_log_summary(const cp_log_slot_t *slot, void *opaque)
{
        bool cut;
        size_t len;
        int n;

        (void)opaque;
        n = snprintf(cp_log_tail, sizeof(cp_log_tail),
                     "msg=\"repeated lines not written (rate limit)\" "
                     "suppressed_event=%s count=%u window_ms=%u", slot->sl_event,
                     slot->sl_dropped, cp_log_lim.lm_window_ms);
        len = cp_log_tail_len(n, &cut);
        cp_log_emit(slot->sl_level, slot->sl_comp, CP_LOG_EVENT_SUPPRESSED, len, cut);
}

/* Level filter and rate limit, before any formatting. Locked. */
static bool cp_log_admit(int level, const char *comp, const char *event)
{
        return level >= cp_log_spec_level(&cp_log_eff, comp) &&
               cp_log_limit_admit(&cp_log_lim, comp, event, level, cp_log_clock());
}

static int cp_log_clamp(int level)
{
        return level < CP_LOG_DEBUG ? CP_LOG_DEBUG : level > CP_LOG_ERROR ? CP_LOG_ERROR
                                                                        : level;
}

void cp_log(cp_log_level_t level, const char *comp, const char *event,
            const char *fmt, ...)
{
        int lv = cp_log_clamp((int)level), n;
        bool cut;
        va_list ap;

        if (lv < atomic_load_explicit(&cp_log_floor, memory_order_relaxed))
                return;
        comp = comp ? comp : "";
        event = event ? event : "";
        pthread_mutex_lock(&cp_log_lock);
        if (cp_log_admit(lv, comp, event)) {
                size_t len;

                va_start(ap, fmt);
                n = vsnprintf(cp_log_tail, sizeof(cp_log_tail), fmt ? fmt : "", ap);
                va_end(ap);
                len = cp_log_tail_len(n, &cut);
                cp_log_emit(lv, comp, event, len, cut);
        }
        pthread_mutex_unlock(&cp_log_lock);
}

void cp_log_syslog(int syslog_level, const char *comp, const char *prefix,
                   const char *facility, const char *client, const char *text)
{
        int lv = syslog_level <= 3 ? CP_LOG_ERROR : syslog_level == 4 ? CP_LOG_WARN
                 : syslog_level <= 6 ? CP_LOG_INFO : CP_LOG_DEBUG;
        char event[CP_LOG_NAME_MAX];
        size_t o = 0;
        bool cut = false;

        if (lv < atomic_load_explicit(&cp_log_floor, memory_order_relaxed))
                return;
        comp = comp ? comp : "";
        snprintf(event, sizeof(event), "%s", prefix ? prefix : "");
        o = strlen(event);
        cp_log_name(event + o, sizeof(event) - o, facility, true);
        pthread_mutex_lock(&cp_log_lock);
        if (!cp_log_admit(lv, comp, event)) {
                pthread_mutex_unlock(&cp_log_lock);
                return;
        }
        /* The text becomes a quoted value of the tail grammar, escaped so
         * that it reads back exactly, whatever quotes it holds. */
        o = (size_t)snprintf(cp_log_tail, sizeof(cp_log_tail), "msg=\"");
        for (const char *s = text ? text : ""; *s; s++) {
                if (o + 4 >= sizeof(cp_log_tail)) {
                        cut = true;
                        break;
                }
                if (*s == '"' || *s == '\\')
                        cp_log_tail[o++] = '\\';
                cp_log_tail[o++] = *s;
        }
        cp_log_tail[o++] = '"';
        cp_log_tail[o] = '\0';
        if (client && !cut) {
                o += (size_t)snprintf(cp_log_tail + o, sizeof(cp_log_tail) - o,
                                      " client=\"%s\"", client);
                if (o >= sizeof(cp_log_tail)) {
                        o = sizeof(cp_log_tail) - 1;
                        cut = true;
                }
        }
        cp_log_emit(lv, comp, event, o, cut);
        pthread_mutex_unlock(&cp_log_lock);
}
