package dev.pipelinearchiver.database;

import com.zaxxer.hikari.HikariDataSource;
import dev.pipelinearchiver.ArchiverProperties;
import java.time.Duration;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * In a process that launches the archive job, every pooled connection gets {@code statement_timeout} and
 * {@code lock_timeout} ({@code archiver.database.statement-timeout} / {@code lock-timeout}), set once per
 * connection after the pool's own init SQL, so that no statement of the job waits forever on a stuck
 * backend or a held lock: it fails (exit 1 with the cause) and the next launch resumes. Per session rather
 * than per transaction: it costs no round trip. The export's streaming {@code COPY}, which may run for
 * minutes, lifts the statement timeout for its own transaction.
 */
public final class SessionTimeouts implements BeanPostProcessor {

    /** Set (true) by the commands that launch the job, for their process only (the same as AsyncCommits'). */
    public static final String LAUNCH_PROPERTY = "pipeline-archiver.job-launch";

    private final boolean launch;
    private final Environment environment;

    SessionTimeouts(Environment environment) {
        this.environment = environment;
        this.launch = environment.getProperty(LAUNCH_PROPERTY, Boolean.class, false);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (launch && bean instanceof HikariDataSource hikari) {
            // read here, not injected: a post-processor is created before the beans it would need
            ArchiverProperties.Database settings =
                    Binder.get(environment).bindOrCreate("archiver.database", ArchiverProperties.Database.class);
            String init = hikari.getConnectionInitSql();
            String timeouts = sql(settings);
            hikari.setConnectionInitSql(init == null || init.isBlank() ? timeouts : init + "; " + timeouts);
        }
        return bean;
    }

    /** The session's settings, in milliseconds (0: none); values from validated settings, never from input. */
    static String sql(ArchiverProperties.Database settings) {
        return "SET statement_timeout = " + millis(settings.statementTimeout()) + "; SET lock_timeout = "
                + millis(settings.lockTimeout());
    }

    static long millis(Duration duration) {
        return Math.max(0, duration.toMillis());
    }
}
