package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.parquet.WrittenFile;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceTable;
import java.io.IOException;
import java.util.Map;
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
        RunRows dropped = new RunRows(sources, runIds); // follows the cascade keys, parents first
        for (SourceTable table : sources.tables()) {
            WrittenFile rewritten =
                    archive.rewrite(files.get(table.name()).path(), record -> dropped.runOf(table, record) == null);
            ledger.recordFile(batchId, table.name(), rewritten);
        }
    }
}
