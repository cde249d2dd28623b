/*
 * credpipe id: normalises and validates identification numbers given on
 * the command line or one per line on stdin, with the same code the
 * pipeline uses (transform/ids.h).
 *
 * DESIGN: the output goes to stdout only and may echo the input: it is the
 * user's own data, asked for. Nothing derived from a value reaches stderr,
 * which ends up in logs and CI transcripts: resident identity numbers are
 * personal data, so even a rejected option is shown masked when it could
 * be one. The exit code summarises the batch (0 all valid, 1 any invalid)
 * so the command can gate a script.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "transform/ids.h"

typedef struct cp_id_opts_s {
        cp_id_type_t want;
        bool json;
} cp_id_opts_t;

static void cp_id_usage(FILE *out)
{
        fprintf(out,
                "usage: credpipe id [--type TYPE] [--json] [--categories FILE] [VALUE...]\n\n"
                "Normalises and validates identification numbers: Unified Social Credit\n"
                "Codes, organisation codes, 15-digit registration numbers and resident\n"
                "identity numbers (18, 15 or masked). Values come from the arguments, or\n"
                "one per line from stdin when there are none. Full-width characters,\n"
                "spaces, hyphens, quotes and Excel's leading apostrophe are cleaned first.\n\n"
                "  -t, --type TYPE   auto (default: by shape), uscc, ric, org_code, reg_no\n"
                "  -j, --json        one JSON object per value: input, type, normalized,\n"
                "                    valid, usable, reason, findings\n"
                "  -c, --categories FILE\n"
                "                    USCC department/category table to use instead of the\n"
                "                    built-in one (format: data/uscc_categories.tsv)\n"
                "  -h, --help        this text\n\n"
                "Default output, one tab-separated line per value:\n"
                "  input  type  normalized  valid|invalid  reason and findings\n"
                "'usable' (JSON) marks invalid values that still identify their holder,\n"
                "such as Fujian pilot-era USCCs that fail the check character. Every\n"
                "finding code is explained in docs/identifiers.md.\n\n"
                "Examples:\n"
                "  credpipe id 914403001922038216\n"
                "  credpipe id --type uscc \"'9144 0300 1922 0382 16\" 91350211M0000XUF46\n"
                "  credpipe id --json 19220382-1 3423011964****3224\n"
                "  cut -f3 penalties.tsv | credpipe id --type uscc --json\n\n"
                "Exit status: 0 when every value is valid, 1 when any is invalid,\n"
                "2 on a usage or I/O error.\n");
}

/* A user-supplied word for an error message: as typed when it cannot be
 * an identity number (no digits), masked otherwise. */
static void cp_id_safe_word(const char *s, char *out, size_t outsz)
{
        if (strpbrk(s, "0123456789") || strlen(s) >= outsz)
                cp_id_mask(s, out, outsz);
        else
                snprintf(out, outsz, "%s", s);
}

static int cp_id_parse_type(const char *s, cp_id_type_t *t)
{
        static const struct {
                const char *name;
                cp_id_type_t type;
        } types[] = {
                {"auto", CP_ID_UNKNOWN},     {"uscc", CP_ID_USCC},
                {"ric", CP_ID_RIC},          {"org_code", CP_ID_ORG_CODE},
                {"reg_no", CP_ID_REG_NO},
        };

        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (!strcmp(s, types[i].name)) {
                        *t = types[i].type;
                        return 0;
                }
        return -1;
}

static const char *cp_sev_name(cp_severity_t sev)
{
        /* The credpipe.v1.Severity names, as `credpipe decode` prints them. */
        switch (sev) {
        case CP_SEV_INFO: return "INFO";
        case CP_SEV_WARNING: return "WARNING";
        case CP_SEV_ERROR: return "ERROR";
        default: return "SEVERITY_UNSPECIFIED";
        }
}

/* @returns the length of the well-formed UTF-8 sequence at p (at most
 * avail bytes), or 0 when it is malformed. */
static size_t cp_utf8_seq(const unsigned char *p, size_t avail)
{
        unsigned long c;
        size_t need;

        if (p[0] < 0x80)
                return 1;
        if ((p[0] & 0xE0) == 0xC0)
                need = 1, c = p[0] & 0x1Fu;
        else if ((p[0] & 0xF0) == 0xE0)
                need = 2, c = p[0] & 0x0Fu;
        else if ((p[0] & 0xF8) == 0xF0)
                need = 3, c = p[0] & 0x07u;
        else
                return 0;
        if (avail <= need)
                return 0;
        for (size_t j = 1; j <= need; j++) {
                if ((p[j] & 0xC0) != 0x80)
                        return 0;
                c = (c << 6) | (p[j] & 0x3Fu);
        }
        if ((need == 1 && c < 0x80) || (need == 2 && c < 0x800) ||
            (need == 3 && (c < 0x10000 || c > 0x10FFFF)) ||
            (c >= 0xD800 && c <= 0xDFFF))
                return 0;
        return need + 1;
}

/*
 * Copies s[0..len) as valid UTF-8: malformed bytes become U+FFFD, since a
 * JSON string cannot carry them. out must hold 3 * len + 1 bytes.
 * @returns the length written.
 */
static size_t cp_utf8_clean(const char *s, size_t len, char *out)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0, n = 0;

        while (i < len) {
                size_t k = cp_utf8_seq(p + i, len - i);

                if (k) {
                        memcpy(out + n, p + i, k);
                        n += k;
                        i += k;
                } else {
                        memcpy(out + n, "\xEF\xBF\xBD", 3);
                        n += 3;
                        i++;
                }
        }
        out[n] = '\0';
        return n;
}

static int cp_id_print_json(const char *raw, size_t len, const cp_id_result_t *res)
{
        char *clean = malloc(3 * len + 1);
        json_t *o = json_object(), *fa = json_array();
        size_t n;
        int rc = -1;

        if (!clean || !o || !fa) {
                fprintf(stderr, "credpipe id: out of memory\n");
                goto out;
        }
        n = cp_utf8_clean(raw, len, clean);
        json_object_set_new(o, "input", json_stringn(clean, n));
        json_object_set_new(o, "type", json_string(cp_id_type_name(res->type)));
        json_object_set_new(o, "normalized", json_string(res->normalized));
        json_object_set_new(o, "valid", json_boolean(res->valid));
        json_object_set_new(o, "usable", json_boolean(res->usable));
        json_object_set_new(o, "reason",
                            res->reason ? json_string(res->reason) : json_null());
        for (int i = 0; i < res->nfindings; i++) {
                json_t *f = json_object();

                json_object_set_new(f, "code", json_string(res->findings[i].code));
                json_object_set_new(f, "severity",
                                    json_string(cp_sev_name(res->findings[i].severity)));
                json_array_append_new(fa, f);
        }
        json_object_set(o, "findings", fa);
        /* Every member must have made it: a NULL value (no memory) would
         * have been dropped silently. */
        if (json_object_size(o) != 7) {
                fprintf(stderr, "credpipe id: out of memory\n");
                goto out;
        }
        if (json_dumpf(o, stdout, JSON_COMPACT) == 0 && putchar('\n') != EOF)
                rc = 0;
out:
        json_decref(fa);
        json_decref(o);
        free(clean);
        return rc;
}

static int cp_id_print_text(const char *raw, size_t len, const cp_id_result_t *res)
{
        const char *sep = "";

        /* Tabs and line ends in the echo would break the columns. */
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)raw[i];

                putchar(c == '\t' ? ' ' : c < 0x20 || c == 0x7F ? '?' : c);
        }
        printf("\t%s\t%s\t%s\t", cp_id_type_name(res->type),
               res->normalized[0] ? res->normalized : "-",
               res->valid ? "valid" : "invalid");
        if (res->reason) {
                fputs(res->reason, stdout);
                sep = ",";
        }
        for (int i = 0; i < res->nfindings; i++) {
                if (res->reason && !strcmp(res->findings[i].code, res->reason))
                        continue;
                printf("%s%s", sep, res->findings[i].code);
                sep = ",";
        }
        if (!*sep)
                putchar('-');
        return putchar('\n') == EOF ? -1 : 0;
}

/* @returns 0 when valid, 1 when invalid, -1 when output failed. */
static int cp_id_one(const cp_id_opts_t *o, const char *raw, size_t len)
{
        cp_id_result_t res;
        int rc;

        cp_id_check(raw, len, o->want, &res);
        rc = o->json ? cp_id_print_json(raw, len, &res)
                     : cp_id_print_text(raw, len, &res);
        if (rc)
                return -1;
        return res.valid ? 0 : 1;
}

static int cp_id_stdin(const cp_id_opts_t *o)
{
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        int status = 0;

        while ((len = getline(&line, &cap, stdin)) >= 0) {
                int rc;

                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        len--;
                rc = cp_id_one(o, line, (size_t)len);
                if (rc < 0) {
                        status = -1;
                        break;
                }
                status |= rc;
        }
        if (status >= 0 && ferror(stdin)) {
                fprintf(stderr, "credpipe id: reading stdin: %s\n", strerror(errno));
                status = -1;
        }
        free(line);
        return status;
}

int cp_cmd_id(int argc, char **argv)
{
        static const struct option opts[] = {
                {"type", required_argument, NULL, 't'},
                {"json", no_argument, NULL, 'j'},
                {"categories", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        cp_id_opts_t o = {CP_ID_UNKNOWN, false};
        char word[64], err[512];
        int c, status = 0;

        /* getopt's own messages would echo the argument unmasked. */
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":t:jc:h", opts, NULL)) != -1) {
                switch (c) {
                case 't':
                        if (cp_id_parse_type(optarg, &o.want)) {
                                cp_id_safe_word(optarg, word, sizeof(word));
                                fprintf(stderr, "credpipe id: unknown type '%s' "
                                        "(auto, uscc, ric, org_code, reg_no)\n", word);
                                return 2;
                        }
                        break;
                case 'j':
                        o.json = true;
                        break;
                case 'c':
                        /* Before any value is checked, as the daemon does at
                         * start-up. The message names file and line and
                         * quotes table cells only: no identifier. */
                        if (cp_id_load_categories(optarg, err, sizeof(err)) != 0) {
                                fprintf(stderr, "credpipe id: %s\n", err);
                                return 2;
                        }
                        break;
                case 'h':
                        cp_id_usage(stdout);
                        return 0;
                case ':':
                        fprintf(stderr, "credpipe id: %s needs a value\n\n",
                                optopt == 'c' ? "--categories" : "--type");
                        cp_id_usage(stderr);
                        return 2;
                default:
                        /* A short option names one character; a long one
                         * is the whole argument. */
                        if (optopt > ' ' && optopt < 0x7F)
                                snprintf(word, sizeof(word), "-%c", optopt);
                        else
                                cp_id_safe_word(argv[optind - 1], word, sizeof(word));
                        fprintf(stderr, "credpipe id: unknown option '%s'\n\n", word);
                        cp_id_usage(stderr);
                        return 2;
                }
        }

        if (optind == argc) {
                status = cp_id_stdin(&o);
        } else {
                for (int i = optind; i < argc && status >= 0; i++) {
                        int rc = cp_id_one(&o, argv[i], strlen(argv[i]));

                        status = rc < 0 ? -1 : status | rc;
                }
        }
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "credpipe id: writing output failed\n");
                return 2;
        }
        /* Input and memory failures were reported where they happened. */
        return status < 0 ? 2 : status;
}
