package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.concurrent.Future;

/**
 * Another shard's statistics transaction, taking the day's rows of two step names in the opposite order to this
 * shard's launch, so that PostgreSQL detects a real deadlock ({@code 40P01}) in the launch's transaction that
 * closes a batch (BatchClosing: {@code StatisticsStore.mergeBatch} first makes sure the day's step_stats rows
 * exist, in step-name order, then locks them in that order).
 *
 * <p>No shard of the job does this: every merge inserts and locks the day's rows in step-name order, so two
 * shards wait on each other in one direction only. A deadlock between the job's shards cannot form there; this
 * connection plays a shard that breaks that order, to prove that the retry policy absorbs a deadlock in the
 * launch's statistics transaction (and that without the retry it would fail the launch).
 *
 * <p>Deterministic: before the launch, this transaction inserts the day's row of the <em>last</em> step name
 * ({@link #holdLast}), not committed. The launch's merge inserts the first names and waits on that row; once it
 * waits ({@link #deadlock}), this transaction inserts the row of the <em>first</em> name, which the launch has
 * inserted, and waits on the launch: a cycle. This session's {@code deadlock_timeout} is long, so the launch's
 * backend, whose check runs after the server's (1 s), is the one that finds the cycle and is rolled back. This
 * transaction then rolls back too, leaving nothing behind.
 */
final class DeadlockingShard implements AutoCloseable {

    /** The rows ENSURE_DAY would insert (figures zero); the histogram is never read: this transaction rolls back. */
    private static final String INSERT_DAY_ROW = """
            INSERT INTO archiver.step_stats (dt, step_name, calls, ok, skipped, errors, other_status, error_rate,
                duration_ms_total, invalid_durations, histogram)
            VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0, '\\x'::bytea)
            ON CONFLICT (dt, step_name) DO NOTHING""";

    private final TestDatabase db;
    private final Connection otherShard;
    private final LocalDate day;
    private final int pid;

    private DeadlockingShard(TestDatabase db, LocalDate day) throws SQLException {
        this.db = db;
        this.day = day;
        this.otherShard = db.connect();
        otherShard.setAutoCommit(false);
        try (Statement st = otherShard.createStatement()) {
            // superuser only: this backend never runs the deadlock check before the launch's does
            st.execute("SET deadlock_timeout = '10min'");
            // a bound on this test's waits, should the launch not be the one rolled back
            st.execute("SET statement_timeout = '30s'");
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
        }
    }

    /** Begins the other shard's transaction: it holds the (not yet committed) row of {@code day, lastStep}. */
    static DeadlockingShard holdLast(TestDatabase db, LocalDate day, String lastStep) throws SQLException {
        DeadlockingShard shard = new DeadlockingShard(db, day);
        shard.insert(lastStep);
        return shard;
    }

    /**
     * Waits until the launch's transaction waits on this one, then takes the row of {@code firstStep}, which the
     * launch holds: returns once PostgreSQL has rolled the launch's transaction back (this statement then gets
     * its row), and rolls this transaction back. Fails at once if the launch ends without having waited.
     */
    void deadlock(String firstStep, Future<?> launch, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (db.count("SELECT count(*) FROM pg_stat_activity WHERE " + pid + " = ANY (pg_blocking_pids(pid))") == 0) {
            if (launch.isDone() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the launch never waited on the other shard's step_stats row");
            }
            Thread.sleep(10);
        }
        insert(firstStep); // blocks until the launch's backend finds the cycle and rolls its transaction back
        otherShard.rollback();
    }

    private void insert(String stepName) throws SQLException {
        try (PreparedStatement ps = otherShard.prepareStatement(INSERT_DAY_ROW)) {
            ps.setObject(1, day);
            ps.setString(2, stepName);
            ps.executeUpdate();
        }
    }

    @Override
    public void close() throws SQLException {
        otherShard.close(); // rolls back, if the test failed before deadlock() did
    }
}
