package dev.pipelinearchiver.database;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.JdbcTransactionObjectSupport;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * The application's transaction manager (Spring Batch's metadata, the ledger, the tasklets' work): Spring's
 * JDBC one, except that a rollback on a connection that is gone counts as done. PostgreSQL never commits a
 * transaction whose session ended or whose client went away, so there is nothing left to roll back; but
 * Spring would report the rollback as failed, and Spring Batch would then leave the step UNKNOWN ("may be
 * dangerous to proceed"), which no restart accepts. With it, a step whose transaction met a lost connection
 * is an ordinary rolled-back chunk that {@link DatabaseRetry#stepExceptionHandler()} can retry.
 *
 * <p>A commit that fails on a lost connection is different: the server may have committed before the
 * connection dropped. The rollback that follows it is left to fail as before, so its outcome stays UNKNOWN
 * and is never retried as if nothing had happened.
 */
public class JobTransactionManager extends JdbcTransactionManager {

    private static final Logger log = LoggerFactory.getLogger(JobTransactionManager.class);

    /** Set while a commit that failed is rolled back on this thread. */
    private static final ThreadLocal<Boolean> COMMIT_FAILED = new ThreadLocal<>();

    public JobTransactionManager(DataSource dataSource) {
        super(dataSource);
    }

    @Override
    protected void doCommit(DefaultTransactionStatus status) {
        try {
            super.doCommit(status);
        } catch (RuntimeException e) {
            COMMIT_FAILED.set(Boolean.TRUE); // read by the rollback Spring runs next, on this thread
            throw e;
        }
    }

    @Override
    protected void doRollback(DefaultTransactionStatus status) {
        boolean afterFailedCommit = Boolean.TRUE.equals(COMMIT_FAILED.get());
        COMMIT_FAILED.remove();
        try {
            super.doRollback(status);
        } catch (TransactionException e) {
            if (afterFailedCommit || (DatabaseFailure.of(e) != DatabaseFailure.CONNECTION && !isGone(status))) {
                throw e;
            }
            log.debug("rollback on a lost connection: the server has already discarded the transaction", e);
        }
    }

    /** Whether the transaction's connection is closed or no longer answers. */
    private static boolean isGone(DefaultTransactionStatus status) {
        if (!(status.getTransaction() instanceof JdbcTransactionObjectSupport transaction)
                || !transaction.hasConnectionHolder()) {
            return false;
        }
        Connection connection = transaction.getConnectionHolder().getConnection();
        try {
            return connection.isClosed() || !connection.isValid(2);
        } catch (SQLException e) {
            return true;
        }
    }
}
