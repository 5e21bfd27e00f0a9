package dev.pipelinearchiver.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * The archive's datasets as tables or views of a query engine: the definitions analysts paste into their
 * engine, and those {@code query} creates before running their SQL. One {@link Engine} per dialect; each
 * turns an archive root and a dataset into the statements that define it. A dataset is Hive-partitioned
 * by {@code dt} (the run's finished date, UTC): {@code <root>/<dataset>/dt=YYYY-MM-DD/*.parquet}.
 *
 * <p>Engines that need the columns spelled out (a Hive metastore's {@code CREATE EXTERNAL TABLE}, Trino's
 * {@code CREATE TABLE}) take them from the dataset's published Avro schema ({@link DatasetSchemas}), typed as
 * the files store them ({@link ColumnTypes}); DuckDB reads them from the files.
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

    /** Spark and Athena widen a day's projection from this first day (narrow it to the archive's first day). */
    static final String PROJECTION_START = "2000-01-01";

    /** The Trino schema the tables go into (in the session's Hive catalog). */
    public static final String TRINO_SCHEMA = "archive";

    /** A query engine's dialect. */
    public enum Engine {
        /**
         * DuckDB views over {@code read_parquet}: {@code dt} typed as a DATE from the path, and columns matched
         * by name across files, so that files written before a column was added still read (as NULLs).
         */
        DUCKDB {
            @Override
            boolean needsColumns() {
                return false;
            }

            @Override
            List<String> define(ArchiveLocation root, String dataset, Schema columns) {
                String files = root.duckDb(dataset) + "/" + PARTITION_COLUMN + "=*/*.parquet";
                return List.of("CREATE OR REPLACE VIEW " + identifier(dataset) + " AS SELECT * FROM read_parquet("
                        + literal(files) + ", hive_partitioning = true, hive_types = {'" + PARTITION_COLUMN
                        + "': DATE}, union_by_name = true);");
            }

            @Override
            String comment(String text) {
                return "-- " + text;
            }
        },
        /**
         * Spark SQL with Hive support (and Hive itself): an external table over the dataset's directory
         * ({@code s3a://} for an object store, Hadoop's S3 file system), its partitions found by
         * {@code MSCK REPAIR TABLE} (run it again after each archive launch adds a day).
         */
        SPARK {
            @Override
            List<String> define(ArchiveLocation root, String dataset, Schema columns) {
                String table = backticked(dataset);
                return List.of(
                        "CREATE EXTERNAL TABLE IF NOT EXISTS " + table + " (" + hiveColumns(columns)
                                + ") PARTITIONED BY (" + backticked(PARTITION_COLUMN)
                                + " DATE) STORED AS PARQUET LOCATION "
                                + hiveLiteral(root.uri("s3a", dataset)) + ";",
                        "MSCK REPAIR TABLE " + table + ";");
            }

            @Override
            String comment(String text) {
                return "-- " + text;
            }
        },
        /**
         * Amazon Athena: a Hive-DDL external table whose {@code dt} partitions are projected (computed from
         * the query's filter, no partition to add after each archive launch), over an {@code s3://} root only.
         */
        ATHENA {
            @Override
            void check(ArchiveLocation root) {
                if (root.isLocal()) {
                    throw new IllegalArgumentException("Athena reads only from S3: give an s3:// archive root (" + root
                            + " is a local directory).");
                }
            }

            @Override
            List<String> define(ArchiveLocation root, String dataset, Schema columns) {
                String location = root.uri("s3", dataset);
                String dt = PARTITION_COLUMN;
                return List.of("CREATE EXTERNAL TABLE IF NOT EXISTS " + backticked(dataset) + " ("
                        + hiveColumns(columns) + ") PARTITIONED BY (" + backticked(dt)
                        + " DATE) STORED AS PARQUET LOCATION " + hiveLiteral(location + "/") + " TBLPROPERTIES ("
                        + "'projection.enabled' = 'true', "
                        + "'projection." + dt + ".type' = 'date', "
                        + "'projection." + dt + ".format' = 'yyyy-MM-dd', "
                        + "'projection." + dt + ".range' = '" + PROJECTION_START + ",NOW', "
                        + "'projection." + dt + ".interval' = '1', "
                        + "'projection." + dt + ".interval.unit' = 'DAYS', "
                        + "'storage.location.template' = " + hiveLiteral(location + "/" + dt + "=${" + dt + "}")
                        + ");");
            }

            @Override
            String comment(String text) {
                return "-- " + text;
            }
        },
        /**
         * Trino's Hive connector: a table over the dataset's directory in schema {@value #TRINO_SCHEMA}, its
         * partitions registered by {@code system.sync_partition_metadata} (run it again after each archive
         * launch adds a day). Trino reads Parquet timestamps at the catalog's {@code hive.timestamp-precision}
         * (milliseconds unless set to {@code MICROSECONDS}).
         */
        TRINO {
            @Override
            List<String> prologue() {
                return List.of("CREATE SCHEMA IF NOT EXISTS " + TRINO_SCHEMA + ";");
            }

            @Override
            List<String> define(ArchiveLocation root, String dataset, Schema columns) {
                List<String> names = new ArrayList<>();
                for (Schema.Field field : columns.getFields()) {
                    names.add(quoted(field.name()) + " " + ColumnTypes.of(field, ColumnTypes.Dialect.TRINO));
                }
                names.add(quoted(PARTITION_COLUMN) + " DATE"); // Trino wants partition columns last
                return List.of(
                        "CREATE TABLE IF NOT EXISTS " + TRINO_SCHEMA + "." + quoted(dataset) + " ("
                                + String.join(", ", names) + ") WITH (format = 'PARQUET', external_location = "
                                + literal(root.uri("s3", dataset)) + ", partitioned_by = ARRAY['" + PARTITION_COLUMN
                                + "']);",
                        "CALL system.sync_partition_metadata(schema_name => '" + TRINO_SCHEMA + "', table_name => "
                                + literal(dataset) + ", mode => 'FULL');");
            }

            @Override
            String comment(String text) {
                return "-- " + text;
            }
        };

        /** Whether the definitions spell out the columns (from the dataset's schema). */
        boolean needsColumns() {
            return true;
        }

        /** Refuses a root the engine cannot read. */
        void check(ArchiveLocation root) {}

        /** Statements before the datasets' ones. */
        List<String> prologue() {
            return List.of();
        }

        /** The statements defining one dataset of the archive at {@code root}, whose files hold {@code columns}. */
        abstract List<String> define(ArchiveLocation root, String dataset, Schema columns);

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
        engine.check(root);
        List<String> statements = new ArrayList<>(engine.prologue());
        for (String dataset : datasets) {
            if (!DATASET.matcher(dataset).matches()) {
                throw new IllegalArgumentException("The dataset name '" + dataset + "' is not a plain identifier.");
            }
            statements.addAll(
                    engine.define(root, dataset, engine.needsColumns() ? DatasetSchemas.of(root, dataset) : null));
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

    /** A Hive identifier (Spark, Athena): always quoted, as a column may bear a reserved word's name. */
    static String backticked(String name) {
        return '`' + name.replace("`", "``") + '`';
    }

    /** A Trino identifier: always quoted, for the same reason. */
    static String quoted(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String hiveColumns(Schema columns) {
        List<String> names = new ArrayList<>();
        for (Schema.Field field : columns.getFields()) {
            names.add(backticked(field.name()) + " " + ColumnTypes.of(field, ColumnTypes.Dialect.HIVE));
        }
        return String.join(", ", names);
    }

    /** A Hive string literal (Spark, Athena DDL): quotes and backslashes escaped by a backslash, not doubled. */
    static String hiveLiteral(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
