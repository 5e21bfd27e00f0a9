package dev.pipelinearchiver.archive;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive lock of one database and shard: a session-level PostgreSQL advisory lock, held by one pooled
 * connection for the whole launch. A session's locks end with it, so when that connection is lost (its
 * backend terminated, the server restarted) the lock is gone too: a keeper checks the connection every few
 * seconds and takes the lock again on a new one. Should another process have taken it meanwhile, the lock
 * is lost for good and {@code onLost} is called (the launch stops at its next safe point). {@code rewrite-layout}
 * takes it too, so that it never runs beside a launch or another rewrite.
 */
public final class ArchiveLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ArchiveLock.class);

    /** How often the keeper checks that the lock's connection is alive. */
    private static final long CHECK_SECONDS = 2;

    private final DataSource dataSource;
    private final int shard;
    private final Runnable onLost;
    private final ScheduledExecutorService keeper;
    private Connection connection;
    private boolean lost;

    private ArchiveLock(DataSource dataSource, int shard, Connection connection, Runnable onLost) {
        this.dataSource = dataSource;
        this.shard = shard;
        this.connection = connection;
        this.onLost = onLost;
        this.keeper = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "archive-lock");
            thread.setDaemon(true);
            return thread;
        });
        keeper.scheduleWithFixedDelay(this::keep, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** Takes the lock, or returns null when another session holds it. */
    public static ArchiveLock tryAcquire(DataSource dataSource, int shard, Runnable onLost) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            if (!tryLock(connection, shard)) {
                connection.close();
                return null;
            }
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return new ArchiveLock(dataSource, shard, connection, onLost);
    }

    /** Whether the lock was taken by another process after its connection was lost. */
    synchronized boolean isLost() {
        return lost;
    }

    /**
     * Makes sure the lock is held now, taking it again on a new connection if its connection is gone.
     *
     * @throws IllegalStateException if another process has taken it
     * @throws SQLException if the database cannot be reached (the caller's retry waits for it)
     */
    public synchronized void ensureHeld() throws SQLException {
        if (lost) {
            throw lostForGood();
        }
        if (connection != null && connection.isValid(5)) {
            return;
        }
        closeQuietly();
        Connection fresh = dataSource.getConnection();
        boolean locked;
        try {
            locked = tryLock(fresh, shard);
        } catch (SQLException | RuntimeException e) {
            fresh.close();
            throw e;
        }
        if (!locked) {
            fresh.close();
            lost = true;
            throw lostForGood();
        }
        connection = fresh;
        log.warn("the archive lock's database connection was lost: took the lock again on a new connection");
    }

    private IllegalStateException lostForGood() {
        return new IllegalStateException("the archive lock was lost with its database connection and another process"
                + " took it; this launch stops here (the process holding the lock resumes the job)");
    }

    private void keep() {
        try {
            ensureHeld();
        } catch (IllegalStateException e) {
            keeper.shutdown();
            log.error("{}", e.getMessage());
            onLost.run();
        } catch (SQLException | RuntimeException e) {
            // the database is away: checked again in a moment, as the job's own work retries meanwhile
            log.debug("archive lock check: {}", e.getMessage());
        }
    }

    /** Releases the lock. A lock whose connection is gone is already released: nothing to do then. */
    @Override
    public void close() {
        keeper.shutdownNow(); // first: a check in progress may wait for a connection, holding this object
        synchronized (this) {
            release();
        }
    }

    private void release() {
        if (connection == null) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(ArchiveSql.RELEASE_ARCHIVE_LOCK)) {
            ps.setInt(1, ArchiveLauncher.LOCK_CLASS);
            ps.setInt(2, shard);
            ps.execute();
        } catch (SQLException e) {
            log.debug(
                    "archive lock not released explicitly (its session is gone, and the lock with it): {}",
                    e.getMessage());
        } finally {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("closing the archive lock's connection: {}", e.getMessage());
        }
        connection = null;
    }

    /**
     * Whether a process holds this database's and shard's archive lock. Reads pg_locks rather than trying the
     * lock, so that looking never makes a launch starting meanwhile exit 3.
     */
    static boolean isHeld(DataSource dataSource, int shard) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement ps = connection.prepareStatement(ArchiveSql.ARCHIVE_LOCK_HELD)) {
            ps.setLong(1, ArchiveLauncher.LOCK_CLASS);
            ps.setLong(2, shard);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    static boolean tryLock(Connection connection, int shard) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(ArchiveSql.TRY_ARCHIVE_LOCK)) {
            ps.setInt(1, ArchiveLauncher.LOCK_CLASS);
            ps.setInt(2, shard);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
