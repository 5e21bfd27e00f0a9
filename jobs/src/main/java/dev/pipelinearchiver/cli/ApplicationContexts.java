package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.ArchiverApplication;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Starts the Spring application for one command; only {@code --spring.*}, {@code --archiver.*} and {@code --logging.*} pass through. */
final class ApplicationContexts {

    private ApplicationContexts() {}

    static ConfigurableApplicationContext start(CommandLine commandLine, List<String> springArguments) {
        for (String argument : springArguments) {
            if (!argument.startsWith("--spring.") && !argument.startsWith("--archiver.") && !argument.startsWith("--logging.")) {
                throw new ParameterException(commandLine, "Unknown option: '" + argument + "'");
            }
        }
        return new SpringApplicationBuilder(ArchiverApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.batch.job.enabled=false")
                .run(springArguments.toArray(String[]::new));
    }
}
