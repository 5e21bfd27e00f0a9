package dev.pipelinearchiver.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.OnS3Root;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.S3Server;
import dev.pipelinearchiver.verify.ArchiveVerifier;
import dev.pipelinearchiver.verify.DtRange;
import dev.pipelinearchiver.verify.Problem;
import dev.pipelinearchiver.verify.VerifyReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An archive of layout version 1 (decimals as Avro bytes, arrays as text), written by the archiver of commit
 * a3dc74e with its ledger rows ({@code src/test/resources/layout-v1}, made by its generate.sh): today's
 * code verifies it and restores every row of the all-types cascade exactly as it was, taking the restored runs'
 * steps out of the day's statistics.
 */
class LayoutV1FixtureTest extends ArchiveTestSupport {

    static final Path FIXTURE = Path.of("src/test/resources/layout-v1");

    @Autowired
    ArchiveVerifier verifier;

    @Autowired
    RunRestorer restorer;

    /** The step statistics of each day and step, exactly, over the steps still in the archive (DuckDB). */
    private static final String EXACT = """
            WITH steps AS (
                SELECT CAST(r.dt AS VARCHAR) AS day, s.*, s.duration_ms BETWEEN 0 AND 86400000 AS valid
                FROM %s s JOIN %s r ON r.id = s.run_id)
            SELECT day, step_name, count(*), count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'skip'),
                   count(*) FILTER (WHERE status = 'error'), count(*) FILTER (WHERE status NOT IN ('ok', 'skip', 'error')),
                   count(*) FILTER (WHERE NOT valid),
                   min(duration_ms) FILTER (WHERE valid), max(duration_ms) FILTER (WHERE valid),
                   coalesce(sum(duration_ms) FILTER (WHERE valid), 0), avg(duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.50) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.90) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid),
                   percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE valid)
            FROM steps GROUP BY day, step_name ORDER BY day, step_name""";

    private static final String STORED = """
            SELECT dt::text, step_name, calls, ok, skipped, errors, other_status, invalid_durations, duration_ms_min,
                   duration_ms_max, duration_ms_total, duration_ms_mean, duration_ms_p50, duration_ms_p90, duration_ms_p95,
                   duration_ms_p99
            FROM archiver.step_stats WHERE calls > 0 ORDER BY dt, step_name""";

    @BeforeEach
    void loadTheFixture() throws IOException {
        DB.execute(LayoutV1FixtureTest.allTypesTable());
        load(DB);
    }

    /** The all-types table as the fixture's archive was written from (a3dc74e's; today's may have more columns). */
    static String allTypesTable() throws IOException {
        String sql = Files.readString(FIXTURE.resolve("all-types.sql"), StandardCharsets.UTF_8);
        return sql.substring(0, sql.indexOf("INSERT INTO"));
    }

    /** Copies the fixture's files under ROOT and loads its ledger rows, their paths under ROOT. */
    static void load(dev.pipelinearchiver.support.TestDatabase db) throws IOException {
        load(db, "file:" + ROOT.toAbsolutePath());
    }

    /**
     * The same on {@code s3://archive}: the files put as its objects through the S3 server (which lists only objects
     * it stored), the ledger's paths under it.
     */
    static void load(dev.pipelinearchiver.support.TestDatabase db, String root) throws IOException {
        Path files = FIXTURE.resolve("root");
        try (Stream<Path> paths = Files.walk(files);
                S3Client s3 = root.startsWith("s3://") ? S3Server.shared().client() : null) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                String key = files.relativize(path).toString();
                if (s3 != null) {
                    s3.putObject(b -> b.bucket(OnS3Root.BUCKET).key(key), RequestBody.fromFile(path));
                    continue;
                }
                Path target = ROOT.resolve(key);
                Files.createDirectories(target.getParent());
                Files.copy(path, target);
            }
        }
        String ledger = Files.readString(FIXTURE.resolve("ledger.sql"), StandardCharsets.UTF_8);
        db.execute(ledger.replace("@ROOT@", root));
    }

    /** Each archived row as {@code table, id, md5(row::text)}, ordered: rows.tsv's lines. */
    static List<String> rowDigests() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String table : List.of("llm_calls", "pipeline_runs", "pipeline_steps", "step_artifacts")) {
            List<List<Object>> rows;
            try (Connection con = DB.connect()) {
                rows = Rows.query(con, "SELECT '" + table + "', id, md5(t::text) FROM " + table + " t ORDER BY id");
            }
            for (List<Object> row : rows) {
                lines.add(row.get(0) + "\t" + row.get(1) + "\t" + row.get(2));
            }
        }
        return lines;
    }

    @Test
    void aVersion1ArchiveVerifiesAndRestoresExactly() throws Exception {
        // when
        List<Problem> problems = new ArrayList<>();
        VerifyReport report = verifier.verify(DtRange.ALL, null, problems::add);
        RestoreReport restored = restorer.restore(RestoreRequest.day(LocalDate.parse("2026-05-10"), false));

        // then: 4 files, 27 rows, all as recorded; every row back, identical in every column
        assertThat(problems).isEmpty();
        assertThat(report.filesChecked()).isEqualTo(4);
        assertThat(report.rowsChecked()).isEqualTo(27);
        assertThat(restored.batches()).hasSize(1);
        assertThat(rowDigests()).isEqualTo(Files.readAllLines(FIXTURE.resolve("rows.tsv")));
    }

    @Test
    void restoringARunOfAVersion1BatchTakesItsStepsOutOfTheStatistics() throws Exception {
        // given: the fixture's figures are those of its archived steps (3 runs, 2 steps each)
        assertStatisticsMatchTheArchive(3);

        // when: the run with the shortest steps is restored
        RestoreReport restored = restorer.restore(RestoreRequest.runs(List.of(1L), false));

        // then: the figures are those of the two runs still archived (each step's minimum moves up)
        assertThat(restored.batches()).hasSize(1);
        assertThat(postgres("SELECT count(*) FROM pipeline_runs")).containsExactly(List.of(1L));
        assertStatisticsMatchTheArchive(2);
    }

    /** step_stats, row for row, against exact SQL over the archive's steps: counts and sums exact, percentiles to 1%. */
    private void assertStatisticsMatchTheArchive(long callsPerStep) throws Exception {
        List<List<Object>> exact =
                archive.query(EXACT.formatted(archive.dataset("pipeline_steps"), archive.dataset("pipeline_runs")));
        List<List<Object>> stored = postgres(STORED);
        assertThat(exact).extracting(row -> ((Number) row.get(2)).longValue()).containsOnly(callsPerStep);
        assertThat(stored).hasSameSizeAs(exact).hasSize(2);
        for (int i = 0; i < exact.size(); i++) {
            List<Object> e = exact.get(i);
            List<Object> s = stored.get(i);
            String where = e.get(0) + " " + e.get(1);
            assertThat(s.subList(0, 11).stream().map(String::valueOf))
                    .as(where)
                    .containsExactlyElementsOf(
                            e.subList(0, 11).stream().map(String::valueOf).toList());
            assertThat(((Number) s.get(11)).doubleValue())
                    .as(where + " mean")
                    .isCloseTo(((Number) e.get(11)).doubleValue(), within(1e-6));
            for (int p = 12; p <= 15; p++) {
                long expected = ((Number) e.get(p)).longValue();
                assertThat(((Number) s.get(p)).longValue())
                        .as(where + " percentile column " + p)
                        .isCloseTo(expected, within(Math.max(1L, (long) Math.ceil(expected * 0.01))));
            }
        }
    }
}
