package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.source.SourceSchemaException;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Autowired;

class ArchiveJobTest extends ArchiveTestSupport {

    @Autowired
    ArchivePreflight preflight;

    private static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls");

    /** Eligible and ineligible runs around {@link #CUTOFF}, over several days. */
    private void mixedRuns() {
        fixture.runs(90, "ok", Instant.parse("2026-05-27T03:00:00Z"), 4_000, 6); // 4+ days before the cutoff
        fixture.runs(12, "error", Instant.parse("2026-05-30T10:00:00Z"), 3_000, 3);
        fixture.runs(6, "cancelled", Instant.parse("2026-05-31T23:00:00Z"), 60, 2);
        fixture.runs(8, "ok", Instant.parse("2026-06-01T00:00:00Z"), 600, 4); // at or after the cutoff
        fixture.runs(5, "running", null, 0, 3); // unfinished
        fixture.runs(4, "paused", Instant.parse("2026-05-20T00:00:00Z"), 60, 2); // not a finished status
    }

    private Map<String, List<List<Object>>> snapshot(String runFilter) throws Exception {
        return Map.of(
                "pipeline_runs", postgres("SELECT * FROM pipeline_runs WHERE id " + runFilter + " ORDER BY id"),
                "pipeline_steps", postgres("SELECT * FROM pipeline_steps WHERE run_id " + runFilter + " ORDER BY id"),
                "llm_calls", postgres("SELECT * FROM llm_calls WHERE run_id " + runFilter + " ORDER BY id"));
    }

    @Test
    void archivesEveryEligibleRowExactlyOnceAndLeavesEveryOtherRunUntouched() throws Exception {
        // given
        mixedRuns();
        Map<String, List<List<Object>>> eligible = snapshot("IN (" + eligibleRunIds(CUTOFF) + ")");
        Map<String, List<List<Object>>> others = snapshot("NOT IN (" + eligibleRunIds(CUTOFF) + ")");
        assertThat(eligible.get("pipeline_runs")).hasSize(108);
        assertThat(others.get("pipeline_runs")).hasSize(17);

        // when
        Result result = launcher.archive(CUTOFF);

        // then: the archive holds exactly the eligible rows, value for value, read by DuckDB
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        for (String table : TABLES) {
            assertThat(archive.rows(table, "id")).as(table).isEqualTo(eligible.get(table));
        }
        // and PostgreSQL holds exactly the other runs, unchanged
        assertThat(snapshot("IS NOT NULL")).isEqualTo(others);

        // and the counts of the job's steps say the same
        Map<String, StepExecution> steps = result.execution().getStepExecutions().stream()
                .collect(Collectors.toMap(StepExecution::getStepName, s -> s));
        assertThat(steps.get("planStep").getWriteCount()).isEqualTo(108);
        assertThat(steps.get("purgeStep").getWriteCount()).isEqualTo(108);
        long archivedRows = eligible.values().stream().mapToLong(List::size).sum();
        assertThat(steps.get("exportStep").getWriteCount()).isEqualTo(archivedRows);
        // and every delete was checked after the fact: none had to roll back and count run by run
        assertThat(recountedTransactions(result)).isZero();

        // and every batch is purged, every run marked purged, one file per table and batch
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state <> 'purged'"))
                .isZero();
        long batches = DB.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'PURGED'");
        assertThat(batches).isGreaterThanOrEqualTo(5); // five days of eligible runs
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_file")).isEqualTo(batches * TABLES.size());
    }

    @Test
    void exportsTheBatchesOldestFirstSoThatThePurgeCanFollowRightBehind() throws Exception {
        // given: several days of eligible runs, i.e. several batches
        mixedRuns();

        // when
        Result result = launcher.archive(CUTOFF);

        // then: the batches' exports started in batch order (the purge takes them oldest first and waits for
        // an older one still being exported); two export threads may swap neighbours, nothing more
        List<Long> byStart = result.execution().getStepExecutions().stream()
                .filter(step -> step.getStepName().startsWith("exportBatchStep:"))
                .sorted(Comparator.comparing(StepExecution::getStartTime).thenComparing(StepExecution::getId))
                .map(step -> step.getExecutionContext().getLong("batchId"))
                .toList();
        List<Long> inOrder = byStart.stream().sorted().toList();
        assertThat(byStart).hasSizeGreaterThanOrEqualTo(5);
        for (int position = 0; position < byStart.size(); position++) {
            assertThat(Math.abs(inOrder.indexOf(byStart.get(position)) - position))
                    .as("batches by start: %s", byStart)
                    .isLessThanOrEqualTo(1);
        }
    }

    @Test
    void onlyShortTextColumnsAreDictionaryEncoded() throws Exception {
        // given
        mixedRuns();

        // when
        launcher.archive(CUTOFF);

        // then: step_name and status (varchar) have dictionaries; numbers and payloads go without
        // (hashing them cost CPU and memory and gained nothing under zstd)
        assertThat(archive.query(
                        "SELECT path_in_schema, bool_or(dictionary_page_offset IS NOT NULL) FROM parquet_metadata('"
                                + ROOT.resolve("pipeline_steps") + "/*/*.parquet') GROUP BY 1 ORDER BY 1"))
                .containsExactly(
                        List.of("duration_ms", false),
                        List.of("error", false),
                        List.of("id", false),
                        List.of("input_json", false),
                        List.of("output_json", false),
                        List.of("run_id", false),
                        List.of("seq", false),
                        List.of("status", true),
                        List.of("step_name", true));
    }

    @Test
    void partitionsByTheRunsFinishedDayAndWritesAManifestAndPrivateFiles() throws Exception {
        // given
        mixedRuns();
        List<List<Object>> days =
                postgres("SELECT DISTINCT (finished_at AT TIME ZONE 'UTC')::date FROM pipeline_runs WHERE id IN ("
                        + eligibleRunIds(CUTOFF) + ") ORDER BY 1");

        // when
        launcher.archive(CUTOFF);

        // then: dt partitions are the runs' finished days, for runs and their child rows alike
        for (String table : TABLES) {
            assertThat(archive.query("SELECT DISTINCT dt FROM " + archive.dataset(table) + " ORDER BY 1"))
                    .as(table)
                    .isEqualTo(days);
        }
        assertThat(archive.query("""
                SELECT count(*) FROM %s s JOIN %s r ON s.run_id = r.id
                WHERE s.dt <> r.dt OR r.dt <> CAST(timezone('UTC', r.finished_at) AS DATE)""".formatted(archive.dataset("pipeline_steps"), archive.dataset("pipeline_runs"))))
                .containsExactly(List.of(0L));

        // and the manifest lists every file with the ledger's counts and checksums
        Path manifests = ROOT.resolve("_manifests");
        try (Stream<Path> files = Files.list(manifests)) {
            List<Path> list = files.toList();
            assertThat(list).hasSize(1);
            JsonNode manifest = new ObjectMapper().readTree(list.get(0).toFile());
            assertThat(manifest.get("runsPurged").asLong()).isEqualTo(108);
            assertThat(manifest.get("tables").get("pipeline_steps").get("rows").asLong())
                    .isEqualTo(DB.count(
                            "SELECT sum(row_count) FROM archiver.archive_file WHERE table_name = 'pipeline_steps'"));
            assertThat(manifest.get("batches")).hasSize((int) DB.count("SELECT count(*) FROM archiver.archive_batch"));
        }

        // and no archive file or directory is readable by others (objects have no modes: docs/object-storage.md)
        if (onLocalRoot()) {
            try (Stream<Path> all = Files.walk(ROOT)) {
                for (Path path : all.filter(p -> !p.equals(ROOT)).toList()) {
                    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
                    assertThat(permissions)
                            .as(path.toString())
                            .doesNotContain(PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
                }
            }
        }
        // and no temporary file is left behind
        try (Stream<Path> all = Files.walk(ROOT)) {
            assertThat(all.filter(p -> p.getFileName().toString().endsWith(".tmp")))
                    .isEmpty();
        }
    }

    @Test
    void relaunchingACompletedCutoffDoesNothing() throws Exception {
        // given
        mixedRuns();
        launcher.archive(CUTOFF);
        List<List<Object>> archived = archive.rows("pipeline_steps", "id");
        fixture.runs(
                3, "ok", Instant.parse("2026-05-30T00:00:00Z"), 60, 2); // would be eligible, but this cutoff is done

        // when
        Result again = launcher.archive(CUTOFF);

        // then
        assertThat(again.outcome()).isEqualTo(Outcome.ALREADY_COMPLETED);
        assertThat(archive.rows("pipeline_steps", "id")).isEqualTo(archived);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs WHERE status = 'ok' AND finished_at < '2026-06-01'"))
                .isEqualTo(3);
    }

    @Test
    void oddDataRoundTripsFaithfully() throws Exception {
        // given: invalid JSON text, a 5 MB payload, NULL in every nullable column, any Unicode, an odd status
        DB.execute("""
                INSERT INTO pipeline_runs (id, pipeline, symbol, status, started_at, finished_at, error)
                VALUES (1, 'trading_analysis', 'AAPL', 'ok', '2026-05-01T10:00:00Z', '2026-05-01T10:05:00.123456Z', NULL),
                       (2, 'تحليل 分析 🤖', 'שלום', 'error', '2026-05-02T10:00:00Z', '2026-05-02T10:00:01Z', E'line1\\nline2\\t"quoted" \\\\ back');
                INSERT INTO pipeline_steps (id, run_id, seq, step_name, status, input_json, output_json, error, duration_ms) VALUES
                  (1, 1, 1, 'indicator_agent', 'ok', '{not valid json', '[1, 2,', NULL, 0),
                  (2, 1, 2, 'trend_agent', 'weird', NULL, NULL, NULL, -5),
                  (3, 1, 3, 'risk_agent', 'ok', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 163840) i), '{}', NULL, 2147483647),
                  (4, 2, 1, '🤖_agent', 'error', '{"text": "مرحبا بالعالم — 你好世界 — 🚀🔥"}', E'\\u202Eright-to-left override', 'Ошибка: 超时', 12);
                INSERT INTO llm_calls (id, run_id, step_id, model, status, error, request_json, response_json, cost_usd, created_at) VALUES
                  (1, 1, NULL, 'gpt-x', 'ok', NULL, NULL, NULL, 0.000001, '2026-05-01T10:01:00Z'),
                  (2, 2, 4, 'モデル', 'error', '💥', '{"a": [1, 2.50, null, "é"]}', '"just a string"', 123456.123456, '2026-05-02T10:00:00Z');
                """);
        Map<String, List<List<Object>>> before = snapshot("IS NOT NULL");
        assertThat(DB.count("SELECT octet_length(input_json) FROM pipeline_steps WHERE id = 3"))
                .isEqualTo(5_242_880);

        // when
        Result result = launcher.archive(CUTOFF);

        // then
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        for (String table : TABLES) {
            assertThat(archive.rows(table, "id")).as(table).isEqualTo(before.get(table));
        }
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
    }

    @Test
    void archivesATableThatCascadesFromStepsWithEveryColumnTypeFaithfully() throws Exception {
        // given: a table only this database has, two cascades away from the runs, with many column types
        DB.execute("""
                CREATE TYPE mood AS ENUM ('calm', 'nervous');
                CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
                CREATE TABLE step_artifacts (
                    id bigserial PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    kind smallint, size_bytes bigint, score real, weight double precision,
                    price numeric(10,3), ratio numeric, big numeric(50,10), ok boolean, produced_on date,
                    produced_local timestamp, produced_at timestamptz, ref uuid, blob bytea, meta jsonb, doc json,
                    tags text[], feeling mood, took interval, code char(5), rank positive_int, "Odd Name" text);
                """);
        fixture.runs(3, "ok", Instant.parse("2026-05-10T00:00:00Z"), 86_400, 2);
        DB.execute("""
                INSERT INTO step_artifacts (step_id, kind, size_bytes, score, weight, price, ratio, big, ok, produced_on,
                    produced_local, produced_at, ref, blob, meta, doc, tags, feeling, took, code, rank, "Odd Name")
                SELECT s.id, -32768, 9223372036854775807, 1.5, 2.718281828459045, -1234567.891, 1.50, 12345678901234567890.0123456789,
                       true, '1999-12-31', '2026-05-10 12:34:56.789012', '2026-05-10T12:34:56.789012+02:00',
                       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '{"k": [1, {"n": null}]}', '{"keep":  "spacing"}',
                       ARRAY['a', 'b c', NULL], 'nervous', '1 day 02:03:04', 'ab', 7, 'x'
                FROM pipeline_steps s WHERE s.seq = 1;
                INSERT INTO step_artifacts (step_id) SELECT id FROM pipeline_steps WHERE seq = 2;
                """);
        List<List<Object>> before = postgres("SELECT * FROM step_artifacts ORDER BY id");
        assertThat(before).hasSize(6);

        // when
        Result result = launcher.archive(CUTOFF);

        // then
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(archive.rows("step_artifacts", "id")).isEqualTo(before);
        assertThat(archive.query(
                        "SELECT typeof(kind), typeof(price), typeof(produced_at), typeof(produced_local), typeof(produced_on), typeof(blob), typeof(ok) FROM "
                                + archive.dataset("step_artifacts") + " LIMIT 1"))
                .containsExactly(List.of(
                        "INTEGER",
                        "DECIMAL(10,3)",
                        "TIMESTAMP WITH TIME ZONE",
                        "TIMESTAMP",
                        "DATE",
                        "BLOB",
                        "BOOLEAN"));
        assertThat(DB.count("SELECT count(*) FROM step_artifacts")).isZero();
    }

    @Test
    void theStampsRecordedAtExportAreThoseThePurgeCountsInPostgres() throws Exception {
        // given: one day of runs written by several transactions (their rows' xmin differ): runs without
        // steps or calls, a run with steps but no call, an LLM call without a step, updated rows
        fixture.runs(3, "ok", Instant.parse("2026-05-20T00:00:00Z"), 600, 0);
        fixture.runs(6, "error", Instant.parse("2026-05-20T01:00:00Z"), 600, 3);
        fixture.runs(5, "ok", Instant.parse("2026-05-20T02:00:00Z"), 600, 4);
        fixture.runs(2, "running", null, 0, 2);
        long stepsNoCalls =
                DB.count("SELECT max(run_id) FROM pipeline_steps WHERE run_id IN (" + eligibleRunIds(CUTOFF) + ")");
        DB.execute("DELETE FROM llm_calls WHERE run_id = " + stepsNoCalls);
        DB.execute(
                "INSERT INTO llm_calls (run_id, step_id, model, status) SELECT min(run_id), NULL, 'gpt-x', 'ok' FROM pipeline_steps");
        DB.execute("UPDATE pipeline_steps SET output_json = '{\"edited\": true}' WHERE seq = 2 AND run_id % 2 = 0");
        DB.execute("UPDATE pipeline_runs SET error = 'annotated' WHERE id % 3 = 0");
        // and the purge fails: the launch stops with every exported run's stamp in the ledger and its rows in
        // PostgreSQL
        DB.failDeletingRun(DB.count("SELECT min(id) FROM (" + eligibleRunIds(CUTOFF) + ") e"));
        assertThat(DB.count("SELECT count(DISTINCT xmin::text) FROM pipeline_steps"))
                .isGreaterThan(1);

        // when
        Result failed = launcher.archive(CUTOFF);

        // then: each run's stamp is exactly what PostgreSQL counts for it: rows per table in the batch's
        // table order, and the xmin sum over all three tables
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(DB.count("SELECT count(*) FROM archiver.archive_batch WHERE state = 'WRITTEN'"))
                .isEqualTo(1);
        List<String> order = List.of(DB.text("SELECT array_to_string(tables, ',') FROM archiver.archive_batch")
                .split(","));
        assertThat(order).containsExactlyInAnyOrderElementsOf(TABLES).startsWith("pipeline_runs");
        Map<String, String> rowsOf = Map.of(
                "pipeline_runs",
                "SELECT count(*) FROM pipeline_runs x WHERE x.id = r.id",
                "pipeline_steps",
                "SELECT count(*) FROM pipeline_steps x WHERE x.run_id = r.id",
                "llm_calls",
                "SELECT count(*) FROM llm_calls x WHERE x.run_id = r.id");
        String counts = order.stream().map(t -> "(" + rowsOf.get(t) + ")").collect(Collectors.joining(", "));
        String xminSums = TABLES.stream()
                .map(t -> "coalesce((" + rowsOf.get(t).replace("count(*)", "sum(x.xmin::text::bigint)") + "), 0)")
                .collect(Collectors.joining(" + "));
        List<List<Object>> counted = postgres("SELECT r.id, ARRAY[" + counts + "]::int[], (" + xminSums
                + ")::bigint FROM pipeline_runs r" + " WHERE r.id IN (" + eligibleRunIds(CUTOFF) + ") ORDER BY r.id");
        assertThat(counted).hasSize(14);
        assertThat(postgres("SELECT run_id, row_counts, fingerprint FROM " + RUN_STAMPS
                        + " x WHERE state = 'planned' ORDER BY run_id"))
                .isEqualTo(counted);
        int steps = order.indexOf("pipeline_steps");
        int calls = order.indexOf("llm_calls");
        assertThat(DB.count("SELECT row_counts[" + (steps + 1) + "] * 10 + row_counts[" + (calls + 1) + "] FROM "
                        + RUN_STAMPS + " x WHERE run_id = " + stepsNoCalls))
                .isEqualTo(40); // 4 steps, no call
        assertThat(DB.count("SELECT count(*) FROM " + RUN_STAMPS + " x WHERE row_counts = '{1,0,0}'"))
                .isEqualTo(3);

        // when: the purge can delete again
        DB.stopFailingDeletes();
        Result resumed = launcher.archive(CUTOFF);

        // then: the purge's re-count agrees with every stamp: all runs deleted, none taken for changed
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state <> 'purged'"))
                .isZero();
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(2);
    }

    @Test
    void aRowReachedThroughAnotherRunsStepIsNeverDeletedUnarchived() throws Exception {
        // given: an LLM call of a running run whose step_id points at a step of a finished run
        fixture.runs(5, "ok", Instant.parse("2026-05-20T00:00:00Z"), 600, 2);
        fixture.runs(1, "running", null, 0, 1);
        long finished = DB.count("SELECT min(id) FROM pipeline_runs");
        long running = DB.count("SELECT id FROM pipeline_runs WHERE status = 'running'");
        DB.execute("INSERT INTO llm_calls (id, run_id, step_id, model, status) SELECT 9999, " + running
                + ", min(id), 'gpt-x', 'ok'" + " FROM pipeline_steps WHERE run_id = " + finished);
        List<List<Object>> crossCall = postgres("SELECT * FROM llm_calls WHERE id = 9999");

        // when
        Result result = launcher.archive(CUTOFF);

        // then: the finished run whose deletion would cascade to that call is kept, whole, and out of the archive
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(postgres("SELECT * FROM llm_calls WHERE id = 9999")).isEqualTo(crossCall);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(2);
        assertThat(DB.count("SELECT count(*) FROM pipeline_steps WHERE run_id = " + finished))
                .isEqualTo(2);
        assertThat(archive.query(
                        "SELECT count(*) FROM " + archive.dataset("pipeline_runs") + " WHERE id = " + finished))
                .containsExactly(List.of(0L));
        assertThat(archive.query("SELECT count(*) FROM " + archive.dataset("pipeline_steps")))
                .containsExactly(List.of(8L));
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'released'"))
                .isEqualTo(1);
        // found by the check after the delete, which rolled back and counted run by run
        assertThat(recountedTransactions(result)).isPositive();
    }

    @Test
    void aPartitionedTableIsPurgedInOnePassLikeAnyOther() throws Exception {
        // given: a table partitioned by run, whose deletes PostgreSQL counts on its partitions
        DB.execute("""
                CREATE TABLE run_events (id int NOT NULL, run_id integer NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
                    event text, PRIMARY KEY (run_id, id)) PARTITION BY RANGE (run_id);
                CREATE TABLE run_events_low PARTITION OF run_events FOR VALUES FROM (MINVALUE) TO (3);
                CREATE TABLE run_events_high PARTITION OF run_events FOR VALUES FROM (3) TO (MAXVALUE);""");
        fixture.runs(6, "ok", Instant.parse("2026-05-20T00:00:00Z"), 600, 2);
        DB.execute(
                "INSERT INTO run_events SELECT g, r.id, 'event ' || g FROM pipeline_runs r, generate_series(1, 3) g");
        List<List<Object>> events = postgres("SELECT * FROM run_events ORDER BY run_id, id");

        // when
        Result result = launcher.archive(CUTOFF);

        // then: archived once, as the partitioned table (its partitions are no datasets of their own), and
        // deleted in one pass, no run checked one by one
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(archive.rows("run_events", "run_id, id")).isEqualTo(events);
        assertThat(archive.exists("run_events_low")).isFalse();
        assertThat(archive.exists("run_events_high")).isFalse();
        assertThat(DB.count("SELECT count(*) FROM run_events")).isZero();
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        assertThat(recountedTransactions(result)).isZero();
    }

    @Test
    void aRowAddedToARunAsItIsDeletedStopsThePurgeWithNothingDeleted() throws Exception {
        // given: a backend trigger that adds an LLM call to each run as the run is deleted: a row no export
        // saw, which the cascade would remove with the run
        fixture.runs(4, "ok", Instant.parse("2026-05-20T00:00:00Z"), 600, 2);
        Map<String, List<List<Object>>> before = snapshot("IS NOT NULL");
        DB.execute("""
                CREATE FUNCTION late_call() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO llm_calls (run_id, model, status) VALUES (OLD.id, 'late', 'ok');
                  RETURN OLD;
                END $$;
                CREATE TRIGGER late_call BEFORE DELETE ON pipeline_runs FOR EACH ROW EXECUTE FUNCTION late_call();""");

        // when
        Result failed = launcher.archive(CUTOFF);

        // then: both checks saw more rows go than were archived; the launch failed and deleted nothing
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.execution().getAllFailureExceptions())
                .extracting(Throwable::getMessage)
                .anySatisfy(message -> assertThat(message)
                        .containsPattern("removed \\d+ rows of llm_calls where \\d+ were counted and archived"));
        assertThat(recountedTransactions(failed)).isPositive();
        assertThat(snapshot("IS NOT NULL")).isEqualTo(before);
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run JOIN archiver.archive_batch a USING (batch_id)"
                        + " WHERE a.state = 'WRITTEN' AND batch_run.state = 'planned'"))
                .as("exported, still to purge")
                .isEqualTo(4);

        // when: the trigger is gone, a relaunch purges what was archived
        DB.execute("DROP TRIGGER late_call ON pipeline_runs; DROP FUNCTION late_call();");
        Result resumed = launcher.archive(CUTOFF);

        // then
        assertThat(resumed.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isZero();
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state <> 'purged'"))
                .isZero();
    }

    /** Purge transactions that found a difference after deleting and checked their runs one by one. */
    private static long recountedTransactions(Result result) {
        return result.execution().getStepExecutions().stream()
                .filter(s -> s.getStepName().startsWith("purgeWorkerStep"))
                .mapToLong(s -> s.getExecutionContext().getLong("purge.recounted", 0L))
                .sum();
    }

    @Test
    void aRowWithoutARunReachedThroughAFinishedRunsStepIsNeverDeletedUnarchived() throws Exception {
        // given: a table archived by its own (nullable) run_id that the delete also reaches through the
        // steps; one of its rows has no run but hangs off a step of a finished run
        DB.execute("""
                CREATE TABLE step_notes (id serial PRIMARY KEY,
                    run_id integer NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
                    step_id integer NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE, note text)""");
        fixture.runs(3, "ok", Instant.parse("2026-05-20T00:00:00Z"), 600, 2);
        long finished = DB.count("SELECT min(id) FROM pipeline_runs");
        DB.execute(
                "INSERT INTO step_notes (run_id, step_id, note) SELECT run_id, id, 'with its run' FROM pipeline_steps");
        DB.execute(
                "INSERT INTO step_notes (id, run_id, step_id, note) SELECT 9999, NULL, min(id), 'no run' FROM pipeline_steps"
                        + " WHERE run_id = " + finished);
        List<List<Object>> orphan = postgres("SELECT * FROM step_notes WHERE id = 9999");

        // when
        Result result = launcher.archive(CUTOFF);

        // then: the finished run whose deletion would cascade to that row is kept, whole, and out of the archive
        assertThat(result.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(postgres("SELECT * FROM step_notes WHERE id = 9999")).isEqualTo(orphan);
        assertThat(postgres("SELECT id FROM pipeline_runs")).containsExactly(List.of(finished));
        assertThat(DB.count("SELECT count(*) FROM step_notes WHERE run_id = " + finished))
                .isEqualTo(2);
        assertThat(archive.query("SELECT count(*), count(*) FILTER (WHERE run_id = " + finished
                        + " OR run_id IS NULL) FROM " + archive.dataset("step_notes")))
                .containsExactly(List.of(4L, 0L));
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'released'"))
                .isEqualTo(1);
    }

    @Test
    void aForeignKeyThatWouldBlockTheDeleteStopsTheJobBeforeAnyDeletion() throws Exception {
        // given
        DB.execute(
                "CREATE TABLE run_reviews (id serial PRIMARY KEY, run_id integer REFERENCES pipeline_runs (id), note text)");
        mixedRuns();
        long runs = DB.count("SELECT count(*) FROM pipeline_runs");

        // when / then
        assertThatThrownBy(() -> preflight.preflight())
                .isInstanceOf(SourceSchemaException.class)
                .hasMessageContaining("run_reviews")
                .hasMessageContaining("NO ACTION");
        Result result = launcher.archive(CUTOFF);
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.execution().getStepExecutions())
                .extracting(StepExecution::getStatus)
                .containsExactly(BatchStatus.FAILED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(runs);
        assertThat(archive.exists("pipeline_runs")).isFalse();
    }
}
