package dev.pipelinearchiver.interop;

import static dev.pipelinearchiver.interop.ArchivedDatabase.TABLES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 24's contract, tried by the engines analysts use: Spark 4 in local mode (vectorized reader on and off),
 * DuckDB and parquet-java each read every column of every row the packaged job archived (the three datasets and
 * an all-types table, NULLs and odd values), compared with PostgreSQL's value taken before the purge; and Spark
 * aggregates every numeric column as PostgreSQL does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineInteropIT {

    ArchivedDatabase archive;
    SparkSession spark;

    @BeforeAll
    void archive() throws Exception {
        archive = ArchivedDatabase.get();
        spark = Engines.spark();
    }

    @Test
    void theJobWritesNoDecimalThatSparksVectorizedReaderCannotRead() throws Exception {
        // layout version 2 (decision 0018): decimals on FIXED_LEN_BYTE_ARRAY, none on BYTE_ARRAY (OldLayoutIT)
        for (String table : TABLES) {
            List<Path> files = ParquetJavaRows.files(archive.dataset(table));
            assertThat(files).as(table).isNotEmpty();
            for (Path file : files) {
                assertThat(Footers.byteArrayDecimals(file)).as(file.toString()).isEmpty();
            }
        }
    }

    Stream<Arguments> tablesByEngine() {
        return TABLES.stream().flatMap(t -> Stream.of(Engines.values()).map(e -> Arguments.of(t, e)));
    }

    @ParameterizedTest(name = "{1} reads every column of {0}")
    @MethodSource("tablesByEngine")
    void everyEngineReadsEveryColumnOfEveryRowAsPostgresHadIt(String table, Engines engine) throws Exception {
        // given
        List<Map<String, Object>> expected = archive.rows.get(table);
        assertThat(expected).isNotEmpty();

        // when
        List<Map<String, Object>> read = engine.read(spark, archive.dataset(table));

        // then: the same rows, every column named as in PostgreSQL, every value equal
        RowComparison.assertSameRows(engine + " on " + table, expected, read);
    }

    Stream<Arguments> tablesByReader() {
        return TABLES.stream().flatMap(t -> Stream.of(Arguments.of(t, true), Arguments.of(t, false)));
    }

    @ParameterizedTest(name = "Spark aggregates every numeric column of {0} (vectorized: {1})")
    @MethodSource("tablesByReader")
    void sparkAggregatesEveryNumericColumnAsPostgresDoes(String table, boolean vectorized) throws Exception {
        // given: the columns Spark reads as numbers; the others are archived as text (unconstrained numeric, and
        // numeric beyond the 38 digits a Spark DECIMAL holds)
        Path dataset = archive.dataset(table);
        StructType schema = spark.read().parquet(dataset.toString()).schema();
        List<String> numeric = archive.numericColumns.get(table).stream()
                .filter(c -> schema.apply(c).dataType() instanceof NumericType)
                .toList();
        assertThat(archive.numericColumns.get(table).stream().filter(c -> !numeric.contains(c)))
                .isSubsetOf("ratio", "big");
        assertThat(numeric).isNotEmpty();

        // when: one query per table, four aggregates per column
        List<String> selects = new ArrayList<>();
        for (String column : numeric) {
            String c = "`" + column + "`";
            // a BIGINT sum overflows in Spark's ANSI mode (the default): summed as an analyst would, as a decimal
            String sum = schema.apply(column).dataType() instanceof LongType
                    ? "sum(CAST(" + c + " AS DECIMAL(38,0)))"
                    : "sum(" + c + ")";
            selects.add(sum + " AS `sum " + column + "`, min(" + c + ") AS `min " + column + "`, max(" + c
                    + ") AS `max " + column + "`, percentile(" + c + ", 0.5) AS `median " + column + "`");
        }
        Map<String, Object> aggregates;
        Engines.vectorized(spark, vectorized);
        try {
            spark.read().parquet(dataset.toString()).createOrReplaceTempView("archived");
            aggregates = Engines.spark(spark.sql("SELECT " + String.join(", ", selects) + " FROM archived"))
                    .get(0);
        } finally {
            Engines.vectorized(spark, true);
        }

        // then
        for (String column : numeric) {
            Map<String, Object> theirs = archive.aggregates.get(table + "." + column);
            String what = table + "." + column;
            assertThat(aggregates.get("min " + column)).as("min " + what).isEqualTo(theirs.get("min"));
            assertThat(aggregates.get("max " + column)).as("max " + what).isEqualTo(theirs.get("max"));
            assertClose(aggregates.get("median " + column), theirs.get("median"), "percentile " + what);
            if (aggregates.get("sum " + column) instanceof Double sum) {
                assertClose(sum, theirs.get("sum"), "sum " + what);
            } else {
                assertThat(new BigDecimal(aggregates.get("sum " + column).toString()))
                        .as("sum " + what)
                        .isEqualByComparingTo(new BigDecimal(theirs.get("sum").toString()));
            }
        }
    }

    private static void assertClose(Object actual, Object expected, String what) {
        double a = actual instanceof String s ? Double.parseDouble(s) : ((Number) actual).doubleValue();
        double e = expected instanceof String s ? Double.parseDouble(s) : ((Number) expected).doubleValue();
        assertThat(a).as(what).isCloseTo(e, within(Math.abs(e) * 1e-12 + 1e-300));
    }
}
