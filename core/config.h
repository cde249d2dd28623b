/*
 * Configuration: one YAML file, validated as a whole before anything starts.
 *
 * DESIGN: the loader turns the YAML document into cp_conf_t or fails with a
 * message naming the file, the line and the key. Unknown keys are errors,
 * so typos never pass silently. Relative paths are resolved against the
 * directory of the configuration file. The schema table of
 * core/config_schema.c lists every key (the loader takes the keys, ranges,
 * values and numeric defaults from it); docs/configuration.md's tables of
 * keys are generated from it.
 */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Defaults of the `topics` keys, also created up front by `credpipe broker`. */
#define CP_DEFAULT_TOPIC_RECORDS "credpipe.records"
#define CP_DEFAULT_TOPIC_REJECTS "credpipe.rejects"
#define CP_DEFAULT_TOPIC_SHARING "credpipe.sharing"
#define CP_DEFAULT_TOPIC_CHECKPOINTS "credpipe.checkpoints"
#define CP_DEFAULT_PARTITIONS 6

/* Sources seen by a key are a 64-bit mask in the dedupe table, whose top
 * bit stands for sources no longer configured (transform/dedupe.h). */
#define CP_MAX_SOURCES 63

typedef enum cp_format_e {
        CP_FMT_CSV = 1,
        CP_FMT_JSONL = 2,
        CP_FMT_XLSX = 3,
        CP_FMT_HTTP_JSON = 4,  /* JSON pages fetched over HTTP (cp_http_conf_t) */
        CP_FMT_KAFKA = 5,      /* messages of Kafka topics (cp_kafka_src_conf_t) */
} cp_format_t;

/* Same numbers as credpipe.v1.SourceKind. */
typedef enum cp_role_e {
        CP_ROLE_SECTORAL = 1,
        CP_ROLE_MUNICIPAL = 2,
        CP_ROLE_CENTRAL = 3,   /* the reference every other source is joined to */
} cp_role_t;

typedef enum cp_amount_unit_e {
        CP_UNIT_YUAN = 0,
        CP_UNIT_WAN_YUAN = 1,  /* 10,000 yuan, as the shuang gongshi columns */
} cp_amount_unit_t;

/* Character encoding of a source's files; ingest decodes to UTF-8. */
typedef enum cp_encoding_e {
        CP_ENC_UTF8 = 0,       /* read as is (the default) */
        CP_ENC_GB18030 = 1,    /* also `gbk`: GB18030 is its superset */
        CP_ENC_UTF16LE = 2,
        CP_ENC_UTF16BE = 3,
        CP_ENC_AUTO = 4,       /* detected per file (ingest/linebuf.h) */
} cp_encoding_t;

/* What service mode does with a file once its records are committed. */
typedef enum cp_done_e {
        CP_DONE_KEEP = 0,      /* leave it; its content hash keeps it from being read again */
        CP_DONE_DELETE,
        CP_DONE_MOVE,          /* into src_done_dir */
} cp_done_t;

struct cp_preset_s;

/* ---- http sources (format http_json): the `http` mapping of a source ---- */

/* How a URL's pages follow each other. */
typedef enum cp_paging_e {
        CP_PAGING_NONE = 0,    /* one page per URL */
        CP_PAGING_PAGE = 1,    /* {page} in the URL counts up from `first` */
        CP_PAGING_CURSOR = 2,  /* the page names the next one's cursor */
} cp_paging_t;

typedef struct cp_http_conf_s {
        char **hc_urls;           /* http:// or https:// only */
        size_t hc_nurls;
        char *hc_records;         /* dotted path to the record array; ""
                                   * when the page itself is the array */
        cp_paging_t hc_paging;
        long hc_first;            /* page: number of the first page */
        int hc_max_pages;         /* pages per URL, at most */
        char *hc_next;            /* cursor: dotted path of the next cursor */
        char *hc_param;           /* cursor: query parameter that carries it */
        int hc_retries;           /* retries of a transient failure */
        int hc_timeout_ms;        /* per request, connecting included */
        int hc_backoff_ms;        /* first retry's wait; doubles each time */
        char *hc_spool;           /* absolute directory of pages and state */
} cp_http_conf_t;

/* ---- end of http sources ---- */

/* ---- kafka sources (format kafka): the `kafka` mapping of a source ---- */

/* What one message of an input topic holds: one record. */
typedef enum cp_kafka_value_e {
        CP_KVAL_CSV = 1,       /* one CSV line, columns named by ks_csv_header */
        CP_KVAL_JSON = 2,      /* one JSON object, mapped as a JSON Lines line */
        CP_KVAL_PROTOBUF = 3,  /* a packed credpipe.v1.CreditRecord */
} cp_kafka_value_t;

typedef struct cp_kafka_src_conf_s {
        char **ks_topics;         /* read in name order, partitions in number order */
        size_t ks_ntopics;
        char *ks_group;           /* consumer group whose offsets credpipe commits */
        cp_kafka_value_t ks_value;
        char *ks_csv_header;      /* csv: the column names, one CSV line */
        char *ks_brokers;         /* NULL: the run's brokers */
} cp_kafka_src_conf_t;

/* ---- end of kafka sources ---- */

/* One "source column: canonical field" line of a source's columns map, or
 * a row of its preset. */
typedef struct cp_column_map_s {
        char *cm_column;  /* the source's column name (CSV header, JSON key) */
        int cm_field;     /* cp_field_t */
} cp_column_map_t;

/* A "kafka.<property>: value" passthrough to librdkafka. */
typedef struct cp_kv_s {
        char *kv_key;
        char *kv_value;
} cp_kv_t;

typedef struct cp_source_conf_s {
        char *src_id;             /* unique, [A-Za-z0-9_.-]+ */
        cp_role_t src_role;
        int src_category;         /* credpipe.v1.Category value */
        char *src_region;         /* region code, may be NULL */
        cp_format_t src_format;
        char **src_paths;         /* absolute paths or glob patterns */
        size_t src_npaths;
        /* The explicit `columns` first, then the rows of the preset they do
         * not override: ingest gives a header cell to the first name that
         * matches it. One field may have several columns only through a
         * preset. */
        cp_column_map_t *src_columns;
        size_t src_ncolumns;
        const struct cp_preset_s *src_preset;  /* core/presets.h, or NULL */
        char src_delimiter;       /* CSV only; default ',' */
        char **src_sheets;        /* xlsx: sheets to read; none: the first */
        size_t src_nsheets;
        cp_amount_unit_t src_amount_unit;
        bool src_keep_unmapped;   /* carry unmapped columns in `extra` */
        int src_excel_date_system; /* 1900 or 1904: bare numbers in date
                                    * fields are Excel serials; 0: they are not */
        cp_encoding_t src_encoding; /* of its files; default utf-8 */
        char **src_regimes;       /* publication_rules: regimes; none: the default */
        size_t src_nregimes;
        bool src_has_rating_scale; /* rating_scale given */
        cp_done_t src_done;       /* service mode: a file's fate once committed */
        char *src_done_dir;       /* for CP_DONE_MOVE */
        double src_rating_min, src_rating_max, src_rating_baseline;
        cp_http_conf_t *src_http; /* format http_json only, else NULL */
        cp_kafka_src_conf_t *src_kafka; /* format kafka only, else NULL */
        int src_line;             /* line of the source in the config file */
} cp_source_conf_t;

typedef struct cp_conf_s {
        char *conf_path;          /* the file it was read from */
        char *conf_brokers;       /* NULL: start the embedded broker */
        char *conf_uscc_categories; /* USCC department/category table, or NULL */
        char *conf_as_of;         /* completeness.as_of, YYYY-MM-DD, or NULL: today */
        char *conf_rules;         /* completeness.rules file, or NULL: built in */
        char *conf_topic_records;
        char *conf_topic_rejects;
        char *conf_topic_sharing;
        char *conf_topic_checkpoints;
        /* state: exactly-once processing; conf_state_dir NULL: off */
        char *conf_state_dir;
        char *conf_instance;      /* transactional.id is "credpipe-" + this */
        int conf_checkpoint_interval_ms;
        int conf_settle_ms;       /* state.settle: a file unchanged this long is complete */
        int conf_partitions;      /* partitions of topics credpipe creates */
        int conf_replication;     /* replication factor of those topics */
        int conf_batch_records;   /* records per batch, and per message */
        int conf_zstd_level;
        int conf_queue_batches;   /* capacity of each inter-stage queue */
        int conf_delivery_timeout_ms;
        cp_kv_t *conf_kafka;      /* librdkafka properties */
        size_t conf_nkafka;
        cp_source_conf_t *conf_sources;
        size_t conf_nsources;
        /* pseudonymize.key_file, read once by the loader. A key means resident
         * IDs are replaced by keyed pseudonyms in the output (transform) and
         * masked in rejects (sink); NULL means pseudonymisation is off. */
        char *conf_pseudonym_key_file;
        unsigned char *conf_pseudonym_key;
        size_t conf_pseudonym_key_len;
        /* ---- metrics and report ---- */
        char *conf_metrics_listen;    /* metrics.listen "HOST:PORT"; NULL: off */
        int conf_report_interval_ms;  /* report.interval: SharingReport period */
        /* ---- end of metrics and report ---- */
} cp_conf_t;

/**
 * @brief Reads and validates a configuration file.
 * @returns the configuration, or NULL with errstr naming file, line and key.
 * @owns the result: free with cp_conf_destroy().
 */
cp_conf_t *cp_conf_load(const char *path, char *errstr, size_t errstr_size);

/** @brief Frees a configuration. NULL is a no-op. */
void cp_conf_destroy(cp_conf_t *conf);

/** @returns the index of the source with that id, or -1. */
int cp_conf_source_index(const cp_conf_t *conf, const char *id);

/**
 * @brief Finds where a source that state was kept for (a snapshot's, a
 * checkpoint's, the running configuration's) stands in conf. Sources may
 * come and go between runs and reloads; one that stays must keep its role
 * and category, or the counts and joins kept for it would mean something
 * else.
 * @param role, category as the state recorded them; 0 when it did not
 *        (then only the id is matched)
 * @returns its index in conf; -1 when conf no longer has it; -2 when it
 *          has it in another role or category, or when it was a central
 *          source and is gone (errstr says so and what to do).
 */
int cp_conf_source_fits(const cp_conf_t *conf, const char *id, int role, int category,
                        char *errstr, size_t errstr_size);

/** @returns whether the source's records can carry canonical field f: a
 * column (or preset row) maps it, or the source reads CreditRecord
 * messages, which carry every field. */
bool cp_conf_source_has_field(const cp_source_conf_t *src, int f);

/** @returns the config name of a category ("admin_penalty"), or "?". */
const char *cp_category_name(int category);

/** @returns a category value from its config name, or -1. */
int cp_category_by_name(const char *name);

/** @returns "sectoral", "municipal" or "central". */
const char *cp_role_name(cp_role_t role);

#endif
