/*
 * cli - the `pouch` command line.  One file per command; main.c
 * dispatches.  The CLI may die on allocation failure; it prints errors
 * with pouch_strerror() and never prints a secret.
 */
#ifndef POUCH_CLI_H
#define POUCH_CLI_H

int	cmd_selftest(int argc, char **argv);
int	cmd_group_demo(int argc, char **argv);

#endif
