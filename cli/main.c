/*
 * credpipe: integrates public credit-record feeds into one Kafka stream and
 * measures how much of each source reaches the central records.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "core/log.h"

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;
} cp_commands[] = {
        {"run", cp_cmd_run, "run the pipeline on the configured sources"},
        {"check", cp_cmd_check, "validate a configuration and its inputs"},
        {"id", cp_cmd_id, "normalise and validate identification numbers"},
        {"decode", cp_cmd_decode, "print a credpipe topic as JSON lines"},
        {"report", cp_cmd_report, "print the latest sharing report (topic or file)"},
        {"broker", cp_cmd_broker, "start an in-memory Kafka broker for trials"},
        {"gen", cp_cmd_gen, "write synthetic feeds with their exact truth"},
};

static void cp_usage(FILE *out)
{
        fprintf(out, "usage: credpipe COMMAND [OPTIONS]\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(cp_commands) / sizeof(cp_commands[0]); i++)
                fprintf(out, "  %-8s %s\n", cp_commands[i].name,
                        cp_commands[i].summary);
        fprintf(out, "\n'credpipe COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                cp_usage(stderr);
                return 2;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
            !strcmp(argv[1], "help")) {
                cp_usage(stdout);
                return 0;
        }
        if (!strcmp(argv[1], "--version")) {
                printf("credpipe 0.1.0\n");
                return 0;
        }
        for (size_t i = 0; i < sizeof(cp_commands) / sizeof(cp_commands[0]); i++)
                if (!strcmp(argv[1], cp_commands[i].name)) {
                        int rc = cp_commands[i].fn(argc - 1, argv + 1);

                        /* Counts of rate-limited lines still pending. */
                        cp_log_flush();
                        return rc;
                }
        fprintf(stderr, "credpipe: unknown command '%s'\n\n", argv[1]);
        cp_usage(stderr);
        return 2;
}
