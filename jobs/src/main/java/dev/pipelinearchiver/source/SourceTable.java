package dev.pipelinearchiver.source;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A backend table whose rows disappear when a run is deleted: the runs table itself, or a table reached
 * from it through {@code ON DELETE CASCADE} foreign keys. Builds the SQL that selects a table's rows by
 * run id; every identifier in it comes from the catalog and is quoted.
 *
 * @param pathToRuns the cascade hops from this table up to the runs table (empty for the runs table)
 */
public record SourceTable(
        String schema, String name, List<SourceColumn> columns, List<String> primaryKey, List<CascadeLink> pathToRuns) {

    /** The alias of this table in {@link #fromClause()}. */
    public static final String ALIAS = "t0";

    /**
     * A row's xmin as a number, summed into a run's stamp (and, by the purge's delete, into totals over
     * its runs): the count, the delete and the export must all read it this one way.
     */
    private static final String XMIN = ALIAS + ".xmin::text::bigint";

    public boolean isRunsTable() {
        return pathToRuns.isEmpty();
    }

    public String qualifiedName() {
        return quote(schema) + "." + quote(name);
    }

    /** {@code FROM} clause joining this table up to the table that holds the run id. */
    public String fromClause() {
        return fromClause(pathToRuns);
    }

    /** {@code FROM} clause joining this table along the given cascade path. */
    public String fromClause(List<CascadeLink> path) {
        StringBuilder sql = new StringBuilder(qualifiedName()).append(' ').append(ALIAS);
        for (int i = 0; i + 1 < path.size(); i++) {
            sql.append(" JOIN ").append(joinedTable(path, i)).append(" ON ").append(joinCondition(path, i));
        }
        return sql.toString();
    }

    /** The parent table of hop {@code i} of a path, aliased {@code t<i+1>}. */
    private static String joinedTable(List<CascadeLink> path, int i) {
        return path.get(i).parentTable().qualifiedName() + " t" + (i + 1);
    }

    /** Hop {@code i} of a path: {@code t<i>.column = t<i+1>.parentColumn}. */
    private static String joinCondition(List<CascadeLink> path, int i) {
        CascadeLink hop = path.get(i);
        return "t" + i + "." + quote(hop.column()) + " = t" + (i + 1) + "." + quote(hop.parentColumn());
    }

    /** The expression giving the run id of a row of this table, valid with {@link #fromClause()}. */
    public String runKeyExpression(String runsIdColumn) {
        if (isRunsTable()) {
            return ALIAS + "." + quote(runsIdColumn);
        }
        return runKeyExpression(pathToRuns);
    }

    /** The run id of a row reached along the given (non-empty) cascade path, valid with {@link #fromClause(List)}. */
    public static String runKeyExpression(List<CascadeLink> path) {
        int last = path.size() - 1;
        return "t" + last + "." + quote(path.get(last).column());
    }

    /** Per run: row count and the sum of the rows' xmin (changes on any insert, update or delete). */
    public String countByRunSql(String runsIdColumn) {
        String runKey = runKeyExpression(runsIdColumn);
        return "SELECT " + runKey + ", count(*), coalesce(sum(" + XMIN + "), 0) FROM " + fromClause() + " WHERE "
                + runKey + " = ANY (?) GROUP BY " + runKey;
    }

    /**
     * Deletes this table's rows of the given runs (parameter: run ids) and returns one row: how many it
     * deleted and the sum of their xmin, read as {@link #countByRunSql} reads it but totalled over all the
     * runs, not per run (a {@code GROUP BY} run cost ~0.2 s of PostgreSQL CPU per million rows deleted;
     * the purge compares totals and pins a changed run down with {@link #countByRunSql}). A table further
     * down the cascade is joined along its path with {@code USING}, so delete children before their parents.
     */
    public String deleteTotalsByRunSql(String runsIdColumn) {
        String runKey = runKeyExpression(runsIdColumn);
        StringBuilder using = new StringBuilder();
        StringBuilder joins = new StringBuilder();
        for (int i = 0; i + 1 < pathToRuns.size(); i++) {
            using.append(i == 0 ? " USING " : ", ").append(joinedTable(pathToRuns, i));
            joins.append(joinCondition(pathToRuns, i)).append(" AND ");
        }
        return "WITH deleted AS (DELETE FROM " + qualifiedName() + " " + ALIAS + using + " WHERE " + joins + runKey
                + " = ANY (?) RETURNING "
                + XMIN + " AS row_xmin)"
                + " SELECT count(*), coalesce(sum(row_xmin), 0) FROM deleted";
    }

    /**
     * Every column of this table (1..n), then the run id (n + 1) and the row's xmin as in
     * {@link #countByRunSql} (n + 2), of the given runs, ordered by run id and the given sort columns;
     * the columns {@code asTextOutput} picks are selected as their text output (the type's output
     * function, as a client reading text gets them; NULL stays NULL).
     */
    public String selectByRunSql(
            String runsIdColumn, List<String> sortColumns, Predicate<SourceColumn> asTextOutput, long[] runIds) {
        String runKey = runKeyExpression(runsIdColumn);
        String columnList = columns.stream()
                .map(c -> {
                    String column = ALIAS + "." + quote(c.name());
                    return asTextOutput.test(c)
                            ? "CASE WHEN " + column + " IS NULL THEN NULL ELSE format('%s', " + column + ") END"
                            : column;
                })
                .collect(Collectors.joining(", "));
        // run ids are numbers, written by Long.toString: nothing from outside reaches the statement
        // (a COPY takes no parameters, so the export cannot bind them)
        String ids =
                Arrays.stream(runIds).mapToObj(Long::toString).collect(Collectors.joining(",", "'{", "}'::bigint[]"));
        String order = sortColumns.stream().map(c -> ALIAS + "." + quote(c)).collect(Collectors.joining(", "));
        return "SELECT " + columnList + ", " + runKey + ", " + XMIN + " FROM " + fromClause() + " WHERE " + runKey
                + " = ANY (" + ids + ") ORDER BY " + runKey + (order.isEmpty() ? "" : ", " + order);
    }

    /** {@link #selectByRunSql} as a binary {@code COPY … TO STDOUT}. */
    public String copyByRunSql(
            String runsIdColumn, List<String> sortColumns, Predicate<SourceColumn> asTextOutput, long[] runIds) {
        return "COPY (" + selectByRunSql(runsIdColumn, sortColumns, asTextOutput, runIds)
                + ") TO STDOUT (FORMAT binary)";
    }

    public SourceColumn column(String columnName) {
        return columns.stream()
                .filter(c -> c.name().equals(columnName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("table " + name + " has no column " + columnName));
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }

    /** Quotes a PostgreSQL identifier. */
    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
