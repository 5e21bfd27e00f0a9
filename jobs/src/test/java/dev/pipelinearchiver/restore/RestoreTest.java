package dev.pipelinearchiver.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.verify.ArchiveVerifier;
import dev.pipelinearchiver.verify.DtRange;
import dev.pipelinearchiver.verify.Problem;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class RestoreTest extends ArchiveTestSupport {

    private static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls");
    private static final LocalDate DAY = LocalDate.parse("2026-05-28");
    /** A later cutoff: a new job instance, launched after the restore. */
    private static final Instant LATER = Instant.parse("2026-06-01T00:00:01Z");

    @Autowired
    RunRestorer restorer;

    @Autowired
    ArchiveVerifier verifier;

    @Autowired
    ParquetArchive parquet;

    /** Runs over 2026-05-27 .. 2026-05-30, odd data on {@link #DAY}, and runs that are not eligible. */
    private void runsWithOddData() {
        fixture.runs(30, "ok", Instant.parse("2026-05-27T03:00:00Z"), 4_000, 4);
        fixture.runs(10, "error", Instant.parse("2026-05-30T10:00:00Z"), 600, 3);
        fixture.runs(3, "running", null, 0, 2);
        // invalid JSON, NULLs, Unicode, a 2 MB payload, microsecond timestamps, a numeric with scale; ids from the
        // sequences
        DB.execute("""
                WITH r AS (
                    INSERT INTO pipeline_runs (pipeline, symbol, status, started_at, finished_at, error)
                    VALUES ('تحليل 分析 🤖', 'שלום', 'error', '2026-05-28T10:00:00.000001Z', '2026-05-28T10:05:00.123456Z',
                            E'line1\\nline2\\t"quoted" \\\\ back')
                    RETURNING id
                ), s AS (
                    INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, output_json, error, duration_ms)
                    SELECT r.id, v.seq, v.name, v.status, v.input, v.output, v.error, v.duration
                    FROM r, (VALUES (1, 'indicator_agent', 'ok', '{not valid json', '[1, 2,', NULL, 0),
                                    (2, '🤖_agent', 'error', NULL, E'\\u202Eright-to-left override', 'Ошибка: 超时', -5),
                                    (3, 'risk_agent', 'ok', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 65536) i), '{}', NULL, 2147483647))
                         v(seq, name, status, input, output, error, duration)
                    RETURNING id, run_id, seq
                )
                INSERT INTO llm_calls (run_id, step_id, model, status, error, request_json, response_json, cost_usd, created_at)
                SELECT s.run_id, CASE WHEN s.seq = 1 THEN NULL ELSE s.id END, 'モデル', 'error', CASE WHEN s.seq = 2 THEN '💥' END,
                       '{"a": [1, 2.50, null, "é"]}', CASE WHEN s.seq = 2 THEN '"just a string"'::jsonb END, 123456.123456,
                       '2026-05-28T10:01:00.654321Z'
                FROM s;
                """);
    }

    private Map<String, List<List<Object>>> snapshot(String runFilter) throws Exception {
        return Map.of(
                "pipeline_runs", postgres("SELECT * FROM pipeline_runs WHERE id " + runFilter + " ORDER BY id"),
                "pipeline_steps", postgres("SELECT * FROM pipeline_steps WHERE run_id " + runFilter + " ORDER BY id"),
                "llm_calls", postgres("SELECT * FROM llm_calls WHERE run_id " + runFilter + " ORDER BY id"));
    }

    private static String runsOfDay(LocalDate day) {
        return "IN (" + eligibleRunIds(CUTOFF) + " AND (finished_at AT TIME ZONE 'UTC')::date = date '" + day + "')";
    }

    private static String runsNotOfDay(LocalDate day) {
        return "IN (" + eligibleRunIds(CUTOFF) + " AND (finished_at AT TIME ZONE 'UTC')::date <> date '" + day + "')";
    }

    private long archivedRowsOf(String table, List<Long> runIds) throws Exception {
        String runColumn = table.equals("pipeline_runs") ? "id" : "run_id";
        String ids = String.join(",", runIds.stream().map(String::valueOf).toList());
        return (Long) archive.query(
                        "SELECT count(*) FROM " + archive.dataset(table) + " WHERE " + runColumn + " IN (" + ids + ")")
                .get(0)
                .get(0);
    }

    private List<Long> ids(String sql) throws Exception {
        return postgres(sql).stream().map(row -> (Long) row.get(0)).toList();
    }

    private List<Problem> verify() throws Exception {
        List<Problem> problems = new ArrayList<>();
        verifier.verify(DtRange.ALL, null, problems::add);
        return problems;
    }

    @Test
    void restoringADayPutsBackIdenticalRowsTakesThemOutOfTheArchiveAndALaterLaunchArchivesThemOnce() throws Exception {
        // given: a snapshot before archiving
        runsWithOddData();
        Map<String, List<List<Object>>> day = snapshot(runsOfDay(DAY));
        Map<String, List<List<Object>>> otherDays = snapshot(runsNotOfDay(DAY));
        Map<String, List<List<Object>>> eligible = snapshot("IN (" + eligibleRunIds(CUTOFF) + ")");
        List<Long> dayRuns = ids("SELECT id FROM pipeline_runs WHERE id " + runsOfDay(DAY) + " ORDER BY id");
        assertThat(dayRuns).hasSizeGreaterThan(10);
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs WHERE status <> 'running'"))
                .isZero();

        // when
        RestoreReport report = restorer.restore(RestoreRequest.day(DAY, false));

        // then: the day's rows are back, value for value; the other days are not
        assertThat(report.runsRestored()).isEqualTo(dayRuns.size());
        assertThat(report.notes())
                .as("sequences untouched, every column archived")
                .isEmpty();
        assertThat(snapshot(runsOfDay(DAY))).isEqualTo(day);
        assertThat(ids("SELECT id FROM pipeline_runs WHERE status <> 'running' ORDER BY id"))
                .isEqualTo(dayRuns);
        // and the archive no longer holds them, but still holds every other day exactly
        for (String table : TABLES) {
            assertThat(archivedRowsOf(table, dayRuns)).as(table).isZero();
            assertThat(archive.rows(table, "id")).as(table).isEqualTo(otherDays.get(table));
        }
        // and the ledger says so, and agrees with the files
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'released'"))
                .isEqualTo(dayRuns.size());
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'restored'"))
                .isZero();
        assertThat(verify()).isEmpty();

        // when: the same day, then one of its runs, restored again
        RestoreReport again = restorer.restore(RestoreRequest.day(DAY, false));
        RestoreReport oneRun = restorer.restore(RestoreRequest.runs(List.of(dayRuns.get(0)), false));

        // then: nothing is duplicated
        assertThat(again.batches()).isEmpty();
        assertThat(again.lines()).last().asString().contains("nothing to restore");
        assertThat(oneRun.batches()).isEmpty();
        assertThat(oneRun.alreadyRestored()).containsExactly(dayRuns.get(0));
        assertThat(snapshot(runsOfDay(DAY))).isEqualTo(day);

        // when: a later archive launch
        assertThat(launcher.archive(LATER).outcome()).isEqualTo(Outcome.COMPLETED);

        // then: every eligible row is in the archive exactly once, identical to the originals
        for (String table : TABLES) {
            assertThat(archive.rows(table, "id")).as(table).isEqualTo(eligible.get(table));
        }
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs WHERE status <> 'running'"))
                .isZero();
        assertThat(verify()).isEmpty();
    }

    @Test
    void refusesRunsThatAlreadyExistInPostgresAndSkipsThemOnlyWhenAsked() throws Exception {
        // given: two archived runs, one of whose ids the backend has used again meanwhile
        runsWithOddData();
        List<Long> two = ids(eligibleRunIds(CUTOFF) + " ORDER BY id LIMIT 2");
        Map<String, List<List<Object>>> second = snapshot("= " + two.get(1));
        launcher.archive(CUTOFF);
        DB.execute("INSERT INTO pipeline_runs (id, pipeline, symbol, status) VALUES (" + two.get(0)
                + ", 'other', 'X', 'running')");
        List<List<Object>> ledgerBefore = postgres("SELECT * FROM archiver.batch_run ORDER BY batch_id, run_id");

        // when / then: refused, nothing changed
        assertThatThrownBy(() -> restorer.restore(RestoreRequest.runs(two, false)))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining(
                        "Refusing to restore: runs " + two.get(0) + " are archived but already exist in PostgreSQL");
        assertThat(DB.count("SELECT count(*) FROM pipeline_runs WHERE id = " + two.get(1)))
                .isZero();
        assertThat(postgres("SELECT * FROM archiver.batch_run ORDER BY batch_id, run_id"))
                .isEqualTo(ledgerBefore);

        // and an id that is nowhere is refused too
        assertThatThrownBy(() -> restorer.restore(RestoreRequest.runs(List.of(two.get(1), 999_999L), false)))
                .isInstanceOf(RestoreException.class)
                .hasMessageContaining("999999 are neither in the archive nor in PostgreSQL");

        // when: asked to skip the existing one
        RestoreReport report = restorer.restore(RestoreRequest.runs(two, true));

        // then: the other is restored whole, the existing one untouched and still archived
        assertThat(report.skippedExisting()).containsExactly(two.get(0));
        assertThat(report.runsRestored()).isEqualTo(1);
        assertThat(snapshot("= " + two.get(1))).isEqualTo(second);
        assertThat(postgres("SELECT pipeline, status FROM pipeline_runs WHERE id = " + two.get(0)))
                .containsExactly(List.of("other", "running"));
        assertThat(archivedRowsOf("pipeline_runs", List.of(two.get(0)))).isEqualTo(1);
        assertThat(archivedRowsOf("pipeline_runs", List.of(two.get(1)))).isZero();
    }

    @Test
    void restoresATableTwoCascadesAwayWithEveryColumnTypeIdentically() throws Exception {
        // given: a table two cascades away from the runs, with many column types, an identity and a generated column
        DB.execute("""
                CREATE TYPE mood AS ENUM ('calm', 'nervous');
                CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
                CREATE TABLE step_artifacts (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    kind smallint, size_bytes bigint, score real, weight double precision,
                    price numeric(10,3), ratio numeric, big numeric(50,10), ok boolean, produced_on date,
                    produced_local timestamp, produced_at timestamptz, ref uuid, blob bytea, meta jsonb, doc json,
                    tags text[], feeling mood, took interval, code char(5), rank positive_int, "Odd Name" text,
                    size_kb bigint GENERATED ALWAYS AS (size_bytes / 1024) STORED);
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
                INSERT INTO step_artifacts (step_id, score, weight, ratio, produced_on, tags, took)
                SELECT id, 'NaN', '-Infinity', 'NaN', '0044-03-15', '{}', '-1 mons +00:00:00.000001' FROM pipeline_steps WHERE seq = 2;
                """);
        Map<String, List<List<Object>>> runs = snapshot("IS NOT NULL");
        List<List<Object>> artifacts = postgres("SELECT * FROM step_artifacts ORDER BY id");
        List<Long> runIds = ids("SELECT id FROM pipeline_runs ORDER BY id");
        assertThat(artifacts).hasSize(6);
        assertThat(launcher.archive(CUTOFF).outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(DB.count("SELECT count(*) FROM step_artifacts")).isZero();

        // when
        RestoreReport report = restorer.restore(RestoreRequest.runs(runIds, false));

        // then
        assertThat(report.runsRestored()).isEqualTo(3);
        assertThat(postgres("SELECT * FROM step_artifacts ORDER BY id")).isEqualTo(artifacts);
        assertThat(snapshot("IS NOT NULL")).isEqualTo(runs);
        assertThat(archive.rows("step_artifacts", "id")).isEmpty();
        // and the sequences were left alone, still ahead of every restored id
        assertThat(report.notes()).isEmpty();
        DB.execute("INSERT INTO step_artifacts (step_id) SELECT min(id) FROM pipeline_steps");
        assertThat(DB.count("SELECT count(*) FROM step_artifacts")).isEqualTo(7);
        assertThat(DB.count("SELECT max(id) FROM step_artifacts"))
                .isGreaterThan((Long) artifacts.get(5).get(0));
    }

    @Test
    void aRestoreInterruptedBeforeItsFilesWereRewrittenIsFinishedByTheNextOne() throws Exception {
        // given: a restore that stopped right after its insert transactions, as a crash there would
        runsWithOddData();
        Map<String, List<List<Object>>> day = snapshot(runsOfDay(DAY));
        List<Long> dayRuns = ids("SELECT id FROM pipeline_runs WHERE id " + runsOfDay(DAY) + " ORDER BY id");
        launcher.archive(CUTOFF);
        restorer.restore(RestoreRequest.day(DAY, false), false);
        assertThat(snapshot(runsOfDay(DAY))).isEqualTo(day);
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'restored'"))
                .isEqualTo(dayRuns.size());
        assertThat(archivedRowsOf("pipeline_runs", dayRuns)).isEqualTo(dayRuns.size());
        // and the crash came while the first of the batch's files was being rewritten: renamed, not yet recorded
        String stepsFile = postgres("""
                SELECT f.path FROM archiver.archive_file f JOIN archiver.archive_batch b USING (batch_id)
                WHERE b.dt = '%s' AND f.table_name = 'pipeline_steps' ORDER BY f.batch_id LIMIT 1""".formatted(DAY)).get(0).get(0).toString();
        parquet.rewrite(stepsFile, record -> !dayRuns.contains(((Number) record.get("run_id")).longValue()));
        assertThat(verify()).singleElement().satisfies(problem -> {
            assertThat(problem.kind()).isEqualTo(Problem.Kind.CHANGED);
            assertThat(problem.path()).isEqualTo(stepsFile);
            assertThat(problem.detail()).contains("rerun restore");
        });

        // when: an archive launch comes first
        assertThat(launcher.archive(LATER).outcome()).isEqualTo(Outcome.COMPLETED);

        // then: it leaves the half-restored runs alone (in PostgreSQL, not planned again)
        assertThat(snapshot(runsOfDay(DAY))).isEqualTo(day);
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'restored'"))
                .isEqualTo(dayRuns.size());

        // when: restore is run again
        RestoreReport rerun = restorer.restore(RestoreRequest.day(DAY, false));

        // then: it finishes the job, inserting nothing twice
        assertThat(rerun.finishedEarlier()).isEqualTo(dayRuns.size());
        assertThat(rerun.batches()).isEmpty();
        assertThat(snapshot(runsOfDay(DAY))).isEqualTo(day);
        for (String table : TABLES) {
            assertThat(archivedRowsOf(table, dayRuns)).as(table).isZero();
        }
        assertThat(DB.count("SELECT count(*) FROM archiver.batch_run WHERE state = 'released'"))
                .isEqualTo(dayRuns.size());
        assertThat(verify()).isEmpty();
    }

    @Test
    void anIdAboveWhatItsSequenceHandedOutAdvancesTheSequence() throws Exception {
        // given: a run inserted with an explicit id far above its sequence, archived
        fixture.runs(2, "ok", Instant.parse("2026-05-20T00:00:00Z"), 60, 1);
        DB.execute("INSERT INTO pipeline_runs (id, pipeline, symbol, status, started_at, finished_at) VALUES "
                + "(5000, 'p', 'S', 'ok', '2026-05-20T00:00:00Z', '2026-05-20T00:01:00Z')");
        launcher.archive(CUTOFF);

        // when
        RestoreReport report = restorer.restore(RestoreRequest.runs(List.of(5000L), false));

        // then: the sequence was moved past it, so the backend's next run cannot collide
        assertThat(report.notes())
                .singleElement()
                .asString()
                .contains("pipeline_runs_id_seq")
                .contains("advanced to 5000");
        DB.execute("INSERT INTO pipeline_runs (pipeline, symbol, status) VALUES ('p', 'S', 'running')");
        assertThat(DB.count("SELECT max(id) FROM pipeline_runs")).isEqualTo(5001);
    }
}
