/*
 * replay_main.c - runs a fuzz target over every file of its committed
 * corpus when the target is built without libFuzzer, so that the normal
 * test run replays the corpus.  Usage: fuzz_NAME FILE_OR_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT	(1U << 20)

static int
run_file(const char *path)
{
	static uint8_t buf[REPLAY_MAX_INPUT];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* A heap copy of exactly n bytes lets ASan see any overread. */
	uint8_t *copy = malloc(n ? n : 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *name;
	int i, count = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: no such corpus %s\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) != 0)
				return 1;
			count++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			return 1;
		while ((e = readdir(d)) != NULL) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			    argv[i], e->d_name) >= sizeof(path))
				continue;
			if (run_file(path) != 0) {
				closedir(d);
				return 1;
			}
			count++;
		}
		closedir(d);
	}
	name = argc > 1 ? strrchr(argv[1], '/') : NULL;
	printf("replay %s: %d inputs ran\n", name != NULL ? name + 1 :
	    argc > 1 ? argv[1] : "-", count);
	return count > 0 ? 0 : 1;
}
