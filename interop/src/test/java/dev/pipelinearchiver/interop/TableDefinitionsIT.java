package dev.pipelinearchiver.interop;

import static dev.pipelinearchiver.interop.ArchivedDatabase.TABLES;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The definitions {@code table-definitions} prints, pasted into the engine as an analyst would: Spark's Hive DDL
 * (CREATE EXTERNAL TABLE … STORED AS PARQUET, then MSCK REPAIR TABLE) run in Spark with Hive support, DuckDB's
 * views run in DuckDB; Athena's (Hive DDL with partition projection) run in Spark with Hive support too; then
 * every archived row read through them equals PostgreSQL's.
 */
class TableDefinitionsIT {

    /** The statements of a definitions script: one a line, comments left out, without the closing semicolon. */
    private static List<String> statements(String engine, ArchivedDatabase archive) throws Exception {
        return statements(engine, archive.root.toString(), TABLES.size());
    }

    private static List<String> statements(String engine, String root, int datasets) throws Exception {
        ArchiverJar.Outcome printed =
                ArchiverJar.run(Map.of(), "table-definitions", "--engine=" + engine, "--root=" + root);
        assertThat(printed.exitCode()).as(printed.stderr()).isZero();
        List<String> statements = printed.stdout()
                .lines()
                .filter(line -> !line.isBlank() && !line.startsWith("--"))
                .map(line -> line.strip().replaceFirst(";$", ""))
                .toList();
        assertThat(statements).as(printed.stdout()).hasSizeGreaterThanOrEqualTo(datasets);
        return statements;
    }

    @Test
    void sparksDefinitionsRunInSparkAndEveryArchivedRowReadsThroughThem() throws Exception {
        // given
        ArchivedDatabase archive = ArchivedDatabase.get();
        SparkSession spark = Engines.spark();

        // when
        for (String statement : statements("spark", archive)) {
            spark.sql(statement);
        }

        // then: one external table per dataset, its dt partitions found, every row as PostgreSQL had it
        for (String table : TABLES) {
            assertThat(spark.catalog().getTable(table).tableType()).isEqualTo("EXTERNAL");
            List<Map<String, Object>> read =
                    Engines.spark(spark.table(table).drop("dt").orderBy("id"));
            RowComparison.assertSameRows("Spark table " + table, archive.rows.get(table), read);
        }
        assertThat(spark.sql("SELECT count(*) FROM step_stats WHERE dt = DATE'2026-05-20'")
                        .collectAsList()
                        .get(0)
                        .getLong(0))
                .as("step_stats of the day")
                .isPositive();
    }

    /**
     * Athena's definitions exactly as printed for an S3 root, but for their locations: Athena reads only from S3
     * (the command refuses a local root), so the bucket's prefix is replaced by the local archive's. Spark keeps the
     * projection properties without using them, so its partitions are found by MSCK REPAIR TABLE, which Athena users
     * do not run (Athena computes them from the projection). The standard datasets only: a table archived beside
     * them (step_artifacts) has no published schema, and on an S3 root the command has no file to read one from.
     */
    @Test
    void athenasDefinitionsRunInSparkAndEveryArchivedRowReadsThroughThem() throws Exception {
        // given
        ArchivedDatabase archive = ArchivedDatabase.get();
        SparkSession spark = Engines.spark();
        String bucket = "s3://analytics-bucket/pipeline-archive";
        String local = "file:" + archive.root.toAbsolutePath();
        List<String> statements = statements("athena", bucket, 4).stream()
                .map(statement -> statement.replace(bucket + "/", local + "/"))
                .toList();
        List<String> datasets = List.of("pipeline_runs", "pipeline_steps", "llm_calls");

        // when: in a database of their own (the Spark definitions' tables bear the same names), with Spark's
        // variable substitution off: on (Spark's default), it turns the template's ${dt} into "" (measured)
        spark.sql("CREATE DATABASE IF NOT EXISTS athena");
        spark.sql("USE athena");
        spark.conf().set("spark.sql.variable.substitute", "false");
        try {
            for (String statement : statements) {
                spark.sql(statement);
            }
            for (String table : List.of("pipeline_runs", "pipeline_steps", "llm_calls", "step_stats")) {
                spark.sql("MSCK REPAIR TABLE `" + table + "`"); // Spark's stand-in for the projection
            }

            // then: the projection kept as written (the ${dt} template not substituted), every row as PostgreSQL's
            Map<String, String> properties = spark.sql("SHOW TBLPROPERTIES llm_calls").collectAsList().stream()
                    .collect(java.util.stream.Collectors.toMap(row -> row.getString(0), row -> row.getString(1)));
            assertThat(properties)
                    .containsEntry("projection.enabled", "true")
                    .containsEntry("projection.dt.type", "date")
                    .containsEntry("storage.location.template", local + "/llm_calls/dt=${dt}");
            for (String table : datasets) {
                assertThat(spark.catalog().getTable("athena", table).tableType())
                        .isEqualTo("EXTERNAL");
                List<Map<String, Object>> read =
                        Engines.spark(spark.table(table).drop("dt").orderBy("id"));
                RowComparison.assertSameRows("Athena table " + table, archive.rows.get(table), read);
            }
            assertThat(spark.sql("SELECT count(*) FROM step_stats WHERE dt = DATE'2026-05-20'")
                            .collectAsList()
                            .get(0)
                            .getLong(0))
                    .as("step_stats of the day")
                    .isPositive();
        } finally {
            spark.conf().set("spark.sql.variable.substitute", "true");
            spark.sql("USE default");
        }
    }

    @Test
    void duckDbsDefinitionsRunInDuckDbAndEveryArchivedRowReadsThroughThem() throws Exception {
        // given
        ArchivedDatabase archive = ArchivedDatabase.get();

        // when / then
        try (Connection con = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = con.createStatement()) {
            for (String statement : statements("duckdb", archive)) {
                st.execute(statement);
            }
            for (String table : TABLES) {
                List<Map<String, Object>> read =
                        Engines.duckDb(con, "SELECT * EXCLUDE (dt) FROM " + table + " ORDER BY id");
                RowComparison.assertSameRows("DuckDB view " + table, archive.rows.get(table), read);
            }
        }
    }
}
