package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void aConnectionThatCannotBeMadeIsConfiguration() {
        // given: what the driver says when nothing listens (08001)
        Exception failure = new IllegalStateException(
                "Failed to obtain JDBC Connection", new SQLException("Connection to 127.0.0.1:1 refused.", "08001"));

        // when / then
        assertThat(Failures.describe(failure))
                .isEqualTo("Cannot connect to the database: Connection to 127.0.0.1:1 refused.");
        assertThat(Failures.isConfiguration(failure)).isTrue();
    }

    @Test
    void aConnectionLostMidRunIsSaidSoAndIsNotConfiguration() {
        // given: what the driver says after the server went away, or after it gave the connection up
        for (String state : new String[] {"08003", "08006"}) {
            Exception failure =
                    new RuntimeException("export failed", new SQLException("This connection has been closed.", state));

            // when / then
            assertThat(Failures.describe(failure))
                    .as(state)
                    .isEqualTo("Lost the connection to the database: This connection has been closed.");
            assertThat(Failures.isConfiguration(failure)).as(state).isFalse();
        }
    }
}
