#!/usr/bin/env bash
# Runs the streaming example: starts codex through AppServerClient, runs one turn, prints the answer as it
# arrives. Offline with a scripted model unless CODEX_API_KEY or OPENAI_API_KEY is set.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-codex.sh >/dev/null
./mvnw -q -B -DskipTests test-compile
args=""
for a in "$@"; do args+="${args:+ }$a"; done
./mvnw -q -B exec:java -Dexec.classpathScope=test -Dexec.cleanupDaemonThreads=false \
  -Dexec.mainClass=dev.codex4j.appserver.examples.StreamOneTurn -Dexec.args="$args"
