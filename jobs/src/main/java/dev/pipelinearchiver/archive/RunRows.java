package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CascadeLink;
import dev.pipelinearchiver.source.SourceTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * Tells which archived rows belong to some of a batch's runs (to restore them, or to drop them from the
 * batch's files), table by table, and counts them per run. A file of a table two cascades away holds no
 * run id: its rows belong to a run through the key of the parent row its cascade points to, so tables
 * are read in {@link ArchiveSources#tables()} order, parents first, and the keys their children point
 * to are remembered (only those of the given runs: bounded by the batch).
 */
public final class RunRows {

    private final ArchiveSources sources;
    private final List<String> tables;
    private final Map<String, Map<String, Long>> keys = new HashMap<>(); // "table.column" -> key value -> run
    private final Map<Long, int[]> counts = new HashMap<>();
    private final Map<String, List<String>> referenced =
            new HashMap<>(); // table -> columns its children's cascade references

    public RunRows(ArchiveSources sources, long[] runIds) {
        this.sources = sources;
        this.tables = sources.tableNames();
        for (SourceTable table : sources.tables()) {
            referenced.put(table.name(), sources.referencedColumns(table));
        }
        Map<String, Long> runs = new HashMap<>();
        for (long id : runIds) {
            runs.put(Long.toString(id), id);
            counts.put(id, new int[tables.size()]);
        }
        keys.put(key(sources.runs().name(), sources.settings().idColumn()), runs);
    }

    /** The given run a record of {@code table} belongs to, or null; counts it and remembers its keys. */
    public Long runOf(SourceTable table, GenericRecord record) {
        String column;
        String parentKey;
        if (table.isRunsTable()) {
            column = sources.settings().idColumn();
            parentKey = key(table.name(), column);
        } else {
            CascadeLink hop = table.pathToRuns().get(0);
            column = hop.column();
            parentKey = key(hop.parentTable().name(), hop.parentColumn());
        }
        Object value = record.get(AvroMapping.avroName(column));
        Long run = value == null ? null : keys.getOrDefault(parentKey, Map.of()).get(value.toString());
        if (run == null) {
            return null;
        }
        counts.get(run)[tables.indexOf(table.name())]++;
        for (String parentColumn : referenced.get(table.name())) {
            Object referencedValue = record.get(AvroMapping.avroName(parentColumn));
            if (referencedValue != null) {
                keys.computeIfAbsent(key(table.name(), parentColumn), k -> new HashMap<>())
                        .put(referencedValue.toString(), run);
            }
        }
        return run;
    }

    /**
     * Compares the rows found per run and table with those counted at export.
     *
     * @return a sentence naming the first run whose rows differ, or null when every run's rows are as exported
     */
    public String difference(long batchId, Map<Long, int[]> exported) {
        for (Map.Entry<Long, int[]> run : counts.entrySet()) {
            int[] expected = exported.get(run.getKey());
            for (int t = 0; t < tables.size(); t++) {
                if (expected == null || expected[t] != run.getValue()[t]) {
                    return "Batch " + batchId + ", run " + run.getKey() + ": the archive holds " + run.getValue()[t]
                            + " rows of " + tables.get(t) + " but " + (expected == null ? "none" : expected[t])
                            + " were archived";
                }
            }
        }
        return null;
    }

    private static String key(String table, String column) {
        return table + "." + column;
    }
}
