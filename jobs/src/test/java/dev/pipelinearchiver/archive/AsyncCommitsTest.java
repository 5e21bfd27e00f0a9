package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.pipelinearchiver.support.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Only a process that launches the job commits without waiting for the WAL flush, on every connection of
 * its pool and after the pool's own init SQL; the flush at the end is one synchronous commit that leaves
 * the connection as it found it.
 */
class AsyncCommitsTest {

    private static final TestDatabase DB = TestDatabase.create("archiver_async_commits");

    @AfterAll
    static void drop() {
        DB.drop();
    }

    @Test
    void aLaunchsPoolCommitsAsynchronouslyAfterItsOwnInitSql() throws SQLException {
        try (HikariDataSource pool = pool(true, "SET TIME ZONE 'UTC'")) {
            for (int i = 0; i < 3; i++) {
                try (Connection a = pool.getConnection();
                        Connection b = pool.getConnection()) {
                    for (Connection connection : new Connection[] {a, b}) {
                        assertThat(setting(connection, "synchronous_commit")).isEqualTo("off");
                        assertThat(setting(connection, "TimeZone")).isEqualTo("UTC");
                    }
                }
            }
        }
        try (HikariDataSource pool = pool(true, null);
                Connection connection = pool.getConnection()) {
            assertThat(setting(connection, "synchronous_commit")).isEqualTo("off");
        }
    }

    @Test
    void anyOtherProcessKeepsPostgreSqlsDefault() throws SQLException {
        try (HikariDataSource pool = pool(false, "SET TIME ZONE 'UTC'");
                Connection connection = pool.getConnection()) {
            assertThat(setting(connection, "synchronous_commit")).isEqualTo("on");
            assertThat(pool.getConnectionInitSql()).isEqualTo("SET TIME ZONE 'UTC'");
        }
    }

    @Test
    void theFlushCommitsSynchronouslyAndLeavesTheConnectionAsItWas() throws SQLException {
        try (HikariDataSource pool = pool(true, null);
                Connection connection = pool.getConnection()) {
            long xact = Long.parseLong(setting(connection, "pg_current_xact_id()::text", "SELECT "));
            AsyncCommits.flush(connection);
            assertThat(connection.getAutoCommit()).isTrue();
            assertThat(setting(connection, "synchronous_commit"))
                    .as("SET LOCAL: only the flush's own commit waits")
                    .isEqualTo("off");
            // the flush's transaction took an id (so that its commit wrote a record to wait for) and committed
            long next = Long.parseLong(setting(connection, "pg_current_xact_id()::text", "SELECT "));
            assertThat(next).isGreaterThan(xact + 1);
        }
    }

    private static HikariDataSource pool(boolean launch, String initSql) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(DB.url());
        pool.setUsername(TestDatabase.user());
        pool.setPassword(TestDatabase.password());
        pool.setMaximumPoolSize(2);
        pool.setConnectionInitSql(initSql);
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource("test", Map.of(AsyncCommits.LAUNCH_PROPERTY, String.valueOf(launch))));
        return (HikariDataSource) new AsyncCommits(environment).postProcessAfterInitialization(pool, "dataSource");
    }

    private static String setting(Connection connection, String name) throws SQLException {
        return setting(connection, name, "SHOW ");
    }

    private static String setting(Connection connection, String name, String verb) throws SQLException {
        try (var statement = connection.createStatement();
                var rows = statement.executeQuery(verb + name)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
