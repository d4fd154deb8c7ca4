/*
 * main.c - `pouchd COMMAND`: init, serve, admin.
 */
#include <stdio.h>
#include <string.h>

#include "pouchd/pouchd.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: pouchd COMMAND [ARGS]\n\n"
	    "  init [--name HOST]... DIR   create a data directory\n"
	    "  serve -c CONFIG             run the server\n"
	    "  admin -c CONFIG ...         users, codes, devices, audit, "
	    "backup\n"
	    "  version                     print the version\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "init") == 0)
		return pd_cmd_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return pd_cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "admin") == 0)
		return pd_cmd_admin(argc - 1, argv + 1);
	if (strcmp(argv[1], "version") == 0) {
		printf("pouchd %s\n", POUCH_VERSION_STRING);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
