#!/bin/sh
# pg-test-cluster.sh - a throw-away PostgreSQL 15 cluster for the tests.
#
#   pg-test-cluster.sh start DIR    initdb in DIR (created, must not exist),
#                                   start on a Unix socket in DIR and on
#                                   127.0.0.1 only, create database pouch;
#                                   prints the libpq connection string
#   pg-test-cluster.sh stop DIR     stop it (fast) and remove DIR
#   pg-test-cluster.sh crash DIR    stop it with -m immediate (keeps DIR)
#   pg-test-cluster.sh restart DIR  start it again after crash
#   pg-test-cluster.sh ctest-start FILE   (CTest fixture) start one in a
#                                   new /tmp/pouch-pg-* directory, write its
#                                   connection string to FILE, its
#                                   directory to FILE.dir
#   pg-test-cluster.sh ctest-stop FILE    stop that one
#
# initdb refuses to run as root: as root the cluster belongs to `nobody`.
# fsync and synchronous_commit stay on: pouchd refuses anything weaker.
# Nothing is left running after stop.
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

die() {
	echo "pg-test-cluster: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: $0 start|stop|crash|restart|ctest-start|ctest-stop ARG"
cmd=$1
dir=$2

as_owner() {	# run a command as the cluster's owner
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

pg_start() {	# pg_start PORT: 0 when the server came up
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
	    -t 30 -o "-p $1 -k $dir -c listen_addresses=127.0.0.1" \
	    start >/dev/null 2>&1
}

case $cmd in
start)
	[ -x "$PGBIN/initdb" ] || die "no $PGBIN/initdb (postgresql-15)"
	[ -e "$dir" ] && die "$dir exists"
	mkdir -p "$dir"
	chmod 0700 "$dir"
	[ "$(id -u)" -eq 0 ] && chown nobody "$dir"
	as_owner "$PGBIN/initdb" -D "$dir/data" -U pouch --auth=trust \
	    -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
	    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
	port=""
	for try in 1 2 3 4 5 6 7 8; do
		p=$((20000 + ($$ * 7 + try * 1031) % 40000))
		if pg_start "$p"; then
			port=$p
			break
		fi
	done
	[ -n "$port" ] || { tail -20 "$dir/postgres.log" >&2;
	    die "postgres does not start"; }
	echo "$port" >"$dir/port"
	"$PGBIN/createdb" -h "$dir" -p "$port" -U pouch pouch ||
	    die "createdb failed"
	echo "host=$dir port=$port dbname=pouch user=pouch"
	;;
stop)
	[ -d "$dir/data" ] || die "$dir: no cluster"
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop \
	    >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
crash)
	as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop \
	    >/dev/null 2>&1 || die "stop -m immediate failed"
	;;
restart)
	pg_start "$(cat "$dir/port")" || die "restart failed"
	;;
ctest-start)
	if [ -f "$dir.dir" ]; then	# a previous run that did not stop
		"$0" stop "$(cat "$dir.dir")" 2>/dev/null || true
	fi
	rm -f "$dir" "$dir.dir"
	d=$(mktemp -d /tmp/pouch-pg-XXXXXX)
	rmdir "$d"
	echo "$d" >"$dir.dir"
	"$0" start "$d" >"$dir.tmp" || { rm -f "$dir.tmp"; exit 1; }
	mv "$dir.tmp" "$dir"
	cat "$dir"
	;;
ctest-stop)
	[ -f "$dir.dir" ] || die "$dir.dir: no cluster recorded"
	"$0" stop "$(cat "$dir.dir")"
	rm -f "$dir" "$dir.dir"
	;;
*)
	die "unknown command $cmd"
	;;
esac
