#include "log_limit.h"

#include <string.h>

/* How often a call looks for windows that ended without another line. */
#define CP_LOG_SWEEP_MS 1000

/* Hashes the names as stored, so a name longer than its slot still finds
 * the slot it was put in. */
static unsigned cp_log_limit_hash(const char *comp, const char *event)
{
        uint32_t h = 2166136261u;  /* FNV-1a */

        for (size_t i = 0; comp[i] && i < sizeof(((cp_log_slot_t *)0)->sl_comp) - 1; i++)
                h = (h ^ (unsigned char)comp[i]) * 16777619u;
        h = (h ^ 0xFF) * 16777619u;
        for (size_t i = 0; event[i] && i < sizeof(((cp_log_slot_t *)0)->sl_event) - 1; i++)
                h = (h ^ (unsigned char)event[i]) * 16777619u;
        return h % CP_LOG_LIMIT_SLOTS;
}

static bool cp_log_limit_is(const cp_log_slot_t *s, const char *comp, const char *event)
{
        return !strncmp(s->sl_comp, comp, sizeof(s->sl_comp) - 1) &&
               !strncmp(s->sl_event, event, sizeof(s->sl_event) - 1);
}

/* Ends the slot's window if it is over, reporting what it dropped. */
static void cp_log_limit_expire(cp_log_limit_t *lm, cp_log_slot_t *s, uint64_t now_ms)
{
        if (now_ms - s->sl_start_ms < lm->lm_window_ms)
                return;
        if (s->sl_dropped && lm->lm_summary)
                lm->lm_summary(s, lm->lm_opaque);
        s->sl_start_ms = now_ms;
        s->sl_count = 0;
        s->sl_dropped = 0;
        s->sl_level = 0;
}

static void cp_log_limit_sweep(cp_log_limit_t *lm, uint64_t now_ms)
{
        if (now_ms < lm->lm_next_sweep_ms)
                return;
        lm->lm_next_sweep_ms = now_ms + CP_LOG_SWEEP_MS;
        for (size_t i = 0; i < CP_LOG_LIMIT_SLOTS; i++)
                if (lm->lm_slot[i].sl_used && lm->lm_slot[i].sl_dropped)
                        cp_log_limit_expire(lm, &lm->lm_slot[i], now_ms);
}

/* @returns the slot of the pair, a new one, or NULL when all are taken
 * by pairs whose windows are still counting. */
static cp_log_slot_t *cp_log_limit_slot(cp_log_limit_t *lm, const char *comp,
                                        const char *event, uint64_t now_ms)
{
        unsigned h = cp_log_limit_hash(comp, event);
        cp_log_slot_t *reuse = NULL;

        for (unsigned k = 0; k < CP_LOG_LIMIT_SLOTS; k++) {
                cp_log_slot_t *s = &lm->lm_slot[(h + k) % CP_LOG_LIMIT_SLOTS];

                if (!s->sl_used) {
                        reuse = s;
                        break;
                }
                if (cp_log_limit_is(s, comp, event))
                        return s;
                /* Never removed, only taken over, so probe chains stay
                 * whole. */
                if (!reuse && !s->sl_dropped &&
                    now_ms - s->sl_start_ms >= lm->lm_window_ms)
                        reuse = s;
        }
        if (!reuse)
                return NULL;
        memset(reuse, 0, sizeof(*reuse));
        strncpy(reuse->sl_comp, comp, sizeof(reuse->sl_comp) - 1);
        strncpy(reuse->sl_event, event, sizeof(reuse->sl_event) - 1);
        reuse->sl_used = true;
        reuse->sl_start_ms = now_ms;
        return reuse;
}

bool cp_log_limit_admit(cp_log_limit_t *lm, const char *comp, const char *event,
                        int level, uint64_t now_ms)
{
        cp_log_slot_t *s;

        if (!lm->lm_burst)
                return true;
        cp_log_limit_sweep(lm, now_ms);
        s = cp_log_limit_slot(lm, comp, event, now_ms);
        if (!s)
                return true;
        cp_log_limit_expire(lm, s, now_ms);
        if (++s->sl_count <= lm->lm_burst)
                return true;
        s->sl_dropped++;
        if (level > s->sl_level)
                s->sl_level = level;
        return false;
}

void cp_log_limit_flush(cp_log_limit_t *lm)
{
        for (size_t i = 0; i < CP_LOG_LIMIT_SLOTS; i++) {
                cp_log_slot_t *s = &lm->lm_slot[i];

                if (!s->sl_used || !s->sl_dropped)
                        continue;
                if (lm->lm_summary)
                        lm->lm_summary(s, lm->lm_opaque);
                s->sl_dropped = 0;
                s->sl_level = 0;
        }
}

void cp_log_limit_clear(cp_log_limit_t *lm)
{
        memset(lm->lm_slot, 0, sizeof(lm->lm_slot));
        lm->lm_next_sweep_ms = 0;
}
