/*
 * fuzz/codec.c - drives the bounded reader (src/codec/rd.c) over arbitrary
 * input with a little program of read operations, and the writer
 * (src/codec/wr.c) back over what was read.
 *
 * Input: [L] [program: L bytes] [data: the rest].  Each program byte is one
 * operation (low nibble) with an argument (high nibble), run against the
 * innermost reader of a stack of nested sub-readers over the data.  Every
 * result is checked against an independent statement of RFC 9420 2.1.2, a
 * failed read must leave every reader exactly where it was, and everything
 * that was decoded is logged.  At the end the log is encoded again, and
 * encode(decode(b)) must reproduce exactly the bytes consumed, through a
 * growing writer and through a fixed buffer; one byte less must fail with
 * TOO_LARGE / BUFFER_TOO_SMALL.  Any mismatch abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The codec is compiled into this target (STYLE 7 allows it in fuzzers) so
 * that -fsanitize=fuzzer instruments rd.c and wr.c themselves and coverage
 * guides the search; pouch_static's copies are then never linked in.
 */
#include "codec/rd.c"
#include "codec/wr.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum op {
	OP_U8, OP_U16, OP_U32, OP_U64, OP_VARINT, OP_COPY, OP_PTR, OP_OPAQUE,
	OP_OPTIONAL, OP_VEC, OP_DONE, OP_OPT_U32, OP_VEC_LEFT, OP_STRUCT,
	OP_VARINT2, OP_REST
};

enum ev_kind {
	EV_U8, EV_U16, EV_U32, EV_U64, EV_VARINT, EV_BYTES, EV_OPAQUE,
	EV_OPTIONAL, EV_OPEN, EV_CLOSE
};

struct ev {
	enum ev_kind	 kind;
	uint64_t	 v;
	const uint8_t	*p;
	size_t		 n;
};

/* A failed read leaves an out-parameter as it was, or cleared. */
#define KEPT(v, was)	((v) == (was) || (v) == 0)

#define MAX_PROG	255
/* up to 3 events per op, 2 per block closed at the end */
#define MAX_EV		(3 * MAX_PROG + 2 * POUCH_WR_DEPTH + 8)

/* Vector maxima picked by an op's argument. */
static const size_t max_tab[16] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 63, 64, 255, 16383, 16384,
	POUCH_VARINT_MAX, SIZE_MAX
};

struct fz {
	struct pouch_rd	st[POUCH_WR_DEPTH + 1];	/* st[0]: the whole data */
	int		depth;			/* index of the innermost */
	struct ev	ev[MAX_EV];
	size_t		nev;
	int		opened;			/* any block at all */
};

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_codec: check failed: %s\n", what);
		abort();
	}
}

static void
log_ev(struct fz *f, enum ev_kind kind, uint64_t v, const uint8_t *p,
    size_t n)
{
	check(f->nev < MAX_EV, "event log overflow");
	f->ev[f->nev].kind = kind;
	f->ev[f->nev].v = v;
	f->ev[f->nev].p = p;
	f->ev[f->nev].n = n;
	f->nev++;
}

/* RFC 9420 2.1.2, stated independently of rd.c. */
static int
ref_varint(const struct pouch_rd *r, uint32_t *v, size_t *used)
{
	size_t left = (size_t)(r->end - r->p), len, i;
	uint32_t x;

	if (left == 0)
		return POUCH_E_TRUNCATED;
	switch (r->p[0] & 0xc0) {
	case 0x00:
		len = 1;
		break;
	case 0x40:
		len = 2;
		break;
	case 0x80:
		len = 4;
		break;
	default:
		return POUCH_E_MALFORMED;
	}
	if (left < len)
		return POUCH_E_TRUNCATED;
	x = r->p[0] & 0x3f;
	for (i = 1; i < len; i++)
		x = x * 256 + r->p[i];
	if ((len == 2 && x < 64) || (len == 4 && x < 16384))
		return POUCH_E_MALFORMED;
	*v = x;
	*used = len;
	return POUCH_OK;
}

/* The expected result of a vector read: rc, body start and length. */
static int
ref_vec(const struct pouch_rd *r, size_t max, const uint8_t **body,
    size_t *len)
{
	uint32_t v = 0;
	size_t used = 0;
	int rc;

	if ((rc = ref_varint(r, &v, &used)) != POUCH_OK)
		return rc;
	if (v > max)
		return POUCH_E_TOO_LARGE;
	if (v > (size_t)(r->end - r->p) - used)
		return POUCH_E_TRUNCATED;
	*body = r->p + used;
	*len = v;
	return POUCH_OK;
}

static uint64_t
ref_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A fixed-width integer read of n bytes from the innermost reader. */
static void
op_int(struct fz *f, size_t n)
{
	struct pouch_rd *r = &f->st[f->depth];
	const uint8_t *p0 = r->p;
	size_t left = pouch_rd_left(r);
	uint8_t v8 = 0xa5;
	uint16_t v16 = 0xa5a5;
	uint32_t v32 = 0xa5a5a5a5U;
	uint64_t v64 = UINT64_C(0xa5a5a5a5a5a5a5a5), got;
	enum ev_kind kind;
	int rc;

	switch (n) {
	case 1:
		rc = pouch_rd_u8(r, &v8);
		got = v8;
		kind = EV_U8;
		break;
	case 2:
		rc = pouch_rd_u16(r, &v16);
		got = v16;
		kind = EV_U16;
		break;
	case 4:
		rc = pouch_rd_u32(r, &v32);
		got = v32;
		kind = EV_U32;
		break;
	default:
		rc = pouch_rd_u64(r, &v64);
		got = v64;
		kind = EV_U64;
		break;
	}
	if (left < n) {
		check(rc == POUCH_E_TRUNCATED, "short int: TRUNCATED");
		check(KEPT(v8, 0xa5) && KEPT(v16, 0xa5a5) &&
		    KEPT(v32, 0xa5a5a5a5U) &&
		    KEPT(v64, UINT64_C(0xa5a5a5a5a5a5a5a5)),
		    "failed int read left its out-parameter alone");
		return;
	}
	check(rc == POUCH_OK, "int read succeeds");
	check(r->p == p0 + n, "int read advances by its width");
	check(got == ref_be(p0, n), "int read is big-endian");
	log_ev(f, kind, got, NULL, 0);
}

static void
op_varint(struct fz *f)
{
	struct pouch_rd *r = &f->st[f->depth];
	const uint8_t *p0 = r->p;
	uint32_t v = 0xdeadbeefU, rv = 0;
	size_t used = 0;
	int rc, want;

	want = ref_varint(r, &rv, &used);
	rc = pouch_rd_varint(r, &v);
	check(rc == want, "varint result matches reference");
	if (rc != POUCH_OK) {
		check(KEPT(v, 0xdeadbeefU), "failed varint left out alone");
		return;
	}
	check(v == rv && v <= POUCH_VARINT_MAX, "varint value");
	check(r->p == p0 + used, "varint advances by its size");
	log_ev(f, EV_VARINT, v, NULL, 0);
}

static void
op_fixed(struct fz *f, size_t n, int copy)
{
	struct pouch_rd *r = &f->st[f->depth];
	const uint8_t *p0 = r->p, *ptr = NULL;
	size_t left = pouch_rd_left(r);
	uint8_t out[16];
	int rc;

	rc = copy ? pouch_rd_copy(r, out, n) : pouch_rd_ptr(r, &ptr, n);
	if (left < n) {
		check(rc == POUCH_E_TRUNCATED, "short fixed: TRUNCATED");
		return;
	}
	check(rc == POUCH_OK, "fixed read succeeds");
	check(r->p == p0 + n, "fixed read advances by n");
	if (copy)
		check(n == 0 || memcmp(out, p0, n) == 0, "copy is exact");
	else
		check(ptr == p0, "ptr points into the input");
	if (n > 0)
		log_ev(f, EV_BYTES, 0, p0, n);
}

static void
op_opaque(struct fz *f, size_t max)
{
	struct pouch_rd *r = &f->st[f->depth];
	const uint8_t *p0 = r->p, *ptr = NULL, *body = NULL;
	size_t len = 12345, rlen = 0;
	int rc, want;

	want = ref_vec(r, max, &body, &rlen);
	rc = pouch_rd_opaque(r, &ptr, &len, max);
	check(rc == want, "opaque result matches reference");
	if (rc != POUCH_OK) {
		check(ptr == NULL && KEPT(len, 12345),
		    "failed opaque left out alone");
		return;
	}
	check(ptr == body && len == rlen, "opaque body");
	check(r->p == body + len && r->p > p0, "opaque advances past body");
	log_ev(f, EV_OPAQUE, 0, ptr, len);
}

static void
op_optional(struct fz *f)
{
	struct pouch_rd *r = &f->st[f->depth];
	const uint8_t *p0 = r->p;
	size_t left = pouch_rd_left(r);
	int present = 7, rc;

	rc = pouch_rd_optional(r, &present);
	if (left == 0) {
		check(rc == POUCH_E_TRUNCATED, "optional at end: TRUNCATED");
		return;
	}
	if (p0[0] > 1) {
		check(rc == POUCH_E_MALFORMED, "optional > 1: MALFORMED");
		check(KEPT(present, 7), "failed optional left out alone");
		return;
	}
	check(rc == POUCH_OK && present == p0[0], "optional 0/1");
	check(r->p == p0 + 1, "optional advances by one");
	log_ev(f, EV_OPTIONAL, (uint64_t)present, NULL, 0);
}

/* optional<uint32>, decoded on a copy and committed only when complete. */
static void
op_opt_u32(struct fz *f)
{
	struct pouch_rd *r = &f->st[f->depth], t = *r;
	uint32_t v = 0;
	int present = 0, rc;

	if ((rc = pouch_rd_optional(&t, &present)) == POUCH_OK && present)
		rc = pouch_rd_u32(&t, &v);
	if (rc != POUCH_OK)
		return;
	*r = t;
	log_ev(f, EV_OPTIONAL, (uint64_t)present, NULL, 0);
	if (present)
		log_ev(f, EV_U32, v, NULL, 0);
}

/* T x<V>: push a sub-reader over the vector's body. */
static void
op_vec(struct fz *f, size_t max)
{
	struct pouch_rd *r = &f->st[f->depth], sub;
	const uint8_t *body = NULL;
	size_t rlen = 0;
	int rc, want;

	if (f->depth == POUCH_WR_DEPTH)
		return;
	sub.p = sub.end = NULL;
	want = ref_vec(r, max, &body, &rlen);
	rc = pouch_rd_vec(r, &sub, max);
	check(rc == want, "vec result matches reference");
	if (rc != POUCH_OK) {
		check(sub.p == NULL && sub.end == NULL,
		    "failed vec left sub alone");
		return;
	}
	check(sub.p == body && sub.end == body + rlen, "vec sub bounds");
	check(r->p == sub.end, "vec advances past its body");
	f->st[++f->depth] = sub;
	f->opened = 1;
	log_ev(f, EV_OPEN, 0, NULL, 0);
}

/* Close the innermost sub-reader; trailing bytes are carried as bytes. */
static void
pop(struct fz *f)
{
	struct pouch_rd *r = &f->st[f->depth];
	size_t left = pouch_rd_left(r);
	const uint8_t *p0 = r->p, *ptr = NULL;

	if (left > 0) {
		check(pouch_rd_ptr(r, &ptr, left) == POUCH_OK && ptr == p0,
		    "rest of a sub-reader");
		log_ev(f, EV_BYTES, 0, ptr, left);
	}
	check(pouch_rd_done(r) == POUCH_OK, "done after the rest");
	log_ev(f, EV_CLOSE, 0, NULL, 0);
	f->depth--;
}

static void
op_done(struct fz *f)
{
	struct pouch_rd *r = &f->st[f->depth];
	int rc = pouch_rd_done(r);

	check(rc == (pouch_rd_left(r) == 0 ? POUCH_OK : POUCH_E_TRAILING),
	    "done is OK exactly at the end");
	if (f->depth > 0)
		pop(f);
}

/* struct { uint16 x; } in a vector, which must hold exactly that. */
static void
op_struct(struct fz *f, size_t max)
{
	struct pouch_rd *r = &f->st[f->depth], t = *r, sub;
	uint16_t x = 0;
	int rc;

	if (f->depth == POUCH_WR_DEPTH)
		return;
	if ((rc = pouch_rd_vec(&t, &sub, max)) != POUCH_OK)
		return;
	if (pouch_rd_u16(&sub, &x) != POUCH_OK)
		return;
	rc = pouch_rd_done(&sub);
	check(rc == (sub.p == sub.end ? POUCH_OK : POUCH_E_TRAILING),
	    "struct done");
	if (rc != POUCH_OK)
		return;
	*r = t;
	f->opened = 1;
	log_ev(f, EV_OPEN, 0, NULL, 0);
	log_ev(f, EV_U16, x, NULL, 0);
	log_ev(f, EV_CLOSE, 0, NULL, 0);
}

static void
op_rest(struct fz *f)
{
	struct pouch_rd *r = &f->st[f->depth];

	op_fixed(f, pouch_rd_left(r), 0);
}

static void
run_op(struct fz *f, uint8_t b)
{
	unsigned int arg = b >> 4;
	size_t left;

	switch ((enum op)(b & 0x0f)) {
	case OP_U8:		op_int(f, 1); break;
	case OP_U16:		op_int(f, 2); break;
	case OP_U32:		op_int(f, 4); break;
	case OP_U64:		op_int(f, 8); break;
	case OP_VARINT:
	case OP_VARINT2:	op_varint(f); break;
	case OP_COPY:		op_fixed(f, arg, 1); break;
	case OP_PTR:		op_fixed(f, arg, 0); break;
	case OP_OPAQUE:		op_opaque(f, max_tab[arg]); break;
	case OP_OPTIONAL:	op_optional(f); break;
	case OP_VEC:		op_vec(f, max_tab[arg]); break;
	case OP_DONE:		op_done(f); break;
	case OP_OPT_U32:	op_opt_u32(f); break;
	case OP_VEC_LEFT:
		/* a maximum just below or at what is left */
		left = pouch_rd_left(&f->st[f->depth]);
		op_vec(f, left > arg ? left - arg : 0);
		break;
	case OP_STRUCT:		op_struct(f, max_tab[arg]); break;
	default:		op_rest(f); break;
	}
}

static void
encode_log(struct pouch_wr *w, const struct fz *f)
{
	size_t i;

	for (i = 0; i < f->nev; i++) {
		const struct ev *e = &f->ev[i];

		switch (e->kind) {
		case EV_U8:	pouch_wr_u8(w, (uint8_t)e->v); break;
		case EV_U16:	pouch_wr_u16(w, (uint16_t)e->v); break;
		case EV_U32:	pouch_wr_u32(w, (uint32_t)e->v); break;
		case EV_U64:	pouch_wr_u64(w, e->v); break;
		case EV_VARINT:	pouch_wr_varint(w, (uint32_t)e->v); break;
		case EV_BYTES:	pouch_wr_bytes(w, e->p, e->n); break;
		case EV_OPAQUE:	pouch_wr_opaque(w, e->p, e->n); break;
		case EV_OPTIONAL: pouch_wr_optional(w, (int)e->v); break;
		case EV_OPEN:	pouch_wr_vec_open(w); break;
		case EV_CLOSE:	pouch_wr_vec_close(w); break;
		}
	}
}

/* encode(decode(b)) == b, for a growing and a fixed writer. */
static void
check_reencode(const struct fz *f, const uint8_t *in, size_t consumed)
{
	/* a block reserves 4 bytes until closed: up to 3 spare per level */
	const size_t slack = 3 * POUCH_WR_DEPTH;
	struct pouch_wr w;
	uint8_t *out = NULL, *fixed;
	size_t len = 0;
	int rc;

	pouch_wr_init(&w, consumed + slack);
	encode_log(&w, f);
	check(pouch_wr_take(&w, &out, &len) == POUCH_OK, "re-encode ok");
	check(len == consumed, "re-encode has the consumed length");
	check(len == 0 || memcmp(out, in, len) == 0,
	    "encode(decode(b)) == b");
	pouch_wr_buf_free(out, len);
	pouch_wr_free(&w);

	if (consumed > 0) {
		pouch_wr_init(&w, consumed - 1);
		encode_log(&w, f);
		check(pouch_wr_finish(&w) == POUCH_E_TOO_LARGE,
		    "one byte under max is TOO_LARGE");
		pouch_wr_free(&w);
	}

	/* exact heap buffers, so ASan sees any write past cap */
	if ((fixed = malloc(consumed + slack)) == NULL)
		return;
	pouch_wr_init_buf(&w, fixed, consumed + slack);
	encode_log(&w, f);
	check(pouch_wr_finish(&w) == POUCH_OK && w.len == consumed &&
	    (consumed == 0 || memcmp(fixed, in, consumed) == 0),
	    "fixed-buffer re-encode");
	pouch_wr_free(&w);
	free(fixed);

	if ((fixed = malloc(consumed ? consumed : 1)) == NULL)
		return;
	pouch_wr_init_buf(&w, fixed, consumed);
	encode_log(&w, f);
	rc = pouch_wr_finish(&w);
	if (rc == POUCH_OK)
		check(w.len == consumed &&
		    (consumed == 0 || memcmp(fixed, in, consumed) == 0),
		    "exact fixed buffer re-encode");
	else	/* only the 4-byte reservation of a block can fail here */
		check(rc == POUCH_E_BUFFER_TOO_SMALL && f->opened,
		    "exact fixed buffer fails only for blocks");
	pouch_wr_free(&w);
	free(fixed);

	if (consumed > 0 && (fixed = malloc(consumed - 1 ? consumed - 1 : 1))
	    != NULL) {
		pouch_wr_init_buf(&w, fixed, consumed - 1);
		encode_log(&w, f);
		check(pouch_wr_finish(&w) == POUCH_E_BUFFER_TOO_SMALL,
		    "one byte short fixed buffer");
		pouch_wr_free(&w);
		free(fixed);
	}
}

/*
 * Every reader lies inside the data, and a sub-reader's vector ends exactly
 * where its parent stopped: the parent consumed it and cannot move.
 */
static void
check_bounds(const struct fz *f, const uint8_t *in, size_t ilen)
{
	int d;

	check(f->st[0].p >= in && f->st[0].end == in + ilen &&
	    f->st[0].p <= f->st[0].end, "top reader bounds");
	for (d = 1; d <= f->depth; d++)
		check(f->st[d].p >= in && f->st[d].p <= f->st[d].end &&
		    f->st[d].end == f->st[d - 1].p, "sub-reader bounds");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	const uint8_t *prog, *in;
	size_t plen, ilen, i;

	if (size == 0)
		return 0;
	plen = data[0];
	if (plen > size - 1)
		plen = size - 1;
	prog = data + 1;
	in = prog + plen;
	ilen = size - 1 - plen;

	memset(&f, 0, sizeof(f));
	pouch_rd_init(&f.st[0], in, ilen);
	check(pouch_rd_left(&f.st[0]) == ilen, "init");
	for (i = 0; i < plen; i++) {
		struct pouch_rd saved[POUCH_WR_DEPTH + 1];
		size_t nev = f.nev;
		int depth = f.depth;

		memcpy(saved, f.st, sizeof(saved));
		run_op(&f, prog[i]);
		if (f.nev == nev) {
			/* nothing decoded: nothing may have moved */
			check(f.depth == depth, "failed op kept depth");
			check(memcmp(saved, f.st, sizeof(saved)) == 0,
			    "failed read moved a reader");
		} else {
			/* outer readers never move while an inner one reads */
			int d = f.depth < depth ? f.depth : depth;

			check(memcmp(saved, f.st, (size_t)d *
			    sizeof(saved[0])) == 0, "outer reader moved");
		}
		check_bounds(&f, in, ilen);
	}
	while (f.depth > 0)
		pop(&f);
	check_reencode(&f, in, (size_t)(f.st[0].p - in));
	return 0;
}
