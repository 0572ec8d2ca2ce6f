#!/usr/bin/env bash
# Runs the performance benchmarks of issue 7 (AppServerClient against a hand-written readLine + readTree
# baseline, both talking to the same fast fake app-server) and prints a Markdown table, also written to
# target/bench/results.md. Uses only fake servers: no codex binary, no network beyond loopback. The ws-
# scenarios (issue 16) run over a WebSocket on loopback: the client's WebSocket transport against a hand-written
# JDK java.net.http.WebSocket baseline, both connected to WebSocketBenchServer (Java, its own process).
# About 3 minutes.
#
#   scripts/bench.sh                         # everything
#   scripts/bench.sh --only=typed1,latency   # some scenarios: ceiling typed1 typed8 raw1 rawparams1 latency pipelined
#                                            # chained memory ws-ceiling ws-typed1 ws-raw1 ws-latency ws-pipelined
#   scripts/bench.sh --n=200000 --rounds=3   # smaller (see Benchmarks' Javadoc for all options)
#   scripts/bench.sh --jfr --only=typed1 --side=client   # also record target/bench/bench.jfr and summarise it
#   scripts/bench.sh --pool                  # the pool benchmarks of issue 17 instead (PoolBenchmarks, ~4 min: C
#                                            # concurrent turns of 1,000 deltas (100 at C=1000) over 1 client and
#                                            # pools of 1, 2, 4 members; heap per idle handle and per running turn;
#                                            # the pool's added latency to the first event and CPU per delta, paired
#                                            # against 1 client; --only=matrix,handles,running,latency,cpu
#                                            # --concurrency=1,10,100,1000 --rounds=5 ..., see its Javadoc)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

jfr=false
pool=false
args=()
for a in "$@"; do
  if [[ "$a" == "--jfr" ]]; then jfr=true; elif [[ "$a" == "--pool" ]]; then pool=true; else args+=("$a"); fi
done

./mvnw -q -B -DskipTests test-compile
mkdir -p target/bench
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench/classpath.txt
cp="target/test-classes:target/classes:$(cat target/bench/classpath.txt)"

jvm=(-Xms1g -Xmx1g -XX:+UseG1GC -XX:+AlwaysPreTouch)
if $jfr; then
  jvm+=("-XX:StartFlightRecording=filename=target/bench/bench.jfr,settings=profile,dumponexit=true")
fi
if $pool; then
  exec java "${jvm[@]}" -cp "$cp" dev.codex4j.appserver.bench.PoolBenchmarks ${args[@]+"${args[@]}"}
fi
# The fake app-server: its native twin when a C compiler is here (no JIT or GC of its own, so it serves both
# sides alike in every run), else the Java BenchServer. --server=java forces the latter.
server=()
if [[ " ${args[*]-} " != *" --server="* ]] && command -v cc >/dev/null; then
  cc -O2 -o target/bench/bench-server src/test/c/bench_server.c
  server=(--server=target/bench/bench-server)
fi
java "${jvm[@]}" -cp "$cp" dev.codex4j.appserver.bench.Benchmarks ${server[@]+"${server[@]}"} ${args[@]+"${args[@]}"}
if $jfr; then
  java -cp "$cp" dev.codex4j.appserver.bench.JfrSummary target/bench/bench.jfr
fi
