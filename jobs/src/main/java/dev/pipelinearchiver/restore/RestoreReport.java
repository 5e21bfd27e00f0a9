package dev.pipelinearchiver.restore;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a restore did.
 *
 * @param batches one entry per archive batch whose runs were put back (one transaction each)
 * @param finishedEarlier runs an interrupted earlier restore had put back, whose archive files this one cleaned
 * @param alreadyRestored requested runs that are in PostgreSQL and no longer archived (restored before): nothing to do
 * @param skippedExisting archived runs left alone because they already exist in PostgreSQL ({@code --skip-existing})
 * @param notes anything an operator should know (a sequence advanced, a column missing from the archive)
 */
public record RestoreReport(
        String request,
        List<Batch> batches,
        int finishedEarlier,
        List<Long> alreadyRestored,
        List<Long> skippedExisting,
        List<String> notes) {

    /** Runs of one archive batch put back, rows per table, in one transaction. */
    public record Batch(long batchId, LocalDate dt, int runs, Map<String, Long> rows, long millis) {

        public String line() {
            String perTable = rows.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", "));
            return String.format(
                    "restored batch %d dt=%s: %d runs, %d rows (%s) in %.1f s",
                    batchId,
                    dt,
                    runs,
                    rows.values().stream().mapToLong(Long::longValue).sum(),
                    perTable,
                    millis / 1000.0);
        }
    }

    public long runsRestored() {
        return batches.stream().mapToLong(Batch::runs).sum();
    }

    public long rowsRestored() {
        return batches.stream()
                .flatMap(b -> b.rows().values().stream())
                .mapToLong(Long::longValue)
                .sum();
    }

    /** The lines an operator reads, summary last. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        if (finishedEarlier > 0) {
            lines.add("finished an interrupted restore: " + finishedEarlier + " runs taken out of the archive files");
        }
        batches.forEach(b -> lines.add(b.line()));
        if (!alreadyRestored.isEmpty()) {
            lines.add("already in PostgreSQL and no longer archived (restored earlier), nothing to do: runs "
                    + ids(alreadyRestored));
        }
        if (!skippedExisting.isEmpty()) {
            lines.add(
                    "skipped, already in PostgreSQL although archived: runs " + ids(skippedExisting)
                            + " (they stay in the archive too; compare the two copies and delete one, or a later archive launch archives them again)");
        }
        lines.addAll(notes);
        if (batches.isEmpty()) {
            lines.add("restore " + request + ": nothing to restore");
        } else {
            lines.add(String.format(
                    "restore %s: %d runs, %d rows restored in %d batches; they are no longer in the archive",
                    request, runsRestored(), rowsRestored(), batches.size()));
        }
        return lines;
    }

    static String ids(Collection<Long> ids) {
        String shown = ids.stream().limit(20).map(String::valueOf).collect(Collectors.joining(","));
        return ids.size() > 20 ? shown + ",… (" + ids.size() + " in all)" : shown;
    }
}
