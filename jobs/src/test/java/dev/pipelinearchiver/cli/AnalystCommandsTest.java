package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiverCommands;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import dev.pipelinearchiver.support.Rows;
import dev.pipelinearchiver.support.SourceFixture;
import dev.pipelinearchiver.support.TestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysts' commands, run in this JVM over an archive the job wrote: {@code show-run} prints one run as
 * PostgreSQL held it, {@code table-definitions} defines every dataset as DuckDB reads it, and {@code query}
 * answers SQL over those views with the rows PostgreSQL had.
 */
class AnalystCommandsTest {

    private static final String CUTOFF = "2026-06-01T00:00:00Z";
    private static final String LONG_OUTPUT = "{\"summary\": \"" + "a long analysis ".repeat(40) + "\"}";

    private static TestDatabase db;

    /** One archive for all the tests (they only read it; the one that deletes a file puts it back). */
    @TempDir
    static Path root;

    private static ArchiverCommands cli;
    private static long shown;
    private static List<List<Object>> shownSteps;
    private static List<List<Object>> shownCalls;
    private static List<List<Object>> steps;
    private static long runs;
    private static long calls;

    @AfterAll
    static void dropDatabase() {
        db.drop();
    }

    @BeforeAll
    static void archiveRuns() throws Exception {
        // given: 30 finished runs of 7 steps (some failed, one with a long payload), 3 running ones, archived
        db = TestDatabase.create("archiver_analyst");
        db.resetSource();
        SourceFixture fixture = new SourceFixture(db);
        fixture.runs(30, "ok", Instant.parse("2026-05-29T00:00:00Z"), 5_000, 7);
        fixture.runs(3, "running", null, 0, 2);
        shown = db.count("SELECT min(run_id) FROM pipeline_steps WHERE status = 'error'");
        db.execute("UPDATE pipeline_steps SET output_json = '" + LONG_OUTPUT + "' WHERE run_id = " + shown
                + " AND seq = 2");
        try (Connection con = db.connect()) {
            shownSteps = Rows.query(
                    con,
                    "SELECT id, run_id, seq, step_name, status, duration_ms, error FROM pipeline_steps WHERE run_id = "
                            + shown + " ORDER BY seq");
            shownCalls = Rows.query(
                    con, "SELECT id, step_id, model, cost_usd FROM llm_calls WHERE run_id = " + shown + " ORDER BY id");
            steps = Rows.query(
                    con,
                    "SELECT s.id, s.seq, s.step_name, s.status, s.duration_ms FROM pipeline_steps s"
                            + " JOIN pipeline_runs r ON r.id = s.run_id WHERE r.status = 'ok' ORDER BY s.id");
        }
        runs = db.count("SELECT count(*) FROM pipeline_runs WHERE status = 'ok'");
        calls = db.count(
                "SELECT count(*) FROM llm_calls c JOIN pipeline_runs r ON r.id = c.run_id WHERE r.status = 'ok'");
        cli = new ArchiverCommands(db, root);
        Outcome archived = cli.run("archive", "--cutoff=" + CUTOFF);
        assertThat(archived.exitCode()).as(archived.stderr()).isZero();
        assertThat(db.count("SELECT count(*) FROM pipeline_runs")).isEqualTo(3);
    }

    /** A command that takes no database settings (the analysts' commands read the archive alone). */
    private static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ArchiverCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Outcome(code, out.toString(), err.toString());
    }

    private static void assertOneLine(Outcome outcome, int exitCode, String start) {
        assertThat(outcome.exitCode()).as(outcome.stdout() + outcome.stderr()).isEqualTo(exitCode);
        assertThat(outcome.stderr().strip().lines()).hasSize(1);
        assertThat(outcome.stderr()).startsWith("pipeline-archiver: " + start);
    }

    @Test
    void showRunPrintsTheRunItsStepsAndItsCallsAsPostgresHeldThem() {
        // when
        Outcome outcome = cli.run("show-run", Long.toString(shown));

        // then: the run, found through the ledger, then every step in order with its figures, then its calls
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        String out = outcome.stdout();
        assertThat(out).containsPattern("(?m)^run " + shown + ", archived in batch \\d+, dt=2026-05-\\d\\d$");
        assertThat(out).containsPattern("(?m)^  status\\s+ok$");
        assertThat(out).contains("pipeline_steps: 7 rows").contains("llm_calls: " + shownCalls.size() + " rows");
        assertThat(out.indexOf("pipeline_runs:")).isLessThan(out.indexOf("pipeline_steps:"));
        assertThat(out.indexOf("pipeline_steps:")).isLessThan(out.indexOf("llm_calls:"));
        for (List<Object> step : shownSteps) {
            // id, run_id, seq, step_name, status, duration_ms side by side; the error under its step
            assertThat(out)
                    .containsPattern("(?m)^\\s+" + step.get(0) + "\\s+" + step.get(1) + "\\s+" + step.get(2) + "\\s+"
                            + step.get(3) + "\\s+" + step.get(4) + "\\s+" + step.get(5) + "$");
            if (step.get(6) != null) {
                assertThat(out).containsPattern("(?m)^\\s+error\\s+" + Pattern.quote((String) step.get(6)) + "$");
            }
        }
        assertThat(shownSteps).anySatisfy(step -> assertThat(step.get(6)).isNotNull());
        for (List<Object> call : shownCalls) {
            assertThat(out)
                    .containsPattern(
                            "(?m)^\\s+" + call.get(0) + "\\s+" + shown + "\\s+" + call.get(1) + "\\s+" + call.get(2)
                                    + "\\b.*\\s" + Pattern.quote(call.get(3).toString()) + "\\s");
        }
        // the long payload shortened to one line that says how long it was
        assertThat(out).contains(LONG_OUTPUT.substring(0, 120) + "… (" + LONG_OUTPUT.length() + " chars)");
        assertThat(out).doesNotContain(LONG_OUTPUT);

        // and: whole with --full
        Outcome full = cli.run("show-run", Long.toString(shown), "--full");
        assertThat(full.exitCode()).isZero();
        assertThat(full.stdout()).contains(LONG_OUTPUT);
    }

    @Test
    void showRunOfARunTheArchiveDoesNotHoldExitsOneWithOneLine() {
        long running = db.count("SELECT min(id) FROM pipeline_runs");

        assertOneLine(
                cli.run("show-run", Long.toString(running)),
                1,
                "Run " + running + " is not in the archive: it is still in PostgreSQL.");
        assertOneLine(cli.run("show-run", "987654"), 1, "Run 987654 is neither in the archive nor in PostgreSQL.");
        Outcome usage = cli.run("show-run", "not-a-number");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.stderr())
                .startsWith("pipeline-archiver: Invalid value")
                .contains("'not-a-number' is not a long");
    }

    @Test
    void showRunOfARunWhoseFileIsGoneExitsFourLikeVerify() throws Exception {
        // given: the steps file of the run's batch moved away behind the ledger's back
        String path = db.text(
                "SELECT f.path FROM archiver.archive_file f JOIN archiver.batch_run r ON r.batch_id = f.batch_id"
                        + " WHERE r.run_id = " + shown + " AND f.table_name = 'pipeline_steps'");
        Path file = Path.of(URI.create(path));
        Path aside = Files.move(file, file.resolveSibling("moved-away"));
        try {
            // then
            assertOneLine(cli.run("show-run", Long.toString(shown)), 4, "Cannot read " + path);
        } finally {
            Files.move(aside, file);
        }
    }

    @Test
    void tableDefinitionsDefineEveryDatasetAsDuckDbReadsIt() throws Exception {
        // when
        Outcome outcome = run("table-definitions", "--root=" + root);

        // then: one view per dataset, which DuckDB runs as printed, holding every archived row
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        List<String> statements =
                outcome.stdout().lines().filter(line -> !line.startsWith("--")).toList();
        assertThat(statements)
                .extracting(line -> line.split(" ")[4])
                .containsExactly("llm_calls", "pipeline_runs", "pipeline_steps", "step_stats");
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = duckdb.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
            assertThat(Rows.query(duckdb, "SELECT count(*) FROM pipeline_runs")
                            .get(0)
                            .get(0))
                    .isEqualTo(runs);
            assertThat(Rows.query(duckdb, "SELECT count(*) FROM llm_calls")
                            .get(0)
                            .get(0))
                    .isEqualTo(calls);
            assertThat(Rows.query(
                            duckdb, "SELECT id, seq, step_name, status, duration_ms FROM pipeline_steps ORDER BY id"))
                    .isEqualTo(steps);
            assertThat(Rows.query(duckdb, "SELECT DISTINCT typeof(dt) FROM pipeline_steps"))
                    .containsExactly(List.of("DATE"));
            assertThat(Rows.query(duckdb, "SELECT sum(calls) FROM step_stats")
                            .get(0)
                            .get(0)
                            .toString())
                    .isEqualTo(Long.toString(steps.size()));
        }
    }

    @Test
    void sparkDefinitionsSpellTheColumnsAndTypesTheFilesHold() throws Exception {
        // when
        Outcome outcome = run("table-definitions", "--root=" + root, "--engine=spark");

        // then: per dataset, the columns DuckDB finds in the files, in order, each with the matching Hive type
        assertThat(outcome.exitCode()).as(outcome.stderr()).isZero();
        List<String> creates = outcome.stdout()
                .lines()
                .filter(line -> line.startsWith("CREATE EXTERNAL TABLE"))
                .toList();
        assertThat(creates).hasSize(4);
        Map<String, String> duckToHive = Map.of(
                "INTEGER", "INT",
                "BIGINT", "BIGINT",
                "DOUBLE", "DOUBLE",
                "VARCHAR", "STRING",
                "BLOB", "BINARY",
                "TIMESTAMP WITH TIME ZONE", "TIMESTAMP",
                "DECIMAL(12,6)", "DECIMAL(12,6)");
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String create : creates) {
                String dataset = create.split("`")[1];
                List<String> expected = new ArrayList<>();
                for (List<Object> column : Rows.query(
                        duckdb,
                        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('" + root + "/"
                                + dataset + "/dt=*/*.parquet', hive_partitioning = false))")) {
                    String type = column.get(1).toString();
                    expected.add("`" + column.get(0) + "` "
                            + (type.startsWith("STRUCT") ? "ARRAY<STRUCT<" : duckToHive.getOrDefault(type, type)));
                }
                String columns = create.substring(create.indexOf('(') + 1, create.indexOf(") PARTITIONED BY"));
                assertThat(columns.split(", (?=`[^`]+` )"))
                        .as(dataset)
                        .hasSameSizeAs(expected)
                        .satisfies(actual -> {
                            for (int i = 0; i < actual.length; i++) {
                                assertThat(actual[i]).startsWith(expected.get(i));
                            }
                        });
                assertThat(create).endsWith("STORED AS PARQUET LOCATION '" + root.toUri() + dataset + "';");
            }
        }
    }

    @Test
    void queryAnswersSqlOverTheViewsWithWhatPostgresHeld() {
        // when: the same rows asked as CSV, and a count as a table
        Outcome csv = run(
                "query",
                "--root=" + root,
                "--format=csv",
                "SELECT id, seq, step_name, status, duration_ms FROM pipeline_steps ORDER BY id");
        Outcome table = run("query", "--root=" + root, "SELECT count(*) AS runs FROM pipeline_runs");

        // then
        assertThat(csv.exitCode()).as(csv.stderr()).isZero();
        List<String> expected = new ArrayList<>(List.of("id,seq,step_name,status,duration_ms"));
        steps.forEach(step -> expected.add(
                step.get(0) + "," + step.get(1) + "," + step.get(2) + "," + step.get(3) + "," + step.get(4)));
        assertThat(csv.stdout().lines()).containsExactlyElementsOf(expected);
        assertThat(table.exitCode()).as(table.stderr()).isZero();
        assertThat(table.stdout().lines()).containsExactly("runs", "----", String.format("%4d", runs), "(1 row)");
    }

    @Test
    void queryRefusesWithOneLineWhatItCannotDo(@TempDir Path empty) {
        assertOneLine(run("query", "--root=" + root, "SELECT nope FROM pipeline_runs"), 2, "DuckDB: Binder Error");
        assertOneLine(
                run("query", "--root=s3://bucket/archive", "SELECT 1"), 2, "query reads a local archive root only");
        assertOneLine(run("query", "--root=" + empty, "SELECT 1"), 2, "No dataset under " + empty);
        assertOneLine(run("table-definitions", "--root=" + root, "--engine=oracle"), 2, "Unknown engine 'oracle'");
        assertOneLine(run("table-definitions", "--root=" + root, "--engine=athena"), 2, "Athena reads only from S3");
        assertOneLine(
                run("table-definitions", "--root=ftp://host/archive"),
                2,
                "Unsupported archive root ftp://host/archive");
    }
}
