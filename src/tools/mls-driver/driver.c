/*
 * driver.c - the request layer of pouch-mls-driver: one JSON request in,
 * one JSON answer out, the error-code names, the bounded hex and number
 * fields, and the member handles.  The operations themselves live in
 * driver_ops.c, one function per entry of pouch_drv_ops[].
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "tools/mls-driver/driver.h"

struct drv {
	struct pouch_crypto	*c;
	uint64_t		 now;		/* 0: real clock */
	void			*members[DRV_MEMBERS_MAX];
	size_t			 nmembers;
};

struct errname {
	int		 code;
	const char	*name;
};

/* Generated from include/pouch/err.h by tests/interop/interop.cmake. */
static const struct errname errnames[] = {
#include "driver_errnames.inc"
	{ 0, NULL }
};

const char *
pouch_drv_err_name(int code)
{
	size_t i;

	if (code == POUCH_OK)
		return "POUCH_OK";
	for (i = 0; errnames[i].name != NULL; i++)
		if (errnames[i].code == code)
			return errnames[i].name;
	return "POUCH_E_UNKNOWN";
}

int
pouch_drv_new(struct drv **out)
{
	struct drv *d;
	int rc;

	if (out == NULL)
		return POUCH_E_MISUSE;
	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return POUCH_E_NOMEM;
	if ((rc = pouch_crypto_new(&d->c)) != POUCH_OK) {
		free(d);
		return rc;
	}
	*out = d;
	return POUCH_OK;
}

void
pouch_drv_free(struct drv *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nmembers; i++)
		pouch_drv_member_free(d->members[i]);
	pouch_crypto_free(d->c);
	free(d);
}

void
pouch_drv_set_time(struct drv *d, uint64_t now)
{
	d->now = now;
}

const struct pouch_crypto *
pouch_drv_crypto(struct drv *d)
{
	return d->c;
}

uint64_t
pouch_drv_now(struct drv *d)
{
	if (d->now != 0)
		return d->now;
	return (uint64_t)time(NULL);
}

void *
pouch_drv_member_slot(struct drv *d, uint64_t handle)
{
	/* handles count from 1 so that 0 is never valid */
	if (handle == 0 || handle > d->nmembers)
		return NULL;
	return d->members[handle - 1];
}

int
pouch_drv_member_add(struct drv *d, void *m, uint64_t *handle)
{
	*handle = 0;
	if (d->nmembers >= DRV_MEMBERS_MAX)
		return POUCH_E_LIMIT;
	d->members[d->nmembers++] = m;
	*handle = d->nmembers;
	return POUCH_OK;
}

/* ---- hex ---------------------------------------------------------- */

static int
nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

void
pouch_drv_buf_free(uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

int
pouch_drv_unhex(const char *s, size_t n, uint8_t **buf, size_t *len)
{
	uint8_t *b;
	size_t i;
	int hi, lo;

	*buf = NULL;
	*len = 0;
	if (n % 2 != 0)
		return POUCH_E_MALFORMED;
	if (n / 2 > DRV_HEX_MAX)
		return POUCH_E_TOO_LARGE;
	/* one spare byte so that an empty field is still a pointer */
	if ((b = malloc(n / 2 + 1)) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < n / 2; i++) {
		if ((hi = nibble(s[2 * i])) < 0 ||
		    (lo = nibble(s[2 * i + 1])) < 0) {
			pouch_drv_buf_free(b, n / 2 + 1);
			return POUCH_E_MALFORMED;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*buf = b;
	*len = n / 2;
	return POUCH_OK;
}

static char *
tohex(const uint8_t *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s;
	size_t i;

	if ((s = malloc(2 * len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		s[2 * i] = digits[buf[i] >> 4];
		s[2 * i + 1] = digits[buf[i] & 0xf];
	}
	s[2 * len] = '\0';
	return s;
}

/* ---- request fields ----------------------------------------------- */

int
pouch_drv_get_hex(struct drv_req *r, const char *key, int optional,
    uint8_t **buf, size_t *len)
{
	json_t *v;
	int rc;

	*buf = NULL;
	*len = 0;
	if ((v = json_object_get(r->in, key)) == NULL || json_is_null(v)) {
		if (optional)
			return POUCH_OK;
		r->msg = "a required field is missing";
		return POUCH_E_MISUSE;
	}
	if (!json_is_string(v)) {
		r->msg = "a hex field is not a string";
		return POUCH_E_MALFORMED;
	}
	if ((rc = pouch_drv_unhex(json_string_value(v), json_string_length(v),
	    buf, len)) != POUCH_OK)
		r->msg = rc == POUCH_E_TOO_LARGE ? "a hex field is too long" :
		    "a hex field is not hex";
	return rc;
}

int
pouch_drv_get_uint(struct drv_req *r, const char *key, int optional,
    uint64_t max, uint64_t *v)
{
	json_t *j;

	*v = 0;
	if ((j = json_object_get(r->in, key)) == NULL || json_is_null(j)) {
		if (optional)
			return POUCH_OK;
		r->msg = "a required field is missing";
		return POUCH_E_MISUSE;
	}
	if (!json_is_integer(j) || json_integer_value(j) < 0 ||
	    (uint64_t)json_integer_value(j) > max) {
		r->msg = "a number field is not an integer in range";
		return POUCH_E_MALFORMED;
	}
	*v = (uint64_t)json_integer_value(j);
	return POUCH_OK;
}

int
pouch_drv_get_str(struct drv_req *r, const char *key, int optional,
    const char **s)
{
	json_t *j;

	*s = NULL;
	if ((j = json_object_get(r->in, key)) == NULL || json_is_null(j)) {
		if (optional)
			return POUCH_OK;
		r->msg = "a required field is missing";
		return POUCH_E_MISUSE;
	}
	if (!json_is_string(j)) {
		r->msg = "a string field is not a string";
		return POUCH_E_MALFORMED;
	}
	*s = json_string_value(j);
	return POUCH_OK;
}

int
pouch_drv_get_bool(struct drv_req *r, const char *key, int def, int *v)
{
	json_t *j;

	*v = def;
	if ((j = json_object_get(r->in, key)) == NULL || json_is_null(j))
		return POUCH_OK;
	if (!json_is_boolean(j)) {
		r->msg = "a boolean field is not true or false";
		return POUCH_E_MALFORMED;
	}
	*v = json_is_true(j);
	return POUCH_OK;
}

/* ---- answer fields ------------------------------------------------ */

int
pouch_drv_put(struct drv_req *r, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(r->out, key, v) != 0)
		return POUCH_E_NOMEM;
	return POUCH_OK;
}

int
pouch_drv_put_hex(struct drv_req *r, const char *key, const uint8_t *buf,
    size_t len)
{
	json_t *v;
	char *s;

	if ((s = tohex(buf, len)) == NULL)
		return POUCH_E_NOMEM;
	v = json_string(s);
	free(s);
	return pouch_drv_put(r, key, v);
}

int
pouch_drv_put_uint(struct drv_req *r, const char *key, uint64_t v)
{
	return pouch_drv_put(r, key, json_integer((json_int_t)v));
}

int
pouch_drv_put_str(struct drv_req *r, const char *key, const char *s)
{
	return pouch_drv_put(r, key, json_string(s));
}

/* ---- one request -------------------------------------------------- */

static char *
dump(json_t *ans)
{
	return json_dumps(ans, JSON_COMPACT | JSON_ENSURE_ASCII);
}

/* {"id":id,"ok":false,"error":NAME,"message":msg} */
static char *
error_answer(json_t *id, int code, const char *msg)
{
	json_t *ans;
	char *s = NULL;

	if ((ans = json_object()) == NULL)
		return NULL;
	if (json_object_set(ans, "id", id != NULL ? id : json_null()) == 0 &&
	    json_object_set_new(ans, "ok", json_false()) == 0 &&
	    json_object_set_new(ans, "error",
	    json_string(pouch_drv_err_name(code))) == 0 &&
	    json_object_set_new(ans, "message", json_string(msg != NULL ?
	    msg : pouch_strerror(code))) == 0)
		s = dump(ans);
	json_decref(ans);
	return s;
}

char *
pouch_drv_too_long(void)
{
	return error_answer(NULL, POUCH_E_TOO_LARGE,
	    "the request line is too long");
}

int
pouch_drv_handle(struct drv *d, const char *line, size_t len, char **answer)
{
	struct drv_req r;
	json_error_t jerr;
	json_t *in = NULL, *id = NULL, *op, *ans = NULL;
	const struct drv_op *o;
	const char *name;
	int rc;

	*answer = NULL;
	memset(&r, 0, sizeof(r));
	r.d = d;
	if (len > DRV_LINE_MAX) {
		rc = POUCH_E_TOO_LARGE;
		r.msg = "the request line is too long";
		goto fail;
	}
	if ((in = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		rc = POUCH_E_MALFORMED;
		r.msg = "the request is not valid JSON";
		goto fail;
	}
	if (!json_is_object(in)) {
		rc = POUCH_E_MALFORMED;
		r.msg = "the request is not a JSON object";
		goto fail;
	}
	id = json_object_get(in, "id");
	if (id != NULL && !json_is_integer(id) && !json_is_string(id))
		id = NULL;
	if ((op = json_object_get(in, "op")) == NULL || !json_is_string(op)) {
		rc = POUCH_E_MALFORMED;
		r.msg = "the request has no op";
		goto fail;
	}
	name = json_string_value(op);
	for (o = pouch_drv_ops; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			break;
	if (o->name == NULL) {
		rc = POUCH_E_UNSUPPORTED;
		r.msg = "unknown op";
		goto fail;
	}
	if ((r.out = json_object()) == NULL) {
		rc = POUCH_E_NOMEM;
		goto fail;
	}
	r.in = in;
	if ((rc = o->fn(&r)) != POUCH_OK)
		goto fail;
	/* "id" and "ok" first, for people reading the transcript */
	if ((ans = json_object()) == NULL ||
	    json_object_set(ans, "id", id != NULL ? id : json_null()) != 0 ||
	    json_object_set_new(ans, "ok", json_true()) != 0 ||
	    json_object_update(ans, r.out) != 0) {
		json_decref(ans);
		rc = POUCH_E_NOMEM;
		goto fail;
	}
	*answer = dump(ans);
	json_decref(ans);
	json_decref(r.out);
	json_decref(in);
	return *answer != NULL ? POUCH_OK : POUCH_E_NOMEM;
fail:
	*answer = error_answer(id, rc, r.msg);
	json_decref(r.out);
	json_decref(in);
	return *answer != NULL ? POUCH_OK : POUCH_E_NOMEM;
}
