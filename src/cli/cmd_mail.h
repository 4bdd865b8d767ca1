/*
 * cmd_mail - `regman mail list|retry` (cmd_mail.c): the mail outbox.
 */
#ifndef RM_CLI_CMD_MAIL_H
#define RM_CLI_CMD_MAIL_H

int cmd_mail(int argc, char **argv);

#endif
