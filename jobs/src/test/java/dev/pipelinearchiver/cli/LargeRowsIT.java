package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.DuckDbArchive;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's memory cases under the JVM options of the scripts, cron and the container (the file
 * config/jvm.options): a 50 MB payload and a run with 10,000 steps archive without an
 * OutOfMemoryError, byte for byte.
 */
class LargeRowsIT {

    private TestDatabase db;

    @TempDir
    Path root;

    @BeforeEach
    void create() {
        db = TestDatabase.create("archiver_large");
        db.resetSource();
    }

    @AfterEach
    void drop() {
        db.drop();
    }

    @Test
    void aFiftyMegabytePayloadAndARunWithTenThousandStepsArchiveUnderTheProductionHeap() throws Exception {
        // given
        db.execute("""
                INSERT INTO pipeline_runs (id, pipeline, symbol, status, started_at, finished_at)
                VALUES (1, 'p', 'AAPL', 'ok', '2026-05-01T00:00:00Z', '2026-05-01T00:10:00Z'),
                       (2, 'p', 'MSFT', 'ok', '2026-05-02T00:00:00Z', '2026-05-02T00:10:00Z');
                INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, duration_ms)
                SELECT 1, 1, 'report_agent', 'ok', string_agg(md5(i::text), '' ORDER BY i), 5 FROM generate_series(1, 1638400) i;
                INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, output_json, duration_ms)
                SELECT 2, s, 'trend_agent', 'ok', '{"s": ' || s || ', "text": "' || repeat(md5(s::text), 12) || '"}', '{}', s % 3000
                FROM generate_series(1, 10000) s;
                """);
        String payloadMd5 = db.text("SELECT md5(input_json) FROM pipeline_steps WHERE run_id = 1");
        assertThat(db.count("SELECT octet_length(input_json) FROM pipeline_steps WHERE run_id = 1"))
                .isEqualTo(52_428_800);

        List<String> production = ArchiverProcess.jvmOptions();
        assertThat(production).as("config/jvm.options bounds the heap").anyMatch(option -> option.startsWith("-Xmx"));

        // when
        Outcome outcome = ArchiverProcess.start(
                        production,
                        ArchiverProcess.environment(db, root.resolve("archive")),
                        "archive",
                        "--cutoff=2026-06-01")
                .await(Duration.ofMinutes(5));

        // then
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout() + outcome.stderr()).doesNotContain("OutOfMemoryError");
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isZero();
        DuckDbArchive archive = new DuckDbArchive(root.resolve("archive"));
        assertThat(archive.query("SELECT strlen(input_json), md5(input_json) FROM " + archive.dataset("pipeline_steps")
                        + " WHERE run_id = 1"))
                .containsExactly(List.of(52_428_800L, payloadMd5));
        assertThat(archive.query("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM "
                        + archive.dataset("pipeline_steps") + " WHERE run_id = 2"))
                .containsExactly(List.of(10_000L, 10_000L, 1L, 10_000L));
    }

    @Test
    void aRunOfManyWideRowsStreamsWithoutHoldingThemAll() throws Exception {
        // given: one run of 2,000 steps of 240 KB each, 480 MB in all: a reader holding many rows at once
        // (a cursor fetching 2,000 rows per round trip) would need more than the production heap
        db.execute("""
                INSERT INTO pipeline_runs (id, pipeline, symbol, status, started_at, finished_at)
                VALUES (1, 'p', 'AAPL', 'ok', '2026-05-01T00:00:00Z', '2026-05-01T00:10:00Z');
                INSERT INTO pipeline_steps (run_id, seq, step_name, status, input_json, duration_ms)
                SELECT 1, s, 'report_agent', 'ok', repeat(md5(s::text), 7500), s FROM generate_series(1, 2000) s;
                """);
        String checksum = db.text("SELECT md5(string_agg(md5(input_json), '' ORDER BY seq)) FROM pipeline_steps");
        assertThat(db.count("SELECT sum(octet_length(input_json)) FROM pipeline_steps"))
                .isEqualTo(480_000_000L);

        // when
        Outcome outcome = ArchiverProcess.start(
                        ArchiverProcess.jvmOptions(),
                        ArchiverProcess.environment(db, root.resolve("archive")),
                        "archive",
                        "--cutoff=2026-06-01")
                .await(Duration.ofMinutes(5));

        // then
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        assertThat(outcome.stdout() + outcome.stderr()).doesNotContain("OutOfMemoryError");
        assertThat(db.count("SELECT count(*) FROM pipeline_steps")).isZero();
        DuckDbArchive archive = new DuckDbArchive(root.resolve("archive"));
        assertThat(archive.query("SELECT count(*), md5(string_agg(md5(input_json), '' ORDER BY seq)) FROM "
                        + archive.dataset("pipeline_steps")))
                .containsExactly(List.of(2000L, checksum));
    }
}
