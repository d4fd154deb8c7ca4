#!/bin/sh
# demo.sh - the main job of `make demo`: pouchd on its embedded SQLite
# store, three enrolled users with real clients, and real end-to-end
# encrypted messages (MLS, X25519 + ML-KEM-768 hybrid suite) exchanged
# through the server and printed decrypted by their recipients:
#  1. pouch selftest: known-answer tests of every primitive family;
#  2. pouchd init (database, server key, TLS certificate and its pin),
#     an administrator creating users and one-time enrolment codes,
#     pouchd serving TLS 1.3 on 127.0.0.1;
#  3. alice, bob and carol each run `pouch init` (own directory, own
#     encrypted store, own device and account keys) and enrol;
#  4. a 1:1 exchange with a reply, a group of three, a removal after which
#     carol cannot read, the safety code alice and bob compare;
#  5. alice pairs a second device with a short code and it reads bob's
#     next message;
#  6. a check that the subjects and bodies are nowhere in the server's
#     files.
set -eu

BUILD=${BUILD:-build}
bin=$(cd "$BUILD" && pwd)

"$bin/pouch" selftest

work=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo
echo "== pouchd: init, users, serve"
"$bin/pouchd" init "$work/srv" >"$work/init.txt"
sed 's/^/  /' "$work/init.txt"
pin=$(sed -n 's/^tls public key pin ([^)]*): //p' "$work/init.txt")
conf=$work/srv/pouchd.conf
# any free port on loopback; pouchd writes it once it listens
sed -i -e 's/^port = .*/port = 0/' "$conf"
echo "port_file = $work/port" >>"$conf"
for u in alice bob carol; do
	"$bin/pouchd" admin -c "$conf" user add "$u" | sed 's/^/  /'
done
"$bin/pouchd" serve -c "$conf" --parent-pid $$ 2>"$work/pouchd.log" &
pid=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
port=$(cat "$work/port")
url=https://127.0.0.1:$port
echo "  listening on $url (TLS 1.3, pin $pin)"

# Each user: a one-time code from the administrator (a secret for that
# user alone: the demo passes it on without printing it), then pouch init.
for u in alice bob carol; do
	code=$("$bin/pouchd" admin -c "$conf" code create "$u" |
	    sed -n 's/^code: //p')
	POUCH_HOME=$work/$u "$bin/pouch" init --server "$url" --pin "$pin" \
	    --user "$u" --code "$code" --device-name laptop | sed 's/^/  /'
done

as() {
	who=$1
	shift
	POUCH_HOME=$work/$who "$bin/pouch" "$@"
}

echo
echo "== alice writes to bob"
printf 'Bob,\n\nThe draft communique is attached to the file in room 4.\nPlease confirm you can read this.\n\nAlice\n' |
    as alice send bob --subject "Draft communique" | sed 's/^/  alice: /'
echo "  bob syncs:"
as bob sync | sed 's/^/    /'
as bob inbox | sed 's/^/    /'
id=$(as bob list --json | sed -n 's/.*"id": \([0-9]*\),.*/\1/p' | tail -1)
echo "  bob reads message $id:"
as bob read "$id" | sed 's/^/    | /'
printf 'Read it. Confirmed.\n' | as bob reply "$id" | sed 's/^/  bob: /'
as alice sync >/dev/null
id=$(as alice list --json | sed -n 's/.*"id": \([0-9]*\),.*/\1/p' | tail -1)
echo "  alice reads bob's reply:"
as alice read "$id" | sed 's/^/    | /'

echo
echo "== a group of three, then carol is removed"
conv=$(as alice group create bob carol --title "Delegation" --json |
    sed -n 's/.*"conversation": \([0-9]*\).*/\1/p')
printf 'The delegation meets at 09:00.\n' |
    as alice send --conversation "$conv" --subject "Schedule" |
    sed 's/^/  alice: /'
for u in bob carol; do
	as "$u" sync >/dev/null
	id=$(as "$u" list --json | sed -n 's/.*"id": \([0-9]*\),.*/\1/p' |
	    tail -1)
	echo "  $u reads:"
	as "$u" read "$id" | sed 's/^/    | /'
done
as alice group remove "$conv" carol | sed 's/^/  alice: /'
printf 'Carol has left the delegation.\n' |
    as alice send --conversation "$conv" --subject "Change" |
    sed 's/^/  alice: /'
echo "  bob syncs: $(as bob sync)"
echo "  carol syncs: $(as carol sync) (removed: she cannot decrypt it)"
as carol conversations | sed 's/^/    carol: /'

echo
echo "== alice and bob compare their safety code"
as alice verify bob | sed 's/^/  alice: /'
as bob verify alice | sed 's/^/  bob:   /'

echo
echo "== alice adds her phone: a pairing code, approved on her laptop"
pcode=$(as alice-phone devices add --server "$url" --pin "$pin" \
    --user alice --json | sed -n 's/.*"code": "\([A-Z0-9-]*\)".*/\1/p')
[ -n "$pcode" ] || { echo "  FAIL: no pairing code" >&2; exit 1; }
echo "  the phone shows: $pcode"
as alice devices approve "$pcode" | sed 's/^/  alice (laptop): /'
code=$("$bin/pouchd" admin -c "$conf" code create alice |
    sed -n 's/^code: //p')
as alice-phone init --server "$url" --pin "$pin" --user alice \
    --code "$code" --device-name phone | sed 's/^/  alice (phone): /'
as alice sync >/dev/null	# the laptop adds the phone to her conversations
as alice devices | sed 's/^/  alice: /'
printf 'Received, thank you.\n' |
    as bob send alice --subject "Phone check" | sed 's/^/  bob: /'
as alice-phone sync >/dev/null
if ! as alice-phone inbox | grep -q "Phone check"; then
	echo "  FAIL: alice's phone cannot read bob's message" >&2
	exit 1
fi
as alice-phone conversations | sed 's/^/  alice (phone): /'
echo "  alice's phone reads bob's new message"

echo
echo "== what the server holds"
if grep -rqs -e "Draft communique" -e "delegation meets" \
    -e "Phone check" "$work/srv"; then
	echo "  FAIL: plaintext found in the server's files" >&2
	exit 1
fi
echo "  no subject or body in the server's database, WAL or blobs"
kill -TERM "$pid"
wait "$pid" && echo "  pouchd stopped cleanly (SIGTERM drained)"
pid=""
echo
echo "demo: ok"
