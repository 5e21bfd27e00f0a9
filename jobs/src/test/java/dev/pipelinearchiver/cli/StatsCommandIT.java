package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pipelinearchiver.support.ArchiverProcess;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.StatsPage;
import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
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
        Outcome json = ArchiverProcess.run(env(), "stats", "--from=2026-05-29", "--to=2026-05-31", "--format=json");
        assertThat(json.exitCode()).as(json.stderr()).isZero();
        threeDays = (ObjectNode) new ObjectMapper().readTree(json.stdout());
    }

    /** {@code stats --format=json} of 2026-05-29 .. 2026-05-31, from PostgreSQL. */
    private static ObjectNode threeDays;

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
        JsonNode days = new ObjectMapper().readTree(json.stdout()).get("days");
        assertThat(days).hasSize(4);
        assertThat(days.get(0).get("dt").asText()).isEqualTo("2026-05-30");
        assertThat(days.get(0).get("duration_ms_p99").asLong())
                .isEqualTo(
                        db.count(
                                "SELECT duration_ms_p99 FROM archiver.step_stats WHERE dt = '2026-05-30' ORDER BY step_name LIMIT 1"));
        assertThat(days.get(0).has("top_errors")).isTrue();
    }

    @Test
    void theHtmlPageShowsTheFiguresOfTheJsonForTheSameRange() throws Exception {
        // given
        Path page = root.resolve("steps.html");

        // when
        Outcome html = ArchiverProcess.run(
                env(), "stats", "--from=2026-05-29", "--to=2026-05-31", "--format=html", "--output=" + page);

        // then
        assertThat(html.exitCode()).as(html.stderr()).isZero();
        assertThat(html.stdout()).contains("stats: wrote " + page + " (4 step names, 2026-05-29 .. 2026-05-31)");
        JsonNode figures = threeDays;
        StatsPage shown = new StatsPage(Files.readString(page));
        shown.assertShowsTheFiguresOf(figures);
        assertThat(shown.days()).hasSize(3);
        // 05-29 has no figures: a gap in every chart
        assertThat(shown.values("trend_agent", "calls", "calls").get(0)).isEmpty();
        // the summary adds up the days as PostgreSQL holds them
        for (JsonNode step : figures.get("steps")) {
            String name = step.get("step_name").asText();
            assertThat(step.get("calls").asLong())
                    .isEqualTo(db.count("SELECT sum(calls) FROM archiver.step_stats WHERE step_name = '" + name
                            + "' AND dt BETWEEN '2026-05-29' AND '2026-05-31'"));
            assertThat(step.get("errors").asLong())
                    .isEqualTo(db.count("SELECT sum(errors) FROM archiver.step_stats WHERE step_name = '" + name
                            + "' AND dt BETWEEN '2026-05-29' AND '2026-05-31'"));
            assertThat(step.get("duration_ms_p95").isNumber()).isTrue();
        }
        assertThat(figures.get("source").asText()).startsWith("PostgreSQL database archiver_stats_cli");
        assertThat(Files.readString(page)).doesNotContain(db.url()).doesNotContain("password");
    }

    @Test
    void withoutARangeTheLastDaysWithFiguresAreShownAndTheFirstLineSaysSo() throws Exception {
        // when
        Outcome outcome = ArchiverProcess.run(env(), "stats");

        // then
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        List<String> lines = outcome.stdout().lines().toList();
        assertThat(lines.get(0))
                .isEqualTo("No --from/--to given: the 7 most recent days up to 2026-05-31, the last day with figures."
                        + " Figures exist from 2026-05-30 to 2026-05-31.");
        assertThat(lines.get(1)).startsWith("dt");
        assertThat(lines).hasSize(2 + 2 * 4);
    }

    @Test
    void anEmptyRangeNamesTheFirstAndLastDayWithFigures() throws Exception {
        // when
        Outcome table = ArchiverProcess.run(env(), "stats", "--from=2026-11-30", "--to=2026-12-06");
        Outcome html = ArchiverProcess.run(env(), "stats", "--from=2026-11-30", "--to=2026-12-06", "--format=html");

        // then
        String expected =
                "No step statistics between 2026-11-30 and 2026-12-06. Figures exist from 2026-05-30 to 2026-05-31.";
        assertThat(table.exitCode()).as(table.stderr()).isZero();
        assertThat(table.stdout().strip()).isEqualTo(expected);
        assertThat(html.exitCode()).as(html.stderr()).isZero();
        assertThat(new StatsPage(html.stdout()).document().selectFirst("#empty").text())
                .isEqualTo(expected);
        assertThat(html.stderr()).contains("stats: " + expected);
    }

    @Test
    void theArchiveAloneGivesTheSameFiguresWithoutADatabase() throws Exception {
        // given no database: the URL points at a port where nothing listens
        Map<String, String> noDatabase = new HashMap<>(env());
        noDatabase.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://127.0.0.1:9/nowhere");
        noDatabase.remove("ARCHIVER_OUTPUT_ROOT");

        // when
        Outcome fromArchive = ArchiverProcess.run(
                noDatabase,
                "stats",
                "--from=2026-05-29",
                "--to=2026-05-31",
                "--format=json",
                "--archive=" + root.resolve("archive"));

        // then: the same figures, percentiles over the range included (the day files hold the histograms)
        assertThat(fromArchive.exitCode()).as(fromArchive.stderr()).isZero();
        ObjectNode database = threeDays.deepCopy();
        ObjectNode archive = (ObjectNode) new ObjectMapper().readTree(fromArchive.stdout());
        assertThat(archive.get("source").asText()).startsWith("archive file:" + root.resolve("archive"));
        for (ObjectNode json : List.of(database, archive)) {
            json.remove("source");
            json.remove("generated_at");
        }
        assertThat(archive).isEqualTo(database);
        assertThat(archive.get("steps")).hasSize(4);
        assertThat(archive.get("steps").get(0).get("duration_ms_p99").isNumber())
                .isTrue();
    }

    @Test
    void aRootWithoutDayFilesIsABadUsage() throws Exception {
        // when
        Outcome outcome = ArchiverProcess.run(env(), "stats", "--archive=" + root.resolve("elsewhere"));

        // then
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.stderr())
                .contains("no step_stats day files under " + root.resolve("elsewhere")
                        + " (--archive takes the archive root");
    }

    @Test
    void aBadDateIsABadUsage() throws Exception {
        Outcome outcome = ArchiverProcess.run(env(), "stats", "--from=yesterday");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.stderr()).contains("--from");
    }
}
