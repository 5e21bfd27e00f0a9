package dev.pipelinearchiver;

import dev.pipelinearchiver.cli.ArchiverCommand;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Spring Boot application; the process is started by the command line in {@code cli/}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ArchiverApplication {

    public static void main(String[] args) {
        System.exit(ArchiverCommand.execute(args));
    }
}
