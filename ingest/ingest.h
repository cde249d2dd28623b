/*
 * File ingest: a source's files, read into batches of records.
 *
 * DESIGN: the caller (the source thread) expands a source's paths once,
 * then reads the files one by one with cp_ingest_file(), which hands each
 * full batch to an emit callback (usually: push onto the transform queue,
 * blocking when it is full, which is the back-pressure). Ingest copies
 * what it reads into the batch's arena and judges only the bytes: a record
 * that cannot be read (bad quoting, wrong field count, invalid UTF-8, not
 * JSON) is still added to its batch, marked rejected with its raw bytes
 * and position, so every input record reaches either the records or the
 * rejects topic. Ingest never interprets a value; transform does.
 *
 * Column mapping, CSV: the header is the first record, among the first
 * CP_INGEST_HEADER_SCAN, that names at least one mapped column (title rows
 * above the header, domain.md §3.9, are skipped and logged). A header cell
 * matches a `columns` name exactly after trimming, or failing that after
 * folding full-width forms, white space and ASCII case (cp_column_fold:
 * 罚款金额（万元） matches 罚款金额(万元)). JSONL keys match the same way,
 * exactly first. When two source columns map to the same field (a preset
 * names a field's code and its Chinese name), the first non-empty one in
 * the record wins. With a preset, a file whose names include a marker of
 * another generation of the field set is read, with a warning.
 */
#ifndef CP_INGEST_H
#define CP_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/record.h"

/* Records searched for the CSV header before the file is refused. */
#define CP_INGEST_HEADER_SCAN 10

/* Stable reject codes ingest sets itself (the readers' codes, from csv.h
 * and jsonl.h, are passed on as they are). */
#define CP_INGEST_E_FIELD_COUNT "csv_field_count"
#define CP_INGEST_E_UTF8 "invalid_utf8"
/* A byte sequence not valid in the source's declared (or detected)
 * encoding; the record is rejected, never altered. */
#define CP_INGEST_E_ENCODING "invalid_encoding"

/**
 * @brief Called with each full batch, and the last partial one (never an
 * empty one). Takes ownership of bat in every case.
 * @returns CP_OK, or an error to stop reading.
 */
typedef int (*cp_ingest_emit_fn)(void *opaque, cp_batch_t *bat);

/**
 * @brief Expands src->src_paths into a sorted (bytewise), de-duplicated
 * list of files. A path with *, ? or [ is a glob(3) pattern: one matching
 * nothing gives no files and is not an error; directories it matches are
 * left out. Any other path must exist and not be a directory. An http
 * source (format http_json) has no paths: its list is empty until
 * cp_ingest_fetch() fills it.
 * @returns CP_OK; CP_ERR_IO with errstr naming the source and the path;
 *          or CP_ERR_NOMEM.
 * @owns *files on success: free with cp_ingest_paths_free().
 */
int cp_ingest_expand(const cp_source_conf_t *src, char ***files,
                     size_t *nfiles, char *errstr, size_t errstr_size);

/** @brief Frees a list from cp_ingest_expand(). NULL is a no-op. */
void cp_ingest_paths_free(char **files, size_t nfiles);

/**
 * @brief For a source that fetches its input (format http_json): fetches
 * every page of every URL once, as its pagination says, spools each page
 * (ingest/http_spool.h), and appends to the list the spooled pages that
 * changed since the last fetch, in fetch order, to be read with
 * cp_ingest_file() like files. A page the server answers 304 Not
 * Modified is left out: its records were read when it changed. A no-op
 * for file formats. Call it in the source's own thread: it takes as long
 * as the portal does (retries and back-off included).
 * @param files, nfiles a list from cp_ingest_expand()
 * @returns CP_OK; CP_ERR_IO (a page could not be fetched or spooled:
 *          errstr names the URL and the HTTP status or error, also
 *          logged as SOURCE_FAILED; the list is left as it was); or
 *          CP_ERR_NOMEM.
 */
int cp_ingest_fetch(const cp_source_conf_t *src, char ***files,
                    size_t *nfiles, char *errstr, size_t errstr_size);

/**
 * @brief cp_ingest_fetch() for exactly-once runs: the pages handed back
 * are recorded as set `set`'s in the spool's state, together with the
 * new validators; while that record is not committed
 * (cp_ingest_fetch_committed), a call for the same set fetches nothing
 * and hands back the same spooled pages (HTTP_SPOOL_REPLAY), so a
 * restart reads the bytes the crashed run read (ingest/http_poll.c).
 * @returns as cp_ingest_fetch(); CP_ERR_IO too when a page to read again
 *          is gone from the spool.
 */
int cp_ingest_fetch_set(const cp_source_conf_t *src, unsigned long long set,
                        char ***files, size_t *nfiles, char *errstr,
                        size_t errstr_size);

/**
 * @brief Records that set `set`'s pages of an http source are committed
 * (their records and a checkpoint past them are in Kafka): the next
 * fetch asks the portal again. A no-op for file formats, and when the
 * spool's record is of another set or committed already.
 * @returns CP_OK, or CP_ERR_IO / CP_ERR_NOMEM with errstr.
 */
int cp_ingest_fetch_committed(const cp_source_conf_t *src,
                              unsigned long long set, char *errstr,
                              size_t errstr_size);

/**
 * @brief Reads one file of a source into batches of up to batch_cap
 * records, each passed to emit.
 * @param source_idx index of src in the configuration (bat_source)
 * @param path borrowed: records point to it (rec_file), so it must outlive
 *        every batch emitted
 * @returns CP_OK when the whole file was read (rejected records included);
 *          CP_ERR_IO (cannot open or read: errstr names the file and the
 *          system error); CP_ERR_CONFIG (no mapped column in the CSV
 *          header: errstr lists them); CP_ERR_NOMEM; or the error emit
 *          returned. On error the batch being filled is discarded; the
 *          batches emitted before stay emitted.
 */
int cp_ingest_file(const cp_source_conf_t *src, uint32_t source_idx,
                   const char *path, size_t batch_cap,
                   cp_ingest_emit_fn emit, void *opaque, char *errstr,
                   size_t errstr_size);

#endif
