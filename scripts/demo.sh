#!/bin/sh
# demo.sh - the main job of `make demo`, on what exists today:
#  1. pouch selftest: known-answer tests of every primitive family and a
#     two-party HPKE exchange;
#  2. pouch group-demo: alice, bob and carol run a real MLS group in the
#     X-Wing hybrid suite in one process (create, add by Welcome, encrypted
#     messages, removal after which carol can no longer read);
#  3. pouchd on its embedded SQLite store: a fresh data directory, an
#     administrator enrolling a user (one-time code), the server on
#     127.0.0.1 over TLS 1.3 with a pinned self-signed certificate, a
#     health check and the audit log, then a clean SIGTERM stop.
# The client engine (issue 8) turns this into real clients exchanging
# messages through pouchd.
set -eu

BUILD=${BUILD:-build}
bin=$BUILD

"$bin/pouch" selftest

echo
echo "== an MLS group of three, post-quantum hybrid suite, in one process"
"$bin/pouch" group-demo

work=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo
echo "== pouchd: init, enrol, serve"
"$bin/pouchd" init "$work/srv" | sed 's/^/  /'
conf=$work/srv/pouchd.conf
# any free port on loopback; pouchd writes it once it listens
sed -i -e 's/^port = .*/port = 0/' "$conf"
echo "port_file = $work/port" >>"$conf"
"$bin/pouchd" admin -c "$conf" user add alice | sed 's/^/  /'
# the code is a secret for alice alone: show that one was made, not it
"$bin/pouchd" admin -c "$conf" code create alice >/dev/null &&
    echo "  enrolment code for alice created (shown once to the admin)"
"$bin/pouchd" serve -c "$conf" --parent-pid $$ 2>"$work/pouchd.log" &
pid=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
port=$(cat "$work/port")
pin=$(openssl x509 -in "$work/srv/tls.crt" -pubkey -noout |
    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
    base64)
echo "  listening on https://127.0.0.1:$port (TLS 1.3, pin sha256//$pin)"
printf '  GET /healthz: '
curl -sS --tlsv1.3 --cacert "$work/srv/tls.crt" \
    --pinnedpubkey "sha256//$pin" "https://127.0.0.1:$port/healthz"
echo
echo "  audit log:"
"$bin/pouchd" admin -c "$conf" audit list | sed 's/^/    /'
kill -TERM "$pid"
wait "$pid" && echo "  pouchd stopped cleanly (SIGTERM drained)"
pid=""
