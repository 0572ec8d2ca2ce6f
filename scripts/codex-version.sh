#!/usr/bin/env bash
# Prints the codex CLI version pinned in pom.xml (the single source of truth).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sed -n 's:.*<codex.version>\(.*\)</codex.version>.*:\1:p' "$root/pom.xml" | head -n 1
