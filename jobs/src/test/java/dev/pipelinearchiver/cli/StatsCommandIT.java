package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stats} as an operator runs it, after a real archive launch. */
class StatsCommandIT {

    private static TestDatabase db;

    @TempDir
    static Path root;

    @BeforeAll
    static void archiveTwoDays() throws Exception {
        db = TestDatabase.create("archiver_stats_cli");
        db.resetSource();
        new SourceFixture(db).runs(30, "ok", Instant.parse("2026-05-30T06:00:00Z"), 3_600, 4); // 2026-05-30 and -31
        Outcome archived = ArchiverProcess.run(env(), "archive", "--cutoff=2026-06-01T00:00:00Z");
        assertThat(archived.exitCode()).as(archived.stderr()).isZero();
    }

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    private static Map<String, String> env() {
        return ArchiverProcess.environment(db, root.resolve("archive"));
    }

    @Test
    void printsAnAlignedTableByDefault() throws Exception {
        Outcome outcome = ArchiverProcess.run(env(), "stats", "--from=2026-05-30", "--to=2026-05-31");
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        List<String> lines = outcome.stdout().lines().toList();
        assertThat(lines.get(0)).startsWith("dt").contains("step_name", "calls", "err%", "p50", "p99", "top error");
        assertThat(lines).hasSize(1 + 2 * 4); // two days, four step names
        // aligned: every row's calls figure ends in the column where the header's "calls" ends
        int callsEnd = lines.get(0).indexOf("calls") + "calls".length();
        for (String line : lines.subList(1, lines.size())) {
            assertThat(line.charAt(callsEnd - 1)).as(line).isBetween('0', '9');
            assertThat(line.length() > callsEnd && line.charAt(callsEnd) == ' ')
                    .as(line)
                    .isTrue();
        }
    }

    @Test
    void printsCsvAndJsonWithTheStoredFigures() throws Exception {
        Outcome csv = ArchiverProcess.run(
                env(), "stats", "--from=2026-05-30", "--to=2026-05-31", "--step=trend_agent", "--format=csv");
        assertThat(csv.exitCode()).as(csv.stderr()).isZero();
        List<String> rows = csv.stdout().lines().toList();
        assertThat(rows.get(0)).startsWith("dt,step_name,calls,ok,skipped,errors");
        assertThat(rows).hasSize(3);
        long calls = rows.stream()
                .skip(1)
                .mapToLong(r -> Long.parseLong(r.split(",")[2]))
                .sum();
        assertThat(calls)
                .isEqualTo(db.count("SELECT sum(calls) FROM archiver.step_stats WHERE step_name = 'trend_agent'"));

        Outcome json = ArchiverProcess.run(env(), "stats", "--from=2026-05-30", "--to=2026-05-30", "--format=json");
        assertThat(json.exitCode()).as(json.stderr()).isZero();
        JsonNode days = new ObjectMapper().readTree(json.stdout());
        assertThat(days).hasSize(4);
        assertThat(days.get(0).get("dt").asText()).isEqualTo("2026-05-30");
        assertThat(days.get(0).get("duration_ms_p99").asLong())
                .isEqualTo(
                        db.count(
                                "SELECT duration_ms_p99 FROM archiver.step_stats WHERE dt = '2026-05-30' ORDER BY step_name LIMIT 1"));
        assertThat(days.get(0).has("top_errors")).isTrue();
    }

    @Test
    void aBadDateIsABadUsage() throws Exception {
        Outcome outcome = ArchiverProcess.run(env(), "stats", "--from=yesterday");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.stderr()).contains("--from");
    }
}
