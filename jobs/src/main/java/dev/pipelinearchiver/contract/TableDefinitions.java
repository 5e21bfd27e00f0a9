package dev.pipelinearchiver.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The archive's datasets as tables or views of a query engine: the definitions analysts paste into their
 * engine, and those {@code query} creates before running their SQL. One {@link Engine} per dialect; each
 * turns an archive root and a dataset into the statements that define it. A dataset is Hive-partitioned
 * by {@code dt} (the run's finished date, UTC): {@code <root>/<dataset>/dt=YYYY-MM-DD/*.parquet}.
 *
 * <p>Engines that need the columns spelled out (a Hive metastore's {@code CREATE EXTERNAL TABLE}) will
 * take them from the dataset's published Avro schema; DuckDB reads them from the files.
 */
public final class TableDefinitions {

    /** The datasets every archive of the backend's standard tables has (the analysts' contract). */
    public static final List<String> STANDARD_DATASETS =
            List.of("pipeline_runs", "pipeline_steps", "llm_calls", "step_stats");

    /** The Hive partition column of every dataset. */
    public static final String PARTITION_COLUMN = "dt";

    private static final Pattern DATASET = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");
    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_]*");

    private TableDefinitions() {}

    /** A query engine's dialect. */
    public enum Engine {
        /**
         * DuckDB views over {@code read_parquet}: {@code dt} typed as a DATE from the path, and columns matched
         * by name across files, so that files written before a column was added still read (as NULLs).
         */
        DUCKDB {
            @Override
            List<String> define(ArchiveLocation root, String dataset) {
                String files = root.duckDb(dataset) + "/" + PARTITION_COLUMN + "=*/*.parquet";
                return List.of("CREATE OR REPLACE VIEW " + identifier(dataset) + " AS SELECT * FROM read_parquet("
                        + literal(files) + ", hive_partitioning = true, hive_types = {'" + PARTITION_COLUMN
                        + "': DATE}, union_by_name = true);");
            }

            @Override
            String comment(String text) {
                return "-- " + text;
            }
        };

        /** The statements defining one dataset of the archive at {@code root}. */
        abstract List<String> define(ArchiveLocation root, String dataset);

        /** A line of comment in the engine's SQL. */
        abstract String comment(String text);

        /** The name an operator types ({@code duckdb}). */
        public String optionName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The engine of an option value, case-insensitively; null when there is none of that name. */
        public static Engine byName(String name) {
            for (Engine engine : values()) {
                if (engine.optionName().equalsIgnoreCase(name)) {
                    return engine;
                }
            }
            return null;
        }
    }

    /**
     * The statements defining each dataset, in order.
     *
     * @throws IllegalArgumentException for a dataset name that is not a plain identifier
     */
    public static List<String> statements(Engine engine, ArchiveLocation root, List<String> datasets) {
        List<String> statements = new ArrayList<>();
        for (String dataset : datasets) {
            if (!DATASET.matcher(dataset).matches()) {
                throw new IllegalArgumentException("The dataset name '" + dataset + "' is not a plain identifier.");
            }
            statements.addAll(engine.define(root, dataset));
        }
        return statements;
    }

    /** The definitions as a script to paste into the engine: a header comment, then one statement a line. */
    public static String script(Engine engine, ArchiveLocation root, List<String> datasets) {
        StringBuilder script = new StringBuilder();
        script.append(engine.comment("pipeline-archiver: the archive at " + root + " as " + engine.optionName()
                        + " definitions (datasets " + String.join(", ", datasets) + ")"))
                .append('\n');
        for (String statement : statements(engine, root, datasets)) {
            script.append(statement).append('\n');
        }
        return script.toString();
    }

    static String identifier(String name) {
        return PLAIN.matcher(name).matches() ? name : '"' + name.replace("\"", "\"\"") + '"';
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
