/*
 * schema.c - the versioned schema of the SQLite store.
 *
 * Migration i (1-based) takes the database from user_version i - 1 to i.
 * A migration is never edited once released: a change is a new entry.
 * The PostgreSQL backend will carry its own list with the same numbers.
 */
#include <stddef.h>

#include "store/sqlite_int.h"

static const char *const migrations[] = {
	/* 1: the phase-1 delivery service */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" suspended INTEGER NOT NULL DEFAULT 0,"
	" account_key BLOB,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE devices ("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" name TEXT NOT NULL,"
	" key BLOB NOT NULL UNIQUE,"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX devices_user ON devices(user_id);"
	"CREATE TABLE enrol_codes ("
	" hash BLOB PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" expires INTEGER NOT NULL,"
	" used INTEGER,"
	" device_id INTEGER REFERENCES devices(id),"
	" created INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE challenges ("
	" hash BLOB PRIMARY KEY,"
	" device_id INTEGER NOT NULL REFERENCES devices(id),"
	" expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE tokens ("
	" hash BLOB PRIMARY KEY,"
	" device_id INTEGER NOT NULL REFERENCES devices(id),"
	" expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX tokens_device ON tokens(device_id);"
	"CREATE TABLE key_packages ("
	" id INTEGER PRIMARY KEY,"
	" device_id INTEGER NOT NULL REFERENCES devices(id),"
	" ref BLOB NOT NULL UNIQUE,"
	" data BLOB NOT NULL,"
	" last_resort INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX kp_device ON key_packages(device_id, last_resort, id);"
	"CREATE TABLE kp_issued ("
	" ref BLOB PRIMARY KEY,"
	" device_id INTEGER NOT NULL REFERENCES devices(id),"
	" issued INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE groups ("
	" id INTEGER PRIMARY KEY,"
	" group_id BLOB NOT NULL UNIQUE,"
	" epoch INTEGER NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE members ("
	" group_ref INTEGER NOT NULL REFERENCES groups(id),"
	" leaf INTEGER NOT NULL,"
	" device_id INTEGER NOT NULL REFERENCES devices(id),"
	" PRIMARY KEY (group_ref, leaf),"
	" UNIQUE (group_ref, device_id));"
	"CREATE INDEX members_device ON members(device_id);"
	/* the database itself enforces one commit per epoch */
	"CREATE TABLE commits ("
	" group_ref INTEGER NOT NULL REFERENCES groups(id),"
	" epoch INTEGER NOT NULL,"
	" sender INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" PRIMARY KEY (group_ref, epoch));"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" group_ref INTEGER REFERENCES groups(id),"
	" epoch INTEGER,"
	" kind INTEGER NOT NULL,"
	" sender INTEGER NOT NULL,"
	" body BLOB NOT NULL,"
	" created INTEGER NOT NULL);"
	/* AUTOINCREMENT: a cursor is never reused, even after deletes */
	"CREATE TABLE queue ("
	" cursor INTEGER PRIMARY KEY AUTOINCREMENT,"
	" device_id INTEGER NOT NULL REFERENCES devices(id),"
	" message_id INTEGER NOT NULL REFERENCES messages(id));"
	"CREATE INDEX queue_device ON queue(device_id, cursor);"
	"CREATE INDEX queue_message ON queue(message_id);"
	"CREATE TABLE attachments ("
	" hash BLOB PRIMARY KEY,"
	" size INTEGER NOT NULL,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" created INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX attachments_user ON attachments(user_id);"
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" ts INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" subject TEXT NOT NULL);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",

	/* 2: cipher suites of groups; proposals a commit may reference */
	"ALTER TABLE groups ADD COLUMN cipher_suite INTEGER NOT NULL "
	" DEFAULT 0;"
	"CREATE TABLE proposals ("
	" group_ref INTEGER NOT NULL REFERENCES groups(id),"
	" epoch INTEGER NOT NULL,"
	" ref BLOB NOT NULL,"
	" type INTEGER NOT NULL,"
	" leaf INTEGER,"
	" kp_ref BLOB,"
	" PRIMARY KEY (group_ref, epoch, ref));",

	/* 3: which queued messages carry which attachments */
	"CREATE TABLE message_attachments ("
	" message_id INTEGER NOT NULL REFERENCES messages(id)"
	"  ON DELETE CASCADE,"
	" hash BLOB NOT NULL REFERENCES attachments(hash),"
	" PRIMARY KEY (message_id, hash)) WITHOUT ROWID;"
	"CREATE INDEX message_attachments_hash ON message_attachments(hash);",

	/* 4: the key transparency log (src/kt, pouchd/kt_log.c) */
	"CREATE TABLE kt_leaves ("
	" idx INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL,"
	" data BLOB NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX kt_leaves_hash ON kt_leaves(hash);"
	"CREATE TABLE kt_checkpoints ("
	" size INTEGER PRIMARY KEY,"
	" root BLOB NOT NULL,"
	" note BLOB NOT NULL,"
	" created INTEGER NOT NULL);"
	/* leaves without gaps; checkpoints only grow; nothing changes */
	"CREATE TRIGGER kt_leaves_next BEFORE INSERT ON kt_leaves"
	" WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0)"
	" FROM kt_leaves)"
	" BEGIN SELECT RAISE(ABORT, 'kt leaves are numbered in order'); END;"
	"CREATE TRIGGER kt_leaves_no_update BEFORE UPDATE ON kt_leaves"
	" BEGIN SELECT RAISE(ABORT, 'kt log is append-only'); END;"
	"CREATE TRIGGER kt_leaves_no_delete BEFORE DELETE ON kt_leaves"
	" BEGIN SELECT RAISE(ABORT, 'kt log is append-only'); END;"
	"CREATE TRIGGER kt_cp_grow BEFORE INSERT ON kt_checkpoints"
	" WHEN NEW.size <= (SELECT MAX(size) FROM kt_checkpoints)"
	" OR NEW.size > (SELECT COALESCE(MAX(idx) + 1, 0) FROM kt_leaves)"
	" BEGIN SELECT RAISE(ABORT, 'kt checkpoints only grow'); END;"
	"CREATE TRIGGER kt_cp_no_update BEFORE UPDATE ON kt_checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'kt log is append-only'); END;"
	"CREATE TRIGGER kt_cp_no_delete BEFORE DELETE ON kt_checkpoints"
	" BEGIN SELECT RAISE(ABORT, 'kt log is append-only'); END;",

	/* 5: pending pairing requests (pouchd/api_pair.c) */
	"CREATE TABLE pair_requests ("
	" device_key BLOB PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" pair_commit BLOB NOT NULL,"
	" expires INTEGER NOT NULL,"
	" approval BLOB,"
	" mac BLOB,"
	" created INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX pair_requests_user ON pair_requests(user_id);",

	/*
	 * 6: KeyPackages per cipher suite.  data is the MLSMessage (version,
	 * wire_format, then the KeyPackage: version, cipher_suite), so a
	 * stored row's suite is the big-endian uint16 at offset 6.  SQLite
	 * has no unhex() before 3.41: each hex digit of those two bytes is
	 * looked up.  A row too short to hold one gets 0, which no claim
	 * asks for (RFC 9420 17.1: reserved).
	 */
	"ALTER TABLE key_packages ADD COLUMN suite INTEGER NOT NULL"
	" DEFAULT 0;"
	"UPDATE key_packages SET suite ="
	" ((instr('0123456789ABCDEF', substr(hex(substr(data, 7, 2)), 1, 1))"
	" - 1) << 12) |"
	" ((instr('0123456789ABCDEF', substr(hex(substr(data, 7, 2)), 2, 1))"
	" - 1) << 8) |"
	" ((instr('0123456789ABCDEF', substr(hex(substr(data, 7, 2)), 3, 1))"
	" - 1) << 4) |"
	" (instr('0123456789ABCDEF', substr(hex(substr(data, 7, 2)), 4, 1))"
	" - 1)"
	" WHERE length(data) >= 8;"
	"DROP INDEX kp_device;"
	"CREATE INDEX kp_device ON key_packages(device_id, suite, last_resort,"
	" id);",
};

int
pouch_store_schema_version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

const char *
pouch_store_sqlite_migration(int version)
{
	if (version < 1 || version > pouch_store_schema_version())
		return NULL;
	return migrations[version - 1];
}
