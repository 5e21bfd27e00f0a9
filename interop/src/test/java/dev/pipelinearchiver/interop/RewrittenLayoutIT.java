package dev.pipelinearchiver.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Old files rewritten: the layout version 1 archive the jobs module keeps as a fixture (written by commit a3dc74e,
 * with its ledger: jobs/src/test/resources/layout-v1, read here, never changed), which Spark's vectorized reader
 * fails on, is rewritten by the packaged job's {@code rewrite-layout}; then every engine reads every column of
 * every row as DuckDB read the version 1 files (DuckDB reads both layouts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RewrittenLayoutIT {

    static final Path FIXTURE = Path.of("../jobs/src/test/resources/layout-v1");
    static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls", "step_artifacts");

    Path work;
    SourceDatabase db;
    Path root;
    final Map<String, List<Map<String, Object>>> version1 = new LinkedHashMap<>();

    @BeforeAll
    void rewriteTheVersion1Archive() throws Exception {
        // given: the fixture's files under a root of our own, its ledger rows in a throw-away database
        work = Files.createTempDirectory("pipeline-archiver-rewritten");
        root = work.resolve("archive");
        Path files = FIXTURE.resolve("root");
        try (Stream<Path> paths = Files.walk(files)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                Path target = root.resolve(files.relativize(path).toString());
                Files.createDirectories(target.getParent());
                Files.copy(path, target);
            }
        }
        db = new SourceDatabase();
        String allTypes = Files.readString(FIXTURE.resolve("all-types.sql"), StandardCharsets.UTF_8);
        db.execute(allTypes.substring(0, allTypes.indexOf("INSERT INTO")));
        ArchiverJar.Outcome migrate = ArchiverJar.run(db.jobEnvironment(root), "archive", "--cutoff=2026-04-01");
        assertThat(migrate.exitCode()).as(migrate.stdout() + migrate.stderr()).isZero(); // the ledger's schema
        db.execute(Files.readString(FIXTURE.resolve("ledger.sql"), StandardCharsets.UTF_8)
                .replace("@ROOT@", "file:" + root.toAbsolutePath()));
        for (String table : TABLES) {
            version1.put(table, Engines.DUCKDB.read(null, root.resolve(table)));
        }
        assertThat(Footers.byteArrayDecimals(
                        ParquetJavaRows.files(root.resolve("llm_calls")).get(0)))
                .containsExactly("cost_usd");
        SparkSession spark = Engines.spark();
        assertThatThrownBy(() -> Engines.SPARK_VECTORIZED.read(spark, root.resolve("llm_calls")))
                .satisfies(Engines::isTheByteArrayDecimalFailure);

        // when
        ArchiverJar.Outcome rewrite = ArchiverJar.run(db.jobEnvironment(root), "rewrite-layout");

        // then: every file now of today's layout, none left hidden
        assertThat(rewrite.exitCode()).as(rewrite.stdout() + rewrite.stderr()).isZero();
        for (String table : TABLES) {
            for (Path file : ParquetJavaRows.files(root.resolve(table))) {
                assertThat(file.getFileName().toString()).doesNotStartWith(".");
                assertThat(Footers.byteArrayDecimals(file)).as(file.toString()).isEmpty();
            }
        }
    }

    @AfterAll
    void dropDatabase() throws Exception {
        if (db != null) {
            db.close();
        }
        ArchivedDatabase.delete(work);
    }

    Stream<Arguments> tablesByEngine() {
        return TABLES.stream().flatMap(t -> Stream.of(Engines.values()).map(e -> Arguments.of(t, e)));
    }

    @ParameterizedTest(name = "{1} reads every column of the rewritten {0}")
    @MethodSource("tablesByEngine")
    void everyEngineReadsTheRewrittenFilesAsTheOldOnesHeld(String table, Engines engine) throws Exception {
        assertThat(version1.get(table)).isNotEmpty();

        List<Map<String, Object>> read = engine.read(Engines.spark(), root.resolve(table));

        RowComparison.assertSameRows(
                engine + " on the rewritten " + table, "DuckDB on version 1", version1.get(table), read);
    }
}
