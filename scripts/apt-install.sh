#!/bin/sh
# apt-get install the Debian packages named (with sudo when not root), updating the package
# lists first only if the install fails without.
set -e
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get: install $* with your package manager" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends "$@" || {
    $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "$@"; }
