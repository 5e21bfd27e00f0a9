package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.ArchiverApplication;
import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.SchemaMigration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Mixed into every command: takes the {@code --spring.*}, {@code --archiver.*} and {@code --logging.*}
 * settings from the command line and starts the application with them, the same way for all commands.
 */
@Command
public final class SpringOptions {

    private CommandSpec command;

    /** Settings are what the command's own options leave unmatched (picocli has no @Unmatched in mixins). */
    @Spec(Spec.Target.MIXEE)
    void command(CommandSpec command) {
        this.command = command;
        command.parser().unmatchedArgumentsAllowed(true);
    }

    private List<String> arguments() {
        return command.commandLine().getUnmatchedArguments();
    }

    private static final String PUSHGATEWAY_ENABLED = "management.prometheus.metrics.export.pushgateway.enabled";

    /**
     * The {@code archiver.*} settings as a start would bind them (environment, {@code --archiver.*} options, the
     * packaged application.yml), with the given archive root, without starting anything: for commands that read
     * the archive alone, with no database. Logging is set up from the same settings, as a start would.
     */
    ArchiverProperties archiverSettings(String outputRoot) {
        validate();
        StandardEnvironment environment = new StandardEnvironment();
        MutablePropertySources sources = environment.getPropertySources();
        sources.addFirst(new SimpleCommandLinePropertySource(arguments().toArray(String[]::new)));
        sources.addFirst(new MapPropertySource("archive root", Map.of("archiver.output-root", outputRoot)));
        ClassPathResource packaged = new ClassPathResource("application.yml");
        if (packaged.exists()) {
            try {
                new YamlPropertySourceLoader().load("application.yml", packaged).forEach(sources::addLast);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read the packaged application.yml", e);
            }
        }
        ConfigurationPropertySources.attach(environment);
        LoggingSystem logging = LoggingSystem.get(SpringOptions.class.getClassLoader());
        logging.beforeInitialize();
        logging.initialize(new LoggingInitializationContext(environment), null, null);
        Binder.get(environment)
                .bind("logging.level", Bindable.mapOf(String.class, LogLevel.class))
                .ifBound(levels -> levels.forEach((name, level) -> logging.setLogLevel(
                        name.equalsIgnoreCase(LoggingSystem.ROOT_LOGGER_NAME) ? null : name, level)));
        return Binder.get(environment)
                .bind("archiver", Bindable.of(ArchiverProperties.class))
                .orElseThrow(() -> new IllegalStateException("No archiver settings"));
    }

    /** Rejects anything that is neither an option of the command nor a setting; call it before any work. */
    void validate() {
        for (String argument : arguments()) {
            if (!argument.startsWith("--spring.")
                    && !argument.startsWith("--archiver.")
                    && !argument.startsWith("--logging.")) {
                throw new ParameterException(command.commandLine(), "Unknown option or argument: '" + argument + "'");
            }
        }
    }

    /**
     * Starts the application (database, Flyway migration of schema archiver, the job's beans) and returns once
     * the migration has ended. Spring's own
     * shutdown hook is off: the command closes the context itself, and a SIGTERM during a launch is handled
     * by {@link GracefulStop}, which needs the database until the job has stopped.
     */
    ConfigurableApplicationContext start(String... extraProperties) {
        return start(false, extraProperties);
    }

    /**
     * Starts the application for a launch of the archive job ({@code archive}, {@code restart}): the only
     * commands that push metrics to a configured Pushgateway. A push replaces its group's metrics, so another
     * command pushing would erase the last launch's (its last-success time included, see LaunchMetrics).
     */
    ConfigurableApplicationContext startLaunch(String... extraProperties) {
        return start(true, extraProperties);
    }

    private ConfigurableApplicationContext start(boolean pushesMetrics, String... extraProperties) {
        validate();
        List<String> args = new ArrayList<>(arguments());
        if (!pushesMetrics) {
            // a command-line argument: it overrides the environment that switches the push on
            args.add("--" + PUSHGATEWAY_ENABLED + "=false");
        }
        ConfigurableApplicationContext context =
                ArchiverApplication.application(extraProperties).run(args.toArray(String[]::new));
        try {
            context.getBean(SchemaMigration.class).await(); // Flyway migrates beside the start (SchemaMigration)
        } catch (RuntimeException | Error e) {
            context.close();
            throw e;
        }
        return context;
    }
}
