package dev.pipelinearchiver;

import dev.pipelinearchiver.cli.ArchiverCommand;
import dev.pipelinearchiver.cli.SpringOptions;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Spring Boot application; the process is started by the command line in {@code cli/}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ArchiverApplication {

    public static void main(String[] args) {
        if (Boolean.getBoolean("spring.aot.processing")) {
            // the build's ahead-of-time processing (spring-boot:process-aot) records the application's beans
            SpringOptions.application().run(args);
            return;
        }
        System.exit(ArchiverCommand.execute(args));
    }
}
