package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.pipelinearchiver.archive.ArchiveLauncher.Outcome;
import dev.pipelinearchiver.archive.ArchiveLauncher.Result;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.CapturedLogs;
import dev.pipelinearchiver.support.CapturedLogsExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A step failure provoked on purpose: its stack trace is captured for the test to assert (logback-test.xml),
 * not written to the build log, and it is printed if the test fails.
 */
@ExtendWith(OutputCaptureExtension.class)
class StepFailureLogTest extends ArchiveTestSupport {

    @Test
    void aProvokedStepFailureIsCapturedNotPrinted(CapturedOutput output) throws Exception {
        // given: a run whose deletion fails in PostgreSQL
        fixture.runs(6, "ok", Instant.parse("2026-05-30T00:00:00Z"), 3_600, 2);
        DB.failDeletingRun(DB.count("SELECT min(id) FROM pipeline_runs"));

        // when
        Result result = launcher.archive(CUTOFF);

        // then: the job failed, and the purge's failure is in the captured events with its cause and stack trace
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        List<ILoggingEvent> failures = CapturedLogs.events().stream()
                .filter(event -> event.getLevel() == Level.ERROR)
                .toList();
        assertThat(failures).isNotEmpty();
        assertThat(failures)
                .allSatisfy(event -> assertThat(event.getFormattedMessage())
                        .startsWith("Encountered an error executing step purge"));
        assertThat(CapturedLogs.text())
                .contains("simulated failure deleting run")
                .contains("\tat ");

        // and: not on the console (the build log)
        assertThat(output.getAll())
                .doesNotContain("Encountered an error executing step")
                .doesNotContain("\tat ");

        // and: a test that failed would print them, stack traces included
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Method print =
                CapturedLogsExtension.class.getDeclaredMethod("print", String.class, List.class, PrintStream.class);
        print.setAccessible(true);
        print.invoke(null, "someTest()", failures, new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("captured during the failed test someTest()")
                .contains("Encountered an error executing step purge")
                .contains("simulated failure deleting run")
                .contains("\tat ");
    }
}
