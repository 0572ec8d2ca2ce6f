#!/usr/bin/env bash
# Installs the pinned codex CLI from npm into .tools/ (git-ignored) and points .tools/codex at the
# native binary, so tests spawn it directly rather than through the Node launcher (killing the launcher
# does not always kill its child). Idempotent: a second run with the binary present takes milliseconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$("$root/scripts/codex-version.sh")"
prefix="$root/.tools/codex-$version"
link="$root/.tools/codex"

find_native() {
  find "$prefix/node_modules/@openai" -path '*/vendor/*/bin/codex' -type f 2>/dev/null | head -n 1
}

native="$(find_native || true)"
if [[ -z "$native" ]]; then
  command -v npm >/dev/null || { echo "install-codex: npm is required to install @openai/codex@$version" >&2; exit 1; }
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@openai/codex@$version" >&2
  native="$(find_native || true)"
  [[ -n "$native" ]] || { echo "install-codex: no native codex binary found under $prefix" >&2; exit 1; }
fi
ln -sfn "$native" "$link"
actual="$("$link" --version)"
if [[ "$actual" != "codex-cli $version" ]]; then
  echo "install-codex: expected codex-cli $version, found '$actual'" >&2
  exit 1
fi
echo "$link"
