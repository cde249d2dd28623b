/*
 * Faults on purpose for `credpipe broker --commands`: lines on stdin that
 * take a broker down and up, delay it, make the next requests of a kind
 * fail, or move a partition's leader — the faults one real broker cannot
 * stage. Each line is answered on stdout with "ok ..." or "error ...".
 */
#ifndef CP_BROKER_CMDS_H
#define CP_BROKER_CMDS_H

#include <stdio.h>

#include "embedded.h"

/** @brief Runs one command line. @returns 0, or -1 (the answer says why). */
int cp_broker_command(cp_embedded_t *em, int nbrokers, const char *line, FILE *answer);

/** @brief Reads commands from stdin on a thread of its own until EOF. */
int cp_broker_commands_start(cp_embedded_t *em, int nbrokers);

/** @brief The help text of the commands. */
extern const char cp_broker_commands_help[];

#endif
