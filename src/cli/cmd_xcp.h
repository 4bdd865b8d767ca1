/*
 * cmd_xcp - `regman xcp`: send one signed XCP request and print the
 * response (a curl for XCP). See docs/regman.1.
 *
 * Exit status: 0 the registrar answered is_success=1; 1 it answered
 * is_success=0; 2 bad input or no valid answer (stderr says whether the
 * request was "not sent" or its "outcome unknown").
 */
#ifndef RM_CLI_CMD_XCP_H
#define RM_CLI_CMD_XCP_H

/* cmd_xcp - argv[0] is "xcp". Returns the exit status. */
int cmd_xcp(int argc, char **argv);

#endif
