/*
 * client/mime - compose and parse Pouch messages as RFC 5322 / MIME with
 * GMime 3; see mime.h and docs/PROTOCOL.md "Messages and attachments".
 *
 * GMime keeps process-wide tables (charsets, content-type registry) that
 * g_mime_init() builds; it is not safe to call twice concurrently, so it
 * runs once through pthread_once on the first compose/parse/export.  This
 * is libpouch's one process-wide initialisation; nothing undoes it
 * (g_mime_shutdown is never called, the tables live until exit).
 *
 * The parser trusts nothing: the input is bounded before GMime sees it,
 * any GMime parser warning other than harmless ones rejects the message,
 * required headers must appear exactly once, user names, message ids,
 * content types and file names are checked or sanitised, and the body
 * must be valid UTF-8 (else MALFORMED: no replacement characters, so a
 * message reads the same to every member).  Keys are copied out of GMime
 * and wiped on free; GMime's own copies of the header text are freed by
 * GLib without wiping (best effort: the byte buffers we own are wiped).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/mime.h"
#include "codec/codec.h"
#include "crypto/crypto.h"

#define USER_MAX	64
#define DOMAIN_MAX	253
#define MSGID_MAX	250
#define REF_MAX		128	/* References entries kept */
#define FNAME_MAX	255	/* bytes of a file name */
#define CTYPE_MAX	127
#define PHANTOM_MAX	8192	/* external-body inner header */
#define DEPTH_MAX	4	/* message = 0, its top part = 1 */
#define ADDR_MAX	(USER_MAX + 2 + 1 + DOMAIN_MAX + 1)	/* quotes */

struct pouch_mime_msg {
	char			*domain;
	char			*from;
	char			**to;
	size_t			 nto;
	char			*subject;
	int64_t			 date;
	char			*message_id;
	char			*in_reply_to;
	char			**refs;
	size_t			 nrefs;
	char			*body;
	size_t			 bodylen;
	int			 have_body;
	struct pouch_mime_att	 att[POUCH_MIME_ATT_MAX];
	size_t			 natt;
};

/* Parser warnings seen while GMime parses one message. */
struct warn {
	int	bad;
	int	nesting;
	int	dup;
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_init_once(void)
{
	g_mime_init();
}

static void
mime_init(void)
{
	(void)pthread_once(&gmime_once, gmime_init_once);
}

void
pouch_mime_buf_free(uint8_t *p, size_t n)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, n);
	free(p);
}

/* ---- checks and small helpers --------------------------------------- */

static int
valid_user(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= USER_MAX)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	}
	return i > 0;
}

/*
 * "user@domain" into buf: a user name that is not an RFC 5322 dot-atom
 * (a dot at either end, or two in a row) is written as a quoted string.
 */
static void
fmt_addr(char *buf, size_t n, const char *user, const char *domain)
{
	size_t l = strlen(user);
	int q;

	q = user[0] == '.' || user[l - 1] == '.' || strstr(user, "..") != NULL;
	(void)snprintf(buf, n, "%s%s%s@%s", q ? "\"" : "", user, q ? "\"" : "",
	    domain);
}

static int
valid_domain(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= DOMAIN_MAX)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '-'))
			return 0;
		if (s[i] == '.' && (s[i + 1] == '.' || s[i + 1] == '\0'))
			return 0;
	}
	return i > 0;
}

/*
 * A msg-id without its brackets: dot-atom-text "@" dot-atom-text (RFC
 * 5322 3.6.4), so that it reads back the same through any parser.
 */
static int
valid_msgid(const char *s)
{
	size_t i, nat = 0;
	char prev = '@';

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= MSGID_MAX)
			return 0;
		if (s[i] <= 0x20 || s[i] >= 0x7f ||
		    strchr("<>()[]\\\",;:", s[i]) != NULL)
			return 0;
		/* no empty atom: at the ends, around '@', or "..". */
		if ((s[i] == '@' || s[i] == '.') && (prev == '@' ||
		    prev == '.'))
			return 0;
		if (s[i] == '@')
			nat++;
		prev = s[i];
	}
	return nat == 1 && prev != '@' && prev != '.';
}

/* Valid UTF-8 without NUL or C0/DEL controls (tab allowed if tab). */
static int
valid_line(const char *s, int tab)
{
	size_t i;

	if (!g_utf8_validate(s, -1, NULL))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] < 0x20 && !(tab && s[i] == '\t')) ||
		    s[i] == 0x7f)
			return 0;
	return 1;
}

static int
ctoken(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$&^_.+-", c)
	    != NULL);
}

/* "type/subtype" of RFC 6838 restricted-name characters. */
static int
valid_ctype(const char *s)
{
	size_t i, slash = 0, n = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CTYPE_MAX)
			return 0;
		if (s[i] == '/') {
			slash = i;
			n++;
		} else if (!ctoken(s[i]))
			return 0;
	}
	return n == 1 && slash > 0 && s[slash + 1] != '\0';
}

static int
valid_fname(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > FNAME_MAX)
		return 0;
	if (strchr(s, '/') != NULL || strchr(s, '\\') != NULL ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	return valid_line(s, 0);
}

/* A decimal without sign or leading zeros, at most INT64_MAX. */
static int
dec_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(s[i] -
		    '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

/* ---- compose ---------------------------------------------------------- */

/*
 * The Subject as it goes on the wire.  GMime 3.2's own encoder
 * (g_mime_message_set_subject) is not used: next to a literal "=?" or
 * "?=" it can split an encoded word across a fold, and its decoder joins
 * adjacent base64 words before decoding, so a padded word ends the text.
 * So: a plain subject (printable ASCII, single spaces between words of at
 * most 64 characters, no "=?" or "?=") goes as it is; any other becomes
 * RFC 2047 Q-encoded words, lines of at most 76 columns, each holding whole
 * UTF-8 characters, which GMime folds at the spaces between them and
 * decodes back byte for byte.
 */
static int
subject_plain(const char *s)
{
	size_t i, w = 0;

	if (s[0] == ' ')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
		if ((s[i] == '=' && s[i + 1] == '?') ||
		    (s[i] == '?' && s[i + 1] == '='))
			return 0;
		if (s[i] != ' ') {
			if (++w > 64)
				return 0;
			continue;
		}
		if (s[i + 1] == ' ' || s[i + 1] == '\0')
			return 0;
		w = 0;
	}
	return 1;
}

/* Text per word: a line holding encoded words stays within 76 columns. */
#define QWORD_MAX	(76 - 1 - 12)	/* " =?UTF-8?Q?" text "?=" */
#define QWORD1_MAX	(76 - 9 - 12)	/* "Subject: " on the first line */

static int
qsafe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == ' ';
}

static char *
subject_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	GString *o;
	size_t i, j, k, n, w, need, cap;
	unsigned char c;

	if (subject_plain(s))
		return g_strdup(s);
	o = g_string_new(NULL);
	n = strlen(s);
	for (i = 0; i < n; ) {
		cap = o->len == 0 ? QWORD1_MAX : QWORD_MAX;
		if (o->len > 0)
			g_string_append_c(o, ' ');
		g_string_append(o, "=?UTF-8?Q?");
		for (w = 0; i < n; i = k, w += need) {
			/* one whole UTF-8 character: s is valid UTF-8 */
			for (k = i + 1; k < n && (s[k] & 0xc0) == 0x80; k++)
				;
			for (need = 0, j = i; j < k; j++)
				need += qsafe((unsigned char)s[j]) ? 1 : 3;
			if (w + need > cap)
				break;
			for (j = i; j < k; j++) {
				c = (unsigned char)s[j];
				if (c == ' ')
					g_string_append_c(o, '_');
				else if (qsafe(c))
					g_string_append_c(o, (char)c);
				else {
					g_string_append_c(o, '=');
					g_string_append_c(o, hex[c >> 4]);
					g_string_append_c(o, hex[c & 15]);
				}
			}
		}
		g_string_append(o, "?=");
	}
	return g_string_free(o, FALSE);
}

/* A GMime memory stream over a byte array we own, so that we wipe it. */
static GMimeStream *
mem_stream(GByteArray *ba)
{
	GMimeStream *s;

	s = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	return s;
}

static void
byte_array_wipe_free(GByteArray *ba)
{
	if (ba == NULL)
		return;
	if (ba->len > 0)
		OPENSSL_cleanse(ba->data, ba->len);
	g_byte_array_free(ba, TRUE);
}

/* Set a part's content to n bytes (copied) with encoding enc. */
static void
set_content(GMimePart *part, const void *p, size_t n,
    GMimeContentEncoding enc)
{
	GMimeStream *s;
	GMimeDataWrapper *w;

	s = g_mime_stream_mem_new_with_buffer(n > 0 ? p : "", n);
	w = g_mime_data_wrapper_new_with_stream(s,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(s);
	if (enc != GMIME_CONTENT_ENCODING_DEFAULT)
		g_mime_part_set_content_encoding(part, enc);
}

/* A part of the attachment's own type with its disposition. */
static GMimePart *
file_part(const struct pouch_mime_att *a)
{
	const char *ct = a->content_type != NULL ? a->content_type :
	    "application/octet-stream";
	char type[CTYPE_MAX + 1];
	const char *slash;
	GMimeContentDisposition *d;
	GMimeParam *fp;
	GMimePart *p;

	slash = strchr(ct, '/');
	memcpy(type, ct, (size_t)(slash - ct));
	type[slash - ct] = '\0';
	p = g_mime_part_new_with_type(type, slash + 1);
	d = g_mime_content_disposition_new();
	g_mime_content_disposition_set_disposition(d,
	    GMIME_DISPOSITION_ATTACHMENT);
	g_mime_content_disposition_set_parameter(d, "filename", a->filename);
	/* RFC 2231 in UTF-8 rather than GMime's smallest charset */
	fp = g_mime_param_list_get_parameter(
	    g_mime_content_disposition_get_parameters(d), "filename");
	if (fp != NULL)
		g_mime_param_set_charset(fp, "utf-8");
	g_mime_object_set_content_disposition(GMIME_OBJECT(p), d);
	g_object_unref(d);
	return p;
}

/* message/external-body; access-type=x-pouch-blob (RFC 2046 5.2.3). */
static GMimeObject *
ref_part(const struct pouch_mime_att *a, const char *domain)
{
	char hex[2 * 32 + 1], cid[2 * 32 + 1 + DOMAIN_MAX + 1], size[24];
	GMimeFormatOptions *fo;
	GMimePart *inner, *outer;
	GByteArray *ph;
	char *hdr;

	inner = file_part(a);
	pouch_hex(a->hash, sizeof(a->hash), hex);
	(void)snprintf(cid, sizeof(cid), "%s@%s", hex, domain);
	g_mime_object_set_content_id(GMIME_OBJECT(inner), cid);
	fo = g_mime_format_options_new();
	hdr = g_mime_object_get_headers(GMIME_OBJECT(inner), fo);
	g_mime_format_options_free(fo);
	g_object_unref(inner);

	outer = g_mime_part_new_with_type("message", "external-body");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(outer),
	    "access-type", "x-pouch-blob");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(outer),
	    "hash", hex);
	pouch_hex(a->key, sizeof(a->key), hex);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(outer),
	    "key", hex);
	OPENSSL_cleanse(hex, sizeof(hex));
	(void)snprintf(size, sizeof(size), "%llu",
	    (unsigned long long)a->size);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(outer),
	    "size", size);
	/* the phantom body: the inner header, a blank line, nothing */
	ph = g_byte_array_new();
	g_byte_array_append(ph, (const guint8 *)hdr, (guint)strlen(hdr));
	g_byte_array_append(ph, (const guint8 *)"\n", 1);
	g_free(hdr);
	set_content(outer, ph->data, ph->len, GMIME_CONTENT_ENCODING_7BIT);
	g_byte_array_free(ph, TRUE);
	return GMIME_OBJECT(outer);
}

static int
check_in(const struct pouch_mime_in *in, const char *domain)
{
	const struct pouch_mime_att *a;
	size_t i;

	if (!valid_domain(domain) || !valid_user(in->from))
		return POUCH_E_MISUSE;
	if (in->nto == 0 || in->nto > POUCH_MIME_RCPT_MAX || in->to == NULL)
		return POUCH_E_MISUSE;
	for (i = 0; i < in->nto; i++)
		if (!valid_user(in->to[i]))
			return POUCH_E_MISUSE;
	if (in->subject != NULL && !valid_line(in->subject, 1))
		return POUCH_E_MISUSE;
	if (in->message_id != NULL && !valid_msgid(in->message_id))
		return POUCH_E_MISUSE;
	if (in->in_reply_to != NULL && !valid_msgid(in->in_reply_to))
		return POUCH_E_MISUSE;
	if (in->nreferences > REF_MAX ||
	    (in->nreferences > 0 && in->references == NULL))
		return POUCH_E_MISUSE;
	for (i = 0; i < in->nreferences; i++)
		if (!valid_msgid(in->references[i]))
			return POUCH_E_MISUSE;
	if (in->body == NULL && in->bodylen > 0)
		return POUCH_E_MISUSE;
	if (in->bodylen > POUCH_MIME_MAX || (in->bodylen > 0 &&
	    !g_utf8_validate(in->body, (gssize)in->bodylen, NULL)))
		return POUCH_E_MISUSE;
	if (in->natt > POUCH_MIME_ATT_MAX || (in->natt > 0 && in->att == NULL))
		return POUCH_E_MISUSE;
	for (i = 0; i < in->natt; i++) {
		a = &in->att[i];
		if (!valid_fname(a->filename) || (a->content_type != NULL &&
		    !valid_ctype(a->content_type)) || a->size > INT64_MAX)
			return POUCH_E_MISUSE;
	}
	/* g_date_time covers years 1..9999 */
	if (in->date < -62135596800LL || in->date > 253402300799LL)
		return POUCH_E_MISUSE;
	return POUCH_OK;
}

/*
 * Build the message.  att_pt NULL (or att_pt[i] NULL): attachment i is a
 * reference; else its bytes are inlined (export).  cap: output bound.
 */
static int
build(const struct pouch_mime_in *in, const char *domain, const char *msgid,
    const uint8_t *const *att_pt, const size_t *att_ptlen, size_t cap,
    uint8_t **out, size_t *outlen)
{
	GMimeMessage *msg = NULL;
	GMimeMultipart *mp = NULL;
	GMimeTextPart *tp = NULL;
	GMimeObject *part;
	GMimeContentEncoding enc;
	GMimeFormatOptions *fo = NULL;
	GMimeStream *os = NULL;
	GByteArray *ba = NULL, *body = NULL;
	GDateTime *dt = NULL;
	GString *refs = NULL;
	char addr[ADDR_MAX + 1], *id = NULL, *subj = NULL;
	uint8_t *o = NULL;
	size_t i;
	int rc;

	msg = g_mime_message_new(FALSE);
	fmt_addr(addr, sizeof(addr), in->from, domain);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, NULL, addr);
	for (i = 0; i < in->nto; i++) {
		fmt_addr(addr, sizeof(addr), in->to[i], domain);
		g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL,
		    addr);
	}
	if ((dt = g_date_time_new_from_unix_utc(in->date)) == NULL) {
		rc = POUCH_E_MISUSE;
		goto out;
	}
	g_mime_message_set_date(msg, dt);
	if (in->subject != NULL) {
		subj = subject_encode(in->subject);
		g_mime_object_set_header(GMIME_OBJECT(msg), "Subject", subj,
		    NULL);
	}
	g_mime_message_set_message_id(msg, msgid);
	if (in->in_reply_to != NULL) {
		id = g_strdup_printf("<%s>", in->in_reply_to);
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", id,
		    NULL);
	}
	if (in->nreferences > 0) {
		refs = g_string_new(NULL);
		for (i = 0; i < in->nreferences; i++)
			g_string_append_printf(refs, "%s<%s>", i ? " " : "",
			    in->references[i]);
		g_mime_object_set_header(GMIME_OBJECT(msg), "References",
		    refs->str, NULL);
	}

	tp = g_mime_text_part_new_with_subtype("plain");
	body = g_byte_array_new();
	if (in->bodylen > 0)
		g_byte_array_append(body, (const guint8 *)in->body,
		    (guint)in->bodylen);
	set_content(GMIME_PART(tp), body->data, body->len,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_text_part_set_charset(tp, "utf-8");
	/*
	 * GMime ends a text that lacks a final newline with one: base64
	 * keeps such a body exact.  Otherwise 7bit or quoted-printable.
	 */
	if (in->bodylen > 0 && in->body[in->bodylen - 1] != '\n')
		enc = GMIME_CONTENT_ENCODING_BASE64;
	else
		enc = g_mime_part_get_best_content_encoding(GMIME_PART(tp),
		    GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_part_set_content_encoding(GMIME_PART(tp), enc);
	if (in->natt == 0)
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(tp));
	else {
		mp = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mp, GMIME_OBJECT(tp));
		for (i = 0; i < in->natt; i++) {
			if (att_pt != NULL && att_pt[i] != NULL) {
				part = GMIME_OBJECT(file_part(&in->att[i]));
				set_content(GMIME_PART(part), att_pt[i],
				    att_ptlen[i],
				    GMIME_CONTENT_ENCODING_BASE64);
			} else
				part = ref_part(&in->att[i], domain);
			g_mime_multipart_add(mp, part);
			g_object_unref(part);
		}
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mp));
	}

	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	ba = g_byte_array_new();
	os = mem_stream(ba);
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, os) < 0 ||
	    g_mime_stream_flush(os) != 0) {
		rc = POUCH_E_IO;
		goto out;
	}
	if (ba->len > cap) {
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if ((o = malloc(ba->len + 1)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	memcpy(o, ba->data, ba->len);
	*out = o;
	*outlen = ba->len;
	rc = POUCH_OK;
out:
	if (os != NULL)
		g_object_unref(os);
	byte_array_wipe_free(ba);
	byte_array_wipe_free(body);
	if (fo != NULL)
		g_mime_format_options_free(fo);
	if (refs != NULL)
		g_string_free(refs, TRUE);
	g_free(id);
	if (subj != NULL) {
		OPENSSL_cleanse(subj, strlen(subj));
		g_free(subj);
	}
	if (dt != NULL)
		g_date_time_unref(dt);
	if (tp != NULL)
		g_object_unref(tp);
	if (mp != NULL)
		g_object_unref(mp);
	g_object_unref(msg);
	return rc;
}

int
pouch_mime_compose(const struct pouch_mime_in *in, uint8_t **out,
    size_t *outlen)
{
	const char *domain;
	char gen[2 * 16 + 1 + DOMAIN_MAX + 1];
	uint8_t r[16];
	int rc;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (in == NULL || out == NULL || outlen == NULL)
		return POUCH_E_MISUSE;
	domain = in->domain != NULL ? in->domain : "pouch";
	if ((rc = check_in(in, domain)) != POUCH_OK)
		return rc;
	mime_init();
	if (in->message_id == NULL) {
		if ((rc = pouch_random(r, sizeof(r))) != POUCH_OK)
			return rc;
		pouch_hex(r, sizeof(r), gen);
		gen[2 * sizeof(r)] = '@';
		memcpy(gen + 2 * sizeof(r) + 1, domain, strlen(domain) + 1);
	}
	return build(in, domain, in->message_id != NULL ? in->message_id :
	    gen, NULL, NULL, POUCH_MIME_MAX, out, outlen);
}

/* ---- parse ------------------------------------------------------------ */

static void
on_warning(gint64 off, GMimeParserWarning code, const gchar *item,
    gpointer arg)
{
	struct warn *w = arg;

	(void)off;
	(void)item;
	switch (code) {
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
	case GMIME_WARN_PART_WITHOUT_CONTENT:
		break;		/* text shown as it is: harmless */
	case GMIME_WARN_DUPLICATED_HEADER:
	case GMIME_CRIT_CONFLICTING_HEADER:
		w->dup = 1;
		w->bad = 1;
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		w->nesting = 1;
		w->bad = 1;
		break;
	default:
		w->bad = 1;
		break;
	}
}

void
pouch_mime_free(struct pouch_mime_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->domain);
	free(m->from);
	for (i = 0; i < m->nto; i++)
		free(m->to[i]);
	free(m->to);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	for (i = 0; i < m->nrefs; i++)
		free(m->refs[i]);
	free(m->refs);
	if (m->body != NULL)
		pouch_mime_buf_free((uint8_t *)m->body, m->bodylen + 1);
	for (i = 0; i < m->natt; i++) {
		free((char *)m->att[i].filename);
		free((char *)m->att[i].content_type);
	}
	OPENSSL_cleanse(m->att, sizeof(m->att));
	free(m);
}

/* How many times a header appears. */
static int
header_count(GMimeObject *o, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);
	int i, n = 0, len = g_mime_header_list_get_count(hl);

	for (i = 0; i < len; i++)
		if (g_ascii_strcasecmp(g_mime_header_get_name(
		    g_mime_header_list_get_header_at(hl, i)), name) == 0)
			n++;
	return n;
}

/* "user@domain" to a user name; the domain must be *domain or sets it. */
static int
take_addr(InternetAddress *ia, char **domain, char **user)
{
	const char *a, *at;
	char u[USER_MAX + 1];
	size_t l;

	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return POUCH_E_MIME_HEADER;
	a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	if (a == NULL || (at = strrchr(a, '@')) == NULL)
		return POUCH_E_MALFORMED;
	l = (size_t)(at - a);
	if (l >= 2 && a[0] == '"' && a[l - 1] == '"') {	/* quoted */
		a++;
		l -= 2;
	}
	if (l > USER_MAX)
		return POUCH_E_MALFORMED;
	memcpy(u, a, l);
	u[l] = '\0';
	if (!valid_user(u) || !valid_domain(at + 1))
		return POUCH_E_MALFORMED;
	if (*domain == NULL) {
		if ((*domain = xstrdup(at + 1)) == NULL)
			return POUCH_E_NOMEM;
	} else if (strcmp(*domain, at + 1) != 0)
		return POUCH_E_MALFORMED;
	if ((*user = xstrdup(u)) == NULL)
		return POUCH_E_NOMEM;
	return POUCH_OK;
}

static int
parse_addrs(struct pouch_mime_msg *m, GMimeMessage *msg)
{
	InternetAddressList *l;
	int n, i, rc;

	if (header_count(GMIME_OBJECT(msg), "From") != 1 ||
	    header_count(GMIME_OBJECT(msg), "To") != 1)
		return POUCH_E_MIME_HEADER;
	l = g_mime_message_get_from(msg);
	if (l == NULL || internet_address_list_length(l) != 1)
		return POUCH_E_MIME_HEADER;
	if ((rc = take_addr(internet_address_list_get_address(l, 0),
	    &m->domain, &m->from)) != POUCH_OK)
		return rc;
	l = g_mime_message_get_to(msg);
	if (l == NULL || (n = internet_address_list_length(l)) < 1)
		return POUCH_E_MIME_HEADER;
	if (n > POUCH_MIME_RCPT_MAX)
		return POUCH_E_TOO_LARGE;
	if ((m->to = calloc((size_t)n, sizeof(*m->to))) == NULL)
		return POUCH_E_NOMEM;
	for (i = 0; i < n; i++) {
		if ((rc = take_addr(internet_address_list_get_address(l, i),
		    &m->domain, &m->to[i])) != POUCH_OK)
			return rc;
		m->nto++;
	}
	return POUCH_OK;
}

/* "<id>" header value to a checked id without brackets. */
static int
take_msgid(const char *v, char **out)
{
	char *id;
	int ok;

	if (v == NULL || (id = g_mime_utils_decode_message_id(v)) == NULL)
		return POUCH_E_MALFORMED;
	ok = valid_msgid(id);
	if (ok)
		*out = xstrdup(id);
	g_free(id);
	if (!ok)
		return POUCH_E_MALFORMED;
	return *out == NULL ? POUCH_E_NOMEM : POUCH_OK;
}

static int
parse_ids(struct pouch_mime_msg *m, GMimeMessage *msg,
    GMimeParserOptions *po)
{
	GMimeObject *o = GMIME_OBJECT(msg);
	GMimeReferences *r = NULL;
	const char *v;
	int i, n, rc;

	if (header_count(o, "Message-ID") != 1)
		return POUCH_E_MIME_HEADER;
	v = g_mime_message_get_message_id(msg);
	if (v == NULL || !valid_msgid(v))
		return POUCH_E_MALFORMED;
	if ((m->message_id = xstrdup(v)) == NULL)
		return POUCH_E_NOMEM;
	if ((n = header_count(o, "In-Reply-To")) > 1)
		return POUCH_E_MIME_HEADER;
	if (n == 1 && (rc = take_msgid(g_mime_object_get_header(o,
	    "In-Reply-To"), &m->in_reply_to)) != POUCH_OK)
		return rc;
	if ((n = header_count(o, "References")) > 1)
		return POUCH_E_MIME_HEADER;
	if (n == 0)
		return POUCH_OK;
	v = g_mime_object_get_header(o, "References");
	if (v == NULL || (r = g_mime_references_parse(po, v)) == NULL)
		return POUCH_E_MALFORMED;
	n = g_mime_references_length(r);
	if (n > REF_MAX) {
		rc = POUCH_E_TOO_LARGE;
		goto out;
	}
	if (n > 0 && (m->refs = calloc((size_t)n, sizeof(*m->refs))) ==
	    NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		v = g_mime_references_get_message_id(r, i);
		if (v == NULL || !valid_msgid(v)) {
			rc = POUCH_E_MALFORMED;
			goto out;
		}
		if ((m->refs[i] = xstrdup(v)) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		m->nrefs++;
	}
	rc = POUCH_OK;
out:
	g_mime_references_free(r);
	return rc;
}

static int
parse_head(struct pouch_mime_msg *m, GMimeMessage *msg,
    GMimeParserOptions *po)
{
	GDateTime *dt;
	const char *s;
	size_t i;
	int rc, n;

	if ((rc = parse_addrs(m, msg)) != POUCH_OK)
		return rc;
	if (header_count(GMIME_OBJECT(msg), "Date") != 1 ||
	    (dt = g_mime_message_get_date(msg)) == NULL)
		return POUCH_E_MIME_HEADER;
	m->date = g_date_time_to_unix(dt);
	if ((n = header_count(GMIME_OBJECT(msg), "Subject")) > 1)
		return POUCH_E_MIME_HEADER;
	s = n == 1 ? g_mime_message_get_subject(msg) : NULL;
	if (s == NULL)
		s = "";
	if (!g_utf8_validate(s, -1, NULL))
		return POUCH_E_MALFORMED;
	if ((m->subject = xstrdup(s)) == NULL)
		return POUCH_E_NOMEM;
	/* a peer's subject is shown on one line: controls become spaces */
	for (i = 0; m->subject[i] != '\0'; i++)
		if ((unsigned char)m->subject[i] < 0x20 ||
		    m->subject[i] == 0x7f)
			m->subject[i] = ' ';
	return parse_ids(m, msg, po);
}

/* A part's decoded content into a fresh byte array (NULL: none). */
static int
part_bytes(GMimePart *p, size_t max, GByteArray **out)
{
	GMimeDataWrapper *w;
	GMimeStream *s;
	GByteArray *ba;
	ssize_t r;

	*out = NULL;
	ba = g_byte_array_new();
	if ((w = g_mime_part_get_content(p)) != NULL) {
		s = mem_stream(ba);
		r = g_mime_data_wrapper_write_to_stream(w, s);
		g_object_unref(s);
		if (r < 0) {
			byte_array_wipe_free(ba);
			return POUCH_E_MALFORMED;
		}
	}
	if (ba->len > max) {
		byte_array_wipe_free(ba);
		return POUCH_E_TOO_LARGE;
	}
	*out = ba;
	return POUCH_OK;
}

static int
take_body(struct pouch_mime_msg *m, GMimePart *p)
{
	const char *cs;
	GByteArray *ba = NULL;
	size_t i, j;
	int rc;

	cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(p),
	    "charset");
	if (cs != NULL && g_ascii_strcasecmp(cs, "utf-8") != 0 &&
	    g_ascii_strcasecmp(cs, "us-ascii") != 0)
		return POUCH_E_MALFORMED;
	if ((rc = part_bytes(p, POUCH_MIME_MAX, &ba)) != POUCH_OK)
		return rc;
	/* CRLF to LF: bodies are LF text */
	for (i = j = 0; i < ba->len; i++)
		if (!(ba->data[i] == '\r' && i + 1 < ba->len &&
		    ba->data[i + 1] == '\n'))
			ba->data[j++] = ba->data[i];
	if (j > 0 && !g_utf8_validate((const char *)ba->data, (gssize)j,
	    NULL)) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((m->body = malloc(j + 1)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if (j > 0)
		memcpy(m->body, ba->data, j);
	m->body[j] = '\0';
	m->bodylen = j;
	m->have_body = 1;
	rc = POUCH_OK;
out:
	byte_array_wipe_free(ba);
	return rc;
}

/* A peer's file name made safe: no path, no controls, never empty. */
static char *
clean_fname(const char *s)
{
	char *f;
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > FNAME_MAX ||
	    !g_utf8_validate(s, -1, NULL))
		return xstrdup("attachment");
	if ((f = xstrdup(s)) == NULL)
		return NULL;
	for (i = 0; f[i] != '\0'; i++)
		if (f[i] == '/' || f[i] == '\\' ||
		    (unsigned char)f[i] < 0x20 || f[i] == 0x7f)
			f[i] = '_';
	if (strcmp(f, ".") == 0 || strcmp(f, "..") == 0) {
		free(f);
		return xstrdup("attachment");
	}
	return f;
}

static int
take_att(struct pouch_mime_msg *m, GMimePart *p, GMimeParserOptions *po,
    struct warn *w)
{
	struct pouch_mime_att *a;
	GMimeObject *o = GMIME_OBJECT(p), *inner = NULL;
	GMimeParser *ps = NULL;
	GMimeStream *s = NULL;
	GByteArray *ba = NULL;
	uint8_t hash[32], key[32];
	uint64_t size;
	char *fn = NULL, *ct = NULL, *mt = NULL;
	int rc;

	if (m->natt == POUCH_MIME_ATT_MAX)
		return POUCH_E_TOO_LARGE;
	if (pouch_unhex(g_mime_object_get_content_type_parameter(o, "hash"),
	    hash, sizeof(hash)) != POUCH_OK ||
	    pouch_unhex(g_mime_object_get_content_type_parameter(o, "key"),
	    key, sizeof(key)) != POUCH_OK ||
	    dec_parse(g_mime_object_get_content_type_parameter(o, "size"),
	    &size) != 0) {
		rc = POUCH_E_MIME_ATTACHMENT;
		goto out;
	}
	if ((rc = part_bytes(p, PHANTOM_MAX, &ba)) != POUCH_OK) {
		rc = POUCH_E_MIME_ATTACHMENT;
		goto out;
	}
	s = mem_stream(ba);
	ps = g_mime_parser_new_with_stream(s);
	inner = g_mime_parser_construct_part(ps, po);
	if (w->bad || inner == NULL || !GMIME_IS_PART(inner)) {
		rc = w->nesting ? POUCH_E_MIME_DEPTH : POUCH_E_MIME_ATTACHMENT;
		goto out;
	}
	if ((fn = clean_fname(g_mime_part_get_filename(GMIME_PART(inner)))) ==
	    NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	mt = g_mime_content_type_get_mime_type(
	    g_mime_object_get_content_type(inner));
	if (mt != NULL) {
		lower(mt);
		ct = xstrdup(valid_ctype(mt) ? mt : "application/octet-stream");
	} else
		ct = xstrdup("application/octet-stream");
	if (ct == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	a = &m->att[m->natt++];
	a->filename = fn;
	a->content_type = ct;
	a->size = size;
	memcpy(a->hash, hash, sizeof(hash));
	memcpy(a->key, key, sizeof(key));
	fn = ct = NULL;
	rc = POUCH_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	g_free(mt);
	free(fn);
	free(ct);
	if (inner != NULL)
		g_object_unref(inner);
	if (ps != NULL)
		g_object_unref(ps);
	if (s != NULL)
		g_object_unref(s);
	byte_array_wipe_free(ba);
	return rc;
}

/*
 * Walk the MIME tree: the first text/plain leaf that is not an attachment
 * is the body, each x-pouch-blob external-body part an attachment.  Other
 * leaves are ignored (forward compatibility); multiparts are entered up to
 * DEPTH_MAX.
 */
static int
walk(struct pouch_mime_msg *m, GMimeObject *o, int depth,
    GMimeParserOptions *po, struct warn *w)
{
	GMimeContentType *ct;
	const char *at, *disp;
	int i, n, rc;

	if (depth > DEPTH_MAX)
		return POUCH_E_MIME_DEPTH;
	if (GMIME_IS_MULTIPART(o)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n; i++)
			if ((rc = walk(m, g_mime_multipart_get_part(
			    GMIME_MULTIPART(o), i), depth + 1, po, w)) !=
			    POUCH_OK)
				return rc;
		return POUCH_OK;
	}
	if (!GMIME_IS_PART(o))
		return POUCH_OK;
	ct = g_mime_object_get_content_type(o);
	if (ct == NULL)
		return POUCH_OK;
	if (g_mime_content_type_is_type(ct, "text", "plain")) {
		disp = g_mime_object_get_disposition(o);
		if (m->have_body || (disp != NULL && g_ascii_strcasecmp(disp,
		    "attachment") == 0))
			return POUCH_OK;
		return take_body(m, GMIME_PART(o));
	}
	if (g_mime_content_type_is_type(ct, "message", "external-body")) {
		at = g_mime_object_get_content_type_parameter(o,
		    "access-type");
		if (at == NULL || g_ascii_strcasecmp(at, "x-pouch-blob") != 0)
			return POUCH_OK;
		return take_att(m, GMIME_PART(o), po, w);
	}
	return POUCH_OK;
}

int
pouch_mime_parse(const uint8_t *buf, size_t len, struct pouch_mime_msg **out)
{
	struct pouch_mime_msg *m = NULL;
	struct warn w = { 0, 0, 0 };
	GMimeParserOptions *po = NULL;
	GMimeParser *ps = NULL;
	GMimeStream *s = NULL;
	GMimeMessage *msg = NULL;
	GMimeObject *top;
	GByteArray *ba = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || (buf == NULL && len > 0))
		return POUCH_E_MISUSE;
	if (len > POUCH_MIME_MAX)
		return POUCH_E_TOO_LARGE;
	/* no NUL anywhere: we write 7-bit text, and GMime's C strings would
	 * silently cut a header at one */
	if (len == 0 || memchr(buf, '\0', len) != NULL)
		return POUCH_E_MALFORMED;
	mime_init();
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return POUCH_E_NOMEM;
	ba = g_byte_array_sized_new((guint)len);
	g_byte_array_append(ba, buf, (guint)len);
	s = mem_stream(ba);
	po = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(po, on_warning, &w);
	ps = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(ps, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(ps, po);
	if (w.nesting || w.dup) {
		rc = w.nesting ? POUCH_E_MIME_DEPTH : POUCH_E_MIME_HEADER;
		goto out;
	}
	if (msg == NULL || w.bad) {
		rc = POUCH_E_MALFORMED;
		goto out;
	}
	if ((rc = parse_head(m, msg, po)) != POUCH_OK)
		goto out;
	if ((top = g_mime_message_get_mime_part(msg)) != NULL &&
	    (rc = walk(m, top, 1, po, &w)) != POUCH_OK)
		goto out;
	if (!m->have_body) {
		if ((m->body = calloc(1, 1)) == NULL) {
			rc = POUCH_E_NOMEM;
			goto out;
		}
		m->have_body = 1;
	}
	*out = m;
	m = NULL;
	rc = POUCH_OK;
out:
	if (msg != NULL)
		g_object_unref(msg);
	if (ps != NULL)
		g_object_unref(ps);
	if (s != NULL)
		g_object_unref(s);
	if (po != NULL)
		g_mime_parser_options_free(po);
	byte_array_wipe_free(ba);
	pouch_mime_free(m);
	return rc;
}

/* ---- accessors -------------------------------------------------------- */

const char *
pouch_mime_from(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->from : NULL;
}

/* The deployment name of the addresses (their common domain). */
const char *
pouch_mime_domain(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->domain : NULL;
}

size_t
pouch_mime_nto(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->nto : 0;
}

const char *
pouch_mime_to(const struct pouch_mime_msg *m, size_t i)
{
	return m != NULL && i < m->nto ? m->to[i] : NULL;
}

const char *
pouch_mime_subject(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->subject : NULL;
}

int64_t
pouch_mime_date(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->date : 0;
}

const char *
pouch_mime_message_id(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->message_id : NULL;
}

const char *
pouch_mime_in_reply_to(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->in_reply_to : NULL;
}

size_t
pouch_mime_nreferences(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->nrefs : 0;
}

const char *
pouch_mime_reference(const struct pouch_mime_msg *m, size_t i)
{
	return m != NULL && i < m->nrefs ? m->refs[i] : NULL;
}

const char *
pouch_mime_body(const struct pouch_mime_msg *m, size_t *len)
{
	if (len != NULL)
		*len = m != NULL ? m->bodylen : 0;
	return m != NULL ? m->body : NULL;
}

size_t
pouch_mime_natt(const struct pouch_mime_msg *m)
{
	return m != NULL ? m->natt : 0;
}

const struct pouch_mime_att *
pouch_mime_att(const struct pouch_mime_msg *m, size_t i)
{
	return m != NULL && i < m->natt ? &m->att[i] : NULL;
}

/* ---- export ----------------------------------------------------------- */

int
pouch_mime_export(const struct pouch_mime_msg *m,
    const uint8_t *const *att_pt, const size_t *att_ptlen, uint8_t **out,
    size_t *outlen)
{
	struct pouch_mime_in in;
	size_t i;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (m == NULL || out == NULL || outlen == NULL ||
	    (att_pt != NULL && att_ptlen == NULL))
		return POUCH_E_MISUSE;
	for (i = 0; att_pt != NULL && i < m->natt; i++)
		if (att_pt[i] != NULL && att_ptlen[i] != m->att[i].size)
			return POUCH_E_MISUSE;
	memset(&in, 0, sizeof(in));
	in.domain = m->domain;
	in.from = m->from;
	in.to = (const char *const *)m->to;
	in.nto = m->nto;
	in.subject = m->subject[0] != '\0' ? m->subject : NULL;
	in.date = m->date;
	in.message_id = m->message_id;
	in.in_reply_to = m->in_reply_to;
	in.references = (const char *const *)m->refs;
	in.nreferences = m->nrefs;
	in.body = m->body;
	in.bodylen = m->bodylen;
	in.att = m->att;
	in.natt = m->natt;
	mime_init();
	return build(&in, m->domain, m->message_id, att_pt, att_ptlen,
	    SIZE_MAX, out, outlen);
}
