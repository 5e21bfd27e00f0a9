#!/usr/bin/env bash
# The first hour, checked: scripts/demo.sh run N times in a row (default 20) from a fresh state, each time
# followed by the two query commands it prints, exactly as printed. Every one must exit 0; the first that
# does not stops the check (exit 1) and its output is shown.
#
#   scripts/check-demo.sh              20 demos of 20,000 runs (the demo's own size), after a fresh build
#   scripts/check-demo.sh 5            5 demos
#   scripts/check-demo.sh --keep-build 20   without removing jobs/target first
#   DEMO_RUNS=2000 scripts/check-demo.sh    smaller demos
#
# Fresh state: jobs/target removed (the first demo builds the jar, as on a fresh clone), and the check's own
# database (DEMO_DATABASE, default pipeline_demo_check) and archive root (default target/check-demo/archive)
# recreated by every demo. The user's demo database and ./archive are not touched.
set -euo pipefail
cd "$(dirname "$0")/.."

KEEP_BUILD=false
if [[ "${1:-}" == --keep-build ]]; then KEEP_BUILD=true; shift; fi
N="${1:-20}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/check-demo.sh [--keep-build] [N]" >&2; exit 2; }

export DEMO_DATABASE="${DEMO_DATABASE:-pipeline_demo_check}"
export ARCHIVER_OUTPUT_ROOT="${ARCHIVER_OUTPUT_ROOT:-$PWD/target/check-demo/archive}"
LOGS="$PWD/target/check-demo"
mkdir -p "$LOGS"

if ! $KEEP_BUILD; then
  echo "check-demo: removing jobs/target (the first demo builds the jar)"
  rm -rf jobs/target
fi

fail() {
  echo "check-demo: FAILED: $1 (output: $2)" >&2
  sed 's/^/  | /' "$2" >&2
  exit 1
}

started=$SECONDS
for ((i = 1; i <= N; i++)); do
  log="$LOGS/demo-$i.log"
  t0=$SECONDS
  set +e
  scripts/demo.sh >"$log" 2>&1
  rc=$?
  set -e
  ((rc == 0)) || fail "demo $i of $N exited $rc" "$log"
  grep -q $'\x1b' "$log" && fail "demo $i of $N printed terminal escape codes" "$log"

  # the two commands the demo printed, run as printed (a fresh bash, from the repository root)
  mapfile -t commands < <(grep -E '^    (eval |scripts/query\.sh )' "$log" || true)
  ((${#commands[@]} == 2)) || fail "demo $i of $N printed ${#commands[@]} query commands, not 2" "$log"
  results=()
  for c in 0 1; do
    out="$LOGS/demo-$i-query-$((c + 1)).log"
    set +e
    env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u SPRING_DATASOURCE_URL bash -c "${commands[$c]}" >"$out" 2>&1
    rc=$?
    set -e
    ((rc == 0)) || fail "demo $i of $N: the printed command exited $rc: ${commands[$c]}" "$out"
    grep -q $'\x1b' "$out" && fail "demo $i of $N: the printed command printed terminal escape codes" "$out"
    results+=("$(wc -l < "$out") lines")
  done
  grep -qE '^run [0-9]+, archived in batch [0-9]+' "$LOGS/demo-$i-query-1.log" \
    || fail "demo $i of $N: show-run printed no archived run" "$LOGS/demo-$i-query-1.log"
  grep -qE '^\([0-9]+ rows?\)$' "$LOGS/demo-$i-query-2.log" \
    || fail "demo $i of $N: query.sh printed no result table" "$LOGS/demo-$i-query-2.log"
  echo "check-demo: demo $i of $N: exit 0 in $((SECONDS - t0)) s; show-run exit 0 (${results[0]}), query.sh exit 0 (${results[1]})"
done
echo "check-demo: $N of $N demos exited 0, and so did the $((2 * N)) commands they printed ($((SECONDS - started)) s)"
