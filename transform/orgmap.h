/*
 * Legacy organisation code → the USCC that embeds it (domain.md §1.7.2).
 *
 * DESIGN: entities coded before 2015 kept their 9-character GB 11714 code
 * as positions 9–17 of their USCC, so a record naming only the old code can
 * be joined with records naming the USCC. Every usable USCC transform sees
 * whose subject identifier is a legacy code (not an M… segment) is
 * remembered here; open addressing over the code's 64-bit hash, 32 bytes a
 * code. Resolution therefore works for codes whose USCC appeared earlier in
 * the run; the record then carries the finding `orgcode_resolved`.
 */
#ifndef CP_ORGMAP_H
#define CP_ORGMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cp_orgmap_entry_s {
        uint64_t om_hash;   /* 0: empty slot */
        char om_uscc[18];   /* not NUL-terminated */
} cp_orgmap_entry_t;

typedef struct cp_orgmap_s {
        cp_orgmap_entry_t *om_slots;
        size_t om_cap, om_count;
} cp_orgmap_t;

/** @brief Frees the map (a zeroed map is empty and valid). */
void cp_orgmap_free(cp_orgmap_t *om);

/**
 * @brief Remembers an 18-character USCC under its embedded code (9–17)
 * when that is a legacy code. @returns 0, or CP_ERR_NOMEM.
 */
int cp_orgmap_put(cp_orgmap_t *om, const char *uscc);

/** @brief Finds the USCC embedding a 9-character code into out[19]. */
bool cp_orgmap_get(const cp_orgmap_t *om, const char *orgcode, char *out);

/** @returns the slot cp_orgmap_put(om, uscc) probes first, or NULL. */
const cp_orgmap_entry_t *cp_orgmap_home(const cp_orgmap_t *om, const char *uscc);

/* Starts loading that slot, for a put a little later (a macro for the
 * reason cp_dedupe_prefetch is one). */
#define cp_orgmap_prefetch(om, uscc) __builtin_prefetch(cp_orgmap_home((om), (uscc)))

#endif
