/*
 * pg_schema.c - the versioned schema of the PostgreSQL store.
 *
 * Migration i (1-based) takes the database from schema_version i - 1 to
 * i, with the same numbers as the SQLite list (schema.c): version i
 * holds the same tables in both.  A migration is never edited once
 * released: a change is a new entry in both lists.
 *
 * Differences from SQLite, for several nodes on one database:
 * - queue cursors are per device (devices.qseq, taken under the device's
 *   row lock), so cursors reach a device in commit order and a sync can
 *   never ack past a cursor whose transaction has not committed yet;
 * - the audit log is append-only by trigger, as in SQLite.
 */
#include <stddef.h>

#include "store/pg_int.h"

static const char *const migrations[] = {
	/* 1: the phase-1 delivery service */
	"CREATE TABLE users ("
	" id bigserial PRIMARY KEY,"
	" name text NOT NULL UNIQUE,"
	" suspended bigint NOT NULL DEFAULT 0,"
	" account_key bytea,"
	" created bigint NOT NULL);"
	"CREATE TABLE devices ("
	" id bigserial PRIMARY KEY,"
	" user_id bigint NOT NULL REFERENCES users(id),"
	" name text NOT NULL,"
	" key bytea NOT NULL UNIQUE,"
	" revoked bigint NOT NULL DEFAULT 0,"
	" created bigint NOT NULL,"
	" qseq bigint NOT NULL DEFAULT 0);"
	"CREATE INDEX devices_user ON devices(user_id);"
	"CREATE TABLE enrol_codes ("
	" hash bytea PRIMARY KEY,"
	" user_id bigint NOT NULL REFERENCES users(id),"
	" expires bigint NOT NULL,"
	" used bigint,"
	" device_id bigint REFERENCES devices(id),"
	" created bigint NOT NULL);"
	"CREATE TABLE challenges ("
	" hash bytea PRIMARY KEY,"
	" device_id bigint NOT NULL REFERENCES devices(id),"
	" expires bigint NOT NULL);"
	"CREATE TABLE tokens ("
	" hash bytea PRIMARY KEY,"
	" device_id bigint NOT NULL REFERENCES devices(id),"
	" expires bigint NOT NULL);"
	"CREATE INDEX tokens_device ON tokens(device_id);"
	"CREATE TABLE key_packages ("
	" id bigserial PRIMARY KEY,"
	" device_id bigint NOT NULL REFERENCES devices(id),"
	" ref bytea NOT NULL UNIQUE,"
	" data bytea NOT NULL,"
	" last_resort bigint NOT NULL DEFAULT 0);"
	"CREATE INDEX kp_device ON key_packages(device_id, last_resort, id);"
	"CREATE TABLE kp_issued ("
	" ref bytea PRIMARY KEY,"
	" device_id bigint NOT NULL REFERENCES devices(id),"
	" issued bigint NOT NULL);"
	"CREATE TABLE groups ("
	" id bigserial PRIMARY KEY,"
	" group_id bytea NOT NULL UNIQUE,"
	" epoch bigint NOT NULL,"
	" created bigint NOT NULL);"
	"CREATE TABLE members ("
	" group_ref bigint NOT NULL REFERENCES groups(id),"
	" leaf bigint NOT NULL,"
	" device_id bigint NOT NULL REFERENCES devices(id),"
	" PRIMARY KEY (group_ref, leaf),"
	" UNIQUE (group_ref, device_id));"
	"CREATE INDEX members_device ON members(device_id);"
	/* the database itself enforces one commit per epoch */
	"CREATE TABLE commits ("
	" group_ref bigint NOT NULL REFERENCES groups(id),"
	" epoch bigint NOT NULL,"
	" sender bigint NOT NULL,"
	" created bigint NOT NULL,"
	" PRIMARY KEY (group_ref, epoch));"
	"CREATE TABLE messages ("
	" id bigserial PRIMARY KEY,"
	" group_ref bigint REFERENCES groups(id),"
	" epoch bigint,"
	" kind bigint NOT NULL,"
	" sender bigint NOT NULL,"
	" body bytea NOT NULL,"
	" created bigint NOT NULL);"
	"CREATE TABLE queue ("
	" device_id bigint NOT NULL REFERENCES devices(id),"
	" cursor bigint NOT NULL,"
	" message_id bigint NOT NULL REFERENCES messages(id),"
	" PRIMARY KEY (device_id, cursor));"
	"CREATE INDEX queue_message ON queue(message_id);"
	"CREATE TABLE attachments ("
	" hash bytea PRIMARY KEY,"
	" size bigint NOT NULL,"
	" user_id bigint NOT NULL REFERENCES users(id),"
	" created bigint NOT NULL);"
	"CREATE INDEX attachments_user ON attachments(user_id);"
	"CREATE TABLE audit ("
	" id bigserial PRIMARY KEY,"
	" ts bigint NOT NULL,"
	" actor text NOT NULL,"
	" action text NOT NULL,"
	" subject text NOT NULL);"
	"CREATE FUNCTION audit_append_only() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	" RAISE EXCEPTION 'audit log is append-only'; END $$;"
	"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
	" FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
	" FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();",

	/* 2: cipher suites of groups; proposals a commit may reference */
	"ALTER TABLE groups ADD COLUMN cipher_suite bigint NOT NULL"
	" DEFAULT 0;"
	"CREATE TABLE proposals ("
	" group_ref bigint NOT NULL REFERENCES groups(id),"
	" epoch bigint NOT NULL,"
	" ref bytea NOT NULL,"
	" type bigint NOT NULL,"
	" leaf bigint,"
	" kp_ref bytea,"
	" PRIMARY KEY (group_ref, epoch, ref));",

	/* 3: which queued messages carry which attachments */
	"CREATE TABLE message_attachments ("
	" message_id bigint NOT NULL REFERENCES messages(id)"
	"  ON DELETE CASCADE,"
	" hash bytea NOT NULL REFERENCES attachments(hash),"
	" PRIMARY KEY (message_id, hash));"
	"CREATE INDEX message_attachments_hash ON message_attachments(hash);",

	/* 4: the key transparency log (src/kt, pouchd/kt_log.c) */
	"CREATE TABLE kt_leaves ("
	" idx bigint PRIMARY KEY,"
	" hash bytea NOT NULL,"
	" data bytea NOT NULL,"
	" created bigint NOT NULL);"
	"CREATE INDEX kt_leaves_hash ON kt_leaves(hash);"
	"CREATE TABLE kt_checkpoints ("
	" size bigint PRIMARY KEY,"
	" root bytea NOT NULL,"
	" note bytea NOT NULL,"
	" created bigint NOT NULL);"
	/* leaves without gaps; checkpoints only grow; nothing changes */
	"CREATE FUNCTION kt_leaves_next() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	" IF NEW.idx IS DISTINCT FROM (SELECT COALESCE(MAX(idx) + 1, 0)"
	" FROM kt_leaves) THEN"
	" RAISE EXCEPTION 'kt leaves are numbered in order'; END IF;"
	" RETURN NEW; END $$;"
	"CREATE FUNCTION kt_cp_grow() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	" IF NEW.size <= (SELECT MAX(size) FROM kt_checkpoints)"
	" OR NEW.size > (SELECT COUNT(*) FROM kt_leaves) THEN"
	" RAISE EXCEPTION 'kt checkpoints only grow'; END IF;"
	" RETURN NEW; END $$;"
	"CREATE FUNCTION kt_append_only() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	" RAISE EXCEPTION 'kt log is append-only'; END $$;"
	"CREATE TRIGGER kt_leaves_next BEFORE INSERT ON kt_leaves"
	" FOR EACH ROW EXECUTE FUNCTION kt_leaves_next();"
	"CREATE TRIGGER kt_cp_grow BEFORE INSERT ON kt_checkpoints"
	" FOR EACH ROW EXECUTE FUNCTION kt_cp_grow();"
	"CREATE TRIGGER kt_leaves_no_change BEFORE UPDATE OR DELETE"
	" ON kt_leaves FOR EACH ROW EXECUTE FUNCTION kt_append_only();"
	"CREATE TRIGGER kt_leaves_no_truncate BEFORE TRUNCATE ON kt_leaves"
	" FOR EACH STATEMENT EXECUTE FUNCTION kt_append_only();"
	"CREATE TRIGGER kt_cp_no_change BEFORE UPDATE OR DELETE"
	" ON kt_checkpoints FOR EACH ROW EXECUTE FUNCTION kt_append_only();"
	"CREATE TRIGGER kt_cp_no_truncate BEFORE TRUNCATE ON kt_checkpoints"
	" FOR EACH STATEMENT EXECUTE FUNCTION kt_append_only();",

	/* 5: pending pairing requests (pouchd/api_pair.c) */
	"CREATE TABLE pair_requests ("
	" device_key bytea PRIMARY KEY,"
	" user_id bigint NOT NULL REFERENCES users(id),"
	" pair_commit bytea NOT NULL,"
	" expires bigint NOT NULL,"
	" approval bytea,"
	" mac bytea,"
	" created bigint NOT NULL);"
	"CREATE INDEX pair_requests_user ON pair_requests(user_id);",

	/*
	 * 6: KeyPackages per cipher suite (schema.c says why offset 6: data
	 * is the MLSMessage around the KeyPackage).  New rows always name
	 * their suite, so the default goes once the old rows have theirs.
	 */
	"ALTER TABLE key_packages ADD COLUMN suite bigint NOT NULL DEFAULT 0;"
	"UPDATE key_packages SET suite ="
	" (get_byte(data, 6) << 8) | get_byte(data, 7)"
	" WHERE length(data) >= 8;"
	"ALTER TABLE key_packages ALTER COLUMN suite DROP DEFAULT;"
	"DROP INDEX kp_device;"
	"CREATE INDEX kp_device ON key_packages(device_id, suite, last_resort,"
	" id);",
};

const char *
pouch_store_pg_migration(int version)
{
	if (version < 1 ||
	    (size_t)version > sizeof(migrations) / sizeof(migrations[0]))
		return NULL;
	return migrations[version - 1];
}
