#!/usr/bin/env bash
# Regenerates the Java protocol types (src/main/java/dev/codex4j/appserver/protocol/...) from
# protocol-schema/ with the generator in src/test/java/dev/codex4j/appserver/codegen (JavaPoet).
# The generator is compiled on its own (it needs only Jackson and JavaPoet from the test classpath),
# so regeneration works even while the generated or other main sources do not compile.
# Deterministic: ProtocolSourcesUpToDateTest fails when the committed sources differ from a fresh run.
# Extra arguments go to Maven (e.g. -o for offline).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/target/codegen"
mkdir -p "$out/classes"
./mvnw -q -B "$@" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt" >/dev/null
cp="$(cat "$out/classpath.txt")"
# The generator only: tests beside it (GeneratedSecretsTest) use the generated types this run makes.
sources=()
for f in src/test/java/dev/codex4j/appserver/codegen/*.java; do
  [[ "$f" == *Test.java ]] || sources+=("$f")
done
javac -nowarn -d "$out/classes" -cp "$cp" "${sources[@]}"
java -cp "$out/classes:$cp" dev.codex4j.appserver.codegen.ProtocolGenerator \
  "$root/protocol-schema" "$root/src/main/java" "$("$root/scripts/codex-version.sh")"
