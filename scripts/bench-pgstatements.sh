#!/usr/bin/env bash
# PostgreSQL's CPU per statement class: what the job's export and purge statements cost the server beyond
# what the baseline's COPY and cascading DELETE cost for the same rows (issue 23). Complements
# scripts/bench.sh, which gives each launch's backends' CPU as one figure.
#
#   scripts/bench-pgstatements.sh [--runs N] [--batches K] [--export-batches E] [--skip-export]
#                                 [--export-order "V..."] [--order "V..."]
#   (defaults: 200000, 60, all, "baseline job job baseline", "cascade old fast-rr fast-rr old cascade")
#
# Needs the template database bench_tpl_<N> that scripts/bench.sh builds. Each part runs in one psql backend
# on a fresh copy of it; after each statement the backend's CPU time is read from /proc/<pid>/schedstat (the
# scheduler's runtime in ns: exact, not tick-sampled) and the deltas are summed per statement class.
#
# Export: the baseline's three COPYs of the eligible rows against the job's COPYs of the same rows, per
#   batch (the runs of one day, at most 5000) in one REPEATABLE READ snapshot, as SourceTable.copyByRunSql
#   builds them (every column, run id, xmin; ORDER BY run id, primary key), in passes on one copy in the order
#   --export-order gives (baseline, job, and the diagnostic variants range, unsorted, bare described below).
# Purge: the first K transactions of 500 eligible runs (archiver.purge-batch-size; runs in day order), replayed
#   by each variant in passes of their own, each pass on a fresh copy checkpointed first, in the order --order
#   gives (default "cascade old fast-rr fast-rr old cascade"):
#   cascade  BEGIN; DELETE FROM pipeline_runs WHERE id = ANY (<500 ids>); COMMIT   (the baseline's delete, batched)
#   old      the purge transaction before decision 0020 (VerifiedDelete's fast path at READ COMMITTED): SET LOCAL;
#            the run lock (SELECT ... FOR UPDATE); PostgreSQL's delete counters (before); SAVEPOINT; DELETE ...
#            RETURNING xmin with count/sum per table, children first; the counters (after); RELEASE; the
#            ledger's mark of the runs (UPDATE on a stand-in of archiver.batch_run with its primary key,
#            partial unique index and check); COMMIT.
#   fast-rr  the purge transaction of decision 0020: old, in a REPEATABLE READ transaction (SET
#            TRANSACTION ISOLATION LEVEL REPEATABLE READ in the round trip of the SET LOCALs).
#   range-rr measured and NOT shipped (docs/performance.md): fast-rr with the run lock, the deletes and the
#            ledger's mark reading the transaction's runs by one index range scan from their lowest to their
#            highest id, the ids a hashed filter. Like every variant here it writes the ids into the statements;
#            the job binds them, so its statements are planned once per connection, while written-in ids cost
#            each statement its planning (~0.7 ms for 500 ids), which this replay charges to every variant alike.
#   totals   the alternative decision 0020 REJECTED (built, not merged; REPEATABLE READ): SET TRANSACTION ... SET LOCAL; the run
#            lock, with each run's xmin; one statement totalling the runs' rows in the other tables (count, xmin
#            sum) with the counters;
#            SAVEPOINT; the cascading DELETE on pipeline_runs; the counters with llm_calls' rows left (it is
#            reached along two paths); RELEASE; the ledger's mark; COMMIT.
# --skip-export measures the purge only. Prints each pass's total, then per variant the mean per transaction
# and per statement class over its passes, with the load beside each pass.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=200000
BATCHES=60
EXPORT_BATCHES=1000
PURGE=500
SKIP_EXPORT=0
ORDER=(cascade old fast-rr fast-rr old cascade)
EXPORT_ORDER=(baseline job job baseline)
while (($#)); do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --batches) BATCHES="$2"; shift 2 ;;
    --export-batches) EXPORT_BATCHES="$2"; shift 2 ;;
    --skip-export) SKIP_EXPORT=1; shift ;;
    --order) read -r -a ORDER <<<"$2"; shift 2 ;;
    --export-order) read -r -a EXPORT_ORDER <<<"$2"; shift 2 ;;
    *) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
for v in "${EXPORT_ORDER[@]}"; do [[ "$v" =~ ^(baseline|job|range|unsorted|bare)$ ]] || { echo "bench-pgstatements: --export-order takes baseline, job, range, unsorted, bare" >&2; exit 2; }; done
for v in "${ORDER[@]}"; do [[ "$v" =~ ^(cascade|old|fast-rr|range-rr|totals)$ ]] || { echo "bench-pgstatements: --order takes cascade, old, fast-rr, range-rr, totals (rejected)" >&2; exit 2; }; done
[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$BATCHES" =~ ^[1-9][0-9]*$ && "$EXPORT_BATCHES" =~ ^[1-9][0-9]*$ ]] || { echo "bench-pgstatements: numbers only" >&2; exit 2; }

eval "$(scripts/postgres.sh)"
TPL="bench_tpl_$RUNS"
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
[[ "$(q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$TPL'")" == 1 ]] \
  || { echo "bench-pgstatements: no $TPL: run scripts/bench.sh --runs $RUNS first" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench-pgstatements.XXXXXX")"
DBS=()
cleanup() {
  for db in "${DBS[@]}"; do q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

CUTOFF="$(date -u -d "$(date -u +%F) -30 days" +%FT00:00:00Z)"
ELIGIBLE="status IN ('ok', 'error', 'cancelled') AND finished_at < '$CUTOFF'::timestamptz"
R_ELIGIBLE="r.status IN ('ok', 'error', 'cancelled') AND r.finished_at < '$CUTOFF'::timestamptz"  # scripts/bench.sh's
# batch number, then the batch's run ids as an array literal
BATCH_IDS="WITH n AS (SELECT id, (row_number() OVER (ORDER BY (finished_at AT TIME ZONE 'UTC')::date, id) - 1) / $PURGE AS b
                      FROM pipeline_runs WHERE $ELIGIBLE)
           SELECT b, min(id), max(id), '{' || string_agg(id::text, ',' ORDER BY id) || '}' FROM n WHERE b < $BATCHES GROUP BY b ORDER BY b"
MARK='\! echo LABEL $(cut -d" " -f1 /proc/$BPID/schedstat)'
COUNTER_COLUMNS="current_setting('track_counts')::boolean,
  array(SELECT (WITH RECURSIVE tree(oid) AS (SELECT t::regclass::oid
                  UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
                SELECT sum(pg_stat_get_xact_tuples_deleted(oid))::bigint FROM tree)
        FROM unnest('{public.pipeline_runs,public.pipeline_steps,public.llm_calls}'::text[]) WITH ORDINALITY u(t, i) ORDER BY i)"
COUNTERS="SELECT $COUNTER_COLUMNS"
# as ArchiveSources.totalsByRunSql and rowsLeftSql build them for the default tables (runs, steps, calls)
total() { # alias, table, run key
  echo "(SELECT count(*) AS n, coalesce(sum(t0.xmin::text::bigint), 0) AS x FROM \"public\".\"$2\" t0 WHERE t0.\"$3\" = ANY ('IDS'::int8[])) $1"
}
TOTALS="SELECT ARRAY[c1.n, c2.n]::bigint[], (c1.x + c2.x)::bigint, $COUNTER_COLUMNS
  FROM $(total c1 pipeline_steps run_id), $(total c2 llm_calls run_id)"
AFTER_DELETE="SELECT $COUNTER_COLUMNS, ARRAY[0, 0, (SELECT count(*) FROM \"public\".\"llm_calls\" t0 WHERE t0.\"run_id\" = ANY ('IDS'::int8[]))]::bigint[]"
deleted() { # table, the condition on its run key
  echo "WITH deleted AS (DELETE FROM public.$1 t0 WHERE $2 RETURNING t0.xmin::text::bigint AS row_xmin) SELECT count(*), coalesce(sum(row_xmin), 0) FROM deleted \\g /dev/null"
}
# A purge statement's condition on a run key: one index descent per run (the job's), or, for range-rr, one index
# range scan over the transaction's runs with their ids as a hashed filter (in the column's own array type)
runs_in() { # variant, run key, array type
  if [[ "$1" == range-rr ]]; then
    echo "$2 BETWEEN @LO@ AND @HI@ AND $2 + 0 = ANY ('IDS'::$3[])"
  else
    echo "$2 = ANY ('IDS'::int8[])"
  fi
}

if ((SKIP_EXPORT == 0)); then
# --- the export's reading: the baseline's three COPYs against the job's per-batch COPYs -------------------
# The job reads each batch (the runs of one day, at most archiver.batch-size = 5000) in one REPEATABLE READ
# snapshot: per table, COPY (SELECT t0.*, <run id>, t0.xmin::text::bigint ... WHERE <run id> = ANY (<ids>)
# ORDER BY <run id>, t0.id) TO STDOUT (FORMAT binary), as SourceTable.copyByRunSql builds it. All passes read
# the same rows on one copy (the first pass also warms the caches), in the order --export-order gives, the
# data to /dev/null. Variants beside the job's, to show where its extra CPU goes (none of them is shipped):
#   range     one index range scan over the batch's lowest to highest run id, the ids as a (hashed) filter:
#             one descent instead of one per run (measured and not shipped: docs/performance.md)
#   unsorted  no ORDER BY on the primary key within a run (index order: the file's order is then not defined)
#   bare      every column only: no run id, no xmin, no order (what the baseline selects, per batch)
db="bench_pgstmt_copy_$$"
DBS+=("$db")
q -d postgres -c "CREATE DATABASE \"$db\" TEMPLATE \"$TPL\" STRATEGY FILE_COPY"
EXPORT_IDS="WITH n AS (SELECT id, (finished_at AT TIME ZONE 'UTC')::date AS dt FROM pipeline_runs WHERE $ELIGIBLE),
                  b AS (SELECT id, dt, (row_number() OVER (PARTITION BY dt ORDER BY id) - 1) / 5000 AS k FROM n)
             SELECT min(id), max(id), '{' || string_agg(id::text, ',' ORDER BY id) || '}' FROM b GROUP BY dt, k ORDER BY dt, k LIMIT $EXPORT_BATCHES"
q -d "$db" -F ' ' -c "$EXPORT_IDS" >"$WORK/export-ids"
job_copy() { # variant, table, run key, lowest id, highest id, ids
  local sel="t0.*, t0.$3, t0.xmin::text::bigint" where="t0.$3 = ANY ('$6'::bigint[])" order=" ORDER BY t0.$3, t0.id"
  case "$1" in
    # + 0 makes it a filter, not index keys; int[] because the bench's run ids are integer (PostgreSQL 15 hashes
    # no cross-type integer array filter: with bigint[] this variant costs 2.5 times the job's)
    range) where="t0.$3 BETWEEN $4 AND $5 AND t0.$3 + 0 = ANY ('$6'::int[])" ;;
    unsorted) order=" ORDER BY t0.$3" ;;
    bare) sel="t0.*"; order="" ;;
  esac
  echo "COPY (SELECT $sel FROM public.$2 t0 WHERE $where$order) TO STDOUT (FORMAT binary);"
}
{
  echo 'SELECT pg_backend_pid() AS pid \gset'
  echo '\setenv BPID :pid'
  echo '\o /dev/null'
  echo "${MARK/LABEL/start}"
  i=0
  for v in "${EXPORT_ORDER[@]}"; do
    i=$((i + 1))
    if [[ "$v" == baseline ]]; then
      for t in "r.* FROM pipeline_runs r" "s.* FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id" \
               "c.* FROM llm_calls c JOIN pipeline_runs r ON r.id = c.run_id"; do
        echo "COPY (SELECT $t WHERE $R_ELIGIBLE) TO STDOUT (FORMAT binary);"
        echo "${MARK/LABEL/$i:baseline}"
      done
      continue
    fi
    while read -r lo hi ids; do
      echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"; echo "${MARK/LABEL/$i:$v}"
      for t in "pipeline_runs id" "pipeline_steps run_id" "llm_calls run_id"; do
        # shellcheck disable=SC2086
        job_copy "$v" $t "$lo" "$hi" "$ids"; echo "${MARK/LABEL/$i:$v}"
      done
      echo "COMMIT;"; echo "${MARK/LABEL/$i:$v}"
    done <"$WORK/export-ids"
  done
} >"$WORK/copy.sql"
echo "export passes (${EXPORT_ORDER[*]}), load: $(uptime)"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$WORK/copy.sql" >"$WORK/copy.marks"
echo "load after: $(uptime)"
q -d postgres -c "DROP DATABASE \"$db\""
awk -v batches="$(wc -l <"$WORK/export-ids")" '
  NF == 2 && $2 ~ /^[0-9]+$/ {
    if (have) { split($1, a, ":"); cpu[a[1]] += $2 - prev; name[a[1]] = a[2]; if (a[1] + 0 > p) p = a[1] + 0 }
    prev = $2; have = 1
  }
  END {
    printf "export: the eligible rows of the three tables, the baseline'"'"'s 3 COPYs or the job'"'"'s %d batches x 3 COPYs, per pass\n", batches
    for (i = 1; i <= p; i++) {
      printf "  pass %d %-10s %7.3f CPU-s\n", i, name[i], cpu[i] / 1e9
      v = name[i]; sum[v] += cpu[i]; n[v]++; if (n[v] == 1) names[++k] = v
    }
    for (j = 1; j <= k; j++) printf "  mean %-10s %7.3f CPU-s over %d passes\n", names[j], sum[names[j]] / n[names[j]] / 1e9, n[names[j]]
  }' "$WORK/copy.marks"
fi

# --- the purge: three variants side by side, their transactions interleaved ---------------------------------
transaction() { # variant, batch number, lowest id, highest id, ids
  local variant="$1" b="$2" lo="$3" hi="$4" ids="$5"
  case "$variant" in
    cascade)
      echo "BEGIN;"; echo "${MARK/LABEL/begin}"
      echo "DELETE FROM public.pipeline_runs WHERE id = ANY ('$ids'::int8[]);"; echo "${MARK/LABEL/cascade_delete}"
      echo "COMMIT;"; echo "${MARK/LABEL/commit}"
      ;;
    old | fast-rr | range-rr)
      {
        echo "BEGIN;"; echo "${MARK/LABEL/begin}"
        [[ "$variant" != old ]] && echo -n "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; "
        echo "SET LOCAL lock_timeout = 5000; SET LOCAL synchronous_commit = off;"; echo "${MARK/LABEL/set_local}"
        echo "SELECT id FROM public.pipeline_runs WHERE $(runs_in "$variant" id int) AND status::text = ANY ('{ok,error,cancelled}')"
        echo "  AND finished_at < '$CUTOFF' ORDER BY id FOR UPDATE \\g /dev/null"; echo "${MARK/LABEL/run_lock}"
        echo "$COUNTERS \\g /dev/null"; echo "${MARK/LABEL/delete_counters}"
        echo "SAVEPOINT purge;"; echo "${MARK/LABEL/savepoint}"
        deleted llm_calls "$(runs_in "$variant" t0.run_id int)"; echo "${MARK/LABEL/delete_returning_llm_calls}"
        deleted pipeline_steps "$(runs_in "$variant" t0.run_id int)"; echo "${MARK/LABEL/delete_returning_steps}"
        deleted pipeline_runs "$(runs_in "$variant" t0.id int)"; echo "${MARK/LABEL/delete_returning_runs}"
        echo "$COUNTERS \\g /dev/null"; echo "${MARK/LABEL/delete_counters}"
        echo "RELEASE SAVEPOINT purge;"; echo "${MARK/LABEL/savepoint}"
        echo "UPDATE ledger_batch_run SET state = 'purged' WHERE batch_id = $b AND $(runs_in "$variant" run_id int8) AND state = 'planned';"
        echo "${MARK/LABEL/ledger_mark_runs}"
        echo "COMMIT;"; echo "${MARK/LABEL/commit}"
      } | sed "s/IDS/$ids/g; s/@LO@/$lo/g; s/@HI@/$hi/g"
      ;;
    totals) # rejected (decision 0020)
      {
        echo "BEGIN;"; echo "${MARK/LABEL/begin}"
        echo "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL lock_timeout = 5000; SET LOCAL synchronous_commit = off;"
        echo "${MARK/LABEL/set_local}"
        echo "SELECT \"id\", t0.xmin::text::bigint FROM \"public\".\"pipeline_runs\" t0 WHERE \"id\" = ANY ('IDS'::int8[]) AND \"status\"::text = ANY ('{ok,error,cancelled}')"
        echo "  AND \"finished_at\" < '$CUTOFF' ORDER BY \"id\" FOR UPDATE \\g /dev/null"; echo "${MARK/LABEL/run_lock}"
        echo "$TOTALS \\g /dev/null"; echo "${MARK/LABEL/totals_and_counters}"
        echo "SAVEPOINT purge;"; echo "${MARK/LABEL/savepoint}"
        echo "DELETE FROM public.pipeline_runs WHERE id = ANY ('IDS'::int8[]);"; echo "${MARK/LABEL/cascade_delete}"
        echo "$AFTER_DELETE \\g /dev/null"; echo "${MARK/LABEL/counters_and_rows_left}"
        echo "RELEASE SAVEPOINT purge;"; echo "${MARK/LABEL/savepoint}"
        echo "UPDATE ledger_batch_run SET state = 'purged' WHERE batch_id = $b AND run_id = ANY ('IDS'::int8[]) AND state = 'planned';"
        echo "${MARK/LABEL/ledger_mark_runs}"
        echo "COMMIT;"; echo "${MARK/LABEL/commit}"
      } | sed "s/IDS/$ids/g"
      ;;
  esac
}

# Each pass replays one variant's K transactions alone in one backend, on a fresh copy checkpointed first (so
# that the pass writes out only its own dirty pages: shared_buffers is small beside three copies, and passes
# interleaved transaction by transaction made each backend evict the others' pages). The passes run in the
# order ORDER (default: each variant twice, ABC then CBA, so that a drift of the machine's load falls alike).
PASS=0
for VARIANT in "${ORDER[@]}"; do
  PASS=$((PASS + 1))
  db="bench_pgstmt_${VARIANT}_$$"
  DBS+=("$db")
  q -d postgres -c "CREATE DATABASE \"$db\" TEMPLATE \"$TPL\" STRATEGY FILE_COPY"
  if [[ "$VARIANT" != cascade ]]; then
    # archiver.batch_run as the migrations leave it (V2, V6), filled as the plan fills it
    q -d "$db" -c "CREATE TABLE ledger_batch_run (batch_id bigint NOT NULL, run_id bigint NOT NULL, state varchar(10) NOT NULL,
        PRIMARY KEY (batch_id, run_id),
        CONSTRAINT batch_run_state_ck CHECK (state IN ('planned', 'purged', 'changed', 'released', 'restored')));
      CREATE UNIQUE INDEX ledger_batch_run_open_run_uk ON ledger_batch_run (run_id) WHERE state IN ('planned', 'changed', 'restored');
      INSERT INTO ledger_batch_run
        SELECT (row_number() OVER (ORDER BY (finished_at AT TIME ZONE 'UTC')::date, id) - 1) / $PURGE, id, 'planned'
        FROM pipeline_runs WHERE $ELIGIBLE" -c "VACUUM ANALYZE ledger_batch_run"
  fi
  q -d "$db" -F $'\t' -c "$BATCH_IDS" >"$WORK/ids"
  sed -i '/^$/d' "$WORK/ids"
  q -d "$db" -c "CHECKPOINT"
  {
    echo 'SELECT pg_backend_pid() AS pid \gset'
    echo '\setenv BPID :pid'
    echo "${MARK/LABEL/start}"
    while IFS=$'\t' read -r b lo hi ids; do transaction "$VARIANT" "$b" "$lo" "$hi" "$ids"; done <"$WORK/ids"
  } >"$WORK/pass$PASS.sql"
  echo "pass $PASS ($VARIANT), load: $(uptime)"
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$WORK/pass$PASS.sql" >"$WORK/pass$PASS.marks"
  q -d postgres -c "DROP DATABASE \"$db\""
  sed "s/^/$VARIANT /" "$WORK/pass$PASS.marks" >>"$WORK/all.marks"
  awk -v variant="$VARIANT" -v pass="$PASS" -v batches="$(wc -l <"$WORK/ids")" '
    NF == 2 && $2 ~ /^[0-9]+$/ { if (have) total += $2 - prev; prev = $2; have = 1 }
    END { printf "  pass %d %-8s %.3f CPU-s, %.1f ms per transaction\n", pass, variant, total / 1e9, total / 1e6 / batches }' "$WORK/pass$PASS.marks"
done
echo "load after: $(uptime)"

# per variant, over its passes: per transaction, per statement class
awk -v batches="$(wc -l <"$WORK/ids")" -v purge="$PURGE" '
  NF == 3 && $3 ~ /^[0-9]+$/ {
    v = $1
    if ($2 == "start") { prev[v] = $3; passes[v]++; next }
    d = $3 - prev[v]; prev[v] = $3
    cpu[v, $2] += d; tot[v] += d
    if (!((v, $2) in seen)) { seen[v, $2] = 1; order[v, ++n[v]] = $2 }
    if (!(v in vseen)) { vseen[v] = 1; vorder[++nv] = v }
  }
  END {
    for (j = 1; j <= nv; j++) {
      v = vorder[j]; k = passes[v] * batches
      printf "%s: %d passes x %d transactions of %d runs, backend CPU %.1f ms per transaction\n", v (v == "totals" ? " (rejected, decision 0020)" : ""), passes[v], batches, purge, tot[v] / 1e6 / k
      for (i = 1; i <= n[v]; i++) printf "  %-30s %7.2f ms/txn  %5.1f %%\n", order[v, i], cpu[v, order[v, i]] / 1e6 / k, 100 * cpu[v, order[v, i]] / tot[v]
    }
  }' "$WORK/all.marks"
