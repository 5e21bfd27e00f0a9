package dev.pipelinearchiver;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.flywaydb.core.Flyway;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Flyway's migration of schema {@code archiver}. The command line ({@code SpringOptions}) has it run on a
 * thread of its own while the rest of the application starts on the main thread ({@value #BACKGROUND_PROPERTY}):
 * nothing reads or writes that schema while the context is created (the job, its ledger and its metadata
 * are used only once a command runs), and a first launch's migration (~0.3-0.6 s) would otherwise keep the
 * second core idle (docs/decisions/0007-flyway-beside-start.md). The command waits for it with {@link #await()}
 * before it does anything, so it never sees the schema half-migrated, and a failed migration fails the
 * command as it failed the start before. If the start itself fails meanwhile, closing the context closes
 * the migration's connection and PostgreSQL rolls back the migration in progress (Flyway runs each in a
 * transaction); the next start applies it. Anywhere else (the tests' contexts) the migration runs inline,
 * as Spring Boot runs it.
 */
@Component
public class SchemaMigration implements FlywayMigrationStrategy {

    /** Set (true) by the command line, which calls {@link #await()} once the context has started. */
    public static final String BACKGROUND_PROPERTY = "pipeline-archiver.migrate-in-background";
    /**
     * Set (true) by a read-only command (the dry run): the schema is left as it is. A property read here rather
     * than {@code spring.flyway.enabled=false}, which the ahead-of-time processed application fixes at build.
     */
    public static final String SKIP_PROPERTY = "pipeline-archiver.skip-migration";

    private final boolean background;
    private final boolean skip;
    private volatile CompletableFuture<Void> migration = CompletableFuture.completedFuture(null);

    /**
     * Takes the settings so that they are bound and validated before any migration starts: a bad setting
     * (an unsupported archive root, say) stops the start with nothing written, not even the schema.
     */
    public SchemaMigration(Environment environment, ArchiverProperties settingsValidatedFirst) {
        this.background = environment.getProperty(BACKGROUND_PROPERTY, Boolean.class, false);
        this.skip = environment.getProperty(SKIP_PROPERTY, Boolean.class, false);
    }

    @Override
    public void migrate(Flyway flyway) {
        if (skip) {
            return;
        }
        if (!background) {
            flyway.migrate();
            return;
        }
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        flyway.migrate();
                        started.complete(null);
                    } catch (Throwable e) {
                        started.completeExceptionally(e);
                    }
                },
                "schema-migration");
        thread.setDaemon(true);
        migration = started;
        thread.start();
    }

    /** Returns once the migration (if this start runs one) has ended; rethrows its failure. */
    public void await() {
        try {
            migration.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
