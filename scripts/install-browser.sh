#!/usr/bin/env bash
# Installs the browser the WebFlux example's tests drive: Debian's chromium and its chromedriver (never a
# driver downloaded at test time). Idempotent: with /usr/bin/chromium and /usr/bin/chromedriver present it
# does nothing. Uses sudo when not run as root (CI runs as root on a fresh Debian machine).
set -euo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
command -v apt-get >/dev/null || { echo "install-browser: apt-get is required to install chromium and chromium-driver" >&2; exit 1; }
as_root=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "install-browser: run as root or install sudo" >&2; exit 1; }
  as_root=(sudo)
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
/usr/bin/chromium --version
/usr/bin/chromedriver --version
