package dev.pipelinearchiver.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The readers under test, each giving a dataset's rows as maps of column name to {@link Values#canonical} value. */
enum Engines {
    SPARK_VECTORIZED,
    SPARK_ROW_BY_ROW,
    DUCKDB,
    PARQUET_JAVA;

    private static SparkSession spark;

    /**
     * The test JVM's one local Spark 4: a Hive catalog (embedded Derby metastore), UTC, java.time values, no UI;
     * every other setting Spark's default. Stopped, and its directory deleted, when the JVM exits.
     */
    static synchronized SparkSession spark() throws java.io.IOException {
        if (spark == null) {
            Path workDir = java.nio.file.Files.createTempDirectory("pipeline-archiver-spark");
            spark = spark(workDir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                spark.stop();
                ArchivedDatabase.delete(workDir);
            }));
        }
        return spark;
    }

    private static SparkSession spark(Path workDir) {
        return SparkSession.builder()
                .master("local[2]")
                .appName("pipeline-archiver-interop")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.datetime.java8API.enabled", "true")
                .config(
                        "spark.sql.warehouse.dir",
                        workDir.resolve("warehouse").toUri().toString())
                .config(
                        "spark.hadoop.javax.jdo.option.ConnectionURL",
                        "jdbc:derby:;databaseName=" + workDir.resolve("metastore") + ";create=true")
                .enableHiveSupport()
                .getOrCreate();
    }

    /**
     * Spark 4's vectorized reader on a DECIMAL stored as a BYTE_ARRAY (issue 24): FAILED_READ_FILE, caused by a
     * NullPointerException where the decimal updater puts the bytes into its column vector ({@code "this.childColumns"
     * is null} in the executor's log; the driver gets the exception deserialized, without that message).
     */
    static void isTheByteArrayDecimalFailure(Throwable thrown) {
        assertThat(thrown.getMessage()).contains("FAILED_READ_FILE");
        List<String> causes = new ArrayList<>();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof NullPointerException) {
                List<String> frames = Stream.of(t.getStackTrace())
                        .map(f -> f.getClassName().replaceFirst(".*\\.", "") + "." + f.getMethodName())
                        .toList();
                assertThat(frames)
                        .contains(
                                "WritableColumnVector.arrayData",
                                "ParquetVectorUpdaterFactory$BinaryToDecimalUpdater.readValue");
                return;
            }
            causes.add(t.toString());
        }
        throw new AssertionError("no NullPointerException among the causes: " + causes);
    }

    /** Spark with its vectorized Parquet reader on (the default) or off. */
    static void vectorized(SparkSession spark, boolean on) {
        spark.conf().set("spark.sql.parquet.enableVectorizedReader", Boolean.toString(on));
    }

    List<Map<String, Object>> read(SparkSession spark, Path dataset) throws Exception {
        return switch (this) {
            case SPARK_VECTORIZED, SPARK_ROW_BY_ROW -> {
                vectorized(spark, this == SPARK_VECTORIZED);
                try {
                    yield spark(
                            spark.read().parquet(dataset.toString()).drop("dt").orderBy("id"));
                } finally {
                    vectorized(spark, true);
                }
            }
            case DUCKDB ->
                duckDb("SELECT * EXCLUDE (dt) FROM read_parquet('" + dataset
                        + "/*/*.parquet', hive_partitioning = true) ORDER BY id");
            case PARQUET_JAVA -> ParquetJavaRows.read(dataset);
        };
    }

    static List<Map<String, Object>> spark(Dataset<Row> frame) {
        List<Map<String, Object>> rows = new ArrayList<>();
        String[] names = frame.columns();
        for (Row row : frame.collectAsList()) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
                values.put(names[i], Values.canonical(row.get(i)));
            }
            rows.add(values);
        }
        return rows;
    }

    static List<Map<String, Object>> duckDb(String sql) throws SQLException {
        try (Connection con = DriverManager.getConnection("jdbc:duckdb:")) {
            return duckDb(con, sql);
        }
    }

    static List<Map<String, Object>> duckDb(Connection con, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement st = con.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), Values.canonical(rs.getObject(i)));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
