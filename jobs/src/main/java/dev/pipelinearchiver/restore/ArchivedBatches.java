package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.restore.RestoreLedger.ArchivedRun;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CascadeLink;
import dev.pipelinearchiver.source.SourceColumn;
import dev.pipelinearchiver.source.SourceTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.springframework.stereotype.Component;

/**
 * What {@link RunRestorer} checks of the archived batches before it inserts anything: each run archived once,
 * its batch purged, and the batch's tables and files restorable faithfully into today's schema (the tables
 * it archived, refused when a column was dropped, retyped or added as NOT NULL without a default).
 */
@Component
class ArchivedBatches {

    private final RestoreLedger ledger;
    private final ParquetArchive archive;

    ArchivedBatches(RestoreLedger ledger, ParquetArchive archive) {
        this.ledger = ledger;
        this.archive = archive;
    }

    /** A run purged twice (put back by hand, then archived again) is in two batches: which copy is right is for a person to say. */
    static void checkArchivedOnce(List<ArchivedRun> archived) {
        Map<Long, List<Long>> batches = archived.stream()
                .collect(Collectors.groupingBy(
                        ArchivedRun::runId, Collectors.mapping(ArchivedRun::batchId, Collectors.toList())));
        batches.forEach((run, in) -> {
            if (in.size() > 1) {
                throw new RestoreException("Run " + run + " is archived twice, in batches " + in
                        + "; nothing was restored (restore it by hand" + " after comparing the copies).");
            }
        });
    }

    /** A batch still being purged belongs to the archive job (whose purge rewrites its files): wait for it. */
    static void checkPurgeFinished(List<ArchivedRun> archived) {
        List<Long> busy = archived.stream()
                .filter(run -> run.batchState() != BatchState.PURGED)
                .map(ArchivedRun::batchId)
                .distinct()
                .toList();
        if (!busy.isEmpty()) {
            throw new RestoreException(
                    "Batches " + busy + " are still being purged (an archive job is running, or failed during its"
                            + " purge); nothing was restored: let the archive job complete (relaunch it), then restore.");
        }
    }

    /**
     * Today's cascade restricted to the tables the batch archived, in the batch's order (the order of its
     * row counts). A table added to the cascade since had no rows of the batch's runs (it did not exist, or
     * was not reached, when they were deleted), so it has no file and nothing to restore. A table archived
     * then that the cascade no longer reaches, or now reaches through a table added since, cannot take its
     * rows back faithfully: refused.
     */
    ArchiveSources archivedSources(long batchId, ArchiveSources today) {
        List<String> archived = ledger.tables(batchId);
        Map<String, SourceTable> byName = new HashMap<>();
        today.tables().forEach(table -> byName.put(table.name(), table));
        List<String> gone =
                archived.stream().filter(name -> !byName.containsKey(name)).toList();
        if (!gone.isEmpty()) {
            throw new RestoreException("Refusing to restore batch " + batchId + ": it archived " + gone
                    + ", which a run's deletion no longer cascades to (dropped, or its foreign key changed since);"
                    + " restoring would leave those rows out, so nothing was restored.");
        }
        List<SourceTable> tables = archived.stream().map(byName::get).toList();
        for (SourceTable table : tables) {
            for (CascadeLink hop : table.pathToRuns()) {
                if (!archived.contains(hop.parentTable().name())) {
                    throw new RestoreException("Refusing to restore batch " + batchId + ": " + table.name()
                            + " now cascades from the runs through "
                            + hop.parentTable().name()
                            + ", which the batch did not archive (added since); its rows would have no parent,"
                            + " so nothing was restored.");
                }
            }
        }
        Map<String, List<List<CascadeLink>>> otherPaths = new HashMap<>();
        today.otherPaths().forEach((name, paths) -> {
            if (archived.contains(name)) {
                otherPaths.put(
                        name,
                        paths.stream()
                                .filter(path -> path.stream()
                                        .allMatch(hop -> archived.contains(
                                                hop.parentTable().name())))
                                .toList());
            }
        });
        return new ArchiveSources(tables, today.settings(), otherPaths);
    }

    /** Today's plan over the tables the batch archived; a note names each table it has no file of. */
    RestorePlan archivedPlan(long batchId, RestorePlan today, Set<String> notes) {
        ArchiveSources sources = archivedSources(batchId, today.sources());
        List<String> archived = sources.tableNames();
        today.sources().tableNames().stream()
                .filter(name -> !archived.contains(name))
                .forEach(name -> notes.add("batch " + batchId + " has no file of " + name
                        + " (not archived then: the table or its cascade was added since), so its runs had no rows"
                        + " of it to restore."));
        return new RestorePlan(
                sources,
                today.insertOrder().stream()
                        .filter(table -> archived.contains(table.name()))
                        .toList());
    }

    /**
     * Refuses a batch whose files today's tables cannot take back faithfully: an archived column the table
     * no longer has (dropped) or has with another type (retyped), or a column added since as NOT NULL
     * without a default (the archived rows have no value for it). A column added since that may be NULL,
     * or has a default, is fine: {@link RowInserter} notes it.
     */
    void checkColumns(long batchId, RestorePlan plan) {
        Map<String, String> files = ledger.files(batchId);
        for (TargetTable table : plan.insertOrder()) {
            String path = files.get(table.name());
            if (path == null) {
                continue; // the insert says the ledger lacks it
            }
            Schema schema;
            try {
                schema = archive.avroSchema(path);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + path + ": " + e.getMessage(), e);
            }
            Set<String> archivedColumns = new HashSet<>();
            for (Schema.Field field : schema.getFields()) {
                String name = field.getProp(AvroMapping.PG_COLUMN) != null
                        ? field.getProp(AvroMapping.PG_COLUMN)
                        : field.name();
                archivedColumns.add(name);
                String column = table.source() + "." + name;
                if (table.column(name).isEmpty()) {
                    throw new RestoreException("Refusing to restore batch " + batchId + ": the archive holds column "
                            + column + ", which the table no longer has (dropped since); its values would be lost,"
                            + " so nothing was restored.");
                }
                String archivedType = field.getProp(AvroMapping.PG_TYPE);
                String todayType = table.source().columns().stream()
                        .filter(c -> c.name().equals(name))
                        .map(SourceColumn::typeName)
                        .findFirst()
                        .orElse(null);
                if (archivedType != null && todayType != null && !archivedType.equals(todayType)) {
                    throw new RestoreException("Refusing to restore batch " + batchId + ": column " + column
                            + " was archived as " + archivedType + " but is " + todayType
                            + " today (retyped since); nothing was restored.");
                }
            }
            for (TargetTable.Column column : table.columns()) {
                if (!archivedColumns.contains(column.name()) && column.notNull() && !column.hasDefault()) {
                    throw new RestoreException("Refusing to restore batch " + batchId + ": column " + table.source()
                            + "." + column.name() + " was added since as NOT NULL without a default, and the"
                            + " archived rows have no value for it; nothing was restored.");
                }
            }
        }
    }
}
