/*
 * Fuzz target for identifier validation and key-field normalisation
 * (transform/ids.c, transform/normalize.c): arbitrary bytes, every kind.
 * Beyond "no crash": valid implies usable, usable implies a normalised
 * form, and every output is NUL-terminated within its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transform/ids.h"
#include "transform/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CP_FUZZ_CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const cp_id_type_t kinds[] = {CP_ID_UNKNOWN, CP_ID_USCC, CP_ID_ORG_CODE,
                                             CP_ID_REG_NO, CP_ID_RIC};
        char *s = malloc(size + 1), out[256];
        cp_id_result_t res;
        int32_t days;
        int64_t fen;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
                cp_id_check(s, strlen(s), kinds[k], &res);
                CP_FUZZ_CHECK(!res.valid || res.usable);
                CP_FUZZ_CHECK(!res.usable || res.normalized[0]);
                CP_FUZZ_CHECK(memchr(res.normalized, 0, sizeof(res.normalized)));
                CP_FUZZ_CHECK(res.valid || res.reason);
        }
        cp_id_mask(s, out, sizeof(out));
        CP_FUZZ_CHECK(memchr(out, 0, sizeof(out)));
        CP_FUZZ_CHECK(cp_norm_docno(s, out, sizeof(out)) < sizeof(out));
        CP_FUZZ_CHECK(cp_norm_caseno(s, out, sizeof(out)) < sizeof(out));
        CP_FUZZ_CHECK(cp_norm_name(s, out, sizeof(out)) < sizeof(out));
        if (cp_norm_date(s, &days) == 1) {
                char iso[11];
                int32_t again;
                cp_norm_date_format(days, iso);
                CP_FUZZ_CHECK(cp_norm_date(iso, &again) == 1 && again == days);
        }
        cp_norm_amount(s, size & 1, &fen);
        free(s);
        return 0;
}
