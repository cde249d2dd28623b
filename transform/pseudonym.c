/*
 * HMAC-SHA256 through OpenSSL 3's EVP_MAC interface.
 *
 * DESIGN: the MAC and its context are fetched once; each call re-keys the
 * context (EVP_MAC_init with the key), which costs two SHA-256 blocks and
 * no allocation. The one-shot HMAC() would fetch the algorithm on every
 * call, and the HMAC_CTX functions are deprecated in OpenSSL 3.
 */
#include "pseudonym.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct cp_pseudonym_s {
        EVP_MAC *ps_mac;
        EVP_MAC_CTX *ps_ctx;
        unsigned char *ps_key;
        size_t ps_key_len;
};

cp_pseudonym_t *cp_pseudonym_new(const void *key, size_t key_len,
                                 char *errstr, size_t errstr_size)
{
        cp_pseudonym_t *ps;
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                OSSL_PARAM_construct_end(),
        };

        if (!key || !key_len) {
                snprintf(errstr, errstr_size, "the pseudonymisation key is empty");
                return NULL;
        }
        ps = calloc(1, sizeof(*ps));
        if (!ps || !(ps->ps_key = malloc(key_len))) {
                snprintf(errstr, errstr_size, "out of memory for the pseudonymisation key");
                free(ps);
                return NULL;
        }
        memcpy(ps->ps_key, key, key_len);
        ps->ps_key_len = key_len;
        ps->ps_mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
        if (ps->ps_mac)
                ps->ps_ctx = EVP_MAC_CTX_new(ps->ps_mac);
        if (!ps->ps_ctx || !EVP_MAC_CTX_set_params(ps->ps_ctx, params)) {
                unsigned long e = ERR_get_error();

                snprintf(errstr, errstr_size, "libcrypto cannot provide HMAC-SHA256: %s",
                         e ? ERR_reason_error_string(e) : "unknown error");
                cp_pseudonym_destroy(ps);
                return NULL;
        }
        return ps;
}

void cp_pseudonym_destroy(cp_pseudonym_t *ps)
{
        if (!ps)
                return;
        EVP_MAC_CTX_free(ps->ps_ctx);
        EVP_MAC_free(ps->ps_mac);
        if (ps->ps_key)
                OPENSSL_cleanse(ps->ps_key, ps->ps_key_len);
        free(ps->ps_key);
        free(ps);
}

int cp_pseudonym_hmac(cp_pseudonym_t *ps, const void *data, size_t len,
                      unsigned char *out)
{
        size_t outl = 0;

        if (!EVP_MAC_init(ps->ps_ctx, ps->ps_key, ps->ps_key_len, NULL) ||
            !EVP_MAC_update(ps->ps_ctx, data, len) ||
            !EVP_MAC_final(ps->ps_ctx, out, &outl, CP_HMAC_SHA256_LEN) ||
            outl != CP_HMAC_SHA256_LEN)
                return -1;
        return 0;
}

int cp_pseudonym_ric(cp_pseudonym_t *ps, const char *ric, char *out)
{
        static const char hex[] = "0123456789abcdef";
        const size_t plen = sizeof(CP_PSEUDONYM_PREFIX) - 1;
        unsigned char mac[CP_HMAC_SHA256_LEN];

        if (cp_pseudonym_hmac(ps, ric, strlen(ric), mac))
                return -1;
        memcpy(out, CP_PSEUDONYM_PREFIX, plen);
        for (size_t i = 0; i < 16; i++) {
                out[plen + 2 * i] = hex[mac[i] >> 4];
                out[plen + 2 * i + 1] = hex[mac[i] & 15];
        }
        out[CP_PSEUDONYM_LEN] = '\0';
        OPENSSL_cleanse(mac, sizeof(mac));
        return 0;
}
