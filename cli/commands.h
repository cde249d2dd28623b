/*
 * The credpipe commands. Each takes the arguments after its name
 * (argv[0] is the command name) and returns the process exit code.
 */
#ifndef CP_COMMANDS_H
#define CP_COMMANDS_H

int cp_cmd_run(int argc, char **argv);
int cp_cmd_id(int argc, char **argv);
int cp_cmd_decode(int argc, char **argv);
int cp_cmd_broker(int argc, char **argv);
int cp_cmd_gen(int argc, char **argv);
int cp_cmd_check(int argc, char **argv);
int cp_cmd_report(int argc, char **argv);

#endif
