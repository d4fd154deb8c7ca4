/*
 * main.c - pouch-mls-driver: reads JSON requests, one a line, from
 * standard input and writes one JSON answer a line to standard output
 * (driver.h, docs/INTEROP.md).  An error never ends the program; end of
 * input does.  Lines longer than DRV_LINE_MAX are skipped with an error
 * answer; a last line without a newline is answered too.
 * Usage: pouch-mls-driver [--time SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pouch/err.h>

#include "tools/mls-driver/driver.h"

static int
answer(char *a)
{
	if (a == NULL)
		return POUCH_E_NOMEM;
	fputs(a, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(a);
	return POUCH_OK;
}

/* The time argument: digits only. */
static int
parse_time(const char *s, uint64_t *v)
{
	*v = 0;
	if (*s == '\0' || strlen(s) > 19)
		return POUCH_E_MALFORMED;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return POUCH_E_MALFORMED;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return POUCH_OK;
}

int
main(int argc, char **argv)
{
	struct drv *d = NULL;
	char *line = NULL, *a;
	size_t len = 0, cap = 4096;
	uint64_t now = 0;
	int ch, toolong = 0, rc = 1;

	if (argc == 3 && strcmp(argv[1], "--time") == 0) {
		if (parse_time(argv[2], &now) != POUCH_OK) {
			fprintf(stderr, "pouch-mls-driver: bad --time\n");
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: pouch-mls-driver [--time SECONDS]\n");
		return 2;
	}
	if (pouch_drv_new(&d) != POUCH_OK || (line = malloc(cap)) == NULL)
		goto out;
	pouch_drv_set_time(d, now);
	while ((ch = getchar()) != EOF) {
		if (ch != '\n') {
			if (toolong)
				continue;
			if (len == DRV_LINE_MAX) {
				toolong = 1;
				continue;
			}
			if (len == cap) {
				char *n;

				cap = cap * 2 > DRV_LINE_MAX ? DRV_LINE_MAX :
				    cap * 2;
				if ((n = realloc(line, cap)) == NULL)
					goto out;
				line = n;
			}
			line[len++] = (char)ch;
			continue;
		}
		if (toolong)
			a = pouch_drv_too_long();
		else if (len == 0 || (len == 1 && line[0] == '\r')) {
			len = 0;		/* blank lines are ignored */
			continue;
		} else if (pouch_drv_handle(d, line, len, &a) != POUCH_OK)
			goto out;
		if (answer(a) != POUCH_OK)
			goto out;
		len = 0;
		toolong = 0;
	}
	/* a last line without its newline is still a request */
	if (toolong && answer(pouch_drv_too_long()) != POUCH_OK)
		goto out;
	if (!toolong && len > 0) {
		if (pouch_drv_handle(d, line, len, &a) != POUCH_OK ||
		    answer(a) != POUCH_OK)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "pouch-mls-driver: out of memory\n");
	free(line);
	pouch_drv_free(d);
	return rc;
}
