#!/usr/bin/env bash
# Benchmark of the archive job against PostgreSQL's own speed (issue 5), with the CPU-seconds of the
# job's JVM, of its PostgreSQL backends and of the baseline's backends (issue 23).
#
#   scripts/bench.sh [--runs N] [--repeat K] [--s3] [--keep]
#   scripts/bench.sh --shards N [--runs N] [--repeat K] [--keep]
#
#   --runs N     runs in the benchmark database (default 200000; ~40 s to generate 200k)
#   --repeat K   measure K rounds in this invocation and report medians (default 1)
#   --s3         each round also archives (jar A) to an s3:// root on a local S3 server: s3proxy
#                (jobs/target/s3proxy/s3proxy.jar, else fetched by Maven), filesystem-nio2 backend in the
#                work directory, started once with random credentials and stopped at the end; the job gets
#                them as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_ENDPOINT_URL_S3 / AWS_REGION (never
#                printed). Reports the job's JVM CPU-seconds on S3 over those on the local disk (issue 17:
#                at most 1.3) and the server's own CPU-seconds apart.
#   --shards N   instead of the comparison with PostgreSQL's baseline: the job as 1, 2, 4, ... up to N shard
#                processes side by side (ARCHIVER_SHARD_INDEX/COUNT), each count on its own fresh identical copy;
#                prints per count the wall time (first start to last exit), rows/s (rows of the three tables
#                eligible at the cutoff), the CPU-seconds of the JVMs (each from /usr/bin/time -v, summed)
#                and of the database's PostgreSQL processes (scripts/bench-pgcpu.py), and both per 1000 rows.
#                Last line per count: shards=… archive_s=… rows_per_s=… jvm_cpu_s=… pg_cpu_s=…
#   --keep       keep the work directory (job logs, /usr/bin/time output, Parquet files)
#
# Environment:
#   BENCH_JAVA_OPTS        JVM options of the job (default: those of config/jvm.options, which
#                          scripts/demo.sh, cron, the container and the tests use); printed in the header
#   BENCH_EXTRA_JAVA_OPTS  added after them (profiling: -XX:StartFlightRecording=...)
#   MALLOC_ARENA_MAX       glibc malloc arenas of the job (default 2, as every launcher of the job sets it)
#   BENCH_JAR              a jar to run with java -jar, as it is (default: jobs/target/pipeline-archiver.jar,
#                          rebuilt when stale, run as the container image runs it: unpacked by
#                          scripts/exploded.sh, started with Spring Boot's JarLauncher)
#   BENCH_JAR_B            A/B mode: a second jar (e.g. main's build, the reference) run in every round beside
#                          the first (A: BENCH_JAR or the worktree's build), each on its own fresh copy of the
#                          same data, A first in odd rounds and B first in even ones, launched the way A is
#                          (unpacked and JarLauncher, or java -jar when BENCH_JAR is set). The summary gives
#                          the medians per jar and A/B. The instrumented launch runs A only. With --s3 the
#                          round's launches run in the order A, B, S3 in odd rounds and S3, B, A in even ones.
#   ARCHIVER_*             passed to the job as they are (e.g. ARCHIVER_EXPORT_THREADS=3)
#                          The job runs from the repository root, where Spring Boot also reads
#                          ./config/application.yml: the worktree's settings apply to any BENCH_JAR.
#   SEED                   generator seed (default 42)
#
# 1. A template database bench_tpl_<N> is generated with schema/source/generate.sql (set-based),
#    then VACUUM (FREEZE, ANALYZE)d. It is reused by later invocations with the same N, seed and
#    generator checksum (backend.sql + generate.sql); otherwise it is rebuilt.
# 2. Per round, on fresh identical copies (CREATE DATABASE ... TEMPLATE, STRATEGY FILE_COPY), each
#    made just before its measurement and dropped just after:
#      (1) COPY ... TO STDOUT (FORMAT binary) of the eligible rows of the three tables, to /dev/null;
#      (2) DELETE FROM pipeline_runs WHERE <eligible> (one statement; the cascade removes the rest);
#      (3) java <options> -jar jobs/target/pipeline-archiver.jar archive --older-than=30d
#          as a separate process under /usr/bin/time -v (and with BENCH_JAR_B, the same for jar B;
#          with --s3, the same for jar A with ARCHIVER_OUTPUT_ROOT=s3://bench/<launch>, local disk first
#          in odd rounds and S3 first in even ones).
#    Eligible = status in (ok, error, cancelled) and finished_at < today 00:00 UTC - 30 days, which
#    is the cutoff --older-than=30d gives the job.
# 3. Once per invocation: the size zstd -3 gives the same rows as CSV (the Parquet target).
# 4. Once per invocation, after the rounds: an instrumented launch of the job on another fresh copy,
#    not timed for the ratio. Its copy gets log_min_duration_statement = 0 (ALTER DATABASE, that
#    database only) and the server log is parsed per backend pid from BEGIN to COMMIT for the
#    transactions that delete runs: the longest purge transaction as PostgreSQL measures it. Logging
#    every statement costs the job ~1.2 CPU-s and ~0.6 s of wall time at 200k runs (measured), so the
#    timed launches of (3) run without it.
#
# CPU-seconds (user + sys), per round and as medians; on a shared machine far steadier than wall time:
#   - the job's JVM, all its threads: /usr/bin/time -v, from the kernel's accounting of the process
#     when it is reaped (wait4), so exact;
#   - with --s3, the S3 server (s3proxy, a JVM of its own): its process's utime + stime from /proc before
#     and after each S3 launch, reported apart from the job's;
#   - PostgreSQL's processes serving one measurement's database (its client backends and the parallel
#     workers they lead): scripts/bench-pgcpu.py takes each one's final CPU time (the scheduler's runtime,
#     as /proc and wait4 give it) from the kernel's taskstats exit record (root), so the last moments
#     before a backend exits are not lost as with a /proc sampler. It looks at the postmaster's children
#     every 50 ms only to learn which pids belong to the database (~0.5-0.8 % of one core, its own,
#     printed and not counted). Without taskstats it falls back to its last /proc readings and the figure
#     is marked as a lower bound. The baseline's figure is the COPY's backend plus the DELETE's; the
#     job's, all its backends.
#
# max_purge_txn_ms is the largest of: the instrumented launch's figure from PostgreSQL's log, and the
# job's own purge.maxTransactionMs of every launch (measured inside the tasklet, so without the commit).
#
# The last line is machine-readable (MB = MiB; with --repeat, medians over the rounds; of jar A):
#   archive_s=… baseline_s=… ratio=… steps_per_s=… peak_rss_mb=… parquet_mb=… max_purge_txn_ms=…
#   jvm_cpu_s=… pg_cpu_s=… baseline_pg_cpu_s=…
#   [s3_jvm_cpu_ratio=… s3_jvm_cpu_s=… s3_peak_rss_mb=… s3_parquet_mb=… s3_archive_s=… s3proxy_cpu_s=…]
# (one line; the s3_ figures with --s3 only). With BENCH_JAR_B two lines come before it:
#   jar_b archive_s=… ratio=… steps_per_s=… peak_rss_mb=… parquet_mb=… jvm_cpu_s=… pg_cpu_s=…
#   a_over_b archive_s=… ratio=… peak_rss_mb=… parquet_mb=… jvm_cpu_s=… pg_cpu_s=…
# (a_over_b: jar A's median over jar B's; above 1 means that A costs more).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '5,/^# 1\. /p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

RUNS=200000
REPEAT=1
KEEP=false
S3=false
while (($#)); do
  case "$1" in
    --runs) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --repeat) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; REPEAT="$2"; shift 2 ;;
    --repeat=*) REPEAT="${1#*=}"; shift ;;
    --keep) KEEP=true; shift ;;
    --s3) S3=true; shift ;;
    --shards) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; SHARDS="$2"; shift 2 ;;
    --shards=*) SHARDS="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) log "unknown argument: $1"; usage >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]{0,8}$ ]] || { log "--runs must be a positive integer"; exit 2; }
[[ "$REPEAT" =~ ^[1-9][0-9]?$ ]] || { log "--repeat must be between 1 and 99"; exit 2; }
SHARDS="${SHARDS:-}"
[[ -z "$SHARDS" || "$SHARDS" =~ ^([1-9]|1[0-6])$ ]] || { log "--shards must be between 1 and 16"; exit 2; }
[[ -z "$SHARDS" ]] || ! $S3 || { log "--shards and --s3 are separate benchmarks"; exit 2; }
SEED="${SEED:-42}"
[[ "$SEED" =~ ^-?[0-9]+$ ]] || { log "SEED must be an integer"; exit 2; }

if [[ -n "${BENCH_JAVA_OPTS:-}" ]]; then
  JAVA_OPTS_BENCH="$BENCH_JAVA_OPTS"; JAVA_OPTS_FROM="BENCH_JAVA_OPTS"
else
  JAVA_OPTS_BENCH="$(scripts/jvm-options.sh config/jvm.options)"; JAVA_OPTS_FROM="config/jvm.options"
fi
JAVA_OPTS_EXTRA="${BENCH_EXTRA_JAVA_OPTS:-}"
JAR="${BENCH_JAR:-jobs/target/pipeline-archiver.jar}"
JAR_B="${BENCH_JAR_B:-}"
AB=false; [[ -z "$JAR_B" ]] || AB=true
STATUSES="'ok','error','cancelled'"   # archiver.source.finished-statuses (default)

# --- tools -----------------------------------------------------------------------------------
apt_install() {
  [[ $EUID -eq 0 ]] || die "$2 is missing; install the Debian package '$1' (apt-get install -y $1) and rerun."
  log "installing the Debian package '$1' (for $2)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null \
      || die "apt-get install $1 failed; install it by hand and rerun."
  fi
}
[[ -x /usr/bin/time ]] || apt_install time /usr/bin/time
command -v zstd >/dev/null || apt_install zstd zstd
for tool in java psql awk sha256sum flock python3; do
  command -v "$tool" >/dev/null || die "$tool is required but not found."
done

eval "$(scripts/postgres.sh)"
export PGTZ=UTC PGAPPNAME=pipeline-archiver-bench

# One benchmark at a time on this machine: two would measure each other.
exec 9>"${TMPDIR:-/tmp}/pipeline-archiver-bench.lock"
flock -n 9 || die "another scripts/bench.sh is running on this machine; wait for it."

if [[ -n "${BENCH_JAR:-}" ]]; then
  [[ -f "$JAR" ]] || die "BENCH_JAR=$JAR does not exist."
elif [[ ! -f "$JAR" || -n "$(find jobs/src/main config schema/migration pom.xml jobs/pom.xml -newer "$JAR" -print -quit)" ]]; then
  log "building $JAR ..."
  # jansi.noreset: Maven 3.8's jansi 2 writes ESC[0m to stdout and stderr at exit even with -B -q
  MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -ntp -DskipTests package >&2 || die "the build failed."
fi
! $AB || [[ -f "$JAR_B" ]] || die "BENCH_JAR_B=$JAR_B does not exist."

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pipeline-archiver-bench.XXXXXX")"
DBS=()          # databases this invocation created and must drop
JOB_PID=""      # the /usr/bin/time process running the job, while it runs

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
drop_db() { q -d postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" 2>/dev/null || log "could not drop database $1"; }

cleanup() {
  local rc=$?
  set +e
  if [[ -n "$JOB_PID" ]]; then
    log "stopping the archive job (pid $JOB_PID and its child)"
    pkill -TERM -P "$JOB_PID" 2>/dev/null; kill -TERM "$JOB_PID" 2>/dev/null; wait "$JOB_PID" 2>/dev/null
  fi
  if [[ -n "${PGCPU_PID:-}" ]]; then kill "$PGCPU_PID" 2>/dev/null; fi
  if [[ -n "${S3PROXY_PID:-}" ]]; then kill "$S3PROXY_PID" 2>/dev/null; wait "$S3PROXY_PID" 2>/dev/null; fi
  for db in "${DBS[@]}"; do drop_db "$db"; done
  if $KEEP; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
  ((rc == 0)) || log "FAILED (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Jar B is launched the way jar A is, so that the comparison measures the jars and not the launch.
if [[ -n "${BENCH_JAR:-}" ]]; then
  LAUNCH_A=(-jar "$JAR")
  ! $AB || LAUNCH_B=(-jar "$JAR_B")
else
  LAUNCH_A=(-cp "$(scripts/exploded.sh "$JAR")" org.springframework.boot.loader.launch.JarLauncher)
  if $AB; then   # not scripts/exploded.sh: it unpacks beside the jar, where another jar may be unpacked too
    java -Djarmode=tools -jar "$JAR_B" extract --launcher --destination "$WORK/exploded-b" >/dev/null \
      || die "could not unpack BENCH_JAR_B=$JAR_B (java -Djarmode=tools -jar $JAR_B extract --launcher)"
    LAUNCH_B=(-cp "$WORK/exploded-b" org.springframework.boot.loader.launch.JarLauncher)
  fi
fi

# --- the S3 server (--s3) --------------------------------------------------------------------
# s3proxy as its own process over a directory (filesystem-nio2: a bucket is a directory, an object a plain
# file at its key, so the archive's bytes are counted as on the local disk). Credentials are random per
# invocation and reach the job through the AWS SDK's standard variables only.
S3_BUCKET=bench
if $S3; then
  S3PROXY_JAR=jobs/target/s3proxy/s3proxy.jar
  if [[ ! -f "$S3PROXY_JAR" ]]; then
    s3proxy_version="$(sed -n 's:.*<s3proxy.version>\(.*\)</s3proxy.version>.*:\1:p' pom.xml)"
    log "fetching s3proxy $s3proxy_version (jar-with-dependencies) with Maven ..."
    MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -ntp dependency:copy \
      -Dartifact="org.gaul:s3proxy:$s3proxy_version:jar:jar-with-dependencies" -DoutputDirectory="$WORK/s3proxy" >&2 \
      || die "could not fetch s3proxy $s3proxy_version (mvn dependency:copy)"
    S3PROXY_JAR="$WORK/s3proxy/s3proxy-$s3proxy_version-jar-with-dependencies.jar"
  fi
  S3_DIR="$WORK/s3"
  mkdir -p "$S3_DIR/$S3_BUCKET"
  S3_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
  S3_ACCESS="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  S3_SECRET="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  (umask 077; cat >"$WORK/s3proxy.properties" <<EOP
s3proxy.endpoint=$S3_ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS
s3proxy.credential=$S3_SECRET
jclouds.provider=filesystem-nio2
jclouds.identity=$S3_ACCESS
jclouds.credential=$S3_SECRET
jclouds.filesystem.basedir=$S3_DIR
EOP
  )
  java -Xmx256m -jar "$S3PROXY_JAR" --properties "$WORK/s3proxy.properties" >"$WORK/s3proxy.log" 2>&1 &
  S3PROXY_PID=$!
  for ((i = 0; i < 600; i++)); do
    (: <"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null && break
    kill -0 "$S3PROXY_PID" 2>/dev/null || die "s3proxy did not start: $(tail -n 5 "$WORK/s3proxy.log")"
    sleep 0.1
  done
  (: <"/dev/tcp/127.0.0.1/$S3_PORT") 2>/dev/null || die "s3proxy did not accept connections within 60 s"
  rm -f "$WORK/s3proxy.properties"   # read at start; the secret stays in memory only
fi
s3proxy_cpu() {   # CPU-seconds (user + sys, all threads) of the s3proxy process so far
  local line
  local -a stat
  read -r line < "/proc/$S3PROXY_PID/stat" || { echo nan; return 0; }
  read -r -a stat <<< "${line##*) }"
  awk -v t=$((stat[11] + stat[12])) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
load1() { cut -d' ' -f1 /proc/loadavg; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
median() {   # of numbers on stdin; keeps the inputs' number of decimals
  { grep -E '^-?[0-9]+([.][0-9]+)?$' || true; } | sort -g | awk '{ v[NR] = $1; if (index($1, ".")) { d = length($1) - index($1, "."); if (d > dec) dec = d } }
    END { if (NR == 0) { print "nan"; exit } m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf ("%." (dec + 0) "f\n"), m }'
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# --- the template database -----------------------------------------------------------------
TPL="bench_tpl_${RUNS}"
GEN_SUM="$(cat schema/source/backend.sql schema/source/generate.sql | sha256sum | cut -c1-16)"
WANT="pipeline-archiver bench template runs=$RUNS seed=$SEED generator=$GEN_SUM"
HAVE="$(q -d postgres -v tpl="$TPL" <<< "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :'tpl'")"
if [[ "$HAVE" == "$WANT "* ]]; then
  log "reusing template database $TPL (${HAVE#"$WANT "})"
else
  [[ -z "$HAVE" ]] || log "template $TPL exists but was built differently ($HAVE); rebuilding it"
  building="bench_tpl_${RUNS}_building"
  DBS+=("$building")
  drop_db "$building"
  log "generating template database $TPL: $RUNS runs (seed $SEED) ..."
  t0=$(now)
  SEED="$SEED" scripts/seed-source.sh "$building" "$RUNS" >"$WORK/seed.log" 2>&1 \
    || { tail -n 20 "$WORK/seed.log" >&2; die "the generator failed (log above)."; }
  q -d "$building" -c "VACUUM (FREEZE, ANALYZE)"
  drop_db "$TPL"
  q -d postgres -c "ALTER DATABASE \"$building\" RENAME TO \"$TPL\""
  unset 'DBS[-1]'
  q -d postgres -c "COMMENT ON DATABASE \"$TPL\" IS '$WANT built=$(date -u +%FT%TZ)'"
  log "template $TPL generated and vacuumed in $(elapsed "$t0" "$(now)") s"
fi
built="$(q -d postgres -v tpl="$TPL" <<< "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :'tpl'")"
built="${built##*built=}"
[[ "${built:0:10}" == "$(date -u +%F)" ]] \
  || log "note: the template was generated on ${built:0:10}; its timestamps are relative to that day, so slightly more runs are eligible today than on a fresh one"

CUTOFF="$(date -u -d "$(date -u +%F) -30 days" +%FT00:00:00Z)"
ELIGIBLE="r.status IN ($STATUSES) AND r.finished_at < '$CUTOFF'::timestamptz"
SQL_RUNS="SELECT r.* FROM pipeline_runs r WHERE $ELIGIBLE"
SQL_STEPS="SELECT s.* FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id WHERE $ELIGIBLE"
SQL_CALLS="SELECT c.* FROM llm_calls c JOIN pipeline_runs r ON r.id = c.run_id WHERE $ELIGIBLE"

read -r all_runs all_steps all_calls el_runs el_steps el_calls db_bytes < <(q -d "$TPL" -F ' ' -c "
  SELECT (SELECT count(*) FROM pipeline_runs), (SELECT count(*) FROM pipeline_steps), (SELECT count(*) FROM llm_calls),
         (SELECT count(*) FROM ($SQL_RUNS) x), (SELECT count(*) FROM ($SQL_STEPS) x), (SELECT count(*) FROM ($SQL_CALLS) x),
         pg_database_size(current_database())")
((el_runs > 0)) || die "no eligible runs in $TPL (cutoff $CUTOFF)."

# PostgreSQL's log, for the purge transactions (readable as root or postgres on Debian).
PGLOG=""
if command -v pg_lsclusters >/dev/null; then
  # awk reads to the end: one that exits early can kill pg_lsclusters by SIGPIPE (pipefail, set -e)
  PGLOG="$(pg_lsclusters -h 2>/dev/null | awk -v p="$PGPORT" '$3 == p && !found { print $7; found = 1 }')"
fi
if [[ -z "$PGLOG" || ! -r "$PGLOG" ]]; then
  f="$(q -d postgres -c "SELECT CASE WHEN pg_current_logfile() LIKE '/%' THEN pg_current_logfile()
                                     ELSE current_setting('data_directory') || '/' || pg_current_logfile() END" 2>/dev/null || true)"
  PGLOG="$f"
fi
[[ -n "$PGLOG" && -r "$PGLOG" ]] || { log "PostgreSQL's log is not readable here; the longest purge transaction will be the job's own figure"; PGLOG=""; }
LOG_PREFIX="$(q -d postgres -c "SHOW log_line_prefix")"
if [[ -n "$PGLOG" && "$LOG_PREFIX" != "%m [%p] %q%u@%d "* ]]; then
  log "log_line_prefix is '$LOG_PREFIX', not Debian's '%m [%p] %q%u@%d '; the longest purge transaction will be the job's own figure"
  PGLOG=""
fi

# Purge transactions from the server log (lines of one database): per backend pid, from the start of
# BEGIN to the end of COMMIT, for the transactions that ran the job's DELETE of runs; and the time the
# run locks were held (from the start of SELECT ... FOR UPDATE to the end of COMMIT).
# Prints: transactions longest_ms longest_lock_ms median_ms
purge_transactions() {
  awk -v who="@$2" '
    function ms(clock,   p) { split(clock, p, ":"); return (p[1] * 3600 + p[2] * 60 + p[3]) * 1000 }
    substr($5, length($5) - length(who) + 1) == who && $6 == "LOG:" && $7 == "duration:" {
      t = ms($2); d = $8 + 0; pid = $4
      rest = $0; rest = substr(rest, index(rest, " ms  ") + 5)
      phase = rest; sub(/ .*/, "", phase)
      sql = rest; sub(/^[^:]*: /, "", sql)
      if (sql == "BEGIN" && !(pid in start)) { start[pid] = t - d; del[pid] = 0; lock[pid] = 0 }
      if (!(pid in start)) next
      if (index(sql, "FOR UPDATE") > 0 && lock[pid] == 0) lock[pid] = t - d
      if (index(sql, "DELETE FROM \"public\".\"pipeline_runs\" ") > 0) del[pid] = 1   # alone, or in a WITH ... RETURNING
      if (phase == "execute" && (sql == "COMMIT" || sql == "ROLLBACK")) {
        if (del[pid]) {
          span = t - start[pid]; if (span < 0) span += 86400000
          held = lock[pid] ? t - lock[pid] : 0; if (held < 0) held += 86400000
          n++; spans[n] = span
          if (span > max) max = span
          if (held > maxheld) maxheld = held
        }
        delete start[pid]
      }
    }
    END {
      if (n == 0) { print "0 nan nan nan"; exit }
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (spans[j] < spans[i]) { x = spans[i]; spans[i] = spans[j]; spans[j] = x }
      printf "%d %.0f %.0f %.0f\n", n, max, maxheld, spans[int((n + 1) / 2)]
    }' "$1"
}

# A long value from a Spring Batch ExecutionContext as stored (Base64 of a serialized java.util.Map,
# Spring Batch's default serializer); empty when it cannot be read (no python3, other format).
context_long() {
  command -v python3 >/dev/null || { cat >/dev/null; return 0; }
  python3 -c '
import base64, re, struct, sys
key = sys.argv[1].encode()
try:
    data = base64.b64decode(sys.stdin.read().strip())
except Exception:
    sys.exit(0)
i = data.find(b"\x74" + struct.pack(">H", len(key)) + key)
if i < 0:
    sys.exit(0)
rest = data[i + 3 + len(key):]
if rest[:2] == b"\x73\x71":            # TC_OBJECT, TC_REFERENCE to the Long class: handle, value
    print(struct.unpack(">q", rest[6:14])[0])
elif rest[:2] == b"\x73\x72":          # TC_OBJECT, TC_CLASSDESC java.lang.Long ... TC_ENDBLOCKDATA TC_NULL, value
    m = re.search(rb"java\.lang\.Number.{8}\x02\x00\x00\x78\x70", rest, re.S)
    if m:
        print(struct.unpack(">q", rest[m.end():m.end() + 8])[0])
' "$1" || true
}

# PostgreSQL's CPU for one measurement: scripts/bench-pgcpu.py counts the processes serving database $1
# (client backends and their parallel workers) from pg_cpu_start until each has exited after pg_cpu_stop.
# Needs the postmaster on this machine (its pid from postmaster.pid) and, to be exact, root (taskstats).
PG_DATADIR="$(q -d postgres -c "SELECT current_setting('data_directory')" 2>/dev/null || true)"
POSTMASTER=""
if [[ -r "$PG_DATADIR/postmaster.pid" ]]; then
  read -r POSTMASTER < "$PG_DATADIR/postmaster.pid" || true
fi
if [[ ! "$POSTMASTER" =~ ^[0-9]+$ || ! -r "/proc/$POSTMASTER/task/$POSTMASTER/children" ]]; then
  log "PostgreSQL's postmaster is not readable on this machine (data directory '$PG_DATADIR'); its CPU-seconds will be nan"
  POSTMASTER=""
fi
PG_CLUSTER="$(q -d postgres -c "SHOW cluster_name")"
PGCPU_MODE=""   # taskstats | sampled, as the helper reports it

pg_cpu_start() {   # pg_cpu_start DB LABEL
  PGCPU_OUT="$WORK/pgcpu-$2.txt"
  [[ -n "$POSTMASTER" ]] || { echo "cpu_s=nan" >"$PGCPU_OUT"; return 0; }
  rm -f "$WORK/pgcpu-$2.ready"
  python3 scripts/bench-pgcpu.py "$POSTMASTER" "$PG_CLUSTER" "$1" "$WORK/pgcpu-$2.ready" >"$PGCPU_OUT" &
  PGCPU_PID=$!
  local i
  for ((i = 0; i < 1000; i++)); do
    [[ -s "$WORK/pgcpu-$2.ready" ]] && break
    kill -0 "$PGCPU_PID" 2>/dev/null || die "scripts/bench-pgcpu.py failed: $(cat "$PGCPU_OUT")"
    sleep 0.01
  done
  [[ -s "$WORK/pgcpu-$2.ready" ]] || die "scripts/bench-pgcpu.py did not start within 10 s"
  read -r PGCPU_MODE < "$WORK/pgcpu-$2.ready"
}

# Sets pgc (CPU-s, or nan) and pgc_desc (what was counted, how exactly, what the counting cost).
pg_cpu_stop() {
  local line exact
  if [[ -n "${PGCPU_PID:-}" ]]; then
    kill -USR1 "$PGCPU_PID"
    wait "$PGCPU_PID" || die "scripts/bench-pgcpu.py failed: $(cat "$PGCPU_OUT")"
    PGCPU_PID=""
  fi
  read -r line < "$PGCPU_OUT" || line=""
  declare -A v=()
  local kv
  for kv in $line; do v[${kv%%=*}]="${kv#*=}"; done
  pgc="${v[cpu_s]:-nan}"
  if [[ "$pgc" == nan ]]; then pgc_desc="not measured"; return 0; fi
  pgc=$(awk -v c="$pgc" 'BEGIN { printf "%.2f", c }')
  exact="${v[exact]}"
  pgc_desc="backends ${v[backends]}, parallel workers ${v[parallel_workers]}"
  if [[ "${exact#*/}" == 0 ]]; then
    pgc_desc+=", NONE SEEN: no process of the database was alive at a look"
  elif [[ "${exact%/*}" == "${exact#*/}" ]]; then
    pgc_desc+=", exact at exit"
  else
    pgc_desc+=", LOWER BOUND: $exact from exit records, the rest from /proc ($PGCPU_MODE)"
  fi
  pgc_desc+="; $(awk -v u="${v[user_s]}" -v s="${v[sys_s]}" -v o="${v[own_cpu_s]}" \
    'BEGIN { printf "user %.2f, sys %.2f; counting cost %.2f CPU-s, not included", u, s, o }')"
}

make_copy() {   # make_copy NAME: a fresh copy of the template
  DBS+=("$1")
  drop_db "$1"
  q -d postgres -c "CREATE DATABASE \"$1\" TEMPLATE \"$TPL\" STRATEGY FILE_COPY"
  # write out what the previous measurement left dirty, so that no measurement pays for another's
  q -d postgres -c "CHECKPOINT"
}

# The archive job of jar A or B on a fresh copy DB, as its own process under /usr/bin/time -v:
# run_job DB LABEL a|b [instrumented|s3]. With s3 the archive root is s3://bench/LABEL on the local s3proxy.
# Timed launches run as in production: no statement log (the statement log of every purge transaction,
# below, cost the job 1.2 CPU-s and 0.64 s of wall time per launch at 200k runs, measured in 3 pairs;
# README "Performance"); /proc/stat is read before and after, and scripts/bench-pgcpu.py counts the
# backends' CPU (its own ~0.5 % of a core is not charged to anything measured). The instrumented launch
# adds PostgreSQL's log of every statement (for the purge transactions as PostgreSQL sees them).
# Sets archive_s, job_load, machine_cpu, job_pg_cpu and job_pg_desc (and with s3, proxy_cpu).
run_job() {
  local db="$1" label="$2" which="$3" mode="${4:-}" instrumented="" m0 m1 p0 rc=0 root
  local -n launch="LAUNCH_${which^^}"
  local -a s3env=()
  [[ "$mode" != instrumented ]] || instrumented=instrumented
  JOB_DB="$db"; JOB_LABEL="$label"; JOB_ROOT="$WORK/archive-$label"; root="file://$JOB_ROOT"
  if [[ "$mode" == s3 ]]; then
    JOB_ROOT="$S3_DIR/$S3_BUCKET/$label"; root="s3://$S3_BUCKET/$label"
    s3env=(AWS_ACCESS_KEY_ID="$S3_ACCESS" AWS_SECRET_ACCESS_KEY="$S3_SECRET" AWS_ENDPOINT_URL_S3="$S3_ENDPOINT" AWS_REGION=us-east-1)
  fi
  make_copy "$db"
  if [[ -n "$instrumented" && -n "$PGLOG" ]]; then
    q -d postgres -c "ALTER DATABASE \"$db\" SET log_min_duration_statement = 0" \
      -c "ALTER DATABASE \"$db\" SET log_parameter_max_length = 0"
    log_offset=$(stat -c %s "$PGLOG")
  fi
  pg_cpu_start "$db" "job-$label"
  [[ "$mode" != s3 ]] || p0=$(s3proxy_cpu)
  m0=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
  # shellcheck disable=SC2086 # the JVM options are words
  env "${s3env[@]}" SPRING_DATASOURCE_URL="jdbc:postgresql://$PGHOST:$PGPORT/$db" ARCHIVER_OUTPUT_ROOT="$root" \
    MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" /usr/bin/time -v -o "$WORK/time-$label.txt" java $JAVA_OPTS_BENCH $JAVA_OPTS_EXTRA "${launch[@]}" archive --older-than=30d \
    >"$WORK/job-$label.log" 2>&1 &
  JOB_PID=$!
  job_load=$(load1); t0=$(now)
  wait "$JOB_PID" || rc=$?
  archive_s=$(elapsed "$t0" "$(now)")
  JOB_PID=""
  m1=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
  machine_cpu=$(awk -v m=$((m1 - m0)) -v t="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", m / t }')
  [[ "$mode" != s3 ]] || proxy_cpu=$(awk -v a="$p0" -v b="$(s3proxy_cpu)" 'BEGIN { printf "%.2f", b - a }')
  pg_cpu_stop; job_pg_cpu="$pgc"; job_pg_desc="$pgc_desc"
  if ((rc != 0)); then
    tail -n 30 "$WORK/job-$label.log" >&2
    die "the archive job exited with $rc (its log above; --keep keeps $WORK)"
  fi
  grep -q "archive $CUTOFF: COMPLETED" "$WORK/job-$label.log" \
    || die "the job did not report 'archive $CUTOFF: COMPLETED' (cutoff differs? midnight passed?): $(tail -n 3 "$WORK/job-$label.log")"
}

# What the launch run_job made did, from Spring Batch's metadata, the ledger, /usr/bin/time and the files;
# checks that nothing eligible is left and that the ledger's files hold every eligible row.
# Sets rss_mb, parquet_mb, job_purge_ms, jvm_user, jvm_sys and jvm_cpu.
job_report() {
  local db="$JOB_DB" phases job_s left ledger rss_kb pct b t per_table="" parquet_bytes=0
  phases=$(q -d "$db" -F ' ' -c "
    SELECT s.step_name, round(extract(epoch FROM s.end_time - s.start_time)::numeric, 2)
    FROM archiver.batch_step_execution s
    WHERE s.step_name IN ('planStep', 'exportStep', 'purgeStep', 'manifestStep') ORDER BY s.step_execution_id")
  job_s=$(q -d "$db" -c "SELECT round(extract(epoch FROM end_time - start_time)::numeric, 2) FROM archiver.batch_job_execution ORDER BY job_execution_id DESC LIMIT 1")
  printf '  %-44s %8s\n' "    JVM start, Spring, Flyway, exit" "$(awk -v a="$archive_s" -v b="$job_s" 'BEGIN { printf "%.2f", a - b }')"
  while read -r step secs; do printf '  %-44s %8s\n' "    $step" "$secs"; done <<< "$phases"
  left=$(q -d "$db" -c "SELECT count(*) FROM pipeline_runs r WHERE $ELIGIBLE")
  [[ "$left" == 0 ]] || die "the job left $left eligible runs in PostgreSQL"
  ledger=$(q -d "$db" -F ' ' -c "SELECT coalesce(sum(row_count) FILTER (WHERE table_name = 'pipeline_runs'), 0),
      coalesce(sum(row_count) FILTER (WHERE table_name = 'pipeline_steps'), 0), coalesce(sum(row_count) FILTER (WHERE table_name = 'llm_calls'), 0)
      FROM archiver.archive_file")
  [[ "$ledger" == "$el_runs $el_steps $el_calls" ]] || die "the ledger's files hold $ledger rows, expected $el_runs $el_steps $el_calls"
  rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time-$JOB_LABEL.txt")
  rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k / 1024 }')
  read -r jvm_user jvm_sys jvm_cpu pct < <(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } /Percent of CPU/ { p = $2 }
      END { printf "%.2f %.2f %.2f %s\n", u, s, u + s, p }' "$WORK/time-$JOB_LABEL.txt")
  for t in pipeline_runs pipeline_steps llm_calls; do
    b=$(find "$JOB_ROOT/$t" -name '*.parquet' ! -name '.*' -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%d", s }')
    parquet_bytes=$((parquet_bytes + b)); per_table+="$t $(mib "$b"), "
  done
  parquet_mb=$(mib "$parquet_bytes")
  # one context per purger (purgeWorkerStep:purger-N): the largest of their figures
  job_purge_ms=$(q -d "$db" -c "SELECT c.short_context FROM archiver.batch_step_execution_context c
      JOIN archiver.batch_step_execution s USING (step_execution_id) WHERE s.step_name LIKE 'purgeWorkerStep:%'" \
    | while read -r ctx; do echo "$ctx" | context_long purge.maxTransactionMs; done | sort -n | tail -n 1)
  job_purge_ms="${job_purge_ms:-nan}"
  printf '  %-44s %8s ms\n' "    job's own purge.maxTransactionMs" "$job_purge_ms"
  printf '  %-44s %8s MiB\n' "    peak RSS (/usr/bin/time -v)" "$rss_mb"
  printf '  %-44s %8s MiB  (%s)\n' "    Parquet, three datasets" "$parquet_mb" "${per_table%, }"
  printf '  %-44s %8s CPU-s  (user %s, sys %s; %s of one core over the launch)\n' "    JVM, user + sys (/usr/bin/time)" "$jvm_cpu" "$jvm_user" "$jvm_sys" "$pct"
  printf '  %-44s %8s CPU-s  (%s)\n' "    PostgreSQL processes of the job" "$job_pg_cpu" "$job_pg_desc"
  printf '  %-44s %8s CPU-s  (all processes, all cores: /proc/stat)\n' "    the machine during the job" "$machine_cpu"
}

finish_job() {
  if $KEEP; then
    log "kept the job's database $JOB_DB (drop it when done: dropdb $JOB_DB)"
  else
    rm -rf "$JOB_ROOT"; drop_db "$JOB_DB"
  fi
  unset 'DBS[-1]'
}

# --- header ------------------------------------------------------------------------------
cat <<EOH
pipeline-archiver benchmark  $(date -u +%FT%TZ)  host $(hostname)  $(nproc) cores  $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
  PostgreSQL   $(q -d postgres -c "SELECT split_part(version(), ' ', 2)")  shared_buffers $(q -d postgres -c "SHOW shared_buffers")  at $PGHOST:$PGPORT
  Java         $(java -version 2>&1 | sed -n 1p)
  job$($AB && echo " A" || echo "  ")        MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $JAVA_OPTS_BENCH${JAVA_OPTS_EXTRA:+ $JAVA_OPTS_EXTRA} ${LAUNCH_A[*]} archive --older-than=30d
EOH
if $AB; then
  echo "  job B        MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $JAVA_OPTS_BENCH${JAVA_OPTS_EXTRA:+ $JAVA_OPTS_EXTRA} ${LAUNCH_B[*]} archive --older-than=30d"
  echo "  jars         A $JAR ($(sha256sum "$JAR" | cut -c1-12)), B $JAR_B ($(sha256sum "$JAR_B" | cut -c1-12)); $($S3 && echo "A, B, S3 in odd rounds, S3, B, A in even ones" || echo "A first in odd rounds, B first in even ones")"
fi
cat <<EOH
  JVM options  from $JAVA_OPTS_FROM${JAVA_OPTS_EXTRA:+, then BENCH_EXTRA_JAVA_OPTS}
  job settings $( (env | grep -E '^ARCHIVER_' | sort | tr '\n' ' ') || true)(others: config/application.yml)
  database     $TPL: $all_runs runs, $all_steps steps, $all_calls llm_calls, $(mib "$db_bytes") MiB (seed $SEED, generator $GEN_SUM, built $built)
  eligible     cutoff $CUTOFF: $el_runs runs, $el_steps steps, $el_calls llm_calls
  CPU-s        JVM: /usr/bin/time; PostgreSQL: $([[ -n "$POSTMASTER" ]] && echo "scripts/bench-pgcpu.py (postmaster $POSTMASTER)" || echo "not measured")
EOH
if $S3; then
  echo "  S3           jar A also to s3://$S3_BUCKET/<launch> on s3proxy ($(basename "$S3PROXY_JAR"), filesystem-nio2 in the work directory, -Xmx256m, pid $S3PROXY_PID) at $S3_ENDPOINT; credentials random, not printed"
  echo "               s3proxy CPU-s: /proc/$S3PROXY_PID/stat before and after each S3 launch"
fi

# --- the rounds --------------------------------------------------------------------------
declare -a R_COPY R_DELETE R_BASE R_COPY_PG R_DELETE_PG R_BASE_PG
for x in A B S3; do
  declare -a "R${x}_ARCHIVE=()" "R${x}_RATIO=()" "R${x}_SPS=()" "R${x}_RSS=()" "R${x}_PARQUET=()" "R${x}_PURGE=()" \
    "R${x}_JVM=()" "R${x}_JVM_USER=()" "R${x}_JVM_SYS=()" "R${x}_PG=()" "R${x}_PG_RATIO=()"
done
over() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "nan"; else printf "%.3f", a / b }'; }
declare -a RS3_PROXY=() RS3_JVM_RATIO=()
CSV_BYTES=0; ZSTD_BYTES=0; PG_BYTES=0

# One launch in round $2 (tag $3) of jar $1: a or b to the local disk, s3 for jar A to the S3 server.
# Measures, prints and records it.
measure_job() {
  local which="$1" round="$2" tag="$3" name label key="${1^^}" jar="$1" mode=""
  label="$round"; name="(3) archive job (process wall time)"
  if $AB || $S3; then label="$round$which"; name="(3${which}) archive job, jar ${which^^} (wall time)"; fi
  if [[ "$which" == s3 ]]; then jar=a; mode=s3; name="(3s3) archive job, jar A, to S3 (wall time)"; fi
  run_job "${tag}_job${which}" "$label" "$jar" "$mode"
  printf '  %-44s %8s   %s\n' "$name" "$archive_s" "$job_load"
  job_report
  if [[ "$which" == s3 ]]; then
    printf '  %-44s %8s CPU-s  (its JVM, all threads; not in the job'"'"'s figure)\n' "    S3 server (s3proxy) during the job" "$proxy_cpu"
    RS3_PROXY+=("$proxy_cpu")
  fi
  local ratio sps pg_ratio
  ratio=$(awk -v a="$archive_s" -v b="$base_s" 'BEGIN { printf "%.2f", a / b }')
  sps=$(awk -v n="$el_steps" -v a="$archive_s" 'BEGIN { printf "%.0f", n / a }')
  pg_ratio=$(awk -v a="$job_pg_cpu" -v b="$base_pg" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "nan"; else printf "%.2f", a / b }')
  printf '  %-44s %8s   (%s steps/s)\n' "    ratio archive / baseline" "$ratio" "$sps"
  printf '  %-44s %8s\n' "    PostgreSQL CPU, job / baseline" "$pg_ratio"
  finish_job
  local -n r_archive="R${key}_ARCHIVE" r_ratio="R${key}_RATIO" r_sps="R${key}_SPS" r_rss="R${key}_RSS" \
    r_parquet="R${key}_PARQUET" r_purge="R${key}_PURGE" r_jvm="R${key}_JVM" r_user="R${key}_JVM_USER" \
    r_sys="R${key}_JVM_SYS" r_pg="R${key}_PG" r_pg_ratio="R${key}_PG_RATIO"
  r_archive+=("$archive_s"); r_ratio+=("$ratio"); r_sps+=("$sps"); r_rss+=("$rss_mb"); r_parquet+=("$parquet_mb")
  r_purge+=("$job_purge_ms"); r_jvm+=("$jvm_cpu"); r_user+=("$jvm_user"); r_sys+=("$jvm_sys"); r_pg+=("$job_pg_cpu")
  r_pg_ratio+=("$pg_ratio")
}

# --- --shards N: the job as n shard processes side by side, n = 1, 2, 4, ... N ----------------------
# Each count on its own fresh copy of the template; every process under /usr/bin/time -v (exact CPU at
# reaping), PostgreSQL's processes of the copy counted by scripts/bench-pgcpu.py as for a single launch.
if [[ -n "$SHARDS" ]]; then
  counts=()
  for ((n = 1; n < SHARDS; n *= 2)); do counts+=("$n"); done
  counts+=("$SHARDS")
  for ((round = 1; round <= REPEAT; round++)); do
    echo
    echo "shards, round $round/$REPEAT: $RUNS runs, cutoff $CUTOFF (CPU-seconds exact; wall time only on an idle machine)"
    # CPU per 1000 rows archived, in CPU-milliseconds: the model for a machine per shard
    printf '  %6s %10s %10s %10s %10s %12s %12s   %s\n' shards wall_s rows_per_s jvm_cpu_s pg_cpu_s \
      jvm_ms_1k_rows pg_ms_1k_rows "load 1m at start"
    for n in "${counts[@]}"; do
      db="bench_${RUNS}_$$_${round}_shards$n"
      make_copy "$db"
      rows=$(q -d "$db" -c "SELECT (SELECT count(*) FROM pipeline_runs r WHERE $ELIGIBLE)
        + (SELECT count(*) FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id WHERE $ELIGIBLE)
        + (SELECT count(*) FROM llm_calls c JOIN pipeline_runs r ON r.id = c.run_id WHERE $ELIGIBLE)")
      pg_cpu_start "$db" "shards$n-$round"
      pids=(); l=$(load1); t0=$(now)
      for ((i = 0; i < n; i++)); do
        label="shards$n-$round-$i"
        # shellcheck disable=SC2086 # the JVM options are words
        ARCHIVER_SHARD_INDEX="$i" ARCHIVER_SHARD_COUNT="$n" SPRING_DATASOURCE_URL="jdbc:postgresql://$PGHOST:$PGPORT/$db" \
          ARCHIVER_OUTPUT_ROOT="file://$WORK/archive-shards$n-$round" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
          /usr/bin/time -v -o "$WORK/time-$label.txt" java $JAVA_OPTS_BENCH $JAVA_OPTS_EXTRA "${LAUNCH_A[@]}" \
          archive --older-than=30d >"$WORK/job-$label.log" 2>&1 &
        pids+=($!)
      done
      failed=0
      for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
      wall=$(elapsed "$t0" "$(now)")
      pg_cpu_stop
      ((failed == 0)) || die "$failed of $n shard processes failed (logs: $WORK/job-shards$n-$round-*.log; --keep keeps them)"
      left=$(q -d "$db" -c "SELECT count(*) FROM pipeline_runs r WHERE $ELIGIBLE")
      [[ "$left" == 0 ]] || die "$n shards left $left eligible runs in PostgreSQL"
      jvm=$(cat "$WORK"/time-shards"$n-$round"-*.txt | awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { c += $2 }
        END { printf "%.2f", c }')
      awk -v n="$n" -v w="$wall" -v r="$rows" -v j="$jvm" -v p="$pgc" -v l="$l" 'BEGIN {
        printf "  %6d %10.2f %10.0f %10.2f %10s %12.3f %12s   %s\n", n, w, r / w, j, p, 1e6 * j / r,
          (p == "nan" ? "nan" : sprintf("%.3f", 1e6 * p / r)), l }'
      echo "shards=$n archive_s=$wall rows_per_s=$(awk -v r="$rows" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')" \
        "jvm_cpu_s=$jvm pg_cpu_s=$pgc rows=$rows"
      drop_db "$db"
    done
  done
  exit 0
fi

for ((round = 1; round <= REPEAT; round++)); do
  tag="bench_${RUNS}_$$_${round}"
  echo
  echo "round $round/$REPEAT                                         seconds   load 1m at start"

  # (1) binary COPY of the eligible rows, to nowhere
  make_copy "${tag}_copy"
  pg_cpu_start "${tag}_copy" "copy-$round"
  l=$(load1); t0=$(now)
  q -d "${tag}_copy" -c "COPY ($SQL_RUNS) TO STDOUT (FORMAT binary)" -c "COPY ($SQL_STEPS) TO STDOUT (FORMAT binary)" \
    -c "COPY ($SQL_CALLS) TO STDOUT (FORMAT binary)" >/dev/null
  copy_s=$(elapsed "$t0" "$(now)")
  pg_cpu_stop; copy_pg="$pgc"
  printf '  %-44s %8s   %s\n' "(1) COPY eligible rows TO STDOUT binary" "$copy_s" "$l"
  printf '  %-44s %8s CPU-s  (%s)\n' "    PostgreSQL processes of the COPY" "$copy_pg" "$pgc_desc"
  if ((round == 1)); then
    # the Parquet target: zstd -3 of the same rows as CSV; and their size inside PostgreSQL
    for sql in "$SQL_RUNS" "$SQL_STEPS" "$SQL_CALLS"; do
      rm -f "$WORK/csv.bytes"
      z=$(q -d "${tag}_copy" -c "COPY ($sql) TO STDOUT (FORMAT csv)" | tee >(wc -c >"$WORK/csv.bytes") | zstd -3 -q -c | wc -c)
      for _ in $(seq 100); do [[ -s "$WORK/csv.bytes" ]] && break; sleep 0.1; done
      CSV_BYTES=$((CSV_BYTES + $(cat "$WORK/csv.bytes"))); ZSTD_BYTES=$((ZSTD_BYTES + z))
    done
    PG_BYTES=$(q -d "${tag}_copy" -c "SELECT (SELECT sum(pg_column_size(x.*)) FROM ($SQL_RUNS) x)
             + (SELECT sum(pg_column_size(x.*)) FROM ($SQL_STEPS) x) + (SELECT sum(pg_column_size(x.*)) FROM ($SQL_CALLS) x)")
  fi
  drop_db "${tag}_copy"; unset 'DBS[-1]'

  # (2) the plain cascading DELETE
  make_copy "${tag}_delete"
  pg_cpu_start "${tag}_delete" "delete-$round"
  l=$(load1); t0=$(now)
  out=$(q -d "${tag}_delete" -c "DELETE FROM pipeline_runs r WHERE $ELIGIBLE" -c "SELECT 'deleted'" 2>&1) || die "DELETE failed: $out"
  delete_s=$(elapsed "$t0" "$(now)")
  pg_cpu_stop; delete_pg="$pgc"
  left=$(q -d "${tag}_delete" -c "SELECT count(*) FROM pipeline_runs r WHERE $ELIGIBLE")
  [[ "$left" == 0 ]] || die "the plain DELETE left $left eligible runs"
  printf '  %-44s %8s   %s\n' "(2) DELETE eligible runs (cascade)" "$delete_s" "$l"
  printf '  %-44s %8s CPU-s  (%s)\n' "    PostgreSQL processes of the DELETE" "$delete_pg" "$pgc_desc"
  drop_db "${tag}_delete"; unset 'DBS[-1]'
  base_s=$(awk -v a="$copy_s" -v b="$delete_s" 'BEGIN { printf "%.2f", a + b }')
  base_pg=$(awk -v a="$copy_pg" -v b="$delete_pg" 'BEGIN { if (a == "nan" || b == "nan") print "nan"; else printf "%.2f", a + b }')
  printf '  %-44s %8s   (PostgreSQL %s CPU-s)\n' "    baseline = COPY + DELETE" "$base_s" "$base_pg"
  R_COPY+=("$copy_s"); R_DELETE+=("$delete_s"); R_BASE+=("$base_s")
  R_COPY_PG+=("$copy_pg"); R_DELETE_PG+=("$delete_pg"); R_BASE_PG+=("$base_pg")

  # (3) the archive job, end to end, as its own process (timed: no statement log); A/B: both jars, --s3:
  # jar A to S3 too, in alternating order so that none always runs on the warmer cache or the quieter minute
  launches=(a)
  ! $AB || launches+=(b)
  ! $S3 || launches+=(s3)
  if ((round % 2 == 0)); then
    for ((i = 0; i < ${#launches[@]} / 2; i++)); do
      x="${launches[i]}"; launches[i]="${launches[-1 - i]}"; launches[-1 - i]="$x"
    done
  fi
  for x in "${launches[@]}"; do measure_job "$x" "$round" "$tag"; done
  if $S3; then
    s3_ratio=$(over "${RS3_JVM[-1]}" "${RA_JVM[-1]}")
    RS3_JVM_RATIO+=("$s3_ratio")
    printf '  %-44s %8s   (%s CPU-s on S3, %s on the local disk; target <= 1.3)\n' "JVM CPU of jar A, S3 / local disk" "$s3_ratio" \
      "${RS3_JVM[-1]}" "${RA_JVM[-1]}"
  fi
done

# --- the instrumented launch --------------------------------------------------------------
# One more launch on a fresh copy, not timed for the ratio: PostgreSQL logs every statement of it, which
# gives the purge transactions as PostgreSQL sees them (BEGIN to COMMIT).
echo
echo "instrumented launch (statement log; not in the ratio or the medians)  seconds   load 1m at start"
run_job "bench_${RUNS}_$$_instrumented_job" instrumented a instrumented
printf '  %-44s %8s   %s\n' "(3') archive job$($AB && echo ", jar A" || true), instrumented" "$archive_s" "$job_load"
job_report
RA_PURGE+=("$job_purge_ms")
purge=$(printf '%s\n' "${RA_PURGE[@]}" | grep -E '^[0-9]+$' | sort -n | tail -n 1 || true); purge="${purge:-nan}"
purge_source="the job's own purge.maxTransactionMs, largest of all launches"
if [[ -n "$PGLOG" ]]; then
  tail -c +"$((log_offset + 1))" "$PGLOG" | grep -a -F "@$JOB_DB " >"$WORK/pglog-instrumented.txt" || true
  read -r n_txn pg_max pg_held pg_median < <(purge_transactions "$WORK/pglog-instrumented.txt" "$JOB_DB")
  if [[ "$n_txn" != 0 ]]; then
    printf '  %-44s %8s\n' "    purge transactions (PostgreSQL log)" "$n_txn"
    printf '  %-44s %8s ms (median %s ms; run locks held at most %s ms)\n' "    longest purge transaction, BEGIN..COMMIT" "$pg_max" "$pg_median" "$pg_held"
    if [[ "$purge" == nan ]] || ((pg_max >= purge)); then
      purge="$pg_max"; purge_source="PostgreSQL log of the instrumented launch"
    fi
  else
    log "no purge transaction found in $PGLOG; using the job's own figures"
  fi
fi
finish_job

# --- summary -----------------------------------------------------------------------------
med() { printf '%s\n' "$@" | median; }
archive_s=$(med "${RA_ARCHIVE[@]}"); base_s=$(med "${R_BASE[@]}"); ratio=$(med "${RA_RATIO[@]}")
sps=$(med "${RA_SPS[@]}"); rss=$(med "${RA_RSS[@]}"); parquet=$(med "${RA_PARQUET[@]}")
jvm=$(med "${RA_JVM[@]}"); pg=$(med "${RA_PG[@]}"); base_pg=$(med "${R_BASE_PG[@]}"); pg_ratio=$(med "${RA_PG_RATIO[@]}")
echo
echo "summary ($REPEAT round(s); medians$($AB && echo "; jar A" || true))                         load now: $(loadavg)"
printf '  %-30s %10s\n' "COPY binary (s)" "$(med "${R_COPY[@]}")" "DELETE cascade (s)" "$(med "${R_DELETE[@]}")" \
  "baseline (s)" "$base_s" "archive job (s)" "$archive_s"
printf '  %-30s %10s   target <= 1.5   %s\n' "ratio" "$ratio" "$(awk -v r="$ratio" 'BEGIN { print (r <= 1.5 ? "met" : "NOT met") }')"
printf '  %-30s %10s   target <= 512   %s\n' "peak RSS (MiB)" "$rss" "$(awk -v r="$rss" 'BEGIN { print (r <= 512 ? "met" : "NOT met") }')"
printf '  %-30s %10s   target <= %s (zstd -3 of the CSV, %s MiB; CSV %s MiB; in PostgreSQL %s MiB)   %s\n' "Parquet (MiB)" "$parquet" \
  "$(mib "$ZSTD_BYTES")" "$(mib "$ZSTD_BYTES")" "$(mib "$CSV_BYTES")" "$(mib "$PG_BYTES")" \
  "$(awk -v p="$parquet" -v z="$(mib "$ZSTD_BYTES")" 'BEGIN { print (p <= z ? "met" : "NOT met") }')"
printf '  %-30s %10s   target <= 1000  %s  (%s)\n' "longest purge txn (ms)" "$purge" \
  "$(awk -v r="$purge" 'BEGIN { print (r != "nan" && r <= 1000 ? "met" : "NOT met") }')" "$purge_source"
printf '  %-30s %10s\n' "steps/s" "$sps"
printf '  %-30s %10s   (user %s, sys %s)\n' "JVM CPU, user + sys (CPU-s)" "$jvm" "$(med "${RA_JVM_USER[@]}")" "$(med "${RA_JVM_SYS[@]}")"
printf '  %-30s %10s\n' "job's PostgreSQL CPU (CPU-s)" "$pg"
printf '  %-30s %10s   (COPY %s, DELETE %s)\n' "baseline's PostgreSQL (CPU-s)" "$base_pg" "$(med "${R_COPY_PG[@]}")" "$(med "${R_DELETE_PG[@]}")"
printf '  %-30s %10s   target <= 1.15  %s\n' "PostgreSQL CPU job/baseline" "$pg_ratio" \
  "$(awk -v r="$pg_ratio" 'BEGIN { print (r != "nan" && r <= 1.15 ? "met" : "NOT met") }')"
if $AB; then
  echo
  echo "A/B ($REPEAT round(s) each, interleaved; medians)      A            B          A/B"
  ab_row() {   # label, unit-less name for the machine line, A's values, B's values (as arrays by name)
    local -n a="$2" b="$3"
    local ma mb
    ma=$(med "${a[@]}"); mb=$(med "${b[@]}")
    printf '  %-36s %10s   %10s   %8s\n' "$1" "$ma" "$mb" "$(over "$ma" "$mb")"
  }
  ab_row "archive job, wall (s)" RA_ARCHIVE RB_ARCHIVE
  ab_row "ratio archive / baseline" RA_RATIO RB_RATIO
  ab_row "JVM CPU, user + sys (CPU-s)" RA_JVM RB_JVM
  ab_row "  user (CPU-s)" RA_JVM_USER RB_JVM_USER
  ab_row "  sys (CPU-s)" RA_JVM_SYS RB_JVM_SYS
  ab_row "job's PostgreSQL CPU (CPU-s)" RA_PG RB_PG
  ab_row "peak RSS (MiB)" RA_RSS RB_RSS
  ab_row "Parquet (MiB)" RA_PARQUET RB_PARQUET
  echo "  A = $JAR, B = $JAR_B"
  b_archive=$(med "${RB_ARCHIVE[@]}"); b_ratio=$(med "${RB_RATIO[@]}"); b_rss=$(med "${RB_RSS[@]}")
  b_parquet=$(med "${RB_PARQUET[@]}"); b_jvm=$(med "${RB_JVM[@]}"); b_pg=$(med "${RB_PG[@]}")
  echo "jar_b archive_s=$b_archive ratio=$b_ratio steps_per_s=$(med "${RB_SPS[@]}") peak_rss_mb=$b_rss parquet_mb=$b_parquet jvm_cpu_s=$b_jvm pg_cpu_s=$b_pg"
  echo "a_over_b archive_s=$(over "$archive_s" "$b_archive") ratio=$(over "$ratio" "$b_ratio") peak_rss_mb=$(over "$rss" "$b_rss") parquet_mb=$(over "$parquet" "$b_parquet") jvm_cpu_s=$(over "$jvm" "$b_jvm") pg_cpu_s=$(over "$pg" "$b_pg")"
fi
s3_line=""
if $S3; then
  s3_ratio=$(med "${RS3_JVM_RATIO[@]}"); s3_jvm=$(med "${RS3_JVM[@]}"); s3_rss=$(med "${RS3_RSS[@]}")
  s3_proxy=$(med "${RS3_PROXY[@]}"); s3_parquet=$(med "${RS3_PARQUET[@]}"); s3_archive=$(med "${RS3_ARCHIVE[@]}")
  echo
  echo "S3 ($REPEAT round(s); medians; jar A on s3://$S3_BUCKET on the local s3proxy vs the same jar on the local disk)"
  printf '  %-36s %10s   (user %s, sys %s)\n' "JVM CPU, local disk (CPU-s)" "$jvm" "$(med "${RA_JVM_USER[@]}")" "$(med "${RA_JVM_SYS[@]}")"
  printf '  %-36s %10s   (user %s, sys %s)\n' "JVM CPU, S3 (CPU-s)" "$s3_jvm" "$(med "${RS3_JVM_USER[@]}")" "$(med "${RS3_JVM_SYS[@]}")"
  printf '  %-36s %10s   target <= 1.3   %s   (median of the rounds: %s)\n' "JVM CPU, S3 / local disk" "$s3_ratio" \
    "$(awk -v r="$s3_ratio" 'BEGIN { print (r != "nan" && r <= 1.3 ? "met" : "NOT met") }')" "${RS3_JVM_RATIO[*]}"
  printf '  %-36s %10s   target <= 512   %s\n' "peak RSS on S3 (MiB)" "$s3_rss" "$(awk -v r="$s3_rss" 'BEGIN { print (r <= 512 ? "met" : "NOT met") }')"
  printf '  %-36s %10s   (not in the job'"'"'s figure; the server shares the machine)\n' "S3 server, s3proxy (CPU-s)" "$s3_proxy"
  printf '  %-36s %10s\n' "job's PostgreSQL CPU on S3 (CPU-s)" "$(med "${RS3_PG[@]}")" \
    "archive job on S3, wall (s)" "$s3_archive" "archive job on local disk, wall (s)" "$archive_s" \
    "Parquet in the bucket (MiB)" "$s3_parquet" "Parquet on the local disk (MiB)" "$parquet"
  s3_line=" s3_jvm_cpu_ratio=$s3_ratio s3_jvm_cpu_s=$s3_jvm s3_peak_rss_mb=$s3_rss s3_parquet_mb=$s3_parquet s3_archive_s=$s3_archive s3proxy_cpu_s=$s3_proxy"
fi
echo "archive_s=$archive_s baseline_s=$base_s ratio=$ratio steps_per_s=$sps peak_rss_mb=$rss parquet_mb=$parquet max_purge_txn_ms=$purge jvm_cpu_s=$jvm pg_cpu_s=$pg baseline_pg_cpu_s=$base_pg$s3_line"
