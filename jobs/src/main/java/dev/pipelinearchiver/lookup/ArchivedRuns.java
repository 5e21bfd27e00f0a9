package dev.pipelinearchiver.lookup;

import dev.pipelinearchiver.archive.RunRows;
import dev.pipelinearchiver.ledger.RunState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reads one archived run back from the archive, found through the ledger: the batch whose files hold it
 * (its runs are {@code purged} there), then the run's rows in each of the batch's files, parents first,
 * in the files' order (by run, then each table's sort columns). Reads only. Memory holds one run's rows.
 */
@Component
public class ArchivedRuns {

    /** The rows of one table that belong to the run, as stored (empty when it has none). */
    public record TableRows(String table, String file, Schema schema, List<GenericRecord> rows) {}

    /** One archived copy of the run: its batch, day, and rows per table; tables of the batch with no file in the ledger. */
    public record Copy(long batchId, LocalDate dt, List<TableRows> tables, List<String> missingFiles) {}

    /**
     * What the ledger and the runs table know of a run.
     *
     * @param copies the archived copies (normally one; two only if the run was put back by hand and archived again)
     * @param otherStates the run's states in batches that do not hold it in their files (planned, restored, ...)
     * @param inPostgres whether the runs table holds the run
     */
    public record Lookup(long runId, List<Copy> copies, List<String> otherStates, boolean inPostgres) {}

    /** A file the ledger records that cannot be read: the archive and the ledger differ. */
    public static final class UnreadableFile extends RuntimeException {
        UnreadableFile(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final JdbcTemplate jdbc;
    private final SourceCatalog catalog;
    private final ParquetArchive archive;

    ArchivedRuns(JdbcTemplate jdbc, SourceCatalog catalog, ParquetArchive archive) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.archive = archive;
    }

    public Lookup find(long runId) {
        record Entry(long batchId, String runState, String batchState, LocalDate dt) {}
        List<Entry> entries = jdbc.query(
                LookupSql.BATCHES_OF_RUN,
                (rs, i) -> new Entry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getObject(4, LocalDate.class)),
                runId);
        ArchiveSources sources = catalog.inspect();
        List<Copy> copies = new ArrayList<>();
        List<String> otherStates = new ArrayList<>();
        for (Entry entry : entries) {
            if (RunState.of(entry.runState()) == RunState.PURGED) {
                copies.add(read(runId, entry.batchId(), entry.dt(), sources));
            } else {
                otherStates.add(entry.runState() + " in batch " + entry.batchId() + " (" + entry.batchState() + ")");
            }
        }
        return new Lookup(runId, copies, otherStates, inPostgres(sources, runId));
    }

    private Copy read(long runId, long batchId, LocalDate dt, ArchiveSources sources) {
        Map<String, String> files = new LinkedHashMap<>();
        jdbc.query(
                LookupSql.FILES,
                rs -> {
                    files.put(rs.getString(1), rs.getString(2));
                },
                batchId);
        RunRows selection = new RunRows(sources, new long[] {runId});
        List<TableRows> tables = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (SourceTable table :
                sources.tables()) { // parents first: a child's rows are matched through its parent's keys
            String file = files.get(table.name());
            if (file == null) {
                missing.add(table.name());
                continue;
            }
            tables.add(readTable(table, file, selection));
        }
        // shown the other way round from the delete: a table before those that reference it (steps before calls)
        List<String> order = new ArrayList<>(
                sources.deleteOrder().stream().map(SourceTable::name).toList());
        Collections.reverse(order);
        tables.sort(Comparator.comparingInt(t -> order.indexOf(t.table())));
        return new Copy(batchId, dt, tables, missing);
    }

    private TableRows readTable(SourceTable table, String file, RunRows selection) {
        List<GenericRecord> rows = new ArrayList<>();
        Schema schema = null;
        try (ParquetReader<GenericRecord> reader = archive.reader(file)) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                schema = record.getSchema();
                if (selection.runOf(table, record) != null) {
                    rows.add(record);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new UnreadableFile(
                    "Cannot read " + file + ", the ledger's file of " + table.name() + ": " + e.getMessage()
                            + " (verify checks every file)",
                    e);
        }
        return new TableRows(table.name(), file, schema, List.copyOf(rows));
    }

    private boolean inPostgres(ArchiveSources sources, long runId) {
        String id = SourceTable.quote(sources.settings().idColumn());
        Boolean exists = jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM " + sources.runs().qualifiedName() + " WHERE " + id + " = ?)",
                Boolean.class,
                runId);
        return Boolean.TRUE.equals(exists);
    }
}
