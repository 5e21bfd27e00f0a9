package dev.pipelinearchiver.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.support.TestDatabase;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The job's retry policy against the failures a real PostgreSQL raises: a terminated backend, a refused
 * connection, a serialization failure, a deadlock, a lock timeout, a statement timeout, a constraint.
 */
class DatabaseRetryTest {

    private static TestDatabase db;
    private static HikariDataSource pool;

    private final AtomicInteger attempts = new AtomicInteger();

    @BeforeAll
    static void createDatabase() {
        db = TestDatabase.create("archiver_retry");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setUsername(db.server().user());
        config.setPassword(db.server().password());
        config.setMaximumPoolSize(4);
        pool = new HikariDataSource(config);
    }

    @AfterAll
    static void dropDatabase() {
        pool.close();
        db.drop();
    }

    @BeforeEach
    void table() {
        db.execute("DROP TABLE IF EXISTS t; CREATE TABLE t (k int PRIMARY KEY, v int NOT NULL);"
                + " INSERT INTO t VALUES (1, 10), (2, 20);");
    }

    private static ArchiverProperties.Database settings(Duration retryFor) {
        return new ArchiverProperties.Database(
                retryFor, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMinutes(5), Duration.ofSeconds(10));
    }

    private static int pid(Connection con) throws SQLException {
        try (Statement st = con.createStatement();
                var rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Ends a session from another one, as pg_terminate_backend (a failover or an administrator) does. */
    private static void terminate(int pid) {
        db.execute("SELECT pg_terminate_backend(" + pid + ")");
    }

    private static SQLException failureOf(Connection con, String sql) {
        try (Statement st = con.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("no failure: " + sql);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aTerminatedBackendARefusedConnectionAndThePoolsTimeoutAreConnectionFailures() throws Exception {
        // given: a session whose backend is terminated, a server that refuses connections, a pool that cannot get one
        SQLException terminated;
        SQLException afterwards;
        try (Connection con = db.connect()) {
            terminate(pid(con));
            terminated = failureOf(con, "SELECT 1");
            afterwards = failureOf(con, "SELECT 1");
        }
        int port = closedPort();
        Throwable refused = catchThrowable(() -> DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/x",
                db.server().user(),
                db.server().password()));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/x");
        config.setConnectionTimeout(250);
        config.setInitializationFailTimeout(-1);
        Throwable poolTimeout;
        try (HikariDataSource unreachable = new HikariDataSource(config)) {
            poolTimeout = catchThrowable(unreachable::getConnection);
        }

        // then
        assertThat(terminated.getSQLState()).isEqualTo("57P01");
        assertThat(afterwards.getSQLState()).startsWith("08");
        assertThat(((SQLException) refused).getSQLState()).isEqualTo("08001");
        assertThat(poolTimeout).isInstanceOf(java.sql.SQLTransientConnectionException.class);
        for (Throwable failure : new Throwable[] {terminated, afterwards, refused, poolTimeout}) {
            assertThat(DatabaseFailure.of(failure)).as(failure.toString()).isEqualTo(DatabaseFailure.CONNECTION);
            assertThat(DatabaseFailure.of(new IllegalStateException("wrapped", failure)))
                    .isEqualTo(DatabaseFailure.CONNECTION);
            assertThat(DatabaseRetry.isTransient(failure)).isTrue();
        }
    }

    @Test
    void serializationFailuresAndDeadlocksAreConflicts() throws Exception {
        // given: write skew between two SERIALIZABLE transactions
        SQLException serialization = null;
        try (Connection a = db.connect();
                Connection b = db.connect()) {
            for (Connection con : new Connection[] {a, b}) {
                con.setAutoCommit(false);
                con.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            }
            try {
                a.createStatement()
                        .executeQuery("SELECT sum(v) FROM t WHERE k = 1")
                        .close();
                b.createStatement()
                        .executeQuery("SELECT sum(v) FROM t WHERE k = 2")
                        .close();
                a.createStatement().execute("UPDATE t SET v = v + 1 WHERE k = 2");
                b.createStatement().execute("UPDATE t SET v = v + 1 WHERE k = 1");
                a.commit();
                b.commit();
            } catch (SQLException e) {
                serialization = e;
            }
        }
        // and: two transactions each waiting for the other's row
        SQLException deadlock = deadlock();

        // then
        assertThat((Throwable) serialization).isNotNull();
        assertThat(serialization.getSQLState()).isEqualTo("40001");
        assertThat(DatabaseFailure.of(serialization)).isEqualTo(DatabaseFailure.CONFLICT);
        assertThat(deadlock.getSQLState()).isEqualTo("40P01");
        assertThat(DatabaseFailure.of(deadlock)).isEqualTo(DatabaseFailure.CONFLICT);
        assertThat(DatabaseRetry.isTransient(deadlock)).isTrue();
    }

    private SQLException deadlock() throws Exception {
        try (Connection a = db.connect();
                Connection b = db.connect()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            a.createStatement().execute("UPDATE t SET v = v WHERE k = 1");
            b.createStatement().execute("UPDATE t SET v = v WHERE k = 2");
            CompletableFuture<SQLException> first = CompletableFuture.supplyAsync(() -> {
                try {
                    a.createStatement().execute("UPDATE t SET v = v WHERE k = 2");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Thread.sleep(200);
            SQLException second = null;
            try {
                b.createStatement().execute("UPDATE t SET v = v WHERE k = 1");
            } catch (SQLException e) {
                second = e;
            }
            b.rollback(); // releases a's wait if b was the victim
            SQLException other = first.get(30, TimeUnit.SECONDS);
            a.rollback();
            return second != null ? second : other;
        }
    }

    @Test
    void lockTimeoutsAreTheirOwnKindAndStatementTimeoutsAndConstraintsAreNotRetried() throws Exception {
        // given
        SQLException lockTimeout;
        try (Connection holder = db.connect();
                Connection waiter = db.connect()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT * FROM t WHERE k = 1 FOR UPDATE");
            waiter.createStatement().execute("SET lock_timeout = 100");
            lockTimeout = failureOf(waiter, "UPDATE t SET v = 0 WHERE k = 1");
            holder.rollback();
        }
        SQLException statementTimeout;
        SQLException duplicate;
        try (Connection con = db.connect()) {
            con.createStatement().execute("SET statement_timeout = 100");
            statementTimeout = failureOf(con, "SELECT pg_sleep(2)");
            duplicate = failureOf(con, "INSERT INTO t VALUES (1, 0)");
        }

        // then
        assertThat(DatabaseFailure.of(lockTimeout)).isEqualTo(DatabaseFailure.LOCK_TIMEOUT);
        assertThat(DatabaseRetry.isTransient(lockTimeout)).isFalse();
        assertThat(statementTimeout.getSQLState()).isEqualTo("57014");
        assertThat(DatabaseFailure.of(statementTimeout)).isEqualTo(DatabaseFailure.OTHER);
        assertThat(DatabaseFailure.of(duplicate)).isEqualTo(DatabaseFailure.OTHER);
        assertThat(DatabaseFailure.of(new DatabaseUnavailableException("a unit", Duration.ofMinutes(3), lockTimeout)))
                .as("a retry that gave up is never started again")
                .isEqualTo(DatabaseFailure.OTHER);
    }

    @Test
    void aUnitOfWorkIsRunAgainUntilTheDatabaseAnswers() throws Exception {
        // given: a unit of work whose backend is terminated under it twice
        DatabaseRetry retry = new DatabaseRetry(settings(Duration.ofSeconds(30)));
        JdbcTemplate jdbc = new JdbcTemplate(pool);

        // when
        Integer answer = retry.call("a ledger read", () -> {
            if (attempts.incrementAndGet() <= 2) {
                try (Connection con = pool.getConnection()) {
                    terminate(pid(con));
                    con.createStatement().execute("SELECT 1");
                }
            }
            return jdbc.queryForObject("SELECT v FROM t WHERE k = 2", Integer.class);
        });

        // then
        assertThat(answer).isEqualTo(20);
        assertThat(attempts).hasValue(3);
    }

    @Test
    void pastRetryForItGivesUpWithOneLineThatSaysWhy() throws Exception {
        // given: a database that stays away
        DatabaseRetry retry = new DatabaseRetry(settings(Duration.ofMillis(600)));
        int port = closedPort();
        long started = System.nanoTime();

        // when
        Throwable failure = catchThrowable(() -> retry.run("writing the manifest", () -> {
            attempts.incrementAndGet();
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/x", "u", "p")
                    .close();
        }));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        // then: it retried for the bound and then ended with one line naming the unit, the bound and the cause
        assertThat(failure)
                .isInstanceOf(DatabaseUnavailableException.class)
                .hasMessageStartingWith("writing the manifest: the database did not answer for 600ms"
                        + " (archiver.database.retry-for); last error: ")
                .hasMessageNotContaining("\n");
        assertThat(failure.getCause()).isInstanceOf(SQLException.class);
        assertThat(attempts.get()).isGreaterThan(2);
        assertThat(elapsedMs).isBetween(600L, 10_000L);
    }

    @Test
    void anyOtherFailureIsRethrownAtOnceAsItIs() throws Exception {
        // given
        DatabaseRetry retry = new DatabaseRetry(settings(Duration.ofSeconds(30)));
        JdbcTemplate jdbc = new JdbcTemplate(pool);

        // when
        Throwable failure = catchThrowable(() -> retry.run("inserting", () -> {
            attempts.incrementAndGet();
            jdbc.update("INSERT INTO t VALUES (1, 0)");
        }));

        // then
        assertThat(failure).isInstanceOf(org.springframework.dao.DuplicateKeyException.class);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void lockTimeoutsAreRetriedOnlyByTheUnitsThatWaitOnTheArchiversOwnLocks() throws Exception {
        // given: another session holds a row for 0.5 s; our statements wait at most 100 ms
        DatabaseRetry retry = new DatabaseRetry(settings(Duration.ofSeconds(30)));
        DatabaseRetry.Work update = () -> {
            attempts.incrementAndGet();
            try (Connection con = pool.getConnection();
                    Statement st = con.createStatement()) {
                st.execute("SET lock_timeout = 100");
                st.execute("UPDATE t SET v = v + 1 WHERE k = 1");
                st.execute("RESET lock_timeout");
            }
        };
        try (Connection holder = db.connect()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT * FROM t WHERE k = 1 FOR UPDATE");

            // when: the purge's kind of unit
            Throwable notRetried = catchThrowable(() -> retry.run("purging", update));

            // then
            assertThat(DatabaseFailure.of(notRetried)).isEqualTo(DatabaseFailure.LOCK_TIMEOUT);
            assertThat(attempts).hasValue(1);

            // when: the statistics' kind, while the holder lets go after 0.5 s
            CountDownLatch released = new CountDownLatch(1);
            CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(500);
                    holder.rollback();
                    released.countDown();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            retry.callWaitingOutLocks("merging statistics", () -> {
                update.run();
                return null;
            });
            assertThat(released.await(5, TimeUnit.SECONDS)).isTrue();
        }

        // then: it waited the lock out and its update is there, once
        assertThat(attempts.get()).isGreaterThan(2);
        assertThat(db.count("SELECT v FROM t WHERE k = 1")).isEqualTo(11);
    }

    @Test
    void aRollbackOnALostConnectionIsARollbackNotAnUnknownOutcome() throws Exception {
        // given: a transaction whose backend is terminated before its next statement, under each manager; and one
        // that fails for a reason of its own (the export's COPY connection lost) while its backend is gone too,
        // so that its rollback is the first to meet the terminated session (SQL state 57P01)
        int plain = statusAfterLosingTheConnection(new JdbcTransactionManager(pool), false);
        int ours = statusAfterLosingTheConnection(new JobTransactionManager(pool), false);
        int plainRollbackFirst = statusAfterLosingTheConnection(new JdbcTransactionManager(pool), true);
        int oursRollbackFirst = statusAfterLosingTheConnection(new JobTransactionManager(pool), true);

        // then: Spring's own reports the rollback as failed (Spring Batch then leaves the step UNKNOWN, which no
        // restart accepts); ours as done, since PostgreSQL discarded the transaction with its session
        assertThat(plain).isEqualTo(TransactionSynchronization.STATUS_UNKNOWN);
        assertThat(plainRollbackFirst).isEqualTo(TransactionSynchronization.STATUS_UNKNOWN);
        assertThat(ours).isEqualTo(TransactionSynchronization.STATUS_ROLLED_BACK);
        assertThat(oursRollbackFirst).isEqualTo(TransactionSynchronization.STATUS_ROLLED_BACK);
        assertThat(db.count("SELECT count(*) FROM t")).isEqualTo(2); // nothing of either transaction stayed
    }

    private static int statusAfterLosingTheConnection(PlatformTransactionManager manager, boolean rollbackFirst) {
        JdbcTemplate jdbc = new JdbcTemplate(pool);
        AtomicInteger completion = new AtomicInteger(-1);
        Throwable failure = catchThrowable(() -> new TransactionTemplate(manager).executeWithoutResult(status -> {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int outcome) {
                    completion.set(outcome);
                }
            });
            jdbc.update("INSERT INTO t VALUES (3, 30)");
            terminate(jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class));
            if (rollbackFirst) {
                try (Connection other = db.connect()) {
                    terminate(pid(other));
                    other.createStatement().execute("SELECT 1");
                } catch (SQLException e) {
                    throw new IllegalStateException("the export's own connection failed", e);
                }
            }
            jdbc.update("INSERT INTO t VALUES (4, 40)");
        }));
        assertThat(failure).isNotNull();
        if (manager instanceof JobTransactionManager) {
            // the statement's own failure, not a rollback failure hiding it
            assertThat(failure).isNotInstanceOf(TransactionSystemException.class);
            assertThat(DatabaseFailure.of(failure)).isEqualTo(DatabaseFailure.CONNECTION);
        }
        return completion.get();
    }
}
