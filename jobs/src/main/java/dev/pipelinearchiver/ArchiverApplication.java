package dev.pipelinearchiver;

import dev.pipelinearchiver.cli.ArchiverCommand;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Spring Boot application; the process is started by the command line in {@code cli/}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ArchiverApplication {

    public static void main(String[] args) {
        if (Boolean.getBoolean("spring.aot.processing")) {
            // the build's ahead-of-time processing (spring-boot:process-aot) records the application's beans
            application().run(args);
            return;
        }
        System.exit(ArchiverCommand.execute(args));
    }

    /**
     * The application as every command starts it, and as the build's ahead-of-time processing sees it
     * ({@link #main}): the beans are the same whatever the command.
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
}
