package dev.pipelinearchiver.database;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * What a failure says about the database, read from the SQL states in its exception chain: whether the
 * unit of work that met it may succeed if it is simply run again. The one classification of the job's
 * retry policy ({@link DatabaseRetry}).
 */
public enum DatabaseFailure {

    /**
     * The connection went away or cannot be made for now: any SQL state of class 08 (connection exception:
     * closed, broken, refused while the server restarts), 57P01 (terminated by an administrator, e.g.
     * {@code pg_terminate_backend}, or a fast shutdown), 57P02 (crash shutdown), 57P03 (cannot connect now:
     * starting up or shutting down), or the pool's own timeout waiting for a connection
     * ({@link SQLTransientConnectionException}) or its proxy of a connection it evicted as broken. Safe to retry once PostgreSQL answers again: the
     * transaction that met it never committed, or its commit's outcome is checked by whoever retries it.
     */
    CONNECTION,

    /**
     * PostgreSQL rolled the transaction back to resolve a conflict with another one: 40001 (serialization
     * failure) or 40P01 (deadlock detected). Running it again is what PostgreSQL's documentation asks for.
     */
    CONFLICT,

    /**
     * A lock was not granted within {@code lock_timeout} (55P03). Retried only by the units whose waits are
     * on the archiver's own rows and locks (another shard's short transaction); a lock held on the backend's
     * rows is a stuck session, and the launch ends (exit 1) instead of waiting on it again and again.
     */
    LOCK_TIMEOUT,

    /**
     * The database lost commits of this launch in a crash (asynchronous commits, see
     * {@code archive.AsyncCommits}): the ledger went back to an earlier state of the launch, which the job
     * resumes. Not retried where it is found, but the launch restarts its job instance (all steps are
     * idempotent over the ledger).
     */
    LOST_COMMITS,

    /** Anything else: a bug, bad data, a permission, a statement timeout, a gave-up retry. Never retried. */
    OTHER;

    private static final Set<String> SERVER_GOING_AWAY = Set.of("57P01", "57P02", "57P03");

    /**
     * What HikariCP's connection proxy throws, without an SQL state, once the pool has evicted its broken
     * connection (after a connection exception): every later call on it, the transaction's rollback included.
     */
    private static final String HIKARI_CLOSED = "Connection is closed";

    /** The classification of a failure: the first telling SQL state (or known type) along its causes. */
    public static DatabaseFailure of(Throwable failure) {
        Deque<Throwable> pending = new ArrayDeque<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        add(pending, failure);
        while (!pending.isEmpty()) {
            Throwable t = pending.poll();
            if (!seen.add(t)) {
                continue;
            }
            if (t instanceof DatabaseUnavailableException) {
                return OTHER; // a retry that already gave up: never start it again
            }
            if (t instanceof CommitsLostException) {
                return LOST_COMMITS;
            }
            if (t instanceof SQLTransientConnectionException) {
                return CONNECTION;
            }
            if (t instanceof SQLException sql && sql.getSQLState() == null && HIKARI_CLOSED.equals(sql.getMessage())) {
                return CONNECTION;
            }
            if (t instanceof SQLException sql) {
                DatabaseFailure kind = ofState(sql.getSQLState());
                if (kind != OTHER) {
                    return kind;
                }
                add(pending, sql.getNextException()); // a batch's BatchUpdateException carries the real one there
            }
            add(pending, t.getCause());
        }
        return OTHER;
    }

    private static void add(Deque<Throwable> pending, Throwable failure) {
        if (failure != null) {
            pending.add(failure);
        }
    }

    /** The classification of one SQL state (null: none). */
    public static DatabaseFailure ofState(String sqlState) {
        if (sqlState == null) {
            return OTHER;
        }
        if (sqlState.startsWith("08") || SERVER_GOING_AWAY.contains(sqlState)) {
            return CONNECTION;
        }
        return switch (sqlState) {
            case "40001", "40P01" -> CONFLICT;
            case "55P03" -> LOCK_TIMEOUT;
            default -> OTHER;
        };
    }
}
