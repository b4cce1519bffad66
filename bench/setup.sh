#!/bin/sh
# What `make bench` needs beyond the project's virtualenv: wrk, the load generator (Debian's
# package). Installed when missing; everything else comes from setup.cfg.
set -e
if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "bench: install wrk (https://github.com/wg/wrk), e.g. with your package manager" >&2
    exit 1
fi
$SUDO apt-get install -y wrk || { $SUDO apt-get update && $SUDO apt-get install -y wrk; }
