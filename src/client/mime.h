/*
 * client/mime - Pouch messages as RFC 5322 / MIME documents (GMime 3).
 *
 * A message is the bytes of an RFC 5322 message: From, To, Date, Subject,
 * Message-ID, In-Reply-To, References, MIME-Version, a text/plain UTF-8
 * body and, for each attachment, an RFC 2046 message/external-body part
 * with access-type=x-pouch-blob that references an encrypted blob (see
 * client/blob.h) by hash, key and size instead of carrying its bytes.
 * docs/PROTOCOL.md "Messages and attachments" describes the format.
 *
 * Addresses are "user@domain": the local part is a pouch user name
 * ([a-z0-9._-], 1..64 characters), the domain the deployment's name.
 * Message-ID, In-Reply-To and References values are handled without
 * their angle brackets.  The parser treats its input as hostile: it is
 * bounded (POUCH_MIME_MAX bytes, POUCH_MIME_ATT_MAX attachments,
 * POUCH_MIME_RCPT_MAX recipients, a fixed MIME nesting depth) and
 * sanitises what it returns.
 */
#ifndef POUCH_CLIENT_MIME_H
#define POUCH_CLIENT_MIME_H

#include <stddef.h>
#include <stdint.h>

#include <pouch/pouch.h>

#define POUCH_MIME_MAX		(1u << 20)	/* 1 MiB message, parse limit */
#define POUCH_MIME_ATT_MAX	16		/* attachments a message */
#define POUCH_MIME_RCPT_MAX	256

struct pouch_mime_att {
	const char	*filename;	/* UTF-8, no path */
	const char	*content_type;	/* NULL = application/octet-stream */
	uint64_t	 size;		/* plaintext bytes */
	uint8_t		 hash[32];	/* SHA-256 of the encrypted blob */
	uint8_t		 key[32];	/* blob key (secret) */
};

struct pouch_mime_in {
	const char			*domain;	/* "pouch" if NULL */
	const char			*from;		/* user name */
	const char *const		*to;		/* user names */
	size_t				 nto;
	const char			*subject;	/* UTF-8 */
	int64_t				 date;		/* unix seconds */
	const char			*message_id;	/* NULL: generate */
	const char			*in_reply_to;	/* NULL: none */
	const char *const		*references;
	size_t				 nreferences;
	const char			*body;		/* UTF-8 text */
	size_t				 bodylen;
	const struct pouch_mime_att	*att;
	size_t				 natt;
};

/* Compose; *out freed (wiped) with pouch_mime_buf_free. */
int	pouch_mime_compose(const struct pouch_mime_in *in, uint8_t **out,
	    size_t *outlen) POUCH_WARN_UNUSED;
void	pouch_mime_buf_free(uint8_t *p, size_t n);

struct pouch_mime_msg;	/* a parsed message; opaque */
/* Parse untrusted bytes (a peer's message): at most POUCH_MIME_MAX bytes,
 * POUCH_MIME_ATT_MAX attachments, a bounded MIME depth; MALFORMED etc. */
int	pouch_mime_parse(const uint8_t *buf, size_t len,
	    struct pouch_mime_msg **out) POUCH_WARN_UNUSED;
void	pouch_mime_free(struct pouch_mime_msg *m);	/* wipes keys */
const char	*pouch_mime_from(const struct pouch_mime_msg *m);   /* user */
/* The deployment name (domain) shared by all the message's addresses. */
const char	*pouch_mime_domain(const struct pouch_mime_msg *m);
size_t		 pouch_mime_nto(const struct pouch_mime_msg *m);
const char	*pouch_mime_to(const struct pouch_mime_msg *m, size_t i);
const char	*pouch_mime_subject(const struct pouch_mime_msg *m); /* UTF-8 */
int64_t		 pouch_mime_date(const struct pouch_mime_msg *m);
const char	*pouch_mime_message_id(const struct pouch_mime_msg *m);
/* NULL: none */
const char	*pouch_mime_in_reply_to(const struct pouch_mime_msg *m);
size_t		 pouch_mime_nreferences(const struct pouch_mime_msg *m);
const char	*pouch_mime_reference(const struct pouch_mime_msg *m, size_t i);
const char	*pouch_mime_body(const struct pouch_mime_msg *m, size_t *len);
size_t		 pouch_mime_natt(const struct pouch_mime_msg *m);
const struct pouch_mime_att *pouch_mime_att(const struct pouch_mime_msg *m,
	    size_t i);
/* A message as a standalone .eml with the attachments' decrypted bytes
 * inlined (for `pouch export`): the caller passes each attachment's
 * plaintext (NULL to keep the reference). */
int	pouch_mime_export(const struct pouch_mime_msg *m,
	    const uint8_t *const *att_pt, const size_t *att_ptlen,
	    uint8_t **out, size_t *outlen) POUCH_WARN_UNUSED;

#endif /* POUCH_CLIENT_MIME_H */
