/*
 * pg_backup.c - backup and restore of the PostgreSQL store with
 * PostgreSQL's own tools: `pouchd admin backup FILE` runs pg_dump (custom
 * format, one consistent snapshot, while the nodes serve) and `restore
 * FILE` runs pg_restore --clean in a single transaction.
 *
 * The connection string may hold a password, so it never goes on a
 * command line (ps shows those): it is written, one keyword a line, to a
 * private (0600) connection service file that only the child's
 * environment names, and removed when the tool has finished.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/pg_int.h"

/* A service file [pouch] with the keywords of conninfo; 0, or -1. */
static int
write_service(const char *conninfo, char *path, size_t cap)
{
	PQconninfoOption *opts, *o;
	FILE *f;
	int fd, rc = -1;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return -1;
	snprintf(path, cap, "/tmp/pouch-pgservice-XXXXXX");
	if ((fd = mkstemp(path)) < 0) {
		PQconninfoFree(opts);
		return -1;
	}
	(void)fchmod(fd, 0600);
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	fprintf(f, "[pouch]\n");
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strchr(o->val, '\n') != NULL) {
			fclose(f);
			goto out;
		}
		fprintf(f, "%s=%s\n", o->keyword, o->val);
	}
	rc = fclose(f) == 0 ? 0 : -1;
out:
	PQconninfoFree(opts);
	if (rc != 0)
		unlink(path);
	return rc;
}

/* Run a PostgreSQL client tool against conninfo: POUCH_OK, or E_DB. */
static int
run_tool(const char *conninfo, char *const argv[])
{
	char svc[64];
	pid_t pid;
	int st = -1;

	if (write_service(conninfo, svc, sizeof(svc)) != 0)
		return POUCH_E_IO;
	if ((pid = fork()) < 0) {
		unlink(svc);
		return POUCH_E_IO;
	}
	if (pid == 0) {
		if (setenv("PGSERVICEFILE", svc, 1) != 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	unlink(svc);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? POUCH_OK : POUCH_E_DB;
}

int
pg_backup(struct pouch_store *st, const char *path)
{
	struct pg *p = (struct pg *)st;
	char *argv[] = { "pg_dump", "--format=custom", "--no-owner",
	    "--dbname=service=pouch", "--file", NULL, NULL };

	if (path == NULL)
		return POUCH_E_MISUSE;
	argv[5] = (char *)path;
	return run_tool(p->conninfo, argv);
}

int
pouch_store_pg_restore(const char *conninfo, const char *path)
{
	char *argv[] = { "pg_restore", "--clean", "--if-exists",
	    "--single-transaction", "--exit-on-error", "--no-owner",
	    "--dbname=service=pouch", NULL, NULL };

	if (conninfo == NULL || path == NULL)
		return POUCH_E_MISUSE;
	argv[7] = (char *)path;
	return run_tool(conninfo, argv);
}
