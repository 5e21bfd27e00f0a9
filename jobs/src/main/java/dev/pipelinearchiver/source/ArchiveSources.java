package dev.pipelinearchiver.source;

import dev.pipelinearchiver.ArchiverProperties;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the archiver reads and deletes: the runs table first, then every table its deletion cascades
 * to, each after the table it cascades from; plus how a run is chosen. A table the delete reaches by
 * more than one cascade path is archived with the run of its first path; {@code otherPaths} are the
 * rest, checked before each delete (a row whose paths lead to different runs must not be lost).
 */
public record ArchiveSources(
        List<SourceTable> tables, ArchiverProperties.Source settings, Map<String, List<List<CascadeLink>>> otherPaths) {

    public SourceTable runs() {
        return tables.get(0);
    }

    public List<String> tableNames() {
        return tables.stream().map(SourceTable::name).toList();
    }

    /** Order within a run: the configured sort columns of the table, else its primary key. */
    public List<String> sortColumns(SourceTable table) {
        List<String> configured = settings.sortColumns().get(table.name());
        if (configured != null && !configured.isEmpty()) {
            configured.forEach(table::column);
            return configured;
        }
        return table.primaryKey();
    }

    /**
     * Columns of {@code table} that the first cascade hop of another archived table references: the
     * keys by which rows of those tables are matched to this table's rows (and so to their run).
     */
    public List<String> referencedColumns(SourceTable table) {
        List<String> columns = new ArrayList<>();
        for (SourceTable child : tables) {
            if (!child.isRunsTable()) {
                CascadeLink hop = child.pathToRuns().get(0);
                if (hop.parentTable().name().equals(table.name()) && !columns.contains(hop.parentColumn())) {
                    columns.add(hop.parentColumn());
                }
            }
        }
        return columns;
    }

    public String runKey(SourceTable table) {
        return table.runKeyExpression(settings.idColumn());
    }

    /**
     * For each of a table's other cascade paths: per run reached along that path, the rows that the
     * delete would remove but that are archived with another run (not in the id list), or with none
     * (a NULL run key). Parameters: run ids (the path), run ids (the archived rows).
     *
     * <p>When the table's own run key is a column of the row (the runs table, or one hop from it, as
     * {@code llm_calls.run_id}), the row's run is tested directly; otherwise the rows archived with the
     * listed runs are selected along the table's path and excluded by {@code ctid}.
     */
    public List<String> crossRunRowsSql(SourceTable table) {
        String archivedElsewhere = table.pathToRuns().size() <= 1
                ? "NOT coalesce(" + runKey(table) + " = ANY (?), false)"
                : SourceTable.ALIAS + ".ctid NOT IN (SELECT " + SourceTable.ALIAS + ".ctid FROM " + table.fromClause()
                        + " WHERE " + runKey(table) + " = ANY (?))";
        return otherPaths.getOrDefault(table.name(), List.of()).stream()
                .map(path -> {
                    String runKey = SourceTable.runKeyExpression(path);
                    return "SELECT " + runKey + ", count(*) FROM " + table.fromClause(path) + " WHERE " + runKey
                            + " = ANY (?) AND " + archivedElsewhere + " GROUP BY " + runKey;
                })
                .toList();
    }

    public String countByRunSql(SourceTable table) {
        return table.countByRunSql(settings.idColumn());
    }

    /**
     * The tables in an order in which deleting each one's rows of a run cascades to no table still to be
     * deleted: deepest first, by the longest of a table's cascade paths (llm_calls reaches the runs through
     * the steps, so it goes before them, although its own run key is a column of its own).
     */
    public List<SourceTable> deleteOrder() {
        return tables.stream()
                .sorted(Comparator.comparingInt(this::longestPath).reversed())
                .toList();
    }

    private int longestPath(SourceTable table) {
        return otherPaths.getOrDefault(table.name(), List.of()).stream()
                .mapToInt(List::size)
                .reduce(table.pathToRuns().size(), Math::max);
    }

    public String deleteTotalsByRunSql(SourceTable table) {
        return table.deleteTotalsByRunSql(settings.idColumn());
    }

    public String selectByRunSql(SourceTable table, Predicate<SourceColumn> asTextOutput, long[] runIds) {
        return table.selectByRunSql(settings.idColumn(), sortColumns(table), asTextOutput, runIds);
    }

    public String copyByRunSql(SourceTable table, Predicate<SourceColumn> asTextOutput, long[] runIds) {
        return table.copyByRunSql(settings.idColumn(), sortColumns(table), asTextOutput, runIds);
    }
}
