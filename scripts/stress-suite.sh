#!/usr/bin/env bash
# Runs the whole suite as CI runs it, many times, to catch flaky tests (issue 20): clones this repository's
# HEAD (committed work only) into a temporary directory and runs `CI=true bash .ci/run` there N times in a
# row, the last M of them with two CPU hogs (`yes > /dev/null`) running. Each run's log goes to a results
# directory; one summary line is printed per run and a tally at the end. Exits 1 if any run failed.
#
#   scripts/stress-suite.sh                  # 10 runs, the last 5 loaded (about 40+ minutes)
#   scripts/stress-suite.sh 20 10            # 20 runs, the last 10 loaded
#   scripts/stress-suite.sh -n 3 -m 0        # 3 quiet runs
#   scripts/stress-suite.sh --seed-tools     # copy .tools from this checkout instead of npm-installing codex
#   scripts/stress-suite.sh --dry-run -n 4 -m 2   # print the plan and exit
#
# Options:
#   -n, --runs N         runs in all (default 10); also the first positional argument
#   -m, --loaded M       how many of the last runs have the CPU hogs (default 5); also the second positional
#   -o, --results DIR    where the logs go (default: a new directory under ${TMPDIR:-/tmp})
#   -t, --timeout SECS   give up on a run after SECS seconds (default 3600; 0 for no limit)
#       --seed-tools     copy this checkout's .tools into the clone (no npm download; CI downloads)
#       --keep           keep the clone afterwards (its path is printed)
#       --dry-run        print what would run, then exit
#   -h, --help           this text
#
# Between runs the clone is reset to HEAD and cleaned with `git clean -xfd`, keeping .tools so codex is
# installed once. Maven uses the usual ~/.m2.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo pipefail$/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

die() {
  echo "stress-suite: $*" >&2
  exit 2
}

is_count() {
  [[ "$1" =~ ^[0-9]+$ ]]
}

runs=10
loaded=5
results=""
run_timeout=3600
seed_tools=false
keep=false
dry_run=false
positional=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    -n|--runs) [[ $# -ge 2 ]] || die "$1 needs a value"; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    -m|--loaded) [[ $# -ge 2 ]] || die "$1 needs a value"; loaded="$2"; shift 2 ;;
    --loaded=*) loaded="${1#*=}"; shift ;;
    -o|--results) [[ $# -ge 2 ]] || die "$1 needs a value"; results="$2"; shift 2 ;;
    --results=*) results="${1#*=}"; shift ;;
    -t|--timeout) [[ $# -ge 2 ]] || die "$1 needs a value"; run_timeout="$2"; shift 2 ;;
    --timeout=*) run_timeout="${1#*=}"; shift ;;
    --seed-tools) seed_tools=true; shift ;;
    --keep) keep=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; positional+=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
[[ ${#positional[@]} -le 2 ]] || die "at most two positional arguments (runs, loaded runs); got ${positional[*]}"
[[ ${#positional[@]} -ge 1 ]] && runs="${positional[0]}"
[[ ${#positional[@]} -ge 2 ]] && loaded="${positional[1]}"

is_count "$runs" && [[ "$runs" -ge 1 ]] || die "runs must be a whole number of at least 1, not '$runs'"
is_count "$loaded" || die "loaded runs must be a whole number, not '$loaded'"
[[ "$loaded" -le "$runs" ]] || die "loaded runs ($loaded) cannot exceed runs ($runs)"
is_count "$run_timeout" || die "timeout must be a whole number of seconds, not '$run_timeout'"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
head="$(git -C "$root" rev-parse HEAD)"
first_loaded=$((runs - loaded + 1))
[[ -n "$results" ]] || results="${TMPDIR:-/tmp}/codex4j-stress-$(date +%Y%m%d-%H%M%S)"

if $dry_run; then
  echo "would clone $root at $(git -C "$root" log -1 --format='%h %s' "$head")"
  for ((i = 1; i <= runs; i++)); do
    if [[ $i -ge $first_loaded ]]; then load="with 2 CPU hogs"; else load="quiet"; fi
    echo "would run $i/$runs ($load): CI=true bash .ci/run > $results/run-$i.log"
  done
  exit 0
fi

mkdir -p "$results"
results="$(cd "$results" && pwd)"
clone="$(mktemp -d "${TMPDIR:-/tmp}/codex4j-stress-clone.XXXXXX")"
hogs=()
run_pid=""

# A run has a session (and process group) of its own, so stopping it stops Maven and its forked JVMs too.
stop_run() {
  if [[ -n "$run_pid" ]]; then
    kill -TERM -- "-$run_pid" 2>/dev/null || true
    wait "$run_pid" 2>/dev/null || true
    run_pid=""
  fi
}

stop_hogs() {
  if [[ ${#hogs[@]} -gt 0 ]]; then
    kill "${hogs[@]}" 2>/dev/null || true
    wait "${hogs[@]}" 2>/dev/null || true
    hogs=()
  fi
}

cleanup() {
  stop_run
  stop_hogs
  if $keep; then
    echo "clone kept at $clone"
  else
    rm -rf "$clone"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_hogs() {
  yes > /dev/null &
  hogs+=($!)
  yes > /dev/null &
  hogs+=($!)
}

git clone --quiet --no-local "$root" "$clone"
git -C "$clone" checkout --quiet --detach "$head"
if $seed_tools && [[ -d "$root/.tools" ]]; then
  cp -a "$root/.tools" "$clone/.tools"
fi

echo "commit:  $(git -C "$clone" log -1 --format='%h %s')"
echo "clone:   $clone"
echo "results: $results"
echo "runs:    $runs, the last $loaded with 2 CPU hogs"

# The Maven "Tests run:" summary lines (one per module of the reactor, not per class) added up, as "run N,
# F failed, E errors, S skipped"; "no test summary" if the build stopped before the tests.
test_counts() {
  local lines
  lines="$(grep -a -E '^\[(INFO|WARNING|ERROR)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$1" \
    || true)"
  if [[ -z "$lines" ]]; then
    echo "no test summary"
  else
    echo "$lines" | sed -E 's/^\[[A-Z]+\] Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+)$/\1 \2 \3 \4/' \
      | awk '{r += $1; f += $2; e += $3; s += $4} END {printf "%d run, %d failed, %d errors, %d skipped\n", r, f, e, s}'
  fi
}

# The failing tests as class.method, from surefire's "<<< FAILURE!" / "<<< ERROR!" lines, one per line.
failing_tests() {
  { grep -a -E '^\[ERROR\] [^ ]+ -- Time elapsed: .* <<< (FAILURE|ERROR)!' "$1" || true; } \
    | sed -E 's/^\[ERROR\] ([^ ]+) -- .*<<< (FAILURE|ERROR)!.*/\1 (\2)/' | sed -E 's/^dev\.codex4j\.appserver\.//' \
    | sort -u
}

passed=0
failed=0
summary=()
for ((i = 1; i <= runs; i++)); do
  if [[ $i -ge $first_loaded && ${#hogs[@]} -eq 0 ]]; then
    start_hogs
  fi
  if [[ $i -gt 1 ]]; then
    git -C "$clone" reset --quiet --hard "$head"
    git -C "$clone" clean -xfdq -e .tools
  fi
  load="quiet"
  [[ ${#hogs[@]} -gt 0 ]] && load="loaded"
  log="$results/run-$i.log"
  limit=()
  [[ "$run_timeout" -gt 0 ]] && limit=(timeout --kill-after=60 "$run_timeout")

  started=$(date +%s)
  rc=0
  (cd "$clone" && exec setsid env CI=true "${limit[@]}" bash .ci/run) > "$log" 2>&1 < /dev/null &
  run_pid=$!
  wait "$run_pid" || rc=$?
  run_pid=""
  took=$(($(date +%s) - started))

  counts="$(test_counts "$log")"
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    line="$(printf 'run %2d/%d  %-6s  PASS  %4ds  %s' "$i" "$runs" "$load" "$took" "$counts")"
  else
    failed=$((failed + 1))
    names="$(failing_tests "$log" | paste -sd ',' - | sed 's/,/, /g')"
    [[ $rc -eq 124 ]] && names="timed out after ${run_timeout}s${names:+; $names}"
    [[ -n "$names" ]] || names="see log (exit $rc)"
    line="$(printf 'run %2d/%d  %-6s  FAIL  %4ds  %s  failing: %s' "$i" "$runs" "$load" "$took" "$counts" "$names")"
    if [[ -d "$clone/target/surefire-reports" ]]; then
      cp -a "$clone/target/surefire-reports" "$results/run-$i-surefire-reports"
    fi
  fi
  summary+=("$line")
  echo "$line"
done
stop_hogs

echo
echo "$passed passed, $failed failed (of $runs runs; logs in $results)"
printf '%s\n' "${summary[@]}" "$passed passed, $failed failed" > "$results/summary.txt"
[[ $failed -eq 0 ]]
