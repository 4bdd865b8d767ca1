/*
 * cmd_core - the commands over regman's core (docs/regman.1): init,
 * check-config, registrar, tld, account, domain, audit, log. Each takes
 * argv with argv[0] = the command name and returns the exit status of
 * cli.h.
 */
#ifndef RM_CLI_CMD_CORE_H
#define RM_CLI_CMD_CORE_H

#include <stdbool.h>

int cmd_init(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_registrar(int argc, char **argv);
int cmd_tld(int argc, char **argv);
int cmd_account(int argc, char **argv);
int cmd_domain(int argc, char **argv);
/* cmd_domain_manage - `domain ns|lock|auth-code|changes` (cmd_domain
 * hands them over). */
int cmd_domain_manage(int argc, char **argv);
/* cmd_domain_admin - `domain move|sync` (cmd_domain hands them over). */
int cmd_domain_admin(int argc, char **argv);
/* cmd_domain_bulk - `domain bulk ...`; cmd_domain_bulk_wants - is the
 * subcommand (the first positional) "bulk"? */
int cmd_domain_bulk(int argc, char **argv);
bool cmd_domain_bulk_wants(int argc, char **argv);
/* cmd_domain_search - `domain search` (cmd_domain hands it over when
 * cmd_domain_is_search says the subcommand is search). */
int cmd_domain_search(int argc, char **argv);
bool cmd_domain_is_search(int argc, char **argv);
int cmd_audit(int argc, char **argv);
/* cmd_reminders - `reminders show|set|reset` (cmd_reminders.c). */
int cmd_reminders(int argc, char **argv);
/* cmd_reseller - `reseller add|list|show|customer-add|wholesale|prices`
 * (cmd_reseller.c). */
int cmd_reseller(int argc, char **argv);
int cmd_log(int argc, char **argv);

#endif
