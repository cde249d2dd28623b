/*
 * One result vocabulary for the whole daemon (style.md R4/R6).
 *
 * Internal functions return int: CP_OK (0) or a negative CP_ERR_* code.
 * Sizes travel in out-parameters, never mixed with error codes.
 * Constructors return NULL and fill (char *errstr, size_t errstr_size).
 */
#ifndef CP_ERR_H
#define CP_ERR_H

enum {
        CP_OK = 0,
        CP_ERR_IO = -1,       /* reading or writing a file failed */
        CP_ERR_PARSE = -2,    /* input is not in the expected format */
        CP_ERR_CONFIG = -3,   /* configuration is invalid */
        CP_ERR_NOMEM = -4,    /* allocation failed */
        CP_ERR_KAFKA = -5,    /* the Kafka client reported an error */
        CP_ERR_DELIVERY = -6, /* a message was not delivered */
        CP_ERR_CLOSED = -7,   /* queue closed: no more items will come */
        CP_ERR_USAGE = -8,    /* bad command-line usage */
        CP_ERR_LIMIT = -9,    /* a configured limit was exceeded */
};

/** @returns the stable short UPPER name of an error code, e.g. "IO". */
const char *cp_err_name(int code);

#endif
