#!/usr/bin/env bash
# Regenerates protocol-schema/ (stable) and protocol-schema/experimental/ from the pinned codex binary.
# Never edit protocol-schema/ by hand. With --check, writes to a temporary directory and fails if the
# committed schema differs from what the pinned binary emits.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
codex="$("$root/scripts/install-codex.sh")"
check=false
[[ "${1:-}" == "--check" ]] && check=true

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$codex" app-server generate-json-schema --out "$out/stable" >/dev/null
"$codex" app-server generate-json-schema --experimental --out "$out/experimental" >/dev/null
mkdir -p "$out/tree"
cp -R "$out/stable/." "$out/tree/"
mkdir -p "$out/tree/experimental"
cp -R "$out/experimental/." "$out/tree/experimental/"

if $check; then
  if diff -r -q "$root/protocol-schema" "$out/tree"; then
    echo "protocol-schema/ matches codex $("$codex" --version)"
  else
    echo "protocol-schema/ differs from what the pinned codex emits: run scripts/generate-protocol-schema.sh" >&2
    exit 1
  fi
else
  rm -rf "$root/protocol-schema"
  cp -R "$out/tree" "$root/protocol-schema"
  echo "wrote protocol-schema/ from $("$codex" --version)"
fi
