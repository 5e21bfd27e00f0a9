package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.ArchiverApplication;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Starts the application for a subcommand, with the settings given as {@code --spring.*}, {@code --archiver.*} options. */
final class ApplicationContexts {

    private ApplicationContexts() {}

    /**
     * @throws ParameterException (exit 2) for any other option picocli did not recognise
     */
    static ConfigurableApplicationContext start(CommandSpec spec, List<String> settings) {
        for (String argument : settings) {
            if (!argument.startsWith("--spring.") && !argument.startsWith("--archiver.") && !argument.startsWith("--logging.")) {
                throw new ParameterException(spec.commandLine(), "Unknown option: '" + argument + "'");
            }
        }
        return new SpringApplicationBuilder(ArchiverApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.batch.job.enabled=false")
                .run(settings.toArray(String[]::new));
    }
}
