/*
 * mls-driver - pouch-mls-driver, a test harness that drives libpouch's MLS
 * group engine (src/mls/group.h) through one JSON object per line, so that
 * a program in any language (the ts-mls interop runner in tests/interop/)
 * can script Pouch members.  docs/INTEROP.md describes the protocol.
 *
 * The driver is a test tool, not part of libpouch: it holds its members'
 * private keys in memory and never writes them anywhere; it answers only
 * with public values (messages, epoch authenticators) and with plaintexts
 * the member itself decrypted.
 *
 * Every request is untrusted input: the line length, every hex field and
 * every count are bounded, and a malformed request is answered with an
 * error and changes nothing.
 */
#ifndef POUCH_TOOLS_MLS_DRIVER_H
#define POUCH_TOOLS_MLS_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto/crypto.h"

/* Longest request line, bytes (hybrid Welcomes of large groups fit). */
#define DRV_LINE_MAX		(8U << 20)
/* Largest decoded hex field, bytes. */
#define DRV_HEX_MAX		(2U << 20)
/* Most members one driver holds, and most KeyPackages in one commit. */
#define DRV_MEMBERS_MAX		256
#define DRV_ADDS_MAX		64
#define DRV_EXT_SENDERS_MAX	8
/* Longest identity and group id. */
#define DRV_IDENTITY_MAX	255
#define DRV_GROUP_ID_MAX	255

struct drv;

/* A new driver with no members; NOMEM, CRYPTO. */
int	pouch_drv_new(struct drv **out);
void	pouch_drv_free(struct drv *d);
/* Fix the clock the driver passes to the engine (0: the real clock). */
void	pouch_drv_set_time(struct drv *d, uint64_t now);

/*
 * Handle one request line (without its newline; need not be
 * NUL-terminated) and set *answer to the one-line JSON answer, to be
 * freed with free().  Returns POUCH_OK when an answer was made (even an
 * error answer), NOMEM otherwise.
 */
int	pouch_drv_handle(struct drv *d, const char *line, size_t len,
	    char **answer);

/* The answer to a line longer than DRV_LINE_MAX (id unknown). */
char	*pouch_drv_too_long(void);

/* "POUCH_E_..." for a code of include/pouch/err.h; "POUCH_OK" for 0. */
const char	*pouch_drv_err_name(int code);

/* ---- shared by the operations (driver_ops.c) ---------------------- */

/* One request being answered. */
struct drv_req {
	struct drv	*d;
	json_t		*in;		/* the request (borrowed) */
	json_t		*out;		/* the answer's extra fields */
	const char	*msg;		/* error message, static */
};

typedef int	(*drv_op_fn)(struct drv_req *);

struct drv_op {
	const char	*name;
	drv_op_fn	 fn;
};

/* The operation table (driver_ops.c), ending with a NULL name. */
extern const struct drv_op pouch_drv_ops[];

/*
 * Request field helpers: each sets r->msg and returns an error code when
 * the field is missing (unless optional) or malformed.
 */
int	pouch_drv_get_hex(struct drv_req *r, const char *key, int optional,
	    uint8_t **buf, size_t *len);
int	pouch_drv_get_uint(struct drv_req *r, const char *key, int optional,
	    uint64_t max, uint64_t *v);
int	pouch_drv_get_str(struct drv_req *r, const char *key, int optional,
	    const char **s);
int	pouch_drv_get_bool(struct drv_req *r, const char *key, int def,
	    int *v);
/* Answer helpers: NOMEM on failure. */
int	pouch_drv_put_hex(struct drv_req *r, const char *key,
	    const uint8_t *buf, size_t len);
int	pouch_drv_put_uint(struct drv_req *r, const char *key, uint64_t v);
int	pouch_drv_put_str(struct drv_req *r, const char *key, const char *s);
int	pouch_drv_put(struct drv_req *r, const char *key, json_t *v);

/* Hex decode of s (strlen n) into a fresh buffer; lowercase or upper. */
int	pouch_drv_unhex(const char *s, size_t n, uint8_t **buf, size_t *len);
/* Free a buffer from pouch_drv_get_hex()/unhex(), wiped. */
void	pouch_drv_buf_free(uint8_t *buf, size_t len);

/* The driver's state the operations use. */
const struct pouch_crypto	*pouch_drv_crypto(struct drv *d);
uint64_t	pouch_drv_now(struct drv *d);
void		*pouch_drv_member_slot(struct drv *d, uint64_t handle);
int		 pouch_drv_member_add(struct drv *d, void *m, uint64_t *handle);
/* Free a member of pouch_drv_member_add() (driver_ops.c). */
void		 pouch_drv_member_free(void *m);

#endif /* POUCH_TOOLS_MLS_DRIVER_H */
