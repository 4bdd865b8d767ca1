/*
 * cmd_async - `regman async ...` (cmd_async.c): the Async Manager.
 */
#ifndef RM_CLI_CMD_ASYNC_H
#define RM_CLI_CMD_ASYNC_H

int cmd_async(int argc, char **argv);
/* `regman reconcile [--since DATE] [--json]`: the exposure report
 * (core/watch.h, watch_reconcile). */
int cmd_reconcile(int argc, char **argv);

#endif
