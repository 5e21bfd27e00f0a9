package dev.pipelinearchiver.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Built once per test JVM and shared by the module's tests: a throw-away PostgreSQL database loaded with
 * {@link InteropData}, its rows and numeric aggregates taken, then archived and purged by the packaged job (1 MiB
 * row groups, so a day's pipeline_steps file has several). Dropped when the JVM exits.
 */
final class ArchivedDatabase {

    static final List<String> TABLES = List.of("pipeline_runs", "pipeline_steps", "llm_calls", "step_artifacts");

    private static ArchivedDatabase instance;

    final SourceDatabase db;
    final Path work;
    final Path root;
    /** Each table's rows as PostgreSQL had them before the archive, ordered by id. */
    final Map<String, List<Map<String, Object>>> rows = new LinkedHashMap<>();
    /** Each table's numeric columns (smallint, integer, bigint, real, double precision, numeric). */
    final Map<String, List<String>> numericColumns = new LinkedHashMap<>();
    /** PostgreSQL's sum, min, max and median (percentile_cont 0.5) of each "table.column" numeric column. */
    final Map<String, Map<String, Object>> aggregates = new LinkedHashMap<>();

    static synchronized ArchivedDatabase get() throws Exception {
        if (instance == null) {
            instance = new ArchivedDatabase();
        }
        return instance;
    }

    private ArchivedDatabase() throws Exception {
        work = Files.createTempDirectory("pipeline-archiver-interop");
        db = new SourceDatabase();
        Runtime.getRuntime().addShutdownHook(new Thread(this::close));
        InteropData.load(db);
        for (String table : TABLES) {
            rows.put(table, parquetNames(db.rows("SELECT * FROM " + table + " ORDER BY id")));
            numericColumns.put(table, numericColumns(table));
            for (String column : numericColumns.get(table)) {
                aggregates.put(table + "." + column, postgresAggregates(table, column));
            }
        }
        root = work.resolve("archive");
        Map<String, String> env = new LinkedHashMap<>(db.jobEnvironment(root));
        env.put("ARCHIVER_PARQUET_ROW_GROUP_BYTES", "1048576"); // the smallest the job allows
        ArchiverJar.Outcome outcome = ArchiverJar.run(env, "archive", "--cutoff=2026-06-01T00:00:00Z");
        assertThat(outcome.exitCode()).as(outcome.stdout() + outcome.stderr()).isZero();
        for (String table : TABLES) {
            assertThat(db.count("SELECT count(*) FROM " + table))
                    .as("purged: " + table)
                    .isZero();
        }
    }

    /**
     * The rows with each column under its name in the files: the contract's rule (AvroMapping.avroName), characters
     * other than letters, digits and _ as _, and a leading digit prefixed by _.
     */
    private static List<Map<String, Object>> parquetNames(List<Map<String, Object>> rows) {
        List<Map<String, Object>> renamed = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            Map<String, Object> named = new LinkedHashMap<>();
            row.forEach((column, value) -> named.put(parquetName(column), value));
            renamed.add(named);
        }
        return renamed;
    }

    static String parquetName(String column) {
        String name = column.replaceAll("[^A-Za-z0-9_]", "_");
        return Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }

    Path dataset(String table) {
        return root.resolve(table);
    }

    private List<String> numericColumns(String table) throws Exception {
        List<String> columns = new ArrayList<>();
        for (var row : db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = '" + table
                + "' AND data_type IN ('smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric')"
                + " ORDER BY ordinal_position")) {
            columns.add((String) row.get("column_name"));
        }
        return columns;
    }

    private Map<String, Object> postgresAggregates(String table, String column) throws Exception {
        String c = "\"" + column + "\"";
        String type = (String) db.rows("SELECT data_type FROM information_schema.columns WHERE table_name = '" + table
                        + "' AND column_name = '" + column + "'")
                .get(0)
                .get("data_type");
        String sum = type.equals("real") ? "sum(" + c + "::float8)" : "sum(" + c + ")"; // Spark sums floats as double
        return db.rows("SELECT " + sum + " AS sum, min(" + c + ") AS min, max(" + c + ") AS max,"
                        + " percentile_cont(0.5) WITHIN GROUP (ORDER BY " + c + ") AS median FROM " + table)
                .get(0);
    }

    private void close() {
        try {
            db.close();
        } catch (Exception e) {
            System.err.println("interop: could not drop " + db.name + ": " + e.getMessage());
        }
        delete(work);
    }

    static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("interop: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
