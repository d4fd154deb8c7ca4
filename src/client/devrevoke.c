/*
 * client/devrevoke - the user revokes one of its own devices (a lost or
 * stolen one) from another device that holds the account key.
 *
 * The account key signs the key log's "device revoked" event (src/kt/kt.h,
 * signer 0), which pouchd checks against the account key it holds and
 * appends as it revokes the device (POST /v1/devices/revoke).  It answers
 * once a published checkpoint covers the event; this device then syncs
 * the log, so the revocation is in its kt/rev/ index at once, and every
 * other client refuses the device at its next log sync (kt.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <pouch/err.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "kt/kt.h"

/* 1 for a string of decimal digits. */
static int
digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The key of a device of ours named by id, key hex or log name. */
static int
resolve(struct pouch_client *cl, const char *device, uint8_t key[CL_KEY])
{
	struct pouch_client_device *dv = NULL;
	struct pouch_client_kt_event *ev = NULL;
	uint64_t size;
	size_t n = 0, i, j, found = 0;
	int rc;

	if (strlen(device) == 2 * CL_KEY &&
	    pouch_unhex(device, key, CL_KEY) == POUCH_OK)
		return POUCH_OK;
	if (digits(device)) {
		if ((rc = pouch_client_devices(cl, &dv, &n)) != POUCH_OK)
			return rc;
		rc = POUCH_E_NOT_FOUND;
		for (i = 0; i < n; i++)
			if (strtoll(device, NULL, 10) == dv[i].id &&
			    pouch_unhex(dv[i].key_hex, key, CL_KEY) ==
			    POUCH_OK) {
				rc = POUCH_OK;
				break;
			}
		free(dv);
		return rc;
	}
	/* a name: the one device of that name the log shows, not revoked */
	if ((rc = pouch_client_kt_audit(cl, cl->user, &size, &ev, &n)) !=
	    POUCH_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(ev[i].event, "device_added") != 0 ||
		    strcmp(ev[i].device_name, device) != 0)
			continue;
		for (j = i + 1; j < n; j++)
			if (strcmp(ev[j].event, "device_revoked") == 0 &&
			    strcmp(ev[j].key_fp, ev[i].key_fp) == 0)
				break;
		if (j < n)
			continue;
		if (found++ == 0 && pouch_unhex(ev[i].key_fp, key, CL_KEY) !=
		    POUCH_OK)
			found = 2;
	}
	pouch_client_kt_events_free(ev, n);
	return found == 1 ? POUCH_OK : found == 0 ? POUCH_E_NOT_FOUND :
	    POUCH_E_MISUSE;
}

/* The signed event, encoded, as base64 (malloc'd). */
static int
make_event(struct pouch_client *cl, const uint8_t key[CL_KEY], char **b64)
{
	struct pouch_sig_key *k = NULL;
	struct pouch_kt_event ev;
	uint8_t buf[POUCH_KT_EVENT_MAX];
	size_t len;
	int rc;

	*b64 = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.type = POUCH_KT_DEVICE_REVOKED;
	ev.timestamp = (uint64_t)cl_now(cl);
	ev.signer = POUCH_KT_BY_ACCOUNT;
	if (strlen(cl->user) > POUCH_KT_NAME_MAX)
		return POUCH_E_MISUSE;
	memcpy(ev.actor, cl->user, strlen(cl->user) + 1);
	memcpy(ev.user, cl->user, strlen(cl->user) + 1);
	memcpy(ev.device_key, key, CL_KEY);
	if ((rc = pouch_sig_key_new(cl->c, POUCH_SIG_ED25519,
	    POUCH_IMPL_DEFAULT, cl->acct_priv, CL_KEY, &k)) != POUCH_OK ||
	    (rc = pouch_kt_event_sign(k, &ev)) != POUCH_OK ||
	    (rc = pouch_kt_event_encode(&ev, buf, sizeof(buf), &len)) !=
	    POUCH_OK)
		goto out;
	if ((*b64 = pouch_b64_encode(buf, len)) == NULL)
		rc = POUCH_E_NOMEM;
out:
	pouch_sig_key_free(k);
	return rc;
}

int
pouch_client_revoke_device(pouch_client *cl, const char *device)
{
	uint8_t key[CL_KEY];
	json_t *req = NULL, *resp = NULL;
	char *b64 = NULL;
	long st;
	int rc;

	if (cl == NULL || device == NULL)
		return POUCH_E_MISUSE;
	if (!cl->have_acct_priv)
		return POUCH_E_FORBIDDEN;
	if ((rc = resolve(cl, device, key)) != POUCH_OK)
		return rc;
	if (pouch_ct_eq(key, cl->dev_pub, CL_KEY) == 0)
		return POUCH_E_MISUSE;		/* not this device */
	if ((rc = make_event(cl, key, &b64)) != POUCH_OK)
		goto out;
	if ((req = json_pack("{s:s}", "event", b64)) == NULL) {
		rc = POUCH_E_NOMEM;
		goto out;
	}
	if ((rc = cl_api(cl, "POST", "/v1/devices/revoke", req, &st,
	    &resp)) != POUCH_OK)
		goto out;
	switch (st) {
	case 200:
		break;
	case 403:
		rc = POUCH_E_FORBIDDEN;
		goto out;
	case 404:
		rc = POUCH_E_NOT_FOUND;
		goto out;
	case 409:
		rc = POUCH_E_EXISTS;
		goto out;
	case 400:
		rc = POUCH_E_MALFORMED;
		goto out;
	default:
		rc = POUCH_E_IO;
		goto out;
	}
	/* the event is published: take it into our own index now */
	rc = cl_kt_sync(cl);
out:
	free(b64);
	json_decref(req);
	json_decref(resp);
	return rc;
}
