package dev.pipelinearchiver.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.contract.TableDefinitions.Engine;
import dev.pipelinearchiver.support.Rows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table definitions' generator: roots, datasets and the DuckDB dialect, run by DuckDB itself. */
class TableDefinitionsTest {

    @Test
    void rootsAreReadAsTheJobTakesThem(@TempDir Path dir) {
        assertThat(ArchiveLocation.parse(dir.toString()).duckDb()).isEqualTo(dir.toString());
        assertThat(ArchiveLocation.parse(dir.toUri().toString()).duckDb()).isEqualTo(dir.toString());
        assertThat(ArchiveLocation.parse("./archive").duckDb())
                .isEqualTo(Path.of("archive").toAbsolutePath().toString());
        assertThat(ArchiveLocation.parse("s3a://bucket/some/prefix/").duckDb()).isEqualTo("s3://bucket/some/prefix");
        assertThat(ArchiveLocation.parse("s3://bucket").duckDb("pipeline_steps"))
                .isEqualTo("s3://bucket/pipeline_steps");
        assertThatThrownBy(() -> ArchiveLocation.parse("hdfs://namenode/archive"))
                .hasMessageContaining("the scheme hdfs: is not supported");
        assertThatThrownBy(() -> ArchiveLocation.parse("s3:///prefix"))
                .hasMessageContaining("is not a valid bucket name");
    }

    @Test
    void duckDbViewsReadTheFilesOfEachDatasetWithDtAsADate(@TempDir Path dir) throws Exception {
        // given: a root whose path needs quoting in SQL, two days of one dataset, a column added on the second
        // day, an in-flight temporary file, a manifest directory, and a directory that is no dataset
        Path root = Files.createDirectories(dir.resolve("it's an archive"));
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = duckdb.createStatement()) {
            Files.createDirectories(root.resolve("pipeline_steps/dt=2026-09-14"));
            Files.createDirectories(root.resolve("pipeline_steps/dt=2026-09-15"));
            Files.createDirectories(root.resolve("_manifests"));
            Files.createDirectories(root.resolve("notes"));
            Files.writeString(root.resolve("_manifests/m.json"), "{}");
            Files.writeString(root.resolve("pipeline_steps/dt=2026-09-15/.part-b2.parquet.tmp"), "half a file");
            statement.execute("COPY (SELECT 1 AS id, 'ok' AS status) TO '"
                    + root.resolve("pipeline_steps/dt=2026-09-14/part-b1.parquet")
                            .toString()
                            .replace("'", "''")
                    + "' (FORMAT parquet)");
            statement.execute("COPY (SELECT 2 AS id, 'error' AS status, 'boom' AS error) TO '"
                    + root.resolve("pipeline_steps/dt=2026-09-15/part-b2.parquet")
                            .toString()
                            .replace("'", "''")
                    + "' (FORMAT parquet)");
        }
        ArchiveLocation location = ArchiveLocation.parse(root.toString());

        // when
        List<String> datasets = ArchiveDatasets.discover(location);
        List<String> statements = TableDefinitions.statements(Engine.DUCKDB, location, datasets);

        // then: the one dataset, defined by a statement DuckDB runs as printed
        assertThat(datasets).containsExactly("pipeline_steps");
        assertThat(TableDefinitions.script(Engine.DUCKDB, location, datasets)).startsWith("-- pipeline-archiver:");
        try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = duckdb.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
            assertThat(Rows.query(duckdb, "SELECT id, status, error, dt, typeof(dt) FROM pipeline_steps ORDER BY id"))
                    .containsExactly(
                            Arrays.asList(1L, "ok", null, LocalDate.parse("2026-09-14"), "DATE"),
                            Arrays.asList(2L, "error", "boom", LocalDate.parse("2026-09-15"), "DATE"));
            // the partition prunes: a day's filter reads that day's file only
            assertThat(Rows.query(duckdb, "SELECT count(*) FROM pipeline_steps WHERE dt = DATE '2026-09-15'"))
                    .containsExactly(List.of(1L));
        }
    }

    @Test
    void namesAreCheckedAndQuotedForTheEngine() {
        ArchiveLocation s3 = ArchiveLocation.parse("s3://bucket/archive");

        assertThat(TableDefinitions.statements(Engine.DUCKDB, s3, List.of("pipeline_runs", "Odd_Name")))
                .containsExactly(
                        "CREATE OR REPLACE VIEW pipeline_runs AS SELECT * FROM read_parquet("
                                + "'s3://bucket/archive/pipeline_runs/dt=*/*.parquet', hive_partitioning = true,"
                                + " hive_types = {'dt': DATE}, union_by_name = true);",
                        "CREATE OR REPLACE VIEW \"Odd_Name\" AS SELECT * FROM read_parquet("
                                + "'s3://bucket/archive/Odd_Name/dt=*/*.parquet', hive_partitioning = true,"
                                + " hive_types = {'dt': DATE}, union_by_name = true);");
        assertThatThrownBy(() -> TableDefinitions.statements(Engine.DUCKDB, s3, List.of("x; DROP TABLE y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a plain identifier");
        assertThat(Engine.byName("DuckDB")).isEqualTo(Engine.DUCKDB);
        assertThat(Engine.byName("oracle")).isNull();
    }
}
