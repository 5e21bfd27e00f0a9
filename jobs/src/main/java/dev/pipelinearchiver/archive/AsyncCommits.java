package dev.pipelinearchiver.archive;

import com.zaxxer.hikari.HikariDataSource;
import dev.pipelinearchiver.database.SessionTimeouts;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.env.Environment;

/**
 * A launch of the archive job commits without waiting for PostgreSQL's WAL flush, and ends with one
 * commit that waits for it. A 200k-run launch made ~600 synchronous commits (Spring Batch's metadata for
 * 60 partitions created, started, updated and ended, and the export's ledger), 1.3 s of waiting for the
 * disk in PostgreSQL's log, some on the single thread that creates the partitions; now 0.07 s
 * (docs/decisions/0004-asynchronous-commits.md). The purge's own transactions always committed this way.
 *
 * <p>Why nothing is lost: PostgreSQL writes the WAL in order, so a crash that loses an asynchronous
 * commit loses every later one too. The ledger can fall back to an earlier state of this launch, never
 * to a mixture: a purge (runs deleted and marked purged in one transaction) cannot outlive the commit
 * that recorded its files, and the files themselves are synced by the job before that commit. An earlier
 * state is what a crash mid-launch leaves anyway, and the next launch goes on from it. {@link #flush}
 * makes everything durable before the manifest is written and before the launch reports its outcome, so
 * an exit code never claims what a crash could take back. Other commands (restore, recover, stop) keep
 * PostgreSQL's default.
 *
 * <p>Set on the connection pool (once per connection, after the pool's own init SQL) only in a process
 * started to launch the job ({@link #LAUNCH_PROPERTY}); another pool than Hikari is left as it is.
 */
public final class AsyncCommits implements BeanPostProcessor {

    /** Set (true) by the commands that launch the job, for their process only. */
    public static final String LAUNCH_PROPERTY = SessionTimeouts.LAUNCH_PROPERTY;

    static final String SESSION_SQL = "SET synchronous_commit = off";

    private static final Logger log = LoggerFactory.getLogger(AsyncCommits.class);

    private final boolean launch;

    AsyncCommits(Environment environment) {
        this.launch = environment.getProperty(LAUNCH_PROPERTY, Boolean.class, false);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (launch && bean instanceof HikariDataSource hikari) {
            // the pool starts on the first getConnection, after this: every connection runs both
            String init = hikari.getConnectionInitSql();
            hikari.setConnectionInitSql(init == null || init.isBlank() ? SESSION_SQL : init + "; " + SESSION_SQL);
        } else if (launch && bean instanceof DataSource) {
            log.debug("data source {} is not Hikari's: its commits wait for the WAL flush", beanName);
        }
        return bean;
    }

    /**
     * One commit that waits for the WAL flush (and for synchronous standbys, as configured): the WAL is
     * flushed in order, so every earlier commit of any session is durable once it returns. The transaction
     * takes an id so that its commit writes a record to wait for.
     */
    static void flush(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            flush(connection);
        }
    }

    static void flush(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET LOCAL synchronous_commit = on");
            statement.execute("SELECT pg_current_xact_id()");
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }
}
