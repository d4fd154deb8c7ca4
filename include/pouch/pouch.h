/*
 * pouch.h - libpouch public API: version, export macros.
 *
 * libpouch is the C library behind Pouch: the MLS engine and its cipher
 * suites, transparency-log verification and the client engine.  This header
 * is the entry point; it includes err.h.  Everything declared under
 * include/pouch/ is part of the stable ABI; nothing else is exported.
 */
#ifndef POUCH_POUCH_H
#define POUCH_POUCH_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(POUCH_BUILDING) && defined(__GNUC__)
#define POUCH_API __attribute__((visibility("default")))
#else
#define POUCH_API
#endif

#if defined(__GNUC__)
#define POUCH_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define POUCH_WARN_UNUSED
#endif

#define POUCH_VERSION_MAJOR 0
#define POUCH_VERSION_MINOR 1
#define POUCH_VERSION_PATCH 0
#define POUCH_VERSION_STRING "0.1.0"

/*
 * pouch_version - the library's version string, e.g. "0.1.0".
 * Applications compare it with POUCH_VERSION_STRING to detect a mismatch
 * between the headers they were built with and the library they run with.
 * Never NULL; the string is static.
 */
POUCH_API const char *pouch_version(void);

/* pouch_version_number - (major << 16) | (minor << 8) | patch. */
POUCH_API unsigned int pouch_version_number(void);

#ifdef __cplusplus
}
#endif

#include <pouch/err.h>

#endif /* POUCH_POUCH_H */
