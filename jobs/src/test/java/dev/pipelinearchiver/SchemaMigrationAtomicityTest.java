package dev.pipelinearchiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.support.TestDatabase;
import java.nio.file.Path;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.FileSystemResource;

/**
 * A process that dies in the middle of a migration must leave the schema as if the migration had not
 * started, so that the next start simply migrates. The death is reproduced at its worst instant: V1's
 * statements and its history row written, and the commit of the history row failing (as a process killed
 * before it). With Flyway's default transactional lock on PostgreSQL the migration runs on a connection of
 * its own and commits first, before the connection holding the lock and the history row: V1's tables
 * stay, unrecorded, and every later start fails with "relation ... already exists" (the ArchiveCommandIT
 * flake). With the application's settings (config/application.yml: one connection) both commit together.
 */
class SchemaMigrationAtomicityTest {

    private static final String APPLICATION = "flyway-under-test";

    private TestDatabase db;

    @BeforeEach
    void create() {
        db = TestDatabase.create("archiver_flyway");
    }

    @AfterEach
    void drop() {
        db.drop();
    }

    /** Flyway as config/application.yml configures it, with the callback that strikes at V1's end. */
    private Flyway flyway(boolean transactionalLock, boolean strike) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(db.url());
        dataSource.setUser(TestDatabase.user());
        dataSource.setPassword(TestDatabase.password());
        dataSource.setApplicationName(APPLICATION);
        FluentConfiguration configuration = Flyway.configure()
                .dataSource(dataSource)
                .schemas("archiver")
                .defaultSchema("archiver")
                .locations("classpath:db/archiver");
        if (strike) {
            configuration.callbacks(new DieBeforeV1sHistoryCommit());
        }
        configuration
                .getPluginRegister()
                .getExact(PostgreSQLConfigurationExtension.class)
                .setTransactionalLock(transactionalLock);
        return configuration.load();
    }

    private static boolean applicationsTransactionalLock() {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new FileSystemResource(Path.of("..", "config", "application.yml")));
        Properties properties = yaml.getObject();
        return Boolean.parseBoolean(properties.getProperty("spring.flyway.postgresql.transactional-lock", "true"));
    }

    @Test
    void withTheApplicationsSettingsAMigrationInterruptedBeforeItsCommitIsRedoneByTheNextStart() {
        // given: the application's settings, and V1 interrupted at its end
        Flyway interrupted = flyway(applicationsTransactionalLock(), true);
        try {
            interrupted.migrate();
        } catch (FlywayException e) {
            // the interrupted start may fail: what matters is what it left
        }

        // when: the next start
        restartAfterTheDeath();
        flyway(applicationsTransactionalLock(), false).migrate();

        // then: every migration applied once, the tables there
        assertThat(db.count("SELECT count(*) FROM archiver.flyway_schema_history WHERE success AND version = '1'"))
                .isOne();
        assertThat(db.count("SELECT count(*) FROM archiver.batch_job_instance")).isZero();
        assertThat(db.count("SELECT count(*) FROM archiver.archive_batch")).isZero();
    }

    @Test
    void withFlywaysDefaultTransactionalLockTheSameInterruptionNeedsAHandEdit() {
        // given: Flyway's default (a transactional lock: the migration and its history row on two connections)
        assertThatThrownBy(() -> flyway(true, true).migrate()).isInstanceOf(FlywayException.class);

        // then: V1's tables committed, its history row not; every later start fails on them
        assertThat(db.count("SELECT count(*) FROM archiver.flyway_schema_history WHERE version = '1'"))
                .isZero();
        restartAfterTheDeath();
        assertThatThrownBy(() -> flyway(true, false).migrate())
                .isInstanceOf(FlywayException.class)
                .hasMessageContaining("already exists");
    }

    /**
     * At the end of V1, before anything is committed: from a connection of the test's own, makes the commit
     * of V1's history row fail (a deferred constraint trigger), as a process killed before that commit.
     */
    private final class DieBeforeV1sHistoryCommit implements Callback {

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.AFTER_EACH_MIGRATE
                    && context.getMigrationInfo() != null
                    && "1".equals(context.getMigrationInfo().getVersion().getVersion());
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            db.execute("""
                    CREATE FUNCTION public.die_before_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'the process died before this commit'; END $$;
                    CREATE CONSTRAINT TRIGGER die_before_commit AFTER INSERT ON archiver.flyway_schema_history
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.version = '1')
                    EXECUTE FUNCTION public.die_before_commit();""");
        }

        @Override
        public String getCallbackName() {
            return "die-before-v1-history-commit";
        }
    }

    /** The process is gone: so is what made it die. */
    private void restartAfterTheDeath() {
        db.execute("DROP TRIGGER IF EXISTS die_before_commit ON archiver.flyway_schema_history;"
                + " DROP FUNCTION IF EXISTS public.die_before_commit();");
    }
}
