package dev.pipelinearchiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.pipelinearchiver.support.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The command line's migration beside the start: {@code migrate} hands it to a thread and returns, and
 * {@code await} returns only once it has ended, with its failure if it failed. Outside the command line
 * it runs inline, as Spring Boot's own strategy does.
 */
class SchemaMigrationTest {

    private TestDatabase db;

    @BeforeEach
    void create() {
        db = TestDatabase.create("archiver_schema_migration");
    }

    @AfterEach
    void drop() {
        db.drop();
    }

    @Test
    void inTheBackgroundMigrateReturnsAtOnceAndAwaitReturnsOnceTheSchemaIsMigrated() throws Exception {
        long expected = appliedMigrationsExpected();
        assertThat(expected).isPositive();
        SchemaMigration migration = new SchemaMigration(environment(true), null);
        try (Connection blocker = db.connect();
                Statement statement = blocker.createStatement()) {
            // Flyway's CREATE SCHEMA waits for this transaction: the migration cannot end before it does
            blocker.setAutoCommit(false);
            statement.execute("CREATE SCHEMA archiver");

            // inline, it would wait for the blocker here
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> migration.migrate(flyway()));

            Thread.sleep(300);
            assertThat(migrationThreadAlive())
                    .as("the migration runs on its own thread, still waiting")
                    .isTrue();
            blocker.rollback();
        }
        migration.await();
        assertThat(migrationThreadAlive()).isFalse();
        assertThat(versionsApplied())
                .as("every migration applied when await returns")
                .isEqualTo(expected);
    }

    @Test
    void aFailedMigrationInTheBackgroundIsThrownByAwait() {
        // a schema archiver that Flyway did not make: it refuses to migrate it
        db.execute("CREATE SCHEMA archiver; CREATE TABLE archiver.archive_batch (x int)");
        SchemaMigration migration = new SchemaMigration(environment(true), null);

        migration.migrate(flyway());

        assertThatThrownBy(migration::await)
                .isInstanceOf(FlywayException.class)
                .hasMessageContaining("non-empty schema");
    }

    @Test
    void outsideTheCommandLineTheMigrationRunsInline() {
        long expected = appliedMigrationsExpected();
        SchemaMigration migration = new SchemaMigration(environment(false), null);

        migration.migrate(flyway());

        assertThat(versionsApplied()).isEqualTo(expected);
        migration.await(); // nothing to wait for
    }

    @Test
    void aReadOnlyCommandLeavesTheSchemaAsItIs() {
        SchemaMigration migration = new SchemaMigration(
                environment(Map.of(SchemaMigration.BACKGROUND_PROPERTY, "true", SchemaMigration.SKIP_PROPERTY, "true")),
                null);

        migration.migrate(flyway());
        migration.await();

        assertThat(db.count("SELECT count(*) FROM pg_namespace WHERE nspname = 'archiver'"))
                .isZero();
    }

    /** The versioned migrations in the jar, all pending in a fresh database. */
    private long appliedMigrationsExpected() {
        return flyway().info().all().length;
    }

    private long versionsApplied() {
        return db.count("SELECT count(*) FROM archiver.flyway_schema_history WHERE success AND version IS NOT NULL");
    }

    private static boolean migrationThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("schema-migration") && t.isAlive());
    }

    private Flyway flyway() {
        return Flyway.configure()
                .dataSource(db.url(), TestDatabase.user(), TestDatabase.password())
                .schemas("archiver")
                .defaultSchema("archiver")
                .locations("classpath:db/archiver")
                .load();
    }

    private static StandardEnvironment environment(boolean background) {
        return environment(Map.of(SchemaMigration.BACKGROUND_PROPERTY, String.valueOf(background)));
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }
}
