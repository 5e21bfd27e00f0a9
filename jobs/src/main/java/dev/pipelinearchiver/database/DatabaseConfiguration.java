package dev.pipelinearchiver.database;

import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The database plumbing the job relies on to survive failures: the transaction manager (Spring Boot's own
 * then backs off, and Spring Batch uses this one) and the timeouts of a launching process's connections.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    @Bean
    JobTransactionManager transactionManager(DataSource dataSource) {
        return new JobTransactionManager(dataSource);
    }

    /** Static: a post-processor of the data source, created before the other beans. */
    @Bean
    static SessionTimeouts sessionTimeouts(Environment environment) {
        return new SessionTimeouts(environment);
    }
}
