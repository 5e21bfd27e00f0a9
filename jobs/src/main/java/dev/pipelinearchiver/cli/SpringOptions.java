package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.ArchiverApplication;
import dev.pipelinearchiver.SchemaMigration;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
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
     * The application as every command starts it, and as the build's ahead-of-time processing sees it
     * ({@code ArchiverApplication}): the beans are the same whatever the command.
     */
    public static SpringApplicationBuilder application(String... extraProperties) {
        return new SpringApplicationBuilder(ArchiverApplication.class)
                .web(WebApplicationType.NONE)
                .registerShutdownHook(false)
                .properties(
                        "spring.batch.job.enabled=false",
                        "logging.register-shutdown-hook=false",
                        SchemaMigration.BACKGROUND_PROPERTY + "=true")
                .properties(extraProperties);
    }

    /**
     * Starts the application (database, Flyway migration of schema archiver, the job's beans) and returns once
     * the migration has ended. Spring's own
     * shutdown hook is off: the command closes the context itself, and a SIGTERM during a launch is handled
     * by {@link GracefulStop}, which needs the database until the job has stopped.
     */
    ConfigurableApplicationContext start(String... extraProperties) {
        validate();
        ConfigurableApplicationContext context =
                application(extraProperties).run(arguments().toArray(String[]::new));
        try {
            context.getBean(SchemaMigration.class).await(); // Flyway migrates beside the start (SchemaMigration)
        } catch (RuntimeException | Error e) {
            context.close();
            throw e;
        }
        return context;
    }
}
