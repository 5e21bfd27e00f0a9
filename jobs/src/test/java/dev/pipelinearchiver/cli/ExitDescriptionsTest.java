package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitDescriptionsTest {

    @Test
    void takesTheLastCauseThatSurvivedTheCutWithoutItsPackage() {
        // given: a stack trace as Spring Batch stores it, cut at 2,500 characters
        String stored = """
                java.lang.IllegalStateException: Batch 3 could not be exported
                \tat dev.pipelinearchiver.archive.ExportBatchTasklet.execute(ExportBatchTasklet.java:80)
                Caused by: java.io.UncheckedIOException: wrapped
                \tat x.Y.z(Y.java:1)
                Caused by: org.apache.hadoop.fs.FileAlreadyExistsException: /archive/pipeline_steps/dt=2026-05-29 is a file
                \tat org.apache.hadoop""";

        // when / then
        assertThat(ExitDescriptions.rootCause(stored))
                .isEqualTo("FileAlreadyExistsException: /archive/pipeline_steps/dt=2026-05-29 is a file");
    }

    @Test
    void keepsPostgresqlsMessageFromSpringsSqlExceptionText() {
        // given: the cut removed every "Caused by"
        String stored =
                "org.springframework.jdbc.UncategorizedSQLException: ConnectionCallback; uncategorized SQLException;"
                        + " SQL state [42501]; error code [0]; ERROR: permission denied for table llm_calls\n\tat org.springframework.jdbc";

        // when / then
        assertThat(ExitDescriptions.rootCause(stored))
                .isEqualTo("PostgreSQL ERROR: permission denied for table llm_calls (SQL state 42501)");
    }

    @Test
    void prefersSpringsLineWithTheSqlStateOverTheDriversCause() {
        // given: a short trace (a step on a thread of its own) where the driver's exception survived the cut
        String stored =
                "org.springframework.jdbc.UncategorizedSQLException: ConnectionCallback; uncategorized SQLException;"
                        + " SQL state [P0001]; error code [0]; ERROR: simulated failure deleting run 26\n  Where: PL/pgSQL function\n"
                        + "\tat org.springframework.jdbc.core.JdbcTemplate.translateException(JdbcTemplate.java:1)\n"
                        + "Caused by: org.postgresql.util.PSQLException: ERROR: simulated failure deleting run 26\n\tat org.postgresql";

        // when / then
        assertThat(ExitDescriptions.rootCause(stored))
                .isEqualTo("PostgreSQL ERROR: simulated failure deleting run 26 (SQL state P0001)");
    }

    @Test
    void keepsPostgresqlsMessageFromATranslatedSqlException() {
        // given: Spring translated the SQL state into an exception of its own; the SQL text is in the message
        String stored =
                "org.springframework.dao.CannotAcquireLockException: ConnectionCallback; SQL [SELECT \"id\" FROM \"public\"."
                        + "\"pipeline_runs\" WHERE \"id\" = ANY (?) ORDER BY \"id\" FOR UPDATE]; ERROR: canceling statement due to lock timeout\n"
                        + "\tat org.springframework.jdbc";

        // when / then
        assertThat(ExitDescriptions.rootCause(stored))
                .isEqualTo("PostgreSQL ERROR: canceling statement due to lock timeout");
    }

    @Test
    void aMessageWithoutStackTraceIsKeptAndNothingGivesNull() {
        assertThat(ExitDescriptions.rootCause("Batch 7, run 12: 4 rows of pipeline_steps counted but 3 streamed"))
                .isEqualTo("Batch 7, run 12: 4 rows of pipeline_steps counted but 3 streamed");
        assertThat(ExitDescriptions.rootCause("")).isNull();
        assertThat(ExitDescriptions.rootCause(null)).isNull();
    }
}
