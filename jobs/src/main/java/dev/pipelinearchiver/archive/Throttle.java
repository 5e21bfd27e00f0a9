package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keeps the job gentle with the backend (pt-archiver's --sleep and --check-slave-lag): pauses between
 * purge transactions and waits while replication lag is above its bound. Waits never outlast the
 * launch's deadline ({@code --max-runtime}); the caller stops at a safe point once it has passed.
 */
@Component
class Throttle {

    private static final Logger log = LoggerFactory.getLogger(Throttle.class);

    private final DataSource dataSource;
    private final ArchiverProperties.Throttle settings;

    Throttle(DataSource dataSource, ArchiverProperties properties) {
        this.dataSource = dataSource;
        this.settings = properties.throttle();
    }

    /** Before a purge transaction: waits for replication to catch up; false if the deadline passed meanwhile. */
    boolean awaitReplication(Instant deadline) throws InterruptedException, SQLException {
        if (settings.maxReplicationLag() == null) {
            return !passed(deadline);
        }
        double bound = settings.maxReplicationLag().toMillis() / 1000.0;
        boolean waited = false;
        for (double lag = lagSeconds(); lag > bound; lag = lagSeconds()) {
            if (passed(deadline)) {
                return false;
            }
            if (!waited) {
                log.info(
                        "replication lag {} s is above {} s: pausing deletes until it catches up",
                        String.format("%.1f", lag),
                        bound);
                waited = true;
            }
            Thread.sleep(settings.lagPollInterval().toMillis());
        }
        if (waited) {
            log.info("replication lag back under {} s: resuming deletes", bound);
        }
        return !passed(deadline);
    }

    /** After a purge transaction committed. */
    void pauseAfterPurge() throws InterruptedException {
        Duration pause = settings.purgePause();
        if (!pause.isZero()) {
            Thread.sleep(pause.toMillis());
        }
    }

    static boolean passed(Instant deadline) {
        return deadline != null && Instant.now().isAfter(deadline);
    }

    /**
     * Read on a pooled connection of its own (in autocommit), not the purge step's transactional one:
     * waiting must not hold a transaction, and its snapshot, open on the backend.
     */
    private double lagSeconds() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(settings.replicationLagQuery())) {
            return rs.next() ? rs.getDouble(1) : 0;
        }
    }
}
