/*
 * log.c - structured logs: one JSON object a line, {"ts", "level",
 * "event", ...fields}.  Callers pass only non-secret fields (routes,
 * statuses, ids, sizes, times): never a token, code, key or message
 * byte.  The file is reopened on SIGHUP (log rotation).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pouchd/pouchd.h"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;
static char log_path[PD_PATH_MAX];
static atomic_int log_reopen_flag;

int
pd_log_open(const char *path)
{
	FILE *f = stderr;

	if (path != NULL && path[0] != '\0') {
		if ((f = fopen(path, "a")) == NULL)
			return POUCH_E_IO;
		setvbuf(f, NULL, _IOLBF, 0);
		snprintf(log_path, sizeof(log_path), "%s", path);
	}
	pthread_mutex_lock(&log_mu);
	if (log_fp != NULL && log_fp != stderr)
		fclose(log_fp);
	log_fp = f;
	pthread_mutex_unlock(&log_mu);
	return POUCH_OK;
}

void
pd_log_reopen(void)
{
	atomic_store(&log_reopen_flag, 1);
}

void
pd_log(const char *level, const char *event, ...)
{
	struct timespec ts;
	json_t *o;
	va_list ap;
	const char *name;
	char *line;

	o = json_object();
	clock_gettime(CLOCK_REALTIME, &ts);
	json_object_set_new(o, "ts", json_real((double)ts.tv_sec +
	    (double)ts.tv_nsec / 1e9));
	json_object_set_new(o, "level", json_string(level));
	json_object_set_new(o, "event", json_string(event));
	va_start(ap, event);
	while ((name = va_arg(ap, const char *)) != NULL) {
		int type = va_arg(ap, int);

		if (type == 's') {
			const char *v = va_arg(ap, const char *);

			json_object_set_new(o, name, v != NULL ?
			    json_string(v) : json_null());
		} else if (type == 'i')
			json_object_set_new(o, name,
			    json_integer(va_arg(ap, int64_t)));
		else if (type == 'd')
			json_object_set_new(o, name,
			    json_real(va_arg(ap, double)));
		else
			break;
	}
	va_end(ap);
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (line == NULL)
		return;
	pthread_mutex_lock(&log_mu);
	if (atomic_exchange(&log_reopen_flag, 0) && log_path[0] != '\0') {
		FILE *f = fopen(log_path, "a");

		if (f != NULL) {
			setvbuf(f, NULL, _IOLBF, 0);
			if (log_fp != NULL && log_fp != stderr)
				fclose(log_fp);
			log_fp = f;
		}
	}
	fprintf(log_fp != NULL ? log_fp : stderr, "%s\n", line);
	pthread_mutex_unlock(&log_mu);
	free(line);
}
