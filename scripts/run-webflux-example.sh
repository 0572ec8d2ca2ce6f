#!/usr/bin/env bash
# Builds and runs the WebFlux example (integrations/webflux-example): a page that streams a codex turn and asks
# you to approve its commands. Offline by default (the pinned codex against a scripted model on 127.0.0.1);
# --online uses the real service and needs OPENAI_API_KEY (or CODEX_API_KEY).
#   scripts/run-webflux-example.sh [--online] [--port 8080]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

online=false
port=8080
while [[ $# -gt 0 ]]; do
  case "$1" in
    --online) online=true; shift ;;
    --port) port="$2"; shift 2 ;;
    *) echo "usage: scripts/run-webflux-example.sh [--online] [--port N]" >&2; exit 2 ;;
  esac
done
if [[ "$online" == true && -z "${OPENAI_API_KEY:-}${CODEX_API_KEY:-}" ]]; then
  echo "run-webflux-example: --online needs OPENAI_API_KEY (or CODEX_API_KEY) in the environment" >&2
  exit 2
fi

scripts/install-codex.sh >/dev/null
./mvnw -q -B -f integrations/pom.xml -pl webflux-example -am -DskipTests package
echo "codex4j WebFlux example ($([[ "$online" == true ]] && echo online || echo offline)): open http://localhost:$port/"
exec java -Dcodex4j.codex.executable="$root/.tools/codex" \
  -jar integrations/webflux-example/target/codex4j-webflux-example-0.1.0-SNAPSHOT.jar \
  --server.port="$port" --codex-example.online="$online"
