/*
 * cli - the `pouch` command line.  One file per command; main.c
 * dispatches.  The CLI may die on allocation failure; it prints errors
 * with pouch_strerror() and never prints a secret.
 */
#ifndef POUCH_CLI_H
#define POUCH_CLI_H

struct pouch_client_unlock;

/* Exit codes of the client commands (docs/man/pouch.1). */
#define EX_OK		0
#define EX_FAIL		1
#define EX_USAGE	2
#define EX_REFUSED	3
#define EX_NOTFOUND	4
#define EX_NET		5

/* The exit code for a library result (the table of docs/man/pouch.1). */
int	cli_exit_of(int rc);
/* The store's unlock from POUCH_PASSPHRASE (a key file without it). */
void	cli_unlock(struct pouch_client_unlock *u);

int	cmd_selftest(int argc, char **argv);
int	cmd_group_demo(int argc, char **argv);
/* client_cmds.c */
int	cmd_init(int argc, char **argv);
int	cmd_send(int argc, char **argv);
int	cmd_reply(int argc, char **argv);
int	cmd_inbox(int argc, char **argv);
int	cmd_list(int argc, char **argv);
int	cmd_read(int argc, char **argv);
int	cmd_save(int argc, char **argv);
int	cmd_export(int argc, char **argv);
int	cmd_conversations(int argc, char **argv);
int	cmd_group(int argc, char **argv);
int	cmd_sync(int argc, char **argv);
int	cmd_alerts(int argc, char **argv);
int	cmd_verify(int argc, char **argv);
int	cmd_devices(int argc, char **argv);
int	cmd_account(int argc, char **argv);
int	cmd_suite(int argc, char **argv);
/* kt_cmds.c */
int	cmd_kt(int argc, char **argv);
int	cmd_devices_revoke(const char *dir, int json, const char *device);

#endif
