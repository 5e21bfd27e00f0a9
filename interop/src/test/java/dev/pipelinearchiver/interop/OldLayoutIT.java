package dev.pipelinearchiver.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The archive's layout before issue 24, kept as a fixture (src/test/resources/old-layout: an llm_calls file the
 * job wrote at commit a3dc74e, cost_usd numeric(12,6) as a DECIMAL on a BYTE_ARRAY): Spark 4's default vectorized
 * reader fails on it as the issue reports, its row-by-row reader and DuckDB read it.
 */
class OldLayoutIT {

    static final Path OLD_LLM_CALLS = Path.of("src/test/resources/old-layout/llm_calls");

    @Test
    void spark4sVectorizedReaderFailsOnTheOldByteArrayDecimalAndItsRowReaderReadsIt() throws Exception {
        // given
        List<Path> files = ParquetJavaRows.files(OLD_LLM_CALLS);
        assertThat(files).hasSize(1);
        assertThat(Footers.byteArrayDecimals(files.get(0))).containsExactly("cost_usd");
        SparkSession spark = Engines.spark();
        spark.read().parquet(OLD_LLM_CALLS.toString()).createOrReplaceTempView("old_llm_calls");
        String sum = "SELECT count(*) AS n, sum(cost_usd) AS total FROM old_llm_calls";

        // when / then: the default reader fails as issue 24 reports
        assertThatThrownBy(() -> spark.sql(sum).collectAsList()).satisfies(Engines::isTheByteArrayDecimalFailure);

        // and the row-by-row reader gives DuckDB's answer
        Engines.vectorized(spark, false);
        try {
            List<Map<String, Object>> spark4 = Engines.spark(spark.sql(sum));
            List<Map<String, Object>> duckDb = Engines.duckDb("SELECT count(*) AS n, sum(cost_usd) AS total FROM"
                    + " read_parquet('" + OLD_LLM_CALLS.toAbsolutePath() + "/*/*.parquet')");
            assertThat(spark4).isEqualTo(duckDb);
            assertThat(spark4.get(0)).containsEntry("n", 30L);
        } finally {
            Engines.vectorized(spark, true);
        }
    }
}
