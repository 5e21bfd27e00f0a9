package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.archive.Ledger.Batch;
import dev.pipelinearchiver.archive.Ledger.RunStamp;
import dev.pipelinearchiver.source.ArchiveSources;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a batch's runs from the source tables in the caller's transaction, and proves that what went is
 * exactly what was exported: a run whose rows changed since export stays. Plain JDBC on the given
 * connection; records nothing in the ledger (the caller marks the deleted runs purged and the others
 * changed, in the same transaction).
 *
 * <p>The caller's transaction must be REPEATABLE READ with nothing run in it yet (BatchPurge): the first
 * statement here sets the isolation (PostgreSQL refuses it with 25001 once a query ran), so the one snapshot
 * starts with the run lock and the rows counted are the rows deleted. A child row updated or added since the
 * snapshot makes the per-table {@code DELETE} or the cascade fail with a serialization failure (40001, retried
 * by the purge step; the retry's new snapshot sees the change, the totals differ and the run is kept). At READ
 * COMMITTED the cascade after the per-run count would take a newer snapshot and delete a row's version that was
 * never counted nor archived (docs/decisions/0020-purge-at-repeatable-read.md).
 *
 * <p>Locks the runs still eligible ({@code FOR UPDATE}, which also blocks the backend from adding rows to
 * them meanwhile), deletes their rows and checks the totals against the exported stamps; if anything
 * differs it rolls back to a savepoint, re-counts run by run and deletes by explicit id list those whose
 * stamp still equals the exported one.
 */
final class VerifiedDelete {

    private static final Logger log = LoggerFactory.getLogger(VerifiedDelete.class);

    /**
     * What a delete did.
     *
     * @param deleted the runs deleted (every other run asked for stays, changed since export or ineligible)
     * @param recounted whether the runs were counted one by one (a difference, or counting first was asked)
     */
    record Outcome(long[] deleted, boolean recounted) {}

    /** Told before the runs are counted one by one, so that a count that then fails is still seen. */
    interface Recounting {
        /** @param countsOff PostgreSQL does not count a transaction's deletes (track_counts off): counting first */
        void starting(boolean countsOff);
    }

    private final ArchiveSources sources;
    private final Duration lockTimeout;

    VerifiedDelete(ArchiveSources sources, Duration lockTimeout) {
        this.sources = sources;
        this.lockTimeout = lockTimeout;
    }

    /**
     * Deletes those of {@code runIds} still eligible and unchanged since export.
     *
     * @param exported each run's stamp at export (every one of {@code runIds} must have one)
     * @param countFirst count every run before deleting (the role cannot delete, so a failed delete must
     *     not be the way to find out)
     */
    Outcome delete(
            Connection con,
            Batch batch,
            long[] runIds,
            Map<Long, RunStamp> exported,
            boolean countFirst,
            Recounting recounting)
            throws SQLException {
        try (var statement = con.createStatement()) {
            // lock_timeout (archiver.database.lock-timeout): never wait long on the backend's locks: fail,
            // and a rerun resumes here (set here too, not only per session, so that it holds in any process).
            // synchronous_commit: the ledger marks these runs purged in this same transaction, so a
            // commit lost in a PostgreSQL crash loses both together: the runs are back, still 'planned',
            // and the next launch purges them again (and any later synchronous commit, such as the step's
            // own bookkeeping, makes this one durable). So the purge need not wait for each WAL flush
            // (docs/decisions/0004-asynchronous-commits.md). REPEATABLE READ (above). All in one round trip;
            // SET takes no snapshot, so the snapshot starts with the run lock below.
            statement.execute(ArchiveSql.purgeTransactionSettings(Math.max(0, lockTimeout.toMillis())));
        }
        long[] locked = lockEligible(con, batch, runIds); // the transaction's snapshot starts here
        long missing =
                Arrays.stream(runIds).filter(id -> !exported.containsKey(id)).count();
        if (missing > 0) {
            // every run left in a WRITTEN batch was exported (the export released those it did not stream)
            throw new IllegalStateException("Batch " + batch.id() + ": " + missing + " of " + runIds.length
                    + " runs to purge have no stamp recorded at export; nothing deleted");
        }
        if (!countFirst) {
            if (locked.length == 0) {
                return new Outcome(locked, false);
            }
            long[] before = RunStamps.deletedInTransaction(con, sources);
            if (before == null) {
                // a cascade along another path would go unseen: count first
                recounting.starting(true);
                return new Outcome(deleteUnchanged(con, batch, locked, exported), true);
            }
            long[] unchanged = deleteIfAllUnchanged(con, batch, locked, exported, before);
            if (unchanged != null) {
                return new Outcome(unchanged, false);
            }
        }
        recounting.starting(false);
        return new Outcome(deleteUnchanged(con, batch, locked, exported), true);
    }

    private long[] lockEligible(Connection con, Batch batch, long[] runIds) throws SQLException {
        Set<Long> locked = new HashSet<>();
        try (PreparedStatement ps = con.prepareStatement(ArchiveSql.lockEligibleRuns(sources))) {
            ps.setArray(1, Ledger.bigints(con, runIds));
            ps.setArray(
                    2,
                    con.createArrayOf(
                            "text", sources.settings().finishedStatuses().toArray()));
            ps.setObject(3, batch.cutoff().atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    locked.add(rs.getLong(1));
                }
            }
        }
        return runIds.length == locked.size()
                ? runIds
                : Arrays.stream(runIds).filter(locked::contains).toArray();
    }

    /**
     * The common case in one pass: deletes the locked runs' rows table by table (children first) and
     * checks afterwards, in the same transaction, that what was deleted is exactly what was exported:
     * per table, the rows the deletes returned equal the sum of the runs' exported counts; over all
     * tables, their xmin sum equals the sum of the runs' exported fingerprints; and per table, no more
     * rows went than were returned (PostgreSQL's count of this transaction's deletes, cascades
     * included, so a row of another run reached along a second cascade path shows). Totals, not stamps
     * run by run: the per-run {@code GROUP BY} cost ~0.2 s of PostgreSQL CPU per million rows, and a
     * change after export cannot leave both totals as they were ({@link RunStamps} says why). If anything
     * differs the deletes are rolled back to a savepoint and null is returned: the caller then checks
     * run by run, which finds the changed runs. Half the statements of {@link #deleteUnchanged}, which
     * counts every row before it deletes.
     */
    private long[] deleteIfAllUnchanged(
            Connection con, Batch batch, long[] runIds, Map<Long, RunStamp> exported, long[] before)
            throws SQLException {
        long[] expectedRows = new long[sources.tables().size()];
        long expectedXminSum = 0;
        for (long id : runIds) {
            RunStamp stamp = exported.get(id);
            for (int t = 0; t < expectedRows.length; t++) {
                expectedRows[t] += stamp.rowCounts()[t];
            }
            expectedXminSum += stamp.fingerprint();
        }
        Savepoint savepoint = con.setSavepoint();
        RunStamps.Deleted deleted = RunStamps.delete(con, sources, runIds);
        boolean exact = Arrays.equals(deleted.rowsPerTable(), expectedRows)
                && deleted.xminSum() == expectedXminSum
                && Arrays.equals(deletedSince(con, before), deleted.rowsPerTable());
        if (exact) {
            con.releaseSavepoint(savepoint);
            return runIds;
        }
        con.rollback(savepoint);
        log.info(
                "batch {}: some of {} runs changed since export or share rows with another run; checking them one by one",
                batch.id(),
                runIds.length);
        return null;
    }

    /** Rows deleted from each source table in this transaction since {@code before} ({@link RunStamps#deletedInTransaction}). */
    private long[] deletedSince(Connection con, long[] before) throws SQLException {
        long[] now = RunStamps.deletedInTransaction(con, sources);
        return IntStream.range(0, now.length).mapToLong(t -> now[t] - before[t]).toArray();
    }

    /**
     * Counts the locked runs' rows, then deletes (by cascade) those whose stamp is unchanged and whose
     * deletion reaches no other run's rows; checks that the cascade removed no row it did not count.
     */
    private long[] deleteUnchanged(Connection con, Batch batch, long[] runIds, Map<Long, RunStamp> exported)
            throws SQLException {
        Map<Long, RunStamp> now = RunStamps.count(con, sources, runIds);
        long[] unchanged = Arrays.stream(runIds)
                .filter(id -> exported.get(id).sameAs(now.get(id)))
                .toArray();
        unchanged = withoutCrossRunRows(con, batch, unchanged);
        if (unchanged.length == 0) {
            return unchanged;
        }
        long[] before = RunStamps.deletedInTransaction(con, sources);
        try (PreparedStatement ps = con.prepareStatement(ArchiveSql.deleteRuns(sources))) {
            ps.setArray(1, Ledger.bigints(con, unchanged));
            int count = ps.executeUpdate();
            if (count != unchanged.length) {
                throw new IllegalStateException(
                        "Deleted " + count + " runs of batch " + batch.id() + ", expected " + unchanged.length);
            }
        }
        long[] removed = before == null ? null : deletedSince(con, before);
        for (int t = 0; removed != null && t < removed.length; t++) {
            int table = t;
            long counted = Arrays.stream(unchanged)
                    .map(id -> now.get(id).rowCounts()[table])
                    .sum();
            if (removed[t] != counted) {
                // a row added meanwhile along a path the run lock does not cover: roll the whole transaction back
                throw new IllegalStateException("Deleting " + unchanged.length + " runs of batch " + batch.id()
                        + " removed "
                        + removed[t] + " rows of " + sources.tables().get(t).name() + " where " + counted
                        + " were counted and archived; rolled back, nothing deleted (rerun to retry)");
            }
        }
        return unchanged;
    }

    /**
     * Keeps out of the delete every run whose deletion would cascade, along a table's other path, to a
     * row archived with a run that is not deleted now (inconsistent data, e.g. an LLM call whose
     * run_id and step's run differ). Repeated until no such run is left, since keeping one run out can
     * expose another.
     */
    private long[] withoutCrossRunRows(Connection con, Batch batch, long[] runIds) throws SQLException {
        long[] kept = runIds;
        for (boolean changed = true; changed && kept.length > 0; ) {
            changed = false;
            for (var table : sources.tables()) {
                for (String sql : sources.crossRunRowsSql(table)) {
                    Set<Long> offenders = new HashSet<>();
                    try (PreparedStatement ps = con.prepareStatement(sql)) {
                        ps.setArray(1, Ledger.bigints(con, kept));
                        ps.setArray(2, Ledger.bigints(con, kept));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                offenders.add(rs.getLong(1));
                                log.warn(
                                        "batch {}: deleting run {} would also delete {} rows of {} that belong to another run's archive;"
                                                + " keeping it (fix the data, or archive both runs together)",
                                        batch.id(),
                                        rs.getLong(1),
                                        rs.getLong(2),
                                        table.name());
                            }
                        }
                    }
                    if (!offenders.isEmpty()) {
                        kept = Arrays.stream(kept)
                                .filter(id -> !offenders.contains(id))
                                .toArray();
                        changed = true;
                    }
                }
            }
        }
        return kept;
    }
}
