/*
 * e2e.h - helpers of the end-to-end tests: a real pouchd on 127.0.0.1
 * (a random free port, TLS pinned to the key `pouchd init` printed),
 * an HTTP client on libcurl, devices with Ed25519 keys, and MLS bytes
 * built with the structure encoders of src/mls/msg.h.  Only the public
 * fields matter to the server; the rest is filler of the right shape.
 */
#ifndef POUCH_TESTS_E2E_H
#define POUCH_TESTS_E2E_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "crypto/crypto.h"

struct buf {
	uint8_t	*p;
	size_t	 n;
};

struct server {
	char		 dir[64];
	char		 conf[128];
	char		 pin[128];	/* sha256//... from pouchd init */
	int		 port;
	int		 pid;
};

/* pouchd init, then serve on a free port; 0 on success. */
int	e2e_start(struct server *s, const char *extra_config);
/* Kill the server with sig, wait, start it again on the same data. */
int	e2e_restart(struct server *s, int sig);
/* SIGTERM, wait; the exit status (0 when it drained cleanly). */
int	e2e_stop(struct server *s);
/* Run `pouchd admin -c CONF ARGS`; its stdout into out (if not NULL). */
int	e2e_admin(struct server *s, struct buf *out, const char *args);

/*
 * One request: status, or -1 when the transport failed.  token may be
 * NULL; out (may be NULL) gets the body.
 */
long	e2e_http(struct server *s, const char *method, const char *path,
	    const char *token, const char *ctype, const void *body, size_t len,
	    struct buf *out);
/* POST /v1/messages with a Pouch-Attachments header. */
long	e2e_http_att(struct server *s, const char *token, const void *body,
	    size_t len, const char *attachments);
/* The same with a JSON body; *reply gets the parsed answer (or NULL). */
long	e2e_json(struct server *s, const char *method, const char *path,
	    const char *token, json_t *body, json_t **reply);
void	e2e_buf_free(struct buf *b);
/* Base64 (padded), malloc'd: the tests' own encoder. */
char	*e2e_b64(const uint8_t *p, size_t n);
/* Strict base64 decode: 0, or -1. */
int	e2e_unb64(const char *s, uint8_t *out, size_t cap, size_t *n);

struct device {
	char		 user[32];
	uint8_t		 seed[32], pub[32];		/* device key */
	uint8_t		 aseed[32], apub[32];		/* account key */
	int64_t		 id;
	char		 token[65];
};

extern struct pouch_crypto *e2e_crypto;

/* A fresh device key; the account key is fresh unless acct is given. */
void	e2e_device_new(struct device *d, const char *user,
	    const struct device *acct);
/* The enrolment request body for d with code. */
json_t	*e2e_enrol_body(const struct device *d, const char *code,
	    int corrupt_account_sig);
/* Create a code for d->user, enrol, authenticate: 0 on success. */
int	e2e_enrol_login(struct server *s, struct device *d);
/* Challenge-response; fills d->token. */
long	e2e_login(struct server *s, struct device *d);

/* An MLSMessage(KeyPackage) signed by d (nonce makes it unique). */
void	e2e_key_package(const struct device *d, uint32_t nonce,
	    struct buf *out);
/* The same in cipher suite suite (code point only: the keys are fake;
 * Ed25519 signatures, so a suite that signs with it). */
void	e2e_key_package_in(const struct device *d, uint16_t suite,
	    uint32_t nonce, struct buf *out);
/* Its KeyPackageRef (the hybrid suite 0xF001: SHA-256). */
void	e2e_key_package_ref(const struct buf *kp, uint8_t ref[32]);
/* PublicMessage commit at epoch from leaf, adding kps and removing. */
void	e2e_commit(const char *gid, uint64_t epoch, uint32_t leaf,
	    const struct buf *kps, size_t nkps, const uint32_t *removes,
	    size_t nremoves, struct buf *out);
/* PublicMessage commit at epoch from leaf, of one proposal by ref. */
void	e2e_commit_by_ref(const char *gid, uint64_t epoch, uint32_t leaf,
	    const uint8_t ref[32], struct buf *out);
/*
 * 0 when msg is the server's Remove of leaf in gid at epoch, from
 * external sender 0, signed by server; ref gets its ProposalRef.
 */
int	e2e_check_server_remove(const struct buf *msg,
	    const uint8_t server[32], const char *gid, uint64_t epoch,
	    uint32_t leaf, uint8_t ref[32]);
/* PrivateMessage application data. */
void	e2e_app(const char *gid, uint64_t epoch, const char *text,
	    struct buf *out);
/* Welcome to the holders of refs. */
void	e2e_welcome(const uint8_t (*refs)[32], size_t n, struct buf *out);

#endif /* POUCH_TESTS_E2E_H */
