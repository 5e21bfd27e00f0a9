package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.archive.Ledger.RunStamp;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The export stamps of the batches being purged, shared by the purger threads: read once per batch instead of
 * once per transaction (a WRITTEN batch's stamps never change; each read decoded all of its runs' arrays).
 */
final class ExportedStamps {

    private final Ledger ledger;
    private final Map<Long, BatchStamps> byBatch = new ConcurrentHashMap<>();

    ExportedStamps(Ledger ledger) {
        this.ledger = ledger;
    }

    /** The stamps of the given runs of a batch, as the export recorded them. */
    Map<Long, RunStamp> of(long batchId, long[] runIds) {
        return byBatch.computeIfAbsent(batchId, ledger::stamps).stamps(runIds);
    }

    /** The batch is finished: its stamps are not needed again. */
    void forget(long batchId) {
        byBatch.remove(batchId);
    }

    /** Drops every batch's stamps: nothing an earlier launch in the same JVM read is ever used. */
    void clear() {
        byBatch.clear();
    }
}
