#!/bin/sh
# What `make bench` needs beyond the project's virtualenv: wrk, the load generator (Debian's
# package). Installed when missing; everything else comes from setup.cfg.
set -e
if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
exec sh "$(dirname "$0")/../scripts/apt-install.sh" wrk
