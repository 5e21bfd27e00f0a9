package dev.pipelinearchiver.database;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.JdbcTransactionObjectSupport;
import org.springframework.jdbc.support.JdbcTransactionManager;
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
 * connection dropped. Spring then reports the outcome as unknown without trying a rollback
 * ({@code rollbackOnCommitFailure} false), so it stays UNKNOWN and is never retried as if nothing had
 * happened (the launcher restarts the job instance instead).
 */
public class JobTransactionManager extends JdbcTransactionManager {

    private static final Logger log = LoggerFactory.getLogger(JobTransactionManager.class);

    public JobTransactionManager(DataSource dataSource) {
        super(dataSource);
        // a commit that fails leaves its outcome unknown (STATUS_UNKNOWN), without the rollback below
        setRollbackOnCommitFailure(false);
    }

    @Override
    protected void doRollback(DefaultTransactionStatus status) {
        try {
            super.doRollback(status);
        } catch (RuntimeException e) {
            // JdbcTransactionManager translates the rollback's SQLException (into a DataAccessException where
            // its SQL state is known, e.g. 57P01 for a terminated backend)
            if (DatabaseFailure.of(e) != DatabaseFailure.CONNECTION && !isGone(status)) {
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
