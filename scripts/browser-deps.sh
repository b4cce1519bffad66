#!/bin/sh
# What the browser test (tests/test_docs_browser.py) needs beyond the project's virtualenv:
# Debian's Chromium and its ChromeDriver (/usr/bin/chromium, /usr/bin/chromedriver). `make test`
# runs this before pytest; it returns at once when they are installed.
set -e
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
exec sh "$(dirname "$0")/apt-install.sh" chromium chromium-driver
