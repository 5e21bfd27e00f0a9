package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Another shard's launch at the same instant, as its metadata transaction meets this shard's: Spring Batch
 * creates a job instance in a SERIALIZABLE transaction that reads the instances of the job
 * ({@code JdbcJobInstanceDao.createJobInstance}: is there one for these parameters?) and inserts one. Two
 * such transactions that interleave (both read, both insert) form a read/write cycle, and PostgreSQL fails
 * the one that commits second with {@code 40001 could not serialize access due to read/write dependencies
 * among transactions}: the failure of issue 18.
 *
 * <p>The interleaving is forced, not waited for: this transaction reads the job's instances and holds a lock
 * that lets this shard read but not insert ({@link #hold}); once this shard's insert waits on it (it has
 * read), this transaction inserts its own instance and commits first ({@link #commitFirst}), so this shard's
 * transaction is the one PostgreSQL fails.
 */
final class ConcurrentShardLaunch implements AutoCloseable {

    private final TestDatabase db;
    private final Connection otherShard;
    private long instanceId;

    private ConcurrentShardLaunch(TestDatabase db) throws SQLException {
        this.db = db;
        this.otherShard = db.connect();
    }

    /** Begins the other shard's transaction: it has read the job's instances, and holds their inserts. */
    static ConcurrentShardLaunch hold(TestDatabase db) throws SQLException {
        ConcurrentShardLaunch launch = new ConcurrentShardLaunch(db);
        launch.otherShard.setAutoCommit(false);
        launch.otherShard.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        try (Statement st = launch.otherShard.createStatement()) {
            st.execute("SELECT count(*) FROM archiver.batch_job_instance WHERE job_name = 'archiveJob'");
            st.execute("LOCK TABLE archiver.batch_job_instance IN SHARE ROW EXCLUSIVE MODE");
        }
        return launch;
    }

    /**
     * Waits until this shard's launch has read the job's instances and waits to insert its own, then inserts
     * the other shard's instance and commits. Returns that instance's id.
     */
    long commitFirst(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (db.count(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                + " AND wait_event_type = 'Lock' AND query ~* '^\\s*INSERT INTO archiver\\.BATCH_JOB_INSTANCE\\M'")
                == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the shard's launch never tried to create its job instance");
            }
            Thread.sleep(10);
        }
        try (Statement st = otherShard.createStatement();
                ResultSet id = st.executeQuery("INSERT INTO archiver.batch_job_instance"
                        + " (job_instance_id, job_name, job_key, version)"
                        + " VALUES (nextval('archiver.batch_job_instance_seq'), 'archiveJob', 'another shard', 0)"
                        + " RETURNING job_instance_id")) {
            id.next();
            instanceId = id.getLong(1);
        }
        otherShard.commit();
        return instanceId;
    }

    @Override
    public void close() throws SQLException {
        otherShard.close(); // rolls back, if the test failed before the commit
    }
}
