#!/bin/sh
# deps.sh - install the Debian 12 packages Pouch needs to build, test and
# fuzz.  The one list of packages lives here.  Idempotent: packages that are
# already installed are skipped, and apt is not touched when nothing is
# missing.  Runs as root, or through sudo when it is available.
set -eu

PACKAGES="
build-essential
cmake
pkg-config
clang
libclang-rt-14-dev
llvm
libssl-dev
libsodium-dev
libjansson-dev
libcmocka-dev
libolm-dev
libmicrohttpd-dev
libsqlite3-dev
postgresql-15
libpq-dev
libcurl4-openssl-dev
libargon2-dev
libgmime-3.0-dev
valgrind
curl
zlib1g-dev
nodejs
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# npm (the ML-KEM differential test): Debian ships it as its own package,
# while NodeSource's nodejs bundles it and conflicts with that package, so
# ask for it only when there is no npm command.
if ! command -v npm >/dev/null 2>&1; then
	missing="$missing npm"
fi

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps: missing:$missing; run as root or install sudo" >&2
		exit 1
	fi
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
