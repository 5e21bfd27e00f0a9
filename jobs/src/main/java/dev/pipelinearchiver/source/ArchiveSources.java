package dev.pipelinearchiver.source;

import dev.pipelinearchiver.ArchiverProperties;
import java.util.List;

/**
 * What the archiver reads and deletes: the runs table first, then every table its deletion cascades
 * to, each after the table it cascades from; plus how a run is chosen.
 */
public record ArchiveSources(List<SourceTable> tables, ArchiverProperties.Source settings) {

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

    public String runKey(SourceTable table) {
        return table.runKeyExpression(settings.idColumn());
    }

    public String countByRunSql(SourceTable table) {
        return table.countByRunSql(settings.idColumn());
    }

    public String selectByRunSql(SourceTable table) {
        return table.selectByRunSql(settings.idColumn(), sortColumns(table));
    }
}
