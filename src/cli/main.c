/*
 * main.c - `pouch COMMAND [ARGS]`: dispatch to the command's function.
 */
#include <stdio.h>
#include <string.h>

#include <pouch/pouch.h>

#include "cli/cli.h"

static const struct {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*help;
} commands[] = {
	{ "selftest", cmd_selftest,
	    "run the known-answer tests and an HPKE round trip" },
	{ "group-demo", cmd_group_demo,
	    "three members run an MLS group in the hybrid suite" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pouch COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-11s %s\n", "version", "print the library version");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("pouch %s\n", pouch_version());
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pouch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
