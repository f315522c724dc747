#!/usr/bin/env bash
# Make sure headless Chromium is available for the browser tests and the docs screenshots.
# Idempotent; installs Debian's `chromium` package when run as root on Debian.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
  echo "ensure-chromium: installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: no chromium found; install Chromium to run the browser tests" >&2
exit 1
