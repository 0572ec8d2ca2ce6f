#!/usr/bin/env bash
# Runs an example (src/examples/java/dev/codex4j/appserver/examples) through the library against the pinned
# codex. Offline with a scripted model unless CODEX_API_KEY or OPENAI_API_KEY is set.
#   scripts/run-example.sh [prompt...]                       StreamOneTurn: one streamed turn, one approval
#   scripts/run-example.sh fix-on-failure [dir cmd...]       run the tests; on failure, artifacts/fix_plan.md
#   scripts/run-example.sh fork-per-review [repo diff...]    a fork of one base thread per change reviewed
#   scripts/run-example.sh findings-gate [--fail-on high] [repo]   structured findings, exit 1 at the threshold
#   scripts/run-example.sh human-in-the-loop [--timeout 30] [prompt...]   approvals asked on this terminal
# The example's exit code is the script's.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

main=StreamOneTurn
case "${1:-}" in
  fix-on-failure) main=FixOnFailure; shift ;;
  fork-per-review) main=ForkPerReview; shift ;;
  findings-gate) main=FindingsGate; shift ;;
  human-in-the-loop) main=HumanInTheLoop; shift ;;
esac

scripts/install-codex.sh >/dev/null
./mvnw -q -B -DskipTests test-compile
# exec.args is split on spaces except inside quotes: quote each argument so that one with spaces (a test
# command such as "sh -c 'exit 1'") arrives whole.
args=""
for a in "$@"; do
  if [[ "$a" == *"'"* ]]; then
    if [[ "$a" == *'"'* ]]; then
      echo "run-example.sh: an argument cannot contain both ' and \": $a" >&2
      exit 2
    fi
    args+="${args:+ }\"$a\""
  else
    args+="${args:+ }'$a'"
  fi
done
./mvnw -q -B exec:java -Dexec.classpathScope=test -Dexec.cleanupDaemonThreads=false \
  -Dexec.mainClass="dev.codex4j.appserver.examples.$main" -Dexec.args="$args"
