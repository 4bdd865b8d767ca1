/*
 * cmd_lifecycle - `regman lifecycle run|due|auto-renew` and `regman
 * import` (docs/regman.1): the daily lifecycle steps of core/lifecycle.h
 * run once by hand, the selections they start from, the auto-renew
 * switch of a domain, and the adoption of an existing portfolio. Each
 * takes argv with argv[0] = the command name and returns the exit status
 * of cli.h.
 */
#ifndef RM_CLI_CMD_LIFECYCLE_H
#define RM_CLI_CMD_LIFECYCLE_H

int cmd_lifecycle(int argc, char **argv);
int cmd_import(int argc, char **argv);

#endif
