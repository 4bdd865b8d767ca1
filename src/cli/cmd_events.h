/*
 * cmd_events - `regman events status|list|read` (cmd_events.c): the
 * registrars' event streams (core/events.h).
 */
#ifndef RM_CLI_CMD_EVENTS_H
#define RM_CLI_CMD_EVENTS_H

int cmd_events(int argc, char **argv);

#endif
