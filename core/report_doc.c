#include "report_doc.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

int cp_report_doc_init(cp_report_doc_t *doc, size_t nsrc)
{
        memset(doc, 0, sizeof(*doc));
        doc->rd_conf = calloc(1, sizeof(*doc->rd_conf));
        if (!doc->rd_conf || cp_report_alloc(&doc->rd_rep, nsrc))
                goto fail;
        doc->rd_conf->conf_sources = calloc(nsrc ? nsrc : 1,
                                            sizeof(*doc->rd_conf->conf_sources));
        if (!doc->rd_conf->conf_sources)
                goto fail;
        doc->rd_conf->conf_nsources = nsrc;
        return CP_OK;
fail:
        cp_report_doc_free(doc);
        return CP_ERR_NOMEM;
}

int cp_report_doc_set_source(cp_report_doc_t *doc, size_t i, const char *id,
                             cp_role_t role, int category)
{
        cp_source_conf_t *src = &doc->rd_conf->conf_sources[i];

        free(src->src_id);
        src->src_id = strdup(id);
        src->src_role = role;
        src->src_category = category;
        return src->src_id ? CP_OK : CP_ERR_NOMEM;
}

int cp_report_doc_find(const cp_report_doc_t *doc, const char *id)
{
        for (size_t i = 0; i < doc->rd_conf->conf_nsources; i++) {
                const char *s = doc->rd_conf->conf_sources[i].src_id;

                if (s && !strcmp(s, id))
                        return (int)i;
        }
        return -1;
}

const char *cp_report_doc_intern(cp_report_doc_t *doc, const char *s)
{
        char **grown, *copy;

        for (size_t i = 0; i < doc->rd_nstrings; i++)
                if (!strcmp(doc->rd_strings[i], s))
                        return doc->rd_strings[i];
        grown = realloc(doc->rd_strings, (doc->rd_nstrings + 1) * sizeof(*grown));
        if (!grown)
                return NULL;
        doc->rd_strings = grown;
        copy = strdup(s);
        if (!copy)
                return NULL;
        doc->rd_strings[doc->rd_nstrings++] = copy;
        return copy;
}

int cp_report_doc_add_reject(cp_report_doc_t *doc, cp_source_stats_t *st,
                             const char *code, uint64_t n)
{
        const char *c = cp_report_doc_intern(doc, code);
        unsigned i;

        if (!c)
                return CP_ERR_NOMEM;
        for (i = 0; i < st->st_nreject_reasons; i++)
                if (st->st_reject_reasons[i].rc_code == c)
                        break;
        if (i == st->st_nreject_reasons) {
                if (i == CP_REJECT_REASONS_MAX) {
                        /* As cp_report_count_reject: the last slot takes the rest. */
                        i = CP_REJECT_REASONS_MAX - 1;
                        st->st_reject_reasons[i].rc_code = "other";
                } else {
                        st->st_reject_reasons[i].rc_code = c;
                        st->st_reject_reasons[i].rc_n = 0;
                        st->st_nreject_reasons++;
                }
        }
        st->st_reject_reasons[i].rc_n += n;
        return CP_OK;
}

void cp_report_doc_set_lag(cp_source_stats_t *st, const int32_t *bounds, size_t nbounds,
                           const uint64_t *counts)
{
        memset(st->st_lag_bucket, 0, sizeof(st->st_lag_bucket));
        for (size_t b = 0; b <= nbounds; b++) {
                int k = CP_LAG_BUCKETS - 1;

                if (b < nbounds)
                        for (k = 0; k < CP_LAG_BUCKETS - 1; k++)
                                if (cp_lag_bounds[k] >= bounds[b])
                                        break;
                st->st_lag_bucket[k] += counts[b];
        }
}

void cp_report_doc_free(cp_report_doc_t *doc)
{
        if (doc->rd_rep.rep_src)
                cp_report_free(&doc->rd_rep);
        cp_conf_destroy(doc->rd_conf);
        for (size_t i = 0; i < doc->rd_nstrings; i++)
                free(doc->rd_strings[i]);
        free(doc->rd_strings);
        memset(doc, 0, sizeof(*doc));
}
