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
	{ "init", cmd_init,
	    "create this device's store and enrol with a one-time code" },
	{ "send", cmd_send, "send a message to users or a conversation" },
	{ "reply", cmd_reply, "reply to a message in its conversation" },
	{ "inbox", cmd_inbox, "list unread messages" },
	{ "list", cmd_list, "list messages (--conversation ID)" },
	{ "read", cmd_read, "show one message and mark it read" },
	{ "save", cmd_save, "save an attachment of a message to a file" },
	{ "export", cmd_export, "a message as .eml, or all as an mbox" },
	{ "conversations", cmd_conversations,
	    "list conversations and their members" },
	{ "group", cmd_group, "create, add to, remove from, update a group" },
	{ "sync", cmd_sync, "fetch and process new messages (--follow)" },
	{ "alerts", cmd_alerts, "security alerts until acknowledged" },
	{ "verify", cmd_verify, "safety code with a user; mark verified" },
	{ "devices", cmd_devices, "this account's devices" },
	{ "account", cmd_account, "rotate this account's key" },
	{ "suite", cmd_suite, "the code point of the post-quantum suite" },
	{ "kt", cmd_kt, "audit or monitor the server's key log" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pouch COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-14s %s\n", "version", "print the library version");
	fprintf(f, "\nevery client command takes -d DIR (default $POUCH_HOME "
	    "or ~/.pouch) and --json;\nthe store is unlocked with "
	    "$POUCH_PASSPHRASE when set, else DIR/store.key.\n"
	    "exit codes: 0 done, 1 failed, 2 usage, 3 refused, 4 not found, "
	    "5 network.\n");
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
