package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CascadeLink;
import dev.pipelinearchiver.source.SourceTable;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.springframework.stereotype.Component;

/**
 * Edits the files of an archived batch. Used when runs must leave a batch after export: runs changed
 * before their deletion (purge), runs put back into PostgreSQL (restore). Each file is rewritten
 * through a staged file and atomically replaced, and the ledger's record of it is updated in the
 * caller's transaction.
 */
@Component
public class BatchFiles {

    private final Ledger ledger;
    private final ParquetArchive archive;

    BatchFiles(Ledger ledger, ParquetArchive archive) {
        this.ledger = ledger;
        this.archive = archive;
    }

    /**
     * Rewrites the batch's files without the given runs' rows, parents before children: a child row is
     * dropped when the parent row its cascade key points to was dropped. Idempotent: rewriting a file
     * that no longer holds those runs changes nothing.
     */
    public void dropRuns(long batchId, ArchiveSources sources, long[] runIds) throws IOException {
        Map<String, WrittenFile> files = ledger.files(batchId);
        Map<String, Set<String>> droppedKeys = new HashMap<>(); // "table.column" -> values of dropped rows
        Set<String> runs = new HashSet<>();
        Arrays.stream(runIds).forEach(id -> runs.add(Long.toString(id)));
        droppedKeys.put(key(sources.runs().name(), sources.settings().idColumn()), runs);
        for (SourceTable table : sources.tables()) {
            List<String> referenced = sources.referencedColumns(table);
            String test = table.isRunsTable() ? sources.settings().idColumn() : table.pathToRuns().get(0).column();
            Set<String> dropped = table.isRunsTable() ? runs : droppedKeys.getOrDefault(parentKey(table), Set.of());
            String testField = AvroMapping.avroName(test);
            WrittenFile rewritten = archive.rewrite(new Path(files.get(table.name()).path()), record -> {
                Object value = record.get(testField);
                if (value == null || !dropped.contains(value.toString())) {
                    return true;
                }
                for (String column : referenced) {
                    Object referencedValue = record.get(AvroMapping.avroName(column));
                    if (referencedValue != null) {
                        droppedKeys.computeIfAbsent(key(table.name(), column), k -> new HashSet<>()).add(referencedValue.toString());
                    }
                }
                return false;
            });
            ledger.recordFile(batchId, table.name(), rewritten);
        }
    }

    private static String parentKey(SourceTable table) {
        CascadeLink hop = table.pathToRuns().get(0);
        return key(hop.parentTable().name(), hop.parentColumn());
    }

    private static String key(String table, String column) {
        return table + "." + column;
    }
}
