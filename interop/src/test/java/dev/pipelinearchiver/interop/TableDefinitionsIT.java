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
 * views run in DuckDB; then every archived row read through them equals PostgreSQL's.
 */
class TableDefinitionsIT {

    /** The statements of a definitions script: one a line, comments left out, without the closing semicolon. */
    private static List<String> statements(String engine, ArchivedDatabase archive) throws Exception {
        ArchiverJar.Outcome printed =
                ArchiverJar.run(Map.of(), "table-definitions", "--engine=" + engine, "--root=" + archive.root);
        assertThat(printed.exitCode()).as(printed.stderr()).isZero();
        List<String> statements = printed.stdout()
                .lines()
                .filter(line -> !line.isBlank() && !line.startsWith("--"))
                .map(line -> line.strip().replaceFirst(";$", ""))
                .toList();
        assertThat(statements).as(printed.stdout()).hasSizeGreaterThanOrEqualTo(TABLES.size());
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
